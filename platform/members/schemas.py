"""Request and response bodies of app membership and invitations."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field


class InviteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailStr


class AcceptIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: str = Field(
        min_length=10, max_length=128, description="the code from the invitation email"
    )


class MemberOut(BaseModel):
    id: str
    app_id: str
    email: str
    role: str
    status: Literal["pending", "accepted", "expired"]
    account_id: str | None
    invited_by: str
    invited_at: datetime
    invite_expires_at: datetime | None
    accepted_at: datetime | None
