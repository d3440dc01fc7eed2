"""A deployment's progress as Server-Sent Events: every event once, in order, with its id; a
reconnect with ``Last-Event-ID`` resumes after it; the stream ends with the outcome."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest

from chainless.deployer.deployments import streaming
from chainless.platform.core.services import Services
from tests.conftest import RecordingJobRunner
from tests.deployer.deployments.test_requests import _app_with_repo, _deploy, _detail
from tests.factories import Actor, Factory

pytestmark = pytest.mark.portable


def _url(app_id: str, deployment_id: str) -> str:
    return f"/api/v1/apps/{app_id}/deployments/{deployment_id}/events"


def _frames(client: Any, url: str, headers: dict[str, str]) -> list[dict[str, Any]]:
    """The stream read to its end, one dict per frame (``id``, ``event``, ``data``)."""
    frames, current = [], {}
    with client.stream("GET", url, headers=headers) as response:
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["cache-control"] == "no-cache"
        for line in response.iter_lines():
            if not line:
                if current:
                    frames.append(current)
                current = {}
            elif not line.startswith(":"):
                field, _, value = line.partition(": ")
                current[field] = json.loads(value) if field == "data" else value
    return frames


def test_a_finished_deployment_streams_its_events_then_its_outcome(
    factory: Factory, jobs: RecordingJobRunner, hosted: str
) -> None:
    client = factory.client
    app_id, developer = _app_with_repo(factory, hosted, jobs)
    queued = _deploy(client, app_id, developer)
    jobs.drain()
    events = _detail(client, app_id, developer, queued["id"])["events"]

    frames = _frames(client, _url(app_id, queued["id"]), developer.headers)
    assert frames[0] == {"retry": str(streaming.RECONNECT_MS)}
    streamed = [f for f in frames if f.get("event") == "deployment.event"]
    assert [int(f["id"]) for f in streamed] == [e["id"] for e in events]
    assert [f["data"] for f in streamed] == events
    assert frames[-1]["event"] == "deployment.finished"
    assert frames[-1]["data"]["status"] == "succeeded"

    middle = events[len(events) // 2]["id"]
    resumed = _frames(
        client, _url(app_id, queued["id"]), {**developer.headers, "Last-Event-ID": str(middle)}
    )
    ids = [int(f["id"]) for f in resumed if f.get("event") == "deployment.event"]
    assert ids == [e["id"] for e in events if e["id"] > middle]


def test_another_developers_deployment_does_not_stream(
    factory: Factory, jobs: RecordingJobRunner, hosted: str
) -> None:
    client = factory.client
    app_id, developer = _app_with_repo(factory, hosted, jobs)
    queued = _deploy(client, app_id, developer)
    stranger = factory.developer(approved=True)
    hidden = client.get(_url(app_id, queued["id"]), headers=stranger.headers)
    assert (hidden.status_code, hidden.json()["code"]) == (404, "app_not_found")
    assert client.get(_url(app_id, queued["id"])).status_code == 401
    unknown = client.get(_url(app_id, "0" * 32), headers=developer.headers)
    assert (unknown.status_code, unknown.json()["code"]) == (404, "deployment_not_found")


def test_a_running_deployment_streams_each_event_as_it_happens(
    committed: tuple[Factory, Services, RecordingJobRunner],
    hosted: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A worker runs the stages (on its own connection) while the stream is open."""
    monkeypatch.setattr(streaming, "POLL_SECONDS", 0.05)
    factory, _services, jobs = committed
    client = factory.client
    app_id, developer = _app_with_repo(factory, hosted, jobs)
    queued = _deploy(client, app_id, developer)
    worker = threading.Thread(target=jobs.drain)
    frames: list[dict[str, Any]] = []

    def follow(actor: Actor) -> None:
        frames.extend(_frames(client, _url(app_id, queued["id"]), actor.headers))

    reader = threading.Thread(target=follow, args=(developer,))
    reader.start()
    worker.start()
    worker.join(timeout=600)
    reader.join(timeout=60)
    assert not reader.is_alive(), "the stream did not end with the deployment"
    events = _detail(client, app_id, developer, queued["id"])["events"]
    streamed = [int(f["id"]) for f in frames if f.get("event") == "deployment.event"]
    assert streamed == [e["id"] for e in events]  # each once, in order, none missed
    assert frames[-1]["event"] == "deployment.finished"
    assert frames[-1]["data"]["status"] == "succeeded"
