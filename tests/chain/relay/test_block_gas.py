"""The per-process copy of each chain's block gas limit: read at most once per TTL, the copy kept
while the node does not answer, and asked again only after a pause."""

from __future__ import annotations

from typing import Any

import pytest

from chainless.chain.relay import block_gas
from chainless.chain.relay.block_gas import RETRY_SECONDS, TTL_SECONDS, BlockGasLimits

pytestmark = pytest.mark.portable


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_read_once_per_ttl_and_kept_while_the_node_is_down(monkeypatch: Any) -> None:
    answers: list[int | None] = [30_000_000, None, 36_000_000]
    asked: list[str] = []

    def read(services: Any, environment: str) -> int | None:
        asked.append(environment)
        return answers.pop(0)

    monkeypatch.setattr(block_gas, "_read", read)
    clock = Clock()
    limits = BlockGasLimits(clock)

    assert limits.current(None, "dev") == 30_000_000  # type: ignore[arg-type]
    clock.now += TTL_SECONDS - 1
    assert limits.current(None, "dev") == 30_000_000  # type: ignore[arg-type]
    assert asked == ["dev"]

    clock.now += 1  # expired; the node does not answer: the copy is kept
    assert limits.current(None, "dev") == 30_000_000  # type: ignore[arg-type]
    clock.now += RETRY_SECONDS - 1
    assert limits.current(None, "dev") == 30_000_000  # type: ignore[arg-type]
    assert asked == ["dev", "dev"]

    clock.now += 1  # asked again after the pause
    assert limits.current(None, "dev") == 36_000_000  # type: ignore[arg-type]
    assert asked == ["dev", "dev", "dev"]


def test_unknown_until_a_node_answers(monkeypatch: Any) -> None:
    monkeypatch.setattr(block_gas, "_read", lambda services, environment: None)
    assert BlockGasLimits(Clock()).current(None, "prod") is None  # type: ignore[arg-type]
