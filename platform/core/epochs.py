"""Named invalidation epochs in Redis: what a process cached under an older epoch is stale.

A process may keep a copy of rows it reads on every request (API-key credentials) as long as it
can tell, on every request and without a round trip of its own, that nobody changed them since.
Each such cache has a counter in Redis; a transaction that changes the rows marks the cache with
:func:`invalidate_on_commit` and the counter is bumped twice: when the session flushes (so that a
change is refused, rolled back, if Redis cannot be told about it) and again right after the
commit, before the response leaves. A reader compares the counter with the one its copy was taken
under (read in the same Redis script as its rate limits) and reloads when they differ. The second
bump closes the race of a reader that reloaded between the first bump and the commit: the value it
tagged its copy with is older than the counter after the commit.

Only with Redis: the embedded mode has no shared place for the counters, so it does not cache.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Literal

from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

log = logging.getLogger("chainless.epochs")

EPOCHS_KEY = "chainless.epochs"  # session.info: the process's Epochs (set by build_services)
# An ORM ``update()`` that only moves a counter no cache holds (an app's gas spent) carries this
# execution option, and no watch bumps its epoch for it: a charge for every confirmed sponsored
# transaction emptied the app's relay rules, OAuth client and app view caches in every process.
COUNTERS_ONLY = "chainless_counters_only"
_MARKED_KEY = "chainless.epochs_marked"  # session.info: epochs to bump on commit


class Epochs:
    """Counters in Redis, one per cache name."""

    def __init__(self, redis: Redis, *, prefix: str = "chainless:epoch:") -> None:
        self._redis = redis
        self._prefix = prefix

    def key(self, name: str) -> str:
        return self._prefix + name

    def current(self, name: str) -> str:
        value = self._redis.get(self.key(name))
        return _text(value) if value is not None else "0"

    def bump(self, name: str) -> str:
        return str(self._redis.incr(self.key(name)))


def _text(value: bytes | str | int) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def invalidate_on_commit(session: Session, name: str) -> None:
    """Bump the epoch ``name`` now and again after ``session`` commits.

    Called from a flush (``after_flush``, ``do_orm_execute``) by the feature that owns the cache.
    The first bump raises when Redis is unreachable, so the change rolls back instead of being
    committed unseen by the other processes' caches.
    """
    epochs: Epochs | None = session.info.get(EPOCHS_KEY)
    if epochs is None:
        return
    marked: set[str] = session.info.setdefault(_MARKED_KEY, set())
    if name not in marked:
        epochs.bump(name)
        marked.add(name)


Change = Literal["new", "dirty", "deleted"]


@dataclass(frozen=True)
class _Watch:
    name: str
    changes: Callable[[object, Change], bool]
    tables: frozenset[str]
    skip_option: str | None


_watches: list[_Watch] = []


def watch(
    name: str,
    *,
    changes: Callable[[object, Change], bool],
    tables: frozenset[str],
    skip_option: str | None = None,
) -> None:
    """Bump epoch ``name`` when a flush carries an object ``changes`` says matters, or when an
    ORM ``update()``/``delete()`` statement hits one of ``tables`` (unless the statement has the
    execution option ``skip_option``). Raw SQL outside the ORM is not seen."""
    _watches.append(_Watch(name, changes, tables, skip_option))


@event.listens_for(Session, "after_flush")
def _flushed(session: Session, _context: Any) -> None:
    changed: list[tuple[object, Change]] = [
        *((o, "new") for o in session.new),
        *((o, "dirty") for o in session.dirty),
        *((o, "deleted") for o in session.deleted),
    ]
    for watched in _watches:
        if any(watched.changes(instance, kind) for instance, kind in changed):
            invalidate_on_commit(session, watched.name)


@event.listens_for(Session, "do_orm_execute")
def _executed(state: ORMExecuteState) -> None:
    if not (state.is_update or state.is_delete):
        return
    if state.execution_options.get(COUNTERS_ONLY, False):
        return
    table = getattr(getattr(state.statement, "table", None), "name", None)
    for watched in _watches:
        if table in watched.tables and not (
            watched.skip_option and state.execution_options.get(watched.skip_option, False)
        ):
            invalidate_on_commit(state.session, watched.name)


# What the current request saw of the epochs it reads along with its rate limits (see
# ``observe``): a cache consults it instead of asking Redis again.
_seen: ContextVar[dict[str, str]] = ContextVar("chainless_epochs_seen")
_observed: list[str] = []


def observe(name: str) -> None:
    """Have every API-key request read epoch ``name`` in its rate-limit script (``seen``)."""
    if name not in _observed:
        _observed.append(name)


def observed() -> list[str]:
    return list(_observed)


def remember_seen(values: dict[str, str]) -> None:
    _seen.set(values)


def seen(name: str) -> str | None:
    """The epoch ``name`` as this request's rate-limit script read it, if it did."""
    return _seen.get({}).get(name)


@event.listens_for(Session, "after_commit")
def _bump_after_commit(session: Session) -> None:
    marked: set[str] = session.info.pop(_MARKED_KEY, set())
    epochs: Epochs | None = session.info.get(EPOCHS_KEY)
    if not marked or epochs is None:
        return
    for name in sorted(marked):
        try:
            epochs.bump(name)
        except RedisError:  # the flush-time bump already invalidated every older copy
            log.error("could not bump epoch %s after a commit", name, exc_info=True)


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(_MARKED_KEY, None)
