"""What the node said about fees and relayer balances, reused for a moment instead of asked on
every sponsored request.

A fee quote (the next base fee and the node's tip) and a relayer's balance are kept per process
for ``QUOTE_SECONDS`` and never past ``QUOTE_BLOCKS`` blocks after the head it was read at (the
head comes with every request's batch): the fee cap the relay signs (twice the base fee plus the
tip, ``fees``) covers a base fee grown by +12.5% a block, the most EIP-1559 allows
("Specification"), for six full blocks (1.125^6 ≈ 2.03), so five blocks of age still leave the
signed transaction a full block of margin. Nothing is shared between processes: each one's
quotes are its own, and a stale one only costs two more calls in the request's JSON-RPC batch.
The balance only decides whether a low-balance alert is raised (the node judges whether the key
can pay).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from chainless.platform.core.services import Services

QUOTE_SECONDS = 1.0
QUOTE_BLOCKS = 5
_KEY = "relay.quotes"


@dataclass(frozen=True)
class FeeQuote:
    base_fee: int  # of the next block (``eth_feeHistory``)
    tip: int  # ``eth_maxPriorityFeePerGas``


@dataclass(frozen=True)
class _Kept:
    value: object
    block: int
    at: float


class Quotes:
    """One process's quotes, by chain environment (fees) and by relayer (balances)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._kept: dict[tuple[str, str], _Kept] = {}
        self._heads: dict[str, int] = {}

    def head(self, environment: str) -> int | None:
        """The last head this process saw on the environment's chain."""
        return self._heads.get(environment)

    def saw_head(self, environment: str, head: int) -> None:
        self._heads[environment] = head

    def fees(self, environment: str, head: int) -> FeeQuote | None:
        found = self._fresh(("fees", environment), head)
        return found if isinstance(found, FeeQuote) else None

    def balance(self, environment: str, address: str, head: int) -> int | None:
        found = self._fresh((environment, address), head)
        return found if isinstance(found, int) else None

    def keep_fees(self, environment: str, head: int, quote: FeeQuote) -> None:
        self._keep(("fees", environment), head, quote)

    def keep_balance(self, environment: str, address: str, head: int, balance: int) -> None:
        self._keep((environment, address), head, balance)

    def _fresh(self, key: tuple[str, str], head: int) -> object | None:
        with self._lock:
            kept = self._kept.get(key)
        if kept is None or time.monotonic() - kept.at > QUOTE_SECONDS:
            return None
        if not kept.block - 1 <= head <= kept.block + QUOTE_BLOCKS:  # moved on, or reorged
            return None
        return kept.value

    def _keep(self, key: tuple[str, str], head: int, value: object) -> None:
        with self._lock:
            self._kept[key] = _Kept(value, head, time.monotonic())


def quotes_of(services: Services) -> Quotes:
    found = services.extras.get(_KEY)
    if not isinstance(found, Quotes):
        found = services.extras.setdefault(_KEY, Quotes())
    return found
