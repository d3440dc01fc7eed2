"""Sign-In with Ethereum (EIP-4361): parse, build and verify sign-in messages.

A relying party issues a nonce (:func:`generate_nonce`, stored single-use), builds a message with
:meth:`SiweMessage.prepare`, has the wallet sign ``message.to_text()`` with ``personal_sign``
(EIP-191), then calls :func:`verify` with the signed text and the signature, and finally consumes
the nonce. Contract accounts are checked through EIP-1271 with
:func:`chainless.oauth.siwe.eip1271.eip1271_checker`, which needs web3 and is therefore not
imported here.
"""

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
    SiweError,
    SiweParseError,
    SiweVerificationError,
    UnsupportedVersion,
    UriMismatch,
)
from chainless.oauth.siwe.message import SiweMessage
from chainless.oauth.siwe.nonce import generate_nonce
from chainless.oauth.siwe.parser import parse
from chainless.oauth.siwe.verify import ContractChecker, VerifiedSignIn, verify

__all__ = [
    "ChainNotAllowed",
    "ContractChecker",
    "DomainMismatch",
    "InvalidSignature",
    "IssuedInFuture",
    "MalformedMessage",
    "MessageExpired",
    "NonceMismatch",
    "NotYetValid",
    "SignatureMismatch",
    "SiweError",
    "SiweMessage",
    "SiweParseError",
    "SiweVerificationError",
    "UnsupportedVersion",
    "UriMismatch",
    "VerifiedSignIn",
    "generate_nonce",
    "parse",
    "verify",
]
