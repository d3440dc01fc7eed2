"""EIP-4361 messages: parsing exactly by the ABNF, rendering byte for byte, building, nonces."""

from __future__ import annotations

import dataclasses
import random
import string
import time
from datetime import UTC, datetime, timedelta, timezone

import pytest

from chainless.oauth.siwe import SiweMessage, SiweParseError, generate_nonce, parse

pytestmark = pytest.mark.portable

ADDRESS = "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2"
STATEMENT = "I accept the ExampleOrg Terms of Service: https://example.com/tos"
RESOURCES = (
    "ipfs://bafybeiemxf5abjwjbikoz4mc3a3dla6ual3jsgpdr4cjr3oz3evfyavhwq/",
    "https://example.com/my-web2-claim.json",
)


def eip_example(origin: str) -> str:
    """The EIP-4361 "Examples" message, with the origin the example varies."""
    return "\n".join(
        [
            f"{origin} wants you to sign in with your Ethereum account:",
            ADDRESS,
            "",
            STATEMENT,
            "",
            "URI: https://example.com/login",
            "Version: 1",
            "Chain ID: 1",
            "Nonce: 32891756",
            "Issued At: 2021-09-30T16:25:24Z",
            "Resources:",
            f"- {RESOURCES[0]}",
            f"- {RESOURCES[1]}",
        ]
    )


EXAMPLE = eip_example("example.com")

MINIMAL = """example.com wants you to sign in with your Ethereum account:
0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2


URI: https://example.com/login
Version: 1
Chain ID: 1
Nonce: 32891756
Issued At: 2021-09-30T16:25:24Z"""

FULL = """https://example.com:8443 wants you to sign in with your Ethereum account:
0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2

Sign in: ok? [yes] (it's free) & fast; #1 ~ 100 sure! a=b, c*d+e/f @home

URI: https://example.com/login?next=%2Fhome#top
Version: 1
Chain ID: 137
Nonce: abcDEF123456
Issued At: 2021-09-30T16:25:24.5+08:00
Expiration Time: 2021-10-01T00:00:00z
Not Before: 2021-09-30t08:00:00-00:00
Request ID: req-1:a@b%20c
Resources:
- urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66
- http://[2001:db8::7]:80/c=GB?objectClass?one"""


# -- the EIP's examples and round trips -------------------------------------------------------


@pytest.mark.parametrize(
    ("origin", "scheme", "domain"),
    [
        ("example.com", None, "example.com"),
        ("example.com:3388", None, "example.com:3388"),
        ("https://example.com", "https", "example.com"),
    ],
)
def test_the_eips_examples_parse_into_their_fields(
    origin: str, scheme: str | None, domain: str
) -> None:
    text = eip_example(origin)
    message = parse(text)
    assert message == SiweMessage(
        scheme=scheme,
        domain=domain,
        address=ADDRESS,
        statement=STATEMENT,
        uri="https://example.com/login",
        version="1",
        chain_id=1,
        nonce="32891756",
        issued_at=datetime(2021, 9, 30, 16, 25, 24, tzinfo=UTC),
        resources=RESOURCES,
    )
    assert message.to_text() == text
    assert parse(message.to_text()) == message


def test_a_constructed_message_renders_the_eips_example_byte_for_byte() -> None:
    message = SiweMessage(
        domain="example.com",
        address=ADDRESS,
        statement=STATEMENT,
        uri="https://example.com/login",
        chain_id=1,
        nonce="32891756",
        issued_at=datetime(2021, 9, 30, 16, 25, 24, tzinfo=UTC),
        resources=RESOURCES,
    )
    assert message.to_text() == EXAMPLE


def test_without_a_statement_two_blank_lines_follow_the_address() -> None:
    message = parse(MINIMAL)
    assert message.statement is None
    assert message.resources is None
    assert message.expiration_time is None
    assert message.not_before is None
    assert message.request_id is None
    assert message.to_text() == MINIMAL
    assert dataclasses.replace(message, nonce="87654321").to_text() == MINIMAL.replace(
        "32891756", "87654321"
    )


def test_an_empty_statement_is_kept_apart_from_no_statement() -> None:
    text = MINIMAL.replace(f"{ADDRESS}\n\n\n", f"{ADDRESS}\n\n\n\n")
    message = parse(text)
    assert message.statement == ""
    assert message.to_text() == text
    assert dataclasses.replace(message, statement=None).to_text() == MINIMAL


