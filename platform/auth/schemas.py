"""Request and response bodies of sign-in."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, EmailStr, Field


class SignInRequest(BaseModel):
    email: EmailStr
    password: str = Field(min_length=1, max_length=256)


class UnlockRequest(BaseModel):
    token: str = Field(min_length=1, max_length=128, description="The code from the unlock mail")


class ConsoleSessionOut(BaseModel):
    csrf_token: str = Field(
        description="Send it back in the X-CSRF-Token header on unsafe requests"
    )
    expires_at: datetime
    account_id: str


class BearerTokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 (RFC 6750 token type, not a secret)
    expires_at: datetime


class SessionOut(BaseModel):
    id: str
    kind: str
    created_at: datetime
    expires_at: datetime
    last_seen_at: datetime | None
    ip: str | None
    user_agent: str | None
    current: bool
