"""Deployer tables: deployments, their progress events, the webhook deliveries received, contract
builds cached by content, audit overrides and the contracts deployed."""

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

__all__ = [
    "AuditOverride",
    "ContractBuild",
    "ContractStatus",
    "DeployedContract",
    "Deployment",
    "DeploymentEvent",
    "DeploymentStatus",
    "WebhookDelivery",
]