def test_every_optional_field_round_trips() -> None:
    message = parse(FULL)
    assert message.scheme == "https"
    assert message.domain == "example.com:8443"
    assert message.statement is not None
    assert message.statement.startswith("Sign in: ok?")
    assert message.uri == "https://example.com/login?next=%2Fhome#top"
    assert message.chain_id == 137
    assert message.request_id == "req-1:a@b%20c"
    assert message.resources == (
        "urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66",
        "http://[2001:db8::7]:80/c=GB?objectClass?one",
    )
    assert message.to_text() == FULL
    rendered = dataclasses.replace(message).to_text()  # rendered from the fields, not the source
    assert rendered != FULL
    assert parse(rendered) == message


def test_an_empty_resources_list_and_an_empty_request_id_are_kept() -> None:
    text = MINIMAL + "\nRequest ID: \nResources:"
    message = parse(text)
    assert message.request_id == ""
    assert message.resources == ()
    assert message.to_text() == text
    assert dataclasses.replace(message).to_text() == text


# -- timestamps (RFC 3339) ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "instant", "offset"),
    [
        ("2021-09-30T16:25:24Z", datetime(2021, 9, 30, 16, 25, 24, tzinfo=UTC), timedelta(0)),
        ("2021-09-30t16:25:24z", datetime(2021, 9, 30, 16, 25, 24, tzinfo=UTC), timedelta(0)),
        ("2021-10-01T00:25:24+08:00", datetime(2021, 9, 30, 16, 25, 24, tzinfo=UTC), None),
        ("2021-09-30T11:55:24-04:30", datetime(2021, 9, 30, 16, 25, 24, tzinfo=UTC), None),
        ("2021-09-30T16:25:24+00:00", datetime(2021, 9, 30, 16, 25, 24, tzinfo=UTC), timedelta(0)),
        ("2021-09-30T16:25:24-00:00", datetime(2021, 9, 30, 16, 25, 24, tzinfo=UTC), timedelta(0)),
        ("2021-09-30T16:25:24.5Z", datetime(2021, 9, 30, 16, 25, 24, 500000, tzinfo=UTC), None),
        (
            "2021-09-30T16:25:24.123456789Z",
            datetime(2021, 9, 30, 16, 25, 24, 123456, tzinfo=UTC),
            None,
        ),
        ("2016-12-31T23:59:60Z", datetime(2017, 1, 1, tzinfo=UTC), None),
    ],
)
def test_issued_at_is_an_aware_datetime_and_keeps_its_spelling(
    written: str, instant: datetime, offset: timedelta | None
) -> None:
    text = MINIMAL.replace("2021-09-30T16:25:24Z", written)
    message = parse(text)
    assert message.issued_at == instant
    assert message.issued_at.tzinfo is not None
    if offset is not None:
        assert message.issued_at.utcoffset() == offset
    assert message.to_text() == text
    assert parse(dataclasses.replace(message).to_text()) == message


def test_the_written_offset_is_kept() -> None:
    message = parse(MINIMAL.replace("2021-09-30T16:25:24Z", "2021-10-01T00:25:24+08:00"))
    assert message.issued_at.utcoffset() == timedelta(hours=8)
    assert (message.issued_at.hour, message.issued_at.day) == (0, 1)
    assert "Issued At: 2021-10-01T00:25:24+08:00" in dataclasses.replace(message).to_text()


@pytest.mark.parametrize(
    "issued_at",
    [
        datetime(2024, 2, 29, 12, 0, tzinfo=UTC),
        datetime(2024, 2, 29, 12, 0, 0, 250000, tzinfo=UTC),
        datetime(2024, 2, 29, 12, 0, 0, 1, tzinfo=timezone(timedelta(hours=8))),
        datetime(2024, 2, 29, 12, 0, tzinfo=timezone(timedelta(hours=-9, minutes=-30))),
        datetime(2024, 2, 29, 12, 0, tzinfo=timezone(timedelta(seconds=5))),
    ],
)
def test_rendered_timestamps_parse_back_to_the_same_instant(issued_at: datetime) -> None:
    message = SiweMessage.prepare(
        domain="example.com",
        address=ADDRESS,
        uri="https://example.com/login",
        chain_id=1,
        issued_at=issued_at,
    )
    assert parse(message.to_text()) == message
    assert parse(message.to_text()).issued_at == issued_at


# -- parse failures ---------------------------------------------------------------------------


