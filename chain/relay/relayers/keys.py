"""Relayer keys per chain environment, from settings or secret files; anvil's funded accounts in
development and test. A key's repr shows only its address, so a key never reaches a log."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eth_account import Account
from eth_account.datastructures import SignedTransaction
from eth_account.signers.local import LocalAccount

from chainless.chain.localnode import derive_accounts
from chainless.chain.relay.relayers.eip1559 import SignedType2, sign_type2
from chainless.platform.core.services import Services
from chainless.platform.core.settings import Mode, Settings

_POOLS = "relay.relayer_keys"


class NoRelayerKey(RuntimeError):
    """The chain environment has no relayer key configured."""


@dataclass(frozen=True)
class RelayerKey:
    address: str  # EIP-55
    _account: LocalAccount = field(repr=False, compare=False)

    def sign(self, transaction: dict[str, Any]) -> SignedTransaction:
        return self._account.sign_transaction(transaction)

    def sign_type2(self, **fields: Any) -> SignedType2:
        """An EIP-1559 transaction (``eip1559.sign_type2``'s fields), signed."""
        return sign_type2(bytes(self._account.key), **fields)


def key_from_hex(private_key: str) -> RelayerKey:
    account: LocalAccount = Account.from_key(private_key.strip())
    return RelayerKey(address=account.address, _account=account)


def load_keys(settings: Settings, environment: str) -> tuple[RelayerKey, ...]:
    """Configured keys (inline, then files); with none outside production, anvil's accounts."""
    relay = settings.relay
    hex_keys = [k.get_secret_value() for k in relay.relayer_keys.get(environment, [])]
    hex_keys += [_read_key_file(p) for p in relay.relayer_key_files.get(environment, [])]
    if not hex_keys and settings.mode is not Mode.PRODUCTION:
        dev = derive_accounts(count=max(relay.dev_relayer_accounts, default=-1) + 1)
        hex_keys = [dev[i].private_key for i in relay.dev_relayer_accounts]
    unique = {key.address: key for key in map(key_from_hex, hex_keys)}
    if settings.mode is Mode.PRODUCTION:
        public = {account.address for account in derive_accounts(count=20)}
        if public & unique.keys():
            raise NoRelayerKey("a relayer key of production is a public anvil development key")
    return tuple(unique.values())


def relayer_keys(services: Services, environment: str) -> tuple[RelayerKey, ...]:
    """The environment's pool, loaded once per process."""
    pools: dict[str, tuple[RelayerKey, ...]] = services.extras.setdefault(_POOLS, {})
    if environment not in pools:
        pools[environment] = load_keys(services.settings, environment)
    return pools[environment]


def pick_key(services: Services, environment: str) -> RelayerKey:
    """Any key of the pool: spreading the load keeps each account's queue of pending nonces
    short. Each account's nonces stay gapless whichever key is chosen."""
    pool = relayer_keys(services, environment)
    if not pool:
        raise NoRelayerKey(f"no relayer key is configured for {environment}")
    return secrets.choice(pool)


def key_for(services: Services, environment: str, address: str) -> RelayerKey | None:
    """The pool's key of ``address`` (the one that signed a transaction), if still configured."""
    return next((k for k in relayer_keys(services, environment) if k.address == address), None)


def _read_key_file(path: Path) -> str:
    try:
        return path.read_text().strip()
    except OSError as error:  # the message names the file, never its content
        raise NoRelayerKey(f"cannot read relayer key file {path}: {error.strerror}") from None
