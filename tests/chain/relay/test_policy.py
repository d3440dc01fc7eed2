"""The pure policy module: one precise code per rule, checked without any I/O."""

from __future__ import annotations

import pytest
from eth_account import Account

from chainless.chain.relay.policy import (
    Caps,
    ContractRule,
    DailyLimits,
    RelayRules,
    Usage,
    check_nonce,
    check_transaction,
    check_usage,
)
from chainless.chain.txcodec import decode

pytestmark = pytest.mark.portable

USER = Account.create()
TARGET = Account.create().address
SELECTOR = bytes.fromhex("095ea7b3")  # approve(address,uint256)
RULES = RelayRules(
    chain_id=31337,
    contracts={TARGET: ContractRule(frozenset({"0x095ea7b3"}), plain_calls=False)},
    caps=Caps(max_value_wei=100, max_gas_limit=200_000, max_fee_per_gas_wei=10**11),
    limits=DailyLimits(user_tx=2, user_value_wei=150, app_tx=3, app_value_wei=250),
)


def tx(**fields: object):  # type: ignore[no-untyped-def]
    base: dict[str, object] = {
        "type": 2,
        "chainId": 31337,
        "nonce": 5,
        "to": TARGET,
        "value": 0,
        "gas": 100_000,
        "maxFeePerGas": 10**10,
        "maxPriorityFeePerGas": 10**9,
        "data": SELECTOR + bytes(64),
    }
    base.update(fields)
    return decode(USER.sign_transaction(base).raw_transaction)


def code(rejection: object) -> str | None:
    return None if rejection is None else str(getattr(rejection, "code"))  # noqa: B009


def test_a_transaction_within_every_rule_passes() -> None:
    decoded = tx()
    assert check_transaction(decoded, RULES, USER.address) is None
    assert check_usage(decoded, RULES.limits, Usage()) is None
    assert check_nonce(decoded, 5) is None


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"chainId": 1}, "chain_id_mismatch"),
        ({"to": Account.create().address}, "contract_not_registered"),
        ({"data": bytes.fromhex("a9059cbb") + bytes(64)}, "selector_not_allowed"),
        ({"data": b""}, "selector_not_allowed"),
        ({"value": 101}, "value_cap_exceeded"),
        ({"gas": 200_001}, "gas_limit_cap_exceeded"),
        ({"maxFeePerGas": 10**11 + 1}, "max_fee_cap_exceeded"),
    ],
)
def test_static_rules(fields: dict[str, object], expected: str) -> None:
    assert code(check_transaction(tx(**fields), RULES, USER.address)) == expected


def test_sender_delisting_and_creation() -> None:
    assert code(check_transaction(tx(), RULES, Account.create().address)) == "sender_mismatch"
    delisted = RelayRules(RULES.chain_id, RULES.contracts, RULES.caps, RULES.limits, delisted=True)
    assert code(check_transaction(tx(), delisted, USER.address)) == "app_delisted"
    creation = tx(to=b"", data=b"\x60\x00")
    assert code(check_transaction(creation, RULES, USER.address)) == "contract_creation_not_allowed"


def test_daily_limits_and_nonce() -> None:
    decoded = tx(value=60)
    assert code(check_usage(decoded, RULES.limits, Usage(user_tx=2))) == (
        "user_daily_count_exceeded"
    )
    assert code(check_usage(decoded, RULES.limits, Usage(user_value_wei=91))) == (
        "user_daily_value_exceeded"
    )
    assert code(check_usage(decoded, RULES.limits, Usage(app_tx=3))) == "app_daily_count_exceeded"
    assert code(check_usage(decoded, RULES.limits, Usage(app_value_wei=191))) == (
        "app_daily_value_exceeded"
    )
    assert code(check_nonce(decoded, 6)) == "nonce_too_low"