def _swap(text: str, old: str, new: str) -> str:
    assert old in text
    return text.replace(old, new, 1)


PARSE_FAILURES = [
    ("", "line 1: expected '<domain> wants you to sign in with your Ethereum account:'"),
    (
        _swap(EXAMPLE, "example.com wants", "example.com  wants"),
        "line 1: domain 'example.com ' is not an RFC 3986 authority",
    ),
    (
        _swap(EXAMPLE, "example.com wants", "1https://example.com wants"),
        "line 1: '1https' is not an RFC 3986 URI scheme",
    ),
    (
        _swap(EXAMPLE, "wants you to sign in", "wants you to log in"),
        "line 1: expected '<domain> wants you to sign in with your Ethereum account:'",
    ),
    (
        _swap(EXAMPLE, ADDRESS, ADDRESS[:-1]),
        "line 2: expected an address: '0x' followed by 40 hex digits",
    ),
    (
        _swap(EXAMPLE, ADDRESS, ADDRESS.lower()),
        f"line 2: address is not EIP-55 checksummed (expected {ADDRESS})",
    ),
    (
        _swap(EXAMPLE, ADDRESS, "0x" + ADDRESS[2:].upper()),
        f"line 2: address is not EIP-55 checksummed (expected {ADDRESS})",
    ),
    (
        _swap(EXAMPLE, ADDRESS, ADDRESS.replace("C02a", "c02a")),
        f"line 2: address is not EIP-55 checksummed (expected {ADDRESS})",
    ),
    (
        _swap(EXAMPLE, f"{ADDRESS}\n\n", f"{ADDRESS}\n"),
        "line 3: expected a blank line after the address",
    ),
    (
        _swap(EXAMPLE, "I accept the", "I accept\nthe"),
        "line 5: statement must not contain a newline",
    ),
    (
        _swap(EXAMPLE, "I accept the", 'I "accept" the'),
        "line 4: statement contains '\"' at column 3; EIP-4361 allows only RFC 3986 reserved"
        " and unreserved characters and spaces",
    ),
    (
        _swap(EXAMPLE, "I accept the", "I accépt the"),
        "line 4: statement contains 'é' at column 6; EIP-4361 allows only RFC 3986 reserved"
        " and unreserved characters and spaces",
    ),
    (
        _swap(EXAMPLE, "/tos\n\nURI", "/tos\nURI"),
        "line 5: expected a blank line between the statement and 'URI: '",
    ),
    (
        _swap(MINIMAL, f"{ADDRESS}\n\n\n", f"{ADDRESS}\n\n"),
        "line 4: expected a blank line; without a statement EIP-4361 puts two blank lines"
        " between the address and 'URI: '",
    ),
    (
        _swap(EXAMPLE, "URI: https://example.com/login", "URI: example.com"),
        "line 6: expected 'URI: <RFC 3986 URI>'",
    ),
    (_swap(EXAMPLE, "URI: ", "Uri: "), "line 6: unknown field 'Uri'"),
    (
        _swap(EXAMPLE, "Version: 1", "Version: 2"),
        "line 7: unsupported version '2'; EIP-4361 defines only 'Version: 1'",
    ),
    (_swap(EXAMPLE, "Version: 1", "Version: one"), "line 7: expected 'Version: 1'"),
    (_swap(EXAMPLE, "Chain ID: 1", "Chain ID: one"), "line 8: expected 'Chain ID: <integer>'"),
    (_swap(EXAMPLE, "Chain ID: 1", "Chain ID:1"), "line 8: expected 'Chain ID: <integer>'"),
    (_swap(EXAMPLE, "Chain ID: 1", "Chain ID: -1"), "line 8: expected 'Chain ID: <integer>'"),
    (_swap(EXAMPLE, "Chain ID: 1", "Chain ID: \u0661"), "line 8: expected 'Chain ID: <integer>'"),
    (
        _swap(EXAMPLE, "Chain ID: 1", f"Chain ID: {2**256}"),
        "line 8: chain ID must be at most 2**256 - 1 (EIP-155)",
    ),
    (_swap(EXAMPLE, "Chain ID: 1", "Foo: bar"), "line 8: unknown field 'Foo'"),
    (
        _swap(EXAMPLE, "Chain ID: 1\nNonce: 32891756", "Nonce: 32891756\nChain ID: 1"),
        "line 8: fields out of order: 'Nonce' must come after 'Chain ID'",
    ),
    (
        _swap(EXAMPLE, "Chain ID: 1\n", ""),
        "line 8: expected 'Chain ID: <integer>', found 'Nonce'",
    ),
    (
        _swap(EXAMPLE, "Chain ID: 1", "Chain ID: 1\nChain ID: 1"),
        "line 9: duplicate field 'Chain ID'",
    ),
    (
        _swap(EXAMPLE, "Nonce: 32891756", "Nonce: 1234567"),
        "line 9: expected 'Nonce: <at least 8 letters or digits>'",
    ),
    (
        _swap(EXAMPLE, "Nonce: 32891756", "Nonce: 12345-678"),
        "line 9: expected 'Nonce: <at least 8 letters or digits>'",
    ),
    (
        _swap(EXAMPLE, "2021-09-30T16:25:24Z", "2021-09-30 16:25:24Z"),
        "line 10: expected 'Issued At: <RFC 3339 date-time>': not an RFC 3339 date-time such as"
        " 2021-09-30T16:25:24Z",
    ),
    (
        _swap(EXAMPLE, "2021-09-30T16:25:24Z", "2021-09-30T16:25:24"),
        "line 10: expected 'Issued At: <RFC 3339 date-time>': not an RFC 3339 date-time such as"
        " 2021-09-30T16:25:24Z",
    ),
    (
        _swap(EXAMPLE, "2021-09-30T16:25:24Z", "2021-02-30T16:25:24Z"),
        "line 10: expected 'Issued At: <RFC 3339 date-time>': day is out of range for month",
    ),
    (
        _swap(EXAMPLE, "2021-09-30T16:25:24Z", "2021-09-30T24:25:24Z"),
        "line 10: expected 'Issued At: <RFC 3339 date-time>': time of day out of range",
    ),
    (
        _swap(EXAMPLE, "2021-09-30T16:25:24Z", "2021-09-30T16:25:60Z"),
        "line 10: expected 'Issued At: <RFC 3339 date-time>': a leap second (:60) can only occur"
        " at 23:59:60 UTC",
    ),
    (
        _swap(EXAMPLE, "2021-09-30T16:25:24Z", "2021-09-30T16:25:24+24:00"),
        "line 10: expected 'Issued At: <RFC 3339 date-time>': time zone offset out of range",
    ),
    (
        _swap(EXAMPLE, "Issued At: 2021-09-30T16:25:24Z\n", ""),
        "line 10: expected 'Issued At: <RFC 3339 date-time>', found 'Resources'",
    ),
    (
        MINIMAL.rsplit("\n", 2)[0],
        "line 8: unexpected end of message; expected 'Nonce: <at least 8 letters or digits>'",
    ),
    (
        MINIMAL + "\nExpiration Time: soon",
        "line 10: expected 'Expiration Time: <RFC 3339 date-time>': not an RFC 3339 date-time"
        " such as 2021-09-30T16:25:24Z",
    ),
    (
        MINIMAL + "\nNot Before:2021-09-30T16:25:24Z",
        "line 10: expected 'Not Before: <RFC 3339 date-time>'",
    ),
    (MINIMAL + "\nRequest ID: a b", "line 10: expected 'Request ID: <RFC 3986 pchar characters>'"),
    (MINIMAL + "\nResources: none", "line 10: expected 'Resources:'"),
    (
        MINIMAL + "\nRequest ID: 1\nExpiration Time: 2021-10-30T16:25:24Z",
        "line 11: fields out of order: 'Expiration Time' must come before 'Request ID'",
    ),
    (
        EXAMPLE + "\nRequest ID: 1",
        "line 14: fields out of order: 'Request ID' must come before 'Resources'",
    ),
    (MINIMAL + "\nRequest ID: 1\nRequest ID: 2", "line 11: duplicate field 'Request ID'"),
    (MINIMAL + "\nNonce: 12345678", "line 10: duplicate field 'Nonce'"),
    (MINIMAL + "\nFoo: bar", "line 10: unknown field 'Foo'"),
    (EXAMPLE + "\n- not a uri", "line 14: expected '- <RFC 3986 URI>'"),
    (EXAMPLE + "\n-https://example.com", "line 14: expected '- <RFC 3986 URI>'"),
    (EXAMPLE + "\n", "line 14: trailing data: a blank line or newline after the last field"),
    (MINIMAL + "\n", "line 10: trailing data: a blank line or newline after the last field"),
    (MINIMAL + "\nthanks", "line 10: trailing data after the last field"),
    (
        EXAMPLE.replace("\n", "\r\n"),
        "line 1: carriage return found; EIP-4361 lines end with LF only",
    ),
    (
        _swap(MINIMAL, "Nonce: 32891756", "Nonce: 32891756\r"),
        "line 8: carriage return found; EIP-4361 lines end with LF only",
    ),
]


