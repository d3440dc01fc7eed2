"""The deployer's declaration to the assembly (docs/decisions/0010)."""

from __future__ import annotations

from collections.abc import Sequence

from chainless.platform.core.components import (
    Command,
    Component,
    JobFunction,
    RoutePriority,
    Routes,
)


class Deployer(Component):
    name = "deployer"

    def routes(self) -> Sequence[Routes]:
        from chainless.deployer.deployments.endpoints import router as deployments
        from chainless.deployer.releases.cdn import router as cdn
        from chainless.deployer.releases.endpoints import router as releases

        return [
            Routes(deployments, "/api/v1"),
            Routes(releases, "/api/v1"),
            Routes(cdn, priority=RoutePriority.LAST),  # the CDN origin's catch-all paths
        ]

    def jobs(self) -> Sequence[JobFunction]:
        from chainless.deployer.deployments import tasks as deployments
        from chainless.deployer.releases import tasks as releases

        return [deployments.run_deployment, releases.renew_manifest_signatures]

    def commands(self) -> Sequence[Command]:
        from chainless.deployer import cli

        return cli.COMMANDS


component = Deployer()
