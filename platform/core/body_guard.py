"""The request body as the edge lets it through: no larger than the limit, no JSON too deep,
no NUL character (``nul_refusal``).

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
from chainless.platform.core.nul_refusal import form_has_nul, json_has_nul, refusal

REQUESTS_REJECTED = Counter(
    "chainless_http_rejected_total", "Requests refused at the edge", ["reason"]
)
FORM = "application/x-www-form-urlencoded"


class BodyGuard:
    """``receive`` for one request; ``refusal`` is what it raised, if anything."""

    def __init__(self, scope: Scope, receive: Receive, *, max_bytes: int, max_depth: int) -> None:
        self._receive = receive
        self._max_bytes = max_bytes
        self._kind = _body_kind(scope)
        self._max_depth = max_depth
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
        if self._kind is not None:
            self._chunks.append(chunk)
            if not message.get("more_body", False):
                self._check(b"".join(self._chunks))
                self._chunks = []
        return message

    def _check(self, body: bytes) -> None:
        """Before the last chunk reaches its reader, so before anything parsed the body."""
        if self._kind == "form":
            if form_has_nul(body):
                self._refuse("nul", refusal("body"))
            return
        if nests_deeper_than(body, self._max_depth):
            self._refuse(
                "json_too_deep",
                BadRequest(
                    f"the JSON body nests deeper than {self._max_depth} levels",
                    code="json_too_deep",
                ),
            )
        if json_has_nul(body):
            self._refuse("nul", refusal("body"))

    def _refuse(self, reason: str, error: AppError) -> None:
        REQUESTS_REJECTED.labels(reason).inc()
        self.refusal = error
        raise error


def _body_kind(scope: Scope) -> str | None:
    """``form``, ``json`` (any body may be read as JSON; FastAPI reads one without a content
    type so) or ``None`` for multipart, whose parts are files."""
    for name, value in scope["headers"]:
        if name == b"content-type":
            media_type = value.decode("latin-1").strip().lower()
            if media_type.startswith("multipart/"):
                return None
            return "form" if media_type.startswith(FORM) else "json"
    return "json"