@pytest.mark.parametrize(("text", "error"), PARSE_FAILURES)
def test_malformed_messages_are_rejected_with_the_line_and_the_reason(
    text: str, error: str
) -> None:
    with pytest.raises(SiweParseError) as caught:
        parse(text)
    assert str(caught.value) == error
    assert caught.value.line == int(error.split(":")[0].removeprefix("line "))
    assert error.endswith(caught.value.reason)


def test_parse_takes_text_only() -> None:
    with pytest.raises(TypeError):
        parse(EXAMPLE.encode())  # type: ignore[arg-type]


def test_hostile_input_is_rejected_in_linear_time() -> None:
    """No regular expression here backtracks more than linearly on a long near-miss."""
    near_misses = [
        "a" * 200_000 + "^ wants you to sign in with your Ethereum account:",
        "https://" + "a:" * 100_000 + "^ wants you to sign in with your Ethereum account:",
        MINIMAL.replace("URI: https://example.com/login", "URI: https://" + "a@" * 100_000),
        MINIMAL.replace("URI: https://example.com/login", "URI: a:" + "/a" * 100_000 + "^"),
        MINIMAL.replace("URI: https://example.com/login", "URI: a:" + "%a" * 100_000),
        MINIMAL + "\nRequest ID: " + "%0" * 100_000 + "^",
        MINIMAL.replace("Nonce: 32891756", "Nonce: " + "a" * 200_000 + "-"),
    ]
    for text in near_misses:
        started = time.perf_counter()
        with pytest.raises(SiweParseError):
            parse(text)
        assert time.perf_counter() - started < 0.5


