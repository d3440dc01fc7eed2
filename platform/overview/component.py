"""The overview feature's declaration to the assembly (docs/decisions/0010)."""

from __future__ import annotations

from collections.abc import Sequence

from chainless.platform.core.components import Component, RoutePriority, Routes


class Overview(Component):
    name = "overview"

    def routes(self) -> Sequence[Routes]:
        from chainless.platform.overview.endpoints import router

        return [Routes(router, "/api/v1", RoutePriority.COLD)]  # a dashboard's occasional load


component = Overview()
