"""The alerts feature's declaration to the assembly (docs/decisions/0010)."""

from __future__ import annotations

from collections.abc import Sequence

from chainless.platform.core.components import Component, Routes


class Alerts(Component):
    name = "alerts"

    def routes(self) -> Sequence[Routes]:
        from chainless.platform.alerts.app_endpoints import router as app_router
        from chainless.platform.alerts.endpoints import router

        return [Routes(router, "/api/v1"), Routes(app_router, "/api/v1")]


component = Alerts()
