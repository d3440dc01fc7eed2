"""What can go wrong with a Sign-In with Ethereum message: it is malformed, or it does not verify.

Verification failures carry a stable ``code`` (never changed once published) so that endpoints can
map them to their own error type without matching on message text.
"""

from __future__ import annotations

from typing import ClassVar


class SiweError(Exception):
    """Base of every error this package raises on purpose."""


class SiweParseError(SiweError, ValueError):
    """The text (or a field given to the constructor) does not conform to EIP-4361's ABNF.

    ``line`` is the 1-based line of the message the problem is on, or None for a constructor
    argument; ``reason`` is the message without the line prefix.
    """

    def __init__(self, reason: str, line: int | None = None) -> None:
        super().__init__(f"line {line}: {reason}" if line is not None else reason)
        self.reason = reason
        self.line = line


class SiweVerificationError(SiweError):
    """The message or its signature is not acceptable for this relying party."""

    code: ClassVar[str] = "verification_failed"


class MalformedMessage(SiweVerificationError):
    """``verify`` was given text that does not parse; ``__cause__`` is the SiweParseError."""

    code = "malformed_message"


class DomainMismatch(SiweVerificationError):
    """EIP-4361 "Specifying the Request Origin": the message names another domain or scheme."""

    code = "domain_mismatch"


class UriMismatch(SiweVerificationError):
    """The message's ``URI`` is not the one the relying party expects."""

    code = "uri_mismatch"


class UnsupportedVersion(SiweVerificationError):
    """EIP-4361 defines only ``Version: 1``."""

    code = "unsupported_version"


class ChainNotAllowed(SiweVerificationError):
    """The EIP-155 chain id the session would be bound to is not accepted here."""

    code = "chain_not_allowed"


class NonceMismatch(SiweVerificationError):
    """The nonce is not the one the relying party issued for this sign-in."""

    code = "nonce_mismatch"


class IssuedInFuture(SiweVerificationError):
    """``Issued At`` lies further in the future than the allowed clock skew."""

    code = "issued_in_future"


class MessageExpired(SiweVerificationError):
    """``Expiration Time`` has passed."""

    code = "message_expired"


class NotYetValid(SiweVerificationError):
    """``Not Before`` has not been reached yet."""

    code = "not_yet_valid"


class InvalidSignature(SiweVerificationError):
    """The signature is no well-formed EOA signature (EIP-191, EIP-2) and no other check took it."""

    code = "invalid_signature"


class SignatureMismatch(SiweVerificationError):
    """The signature is well-formed but made by another key, and no EIP-1271 check accepted it."""

    code = "signature_mismatch"