def test_a_long_resource_list_parses() -> None:
    resources = [f"https://example.com/r/{index}" for index in range(20_000)]
    text = MINIMAL + "\nResources:\n" + "\n".join(f"- {uri}" for uri in resources)
    started = time.perf_counter()
    message = parse(text)
    assert time.perf_counter() - started < 2.0
    assert message.resources == tuple(resources)


# -- URIs and authorities (RFC 3986) -------------------------------------------------------------


@pytest.mark.parametrize(
    "domain",
    [
        "localhost",
        "localhost:3000",
        "sub.example.co.uk",
        "127.0.0.1:8080",
        "[::1]:443",
        "[2001:db8::1]",
        "[::ffff:192.0.2.1]",
        "[v1.fe80::a+en1]",
        "user:pw@example.com",
        "xn--bcher-kva.example",
        "ex%41mple.com",
    ],
)
def test_domains_are_rfc_3986_authorities(domain: str) -> None:
    text = _swap(EXAMPLE, "example.com wants", f"{domain} wants")
    assert parse(text).domain == domain


@pytest.mark.parametrize(
    "domain",
    ["exa mple.com", "[::1", "[1:2:3:4:5:6:7:8:9]", "[::1::2]", "example.com:80a", "exa%4mple.com"],
)
def test_other_domains_are_rejected(domain: str) -> None:
    with pytest.raises(SiweParseError, match=r"^line 1: domain .* is not an RFC 3986 authority$"):
        parse(_swap(EXAMPLE, "example.com wants", f"{domain} wants"))


@pytest.mark.parametrize(
    ("origin", "error"),
    [
        ("", "domain is empty; EIP-4361 requires the RFC 3986 authority asking for the sign-in"),
        (
            "https://",
            "domain is empty; EIP-4361 requires the RFC 3986 authority asking for the sign-in",
        ),
        (":8080", "domain ':8080' has no host"),
        ("user@", "domain 'user@' has no host"),
        ("https://user@:443", "domain 'user@:443' has no host"),
    ],
)
def test_a_domain_must_name_a_host(origin: str, error: str) -> None:
    """EIP-4361: the domain is the authority asking for the sign-in; RFC 3986 lets its
    ``reg-name`` be empty, but a domain without a host names no site to compare."""
    with pytest.raises(SiweParseError) as caught:
        parse(_swap(EXAMPLE, "example.com wants", f"{origin} wants"))
    assert str(caught.value) == f"line 1: {error}"
    domain = origin.partition("://")[2] if "://" in origin else origin
    with pytest.raises(SiweParseError) as built:
        SiweMessage(**{**VALID_FIELDS, "domain": domain})  # type: ignore[arg-type]
    assert str(built.value) == error


