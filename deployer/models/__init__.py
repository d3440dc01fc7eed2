"""Deployer tables: deployments, their progress events, the webhook deliveries received, contract
builds cached by content and audit overrides."""

from chainless.deployer.models.contracts import AuditOverride, ContractBuild
from chainless.deployer.models.deployments import (
    Deployment,
    DeploymentEvent,
    DeploymentStatus,
    WebhookDelivery,
)

__all__ = [
    "AuditOverride",
    "ContractBuild",
    "Deployment",
    "DeploymentEvent",
    "DeploymentStatus",
    "WebhookDelivery",
]
