"""Register developers, verify their email, change passwords."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from chainless.platform.accounts.passwords import password_problems
from chainless.platform.audit import service as audit
from chainless.platform.auth import repository as auth_repository
from chainless.platform.auth.principal import Principal
from chainless.platform.core.clock import utcnow
from chainless.platform.core.errors import BadRequest, Conflict, Unauthenticated, Unprocessable
from chainless.platform.core.permissions import Role
from chainless.platform.core.security import (
    SecretHasher,
    hash_password,
    new_hex_id,
    new_token,
    verify_password,
)
from chainless.platform.core.settings import Settings
from chainless.platform.mail import service as mail
from chainless.platform.models import Account, AccountRole


def check_password(password: str, email: str, *, field: str = "password") -> None:
    """Refuse a weak password; ``field`` names the request member it came in (problem ``field``),
    so a form shows the reasons next to that input."""
    problems = password_problems(password, email=email)
    if problems:
        raise Unprocessable(
            "the password is too weak: " + "; ".join(problems),
            code="weak_password",
            problems=problems,
            field=field,
        )


def register(
    session: Session,
    settings: Settings,
    hasher: SecretHasher,
    *,
    email: str,
    password: str,
    display_name: str,
    roles: tuple[Role, ...] = (Role.DEVELOPER,),
    verified: bool = False,
) -> Account:
    email = email.strip().lower()
    check_password(password, email)
    if auth_repository.account_by_email(session, email) is not None:
        raise Conflict(f"an account with {email} already exists", code="email_taken")
    account = Account(
        id=new_hex_id(),
        email=email,
        password_hash=hash_password(password),
        display_name=display_name.strip(),
    )
    if verified:
        account.email_verified_at = utcnow()
    session.add(account)
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(f"an account with {email} already exists", code="email_taken") from None
    for role in roles:
        session.add(AccountRole(account_id=account.id, role=role.value))
    audit.record(
        session,
        account.id,
        "account.registered",
        target_type="account",
        target_id=account.id,
        summary=f"registered {email}",
        changes={"roles": [None, [r.value for r in roles]]},
    )
    if not verified:
        _send_verification(session, settings, hasher, account)
    return account


def _send_verification(
    session: Session, settings: Settings, hasher: SecretHasher, account: Account
) -> None:
    token = new_token(24)
    account.verification_token_hash = hasher.hash(token)
    account.verification_expires_at = utcnow() + timedelta(
        hours=settings.email_verification_ttl_hours
    )
    link = f"{settings.public_url}/console/verify-email?token={token}"
    mail.send(
        session,
        to=account.email,
        kind="verify_email",
        subject="Confirm your Chainless developer account",
        body=(
            f"Welcome to Chainless.\n\nConfirm your email address with this link:\n{link}\n\n"
            f"Or send this code to POST /api/v1/accounts/verify-email: {token}\n\n"
            f"It expires in {settings.email_verification_ttl_hours} hours."
        ),
    )


def verify_email(session: Session, hasher: SecretHasher, token: str) -> Account:
    account = (
        session.query(Account)
        .filter(Account.verification_token_hash == hasher.hash(token))
        .one_or_none()
    )
    if account is None:
        raise BadRequest(
            "this verification link is not valid (it may have been used already)",
            code="verification_invalid",
        )
    if account.verification_expires_at is None or account.verification_expires_at < utcnow():
        raise BadRequest(
            "this verification link has expired; ask for a new one", code="verification_expired"
        )
    account.email_verified_at = utcnow()
    account.verification_token_hash = None
    account.verification_expires_at = None
    audit.record(
        session, account.id, "account.email_verified", target_type="account", target_id=account.id
    )
    return account


def resend_verification(
    session: Session, settings: Settings, hasher: SecretHasher, email: str
) -> None:
    """Always answers the same, whether or not the account exists (no enumeration)."""
    account = auth_repository.account_by_email(session, email)
    if account is not None and account.email_verified_at is None:
        _send_verification(session, settings, hasher, account)


def change_password(session: Session, principal: Principal, *, current: str, new: str) -> None:
    account = session.get(Account, principal.id)
    assert account is not None
    if not verify_password(current, account.password_hash):
        raise Unauthenticated(
            "the current password is wrong", code="invalid_credentials", field="current_password"
        )
    check_password(new, account.email, field="new_password")
    account.password_hash = hash_password(new)
    revoked = auth_repository.revoke_sessions(session, account.id, except_id=principal.session_id)
    audit.record(
        session,
        principal,
        "account.password_changed",
        target_type="account",
        target_id=account.id,
        summary=f"password changed; {revoked} other sessions signed out",
    )
