"""Response bodies of the public catalog (search and the app page)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

Sort = Literal["relevance", "popular", "new", "rating"]
Language = Literal["en", "zh-CN"]


class HighlightOut(BaseModel):
    field: Literal["name", "short_description"]
    language: str
    spans: list[tuple[int, int]] = Field(
        description="[start, end) character offsets of the match in that text"
    )


class CatalogAppOut(BaseModel):
    app_id: str
    slug: str
    name: str = Field(description="in the language asked for (lang), else another")
    short_description: str
    language: str = Field(description="the language of name and short_description")
    names: dict[str, str] = Field(description="the name in every language listed")
    category: str
    tags: list[str]
    icon_url: str
    version: str
    popularity: int = Field(description="authorizations in the last 7 days (docs/catalog.md)")
    rating: float | None = Field(description="no ratings yet: null")
    listed_at: datetime
    highlights: list[HighlightOut]


class CategoryCount(BaseModel):
    category: str
    count: int


class SearchOut(BaseModel):
    items: list[CatalogAppOut]
    total: int = Field(description="matches of q and tag in every category")
    facets: list[CategoryCount] = Field(description="matches by category, before the filter")
    next_cursor: str | None = Field(description="pass as cursor for the next page; null: last")


class ProfileCertificateOut(BaseModel):
    auditor: str
    issued_on: str | None
    sha256: str
    filename: str
    scope: str | None = Field(description="not recorded yet: null")
    uploaded_at: datetime


class ProfileContractOut(BaseModel):
    chain_id: int
    environment: str
    name: str
    address: str
    verification: Literal["verified", "unverified", "unknown"] = Field(
        description="the deployer's source check of the deployed bytecode; unknown: not checked"
    )
    deployed_at: datetime | None
    audit_rating: str | None


class StaticAnalysisOut(BaseModel):
    tool: str | None
    rating: str | None = Field(description="A (best) to E, the worst of the live contracts")
    findings: dict[str, int] = Field(description="findings by severity (High, Medium, ...)")


class ManifestOut(BaseModel):
    version: str
    commit_sha: str
    content_hash: str = Field(description="SHA-256 bundle hash that names the published site")
    key_id: str
    signature: str | None = Field(description="the JWS's signature part (ES256)")
    manifest_url: str
    released_at: datetime


class ScopeOut(BaseModel):
    scope: str
    description: str
    high_risk: bool


class RiskOut(BaseModel):
    level: Literal["none", "warn", "block"]
    reasons: list[str] = Field(description="stable codes, docs/catalog.md lists them")


class SecurityProfileOut(BaseModel):
    certificate: ProfileCertificateOut | None
    repository_url: str | None
    contracts: list[ProfileContractOut]
    static_analysis: StaticAnalysisOut
    release: ManifestOut | None
    developer_qualified: bool
    scopes: list[ScopeOut]
    gas_sponsored: bool


class AppPageOut(BaseModel):
    app: CatalogAppOut
    descriptions: dict[str, str] = Field(description="the long description by language")
    updated_at: datetime
    listed: bool
    security: SecurityProfileOut
    risk: RiskOut
