"""The production guard refuses development secrets and embedded substitutes."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from chainless.platform.core.settings import InsecureProductionConfig, load_settings

pytestmark = pytest.mark.portable


def test_production_refuses_development_defaults() -> None:
    with pytest.raises(InsecureProductionConfig) as caught:
        load_settings(mode="production")
    problems = "\n".join(caught.value.problems)
    for needle in (
        "SECRET_KEY",
        "SQLite",
        "REDIS_URL",
        "TASK_RUNNER",
        "SIGNING_KEY_PATH",
        "COOKIE_SECURE",
        "https",
        "MAIL__BACKEND",
    ):
        assert needle in problems


PRODUCTION = {
    "mode": "production",
    "secret_key": "x" * 48,
    "database_url": "postgresql+psycopg://db/chainless",
    "redis_url": "redis://cache:6379/0",
    "task_runner": "celery",
    "signing_key_path": "/keys/es256.pem",
    "cookie_secure": True,
    "public_url": "https://open.chainless.example",
    "mail": {"backend": "smtp"},
}


def test_production_starts_with_real_configuration() -> None:
    settings = load_settings(**PRODUCTION)
    assert settings.production_problems() == []
    assert settings.outbound.allow_private is False  # unset: developer URLs reach public hosts


def test_private_outbound_addresses_only_outside_production() -> None:
    assert load_settings(mode="test").outbound.allow_private is True
    assert load_settings(mode="development").outbound.allow_private is True
    with pytest.raises(InsecureProductionConfig) as caught:
        load_settings(**PRODUCTION, outbound={"allow_private": True})
    assert caught.value.problems == [
        "CHAINLESS_OUTBOUND__ALLOW_PRIVATE is true; in production developer-supplied URLs must "
        "not reach the platform's own network"
    ]


def test_audit_retention_cannot_go_below_180_days() -> None:
    with pytest.raises(ValidationError, match="at least 180 days"):
        load_settings(audit_retention_days=30)


def test_chain_for_the_active_environment_must_exist() -> None:
    with pytest.raises(ValidationError, match="no chain configured"):
        load_settings(
            chain_environment="prod", chains={"dev": {"chain_id": 1, "rpc_urls": ["http://x"]}}
        )


def test_rpc_urls_must_be_http_or_ws() -> None:
    with pytest.raises(ValidationError, match="RPC URL"):
        load_settings(chains={"dev": {"chain_id": 1, "rpc_urls": ["ftp://node"]}})


def test_environment_variables_configure_nested_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHAINLESS_RATE_LIMITS__PER_IP_PER_MINUTE", "42")
    monkeypatch.setenv(
        "CHAINLESS_CHAINS", '{"dev": {"chain_id": 5, "rpc_urls": ["http://a", "http://b"]}}'
    )
    settings = load_settings()
    assert settings.rate_limits.per_ip_per_minute == 42
    assert settings.chain.chain_id == 5
    assert settings.chain.rpc_urls == ["http://a", "http://b"]


def test_local_repositories_are_a_development_default_and_refused_in_production(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert load_settings().deployer.git_schemes == ["file"]  # the embedded default
    assert load_settings(mode="test").deployer.git_schemes == []
    monkeypatch.setenv("CHAINLESS_DEPLOYER__GIT_SCHEMES", '["https"]')
    assert load_settings().deployer.git_schemes == ["https"]  # configured: as configured
    monkeypatch.setenv("CHAINLESS_DEPLOYER__GIT_SCHEMES", '["https", "file"]')
    with pytest.raises(InsecureProductionConfig) as caught:
        load_settings(mode="production")
    assert any("GIT_SCHEMES includes 'file'" in problem for problem in caught.value.problems)
