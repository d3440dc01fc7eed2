"""Revoking grants and device sessions, and reacting to stolen-token signals.

Revocation is a database write in the request's transaction; every token check reads that state
(``live_families``: the database, or a per-process copy behind the Redis epoch
``oauth.families`` that every revocation bumps), so a revocation is effective for introspection
and every platform API the moment it commits. Each one is audited; a replayed code or a reused
refresh token also raises an alert, since it means a token leaked.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from chainless.oauth import live_families  # noqa: F401 - its epoch watch must be registered
from chainless.oauth.models import AuthorizationCode, RefreshToken, TokenFamily, UserAuthorization
from chainless.platform.alerts.service import Level, raise_alert
from chainless.platform.audit import service as audit
from chainless.platform.core.clock import utcnow
from chainless.platform.core.services import Services


def revoke_family(session: Session, family: TokenFamily, *, reason: str) -> bool:
    if family.revoked_at is not None:
        return False
    family.revoked_at = utcnow()
    family.revoked_reason = reason
    return True


def revoke_authorization(session: Session, authorization: UserAuthorization, *, reason: str) -> int:
    """Revoke a whole grant: every device session of it. Returns how many were still live."""
    now = utcnow()
    if authorization.revoked_at is None:
        authorization.revoked_at = now
        authorization.revoked_reason = reason
    result = session.execute(
        update(TokenFamily)
        .where(TokenFamily.authorization_id == authorization.id, TokenFamily.revoked_at.is_(None))
        .values(revoked_at=now, revoked_reason=reason)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def code_replayed(services: Services, session: Session, code: AuthorizationCode) -> None:
    """RFC 6749 §4.1.2: the second use of a code revokes the tokens issued from it."""
    families = list(
        session.scalars(select(TokenFamily).where(TokenFamily.code_hash == code.code_hash))
    )
    revoked = sum(revoke_family(session, family, reason="code_replay") for family in families)
    audit.record(
        session,
        "oauth",
        "oauth.code_replayed",
        target_type="authorization",
        target_id=code.authorization_id,
        app_id=code.app_id,
        summary=f"authorization code used twice; {revoked} token families revoked",
    )
    raise_alert(
        session,
        kind="oauth.code_replay",
        subject=code.app_id,
        app_id=code.app_id,
        level=Level.SEVERE,
        summary="an authorization code was presented twice",
        details={"user_id": code.user_id},
    )


def refresh_reused(
    services: Services, session: Session, family: TokenFamily, token: RefreshToken
) -> None:
    """A rotated refresh token came back after the grace window: it leaked; end the family."""
    revoke_family(session, family, reason="refresh_reuse")
    audit.record(
        session,
        "oauth",
        "oauth.refresh_reused",
        target_type="token_family",
        target_id=family.id,
        app_id=family.app_id,
        summary="rotated refresh token presented again; family revoked",
        changes={"token_id": token.id},
    )
    raise_alert(
        session,
        kind="oauth.refresh_reuse",
        subject=family.user_id,
        app_id=family.app_id,
        level=Level.SEVERE,
        summary="a rotated refresh token was reused; its family was revoked",
        details={"family_id": family.id},
    )


def refresh_token_row(
    session: Session, services: Services, plain: str
) -> tuple[RefreshToken, TokenFamily, bool] | None:
    """The refresh token, its family and whether the family is live, in one query."""
    row = session.execute(
        select(RefreshToken, TokenFamily, UserAuthorization.revoked_at)
        .join(TokenFamily, TokenFamily.id == RefreshToken.family_id)
        .join(UserAuthorization, UserAuthorization.id == TokenFamily.authorization_id)
        .where(RefreshToken.token_hash == services.hasher.hash(plain))
    ).first()
    if row is None:
        return None
    token, family, grant_revoked_at = row
    return token, family, family.revoked_at is None and grant_revoked_at is None


def on_app_delisted(session: Session, *, app_id: str, **_: object) -> None:
    """Delisting is immediate: every grant of the app ends with it (``events.APP_DELISTED``,
    subscribed by ``oauth.component``)."""
    grants = list(
        session.scalars(
            select(UserAuthorization).where(
                UserAuthorization.app_id == app_id, UserAuthorization.revoked_at.is_(None)
            )
        )
    )
    for grant in grants:
        revoke_authorization(session, grant, reason="app_delisted")
    audit.record(
        session,
        "oauth",
        "oauth.grants_revoked_on_delist",
        target_type="app",
        target_id=app_id,
        app_id=app_id,
        summary=f"{len(grants)} grants revoked because the app was delisted",
    )
