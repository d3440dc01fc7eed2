"""The wallet login's declaration to the assembly (docs/decisions/0010)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from chainless.platform.core.components import (
    Component,
    Handler,
    JobFunction,
    RoutePriority,
    Routes,
)

if TYPE_CHECKING:
    from chainless.platform.core.services import Services


class OAuth(Component):
    name = "oauth"

    def routes(self) -> Sequence[Routes]:
        from chainless.oauth.endpoints import router

        return [Routes(router, priority=RoutePriority.HOT)]  # token refreshes, introspection

    def jobs(self) -> Sequence[JobFunction]:
        from chainless.oauth import tasks

        return [tasks.rotate_signing_key]

    def event_handlers(self) -> Sequence[tuple[str, Handler]]:
        from chainless.oauth import revocation
        from chainless.platform.core import events

        return [(events.APP_DELISTED, revocation.on_app_delisted)]

    def start(self, services: Services) -> None:
        """The JWKS publishes a signing key, and the one after it, before any token is asked
        for: a verifier that fetched it at start never meets an unknown ``kid``."""
        from chainless.oauth import tokens

        tokens.ensure_signing_key(services)


component = OAuth()
