"""Queries for sessions, accounts and their roles."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from chainless.platform.core.clock import utcnow
from chainless.platform.core.permissions import Role
from chainless.platform.models import Account, AccountRole, AuthSession, SignInUnlock


def account_by_email(session: Session, email: str) -> Account | None:
    return session.scalar(select(Account).where(Account.email == email.strip().lower()))


def roles_of(session: Session, account_id: str) -> frozenset[Role]:
    rows = session.scalars(select(AccountRole.role).where(AccountRole.account_id == account_id))
    return frozenset(Role(r) for r in rows)


def live_session(
    session: Session, token_hash: str, kind: str
) -> tuple[AuthSession, Account] | None:
    row = session.execute(
        select(AuthSession, Account)
        .join(Account, Account.id == AuthSession.account_id)
        .where(
            AuthSession.token_hash == token_hash,
            AuthSession.kind == kind,
            AuthSession.revoked_at.is_(None),
            AuthSession.expires_at > utcnow(),
            Account.is_active.is_(True),
        )
    ).first()
    return (row[0], row[1]) if row else None


def sessions_of(session: Session, account_id: str) -> list[AuthSession]:
    return list(
        session.scalars(
            select(AuthSession)
            .where(
                AuthSession.account_id == account_id,
                AuthSession.revoked_at.is_(None),
                AuthSession.expires_at > utcnow(),
            )
            .order_by(AuthSession.created_at.desc())
        )
    )


def revoke_sessions(session: Session, account_id: str, *, except_id: str | None = None) -> int:
    statement = update(AuthSession).where(
        AuthSession.account_id == account_id, AuthSession.revoked_at.is_(None)
    )
    if except_id:
        statement = statement.where(AuthSession.id != except_id)
    return session.execute(statement.values(revoked_at=utcnow())).rowcount  # type: ignore[attr-defined]


def unused_unlock(session: Session, token_hash: str) -> SignInUnlock | None:
    return session.scalar(
        select(SignInUnlock).where(
            SignInUnlock.token_hash == token_hash, SignInUnlock.used_at.is_(None)
        )
    )
