"""Request and response bodies of the qualification feature."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class QualificationRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    organization_name: str = Field(min_length=2, max_length=128)
    registration_number: str = Field(min_length=2, max_length=64)
    country: str = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2")
    contact_name: str = Field(min_length=1, max_length=64)
    contact_phone: str = Field(default="", max_length=32, pattern=r"^[0-9+()\- ]*$")
    website: str = Field(default="", max_length=256)
    document_ids: list[str] = Field(
        default_factory=list,
        max_length=10,
        description="ids returned by the document upload endpoint",
    )


class DocumentOut(BaseModel):
    id: str
    filename: str
    content_type: str
    size: int
    sha256: str


class QualificationOut(BaseModel):
    id: str
    account_id: str
    organization_name: str
    registration_number: str
    country: str
    contact_name: str
    contact_phone: str
    website: str
    documents: list[DocumentOut]
    status: str
    reason: str | None
    submitted_at: datetime
    decided_at: datetime | None


class DecisionRequest(BaseModel):
    decision: Literal["approve", "reject"]
    reason: str = Field(default="", max_length=2000)
