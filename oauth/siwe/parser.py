"""``parse``: EIP-4361 text to a :class:`SiweMessage`, exactly as the "ABNF Message Format" allows.

One pass over the lines, each checked by a precompiled expression, so the cost is linear in the
text. A failure names the line and what was expected there, so a wallet or app developer can fix
the message without reading the ABNF.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from chainless.oauth.siwe import grammar
from chainless.oauth.siwe.errors import SiweParseError
from chainless.oauth.siwe.message import HEADER_SUFFIX, SiweMessage, with_source_text

_REQUIRED = ("URI", "Version", "Chain ID", "Nonce", "Issued At")
_OPTIONAL = ("Expiration Time", "Not Before", "Request ID", "Resources")
_SHAPES = {
    "URI": "'URI: <RFC 3986 URI>'",
    "Version": "'Version: 1'",
    "Chain ID": "'Chain ID: <integer>'",
    "Nonce": "'Nonce: <at least 8 letters or digits>'",
    "Issued At": "'Issued At: <RFC 3339 date-time>'",
    "Expiration Time": "'Expiration Time: <RFC 3339 date-time>'",
    "Not Before": "'Not Before: <RFC 3339 date-time>'",
    "Request ID": "'Request ID: <RFC 3986 pchar characters>'",
    "Resources": "'Resources:'",
}
_RESOURCE_SHAPE = "'- <RFC 3986 URI>'"
_FIELD_NAME_RE = re.compile(r"([A-Za-z][A-Za-z0-9 _-]*):( |$)?")


class _Lines:
    """The message's lines with a cursor; ``number`` is the 1-based line last taken."""

    def __init__(self, text: str) -> None:
        self.lines = text.split("\n")
        self.number = 0

    @property
    def done(self) -> bool:
        return self.number >= len(self.lines)

    def take(self, expected: str) -> str:
        if self.done:
            raise SiweParseError(f"unexpected end of message; expected {expected}", self.number + 1)
        self.number += 1
        return self.lines[self.number - 1]

    def peek(self) -> str | None:
        return None if self.done else self.lines[self.number]

    def rest(self) -> list[str]:
        return self.lines[self.number :]

    def error(self, reason: str) -> SiweParseError:
        """The error for a problem on the line last taken."""
        return SiweParseError(reason, self.number)


def parse(text: str) -> SiweMessage:
    """Parse an EIP-4361 message; raises :class:`SiweParseError` naming the line at fault.

    The result's ``to_text()`` returns ``text`` byte for byte.
    """
    if not isinstance(text, str):
        raise TypeError(f"expected str, got {type(text).__name__}")
    carriage_return = text.find("\r")
    if carriage_return >= 0:
        line = text.count("\n", 0, carriage_return) + 1
        raise SiweParseError("carriage return found; EIP-4361 lines end with LF only", line)
    lines = _Lines(text)
    scheme, domain = _header(lines)
    address = _address(lines)
    if lines.take("a blank line after the address") != "":
        raise lines.error("expected a blank line after the address")
    statement = _statement(lines)
    seen: set[str] = set()
    uri = _value(lines, "URI", seen)
    if not grammar.is_uri(uri):
        raise lines.error(f"expected {_SHAPES['URI']}")
    version = _version(lines, seen)
    chain_id = _chain_id(lines, seen)
    nonce = _value(lines, "Nonce", seen)
    if not grammar.NONCE_RE.fullmatch(nonce):
        raise lines.error(f"expected {_SHAPES['Nonce']}")
    issued_at = _datetime(lines, "Issued At", _value(lines, "Issued At", seen))
    optional = _optional_fields(lines, seen)
    message = SiweMessage(
        scheme=scheme,
        domain=domain,
        address=address,
        statement=statement,
        uri=uri,
        version=version,
        chain_id=chain_id,
        nonce=nonce,
        issued_at=issued_at,
        expiration_time=optional.expiration_time,
        not_before=optional.not_before,
        request_id=optional.request_id,
        resources=tuple(optional.resources) if optional.resources is not None else None,
    )
    return with_source_text(message, text)


def _header(lines: _Lines) -> tuple[str | None, str]:
    """``[ scheme "://" ] domain " wants you to sign in with your Ethereum account:"``."""
    line = lines.take("the header")
    if not line.endswith(HEADER_SUFFIX):
        raise lines.error(f"expected '<domain>{HEADER_SUFFIX}'")
    origin = line[: -len(HEADER_SUFFIX)]
    scheme: str | None = None
    domain = origin
    if "://" in origin:
        scheme, _, domain = origin.partition("://")
        if not grammar.is_scheme(scheme):
            raise lines.error(f"{scheme!r} is not an RFC 3986 URI scheme")
    problem = grammar.domain_problem(domain)
    if problem is not None:
        raise lines.error(problem)
    return scheme, domain


def _address(lines: _Lines) -> str:
    line = lines.take("the address")
    if not grammar.ADDRESS_RE.fullmatch(line):
        raise lines.error("expected an address: '0x' followed by 40 hex digits")
    if not grammar.is_checksum_address(line):
        expected = grammar.to_checksum_address(line)
        raise lines.error(f"address is not EIP-55 checksummed (expected {expected})")
    return line


