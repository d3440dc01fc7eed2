"""The caller of a request and what it may do.

A principal is an account (console cookie or bearer token) or an API key (which acts for one app
with the permissions its scopes stand for). Platform permissions come from the account's roles;
app permissions from the roles held on that app (owner = developer, member = app operator).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from chainless.platform.core.permissions import (
    API_KEY_SCOPE_PERMISSIONS,
    APP_SCOPED,
    STAFF_ROLES,
    ApiKeyScope,
    Permission,
    Role,
    permissions_of,
)

PrincipalKind = Literal["account", "api_key"]
AuthMethod = Literal["cookie", "bearer", "api_key"]


@dataclass(frozen=True)
class Principal:
    kind: PrincipalKind
    id: str  # account id, or API key id
    method: AuthMethod
    roles: frozenset[Role] = frozenset()
    email: str | None = None
    email_verified: bool = False
    app_id: str | None = None  # the app an API key belongs to
    scopes: frozenset[str] = frozenset()  # an API key's scopes
    session_id: str | None = None
    owner_account_id: str | None = None  # for an API key: the app developer's account
    environment: str | None = None  # for an API key: the chain environment it works in
    platform_permissions: frozenset[Permission] = field(default=frozenset())

    @classmethod
    def for_account(
        cls,
        account_id: str,
        *,
        email: str,
        roles: frozenset[Role],
        email_verified: bool,
        method: AuthMethod,
        session_id: str | None,
    ) -> Principal:
        return cls(
            kind="account",
            id=account_id,
            method=method,
            roles=roles,
            email=email,
            email_verified=email_verified,
            session_id=session_id,
            platform_permissions=permissions_of(roles) - APP_SCOPED,
        )

    @classmethod
    def for_api_key(
        cls,
        key_id: str,
        *,
        app_id: str,
        scopes: frozenset[str],
        owner_account_id: str,
        environment: str | None = None,
    ) -> Principal:
        return cls(
            kind="api_key",
            id=key_id,
            method="api_key",
            app_id=app_id,
            scopes=scopes,
            owner_account_id=owner_account_id,
            environment=environment,
        )

    @property
    def account_id(self) -> str | None:
        return self.id if self.kind == "account" else None

    @property
    def actor_role(self) -> str:
        if self.kind == "api_key":
            return "api_key"
        staff = sorted(r.value for r in self.roles & STAFF_ROLES)
        if staff:
            return staff[0]
        return Role.DEVELOPER.value if Role.DEVELOPER in self.roles else "account"

    @property
    def is_staff(self) -> bool:
        return bool(self.roles & STAFF_ROLES)

    def can(self, permission: Permission) -> bool:
        """A platform-level permission (not tied to one app)."""
        if self.kind == "api_key":
            return False
        return permission in self.platform_permissions

    def app_permissions(self, app_roles: frozenset[Role]) -> frozenset[Permission]:
        """What this principal may do on an app where it holds ``app_roles``."""
        if self.kind == "api_key":
            granted: set[Permission] = set()
            for scope in self.scopes:
                granted |= API_KEY_SCOPE_PERMISSIONS.get(ApiKeyScope(scope), frozenset())
            return frozenset(granted)
        return permissions_of(app_roles) & APP_SCOPED
