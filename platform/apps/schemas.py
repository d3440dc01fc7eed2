"""Request and response bodies of the apps feature: the app itself, its secret, review and listing.

Shapes and lengths are checked here (``validation_error``); the rules with their own problem code
(redirect URIs, scopes, domains, keys, repository) in :mod:`chainless.platform.apps.validation`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, get_args

from annotated_types import MaxLen
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from chainless.platform.apps.config_schemas import ContractOut, InterfaceOut, VersionOut
from chainless.platform.core.scopes import DEFAULT_SCOPES
from chainless.platform.models import AppStatus

# The catalog's fixed category list (docs/catalog.md); the first eight were the original ones.
Category = Literal[
    "games",
    "finance",
    "social",
    "tools",
    "shopping",
    "nft",
    "defi",
    "other",
    "exchange",
    "payments",
    "education",
    "news",
]
CATEGORIES: tuple[str, ...] = get_args(Category)
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Tag = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=24)]
Hostname = Annotated[str, StringConstraints(max_length=253)]
RedirectUri = Annotated[str, StringConstraints(max_length=8192)]  # the 2048 rule has its own code
ScopeName = Annotated[str, StringConstraints(max_length=64)]
SignatureAlgorithm = Literal["ES256", "RS256", "EdDSA"]
EncryptionAlgorithm = Literal["none", "AES-256-GCM"]
# RFC 7591 §2 token_endpoint_auth_method; "none" makes a public client (docs/oauth.md)
TokenEndpointAuthMethod = Literal["client_secret_basic", "client_secret_post", "none"]
STATUS_NAMES = {
    AppStatus.DEVELOPMENT: "development",
    AppStatus.IN_REVIEW: "in_review",
    AppStatus.ONLINE: "online",
    AppStatus.DELISTED: "delisted",
}
StatusName = Literal["development", "in_review", "online", "delisted"]


Description = Annotated[str, StringConstraints(max_length=4000)]
IconUrl = Annotated[str, StringConstraints(max_length=2048)]  # the 256 rule has its own code
Tags = Annotated[list[Tag], MaxLen(10)]
Domains = Annotated[list[Hostname], MaxLen(100)]  # the limit of 20 has its own code
RedirectUris = Annotated[list[RedirectUri], MaxLen(100)]  # the limit of 10 has its own code
Scopes = Annotated[list[ScopeName], MaxLen(50)]
_DOC = {
    "tags": "lower-case slugs (a-z, 0-9, hyphens), at most 10 of at most 24 characters",
    "domains": "hostnames the app is served from, at most 20",
    "redirect_uris": "exact, absolute URIs; https (http only on loopback); at most 10",
    "requested_scopes": "OAuth scopes the app asks wallet users for",
    "token_endpoint_auth_method": (
        "how the app authenticates to the token endpoint (RFC 7591), fixed at creation:"
        " client_secret_basic or client_secret_post for a backend holding the app secret"
        " (a confidential client), none for a public client using PKCE alone, which is"
        " issued no secret and gets short-lived refresh tokens"
    ),
}


class AppCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    description: Description = ""
    icon_url: IconUrl = Field(default="", description="https URL, at most 256 characters")
    category: Category = "other"
    tags: Tags = Field(default_factory=list, description=_DOC["tags"])
    domains: Domains = Field(default_factory=list, description=_DOC["domains"])
    redirect_uris: RedirectUris = Field(default_factory=list, description=_DOC["redirect_uris"])
    requested_scopes: Scopes = Field(
        default_factory=lambda: list(DEFAULT_SCOPES), description=_DOC["requested_scopes"]
    )
    token_endpoint_auth_method: TokenEndpointAuthMethod = Field(
        default="client_secret_basic", description=_DOC["token_endpoint_auth_method"]
    )
    signature_algorithm: SignatureAlgorithm | None = None
    encryption_algorithm: EncryptionAlgorithm | None = None
    public_key_pem: str | None = Field(default=None, max_length=16_384)
    certificate_pem: str | None = Field(default=None, max_length=32_768)
    repo_url: str | None = Field(default=None, max_length=512)
    repo_branch: str | None = Field(default=None, max_length=255)


class AppUpdate(BaseModel):
    """A partial update: only the fields sent change; ``null`` is not a value for any of them."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    description: Description | None = None
    icon_url: IconUrl | None = None
    category: Category | None = None
    tags: Tags | None = Field(default=None, description=_DOC["tags"])
    domains: Domains | None = Field(default=None, description=_DOC["domains"])
    redirect_uris: RedirectUris | None = Field(default=None, description=_DOC["redirect_uris"])
    requested_scopes: Scopes | None = Field(default=None, description=_DOC["requested_scopes"])

    @model_validator(mode="after")
    def _no_nulls(self) -> AppUpdate:
        nulls = sorted(f for f in self.model_fields_set if getattr(self, f) is None)
        if nulls:
            raise ValueError(f"these fields cannot be null: {', '.join(nulls)}")
        return self

    def changes(self) -> dict[str, Any]:
        return {f: getattr(self, f) for f in self.model_fields_set}


