"""One error type with a status and a stable code, rendered as RFC 9457 problem+json.

Every feature raises :class:`AppError` (or one of the small subclasses below); the handlers in
:mod:`chainless.platform.core.problem_handlers` turn it, validation errors and unknown routes into
``application/problem+json`` bodies whose ``code`` never changes once published.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

PROBLEM_CONTENT_TYPE = "application/problem+json"


class AppError(Exception):
    """A failure the client can act on.

    ``keep_changes`` marks outcomes that must be committed although the request fails, such as a
    counted failed login: the request scope commits instead of rolling back.
    """

    status: int = 400
    code: str = "bad_request"
    title: str = "Bad request"

    def __init__(
        self,
        detail: str,
        *,
        code: str | None = None,
        status: int | None = None,
        title: str | None = None,
        headers: dict[str, str] | None = None,
        keep_changes: bool = False,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        if title is not None:
            self.title = title
        self.headers = headers or {}
        self.keep_changes = keep_changes
        self.extra = extra


class BadRequest(AppError):
    status, code, title = 400, "bad_request", "Bad request"


class Unauthenticated(AppError):
    status, code, title = 401, "unauthenticated", "Authentication required"


class Forbidden(AppError):
    status, code, title = 403, "forbidden", "Forbidden"


class NotFound(AppError):
    status, code, title = 404, "not_found", "Not found"


class Conflict(AppError):
    status, code, title = 409, "conflict", "Conflict"


class Gone(AppError):
    status, code, title = 410, "gone", "Gone"


class PayloadTooLarge(AppError):
    status, code, title = 413, "payload_too_large", "Payload too large"


class Unprocessable(AppError):
    status, code, title = 422, "validation_error", "Invalid request"


class Locked(AppError):
    status, code, title = 423, "locked", "Locked"


class TooManyRequests(AppError):
    status, code, title = 429, "rate_limited", "Too many requests"


class ServiceUnavailable(AppError):
    status, code, title = 503, "unavailable", "Service unavailable"


class ProblemDetail(BaseModel):
    """The RFC 9457 body; ``code`` is the stable, machine-readable error code."""

    type: str = Field(description="URI reference naming the problem type")
    title: str
    status: int
    detail: str
    code: str = Field(description="Stable error code, never renamed once published")
    instance: str | None = None
    request_id: str | None = None
    errors: list[dict[str, Any]] | None = Field(
        default=None, description="Per-field problems for validation errors"
    )


def problem_type(code: str) -> str:
    return f"urn:chainless:problem:{code}"


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries declaring the problem+json errors an endpoint may answer."""
    descriptions = {
        400: "Bad request",
        401: "Authentication required",
        403: "Forbidden",
        404: "Not found",
        409: "Conflict",
        413: "Payload too large",
        422: "Invalid request",
        423: "Locked",
        429: "Too many requests",
        503: "Service unavailable",
    }
    return {
        status: {
            "model": ProblemDetail,
            "description": descriptions.get(status, "Error"),
            "content": {PROBLEM_CONTENT_TYPE: {}},
        }
        for status in statuses
    }
