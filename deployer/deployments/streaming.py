"""A deployment's progress as Server-Sent Events (the HTML Living Standard's ``text/event-stream``).

The stream sends every event after ``Last-Event-ID`` (or ``?after=``) as ``deployment.event``
with the event's id, so a client that reconnects (browsers do so by themselves with
``EventSource``) misses nothing and sees nothing twice; it ends with ``deployment.finished``
once the deployment has succeeded, failed or been cancelled. New events are looked for every
second, each look a short read-only unit of work: an open stream holds an HTTP connection but no
database connection and no request slot. A comment line every 15 s keeps proxies from closing an
idle stream, and a stream closes after 15 minutes (the client reconnects from its last id), so a
process never keeps streams for ever. At most ``MAX_STREAMS`` are open per process.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Sequence
from typing import Any

import anyio
from starlette.concurrency import run_in_threadpool

from chainless.deployer.deployments import repository
from chainless.deployer.deployments.schemas import DeploymentEventOut
from chainless.deployer.models import Deployment, DeploymentEvent
from chainless.deployer.models.deployments import FINISHED_STATUSES
from chainless.platform.core.errors import TooManyRequests
from chainless.platform.core.services import Services

POLL_SECONDS = 1.0
HEARTBEAT_SECONDS = 15.0
LONGEST_SECONDS = 15 * 60.0
MAX_STREAMS = 200
RECONNECT_MS = 2000
_OPEN = "deployments.open_streams"
Start = tuple[dict[str, Any], list[bytes], int]  # the deployment, its event frames, the last id
Gone = tuple[None, list[bytes], int]


def _frame(event: str, data: dict[str, Any], event_id: int | None = None) -> bytes:
    lines = [f"id: {event_id}"] if event_id is not None else []
    lines += [f"event: {event}", f"data: {json.dumps(data, separators=(',', ':'))}"]
    return ("\n".join(lines) + "\n\n").encode()


def _events(events: Sequence[DeploymentEvent]) -> list[bytes]:
    out = []
    for event in events:
        body = DeploymentEventOut.model_validate(event, from_attributes=True)
        out.append(_frame("deployment.event", body.model_dump(mode="json"), event.id))
    return out


def _snapshot(deployment: Deployment) -> dict[str, Any]:
    return {
        "id": deployment.id,
        "status": str(deployment.status),
        "error_code": deployment.error_code,
        "error_detail": deployment.error_detail,
    }


def _look(
    services: Services, deployment_id: str, after: int
) -> Start | tuple[None, list[bytes], int]:
    """The deployment now, the frames of its events after ``after``, and the last id seen."""
    with services.database.reading() as session:
        deployment = session.get(Deployment, deployment_id)
        if deployment is None:
            return None, [], after
        events = repository.events_of(session, deployment, after)
        return _snapshot(deployment), _events(events), (events[-1].id if events else after)


def admit(services: Services) -> None:
    """Refuse a stream beyond the process's share (before the response starts)."""
    if services.extras.get(_OPEN, 0) >= MAX_STREAMS:
        raise TooManyRequests(
            "too many progress streams are open; poll the deployment instead",
            code="too_many_streams",
        )


def opening(deployment: Deployment, first: Sequence[DeploymentEvent]) -> Start:
    """What the access check read, as the stream's start (taken before its session ends)."""
    return _snapshot(deployment), _events(first), (first[-1].id if first else 0)


async def stream(services: Services, start: Start) -> AsyncIterator[bytes]:
    current, frames, after = start
    services.extras[_OPEN] = services.extras.get(_OPEN, 0) + 1
    try:
        yield f"retry: {RECONNECT_MS}\n\n".encode()
        for frame in frames:
            yield frame
        began = quiet_since = time.monotonic()
        while current["status"] not in FINISHED_STATUSES:
            if time.monotonic() - began >= LONGEST_SECONDS:
                return  # the client reconnects from its last id
            await anyio.sleep(POLL_SECONDS)
            found, frames, after = await run_in_threadpool(_look, services, current["id"], after)
            if found is None:
                return
            current = found
            for frame in frames:
                yield frame
            if frames:
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since >= HEARTBEAT_SECONDS:
                quiet_since = time.monotonic()
                yield b": still running\n\n"
        yield _frame("deployment.finished", current)
    finally:
        services.extras[_OPEN] = services.extras.get(_OPEN, 1) - 1
