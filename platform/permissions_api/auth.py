"""Who may call the permission API, and how often (spec 3.5.7).

The spec's limits count per caller (``CallerRateLimit`` authenticates first). Refused calls count
too: a caller probing the endpoints is slowed down like any other.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Response

from chainless.platform.auth.dependencies import CallerRateLimit, CurrentPrincipal, Require
from chainless.platform.auth.principal import Principal
from chainless.platform.core.deps import ServicesDep
from chainless.platform.core.permissions import Permission

VERIFY_LIMIT = CallerRateLimit("permission.verify", 100, 60)
ROLES_LIMIT = CallerRateLimit("permission.roles", 10, 60)
SYNC_LIMIT = CallerRateLimit("permission.sync", 5, 60)


class _LimitedCaller:
    """Authenticate and count the call (``CallerRateLimit``), then demand a permission if any."""

    def __init__(self, limit: CallerRateLimit, permission: Permission | None) -> None:
        self.limit = limit
        self.check = Require(permission) if permission is not None else None

    def __call__(
        self, principal: CurrentPrincipal, response: Response, services: ServicesDep
    ) -> Principal:
        self.limit(principal, response, services)
        return self.check.check(principal) if self.check is not None else principal


# Any valid credential: an account's session or bearer token, or an app's API key.
Verifier = Annotated[Principal, Depends(_LimitedCaller(VERIFY_LIMIT, None))]
# Administrator permission: platform staff.
RolesReader = Annotated[Principal, Depends(_LimitedCaller(ROLES_LIMIT, Permission.ROLES_READ))]
# System-level permission: platform devops.
RolesSyncer = Annotated[Principal, Depends(_LimitedCaller(SYNC_LIMIT, Permission.ROLES_SYNC))]
