"""Request and response bodies of the apikeys feature."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from chainless.platform.core.permissions import ApiKeyScope
from chainless.platform.core.settings import ChainEnvironment

Period = Literal["minute", "hour", "day"]
PERIOD_SECONDS: dict[str, int] = {"minute": 60, "hour": 3600, "day": 86400}
KeyStatus = Literal["active", "expiring", "expired", "revoked"]


class RateLimitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    calls: int = Field(ge=1, le=100_000)
    per: Period


class ApiKeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
    environment: ChainEnvironment
    scopes: list[str] = Field(
        min_length=1,
        max_length=len(ApiKeyScope),
        description="Subset of: " + ", ".join(s.value for s in ApiKeyScope),
    )
    rate_limit: RateLimitIn | None = Field(
        default=None, description="Default: the platform's per-hour default for API keys"
    )


class RevokeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=256)]


class RateLimitOut(BaseModel):
    calls: int
    per: str = Field(description="minute, hour or day")
    period_seconds: int


class ApiKeyOut(BaseModel):
    id: str
    app_id: str
    name: str
    prefix: str = Field(description="The public part of the key; the secret is never shown again")
    environment: str
    scopes: list[str]
    rate_limit: RateLimitOut
    status: KeyStatus
    created_at: datetime
    created_by: str
    expires_at: datetime
    revoked_at: datetime | None
    revoke_reason: str | None
    rotated_from_id: str | None
    replaced_by_id: str | None
    last_used_at: datetime | None
    usage_count: int = Field(description="Authenticated calls, including not yet flushed ones")


class ApiKeyCreated(ApiKeyOut):
    key: str = Field(description="The full API key. Shown only in this response: store it now.")


class RevokedKeyOut(BaseModel):
    id: str
    prefix: str
    revoked_at: datetime


class RateLimitStatus(RateLimitOut):
    remaining: int
    reset_seconds: int = Field(description="Seconds until the full quota is available again")


class CallingKeyOut(BaseModel):
    """``GET .../api-keys/self``: which key is calling, and how much of its limit is left."""

    id: str
    app_id: str
    name: str
    prefix: str
    environment: str
    scopes: list[str]
    expires_at: datetime
    rate_limit: RateLimitStatus
