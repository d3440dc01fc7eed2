"""Where a build's products go in object storage: by content hash, so they are stored once.

``private/contracts/<hash>/input.json`` is the standard-JSON input (it compiles on its own to the
same bytecode: what an explorer's verification form asks for); ``.../<Name>.json`` holds the
contract's abi, bytecode, deployedBytecode, immutableReferences and metadata.
"""

from __future__ import annotations

import json
from typing import Any

from chainless.deployer.contracts.compiler import ContractOutput
from chainless.platform.core.storage import ObjectStorage

JSON_TYPE = "application/json"


def input_key(content_hash: str) -> str:
    return f"private/contracts/{content_hash}/input.json"


def contract_key(content_hash: str, name: str) -> str:
    return f"private/contracts/{content_hash}/{name}.json"


def _put_json(storage: ObjectStorage, key: str, data: object) -> None:
    storage.put(key, json.dumps(data, indent=1).encode(), content_type=JSON_TYPE)


def store_build(
    storage: ObjectStorage,
    content_hash: str,
    input_json: dict[str, Any],
    outputs: list[ContractOutput],
) -> dict[str, dict[str, str]]:
    """Upload the input and each contract; returns ``{name: {source, artifact}}``."""
    _put_json(storage, input_key(content_hash), input_json)
    stored = {}
    for output in outputs:
        key = contract_key(content_hash, output.name)
        _put_json(storage, key, output.to_json())
        stored[output.name] = {"source": output.source, "artifact": key}
    return stored


def load_contract(storage: ObjectStorage, key: str) -> ContractOutput:
    return ContractOutput.from_json(json.loads(storage.get(key)))


def load_input(storage: ObjectStorage, content_hash: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(storage.get(input_key(content_hash)))
    return data
