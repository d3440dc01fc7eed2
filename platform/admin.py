"""Create platform staff from the command line (the first operator has no one to invite it)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from chainless.platform.accounts import service as accounts
from chainless.platform.audit import service as audit
from chainless.platform.auth import repository
from chainless.platform.core.permissions import Role
from chainless.platform.core.security import SecretHasher
from chainless.platform.core.settings import Settings
from chainless.platform.models import Account, AccountRole


def create_staff(
    session: Session,
    settings: Settings,
    hasher: SecretHasher,
    *,
    email: str,
    password: str,
    roles: tuple[Role, ...] = (Role.PLATFORM_OPERATOR,),
) -> Account:
    existing = repository.account_by_email(session, email)
    if existing is None:
        return accounts.register(
            session,
            settings,
            hasher,
            email=email,
            password=password,
            display_name="Platform staff",
            roles=roles,
            verified=True,
        )
    held = repository.roles_of(session, existing.id)
    for role in roles:
        if role not in held:
            session.add(AccountRole(account_id=existing.id, role=role.value, granted_by="cli"))
    audit.record(
        session,
        "cli",
        "account.roles_granted",
        target_type="account",
        target_id=existing.id,
        changes={"roles": [sorted(held), sorted({*held, *roles})]},
    )
    return existing
