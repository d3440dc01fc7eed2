"""Prepare an app's :class:`~chainless.chain.relay.policy.RelayRules` from what is stored: its
contracts in the environment, its relay policy (or the platform defaults) and the chain's fee
policy."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from eth_typing import ABIFunction
from eth_utils import function_abi_to_4byte_selector

from chainless.chain.models import RelayPolicy
from chainless.chain.relay.policy import Caps, ContractRule, DailyLimits, RelayRules
from chainless.platform.apps.relay_view import RelayApp, RelayContract
from chainless.platform.core.settings import ChainConfig, RelaySettings


@dataclass(frozen=True)
class PolicyValues:
    """An app's effective relay policy (its own row, or the platform defaults)."""

    max_value_wei: int
    max_gas_limit: int
    max_fee_per_gas_wei: int
    user_daily_tx_limit: int
    user_daily_value_wei: int
    app_daily_tx_limit: int
    app_daily_value_wei: int
    user_burst_per_minute: int
    app_burst_per_minute: int
    custom: bool


FIELDS = (
    "max_value_wei",
    "max_gas_limit",
    "max_fee_per_gas_wei",
    "user_daily_tx_limit",
    "user_daily_value_wei",
    "app_daily_tx_limit",
    "app_daily_value_wei",
    "user_burst_per_minute",
    "app_burst_per_minute",
)


def effective_policy(row: RelayPolicy | None, defaults: RelaySettings) -> PolicyValues:
    source: Any = row if row is not None else defaults
    return PolicyValues(**{f: int(getattr(source, f)) for f in FIELDS}, custom=row is not None)


def contract_rule(contract: RelayContract) -> ContractRule:
    """EIP-2718 calls carry a 4-byte selector (Solidity ABI spec); an empty allowlist means any
    function of the ABI (or anything, when no ABI was registered)."""
    functions = [e for e in contract.abi if e.get("type") == "function"]
    plain = not contract.abi or any(e.get("type") in {"receive", "fallback"} for e in contract.abi)
    if contract.method_allowlist:
        return ContractRule(frozenset(s.lower() for s in contract.method_allowlist), plain)
    if not functions:
        return ContractRule(None if not contract.abi else frozenset(), plain)
    selectors = frozenset(
        "0x" + function_abi_to_4byte_selector(cast(ABIFunction, e)).hex() for e in functions
    )
    return ContractRule(selectors, plain)


def build_rules(app: RelayApp, policy: PolicyValues, chain: ChainConfig) -> RelayRules:
    fees = chain.fee_policy
    return RelayRules(
        chain_id=chain.chain_id,
        contracts={c.address: contract_rule(c) for c in app.contracts},
        caps=Caps(
            max_value_wei=policy.max_value_wei,
            max_gas_limit=policy.max_gas_limit,
            max_fee_per_gas_wei=min(policy.max_fee_per_gas_wei, fees.max_fee_per_gas_wei),
            min_priority_fee_per_gas_wei=fees.min_priority_fee_per_gas_wei,
        ),
        limits=DailyLimits(
            user_tx=policy.user_daily_tx_limit,
            user_value_wei=policy.user_daily_value_wei,
            app_tx=policy.app_daily_tx_limit,
            app_value_wei=policy.app_daily_value_wei,
        ),
        delisted=app.delisted,
    )
