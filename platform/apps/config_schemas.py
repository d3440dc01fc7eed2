"""Request and response bodies of an app's configuration: contracts, interface, deploy, payment,
audit certificate and versions (spec 3.5.1 developer configuration)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Selector = Annotated[str, StringConstraints(max_length=16)]


class ContractIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
    abi: list[Any] = Field(
        max_length=2000, description="the contract's JSON ABI (a list of entries)"
    )
    method_allowlist: list[Selector] = Field(
        default_factory=list,
        max_length=256,
        description="4-byte selectors (0x + 8 hex) the relay may call; empty: any in the ABI",
    )


class ContractOut(BaseModel):
    id: str
    environment: str
    address: str = Field(description="EIP-55 checksummed")
    name: str
    abi: list[dict[str, Any]]
    method_allowlist: list[str]
    created_at: datetime


class InterfaceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    signature_algorithm: Literal["ES256", "RS256", "EdDSA"]
    encryption_algorithm: Literal["none", "AES-256-GCM"] = "none"
    public_key_pem: str | None = Field(default=None, max_length=16_384)
    certificate_pem: str | None = Field(default=None, max_length=32_768)


class InterfaceOut(BaseModel):
    signature_algorithm: str | None
    encryption_algorithm: str | None
    public_key_pem: str | None
    certificate_pem: str | None


class InterfaceDetailOut(InterfaceOut):
    key_fingerprint_sha256: str | None = Field(
        description="SHA-256 of the DER SubjectPublicKeyInfo"
    )
    certificate_subject: str | None
    certificate_not_after: datetime | None


class DeployIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    repo_url: str = Field(
        max_length=512,
        description="https://<allowed host>/<owner>/<repo>[.git], or a plain git URL whose scheme "
        "is in CHAINLESS_DEPLOYER__GIT_SCHEMES: in development file:///<path> (or the bare "
        "absolute path) of a local repository",
    )
    repo_branch: str = Field(default="main", max_length=255)


class PaymentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool
    gas_budget_wei: str = Field(max_length=40, description="decimal string, a whole number of gwei")


class PaymentOut(BaseModel):
    enabled: bool
    gas_budget_wei: str
    gas_spent_wei: str
    gas_remaining_wei: str


class CertificateOut(BaseModel):
    id: str
    issuer: str
    issued_on: str | None
    filename: str
    content_type: str
    size: int
    sha256: str
    uploaded_by: str
    uploaded_at: datetime
    download_url: str


class VersionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: str = Field(max_length=16, description="semver MAJOR.MINOR.PATCH[-prerelease]")
    notes: str = Field(default="", max_length=4000)


class VersionOut(BaseModel):
    id: str
    version: str
    notes: str
    status: str = Field(description="draft, in_review, approved or rejected")
    created_by: str
    created_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    reason: str | None
