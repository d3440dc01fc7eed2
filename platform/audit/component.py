"""The audit feature's declaration to the assembly (docs/decisions/0010)."""

from __future__ import annotations

from collections.abc import Sequence

from chainless.platform.core.components import Component, JobFunction, Routes


class Audit(Component):
    name = "audit"

    def routes(self) -> Sequence[Routes]:
        from chainless.platform.audit.endpoints import router

        return [Routes(router, "/api/v1")]

    def jobs(self) -> Sequence[JobFunction]:
        from chainless.platform.audit import tasks

        return [tasks.enforce_retention]


component = Audit()
