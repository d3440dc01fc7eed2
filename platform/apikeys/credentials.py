"""A per-process cache of API-key credentials, invalidated through a Redis epoch.

Authentication runs on every API-key request, and the key's row almost never changes. Each api
process keeps the rows it read, keyed by the key's public prefix and tagged with the epoch
``apikeys.credentials`` it read before the database (see ``core.epochs``). The rate-limit script
that every API-key request runs anyway checks that epoch first and counts nothing when it moved
on; the request then reloads from the database. So revocation, rotation and expiry changes reach
every process on its very next request, at no extra round trip while nothing changes.

Any change of an ``api_keys`` row, or of an app's row (whose developer a credential carries), made
through the ORM — objects flushed, or ``update()``/``delete()`` statements — bumps the epoch; a
statement may opt out with the ``USAGE_ONLY`` execution option when it only moves usage counters.
Raw SQL outside the ORM does not: change keys through the ORM.

What is cached is what the database answered; the secret is still compared (HMAC, constant time)
and the expiry checked against the clock on every request. Only a usable credential is served
from the cache: any refusal is decided on a fresh read.
"""

from __future__ import annotations

from sqlalchemy import inspect

from chainless.platform.apikeys.repository import USAGE_ONLY, Credential
from chainless.platform.core.epoch_cache import EpochCache, Stamped, process_cache
from chainless.platform.core.epochs import Change, watch
from chainless.platform.core.services import Services
from chainless.platform.models import ApiKey, MiniProgram

EPOCH = "apikeys.credentials"

Cached = Stamped[Credential]
CredentialCache = EpochCache[Credential]
"""Prefix -> credential, as read under the ``apikeys.credentials`` epoch."""


def credential_cache(services: Services) -> CredentialCache | None:
    """The process's cache; ``None`` without Redis (no shared epoch, so nothing is cached)."""
    return process_cache(services, "apikeys.credential_cache", max_entries=50_000)


def _changes_credential(instance: object, change: Change) -> bool:
    if change == "new":
        return False  # nothing is cached of a key that did not exist (no negative caching)
    if isinstance(instance, ApiKey):
        return True
    if isinstance(instance, MiniProgram):  # a credential carries the app's developer only
        return change == "deleted" or bool(
            inspect(instance).attrs.developer_id.history.has_changes()
        )
    return False


watch(
    EPOCH,
    changes=_changes_credential,
    tables=frozenset({"api_keys", "mini_programs"}),
    skip_option=USAGE_ONLY,
)