class DeveloperOut(BaseModel):
    id: str
    name: str
    email: str


class DeployOut(BaseModel):
    repo_url: str | None
    repo_branch: str | None


class AppSummary(BaseModel):
    app_id: str = Field(description="32 lower-case hex characters; also the OAuth client_id")
    name: str
    version: str | None = Field(description="the version online, if any")
    description: str
    icon_url: str
    category: str
    tags: list[str]
    status: int = Field(description="0 in development, 1 in review, 2 online, 3 delisted")
    status_name: StatusName
    developer_id: str
    create_time: datetime
    update_time: datetime


class AppOut(AppSummary):
    domains: list[str]
    redirect_uris: list[str]
    requested_scopes: list[str]
    approved_scopes: list[str]
    token_endpoint_auth_method: TokenEndpointAuthMethod = Field(
        description=_DOC["token_endpoint_auth_method"]
    )
    developer: DeveloperOut | None
    contracts: list[ContractOut]
    interface: InterfaceOut
    deploy: DeployOut
    payment_service: bool
    secret_rotated_at: datetime | None
    submitted_at: datetime | None
    listed_at: datetime | None
    delisted_at: datetime | None
    status_reason: str | None


class AppCreated(AppOut):
    client_id: str
    client_secret: str | None = Field(
        description="shown once; store it now, only its hash is kept. null for a public client"
    )


class AppPage(BaseModel):
    items: list[AppSummary]
    total: int
    limit: int
    offset: int


class SecretOut(BaseModel):
    client_id: str
    client_secret: str = Field(description="shown once")
    rotated_at: datetime
    previous_secret_expires_at: datetime | None = Field(
        description="until then the previous secret is still accepted"
    )


class ListingTextIn(BaseModel):
    """What wallet users read about an app in one language (lengths have their own codes)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(default="", max_length=1000, description="at most 64 characters")
    short_description: str = Field(
        default="", max_length=4000, description="one line in search results, at most 170"
    )
    description: str = Field(default="", max_length=20_000, description="at most 4000")


class ListingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    texts: dict[str, ListingTextIn] = Field(
        max_length=8,
        description="by language: zh-CN and/or en; category and tags are the app's own",
    )


class SubmitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: str = Field(min_length=1, max_length=16)
    listing: ListingIn | None = Field(
        default=None,
        description="the catalog listing of this version; omitted: built from the app's name "
        "and description (docs/catalog.md)",
    )


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Literal["approve", "reject"]
    reason: str = Field(default="", max_length=2000, description="required for a rejection")
    approved_scopes: list[ScopeName] | None = Field(
        default=None, max_length=50, description="a subset of the requested scopes; default all"
    )


class DelistIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(max_length=2000)


class RelistIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(default="", max_length=2000)


class QueueEntryOut(BaseModel):
    app: AppSummary
    version: VersionOut | None
    developer_email: str
    submitted_at: datetime | None
