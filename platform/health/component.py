"""The health feature's declaration to the assembly (docs/decisions/0010)."""

from __future__ import annotations

from collections.abc import Sequence

from chainless.platform.core.components import Component, HealthCheck, RoutePriority, Routes


class Health(Component):
    name = "health"

    def routes(self) -> Sequence[Routes]:
        from chainless.platform.health.endpoints import router

        return [Routes(router, priority=RoutePriority.PROBES)]

    def health_checks(self) -> Sequence[tuple[str, HealthCheck]]:
        from chainless.platform.health.endpoints import check_database, check_redis

        return [("database", check_database), ("redis", check_redis)]


component = Health()
