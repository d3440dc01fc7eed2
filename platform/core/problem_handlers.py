"""Turn every error into RFC 9457 problem+json with a stable ``code``."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import iter_route_contexts
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.responses import JSONResponse, Response
from starlette.routing import compile_path

from chainless.platform.core.context import current_request
from chainless.platform.core.errors import PROBLEM_CONTENT_TYPE, AppError, problem_type

log = logging.getLogger("chainless.errors")

_HTTP_CODES = {
    400: ("bad_request", "Bad request"),
    401: ("unauthenticated", "Authentication required"),
    403: ("forbidden", "Forbidden"),
    404: ("not_found", "Not found"),
    405: ("method_not_allowed", "Method not allowed"),
    406: ("not_acceptable", "Not acceptable"),
    413: ("payload_too_large", "Payload too large"),
    415: ("unsupported_media_type", "Unsupported media type"),
    429: ("rate_limited", "Too many requests"),
}


def problem_response(
    request: Request | None,
    *,
    status: int,
    code: str,
    title: str,
    detail: str,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    body: dict[str, Any] = {
        "type": problem_type(code),
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
        "request_id": request_id_of(request),
    }
    if request is not None:
        body["instance"] = request.url.path
    body.update({k: v for k, v in extra.items() if v is not None})
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_CONTENT_TYPE)


def request_id_of(request: Request | None) -> str | None:
    """The request's id: from the request context, or from the ASGI scope where the context
    is gone. Starlette answers an unhandled error (the 500) in its outermost middleware, outside
    the edge middleware that binds the context; the id it put in ``scope["state"]`` is still
    there."""
    bound = current_request().request_id
    if bound is not None or request is None:
        return bound
    state = request.scope.get("state")
    found = state.get("request_id") if isinstance(state, dict) else None
    return found if isinstance(found, str) else None


def app_error_response(request: Request | None, error: AppError) -> Response:
    """The answer to ``error``, by the handler and by middlewares that answer ahead of routing."""
    return problem_response(
        request,
        status=error.status,
        code=error.code,
        title=error.title,
        detail=error.detail,
        headers=error.headers,
        **error.extra,
    )


async def _app_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, AppError)
    return app_error_response(request, error)


def _json_error(errors: list[Any]) -> dict[str, Any] | None:
    return next((e for e in errors if e.get("type") == "json_invalid"), None)


async def _validation_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    errors = list(error.errors())
    broken_json = _json_error(errors)
    if broken_json is not None:
        ctx = broken_json.get("ctx") or {}
        return problem_response(
            request,
            status=400,
            code="malformed_json",
            title="Malformed JSON",
            detail=f"the request body is not valid JSON: {ctx.get('error', 'parse error')}",
        )
    fields = [
        {"location": list(e.get("loc", ())), "message": e.get("msg", ""), "type": e.get("type", "")}
        for e in errors
    ]
    first = fields[0] if fields else {"location": [], "message": "invalid request"}
    where = ".".join(str(p) for p in first["location"][1:]) or "request"
    return problem_response(
        request,
        status=422,
        code="validation_error",
        title="Invalid request",
        detail=f"{where}: {first['message']}",
        errors=fields,
    )


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, StarletteHTTPException)
    if isinstance(error.__cause__, AppError):  # e.g. the body limit tripped while FastAPI read it
        return app_error_response(request, error.__cause__)
    code, title = _HTTP_CODES.get(error.status_code, ("http_error", "HTTP error"))
    detail = error.detail if isinstance(error.detail, str) else title
    if error.status_code == 404 and detail == "Not Found":
        detail = f"no resource at {request.url.path}"
    headers = dict(error.headers or {})
    if error.status_code == 405:
        headers["Allow"] = _allowed_methods(request)
    return problem_response(
        request, status=error.status_code, code=code, title=title, detail=detail, headers=headers
    )


def _allowed_methods(request: Request) -> str:
    """Every method a route of this path takes (RFC 9110 §15.5.6): Starlette's 405 names only
    the first route that matched the path, and GET and POST of one path are two routes here.
    The routes are matched on their full template (an included router's own is unprefixed)."""
    path = request.scope["path"]
    methods: set[str] = set()
    for context in iter_route_contexts(request.app.routes):
        if context.methods and context.path and compile_path(context.path)[0].match(path):
            methods.update(context.methods)
    return ", ".join(sorted(methods))


CLIENT_CLOSED_REQUEST = 499  # no one reads it; the status metrics and the access log show


async def _client_gone(request: Request, error: Exception) -> Response:
    """The client went away before its body was read (``ClientDisconnect``): nothing failed
    here and no one is left to answer, so it is noted, not logged as an unhandled error."""
    log.info("client disconnected before its request was read", extra={"path": request.url.path})
    return Response(status_code=CLIENT_CLOSED_REQUEST)


async def _unexpected(request: Request, error: Exception) -> Response:
    return unexpected_error_response(request, error)


def unexpected_error_response(request: Request, error: Exception) -> Response:
    """The 500 problem of an error no handler knows; logged with its traceback."""
    request_id = request_id_of(request)
    log.exception("unhandled error", exc_info=error, extra={"request_id": request_id})
    return problem_response(
        request,
        status=500,
        code="internal_error",
        title="Internal server error",
        detail="an unexpected error occurred; quote the request id when reporting it",
        headers={"X-Request-Id": request_id} if request_id else None,
    )


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(ClientDisconnect, _client_gone)
    app.add_exception_handler(Exception, _unexpected)
