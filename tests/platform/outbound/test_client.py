"""The guarded client for developer-supplied URLs: no non-public address in any spelling, the
checked address is the one connected to, no redirect followed, answers capped in size and time."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from chainless.platform.core.settings import OutboundSettings
from chainless.platform.outbound import (
    DestinationRefused,
    OutboundClient,
    OutboundTimeout,
    ResponseTooLarge,
    system_resolver,
)
from tests.platform.outbound.support import (
    PUBLIC_V4,
    RecordingServer,
    Reply,
    ScriptedResolver,
    self_signed,
)

pytestmark = pytest.mark.portable

STRICT = OutboundSettings(allow_private=False)
LOCAL = OutboundSettings(allow_private=True, max_response_bytes=4096, timeout_seconds=5)

# Every spelling a resolver or the kernel reads as a non-public address (issue 12, item 2).
LITERAL_BYPASSES = [
    "http://0x7f000001/",  # hex: 127.0.0.1
    "http://2130706433/",  # one decimal number: 127.0.0.1
    "http://127.1/",  # short form: 127.0.0.1
    "http://0177.0.0.1/",  # octal: 127.0.0.1
    "http://0x7f.1/",
    "http://127.0.0.1./",  # trailing dot
    "http://localhost./",
    "http://LOCALHOST/",
    "http://api.localhost/",
    "http://0.0.0.0/",
    "http://0/",
    "http://10.1.2.3/",
    "http://172.16.0.1/",
    "http://192.168.1.1/",
    "http://100.64.0.1/",  # carrier-grade NAT
    "http://169.254.169.254/latest/meta-data/",  # cloud metadata
    "http://224.0.0.1/",  # multicast (is_global says True)
    "http://255.255.255.255/",
    "http://[::1]/",
    "http://[::]/",
    "http://[::ffff:127.0.0.1]/",  # IPv4-mapped
    "http://[::ffff:a9fe:a9fe]/",  # mapped metadata, hex spelling
    "http://[::127.0.0.1]/",  # IPv4-compatible (deprecated)
    "http://[64:ff9b::a9fe:a9fe]/",  # NAT64 of the metadata address (is_global says True)
    "http://[2002:7f00:1::]/",  # 6to4 of 127.0.0.1 (is_global says True)
    "http://[fd00:ec2::254]/",  # unique-local (AWS's IPv6 metadata)
    "http://[fe80::1]/",
    "http://[ff02::1]/",
]


@pytest.fixture
def server() -> Iterator[RecordingServer]:
    found = RecordingServer()
    yield found
    found.close()


@pytest.mark.parametrize("url", LITERAL_BYPASSES)
def test_no_spelling_of_a_non_public_address_is_called(url: str) -> None:
    resolver = ScriptedResolver({})
    client = OutboundClient(STRICT, resolver=resolver)
    with pytest.raises(DestinationRefused) as refused:
        client.post(url, content=b"{}", headers={})
    # httpx itself refuses a dotted quad with leading zeros (0177.0.0.1) as an invalid URL
    assert refused.value.reason in {"address_refused", "invalid_url"}
    assert resolver.calls == []  # literals are read here, the way inet_aton reads them


@pytest.mark.parametrize("url", ["http://0x7f000001/", "http://127.1/", "http://localhost./"])
def test_the_system_resolver_agrees_on_those_spellings(url: str) -> None:
    with pytest.raises(DestinationRefused):
        OutboundClient(STRICT, resolver=system_resolver).destination(url)


@pytest.mark.parametrize(
    "answer",
    [
        ["10.0.0.5"],
        ["100.64.0.1"],
        ["169.254.169.254"],
        ["::ffff:127.0.0.1"],
        ["fc00::1"],
        [PUBLIC_V4, "127.0.0.1"],  # one bad address among good ones is enough
    ],
)
def test_a_name_resolving_to_a_non_public_address_is_refused(answer: list[str]) -> None:
    client = OutboundClient(STRICT, resolver=ScriptedResolver({"hooks.example": [answer]}))
    with pytest.raises(DestinationRefused) as refused:
        client.destination("https://hooks.example/x")
    assert refused.value.reason == "address_refused"


@pytest.mark.parametrize(
    "url", ["http://1.2.3.4.5/", "http://example.123/", "http://1.0x1g.1/", "ftp://hooks.example/"]
)
def test_hosts_no_resolver_would_read_are_invalid(url: str) -> None:
    with pytest.raises(DestinationRefused) as refused:
        OutboundClient(STRICT, resolver=ScriptedResolver({})).destination(url)
    assert refused.value.reason == "invalid_url"


def test_public_addresses_and_names_pass() -> None:
    resolver = ScriptedResolver({"hooks.example": [[PUBLIC_V4, "2606:2800:21f:cb07::1"]]})
    client = OutboundClient(STRICT, resolver=resolver)
    assert [str(a) for a in client.destination("https://Hooks.Example./x").addresses] == [
        PUBLIC_V4,
        "2606:2800:21f:cb07::1",
    ]
    assert resolver.calls == [("hooks.example", 443)]
    for url in (f"https://{PUBLIC_V4}/", "https://[::ffff:93.184.215.14]/"):
        client.destination(url)
    unresolvable = OutboundClient(STRICT, resolver=ScriptedResolver({}))
    with pytest.raises(DestinationRefused) as refused:
        unresolvable.destination("https://nowhere.example/")
    assert refused.value.reason == "unresolvable"


def test_a_name_rebound_after_the_check_reaches_nothing(server: RecordingServer) -> None:
    resolver = ScriptedResolver({"rebind.example": [[PUBLIC_V4], ["127.0.0.1"]]})
    client = OutboundClient(STRICT, resolver=resolver)
    url = server.url("rebind.example")
    client.destination(url)  # at registration: public
    with pytest.raises(DestinationRefused):
        client.post(url, content=b"{}", headers={})  # at connect time: loopback
    assert server.received == []
    assert len(resolver.calls) == 2


def test_the_connection_goes_to_the_address_that_was_checked(server: RecordingServer) -> None:
    """Resolved once per request; a second lookup would have said 127.0.0.2, where nothing
    listens. The Host header keeps the name."""
    resolver = ScriptedResolver({"pinned.example": [["127.0.0.1"], ["127.0.0.2"]]})
    client = OutboundClient(LOCAL, resolver=resolver)
    headers = {"X-A": "1", "host": "other.example"}  # the Host is always the URL's
    response = client.post(server.url("pinned.example"), content=b"hi", headers=headers)
    assert response.status_code == 200
    assert len(resolver.calls) == 1
    (received,) = server.received
    assert received.headers["host"] == f"pinned.example:{server.port}"
    assert (received.method, received.path, received.body) == ("POST", "/hook", b"hi")
    assert received.headers["x-a"] == "1"


def test_tls_is_verified_for_the_name_while_connected_to_the_address(tmp_path: Path) -> None:
    server_tls, client_tls = self_signed("hooks.example", tmp_path)
    tls_server = RecordingServer(tls=server_tls)
    try:
        resolver = ScriptedResolver({"hooks.example": [["127.0.0.1"]]})
        client = OutboundClient(LOCAL, resolver=resolver, verify=client_tls)
        url = tls_server.url("hooks.example", scheme="https")
        assert client.post(url, content=b"{}", headers={}).status_code == 200
        assert tls_server.server_names == ["hooks.example"]  # the server name sent (SNI)
        assert tls_server.received[0].headers["host"] == f"hooks.example:{tls_server.port}"
    finally:
        tls_server.close()


def test_redirects_are_not_followed(server: RecordingServer) -> None:
    target = RecordingServer()
    try:
        server.reply = Reply(status=307, headers={"Location": target.url()})
        response = OutboundClient(LOCAL).post(server.url(), content=b"{}", headers={})
        assert response.status_code == 307
        assert target.received == []
    finally:
        target.close()


def test_an_answer_over_the_size_cap_fails(server: RecordingServer) -> None:
    server.reply = Reply(body=b"x" * 5000)
    with pytest.raises(ResponseTooLarge):
        OutboundClient(LOCAL).post(server.url(), content=b"{}", headers={})
    server.reply = Reply(body=b"x" * 4000)
    assert OutboundClient(LOCAL).post(server.url(), content=b"", headers={}).body == b"x" * 4000


def test_a_silent_server_times_out(server: RecordingServer) -> None:
    server.reply = Reply(delay_seconds=3)
    started = time.monotonic()
    with pytest.raises(OutboundTimeout):
        OutboundClient(LOCAL).post(server.url(), content=b"{}", headers={}, timeout=0.3)
    assert time.monotonic() - started < 1.5


def test_a_dripping_answer_is_cut_at_the_deadline(server: RecordingServer) -> None:
    server.reply = Reply(body=b"x" * 100, drip_seconds=0.05)  # 5 s in all, a byte at a time
    started = time.monotonic()
    with pytest.raises(OutboundTimeout):
        OutboundClient(LOCAL).post(server.url(), content=b"{}", headers={}, timeout=0.5)
    assert time.monotonic() - started < 1.5


def test_a_proxy_from_the_environment_is_not_used(
    server: RecordingServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A proxy would resolve the name again, after the check."""
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("ALL_PROXY", "http://127.0.0.1:9")
    assert OutboundClient(LOCAL).post(server.url(), content=b"", headers={}).status_code == 200


def test_international_names_are_resolved_and_sent_in_their_ascii_form(
    server: RecordingServer,
) -> None:
    resolver = ScriptedResolver({"xn--bcher-kva.example": [["127.0.0.1"]]})
    client = OutboundClient(LOCAL, resolver=resolver)
    assert client.post(server.url("bücher.example"), content=b"", headers={}).status_code == 200
    assert resolver.calls == [("xn--bcher-kva.example", server.port)]
    assert server.received[0].headers["host"] == f"xn--bcher-kva.example:{server.port}"
