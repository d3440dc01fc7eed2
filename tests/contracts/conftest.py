"""Fixtures for the contract tests: one compilation per session (cached on disk across runs), one
anvil per session with the platform contracts deployed, and an EVM snapshot reverted after every
test that uses ``platform``, so tests never see each other's transactions."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from web3 import Web3
from web3.contract import Contract
from web3.types import RPCEndpoint

from chainless.chain.contracts import CompiledContract, compile_contracts, contract_at, deploy
from chainless.chain.localnode import DevAccount, LocalChain

TOKEN_SUPPLY = 1_000_000 * 10**18
BASE_URI = "ipfs://collection/"
MULTI_URI = "https://cdn.chainless.test/items/{id}.json"


@dataclass(frozen=True)
class Platform:
    """The deployed contracts and the dev accounts playing each role."""

    w3: Web3
    compiled: dict[str, CompiledContract]
    owner: DevAccount  # deploys and owns the tokens
    relayer: DevAccount  # the platform's relayer: submits forward requests, pays the gas
    holder: DevAccount  # an ordinary user with ether, for direct calls
    forwarder: Contract
    token: Contract  # CRC20
    nft: Contract  # CRC721
    multi: Contract  # CRC1155
    recipient: Contract  # SampleRecipient
    wallet: Contract  # SmartWallet1271 owned by `holder`


@pytest.fixture(scope="session")
def compiled() -> dict[str, CompiledContract]:
    return compile_contracts()


@pytest.fixture(scope="session")
def chain() -> Iterator[LocalChain]:
    with LocalChain() as running:
        yield running


@pytest.fixture(scope="session")
def deployed(chain: LocalChain, compiled: dict[str, CompiledContract]) -> Platform:
    w3 = Web3(Web3.HTTPProvider(chain.rpc_url))
    owner, relayer, holder = chain.accounts[:3]

    def put(name: str, *args: object) -> Contract:
        address = deploy(w3, name, *args, private_key=owner.private_key, contracts=compiled)
        return contract_at(w3, name, address, compiled)

    forwarder = put("ChainlessForwarder")
    trusted = forwarder.address
    return Platform(
        w3=w3,
        compiled=compiled,
        owner=owner,
        relayer=relayer,
        holder=holder,
        forwarder=forwarder,
        token=put("CRC20", "Chainless Coin", "CLC", TOKEN_SUPPLY, owner.address, trusted),
        nft=put("CRC721", "Chainless Pass", "CLP", BASE_URI, owner.address, trusted),
        multi=put("CRC1155", "Chainless Items", "CLI", MULTI_URI, owner.address, trusted),
        recipient=put("SampleRecipient", trusted),
        wallet=put("SmartWallet1271", holder.address),
    )


@pytest.fixture
def platform(deployed: Platform) -> Iterator[Platform]:
    """The deployed platform; every change a test makes is reverted afterwards."""
    snapshot = deployed.w3.provider.make_request(RPCEndpoint("evm_snapshot"), [])["result"]
    yield deployed
    assert (
        deployed.w3.provider.make_request(RPCEndpoint("evm_revert"), [snapshot])["result"] is True
    )
