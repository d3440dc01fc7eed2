"""The chain of the embedded default: what ``chainless run`` starts and sets up on it.

anvil is started on the port of the active environment's first RPC URL, refusing a port that
something else holds (a chain left behind by an earlier run would otherwise be reused without a
word), and dies with the platform (``LocalChain(die_with_parent=True)``). On the fresh chain the
platform's ERC-2771 forwarder (``ChainlessForwarder``) is deployed from anvil's first funded
account and named as ``forwarder_address`` of every chain environment served by that URL, and the
relayer keys of those environments are topped up, so sponsored gas (``/relay/sponsored``) works
with no configuration. Elsewhere the forwarder is deployed once by the operators and configured
(``CHAINLESS_CHAINS``, see docs/relay.md).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from eth_account import Account
from eth_typing import ChecksumAddress
from eth_utils import to_checksum_address
from web3 import Web3

from chainless.chain.contracts import compile_contracts, deploy
from chainless.chain.localnode import DevAccount, LocalChain, port_open, rpc_available
from chainless.chain.relay.relayers.keys import load_keys
from chainless.platform.core.settings import ETHER, ChainEnvironment, Settings

log = logging.getLogger(__name__)

FORWARDER = "ChainlessForwarder"
RELAYER_TOP_UP_WEI = 100 * ETHER


class ChainPortTaken(RuntimeError):
    """The local chain's port is held by another process; the message says what answers there."""


@dataclass(frozen=True)
class EmbeddedChain:
    node: LocalChain
    forwarder: ChecksumAddress
    settings: Settings  # the settings given, with the forwarder named on the local chain


def start_embedded_chain(settings: Settings, workdir: Path) -> EmbeddedChain:
    """Start anvil for ``settings.chain``, deploy the forwarder, fund the relayers."""
    url = settings.chain.rpc_urls[0]
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 8545
    refuse_taken_port(url, host, port)
    node = LocalChain(
        host=host,
        port=port,
        chain_id=settings.chain.chain_id,
        workdir=workdir,
        die_with_parent=True,
    )
    node.start()
    try:
        w3 = Web3(Web3.HTTPProvider(node.rpc_url))
        funder = node.accounts[0]
        forwarder = deploy_forwarder(w3, funder)
        served = with_forwarder(settings, url, forwarder)
        fund_relayers(w3, served, url, funder)
    except BaseException:
        node.stop()
        raise
    return EmbeddedChain(node, forwarder, served)


def refuse_taken_port(url: str, host: str, port: int) -> None:
    if not port_open(host, port):
        return
    chain_id = rpc_available(url)
    holder = (
        f"a node answering chain id {chain_id} (perhaps a chain left by an earlier run)"
        if chain_id is not None
        else "a process that is not a JSON-RPC node"
    )
    raise ChainPortTaken(
        f"the chain port {host}:{port} is taken by {holder}. Stop it, give the chain another "
        "port (CHAINLESS_CHAINS), or set CHAINLESS_START_LOCAL_CHAIN=false to use the node "
        "there as it is (then configure its forwarder_address for sponsored gas)."
    )


def deploy_forwarder(w3: Web3, deployer: DevAccount) -> ChecksumAddress:
    """Compiled with the pinned solc-js once per source tree (the compile cache), then deployed:
    on a fresh anvil from its first account at nonce 0, always at the same address."""
    contracts = compile_contracts()
    return deploy(w3, FORWARDER, private_key=deployer.private_key, contracts=contracts)


def local_environments(settings: Settings, url: str) -> list[ChainEnvironment]:
    """The chain environments whose node is the one at ``url``."""
    return [env for env, chain in settings.chains.items() if chain.rpc_urls[0] == url]


def with_forwarder(settings: Settings, url: str, forwarder: str) -> Settings:
    chains = dict(settings.chains)
    for environment in local_environments(settings, url):
        chains[environment] = chains[environment].model_copy(
            update={"forwarder_address": forwarder}
        )
    return settings.model_copy(update={"chains": chains})


def fund_relayers(w3: Web3, settings: Settings, url: str, funder: DevAccount) -> None:
    """Top up every relayer key below the low-balance mark (keys configured by hand are new
    accounts; anvil's own dev accounts are funded already)."""
    account = Account.from_key(funder.private_key)
    nonce = int(w3.eth.get_transaction_count(account.address, "pending"))
    sent, seen = [], set()
    for environment in local_environments(settings, url):
        for key in load_keys(settings, environment.value):
            if key.address in seen or (
                w3.eth.get_balance(to_checksum_address(key.address))
                >= settings.relay.relayer_low_balance_wei
            ):
                continue
            seen.add(key.address)
            transaction = {
                "to": key.address,
                "value": RELAYER_TOP_UP_WEI,
                "gas": 21_000,
                "nonce": nonce,
                "chainId": w3.eth.chain_id,
                "maxFeePerGas": 2 * w3.eth.gas_price + 10**9,
                "maxPriorityFeePerGas": 10**9,
            }
            signed = account.sign_transaction(transaction)
            sent.append(w3.eth.send_raw_transaction(signed.raw_transaction))
            nonce += 1
            log.info("relayer funded", extra={"relayer": key.address, "wei": RELAYER_TOP_UP_WEI})
    for tx_hash in sent:
        w3.eth.wait_for_transaction_receipt(tx_hash, timeout=30)
