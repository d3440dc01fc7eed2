"""Queries for platform role assignments."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from chainless.platform.core.permissions import Role
from chainless.platform.models import Account, AccountRole


def accounts_by_email(session: Session, emails: Iterable[str], *, lock: bool) -> dict[str, Account]:
    """The accounts with these (lower-cased) emails, locked in id order when ``lock`` is set so
    two syncs running at once serialise instead of interleaving their role changes."""
    statement = select(Account).where(Account.email.in_(list(emails))).order_by(Account.id)
    if lock:
        statement = statement.with_for_update()
    return {account.email: account for account in session.scalars(statement)}


def roles_by_account(session: Session, account_ids: Iterable[str]) -> dict[str, frozenset[Role]]:
    rows = session.execute(
        select(AccountRole.account_id, AccountRole.role).where(
            AccountRole.account_id.in_(list(account_ids))
        )
    )
    held: dict[str, set[Role]] = {}
    for account_id, role in rows:
        held.setdefault(account_id, set()).add(Role(role))
    return {account_id: frozenset(roles) for account_id, roles in held.items()}


def grant(session: Session, account_id: str, roles: Iterable[Role], *, granted_by: str) -> None:
    for role in roles:
        session.add(AccountRole(account_id=account_id, role=role.value, granted_by=granted_by))


def revoke(session: Session, account_id: str, roles: Iterable[Role]) -> None:
    names = [role.value for role in roles]
    if names:
        session.execute(
            delete(AccountRole).where(
                AccountRole.account_id == account_id, AccountRole.role.in_(names)
            )
        )
