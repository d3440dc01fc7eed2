"""Import every module that declares jobs, so both runners know them by name."""

from __future__ import annotations

import importlib

JOB_MODULES = (
    "chainless.platform.mail.tasks",
    "chainless.platform.audit.tasks",
    "chainless.platform.apikeys.tasks",
    "chainless.chain.relay.tasks",
    "chainless.deployer.deployments.tasks",
    "chainless.deployer.releases.tasks",
)


def load_jobs() -> None:
    for module in JOB_MODULES:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as error:
            if error.name != module:
                raise
