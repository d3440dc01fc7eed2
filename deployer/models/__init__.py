"""Deployer tables: deployments, their progress events, the webhook deliveries received, and
releases with their per-environment channels and history."""

from chainless.deployer.models.deployments import (
    Deployment,
    DeploymentEvent,
    DeploymentStatus,
    WebhookDelivery,
)
from chainless.deployer.models.releases import Release, ReleaseChannel, ReleaseEvent

__all__ = [
    "Deployment",
    "DeploymentEvent",
    "DeploymentStatus",
    "Release",
    "ReleaseChannel",
    "ReleaseEvent",
    "WebhookDelivery",
]
