"""Who may call the apikeys endpoints.

Managing keys needs ``apikey:manage`` on the app, which only its developer holds: an app operator
gets 403, anyone who cannot see the app 404 (see ``apps.access``). ``/self`` is for an API key
asking about itself, on its own app only.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from chainless.platform.apps.access import app_for
from chainless.platform.auth.dependencies import CurrentPrincipal
from chainless.platform.auth.principal import Principal
from chainless.platform.core.deps import DbSession
from chainless.platform.core.errors import Forbidden, NotFound
from chainless.platform.core.permissions import Permission
from chainless.platform.models import MiniProgram


def managed_app(app_id: str, principal: CurrentPrincipal, session: DbSession) -> MiniProgram:
    return app_for(session, principal, app_id, Permission.APIKEY_MANAGE)


async def calling_key(app_id: str, principal: CurrentPrincipal) -> Principal:  # no thread hop
    if principal.kind != "api_key":
        raise Forbidden(
            "this endpoint describes the calling API key; call it with one", code="api_key_required"
        )
    if principal.app_id != app_id:
        raise NotFound(f"no app {app_id!r}", code="app_not_found")
    return principal


ManagedApp = Annotated[MiniProgram, Depends(managed_app)]
CallingKey = Annotated[Principal, Depends(calling_key)]
