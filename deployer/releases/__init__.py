"""Releases: signed manifests, publishing per environment, canary, promotion, rollback, the CDN."""
