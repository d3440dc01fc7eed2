"""The permissions_api feature's declaration to the assembly (docs/decisions/0010)."""

from __future__ import annotations

from collections.abc import Sequence

from chainless.platform.core.components import Component, Routes


class PermissionsApi(Component):
    name = "permissions_api"

    def routes(self) -> Sequence[Routes]:
        from chainless.platform.permissions_api.endpoints import router

        return [Routes(router, "/api/v1")]


component = PermissionsApi()
