"""A per-process cache whose entries carry the Redis epoch they were read under (see ``epochs``).

Whether an entry may be served is decided against the shared epoch: by the caller, or by
:meth:`EpochCache.get` when the caller already holds the epoch it read. Without Redis there is no
shared epoch, so :func:`process_cache` gives no cache at all.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Generic, TypeVar

from chainless.platform.core.services import Services

V = TypeVar("V")

_create_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class Stamped(Generic[V]):
    value: V
    epoch: str


class EpochCache(Generic[V]):
    """Key -> value as read under an epoch. Bounded: cleared whole when full."""

    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self._entries: dict[str, Stamped[V]] = {}
        self._lock = threading.Lock()

    def entry(self, key: str) -> Stamped[V] | None:
        return self._entries.get(key)

    def get(self, key: str, epoch: str) -> V | None:
        """The value, if it was read under ``epoch``."""
        entry = self._entries.get(key)
        return entry.value if entry is not None and entry.epoch == epoch else None

    def put(self, key: str, value: V, epoch: str) -> None:
        with self._lock:
            if len(self._entries) >= self.max_entries:
                self._entries.clear()
            self._entries[key] = Stamped(value, epoch)

    def forget_older_than(self, epoch: str) -> None:
        """Drop every entry read under another epoch (the epoch is global to the cache)."""
        with self._lock:
            self._entries = {k: e for k, e in self._entries.items() if e.epoch == epoch}

    def __len__(self) -> int:
        return len(self._entries)


def process_cache(services: Services, name: str, max_entries: int) -> EpochCache[V] | None:
    """The process's cache called ``name``, made on first use; ``None`` without Redis."""
    if services.epochs is None:
        return None
    cache: EpochCache[V] | None = services.extras.get(name)
    if cache is None:
        with _create_lock:
            cache = services.extras.get(name)
            if cache is None:
                cache = services.extras[name] = EpochCache(max_entries)
    return cache
