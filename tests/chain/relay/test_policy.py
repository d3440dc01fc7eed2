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


# --- protocol validity (EIP-2, EIP-2028, EIP-2930, EIP-3860, EIP-7623, EIP-1559) --------------

DATA = SELECTOR + bytes(64)  # 4 non-zero bytes, 64 zero bytes: 80 EIP-7623 tokens
FLOOR = 21_000 + 10 * 80
ACCESS = [{"address": TARGET, "storageKeys": ["0x" + "11" * 32, "0x" + "22" * 32]}]
WITH_ACCESS = 21_000 + 4 * 80 + 2_400 + 2 * 1_900


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"gas": FLOOR}, None),
        ({"gas": FLOOR - 1}, "gas_below_intrinsic"),
        ({"gas": WITH_ACCESS, "accessList": ACCESS}, None),
        ({"gas": WITH_ACCESS - 1, "accessList": ACCESS}, "gas_below_intrinsic"),
        ({"gas": 21_000, "data": b""}, "selector_not_allowed"),  # valid; then the app's rules
        ({"gas": 20_999, "data": b""}, "gas_below_intrinsic"),
        ({"maxPriorityFeePerGas": 10**10}, None),
        ({"maxPriorityFeePerGas": 10**10 + 1}, "priority_fee_above_max_fee"),
        ({"gas": 150_000}, None),
        ({"gas": 150_001}, "gas_above_block_limit"),
    ],
)
def test_validity_at_the_boundaries(fields: dict[str, object], expected: str | None) -> None:
    found = check_transaction(tx(**fields), RULES, USER.address, block_gas_limit=150_000)
    assert code(found) == expected


def test_contract_creation_validity() -> None:
    """Creation: 32,000 more (EIP-2) and 2 per init-code word (EIP-3860), at most 49,152 bytes."""
    init_code = b"\x60" * 33  # two words, 33 non-zero bytes
    least = 21_000 + 32_000 + 16 * 33 + 2 * 2
    assert code(
        check_transaction(tx(to=None, data=init_code, gas=least - 1), RULES, USER.address)
    ) == ("gas_below_intrinsic")
    creation = tx(to=None, data=init_code, gas=least)
    assert code(check_transaction(creation, RULES, USER.address)) == "contract_creation_not_allowed"
    largest = tx(to=None, data=bytes(49_152), gas=600_000)
    assert code(check_transaction(largest, RULES, USER.address)) == "contract_creation_not_allowed"
    larger = tx(to=None, data=bytes(49_153), gas=600_000)
    assert code(check_transaction(larger, RULES, USER.address)) == "initcode_too_large"
    call = tx(data=SELECTOR + bytes(49_153), gas=600_000)  # calldata has no such limit
    assert code(check_transaction(call, RULES, USER.address)) == "gas_limit_cap_exceeded"
