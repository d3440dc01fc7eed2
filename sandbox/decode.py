"""What the signing dialog shows about a transaction: the target (named when it is a known
contract), the value, the method and its arguments decoded with the ABIs the sandbox knows, and
the gas estimate times the current fee.

ABIs come from the platform's contracts (the forwarder, the CRC tokens, compiled by the chain
component) and from the project's ``abi/*.json`` files (an ABI array, or an object with ``abi``
and optionally ``address`` and ``name``, as Hardhat and Foundry artifacts are).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eth_abi import decode as abi_decode
from eth_utils import abi_to_signature, function_abi_to_4byte_selector, to_checksum_address

if TYPE_CHECKING:
    from chainless.chain.contracts import CompiledContract

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class KnownFunction:
    contract: str
    name: str
    signature: str
    inputs: tuple[dict[str, Any], ...]


@dataclass
class AbiBook:
    """Functions by 4-byte selector, and contract names by address (lowercase)."""

    functions: dict[str, KnownFunction] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)

    def add(
        self, contract: str, abi: Iterable[Mapping[str, Any]], address: str | None = None
    ) -> None:
        for entry in abi:
            if entry.get("type") != "function":
                continue
            function_abi: Any = dict(entry)  # eth_utils types ABIs as TypedDicts
            selector = "0x" + function_abi_to_4byte_selector(function_abi).hex()
            self.functions.setdefault(
                selector,
                KnownFunction(
                    contract=contract,
                    name=str(entry["name"]),
                    signature=abi_to_signature(function_abi),
                    inputs=tuple(entry.get("inputs", ())),
                ),
            )
        if address:
            self.names[address.lower()] = contract

    def decode(self, data: str) -> dict[str, Any] | None:
        """``{contract, name, signature, args: [{name, type, value}]}`` or None (unknown)."""
        if not data or len(data) < 10:
            return None
        function = self.functions.get(data[:10].lower())
        if function is None:
            return None
        types = [_canonical_type(item) for item in function.inputs]
        try:
            values = abi_decode(types, bytes.fromhex(data[10:]))
        except Exception:  # calldata that does not fit the ABI: shown raw, not guessed
            return None
        return {
            "contract": function.contract,
            "name": function.name,
            "signature": function.signature,
            "args": [
                {"name": item.get("name") or f"arg{i}", "type": types[i], "value": _show(v)}
                for i, (item, v) in enumerate(zip(function.inputs, values, strict=True))
            ],
        }


def _canonical_type(item: Mapping[str, Any]) -> str:
    kind = str(item["type"])
    if kind.startswith("tuple"):
        inner = ",".join(_canonical_type(c) for c in item.get("components", ()))
        return f"({inner}){kind[5:]}"
    return kind


def _show(value: Any) -> Any:
    """JSON-friendly: addresses checksummed, bytes as hex, integers as decimal strings."""
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and value.startswith("0x") and len(value) == 42:
        return to_checksum_address(value)
    if isinstance(value, list | tuple):
        return [_show(v) for v in value]
    return value


def platform_abis(
    book: AbiBook, contracts: Mapping[str, CompiledContract], forwarder: str | None
) -> None:
    """The platform's contracts, as compiled for the forwarder's deployment."""
    for name, compiled in sorted(contracts.items()):
        book.add(name, compiled.abi, forwarder if name == "ChainlessForwarder" else None)


def project_abis(book: AbiBook, folder: Path) -> list[str]:
    """The project's ``abi/*.json``; returns the files that could not be read (said once)."""
    unreadable = []
    for path in sorted((folder / "abi").glob("*.json")):
        try:
            loaded = json.loads(path.read_text(encoding="utf-8"))
            abi = loaded if isinstance(loaded, list) else loaded["abi"]
            address = loaded.get("address") if isinstance(loaded, dict) else None
            name = loaded.get("name", path.stem) if isinstance(loaded, dict) else path.stem
            book.add(str(name), abi, address)
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            unreadable.append(path.name)
    return unreadable
