"""Rules that answer the sandbox's dialogs without a person, for automated runs (CI, pytest).

A rule set is a default decision plus decisions by method: a bridge method
(``eth_sendTransaction``, ``personal_sign``, ``eth_requestAccounts``, ...) or, for transactions
the sandbox can decode, a contract method name (``transfer``). The contract method wins over the
bridge method, which wins over the default. ``manual`` shows the dialog.

Written as JSON (``{"default": "approve", "methods": {"personal_sign": "reject"}}``) or as one
short string for a command line or a query parameter: ``approve``,
``manual,personal_sign:reject,transfer:approve``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

_METHOD = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]{0,63}$")
MAX_METHOD_RULES = 50


class Decision(StrEnum):
    MANUAL = "manual"
    APPROVE = "approve"
    REJECT = "reject"


class RulesError(ValueError):
    """A rule set that cannot be read; the message names the part that is wrong."""


@dataclass
class Rules:
    default: Decision = Decision.MANUAL
    methods: dict[str, Decision] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "default": self.default.value,
            "methods": {k: v.value for k, v in self.methods.items()},
        }

    def decide(self, bridge_method: str, contract_method: str | None = None) -> Decision:
        if contract_method is not None and contract_method in self.methods:
            return self.methods[contract_method]
        return self.methods.get(bridge_method, self.default)


def _decision(value: object, where: str) -> Decision:
    try:
        return Decision(str(value).strip().lower())
    except ValueError:
        raise RulesError(f"{where}: {value!r} is not one of manual, approve, reject") from None


def _method(name: object) -> str:
    text = str(name).strip()
    if not _METHOD.match(text):
        raise RulesError(f"{text!r} is not a method name")
    return text


def parse_rules(text: str) -> Rules:
    """The short form: ``DEFAULT[,METHOD:DECISION...]`` (the default may be left out)."""
    rules = Rules()
    parts = [part.strip() for part in text.split(",") if part.strip()]
    if not parts:
        raise RulesError("empty rules: say manual, approve or reject")
    for part in parts:
        if ":" in part:
            name, _, decision = part.partition(":")
            rules.methods[_method(name)] = _decision(decision, name.strip())
        else:
            rules.default = _decision(part, "default")
    if len(rules.methods) > MAX_METHOD_RULES:
        raise RulesError(f"at most {MAX_METHOD_RULES} method rules")
    return rules


def rules_from_json(body: object) -> Rules:
    """The JSON form; a JSON string is read as the short form."""
    if isinstance(body, str):
        return parse_rules(body)
    if not isinstance(body, dict):
        raise RulesError('expected {"default": ..., "methods": {...}} or a string')
    unknown = set(body) - {"default", "methods"}
    if unknown:
        raise RulesError(f"unknown field {sorted(unknown)[0]!r}")
    rules = Rules(default=_decision(body.get("default", "manual"), "default"))
    methods = body.get("methods", {})
    if not isinstance(methods, dict):
        raise RulesError("methods: expected an object of method name to decision")
    if len(methods) > MAX_METHOD_RULES:
        raise RulesError(f"at most {MAX_METHOD_RULES} method rules")
    for name, decision in methods.items():
        rules.methods[_method(name)] = _decision(decision, str(name))
    return rules
