"""An app's relay rules, kept per process behind the Redis epoch ``relay.rules`` (decision 6).

Every submission needs the app's status, its contracts in the key's environment and its relay
policy: three queries, and every ABI function's selector hashed again, for rows that rarely
change. Each api process keeps the rules it built, tagged with the epoch that the API key's
rate-limit script read before the database (``core.epochs.observe``). A change of an app's
status, of a contract or of a relay policy bumps the epoch at flush and again after its commit,
so a delisting or a narrower policy applies to the very next submission in every process (an
ORM ``update()`` of app rows bumps it too, except a sponsored gas charge, which moves only a
counter the rules do not hold: ``core.epochs.COUNTERS_ONLY``). The sponsored path uses these
rules too, and reads the app's gas budget fresh.
There is no time-based expiry. Without Redis nothing is cached. As with decision 6, changes
must go through the ORM to be seen, in a process that imported this module: the api processes
do (the relay's routes), and those rows change only through the api.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from chainless.chain.models import RelayPolicy
from chainless.chain.relay import repository
from chainless.chain.relay.policy import RelayRules
from chainless.chain.relay.rpc import chain_config
from chainless.chain.relay.rules import PolicyValues, build_rules, effective_policy
from chainless.platform.apps.relay_view import RELAY_APP_TABLES, changes_relay_app, relay_app
from chainless.platform.core.epoch_cache import EpochCache, process_cache
from chainless.platform.core.epochs import Change, observe, seen, watch
from chainless.platform.core.services import Services

EPOCH = "relay.rules"


@dataclass(frozen=True, slots=True)
class AppRules:
    """One app's rules in one environment, and the policy values they came from."""

    app_id: str
    rules: RelayRules
    values: PolicyValues


def _cache(services: Services) -> EpochCache[AppRules] | None:
    return process_cache(services, "relay.rules_cache", max_entries=10_000)


def app_rules(
    services: Services, session: Session, app_id: str, environment: str
) -> AppRules | None:
    """The app's rules in ``environment``; ``None`` when the app does not exist."""
    cache = _cache(services)
    epoch = _epoch(services) if cache is not None else None
    key = f"{app_id}:{environment}"
    if cache is not None and epoch is not None:
        cached = cache.get(key, epoch)
        if cached is not None:
            return cached
    app = relay_app(session, app_id, environment)
    if app is None:
        return None
    values = effective_policy(repository.policy_of(session, app.app_id), services.settings.relay)
    built = AppRules(
        app.app_id, build_rules(app, values, chain_config(services, environment)), values
    )
    if cache is not None and epoch is not None:
        cache.put(key, built, epoch)  # tagged with the epoch read before the database
    return built


def _epoch(services: Services) -> str | None:
    """As this request's rate-limit script read it, else from Redis (a key admitted the long way
    under moving epochs)."""
    epoch = seen(EPOCH)
    if epoch is None and services.epochs is not None:
        epoch = services.epochs.current(EPOCH)
    return epoch


def _changes_rules(instance: object, change: Change) -> bool:
    return isinstance(instance, RelayPolicy) or changes_relay_app(instance, change)


observe(EPOCH)
watch(EPOCH, changes=_changes_rules, tables=RELAY_APP_TABLES | {"relay_policies"})
