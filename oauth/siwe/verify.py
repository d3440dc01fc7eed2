"""``verify``: EIP-4361 "Verifying a signed Message" for a relying party.

The fields are checked first (cheap, and they say more than "bad signature"), then the signature:
an EOA's by EIP-191 recovery, a contract account's through a caller-supplied EIP-1271 check.
Nonce consumption is not done here: the relying party stores the nonces it issues single-use
(Redis, the database) and must consume the message's nonce atomically after ``verify`` succeeds,
so that a signed message can be used only once.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from chainless.oauth.siwe import grammar
from chainless.oauth.siwe.errors import (
    ChainNotAllowed,
    DomainMismatch,
    InvalidSignature,
    IssuedInFuture,
    MalformedMessage,
    MessageExpired,
    NonceMismatch,
    NotYetValid,
    SignatureMismatch,
    SiweParseError,
    UnsupportedVersion,
    UriMismatch,
)
from chainless.oauth.siwe.message import SiweMessage
from chainless.oauth.siwe.parser import parse
from chainless.oauth.siwe.signature import personal_message_hash, recover_signer, signature_bytes

ContractChecker = Callable[[str, bytes, bytes], bool]
"""``(address, EIP-191 message hash, signature) -> bool``: EIP-1271, does the contract agree?"""


@dataclass(frozen=True)
class VerifiedSignIn:
    """A sign-in that passed every check; bind the session to ``address`` (EIP-4361)."""

    address: str
    chain_id: int
    nonce: str
    kind: Literal["eoa", "contract"]
    issued_at: datetime
    expiration_time: datetime | None
    message: SiweMessage


def verify(
    message: SiweMessage | str,
    signature: str | bytes,
    *,
    domain: str,
    uri: str | None = None,
    chain_ids: Collection[int],
    nonce: str | None = None,
    now: datetime | None = None,
    max_clock_skew: timedelta = timedelta(seconds=30),
    contract_checker: ContractChecker | None = None,
    scheme: str | None = None,
) -> VerifiedSignIn:
    """Check a signed EIP-4361 message for this relying party; raise on the first failure.

    Order: domain (and ``scheme`` when given; a message without one means https), uri, version,
    chain id, nonce, issued-at not beyond ``now + max_clock_skew``, expiration, not-before, then
    the signature. Every failure is a :class:`SiweVerificationError` with a stable ``code``;
    text that does not parse fails with ``malformed_message``.

    ``contract_checker`` (see :func:`chainless.oauth.siwe.eip1271.eip1271_checker`) is asked
    only when the signature does not recover to ``message.address``: when it recovers to another
    key, or when it is no valid EOA signature at all (a contract wallet's signature need not be
    65 bytes). It must resolve the contract on the message's chain (EIP-4361: "the contract ...
    MUST be resolved from the specified chain-id"), so use one checker per chain and allow only
    that chain, or pick the checker by ``parse(text).chain_id``.
    """
    if isinstance(message, str):
        text = message
        try:
            message = parse(text)
        except SiweParseError as error:
            raise MalformedMessage(str(error)) from error
    else:
        text = message.to_text()
    _check_fields(message, domain, uri, chain_ids, nonce, scheme)
    _check_times(message, now, max_clock_skew)
    kind = _check_signature(message, text, signature, contract_checker)
    return VerifiedSignIn(
        address=message.address,
        chain_id=message.chain_id,
        nonce=message.nonce,
        kind=kind,
        issued_at=message.issued_at,
        expiration_time=message.expiration_time,
        message=message,
    )


def _check_fields(
    message: SiweMessage,
    domain: str,
    uri: str | None,
    chain_ids: Collection[int],
    nonce: str | None,
    scheme: str | None,
) -> None:
    if not domain:
        raise ValueError("the expected domain must not be empty")
    if message.domain != domain:
        raise DomainMismatch(f"message is for domain {message.domain!r}, expected {domain!r}")
    if scheme is not None and (message.scheme or "https").lower() != scheme.lower():
        raise DomainMismatch(f"message is for scheme {message.scheme!r}, expected {scheme!r}")
    if uri is not None and message.uri != uri:
        raise UriMismatch(f"message is for URI {message.uri!r}, expected {uri!r}")
    if message.version != "1":
        raise UnsupportedVersion(f"version {message.version!r} is not supported; expected '1'")
    if message.chain_id not in chain_ids:
        raise ChainNotAllowed(f"chain ID {message.chain_id} is not allowed")
    if nonce is not None and not hmac.compare_digest(message.nonce.encode(), nonce.encode()):
        raise NonceMismatch("message nonce does not match the issued nonce")


def _check_times(message: SiweMessage, now: datetime | None, max_clock_skew: timedelta) -> None:
    if now is None:
        now = datetime.now(UTC)
    elif now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    if message.issued_at > now + max_clock_skew:
        raise IssuedInFuture(f"message is issued at {message.issued_at.isoformat()}, in the future")
    if message.expiration_time is not None and now >= message.expiration_time:
        raise MessageExpired(f"message expired at {message.expiration_time.isoformat()}")
    if message.not_before is not None and now < message.not_before:
        raise NotYetValid(f"message is not valid before {message.not_before.isoformat()}")


def _check_signature(
    message: SiweMessage,
    text: str,
    signature: str | bytes,
    contract_checker: ContractChecker | None,
) -> Literal["eoa", "contract"]:
    """EIP-191 recovery first; EIP-1271 through ``contract_checker`` if that does not match."""
    raw = signature_bytes(signature)
    message_hash = personal_message_hash(text)
    expected = bytes.fromhex(message.address[2:])
    malformed: InvalidSignature | None = None
    signer: bytes | None = None
    try:
        signer = recover_signer(message_hash, raw)
    except InvalidSignature as error:
        malformed = error
    if signer == expected:
        return "eoa"
    if contract_checker is not None and contract_checker(message.address, message_hash, raw):
        return "contract"
    if malformed is not None:
        raise malformed
    assert signer is not None
    recovered = grammar.to_checksum_address("0x" + signer.hex())
    raise SignatureMismatch(f"signature was made by {recovered}, not {message.address}")
