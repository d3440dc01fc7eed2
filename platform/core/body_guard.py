"""The request body as the edge lets it through: no larger than the limit, no JSON too deep.

The guard wraps ``receive``, so whoever reads the body — a route, FastAPI's body reader or a
middleware that answers ahead of the router — is refused the same way, before it has parsed a
byte: the message that would complete a body over a limit raises the refusal instead. Forms and
multipart bodies are not JSON to any reader here (``CHAINLESS_MAX_JSON_DEPTH`` does not apply);
every other body may be parsed as JSON (FastAPI parses a body without a content type as JSON).
"""

from __future__ import annotations

from prometheus_client import Counter
from starlette.types import Message, Receive, Scope

from chainless.platform.core.errors import AppError, BadRequest, PayloadTooLarge
from chainless.platform.core.json_depth import nests_deeper_than

REQUESTS_REJECTED = Counter(
    "chainless_http_rejected_total", "Requests refused at the edge", ["reason"]
)
_NOT_JSON = ("multipart/", "application/x-www-form-urlencoded")


class BodyGuard:
    """``receive`` for one request; ``refusal`` is what it raised, if anything."""

    def __init__(self, scope: Scope, receive: Receive, *, max_bytes: int, max_depth: int) -> None:
        self._receive = receive
        self._max_bytes = max_bytes
        self._max_depth = max_depth if _may_be_json(scope) else None
        self._chunks: list[bytes] = []
        self._seen = 0
        self.refusal: AppError | None = None

    async def receive(self) -> Message:
        message = await self._receive()
        if message["type"] != "http.request":
            return message
        chunk = message.get("body", b"")
        self._seen += len(chunk)
        if self._seen > self._max_bytes:
            self._refuse(
                "body_too_large", PayloadTooLarge(f"request body exceeds {self._max_bytes} bytes")
            )
        if self._max_depth is not None:
            self._chunks.append(chunk)
            if not message.get("more_body", False):
                self._check_depth(self._max_depth)
        return message

    def _check_depth(self, limit: int) -> None:
        body = b"".join(self._chunks)
        self._chunks = []
        if nests_deeper_than(body, limit):
            self._refuse(
                "json_too_deep",
                BadRequest(f"the JSON body nests deeper than {limit} levels", code="json_too_deep"),
            )

    def _refuse(self, reason: str, error: AppError) -> None:
        REQUESTS_REJECTED.labels(reason).inc()
        self.refusal = error
        raise error


def _may_be_json(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        if name == b"content-type":
            media_type = value.decode("latin-1").strip().lower()
            return not media_type.startswith(_NOT_JSON)
    return True
