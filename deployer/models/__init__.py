"""Deployer tables: deployments, their progress events, the webhook deliveries received, contract
builds cached by content, audit overrides, the contracts deployed, and releases with their
per-environment channels and history."""

from chainless.deployer.models.contracts import (
    AuditOverride,
    ContractBuild,
    ContractStatus,
    DeployedContract,
)
from chainless.deployer.models.deployments import (
    Deployment,
    DeploymentEvent,
    DeploymentStatus,
    WebhookDelivery,
)
from chainless.deployer.models.releases import Release, ReleaseChannel, ReleaseEvent

__all__ = [
    "AuditOverride",
    "ContractBuild",
    "ContractStatus",
    "DeployedContract",
    "Deployment",
    "DeploymentEvent",
    "DeploymentStatus",
    "Release",
    "ReleaseChannel",
    "ReleaseEvent",
    "WebhookDelivery",
]
