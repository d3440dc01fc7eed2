"""Consent (spec 3.5.3): remembered per user and app, asked again for new scopes or
``prompt=consent``; extended scopes (personal data) need a second, separate confirmation."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from chainless.oauth.models import UserAuthorization
from chainless.platform.audit import service as audit
from chainless.platform.core.clock import utcnow
from chainless.platform.core.scopes import needs_second_confirmation
from chainless.platform.core.security import new_hex_id


@dataclass(frozen=True)
class ConsentState:
    grant: UserAuthorization | None
    requested: tuple[str, ...]
    new_scopes: tuple[str, ...]
    extended: tuple[str, ...]  # requested scopes that need the second confirmation
    needs_screen: bool


def live_grant(
    session: Session, user_id: str, app_id: str, *, for_update: bool = False
) -> UserAuthorization | None:
    query = select(UserAuthorization).where(
        UserAuthorization.user_id == user_id,
        UserAuthorization.app_id == app_id,
        UserAuthorization.revoked_at.is_(None),
    )
    return session.scalar(query.with_for_update() if for_update else query)


def consent_state(
    session: Session, *, user_id: str, app_id: str, requested: list[str], prompt: str | None
) -> ConsentState:
    grant = live_grant(session, user_id, app_id)
    granted = set(grant.scope) if grant else set()
    new = tuple(s for s in requested if s not in granted)
    forced = prompt is not None and "consent" in prompt.split()
    return ConsentState(
        grant=grant,
        requested=tuple(requested),
        new_scopes=new,
        extended=tuple(needs_second_confirmation(list(requested))),
        needs_screen=forced or bool(new) or grant is None,
    )


def record_consent(
    session: Session, *, user_id: str, app_id: str, scopes: list[str]
) -> UserAuthorization:
    """Create the grant, or widen it to include ``scopes`` (scopes granted earlier stay).

    One live grant per user and app: a consent submitted twice at once (a double tap on Allow)
    finds the other's grant instead of failing on the unique index.
    """
    grant = live_grant(session, user_id, app_id, for_update=True)
    if grant is None:
        created = _create_grant(session, user_id, app_id, scopes)
        if created is not None:
            return created
        grant = live_grant(session, user_id, app_id, for_update=True)  # the other one's
        assert grant is not None
    widened = list(dict.fromkeys([*grant.scope, *scopes]))
    if widened != grant.scope:
        audit.record(
            session,
            audit.WalletUser(user_id),
            "oauth.grant_widened",
            target_type="authorization",
            target_id=grant.id,
            app_id=app_id,
            changes={"scope": [list(grant.scope), widened]},
        )
        grant.scope = widened
    return grant


def _create_grant(
    session: Session, user_id: str, app_id: str, scopes: list[str]
) -> UserAuthorization | None:
    """The new grant, or ``None`` if a concurrent consent created the live one first."""
    now = utcnow()
    grant = UserAuthorization(
        id=new_hex_id(),
        user_id=user_id,
        app_id=app_id,
        scope=list(scopes),
        create_time=now,
        update_time=now,
    )
    try:
        with session.begin_nested():  # the code about to be issued references it: insert now
            session.add(grant)
    except IntegrityError:
        return None
    audit.record(
        session,
        audit.WalletUser(user_id),
        "oauth.grant_created",
        target_type="authorization",
        target_id=grant.id,
        app_id=app_id,
        summary="authorized the app",
        changes={"scope": [None, list(scopes)]},
    )
    return grant