@pytest.mark.parametrize(
    ("old", "new", "error"),
    [
        (ADDRESS, "", "line 2: expected an address: '0x' followed by 40 hex digits"),
        ("URI: https://example.com/login", "URI: ", "line 5: expected 'URI: <RFC 3986 URI>'"),
        ("Version: 1", "Version: ", "line 6: expected 'Version: 1'"),
        ("Chain ID: 1", "Chain ID: ", "line 7: expected 'Chain ID: <integer>'"),
        (
            "Nonce: 32891756",
            "Nonce: ",
            "line 8: expected 'Nonce: <at least 8 letters or digits>'",
        ),
        (
            "Issued At: 2021-09-30T16:25:24Z",
            "Issued At: ",
            "line 9: expected 'Issued At: <RFC 3339 date-time>': not an RFC 3339 date-time"
            " such as 2021-09-30T16:25:24Z",
        ),
    ],
    ids=["address", "uri", "version", "chain-id", "nonce", "issued-at"],
)
def test_no_required_field_may_be_empty(old: str, new: str, error: str) -> None:
    """EIP-4361 ABNF: ``address``, ``URI``, ``version``, ``chain-id`` (1*DIGIT), ``nonce``
    (8*ALPHANUM) and ``issued-at`` (date-time) have no empty form; ``statement``,
    ``request-id`` and ``resources`` do, and stay accepted."""
    with pytest.raises(SiweParseError) as caught:
        parse(_swap(MINIMAL, old, new))
    assert str(caught.value) == error


@pytest.mark.parametrize(
    "uri",
    [
        "https://example.com",
        "https://example.com/",
        "http://127.0.0.1:8080/a/b;c=d?e=f&g#h",
        "did:pkh:eip155:1:0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2",
        "mailto:alice@example.com",
        "urn:isbn:0451450523",
        "file:///etc/hosts",
        "a:",
    ],
)
def test_uris_follow_rfc_3986(uri: str) -> None:
    assert parse(_swap(MINIMAL, "URI: https://example.com/login", f"URI: {uri}")).uri == uri


@pytest.mark.parametrize(
    "uri",
    ["/login", "example.com/login", "https://exa mple.com", "https://example.com/%zz", "h_s://x"],
)
def test_relative_or_invalid_uris_are_rejected(uri: str) -> None:
    with pytest.raises(SiweParseError, match=r"^line 5: expected 'URI: <RFC 3986 URI>'$"):
        parse(_swap(MINIMAL, "URI: https://example.com/login", f"URI: {uri}"))


# -- building messages ----------------------------------------------------------------------------


def test_prepare_fills_in_the_nonce_and_the_time_and_checksums_the_address() -> None:
    before = datetime.now(UTC)
    message = SiweMessage.prepare(
        domain="example.com",
        address=ADDRESS.lower(),
        uri="https://example.com/login",
        chain_id=1,
        statement=STATEMENT,
        expires_in=timedelta(minutes=10),
        resources=iter(RESOURCES),
    )
    assert message.address == ADDRESS
    assert len(message.nonce) >= 16
    assert before <= message.issued_at <= datetime.now(UTC)
    assert message.expiration_time == message.issued_at + timedelta(minutes=10)
    assert message.resources == RESOURCES
    assert message.version == "1"
    assert parse(message.to_text()) == message


def test_prepare_rejects_a_statement_with_a_newline() -> None:
    with pytest.raises(SiweParseError, match=r"^statement must not contain a newline$") as caught:
        SiweMessage.prepare(
            domain="example.com",
            address=ADDRESS,
            uri="https://example.com/login",
            chain_id=1,
            statement="line one\nline two",
        )
    assert caught.value.line is None


def test_prepare_takes_one_expiry() -> None:
    with pytest.raises(ValueError, match="not both"):
        SiweMessage.prepare(
            domain="example.com",
            address=ADDRESS,
            uri="https://example.com/login",
            chain_id=1,
            expires_in=timedelta(minutes=1),
            expiration_time=datetime.now(UTC),
        )


