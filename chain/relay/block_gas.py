"""The block gas limit of each environment's chain, as this process last read it.

A transaction whose gas limit is above the block gas limit can never be included (the Yellow
Paper's block validity: a block's transactions use at most its gas limit), and nodes refuse it;
the relay refuses it first (``policy.check_validity``). The limit moves by less than 1/1024 of
itself per block (Yellow Paper, block header validity), so a copy some seconds old is as good as
the head's: each process reads ``eth_getBlockByNumber("latest")`` at most once per
:data:`TTL_SECONDS` and chain, not once per submission. While one request reads it again, the
others go on with the copy they have; a node that does not answer is asked again after
:data:`RETRY_SECONDS`, and until a limit is known the check is left to the node.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from chainless.chain.relay.rpc import RpcError, RpcUnavailable, quantity, rpc_for
from chainless.platform.core.services import Services

TTL_SECONDS = 30.0
RETRY_SECONDS = 5.0
LOOKUP_TIMEOUT = 1.0  # seconds per RPC URL, on a submission's path
_EXTRA = "relay.block_gas_limits"


class BlockGasLimits:
    """Per environment: ``(limit or None, monotonic time until which it is used as it is)``."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._known: dict[str, tuple[int | None, float]] = {}
        self._lock = threading.Lock()

    def current(self, services: Services, environment: str) -> int | None:
        now = self._clock()
        known = self._known.get(environment)
        if known is not None and now < known[1]:
            return known[0]
        with self._lock:  # one request reads it again; the others keep the copy meanwhile
            known = self._known.get(environment)
            if known is not None and now < known[1]:
                return known[0]
            last = known[0] if known is not None else None
            self._known[environment] = (last, now + RETRY_SECONDS)
        read = _read(services, environment)
        if read is None:
            return last
        self._known[environment] = (read, self._clock() + TTL_SECONDS)
        return read


def block_gas_limit(services: Services, environment: str) -> int | None:
    """The chain's block gas limit, at most :data:`TTL_SECONDS` old; None when no node told."""
    limits: BlockGasLimits = services.extras.setdefault(_EXTRA, BlockGasLimits())
    return limits.current(services, environment)


def _read(services: Services, environment: str) -> int | None:
    try:
        block = rpc_for(services, environment).call(
            "eth_getBlockByNumber", ["latest", False], timeout=LOOKUP_TIMEOUT
        )
        return quantity(block["gasLimit"]) if isinstance(block, dict) else None
    except (RpcUnavailable, RpcError, KeyError, ValueError):
        return None
