"""An app's detail as API keys read it, cached per process behind a Redis epoch.

App backends poll their app's detail with an API key. For an API key, who may see what needs no
query (its own app only; its scopes grant the permissions), so the detail itself is all the
database would add. Each api process keeps the details it built, tagged with the epoch
``apps.views`` that the request's rate-limit script read before the database was (see
``core.epochs.observe`` and ``apikeys.authentication``). A detail is served from the cache only
when its epoch is the one this request's script just read; any change of an app, its contracts
or an account (the developer shown in the detail) bumps that epoch after its commit, so the next
request everywhere reads the database again.

Accounts (console, bearer) always read the database: their visibility depends on memberships.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool

from chainless.platform.apps import access, presenters, service
from chainless.platform.apps.schemas import AppOut
from chainless.platform.auth.principal import Principal
from chainless.platform.core.epoch_cache import EpochCache, process_cache
from chainless.platform.core.epochs import Change, observe, seen, watch
from chainless.platform.core.permissions import Permission
from chainless.platform.core.services import Services
from chainless.platform.models import Account, AppContract, MiniProgram

EPOCH = "apps.views"
ViewCache = EpochCache[AppOut]
"""App id -> detail, as built under the ``apps.views`` epoch."""


def view_cache(services: Services) -> ViewCache | None:
    """The process's cache; ``None`` without Redis (no shared epoch, so nothing is cached)."""
    return process_cache(services, "apps.view_cache", max_entries=10_000)


async def app_detail(services: Services, principal: Principal, app_id: str) -> AppOut:
    """``GET /apps/{app_id}``: 404 for an app the caller may not see, 403 without ``app:read``.

    An API key's request whose detail is cached costs no query and no thread-pool hop; anything
    else reads the database in one hop.
    """
    epoch = seen(EPOCH) if principal.kind == "api_key" else None
    cache = view_cache(services) if epoch is not None else None
    if cache is not None and epoch is not None:
        access.check_key_access(principal, app_id, Permission.APP_READ)
        cached = cache.get(app_id, epoch)
        if cached is not None:
            return cached
    view = await run_in_threadpool(_read, services, principal, app_id)
    if cache is not None and epoch is not None:
        cache.put(app_id, view, epoch)  # the epoch was read before the database: see core.epochs
    return view


def _read(services: Services, principal: Principal, app_id: str) -> AppOut:
    with services.database.reading() as session:
        return presenters.app_out(service.app_view(session, principal, app_id))


def _changes_view(instance: object, _change: Change) -> bool:
    return isinstance(instance, MiniProgram | AppContract | Account)


observe(EPOCH)
watch(
    EPOCH,
    changes=_changes_view,
    tables=frozenset({"mini_programs", "app_contracts", "accounts"}),
)
