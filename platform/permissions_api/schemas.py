"""Request and response bodies of the permission API (spec 3.5.7)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, model_validator

StaffRoleName = Literal["platform_operator", "platform_devops", "platform_tech"]


class VerifyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    permission: str = Field(
        min_length=1,
        max_length=64,
        examples=["app:write"],
        description="A permission name as listed by GET /permission/roles; an unknown name is "
        "answered 422 `unknown_permission`.",
    )
    app_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        description="Required for app-scoped permissions; ignored for platform permissions.",
    )


class PrincipalOut(BaseModel):
    kind: Literal["account", "api_key"]
    id: str


class VerifyResponse(BaseModel):
    allowed: bool
    permission: str
    app_id: str | None = Field(description="The app the permission was evaluated on, if app-scoped")
    scope: Literal["platform", "app"] = Field(description="Where the permission applies")
    principal: PrincipalOut
    roles: list[str] = Field(description="Roles the caller holds (on the app, for app scopes)")
    scopes: list[str] = Field(default_factory=list, description="An API key's scopes")


class RoleOut(BaseModel):
    name: str
    level: Literal["platform", "app", "user"]
    description: str
    permissions: list[str]


class PermissionOut(BaseModel):
    name: str
    app_scoped: bool
    description: str


class ApiKeyScopeOut(BaseModel):
    name: str
    description: str
    grants: list[str] = Field(description="The app permissions a key with this scope holds")


class RoleCatalogOut(BaseModel):
    roles: list[RoleOut]
    permissions: list[PermissionOut]
    api_key_scopes: list[ApiKeyScopeOut]


class RoleAssignment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailStr
    roles: list[StaffRoleName] = Field(
        max_length=3,
        description="Exactly the platform staff roles this account should hold (empty: none). "
        "The developer role is never touched.",
    )


class SyncRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    assignments: list[RoleAssignment] = Field(min_length=1, max_length=1000)
    dry_run: bool = Field(description="Report the changes without making them")

    @model_validator(mode="after")
    def _one_entry_per_email(self) -> SyncRequest:
        seen: set[str] = set()
        for assignment in self.assignments:
            email = str(assignment.email).strip().lower()
            if email in seen:
                raise ValueError(f"{email} is listed more than once")
            seen.add(email)
        return self


class RoleChangeOut(BaseModel):
    email: str
    account_id: str | None
    status: Literal["changed", "unchanged", "unknown_email"]
    roles_before: list[str]
    roles_after: list[str]
    granted: list[str]
    revoked: list[str]


class SyncResponse(BaseModel):
    dry_run: bool
    changes: list[RoleChangeOut]
    unknown_emails: list[str]
    granted: int = Field(description="Role grants made (or that would be made, in a dry run)")
    revoked: int = Field(description="Role revocations made (or that would be made)")
