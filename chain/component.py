"""The transaction relay's declaration to the assembly (docs/decisions/0010)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from chainless.platform.core.components import (
    Component,
    HealthCheck,
    JobFunction,
    RoutePriority,
    Routes,
)

if TYPE_CHECKING:
    from chainless.platform.core.services import Services


class Chain(Component):
    name = "chain"

    def routes(self) -> Sequence[Routes]:
        from chainless.chain.relay.config_endpoints import router as config
        from chainless.chain.relay.console_endpoints import router as console
        from chainless.chain.relay.endpoints import router as relay
        from chainless.chain.relay.sponsored_endpoints import router as sponsored

        return [
            Routes(relay, "/api/v1", RoutePriority.HOT),  # every submission and status poll
            Routes(sponsored, "/api/v1", RoutePriority.HOT),
            Routes(config, "/api/v1", RoutePriority.COLD),  # a developer's occasional edit
            Routes(console, "/api/v1", RoutePriority.COLD),  # the console's relay pages
        ]

    def health_checks(self) -> Sequence[tuple[str, HealthCheck]]:
        from chainless.chain.health import check_rpc

        return [("chain", check_rpc)]

    def start(self, services: Services) -> None:
        from chainless.chain.relay.volume import daily_volume
        from chainless.platform.overview.service import register_relay_volume

        register_relay_volume(services, daily_volume)  # the operators' overview counts with it

    def jobs(self) -> Sequence[JobFunction]:
        from chainless.chain.relay import tasks

        return [
            tasks.broadcast,
            tasks.send_replacement,
            tasks.track,
            tasks.deliver_webhook,
            tasks.resync_relayers,
        ]


component = Chain()