def _statement(lines: _Lines) -> str | None:
    """``[ statement LF ] LF`` after the address's blank line: None when absent, "" when empty."""
    first = lines.take("a statement or a blank line")
    if first == "":
        if lines.peek() == "":
            lines.take("a blank line")
            return ""  # present but empty: three blank lines in a row
        return None
    following = lines.peek()
    if first.startswith("URI: ") and following not in ("", None):
        raise lines.error(
            "expected a blank line; without a statement EIP-4361 puts two blank lines"
            " between the address and 'URI: '"
        )
    problem = grammar.statement_problem(first)
    if problem is not None:
        raise lines.error(problem)
    after = lines.take("a blank line after the statement")
    if after == "":
        return first
    if after.startswith("URI: "):
        raise lines.error("expected a blank line between the statement and 'URI: '")
    raise lines.error("statement must not contain a newline")


def _value(lines: _Lines, name: str, seen: set[str]) -> str:
    """The text after ``name: `` on the next line, which must carry that field."""
    line = lines.take(_SHAPES[name])
    prefix = f"{name}: "
    if not line.startswith(prefix):
        raise lines.error(_misplaced_required(lines, line, name, seen))
    seen.add(name)
    return line[len(prefix) :]


def _misplaced_required(lines: _Lines, line: str, expected: str, seen: set[str]) -> str:
    found = _field_name(line)
    if found is None or found == expected:
        return f"expected {_SHAPES[expected]}"
    if found not in _SHAPES:
        return f"unknown field {found!r}"
    if found in seen:
        return f"duplicate field {found!r}"
    if any(later.startswith(f"{expected}:") for later in lines.rest()):
        return f"fields out of order: {found!r} must come after {expected!r}"
    return f"expected {_SHAPES[expected]}, found {found!r}"


def _version(lines: _Lines, seen: set[str]) -> str:
    version = _value(lines, "Version", seen)
    if version == "1":
        return version
    if grammar.VERSION_RE.fullmatch(version):
        raise lines.error(f"unsupported version {version!r}; EIP-4361 defines only 'Version: 1'")
    raise lines.error(f"expected {_SHAPES['Version']}")


def _chain_id(lines: _Lines, seen: set[str]) -> int:
    digits = _value(lines, "Chain ID", seen)
    if not grammar.CHAIN_ID_RE.fullmatch(digits):
        raise lines.error(f"expected {_SHAPES['Chain ID']}")
    if len(digits) > 78 or int(digits) > grammar.MAX_CHAIN_ID:  # 78 digits hold any uint256
        raise lines.error("chain ID must be at most 2**256 - 1 (EIP-155)")
    return int(digits)


def _datetime(lines: _Lines, name: str, text: str) -> datetime:
    try:
        return grammar.parse_datetime(text)
    except ValueError as error:
        raise lines.error(f"expected {_SHAPES[name]}: {error}") from None


@dataclass
class _OptionalFields:
    expiration_time: datetime | None = None
    not_before: datetime | None = None
    request_id: str | None = None
    resources: list[str] | None = None


def _optional_fields(lines: _Lines, seen: set[str]) -> _OptionalFields:
    """Expiration Time, Not Before, Request ID, Resources: each optional, in this order."""
    fields = _OptionalFields()
    next_allowed, last = 0, "Issued At"
    while not lines.done:
        line = lines.take("")
        if fields.resources is not None and line.startswith("- "):
            if not grammar.is_uri(line[2:]):
                raise lines.error(f"expected {_RESOURCE_SHAPE}")
            fields.resources.append(line[2:])
            continue
        name = _field_name(line)
        position = _OPTIONAL.index(name) if name in _OPTIONAL else -1
        if name is None or position < next_allowed:
            in_resources = fields.resources is not None
            raise lines.error(_unexpected_optional(line, name, seen, last, in_resources))
        next_allowed, last = position + 1, name
        seen.add(name)
        _optional_field(lines, line, name, fields)
    return fields


def _optional_field(lines: _Lines, line: str, name: str, fields: _OptionalFields) -> None:
    if name == "Resources":
        if line != "Resources:":
            raise lines.error(f"expected {_SHAPES[name]}")
        fields.resources = []
        return
    prefix = f"{name}: "
    if not line.startswith(prefix):
        raise lines.error(f"expected {_SHAPES[name]}")
    value = line[len(prefix) :]
    if name == "Request ID":
        if not grammar.REQUEST_ID_RE.fullmatch(value):
            raise lines.error(f"expected {_SHAPES[name]}")
        fields.request_id = value
    elif name == "Expiration Time":
        fields.expiration_time = _datetime(lines, name, value)
    else:
        fields.not_before = _datetime(lines, name, value)


def _unexpected_optional(
    line: str, name: str | None, seen: set[str], last: str, in_resources: bool
) -> str:
    if name is None:
        if in_resources and line.startswith("-"):
            return f"expected {_RESOURCE_SHAPE}"
        if line == "":
            return "trailing data: a blank line or newline after the last field"
        return "trailing data after the last field"
    if name not in _SHAPES:
        return f"unknown field {name!r}"
    if name in seen:
        return f"duplicate field {name!r}"
    return f"fields out of order: {name!r} must come before {last!r}"


def _field_name(line: str) -> str | None:
    """The field a line names: a known name before ':', or any name before ': ' or a final ':'."""
    match = _FIELD_NAME_RE.match(line)
    if match is None:
        return None
    name = match.group(1)
    return name if name in _SHAPES or match.group(2) is not None else None
