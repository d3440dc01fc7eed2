"""Which token families (device sessions) are live, cached per process behind a Redis epoch.

Every introspection and every platform API call with an access token asks whether the token's
family and the grant behind it are still unrevoked. Revocation is final and rare next to those
checks, so each api process keeps the live families it read, tagged with the epoch
``oauth.families`` it read *before* the database (``core.epochs``). Revoking a family or a grant
(``revocation``), deleting one, or deleting a wallet user bumps the epoch when the change is
flushed and again after its commit; a copy read under an older epoch is never served, so a
revocation reaches every process on its very next request. There is no time-based expiry.

Only live families are cached; a revoked or unknown one is always read from the database.
Without Redis nothing is cached.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import get_history

from chainless.oauth.models import TokenFamily, UserAuthorization, WalletUser
from chainless.platform.core.epoch_cache import EpochCache, process_cache
from chainless.platform.core.epochs import Change, watch
from chainless.platform.core.services import Services

EPOCH = "oauth.families"


@dataclass(frozen=True, slots=True)
class LiveFamily:
    """What introspection answers from: whose device session of which app."""

    id: str
    app_id: str
    user_id: str


FamilyCache = EpochCache[LiveFamily]
"""Family id -> live family, as read under the ``oauth.families`` epoch."""


def family_cache(services: Services) -> FamilyCache | None:
    """The process's cache; ``None`` without Redis (no shared epoch, so nothing is cached)."""
    return process_cache(services, "oauth.live_families", max_entries=100_000)


def family_with_liveness(session: Session, family_id: str) -> tuple[TokenFamily, bool] | None:
    """The family and whether it is live (neither it nor its grant revoked), in one query."""
    row = session.execute(
        select(TokenFamily, UserAuthorization.revoked_at)
        .join(UserAuthorization, UserAuthorization.id == TokenFamily.authorization_id)
        .where(TokenFamily.id == family_id)
    ).first()
    if row is None:
        return None
    family, grant_revoked_at = row
    return family, family.revoked_at is None and grant_revoked_at is None


def live_family(session: Session, services: Services, family_id: str) -> LiveFamily | None:
    """The family if it is live: from the process's copy while the epoch stands, else read."""
    epoch = current_epoch(services)
    cache = family_cache(services)
    if cache is not None and epoch is not None:
        cached = cache.get(family_id, epoch)
        if cached is not None:
            return cached
    found = family_with_liveness(session, family_id)
    if found is None or not found[1]:
        return None
    remember(services, found[0], epoch)
    return LiveFamily(found[0].id, found[0].app_id, found[0].user_id)


def remember(services: Services, family: TokenFamily, epoch: str | None) -> None:
    """Keep a family just read as live, under the epoch read before that read."""
    cache = family_cache(services)
    if cache is not None and epoch is not None:
        cache.put(family.id, LiveFamily(family.id, family.app_id, family.user_id), epoch)


def current_epoch(services: Services) -> str | None:
    """The epoch to tag a database read with: read it *before* the read (``core.epochs``)."""
    if services.epochs is None or family_cache(services) is None:
        return None
    return services.epochs.current(EPOCH)


def _revoked_changed(instance: TokenFamily | UserAuthorization) -> bool:
    return get_history(instance, "revoked_at").has_changes()


def _changes_liveness(instance: object, change: Change) -> bool:
    if change == "new":
        return False  # nothing is cached of a family that did not exist
    if isinstance(instance, TokenFamily | UserAuthorization):
        return change == "deleted" or _revoked_changed(instance)
    return isinstance(instance, WalletUser) and change == "deleted"


watch(
    EPOCH,
    changes=_changes_liveness,
    tables=frozenset({"oauth_token_families", "user_authorizations", "wallet_users"}),
)
