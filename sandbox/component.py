"""The sandbox's declaration to the assembly (docs/decisions/0010): one command, no routes of
the platform's (the sandbox serves its own page on its own port)."""

from __future__ import annotations

from collections.abc import Sequence

from chainless.platform.core.components import Command, Component


class Sandbox(Component):
    name = "sandbox"

    def commands(self) -> Sequence[Command]:
        from chainless.sandbox import cli

        return cli.COMMANDS


component = Sandbox()
