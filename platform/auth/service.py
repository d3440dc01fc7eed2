"""Sign-in for platform accounts: console sessions (cookie + CSRF) and API bearer tokens.

Repeated failures lock sign-in for a while (spec, developer management 1.1), per email and client
address (``auth.lockout``); the failure is recorded even though the request fails
(``keep_changes``), and an unknown email costs the same time as a wrong password (a dummy hash is
verified) and gets the same answers, so they do not reveal which accounts exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session

from chainless.platform.audit import service as audit
from chainless.platform.auth import lockout, repository
from chainless.platform.auth.principal import AuthMethod, Principal
from chainless.platform.auth.tokens import new_bearer_token, new_csrf_token, new_session_token
from chainless.platform.core.clock import utcnow
from chainless.platform.core.context import current_request
from chainless.platform.core.errors import Unauthenticated
from chainless.platform.core.ratelimit import RateLimiter
from chainless.platform.core.security import (
    SecretHasher,
    hash_password,
    new_hex_id,
    password_needs_rehash,
    verify_password,
)
from chainless.platform.core.settings import Settings
from chainless.platform.models import Account, AuthSession


@dataclass(frozen=True)
class IssuedSession:
    session: AuthSession
    token: str
    csrf_token: str | None
    principal: Principal


def sign_in(
    session: Session,
    settings: Settings,
    hasher: SecretHasher,
    limiter: RateLimiter,
    *,
    email: str,
    password: str,
    kind: str,
) -> IssuedSession:
    """Known and unknown emails take the same steps (a lock check, a password hash, a counted
    failure) and get the same answers; only a known account's audit log and mail differ."""
    address = current_request().ip or "unknown"
    lockout.refuse_if_locked(limiter, settings, hasher, email, address)
    account = repository.account_by_email(session, email)
    if not verify_password(password, account.password_hash if account else None) or account is None:
        lockout.count_failure(
            session, limiter, settings, hasher, email=email, address=address, account=account
        )
        raise Unauthenticated(
            "email or password is wrong", code="invalid_credentials", keep_changes=True
        )
    if not account.is_active:
        raise Unauthenticated("this account is disabled", code="account_disabled")
    if password_needs_rehash(account.password_hash):
        account.password_hash = hash_password(password)
    lockout.clear(limiter, hasher, email, address)
    account.last_login_at = utcnow()
    issued = _issue(session, settings, hasher, account, kind)
    audit.record(
        session,
        issued.principal,
        "account.signed_in",
        target_type="account",
        target_id=account.id,
        summary=f"signed in ({kind})",
    )
    return issued


def _issue(
    session: Session, settings: Settings, hasher: SecretHasher, account: Account, kind: str
) -> IssuedSession:
    request = current_request()
    token = new_session_token() if kind == "cookie" else new_bearer_token()
    csrf = new_csrf_token() if kind == "cookie" else None
    ttl = settings.session_ttl_hours if kind == "cookie" else settings.bearer_token_ttl_hours
    record = AuthSession(
        id=new_hex_id(),
        account_id=account.id,
        kind=kind,
        token_hash=hasher.hash(token),
        csrf_token_hash=hasher.hash(csrf) if csrf else None,
        expires_at=utcnow() + timedelta(hours=ttl),
        ip=request.ip,
        user_agent=(request.user_agent or "")[:256] or None,
    )
    session.add(record)
    principal = principal_for(
        session, account, method="cookie" if kind == "cookie" else "bearer", session_id=record.id
    )
    return IssuedSession(record, token, csrf, principal)


def principal_for(
    session: Session, account: Account, *, method: AuthMethod, session_id: str | None
) -> Principal:
    return Principal.for_account(
        account.id,
        email=account.email,
        roles=repository.roles_of(session, account.id),
        email_verified=account.email_verified_at is not None,
        method=method,
        session_id=session_id,
    )


def resolve(
    session: Session, hasher: SecretHasher, token: str, kind: str
) -> tuple[AuthSession, Principal] | None:
    found = repository.live_session(session, hasher.hash(token), kind)
    if found is None:
        return None
    record, account = found
    now = utcnow()
    if record.last_seen_at is None or now - record.last_seen_at > timedelta(minutes=5):
        record.last_seen_at = now  # coarse, so reads do not write on every request
    return record, principal_for(
        session, account, method="cookie" if kind == "cookie" else "bearer", session_id=record.id
    )


def sign_out(session: Session, principal: Principal) -> None:
    if principal.session_id is None:
        return
    record = session.get(AuthSession, principal.session_id)
    if record is not None and record.revoked_at is None:
        record.revoked_at = utcnow()
        audit.record(
            session, principal, "account.signed_out", target_type="session", target_id=record.id
        )
