"""The SDK's errors: what the platform answered, with its stable code, or why a token is refused."""

from __future__ import annotations


class ChainlessError(Exception):
    """Base class of every error the SDK raises."""


class OAuthError(ChainlessError):
    """The authorization server refused a request (RFC 6749 §5.2 error body)."""

    def __init__(self, error: str, description: str = "", status: int = 400) -> None:
        super().__init__(f"{error}: {description}" if description else error)
        self.error = error
        self.description = description
        self.status = status


class TokenInvalid(ChainlessError):
    """An access token failed offline verification; ``reason`` is a stable, short code."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


class RelayError(ChainlessError):
    """The relay refused a request: ``code`` is the problem document's stable code
    (``user_daily_count_exceeded``, ``selector_not_allowed``, …), ``problem`` the whole document
    (RFC 9457, with extra members such as ``field`` or ``expected_nonce``)."""

    def __init__(
        self,
        code: str,
        detail: str = "",
        status: int = 400,
        problem: dict[str, object] | None = None,
    ) -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail
        self.status = status
        self.problem = problem or {}


class WebhookInvalid(ChainlessError):
    """A webhook request failed verification; ``reason`` is a stable, short code."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail
