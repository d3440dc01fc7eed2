"""Deployer tables: deployments, their progress events, and the webhook deliveries received."""

from chainless.deployer.models.deployments import (
    Deployment,
    DeploymentEvent,
    DeploymentStatus,
    WebhookDelivery,
)

__all__ = ["Deployment", "DeploymentEvent", "DeploymentStatus", "WebhookDelivery"]
