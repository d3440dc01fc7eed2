"""The web feature's declaration to the assembly (docs/decisions/0010)."""

from __future__ import annotations

from collections.abc import Sequence

from chainless.platform.core.components import Component, RoutePriority, Routes


class Console(Component):
    name = "web"

    def routes(self) -> Sequence[Routes]:
        from chainless.platform.web.endpoints import router

        return [Routes(router, priority=RoutePriority.LAST)]


component = Console()