VALID_FIELDS: dict[str, object] = {
    "domain": "example.com",
    "address": ADDRESS,
    "uri": "https://example.com/login",
    "chain_id": 1,
    "nonce": "32891756",
    "issued_at": datetime(2021, 9, 30, 16, 25, 24, tzinfo=UTC),
}


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"address": ADDRESS.lower()}, "address is not EIP-55 checksummed"),
        ({"address": "0x1234"}, "address must be '0x' followed by 40 hex digits"),
        (
            {"domain": "https://example.com"},
            "domain 'https://example.com' is not an RFC 3986 authority",
        ),
        ({"scheme": "ht tp"}, "scheme 'ht tp' is not an RFC 3986 scheme"),
        (
            {"statement": "tab\there"},
            "statement contains '\\t' at column 4; EIP-4361 allows only RFC 3986 reserved and"
            " unreserved characters and spaces",
        ),
        ({"uri": "/login"}, "uri '/login' is not an RFC 3986 URI"),
        ({"version": "v1"}, "version must be a string of digits"),
        ({"chain_id": True}, "chain_id must be an integer from 0 to 2**256 - 1 (EIP-155)"),
        ({"chain_id": -1}, "chain_id must be an integer from 0 to 2**256 - 1 (EIP-155)"),
        ({"nonce": "short"}, "nonce must be at least 8 ASCII letters or digits"),
        ({"issued_at": datetime(2021, 9, 30)}, "issued_at must be a timezone-aware datetime"),
        ({"not_before": "2021-09-30T16:25:24Z"}, "not_before must be a timezone-aware datetime"),
        ({"request_id": "a b"}, "request_id must consist of RFC 3986 pchar characters"),
        ({"resources": ("https://ok", "not a uri")}, "resource 'not a uri' is not an RFC 3986 URI"),
    ],
)
def test_the_constructor_validates_every_field(change: dict[str, object], error: str) -> None:
    with pytest.raises(SiweParseError) as caught:
        SiweMessage(**{**VALID_FIELDS, **change})  # type: ignore[arg-type]
    assert str(caught.value) == error


def test_resources_given_as_a_list_become_a_tuple() -> None:
    message = SiweMessage(**VALID_FIELDS, resources=list(RESOURCES))  # type: ignore[arg-type]
    assert message.resources == RESOURCES
    assert hash(message) == hash(parse(message.to_text()))


def test_messages_are_frozen() -> None:
    message = parse(EXAMPLE)
    with pytest.raises(dataclasses.FrozenInstanceError):
        message.nonce = "12345678"  # type: ignore[misc]


def test_random_messages_round_trip() -> None:
    rng = random.Random(4361)
    alphabet = string.ascii_letters + string.digits + " -._~:/?#[]@!$&'()*+,;="
    for _ in range(300):
        offset = timezone(timedelta(minutes=rng.randrange(-23 * 60, 24 * 60)))
        issued = datetime(2020, 1, 1, tzinfo=UTC) + timedelta(microseconds=rng.randrange(10**15))
        message = SiweMessage.prepare(
            scheme=rng.choice([None, "https", "http"]),
            domain=rng.choice(["example.com", "localhost:3000", "[::1]:8080"]),
            address="0x" + rng.randbytes(20).hex(),
            uri=rng.choice(["https://example.com/login", "urn:x:y", "did:pkh:eip155:1:0x0"]),
            chain_id=rng.randrange(2**64),
            statement=rng.choice([None, "", "".join(rng.choices(alphabet, k=rng.randrange(80)))]),
            nonce=generate_nonce(rng.randrange(16, 40)),
            issued_at=issued.astimezone(offset),
            expires_in=rng.choice([None, timedelta(seconds=rng.randrange(1, 10**6))]),
            not_before=rng.choice([None, issued]),
            request_id=rng.choice([None, "", "abc:123@x"]),
            resources=rng.choice([None, (), RESOURCES[: rng.randrange(3)]]),
        )
        text = message.to_text()
        assert parse(text) == message
        assert parse(text).to_text() == text


# -- nonces ---------------------------------------------------------------------------------------


def test_nonces_are_long_random_and_alphanumeric() -> None:
    nonces = {generate_nonce() for _ in range(1000)}
    assert len(nonces) == 1000
    for nonce in nonces:
        assert len(nonce) >= 16
        assert nonce.isascii()
        assert nonce.isalnum()
    assert len(generate_nonce(32)) == 32
    with pytest.raises(ValueError, match="at least 16"):
        generate_nonce(15)
