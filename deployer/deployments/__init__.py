"""Deployments: requests and webhooks create them, the pipeline's jobs move them along."""
