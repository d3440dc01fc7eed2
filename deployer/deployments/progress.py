"""How a stage ends a job run early so that what it did so far is committed first."""

from __future__ import annotations


class StageContinues(Exception):
    """The stage recorded a step that must be durable before the next one (a signed transaction
    before it is broadcast): the run stops, its transaction commits, and the job is sent again
    for the same stage."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
