"""Tokens as the token endpoint answers them, with the time they run out."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

REFRESH_MARGIN_SECONDS = 300
"""Refresh about five minutes before the access token expires (spec §3.5.3, session management)."""


@dataclass(frozen=True)
class TokenSet:
    access_token: str
    refresh_token: str | None
    scope: tuple[str, ...]
    expires_at: float
    token_type: str = "Bearer"  # noqa: S105 - RFC 6750 token type, not a secret

    @classmethod
    def from_response(cls, body: dict[str, Any], *, now: float | None = None) -> TokenSet:
        issued = time.time() if now is None else now
        return cls(
            access_token=str(body["access_token"]),
            refresh_token=body.get("refresh_token"),
            scope=tuple(str(body.get("scope", "")).split()),
            expires_at=issued + int(body.get("expires_in", 0)),
            token_type=str(body.get("token_type", "Bearer")),
        )

    def needs_refresh(
        self, *, now: float | None = None, margin: float = REFRESH_MARGIN_SECONDS
    ) -> bool:
        """True once the access token is within ``margin`` seconds of expiry (or past it)."""
        current = time.time() if now is None else now
        return current >= self.expires_at - margin
