"""Alerts raised by anomaly signals, listed and resolved by platform staff."""
