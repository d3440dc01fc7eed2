"""Request and response bodies of the deployments feature."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Environment = Literal["dev", "test", "prod"]


class DeploymentRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ref: str | None = Field(
        default=None,
        max_length=255,
        description="Branch, tag or commit SHA; the app's registered branch when omitted",
    )
    environment: Environment = "dev"
    rollout: Literal["immediate", "staged"] = Field(
        default="immediate",
        description="immediate: the release goes live when published; staged: it waits for a "
        "canary or a promotion",
    )


class AuditOverrideIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(
        min_length=1, max_length=500, description="Why the high-impact findings are accepted"
    )


class DeploymentEventOut(BaseModel):
    id: int
    at: datetime
    stage: str
    status: str
    message: str
    data: dict[str, Any]


class DeploymentOut(BaseModel):
    id: str
    app_id: str
    environment: str
    repo_url: str
    ref: str
    commit_sha: str | None
    trigger: str
    requested_by: str
    status: Literal["queued", "running", "succeeded", "failed", "cancelled"]
    stage: str | None
    cancel_requested: bool = Field(
        default=False,
        description="Cancelled while a stage runs: it ends when that stage (or step) ends",
    )
    rollout: str
    error_code: str | None
    error_detail: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class DeploymentDetailOut(DeploymentOut):
    manifest: dict[str, Any] | None
    artifacts: dict[str, Any] | None = Field(
        description="What the stages produced: frontend files (path, sha256, size), build steps"
    )
    events: list[DeploymentEventOut]
    stages: list[str] = Field(
        default_factory=list, description="The pipeline's stages, in order (for progress bars)"
    )


class WebhookSetupOut(BaseModel):
    """What to enter in the repository's Settings → Webhooks form on GitHub."""

    payload_url: str
    content_type: Literal["application/json"] = "application/json"
    secret: str
    events: list[str] = Field(default_factory=lambda: ["push"])


class WebhookAnswer(BaseModel):
    status: Literal["queued", "ignored", "duplicate"]
    reason: str
    deployment_id: str | None = None


class RepositoryCheckOut(BaseModel):
    """The registered repository as its host sees it: public, and its default branch."""

    repo_url: str
    full_name: str
    public: bool
    default_branch: str
    registered_branch: str | None


class DeployedContractOut(BaseModel):
    """A contract confirmed on the environment's chain, with what the security profile shows."""

    app_id: str
    environment: str
    deployment_id: str
    app_version: str
    name: str
    address: str
    chain_id: int
    transaction_hash: str
    block_number: int
    deployer: str
    source_verified: bool = Field(
        description="The code at the address is the build's runtime code (metadata and "
        "immutables aside), so the repository's sources are what runs"
    )
    audit_rating: str | None = Field(description="The build's audit rating, A (best) to E")
    code_hash: str = Field(description="keccak256 of the runtime code (EXTCODEHASH)")
    deployed_at: datetime
