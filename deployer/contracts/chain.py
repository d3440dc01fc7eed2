"""The environment's chain and the platform's devops account, for deploying app contracts.

The chain is the one the settings name for the deployment's environment (``chains.<env>``: anvil
locally); its RPC URLs are tried in order and the first that answers with the configured chain
id is used. The devops key signs locally (nodes never hold it): ``deployer.devops_private_key``,
or anvil's funded development account outside production.
"""

from __future__ import annotations

from eth_account import Account
from eth_account.signers.local import LocalAccount
from requests.exceptions import RequestException
from web3 import Web3
from web3.exceptions import Web3Exception

from chainless.chain.localnode import derive_accounts
from chainless.deployer.sources import SourceUnavailable
from chainless.platform.core.errors import AppError, Unprocessable
from chainless.platform.core.settings import ChainConfig, ChainEnvironment, Mode, Settings

# What a node that is down or unreachable raises through web3's HTTP provider.
TRANSPORT_ERRORS = (RequestException, OSError, TimeoutError)


class ChainUnavailable(SourceUnavailable):
    """No RPC URL of the environment's chain answered: the stage is retried with backoff."""

    code, title = "chain_unavailable", "Chain unavailable"
    budgeted = False  # retried by the job's own budget: a signed transaction is on record


class AwaitingConfirmations(ChainUnavailable):
    """Mined, with fewer confirmations than the chain requires: checked again on retry, never
    sent again."""

    code, title = "awaiting_confirmations", "Waiting for confirmations"


def devops_account(settings: Settings) -> LocalAccount:
    configured = settings.deployer.devops_private_key
    if configured is not None:
        return Account.from_key(configured.get_secret_value())
    if settings.mode is Mode.PRODUCTION:
        raise AppError(
            "no devops key is configured (CHAINLESS_DEPLOYER__DEVOPS_PRIVATE_KEY): contracts "
            "cannot be deployed",
            code="devops_key_missing",
            status=503,
        )
    index = settings.deployer.dev_devops_account
    return Account.from_key(derive_accounts(count=index + 1)[index].private_key)


def chain_config(settings: Settings, environment: str) -> ChainConfig:
    config = settings.chains.get(ChainEnvironment(environment))
    if config is None:
        raise Unprocessable(
            f"no chain is configured for {environment}", code="chain_not_configured"
        )
    return config


def required_confirmations(config: ChainConfig) -> int:
    """Blocks a deployment must have (its own included) before it counts, as the relay counts:
    ``confirmations`` of the chain's settings, at least 1 (mined)."""
    return max(config.confirmations, 1)


def connect(settings: Settings, environment: str) -> Web3:
    config = chain_config(settings, environment)
    for url in config.rpc_urls:
        if not url.startswith(("http://", "https://")):
            continue
        w3 = Web3(Web3.HTTPProvider(url, request_kwargs={"timeout": config.rpc_timeout_seconds}))
        try:
            chain_id = w3.eth.chain_id
        except (*TRANSPORT_ERRORS, Web3Exception):
            continue
        if chain_id != config.chain_id:
            raise Unprocessable(
                f"the {environment} chain answers with chain id {chain_id}, not {config.chain_id}",
                code="chain_mismatch",
            )
        return w3
    raise ChainUnavailable(f"no RPC URL of the {environment} chain answered")
