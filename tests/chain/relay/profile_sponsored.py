"""CPU of the sponsored path in process (docs/BENCHMARKS.md, "Sponsored path after the
per-request work"). Not collected with the suite (no ``test_`` prefix); run it by path:
``PROFILE=0 PROFILE_N=100 .venv/bin/python -m pytest -q -s -p no:randomly
tests/chain/relay/profile_sponsored.py`` (``PROFILE=1`` adds cProfile listings)."""

from __future__ import annotations

import cProfile
import os
import pstats
import threading
import time
from typing import Any

import pytest
from eth_account import Account

from chainless.chain.relay import sponsored
from chainless.platform.core.services import Services
from chainless.platform.core.settings import ChainEnvironment, Settings
from tests.chain.relay.sponsored_support import (
    SPONSORED_URL,
    body,
    forward_request,
    sign_data,
    sponsoring_app,
)
from tests.conftest import RecordingJobRunner
from tests.contracts.conftest import Platform
from tests.factories import Factory
from tests.oauth.wallet import TestWallet, tokens_for

N = int(os.environ.get("PROFILE_N", "60"))
PROFILE = os.environ.get("PROFILE", "1") == "1"


@pytest.fixture
def settings(settings: Settings, platform: Platform) -> Settings:
    chains = dict(settings.chains)
    dev = chains[ChainEnvironment.DEV]
    chains[ChainEnvironment.DEV] = dev.model_copy(
        update={"forwarder_address": platform.forwarder.address}
    )
    limits = settings.rate_limits.model_copy(
        update={
            name: 10**8
            for name in type(settings.rate_limits).model_fields
            if name.endswith("_per_minute")
        }
    )
    return settings.model_copy(update={"chains": chains, "rate_limits": limits})


def test_profile(
    client: Any,
    factory: Factory,
    platform: Platform,
    services: Services,
    jobs: RecordingJobRunner,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    relay = sponsoring_app(factory, platform)
    prepared = []
    for number in range(N + 5):
        user = Account.create()
        token = tokens_for(
            client,
            relay.app,
            TestWallet(client, account=user),
            scope="basic:address basic:user_id transaction:broadcast",
        )["access_token"]
        headers = {**relay.headers, "Authorization": f"Bearer {token}"}
        request = forward_request(platform, user, sign_data(platform, f"user {number}"))
        prepared.append((headers, body(platform, user, request)))
    for headers, payload in prepared[:5]:  # warm up
        assert client.post(SPONSORED_URL, json=payload, headers=headers).status_code == 202
    jobs.drain()

    profile = cProfile.Profile()
    lock = threading.Lock()
    original = sponsored.submit_sponsored
    thread_cpu = [0.0]

    def profiled(*args: Any, **kwargs: Any) -> Any:
        with lock:
            started = time.thread_time()
            if PROFILE:
                profile.enable()
            try:
                return original(*args, **kwargs)
            finally:
                if PROFILE:
                    profile.disable()
                thread_cpu[0] += time.thread_time() - started

    monkeypatch.setattr(sponsored, "submit_sponsored", profiled)
    finish_cpu = [0.0]
    original_finish = services.database.finish

    def timed_finish(*args: Any, **kwargs: Any) -> Any:
        started = time.thread_time()
        try:
            return original_finish(*args, **kwargs)
        finally:
            finish_cpu[0] += time.thread_time() - started

    monkeypatch.setattr(services.database, "finish", timed_finish)
    cpu = time.process_time()
    for headers, payload in prepared[5:]:
        response = client.post(SPONSORED_URL, json=payload, headers=headers)
        assert response.status_code == 202, response.text
    whole = time.process_time() - cpu
    drain = cProfile.Profile()
    cpu = time.process_time()
    if PROFILE:
        drain.enable()
    jobs.drain()
    if PROFILE:
        drain.disable()
    broadcast = time.process_time() - cpu
    print(f"\nrequests: process CPU {1000 * whole / N:.2f} ms/request (client included)")
    print(f"submit_sponsored thread CPU {1000 * thread_cpu[0] / N:.2f} ms/request")
    print(f"Database.finish thread CPU {1000 * finish_cpu[0] / N:.2f} ms/request")
    print(f"broadcast jobs: process CPU {1000 * broadcast / N:.2f} ms/tx")
    if not PROFILE:
        return
    stats = pstats.Stats(profile)
    stats.sort_stats("cumulative").print_stats(45)
    stats = pstats.Stats(drain)
    stats.sort_stats("cumulative").print_stats(30)
