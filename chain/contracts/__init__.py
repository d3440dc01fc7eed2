"""The platform's Solidity contracts from Python: compile, deploy, sign forward requests.

``contracts/src`` holds the ERC-2771 forwarder (``ChainlessForwarder``), the standard tokens
(``CRC20``, ``CRC721``, ``CRC1155``: ERC-20/721/1155 that accept sponsored calls) and samples
(``SampleRecipient``, ``SmartWallet1271``); ``contracts/README.md`` describes them.
:func:`compile_contracts` compiles them with the pinned solc-js (cached on disk), :func:`deploy`
puts one on a chain, and :func:`forward_request_typed_data` is the EIP-712 document every signer
of a sponsored call uses.
"""

from chainless.chain.contracts.compiler import (
    DEFAULT_CACHE_DIR,
    DEFAULT_SOURCE_DIR,
    EVM_VERSION,
    OPTIMIZER_RUNS,
    CompilationError,
    CompiledContract,
    compile_contracts,
    compiler_settings,
)
from chainless.chain.contracts.deploy import (
    DeploymentError,
    contract_at,
    deploy,
    resolve_contract,
)
from chainless.chain.contracts.forwarder import (
    FORWARD_REQUEST_TYPE,
    FORWARD_REQUEST_TYPE_STRING,
    FORWARDER_NAME,
    FORWARDER_VERSION,
    InvalidForwardRequest,
    forward_request_data,
    forward_request_typed_data,
    forwarder_domain,
    normalize_forward_request,
    sign_forward_request,
)

__all__ = [
    "DEFAULT_CACHE_DIR",
    "DEFAULT_SOURCE_DIR",
    "EVM_VERSION",
    "FORWARDER_NAME",
    "FORWARDER_VERSION",
    "FORWARD_REQUEST_TYPE",
    "FORWARD_REQUEST_TYPE_STRING",
    "OPTIMIZER_RUNS",
    "CompilationError",
    "CompiledContract",
    "DeploymentError",
    "InvalidForwardRequest",
    "compile_contracts",
    "compiler_settings",
    "contract_at",
    "deploy",
    "forward_request_data",
    "forward_request_typed_data",
    "forwarder_domain",
    "normalize_forward_request",
    "resolve_contract",
    "sign_forward_request",
]
