"""HTTP Basic client credentials (RFC 6749 §2.3.1, RFC 7617), read strictly.

Authlib's ``extract_basic_authorization`` decodes the credentials as UTF-8 without catching the
error, so a header such as ``Basic /w==`` (byte 0xFF) raised ``UnicodeDecodeError`` and the
token, revocation and introspection endpoints answered 500 to an unauthenticated caller. It also
takes a header without a colon as a client id with no secret, and ignores characters outside the
base64 alphabet, so a malformed header could quietly fall through to another method.

Here a ``Basic`` header is either well-formed credentials or refused: strict base64, UTF-8, a
colon between client id and secret, neither of them empty, each form-urlencoded as RFC 6749
§2.3.1 prescribes. Every caller (the server's client authentication, and the fast paths ahead
of the router) reads the header through :func:`basic_credentials`, so all answer alike.
"""

from __future__ import annotations

import binascii
from base64 import b64decode
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import unquote

SCHEME = "basic"


class MalformedBasicCredentials(ValueError):
    """A ``Basic`` Authorization header that carries no usable client credentials."""


@dataclass(frozen=True, slots=True)
class BasicCredentials:
    client_id: str
    secret: str


def presents_basic(headers: Mapping[str, str]) -> bool:
    """Whether the request authenticates (or tries to) with HTTP Basic."""
    scheme, _, _ = headers.get("authorization", "").strip().partition(" ")
    return scheme.lower() == SCHEME


def basic_credentials(headers: Mapping[str, str]) -> BasicCredentials | None:
    """The client id and secret of a ``Basic`` header; ``None`` when there is no such header.

    Raises :class:`MalformedBasicCredentials` for a ``Basic`` header that cannot be read, which
    the endpoints answer with ``invalid_client`` (RFC 6749 §5.2).
    """
    if not presents_basic(headers):
        return None
    encoded = headers["authorization"].strip()[len(SCHEME) :].strip()
    try:
        decoded = b64decode(encoded, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise MalformedBasicCredentials("the Basic credentials are not base64 of UTF-8") from None
    client_id, colon, secret = decoded.partition(":")
    if not colon:
        raise MalformedBasicCredentials("the Basic credentials have no ':' after the client id")
    client_id, secret = unquote(client_id), unquote(secret)
    if not client_id or not secret:
        raise MalformedBasicCredentials("the Basic credentials need a client id and a secret")
    return BasicCredentials(client_id, secret)


def readable_basic_credentials(headers: Mapping[str, str]) -> BasicCredentials | None:
    """:func:`basic_credentials`, with ``None`` for a malformed header as well: for the fast
    paths, which leave every refusal to the endpoint itself."""
    try:
        return basic_credentials(headers)
    except MalformedBasicCredentials:
        return None
