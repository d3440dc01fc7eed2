"""Signing keys exist from the first start, rotate through the scheduler, and every key is in the
JWKS before it signs and until the tokens it signed have expired (RFC 7517; issue 12, item 8)."""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from chainless.oauth import keys
from chainless.oauth.tasks import ROTATE_SIGNING_KEY
from chainless.platform.core.clock import utcnow
from chainless.platform.core.jobs import get_job
from chainless.platform.core.services import Services, run_job
from chainless.platform.scheduler import HOUR, EmbeddedScheduler
from tests.conftest import RecordingJobRunner
from tests.factories import OnlineApp
from tests.oauth.wallet import TestWallet, refresh, tokens_for

CHAINLESS = str(Path(sys.executable).parent / "chainless")
RUN_PORT = 8751


def published(client: Any) -> set[str]:
    response = client.get("/oauth/jwks")
    assert response.status_code == 200
    return {key["kid"] for key in response.json()["keys"]}


def header_kid(token: str) -> str:
    head = token.split(".")[0]
    return str(json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))["kid"])


def verifies_offline(client: Any, token: str) -> bool:
    """What an app backend does: verify against the JWKS it fetched, no call per token."""
    jwks = KeySet.import_key_set(client.get("/oauth/jwks").json())
    try:
        jwt.decode(token, jwks, algorithms=["ES256"])
    except JoseError:  # a bad signature, or a kid the JWKS does not hold
        return False
    return True


@pytest.mark.portable
def test_the_jwks_holds_a_signing_key_and_the_next_one_before_any_token(
    client: Any, mini: OnlineApp, wallet: TestWallet
) -> None:
    at_start = published(client)
    assert len(at_start) == 2  # the key that signs and the one after it
    issued = tokens_for(client, mini, wallet)
    assert header_kid(issued["access_token"]) in at_start  # a verifier that fetched it at start
    assert published(client) == at_start


class WallClock:
    """The keys' wall clock, moved forward by the test (the scheduler has its own clock)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.offset = timedelta()
        monkeypatch.setattr(keys, "utcnow", lambda: utcnow() + self.offset)

    def advance(self, by: timedelta) -> None:
        self.offset += by


class Monotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def run_sent(services: Services, runner: RecordingJobRunner, name: str) -> int:
    """Run the jobs ``name`` that the scheduler sent, as a worker would (the others are left
    aside: they need a chain)."""
    sent = [kwargs for job, kwargs in runner.sent if job == name]
    runner.sent.clear()
    for kwargs in sent:
        run_job(services, get_job(name), kwargs)
    return len(sent)


def test_the_scheduler_rotates_the_key_and_the_old_one_leaves_once_its_tokens_expired(
    client: Any,
    mini: OnlineApp,
    wallet: TestWallet,
    services: Services,
    jobs: RecordingJobRunner,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    wall, beat = WallClock(monkeypatch), Monotonic()
    scheduler = EmbeddedScheduler(services, clock=beat)  # the platform's own schedule
    assert ROTATE_SIGNING_KEY in {job.name for job in scheduler.jobs}
    assert scheduler.tick() == []  # started: the first runs come after its initial delay
    before = tokens_for(client, mini, wallet)
    old_kid = header_kid(before["access_token"])
    (next_kid,) = published(client) - {old_kid}

    beat.now += HOUR  # an hour on: every periodic job is due, the keys are young
    assert ROTATE_SIGNING_KEY in scheduler.tick()
    assert run_sent(services, jobs, ROTATE_SIGNING_KEY) == 1
    assert published(client) == {old_kid, next_kid}

    lifetime = timedelta(seconds=services.settings.oauth.access_token_ttl_seconds)
    wall.advance(timedelta(days=services.settings.oauth.signing_key_rotation_days, hours=1))
    beat.now += HOUR
    assert ROTATE_SIGNING_KEY in scheduler.tick()
    assert run_sent(services, jobs, ROTATE_SIGNING_KEY) == 1

    after = refresh(client, mini, before["refresh_token"]).json()
    assert header_kid(after["access_token"]) == next_kid  # published a rotation period ahead
    rotated = published(client)
    assert {old_kid, next_kid} < rotated
    assert len(rotated) == 3  # and a new next key
    assert verifies_offline(client, before["access_token"])  # the old key's tokens still verify
    assert verifies_offline(client, after["access_token"])

    wall.advance(lifetime)  # the old key's last tokens expire now: it stays a margin longer
    assert old_kid in published(client)
    wall.advance(timedelta(minutes=5, seconds=1))
    beat.now += HOUR
    scheduler.tick()
    assert run_sent(services, jobs, ROTATE_SIGNING_KEY) == 1  # a young key: nothing to rotate
    assert published(client) == rotated - {old_kid}
    assert not verifies_offline(client, before["access_token"])  # expired, and its key gone


@pytest.mark.portable
@pytest.mark.slow
def test_a_fresh_run_publishes_its_signing_keys_before_any_token(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHAINLESS_")}
    env.update(
        CHAINLESS_DATABASE_URL=f"sqlite:///{tmp_path / 'data' / 'c.db'}",
        CHAINLESS_DATA_DIR=str(tmp_path / "data"),
        CHAINLESS_STORAGE__LOCAL_PATH=str(tmp_path / "data" / "storage"),
        CHAINLESS_START_LOCAL_CHAIN="false",
    )
    process = subprocess.Popen(
        [CHAINLESS, "run", "--port", str(RUN_PORT)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        jwks = None
        deadline = time.monotonic() + 60
        while jwks is None and time.monotonic() < deadline and process.poll() is None:
            try:
                jwks = httpx.get(f"http://127.0.0.1:{RUN_PORT}/oauth/jwks", timeout=2)
            except httpx.HTTPError:
                time.sleep(0.3)
        assert jwks is not None, "chainless run did not serve"
        assert jwks.status_code == 200
        assert len(jwks.json()["keys"]) == 2  # the signing key and the next one, never []
    finally:
        os.killpg(process.pid, signal.SIGINT)
        process.communicate(timeout=30)
