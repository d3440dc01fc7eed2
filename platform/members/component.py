"""The members feature's declaration to the assembly (docs/decisions/0010)."""

from __future__ import annotations

from collections.abc import Sequence

from chainless.platform.core.components import Component, Routes


class Members(Component):
    name = "members"

    def routes(self) -> Sequence[Routes]:
        from chainless.platform.members.endpoints import router

        return [Routes(router, "/api/v1")]


component = Members()
