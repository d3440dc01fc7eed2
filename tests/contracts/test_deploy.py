"""deploy() signs locally or uses an unlocked node account, and finds contracts by name."""

from __future__ import annotations

import pytest
from web3 import Web3

from chainless.chain.contracts import CompiledContract, contract_at, deploy
from chainless.chain.localnode import LocalChain

pytestmark = pytest.mark.slow  # anvil


def test_deploy_with_a_private_key_and_with_an_unlocked_sender(
    chain: LocalChain, compiled: dict[str, CompiledContract]
) -> None:
    w3 = Web3(Web3.HTTPProvider(chain.rpc_url))
    deployer = chain.accounts[5]
    signed = deploy(
        w3,
        "SampleRecipient",
        deployer.address,
        private_key=deployer.private_key,
        contracts=compiled,
    )
    unlocked = deploy(w3, compiled["SampleRecipient"], deployer.address, sender=deployer.address)
    assert signed != unlocked
    for address in (signed, unlocked):
        code = "0x" + w3.eth.get_code(address).hex()
        expected = compiled["SampleRecipient"].deployed_bytecode
        assert len(code) == len(expected)  # equal but for the immutable (the forwarder address)
        assert code[-106:] == expected[-106:]  # the metadata hash: the same source
        recipient = contract_at(w3, "SampleRecipient", address, compiled)
        assert recipient.functions.trustedForwarder().call() == deployer.address


def test_deploy_arguments_are_checked(compiled: dict[str, CompiledContract]) -> None:
    w3 = Web3()
    with pytest.raises(ValueError, match="exactly one"):
        deploy(w3, "CRC20", contracts=compiled)
    with pytest.raises(ValueError, match="exactly one"):
        deploy(w3, "CRC20", private_key="0x" + "11" * 32, sender="0x" + "22" * 20)
    with pytest.raises(KeyError, match="known: CRC1155"):
        deploy(w3, "ERC20", sender="0x" + "22" * 20, contracts=compiled)
