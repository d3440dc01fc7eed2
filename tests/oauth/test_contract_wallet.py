"""Sign-in with a smart-contract wallet (EIP-1271) deployed on a real anvil."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct
from web3 import Web3

from chainless.chain.contracts import compile_contracts, deploy
from chainless.chain.localnode import LocalChain
from chainless.platform.core.settings import Settings

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def anvil() -> Iterator[LocalChain]:
    with LocalChain() as chain:
        yield chain


@pytest.fixture(scope="module")
def wallet_owner() -> Any:
    return Account.create()


@pytest.fixture(scope="module")
def contract_wallet(anvil: LocalChain, wallet_owner: Any) -> str:
    w3 = Web3(Web3.HTTPProvider(anvil.rpc_url))
    deployer = anvil.accounts[0]
    return deploy(
        w3,
        "SmartWallet1271",
        wallet_owner.address,
        private_key=deployer.private_key,
        contracts=compile_contracts(),
    )


@pytest.fixture
def settings(database_url: str, tmp_path: Path, anvil: LocalChain) -> Settings:
    from tests.conftest import BACKEND, REDIS_URL

    return Settings(
        mode="test",
        database_url=database_url,
        redis_url=None if BACKEND == "sqlite" else REDIS_URL,
        data_dir=tmp_path / "data",
        storage={"backend": "local", "local_path": tmp_path / "storage"},
        public_url="http://testserver",
        start_local_chain=False,
        log_json=False,
        chains={"dev": {"chain_id": 31337, "rpc_urls": [anvil.rpc_url]}},
    )


def _prepared(client: Any, address: str) -> str:
    response = client.post("/oauth/siwe/prepare", json={"address": address, "chain_id": 31337})
    assert response.status_code == 200, response.text
    return str(response.json()["message"])


def test_contract_wallet_signs_in_with_its_owner_key(
    client: Any, contract_wallet: str, wallet_owner: Any
) -> None:
    message = _prepared(client, contract_wallet)
    signature = wallet_owner.sign_message(encode_defunct(text=message)).signature.hex()
    response = client.post(
        "/oauth/siwe/sign-in",
        json={"message": message, "signature": "0x" + signature.removeprefix("0x")},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["signer_kind"] == "contract"
    assert body["address"] == Web3.to_checksum_address(contract_wallet)


def test_contract_wallet_refuses_a_stranger(client: Any, contract_wallet: str) -> None:
    message = _prepared(client, contract_wallet)
    signature = Account.create().sign_message(encode_defunct(text=message)).signature.hex()
    response = client.post(
        "/oauth/siwe/sign-in",
        json={"message": message, "signature": "0x" + signature.removeprefix("0x")},
    )
    assert response.status_code == 401
    assert response.json()["code"] == "signature_mismatch"
