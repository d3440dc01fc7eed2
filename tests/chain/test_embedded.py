"""The embedded default's chain set-up: the forwarder named on the local chain's environments,
and relayer keys configured by hand funded before the first sponsored call."""

from __future__ import annotations

from eth_account import Account
from web3 import Web3

from chainless.chain.embedded import RELAYER_TOP_UP_WEI, fund_relayers, with_forwarder
from chainless.chain.localnode import LocalChain
from chainless.platform.core.settings import Settings


def test_a_relayer_key_of_its_own_is_funded_and_the_forwarder_named() -> None:
    relayer = Account.create()
    with LocalChain() as chain:
        settings = Settings(
            chains={
                "dev": {"chain_id": 31337, "rpc_urls": [chain.rpc_url]},
                "prod": {"chain_id": 1, "rpc_urls": ["https://rpc.example.com"]},
            },
            relay={"relayer_keys": {"dev": ["0x" + relayer.key.hex().removeprefix("0x")]}},
        )
        w3 = Web3(Web3.HTTPProvider(chain.rpc_url))
        fund_relayers(w3, settings, chain.rpc_url, chain.accounts[0])
        assert w3.eth.get_balance(relayer.address) == RELAYER_TOP_UP_WEI
        fund_relayers(w3, settings, chain.rpc_url, chain.accounts[0])  # funded: left alone
        assert w3.eth.get_balance(relayer.address) == RELAYER_TOP_UP_WEI
    named = with_forwarder(settings, chain.rpc_url, "0x5FbDB2315678afecb367f032d93F642f64180aa3")
    assert named.chains["dev"].forwarder_address == "0x5FbDB2315678afecb367f032d93F642f64180aa3"
    assert named.chains["prod"].forwarder_address == ""  # another chain: configured by hand
