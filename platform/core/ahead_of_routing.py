"""What the middlewares that answer a hot request ahead of FastAPI's routing share.

Such a middleware (``CachedIntrospection``, ``LeanToken``, ``ApiKeyAppReads``,
``LeanRelaySubmit``) calls the route's own code without routing and dependency solving. It
reads a small form or JSON body itself (anything unusual goes to the route with the body
replayed), names the route in ``scope["route"]`` so metrics and
the access log show its template, and answers an ``AppError`` as the route's handler would.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from fastapi.routing import APIRoute, iter_route_contexts
from starlette.datastructures import FormData, Headers, UploadFile
from starlette.requests import Request
from starlette.types import Message, Receive, Scope, Send

from chainless.platform.core.errors import AppError
from chainless.platform.core.problem_handlers import (
    app_error_response,
    unexpected_error_response,
)

FORM = "application/x-www-form-urlencoded"
MAX_FORM_BODY = 8192
MAX_FORM_FIELDS = 50  # as ``oauth.endpoints.common.read_form``: more is the route's 400


def is_form_post(scope: Scope, path: str) -> bool:
    """An HTTP ``POST`` to ``path`` with a urlencoded body."""
    if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != path:
        return False
    content_type = Headers(scope=scope).get("content-type", "")
    return content_type.partition(";")[0].strip().lower() == FORM


async def read_form(receive: Receive) -> tuple[FormData | None, Receive]:
    """The urlencoded form, parsed as Starlette parses it, and a ``receive`` that replays what
    was read. ``None`` when the route should read the body itself: larger than answered here,
    not finished (the client went away), or with more fields than the route takes."""
    body, replay = await read_body(receive, MAX_FORM_BODY)
    if body is None:
        return None, replay
    fields: list[tuple[str, str | UploadFile]] = list(
        parse_qsl(body.decode("latin-1"), keep_blank_values=True)
    )
    if len(fields) > MAX_FORM_FIELDS:
        return None, replay
    return FormData(fields), replay


def find_route(scope: Scope, path: str, method: str = "POST") -> APIRoute | None:
    """The app's route for ``method`` on the template ``path`` (with its router's prefix, as
    ``/api/v1/apps/{app_id}``), for ``scope["route"]``."""
    for context in iter_route_contexts(scope["app"].routes):
        route = context.original_route
        if isinstance(route, APIRoute) and context.path == path and method in (route.methods or ()):
            return route
    return None


async def answer_problem(error: AppError, scope: Scope, receive: Receive, send: Send) -> None:
    """The problem+json the route's exception handler makes of ``error``."""
    await app_error_response(Request(scope, receive), error)(scope, receive, send)


def is_json_post(scope: Scope, path: str) -> bool:
    """An HTTP ``POST`` to ``path`` with a JSON body."""
    if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != path:
        return False
    content_type = Headers(scope=scope).get("content-type", "")
    return content_type.partition(";")[0].strip().lower() == "application/json"


async def read_body(receive: Receive, limit: int) -> tuple[bytes | None, Receive]:
    """The whole body and a ``receive`` that replays what was read; ``None`` (the route reads
    it) when it is larger than ``limit`` or not finished (the client went away)."""
    body, finished = await _read_body(receive, limit)
    replay = _replaying(body, finished, receive)
    if not finished or len(body) > limit:
        return None, replay
    return body, replay


async def answer_unexpected(error: Exception, scope: Scope, receive: Receive, send: Send) -> None:
    """The route's 500 problem+json for an error no handler knows (logged)."""
    await unexpected_error_response(Request(scope, receive), error)(scope, receive, send)


async def _read_body(receive: Receive, limit: int) -> tuple[bytes, bool]:
    """The body as far as read, and whether that is all of it: reading stops past ``limit``
    (the edge middleware caps bodies anyway)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks), False
        chunk = message.get("body", b"")
        chunks.append(chunk)
        size += len(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks), True
        if size > limit:
            return b"".join(chunks), False


def _replaying(body: bytes, finished: bool, receive: Receive) -> Receive:
    """``receive`` that first hands on what was read here."""
    pending = True

    async def replay() -> Message:
        nonlocal pending
        if pending:
            pending = False
            return {"type": "http.request", "body": body, "more_body": not finished}
        return await receive()

    return replay
