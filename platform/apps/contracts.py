"""The contracts an app uses, per environment (spec 3.3.1 ``contracts``; 2.4.3 shown to users).

Addresses are stored EIP-55 checksummed: an all-lower (or all-upper) case address carries no
checksum and is normalised, a mixed-case one must carry a valid checksum (EIP-55). ABIs follow the
Solidity JSON ABI specification; the relay's method allowlist holds 4-byte selectors of the ABI's
functions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, cast

from eth_abi.exceptions import ABITypeError, ParseError
from eth_abi.grammar import BasicType, parse
from eth_typing import ABIFunction
from eth_utils import function_abi_to_4byte_selector, is_checksum_address, to_checksum_address
from sqlalchemy.orm import Session

from chainless.platform.apps import access, repository
from chainless.platform.apps.config_schemas import ContractIn
from chainless.platform.audit import service as audit
from chainless.platform.auth.principal import Principal
from chainless.platform.core.clock import utcnow
from chainless.platform.core.errors import Conflict, NotFound, Unprocessable
from chainless.platform.core.permissions import Permission
from chainless.platform.core.security import new_hex_id
from chainless.platform.models import AppContract

MAX_CONTRACTS_PER_ENVIRONMENT = 50
ENTRY_TYPES = frozenset({"function", "constructor", "receive", "fallback", "event", "error"})
NAMED_ENTRIES = frozenset({"function", "event", "error"})
MUTABILITY = frozenset({"pure", "view", "nonpayable", "payable"})
BASE_TYPES = frozenset(
    {"uint", "int", "address", "bool", "bytes", "string", "fixed", "ufixed", "function", "tuple"}
)
_HEX_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")
_SELECTOR = re.compile(r"^0x[0-9a-fA-F]{8}$")
_IDENTIFIER = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")
_MAX_TUPLE_DEPTH = 8


@dataclass(frozen=True)
class SavedContract:
    contract: AppContract
    created: bool


def checksum_address(text: str) -> str:
    """The EIP-55 form of ``text``; 422 ``invalid_address`` if invalid or badly checksummed."""
    if not _HEX_ADDRESS.match(text):
        raise Unprocessable(
            f"{text!r} is not a 0x-prefixed 20-byte hex address", code="invalid_address"
        )
    digits = text[2:]
    if digits not in (digits.lower(), digits.upper()) and not is_checksum_address(text):
        raise Unprocessable(
            f"{text} has a wrong EIP-55 checksum (mixed case must match it exactly)",
            code="invalid_address",
        )
    address = to_checksum_address(text)
    if int(digits, 16) == 0:
        raise Unprocessable("the zero address is not a contract", code="invalid_address")
    return str(address)


def _bad_abi(where: str, detail: str) -> Unprocessable:
    return Unprocessable(f"abi{where}: {detail}", code="invalid_abi", location=f"abi{where}")


def _check_param(param: Any, where: str, depth: int = 0) -> None:
    if not isinstance(param, dict) or not isinstance(param.get("type"), str):
        raise _bad_abi(where, "a parameter must be an object with a string 'type'")
    if "name" in param and not isinstance(param["name"], str):
        raise _bad_abi(where, "a parameter's 'name' must be a string")
    try:
        kind = parse(param["type"])
        kind.validate()
    except (ParseError, ABITypeError) as error:
        raise _bad_abi(where, f"invalid type {param['type']!r} ({error})") from None
    if not isinstance(kind, BasicType) or kind.base not in BASE_TYPES:
        raise _bad_abi(where, f"unknown type {param['type']!r}")
    if kind.base == "tuple":
        components = param.get("components")
        if not isinstance(components, list) or depth >= _MAX_TUPLE_DEPTH:
            raise _bad_abi(where, "a tuple needs a list of 'components'")
        for index, component in enumerate(components):
            _check_param(component, f"{where}.components[{index}]", depth + 1)


def _check_entry(entry: Any, where: str) -> None:
    if not isinstance(entry, dict):
        raise _bad_abi(where, "each ABI entry must be an object")
    kind = entry.get("type", "function")  # "type can be omitted, defaulting to function"
    if kind not in ENTRY_TYPES:
        raise _bad_abi(
            where, f"'type' must be one of {', '.join(sorted(ENTRY_TYPES))}, not {kind!r}"
        )
    if kind in NAMED_ENTRIES and not (
        isinstance(entry.get("name"), str) and _IDENTIFIER.match(entry["name"])
    ):
        raise _bad_abi(where, f"a {kind} needs a 'name' that is an identifier")
    if "stateMutability" in entry and entry["stateMutability"] not in MUTABILITY:
        raise _bad_abi(where, f"'stateMutability' must be one of {', '.join(sorted(MUTABILITY))}")
    for key in ("inputs", "outputs"):
        params = entry.get(key, [])
        if not isinstance(params, list):
            raise _bad_abi(f"{where}.{key}", "must be a list")
        for index, param in enumerate(params):
            _check_param(param, f"{where}.{key}[{index}]")


def check_abi(abi: list[Any]) -> set[str]:
    """Validate the JSON ABI; returns the 0x-hex selectors of its functions."""
    selectors: set[str] = set()
    for index, entry in enumerate(abi):
        _check_entry(entry, f"[{index}]")
        if entry.get("type", "function") == "function":
            selectors.add(
                "0x"
                + function_abi_to_4byte_selector(
                    cast("ABIFunction", {"type": "function", **entry})
                ).hex()
            )
    return selectors


def check_allowlist(allowlist: list[str], selectors: set[str]) -> list[str]:
    cleaned: list[str] = []
    for selector in allowlist:
        if not _SELECTOR.match(selector):
            raise Unprocessable(
                f"{selector!r} is not a 4-byte selector (0x + 8 hex digits)",
                code="invalid_selector",
            )
        if selector.lower() not in selectors:
            raise Unprocessable(
                f"{selector} is not the selector of a function in the ABI",
                code="unknown_selector",
                selector=selector.lower(),
            )
        cleaned.append(selector.lower())
    return list(dict.fromkeys(cleaned))


def list_contracts(
    session: Session, principal: Principal, app_id: str, environment: str | None
) -> list[AppContract]:
    app = access.app_for(session, principal, app_id, Permission.APP_READ)
    return repository.contracts_of(session, app.app_id, environment)


def get_contract(
    session: Session, principal: Principal, app_id: str, environment: str, address: str
) -> AppContract:
    app = access.app_for(session, principal, app_id, Permission.APP_READ)
    found = repository.contract(session, app.app_id, environment, checksum_address(address))
    if found is None:
        raise NotFound(f"no contract {address} in {environment}", code="contract_not_found")
    return found


def save_contract(
    session: Session,
    principal: Principal,
    app_id: str,
    environment: str,
    address: str,
    body: ContractIn,
) -> SavedContract:
    """Create or replace the contract at ``address`` in ``environment`` (an idempotent PUT)."""
    app = access.app_for(session, principal, app_id, Permission.APP_WRITE, for_update=True)
    address = checksum_address(address)
    allowlist = check_allowlist(body.method_allowlist, check_abi(body.abi))
    existing = repository.contract(session, app.app_id, environment, address)
    if existing is None:
        if (
            repository.count_contracts(session, app.app_id, environment)
            >= MAX_CONTRACTS_PER_ENVIRONMENT
        ):
            raise Conflict(
                f"at most {MAX_CONTRACTS_PER_ENVIRONMENT} contracts per environment",
                code="contract_limit_reached",
            )
        existing = AppContract(
            id=new_hex_id(),
            app_id=app.app_id,
            environment=environment,
            address=address,
            name=body.name,
            abi=body.abi,
            method_allowlist=allowlist,
            created_at=utcnow(),
        )
        session.add(existing)
        changes: dict[str, Any] = {"name": [None, body.name], "method_allowlist": [None, allowlist]}
        action, created = "app.contract_added", True
    else:
        before = {
            "name": existing.name,
            "method_allowlist": existing.method_allowlist,
            "abi_entries": len(existing.abi),
            "abi_changed": False,
        }
        after = {
            "name": body.name,
            "method_allowlist": allowlist,
            "abi_entries": len(body.abi),
            "abi_changed": existing.abi != body.abi,
        }
        existing.name, existing.abi, existing.method_allowlist = body.name, body.abi, allowlist
        changes, action, created = audit.diff(before, after), "app.contract_updated", False
    if created or changes:
        audit.record(
            session,
            principal,
            action,
            target_type="app_contract",
            target_id=existing.id,
            app_id=app.app_id,
            summary=f"{body.name} {address} ({environment})",
            changes=changes,
        )
    return SavedContract(existing, created)


def delete_contract(
    session: Session, principal: Principal, app_id: str, environment: str, address: str
) -> None:
    app = access.app_for(session, principal, app_id, Permission.APP_WRITE, for_update=True)
    found = repository.contract(session, app.app_id, environment, checksum_address(address))
    if found is None:
        raise NotFound(f"no contract {address} in {environment}", code="contract_not_found")
    session.delete(found)
    audit.record(
        session,
        principal,
        "app.contract_removed",
        target_type="app_contract",
        target_id=found.id,
        app_id=app.app_id,
        summary=f"{found.name} {found.address} ({environment})",
    )
