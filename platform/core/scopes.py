"""OAuth scopes a mini-program may request of a wallet user (spec 3.5.3.1.3 scope groups).

Names are stable: ``<group>:<what>``. Extended scopes (personal data) need a second, separate
confirmation on the consent screen.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ScopeGroup(StrEnum):
    BASIC = "basic"
    EXTENDED = "extended"
    TRANSACTION = "transaction"
    ASSETS = "assets"


@dataclass(frozen=True)
class Scope:
    name: str
    group: ScopeGroup
    description: str


SCOPES: dict[str, Scope] = {
    s.name: s
    for s in (
        Scope("basic:address", ScopeGroup.BASIC, "See your wallet address"),
        Scope("basic:user_id", ScopeGroup.BASIC, "See your Chainless user id"),
        Scope("extended:phone", ScopeGroup.EXTENDED, "See your phone number"),
        Scope("extended:email", ScopeGroup.EXTENDED, "See your email address"),
        Scope("transaction:sign", ScopeGroup.TRANSACTION, "Ask you to sign transactions"),
        Scope("transaction:broadcast", ScopeGroup.TRANSACTION, "Broadcast transactions you signed"),
        Scope("assets:balance", ScopeGroup.ASSETS, "See your token balances"),
        Scope("assets:transfer", ScopeGroup.ASSETS, "Ask you to transfer assets"),
    )
}

DEFAULT_SCOPES = ("basic:address", "basic:user_id")


def unknown_scopes(names: list[str] | set[str]) -> list[str]:
    return sorted(set(names) - SCOPES.keys())


def needs_second_confirmation(names: list[str] | set[str]) -> list[str]:
    return sorted(n for n in names if n in SCOPES and SCOPES[n].group is ScopeGroup.EXTENDED)
