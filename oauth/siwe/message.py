"""The EIP-4361 message as a value: typed fields, validation, and rendering back to the signed text.

See EIP-4361 "Message Format". Fields follow the message's order; every field is keyword-only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from chainless.oauth.siwe import grammar
from chainless.oauth.siwe.errors import SiweParseError
from chainless.oauth.siwe.nonce import generate_nonce

HEADER_SUFFIX = " wants you to sign in with your Ethereum account:"


@dataclass(frozen=True, kw_only=True)
class SiweMessage:
    """One Sign-In with Ethereum message (EIP-4361 "Message Fields").

    Construction validates every field against the ABNF and raises :class:`SiweParseError`.
    Optional fields are None when absent; ``statement`` and ``request_id`` may also be present
    but empty, and ``resources`` may be an empty tuple (a bare ``Resources:`` line), because the
    ABNF tells these apart and so does the signature. ``version`` may be any integer string so
    that a newer message can be represented, but only ``"1"`` parses or verifies.

    A message from :func:`~chainless.oauth.siwe.parse` keeps the exact text it was parsed from,
    because RFC 3339 spells one instant in many ways (``Z``/``+00:00``, ``T``/``t``, any number
    of fraction digits) and the signature covers the bytes. Equality compares the fields only.
    """

    scheme: str | None = None
    domain: str
    address: str
    statement: str | None = None
    uri: str
    version: str = "1"
    chain_id: int
    nonce: str
    issued_at: datetime
    expiration_time: datetime | None = None
    not_before: datetime | None = None
    request_id: str | None = None
    resources: tuple[str, ...] | None = None
    _text: str | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if isinstance(self.resources, list):
            object.__setattr__(self, "resources", tuple(self.resources))
        problem = _first_problem(self)
        if problem is not None:
            raise SiweParseError(problem)

    @classmethod
    def prepare(
        cls,
        *,
        domain: str,
        address: str,
        uri: str,
        chain_id: int,
        statement: str | None = None,
        scheme: str | None = None,
        nonce: str | None = None,
        issued_at: datetime | None = None,
        expiration_time: datetime | None = None,
        expires_in: timedelta | None = None,
        not_before: datetime | None = None,
        request_id: str | None = None,
        resources: Iterable[str] | None = None,
    ) -> SiweMessage:
        """Build a message for a wallet to sign, as a relying party does before a sign-in.

        The address may be given in any case and is written in its EIP-55 form; the nonce
        defaults to :func:`generate_nonce` and ``issued_at`` to now (UTC). ``expires_in`` sets
        ``expiration_time`` relative to ``issued_at``; give one or the other.
        """
        if expires_in is not None and expiration_time is not None:
            raise ValueError("give expiration_time or expires_in, not both")
        issued = issued_at if issued_at is not None else datetime.now(UTC)
        if expires_in is not None:
            expiration_time = issued + expires_in
        checksummed = address
        if isinstance(address, str) and grammar.ADDRESS_RE.fullmatch(address):
            checksummed = grammar.to_checksum_address(address)
        return cls(
            scheme=scheme,
            domain=domain,
            address=checksummed,
            statement=statement,
            uri=uri,
            chain_id=chain_id,
            nonce=nonce if nonce is not None else generate_nonce(),
            issued_at=issued,
            expiration_time=expiration_time,
            not_before=not_before,
            request_id=request_id,
            resources=tuple(resources) if resources is not None else None,
        )

    def to_text(self) -> str:
        """The exact text to sign (EIP-4361 "ABNF Message Format"); no trailing newline."""
        if self._text is not None:
            return self._text
        origin = f"{self.scheme}://{self.domain}" if self.scheme is not None else self.domain
        lines = [origin + HEADER_SUFFIX, self.address, ""]
        if self.statement is not None:
            lines.append(self.statement)
        lines += [
            "",
            f"URI: {self.uri}",
            f"Version: {self.version}",
            f"Chain ID: {self.chain_id}",
            f"Nonce: {self.nonce}",
            f"Issued At: {grammar.format_datetime(self.issued_at)}",
        ]
        if self.expiration_time is not None:
            lines.append(f"Expiration Time: {grammar.format_datetime(self.expiration_time)}")
        if self.not_before is not None:
            lines.append(f"Not Before: {grammar.format_datetime(self.not_before)}")
        if self.request_id is not None:
            lines.append(f"Request ID: {self.request_id}")
        if self.resources is not None:
            lines.append("Resources:")
            lines += [f"- {resource}" for resource in self.resources]
        return "\n".join(lines)


def with_source_text(message: SiweMessage, text: str) -> SiweMessage:
    """Attach the text ``message`` was parsed from, so that ``to_text`` returns it unchanged."""
    object.__setattr__(message, "_text", text)
    return message


def _first_problem(message: SiweMessage) -> str | None:
    """Why the fields do not form an EIP-4361 message, or None when they do."""
    for check in _CHECKS:
        problem = check(message)
        if problem is not None:
            return problem
    return None


def _check_origin(m: SiweMessage) -> str | None:
    if m.scheme is not None and not (isinstance(m.scheme, str) and grammar.is_scheme(m.scheme)):
        return f"scheme {m.scheme!r} is not an RFC 3986 scheme"
    if not isinstance(m.domain, str):
        return f"domain {m.domain!r} is not an RFC 3986 authority"
    return grammar.domain_problem(m.domain)


def _check_address(m: SiweMessage) -> str | None:
    if not (isinstance(m.address, str) and grammar.ADDRESS_RE.fullmatch(m.address)):
        return "address must be '0x' followed by 40 hex digits"
    if not grammar.is_checksum_address(m.address):
        return "address is not EIP-55 checksummed"
    return None


def _check_statement(m: SiweMessage) -> str | None:
    if m.statement is None:
        return None
    if not isinstance(m.statement, str):
        return "statement must be a string"
    return grammar.statement_problem(m.statement)


def _check_uri_and_version(m: SiweMessage) -> str | None:
    if not (isinstance(m.uri, str) and grammar.is_uri(m.uri)):
        return f"uri {m.uri!r} is not an RFC 3986 URI"
    if not (isinstance(m.version, str) and grammar.VERSION_RE.fullmatch(m.version)):
        return "version must be a string of digits"
    return None


def _check_chain_id_and_nonce(m: SiweMessage) -> str | None:
    if type(m.chain_id) is not int or not 0 <= m.chain_id <= grammar.MAX_CHAIN_ID:
        return "chain_id must be an integer from 0 to 2**256 - 1 (EIP-155)"
    if not (isinstance(m.nonce, str) and grammar.NONCE_RE.fullmatch(m.nonce)):
        return "nonce must be at least 8 ASCII letters or digits"
    return None


def _check_times(m: SiweMessage) -> str | None:
    for name in ("issued_at", "expiration_time", "not_before"):
        value = getattr(m, name)
        if value is None and name != "issued_at":
            continue
        if not isinstance(value, datetime) or value.utcoffset() is None:
            return f"{name} must be a timezone-aware datetime"
    return None


def _check_request_id_and_resources(m: SiweMessage) -> str | None:
    if m.request_id is not None and not (
        isinstance(m.request_id, str) and grammar.REQUEST_ID_RE.fullmatch(m.request_id)
    ):
        return "request_id must consist of RFC 3986 pchar characters"
    if m.resources is None:
        return None
    if not isinstance(m.resources, tuple):
        return "resources must be a tuple of URIs"
    for resource in m.resources:
        if not (isinstance(resource, str) and grammar.is_uri(resource)):
            return f"resource {resource!r} is not an RFC 3986 URI"
    return None


_CHECKS = (
    _check_origin,
    _check_address,
    _check_statement,
    _check_uri_and_version,
    _check_chain_id_and_nonce,
    _check_times,
    _check_request_id_and_resources,
)
