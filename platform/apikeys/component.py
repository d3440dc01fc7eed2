"""The apikeys feature's declaration to the assembly (docs/decisions/0010)."""

from __future__ import annotations

from collections.abc import Sequence

from chainless.platform.core.components import Component, JobFunction, Routes


class ApiKeys(Component):
    name = "apikeys"

    def routes(self) -> Sequence[Routes]:
        from chainless.platform.apikeys.endpoints import router

        return [Routes(router, "/api/v1")]

    def jobs(self) -> Sequence[JobFunction]:
        from chainless.platform.apikeys import tasks

        return [tasks.flush_usage, tasks.expiry_reminders]


component = ApiKeys()
