"""The apps feature's declaration to the assembly (docs/decisions/0010)."""

from __future__ import annotations

from collections.abc import Sequence

from chainless.platform.core.components import Component, Routes


class Apps(Component):
    name = "apps"

    def routes(self) -> Sequence[Routes]:
        from chainless.platform.apps.endpoints import router

        return [Routes(router, "/api/v1")]


component = Apps()
