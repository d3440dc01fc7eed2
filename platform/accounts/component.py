"""The accounts feature's declaration to the assembly (docs/decisions/0010)."""

from __future__ import annotations

from collections.abc import Sequence

from chainless.platform.core.components import Component, Routes


class Accounts(Component):
    name = "accounts"

    def routes(self) -> Sequence[Routes]:
        from chainless.platform.accounts.endpoints import router

        return [Routes(router, "/api/v1")]


component = Accounts()
