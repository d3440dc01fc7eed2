"""Request and response bodies of releases and the CDN's client reports."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class ReleaseOut(BaseModel):
    version: str
    status: Literal["current", "canary", "published"]
    deployment_id: str
    commit_sha: str
    bundle_hash: str
    site_url: str | None = Field(
        description="The versioned, immutable base URL of the release's files; null for a "
        "release without a frontend (contracts only)"
    )
    manifest_url: str = Field(description="The signed manifest (JWS, verify with /oauth/jwks)")
    created_by: str
    created_at: datetime


class ChannelOut(BaseModel):
    app_id: str
    environment: str
    current: str | None
    canary: str | None
    canary_percent: int
    releases: list[ReleaseOut] = Field(description="Newest first (at most 50)")


class CanaryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    percent: int = Field(ge=1, le=100, description="Share of users; it may only grow")


class RollbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: str | None = Field(
        default=None,
        max_length=16,
        description="One of the last releases; by default the newest one below the current",
    )


class ReleaseEventOut(BaseModel):
    id: int
    at: datetime
    action: str
    version: str
    previous_version: str | None
    commit_sha: str
    canary_percent: int
    actor: str
    reason: str


class EntryOut(BaseModel):
    """The release a user gets (``?format=json`` of the entry route)."""

    app_id: str
    environment: str
    version: str
    canary: bool
    frontend: bool = Field(description="false for a release of contracts only: nothing to load")
    site_url: str | None = Field(description="The release's files; null without a frontend")
    entry_url: str | None = Field(
        description="The requested path in the release's files; null when the release has no "
        "such file (or no frontend at all)"
    )
    manifest_url: str
    report_ticket: str | None = Field(
        default=None,
        description="For a canary load: send it back with the load's outcome to /cdn/reports",
    )


class LoadReport(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ticket: str = Field(max_length=256, description="The entry route's `report_ticket`")
    error: bool = Field(default=False, description="The release failed on the client")


class ReportIn(BaseModel):
    """Outcomes of canary loads, one per ticket; a wallet may batch up to 100."""

    model_config = ConfigDict(extra="forbid")

    reports: list[LoadReport] = Field(min_length=1, max_length=100)


class ReportOut(BaseModel):
    status: Literal["counted", "ignored", "canary_cancelled"]
    reason: str = ""
    counted: int = Field(default=0, description="Loads counted from this request")
    refused: int = Field(default=0, description="Tickets not counted: invalid, expired or reused")
