"""The lexical rules EIP-4361 borrows from RFC 3986 (URIs), RFC 3339 (timestamps) and EIP-55.

Every regular expression is compiled once at import and written so that a failed match backtracks
at most linearly (no nested quantifiers over overlapping character sets), so parsing stays linear
in the size of the message. Character classes are spelled out in ASCII: ``\\d`` would also accept
other scripts' digits, which no rule here allows.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache

from eth_utils import keccak

# -- RFC 3986 section 2 (characters) and 3 (syntax components) ------------------------------------

_UNRESERVED = r"A-Za-z0-9\-._~"
_SUB_DELIMS = r"!$&'()*+,;="
_PCT_ENCODED = r"%[0-9A-Fa-f]{2}"
_PCHAR = rf"(?:[{_UNRESERVED}{_SUB_DELIMS}:@]|{_PCT_ENCODED})"
_SCHEME = r"[A-Za-z][A-Za-z0-9+\-.]*"

_DEC_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9][0-9]|[0-9])"
_IPV4 = rf"{_DEC_OCTET}(?:\.{_DEC_OCTET}){{3}}"
_H16 = r"[0-9A-Fa-f]{1,4}"
_LS32 = rf"(?:{_H16}:{_H16}|{_IPV4})"


def _ipv6() -> str:
    """RFC 3986 section 3.2.2 ``IPv6address``: nine forms, by how many groups ``::`` stands for."""
    # what may follow "::" when up to `index` groups precede it (the RFC's forms three to nine)
    tails = [
        rf"(?:{_H16}:){{4}}{_LS32}",
        rf"(?:{_H16}:){{3}}{_LS32}",
        rf"(?:{_H16}:){{2}}{_LS32}",
        rf"{_H16}:{_LS32}",
        _LS32,
        _H16,
        "",
    ]
    forms = [rf"(?:{_H16}:){{6}}{_LS32}", rf"::(?:{_H16}:){{5}}{_LS32}"]
    for before, tail in enumerate(tails):
        groups = rf"(?:{_H16}:){{0,{before}}}{_H16}" if before else _H16
        forms.append(rf"(?:{groups})?::{tail}")
    return "(?:" + "|".join(forms) + ")"


_IP_LITERAL = rf"\[(?:{_ipv6()}|[vV][0-9A-Fa-f]+\.[{_UNRESERVED}{_SUB_DELIMS}:]+)\]"
_REG_NAME = rf"(?:[{_UNRESERVED}{_SUB_DELIMS}]|{_PCT_ENCODED})*"
_USERINFO = rf"(?:[{_UNRESERVED}{_SUB_DELIMS}:]|{_PCT_ENCODED})*"
_AUTHORITY = rf"(?:{_USERINFO}@)?(?:{_IP_LITERAL}|{_REG_NAME})(?::[0-9]*)?"
_AUTHORITY_HOST = rf"(?:{_USERINFO}@)?(?P<host>{_IP_LITERAL}|{_REG_NAME})(?::[0-9]*)?"
_PATH_ABEMPTY = rf"(?:/{_PCHAR}*)*"
_HIER_PART = (
    rf"(?://{_AUTHORITY}{_PATH_ABEMPTY}"  # "//" authority path-abempty
    rf"|/(?:{_PCHAR}+{_PATH_ABEMPTY})?"  # path-absolute
    rf"|{_PCHAR}+{_PATH_ABEMPTY}"  # path-rootless
    r"|)"  # path-empty
)
_QUERY = rf"(?:{_PCHAR}|[/?])*"
_URI = rf"{_SCHEME}:{_HIER_PART}(?:\?{_QUERY})?(?:#{_QUERY})?"

SCHEME_RE = re.compile(_SCHEME)
AUTHORITY_HOST_RE = re.compile(_AUTHORITY_HOST)
URI_RE = re.compile(_URI)
REQUEST_ID_RE = re.compile(rf"{_PCHAR}*")

# -- EIP-4361 "ABNF Message Format" terminals --------------------------------------------------

# statement = *( reserved / unreserved / " " ); reserved = gen-delims / sub-delims (RFC 3986 2.2)
STATEMENT_FORBIDDEN_RE = re.compile(rf"[^{_UNRESERVED}:/?#\[\]@{_SUB_DELIMS} ]")
NONCE_RE = re.compile(r"[A-Za-z0-9]{8,}")
CHAIN_ID_RE = re.compile(r"[0-9]+")
VERSION_RE = re.compile(r"[0-9]+")
ADDRESS_RE = re.compile(r"0x[0-9A-Fa-f]{40}")
MAX_CHAIN_ID = 2**256 - 1  # EIP-155 chain ids are uint256


def is_uri(text: str) -> bool:
    """RFC 3986 section 3 ``URI`` (absolute, with a scheme; fragment allowed)."""
    return URI_RE.fullmatch(text) is not None


def domain_problem(text: str) -> str | None:
    """Why ``text`` is not an EIP-4361 ``domain``, or None when it is one.

    The ABNF says ``domain = authority`` (RFC 3986 §3.2), whose ``reg-name`` may be empty; but
    the domain is the site asking for the sign-in, which a wallet compares with the requesting
    origin's host (EIP-4361 "Wallet Implementer's Guide"), so a domain without a host names no
    site: ``""``, ``":8080"`` or ``"user@"`` are refused.
    """
    if text == "":
        return "domain is empty; EIP-4361 requires the RFC 3986 authority asking for the sign-in"
    match = AUTHORITY_HOST_RE.fullmatch(text)
    if match is None:
        return f"domain {text!r} is not an RFC 3986 authority"
    if not match.group("host"):
        return f"domain {text!r} has no host"
    return None


def is_scheme(text: str) -> bool:
    """RFC 3986 section 3.1 ``scheme``."""
    return SCHEME_RE.fullmatch(text) is not None


def statement_problem(text: str) -> str | None:
    """Why ``text`` is not an EIP-4361 ``statement``, or None when it is one."""
    if "\n" in text:
        return "statement must not contain a newline"
    bad = STATEMENT_FORBIDDEN_RE.search(text)
    if bad is None:
        return None
    return (
        f"statement contains {bad.group()!r} at column {bad.start() + 1}; EIP-4361 allows only"
        " RFC 3986 reserved and unreserved characters and spaces"
    )


# -- EIP-55 mixed-case checksum ----------------------------------------------------------------


@lru_cache(maxsize=4096)
def to_checksum_address(address: str) -> str:
    """EIP-55: upper-case each letter whose nibble in keccak(lower-case hex) is 8 or more.

    Cached: a relying party sees the same few addresses again and again.
    """
    body = address[2:].lower()
    digest = keccak(body.encode("ascii")).hex()
    return "0x" + "".join(c.upper() if d >= "8" else c for c, d in zip(body, digest, strict=False))


def is_checksum_address(address: str) -> bool:
    """True for ``0x`` + 40 hex digits spelled exactly as EIP-55 prescribes."""
    return ADDRESS_RE.fullmatch(address) is not None and to_checksum_address(address) == address


# -- RFC 3339 section 5.6 date-time --------------------------------------------------------------

# Literal "T" and "Z" are case-insensitive, as in every ABNF quoted string (RFC 3339 section 5.6).
_DATE_TIME_RE = re.compile(
    r"(?P<year>[0-9]{4})-(?P<month>[0-9]{2})-(?P<day>[0-9]{2})[Tt]"
    r"(?P<hour>[0-9]{2}):(?P<minute>[0-9]{2}):(?P<second>[0-9]{2})(?:\.(?P<fraction>[0-9]+))?"
    r"(?:[Zz]|(?P<sign>[+-])(?P<off_hour>[0-9]{2}):(?P<off_minute>[0-9]{2}))"
)
_ONE_SECOND = timedelta(seconds=1)


def parse_datetime(text: str) -> datetime:
    """An RFC 3339 ``date-time`` as an aware datetime that keeps the written offset.

    Fractions beyond microseconds are truncated. A leap second (``:60``, RFC 3339 section 5.7) is
    accepted only at 23:59 UTC and stands for the first instant of the next minute, which is what
    a datetime can hold. Raises ValueError saying what is wrong.
    """
    match = _DATE_TIME_RE.fullmatch(text)
    if match is None:
        raise ValueError("not an RFC 3339 date-time such as 2021-09-30T16:25:24Z")
    fields = match.groupdict()
    hour, minute, second = int(fields["hour"]), int(fields["minute"]), int(fields["second"])
    tz = _offset(fields["sign"], fields["off_hour"], fields["off_minute"])
    if hour > 23 or minute > 59 or second > 60:
        raise ValueError("time of day out of range")
    micro = int((fields["fraction"] or "0")[:6].ljust(6, "0"))
    leap = second == 60
    value = datetime(
        int(fields["year"]),
        int(fields["month"]),
        int(fields["day"]),
        hour,
        minute,
        59 if leap else second,
        micro,
        tzinfo=tz,
    )
    if leap:
        value = _after_leap_second(value)
    return value


def _after_leap_second(value: datetime) -> datetime:
    try:
        utc = value.astimezone(UTC)
        if (utc.hour, utc.minute) != (23, 59):
            raise ValueError("a leap second (:60) can only occur at 23:59:60 UTC")
        return value.replace(microsecond=0) + _ONE_SECOND
    except OverflowError:
        raise ValueError("date out of range") from None


def _offset(sign: str | None, hours: str | None, minutes: str | None) -> timezone:
    if sign is None or hours is None or minutes is None:
        return UTC
    h, m = int(hours), int(minutes)
    if h > 23 or m > 59:
        raise ValueError("time zone offset out of range")
    delta = timedelta(hours=h, minutes=m)
    return timezone(-delta if sign == "-" else delta) if delta else UTC


def format_datetime(value: datetime) -> str:
    """RFC 3339 text for an aware datetime: ``Z`` for UTC, else its ``+hh:mm`` offset.

    Fractions are written in milliseconds when exact (as JavaScript's ``toISOString`` does), else
    in microseconds; offsets finer than a minute (which RFC 3339 cannot write) become UTC.
    """
    offset = value.utcoffset()
    if offset is None:
        raise ValueError("datetime must be timezone-aware")
    if offset % timedelta(minutes=1):
        value, offset = value.astimezone(UTC), timedelta(0)
    text = (
        f"{value.year:04d}-{value.month:02d}-{value.day:02d}"
        f"T{value.hour:02d}:{value.minute:02d}:{value.second:02d}"
    )
    if value.microsecond % 1000 == 0 and value.microsecond:
        text += f".{value.microsecond // 1000:03d}"
    elif value.microsecond:
        text += f".{value.microsecond:06d}"
    if not offset:
        return text + "Z"
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(offset) // timedelta(minutes=1)
    return f"{text}{sign}{minutes // 60:02d}:{minutes % 60:02d}"
