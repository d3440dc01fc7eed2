"""The mail feature's declaration to the assembly (docs/decisions/0010): delivery only."""

from __future__ import annotations

from collections.abc import Sequence

from chainless.platform.core.components import Component, JobFunction


class Mail(Component):
    name = "mail"

    def jobs(self) -> Sequence[JobFunction]:
        from chainless.platform.mail import tasks

        return [tasks.deliver]


component = Mail()
