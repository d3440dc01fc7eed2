"""The one HTTP client for URLs a developer supplied: it cannot be pointed at the platform's own
network (server-side request forgery, OWASP SSRF Prevention Cheat Sheet).

Each request resolves the host itself, refuses it when any of its addresses is not public
(:func:`~chainless.platform.outbound.addresses.refusal`), and then connects to exactly the
address it checked: the URL is rewritten to that address while the ``Host`` header (RFC 9110
§7.2) and the TLS server name (RFC 6066 §3, which the certificate is verified against) keep the
original name. Nothing resolves the name a second time, so an answer that changes after the
check (DNS rebinding) reaches nothing. Redirects are never followed (their target was never
checked), proxies from the environment are ignored (a proxy would resolve again), the response
is read raw up to a byte cap, and the whole exchange has a deadline.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass

import httpx

from chainless.platform.core.settings import OutboundSettings
from chainless.platform.outbound.addresses import (
    HostError,
    IPAddress,
    is_localhost_name,
    literal_address,
    normalise_host,
    refusal,
)
from chainless.platform.outbound.resolver import Resolver, system_resolver

SCHEMES = frozenset({"http", "https"})
DEFAULT_PORTS = {"http": 80, "https": 443}
_SET_HERE = frozenset({"host", "accept-encoding"})  # always the URL's name; never compressed


class OutboundError(Exception):
    """The request was not made or did not complete; ``reason`` is a stable word for it."""

    reason = "failed"

    def __init__(self, message: str, *, reason: str | None = None) -> None:
        super().__init__(message)
        if reason is not None:
            self.reason = reason


class DestinationRefused(OutboundError):
    """Nothing was sent: the URL is malformed, its host does not resolve, or an address of it
    is not public (``invalid_url``, ``unresolvable``, ``address_refused``)."""

    reason = "address_refused"


class ResponseTooLarge(OutboundError):
    reason = "response_too_large"


class OutboundTimeout(OutboundError):
    reason = "timeout"


@dataclass(frozen=True)
class Destination:
    """A URL with the addresses it resolved to, all of them checked."""

    url: httpx.URL
    host: str  # normalised: lower case, no brackets, no trailing dot
    addresses: tuple[IPAddress, ...]

    @property
    def host_header(self) -> str:
        """``host[:port]`` as the URL has it, IDNA-encoded (RFC 9110 §7.2)."""
        return self.url.netloc.decode("ascii")


@dataclass(frozen=True)
class OutboundResponse:
    status_code: int
    headers: httpx.Headers
    body: bytes


class OutboundClient:
    def __init__(
        self,
        settings: OutboundSettings,
        *,
        resolver: Resolver = system_resolver,
        verify: ssl.SSLContext | bool = True,
    ) -> None:
        self.settings = settings
        self.resolver = resolver
        self.verify = verify

    @property
    def allow_private(self) -> bool:
        return bool(self.settings.allow_private)

    def destination(self, url: str) -> Destination:
        """Parse, resolve and check ``url``; used at registration as well as before each call."""
        try:
            parsed = httpx.URL(url)
        except (httpx.InvalidURL, TypeError, ValueError):
            raise DestinationRefused(f"{url!r} is not a valid URL", reason="invalid_url") from None
        if parsed.scheme not in SCHEMES or not parsed.host:
            raise DestinationRefused(
                f"{url!r} is not an absolute http or https URL", reason="invalid_url"
            )
        host = normalise_host(parsed.raw_host.decode("ascii"))  # IDNA-encoded
        try:
            literal = literal_address(host)
        except HostError as error:
            raise DestinationRefused(str(error), reason="invalid_url") from None
        if literal is not None:
            addresses = [literal]
        elif is_localhost_name(host) and not self.allow_private:
            raise DestinationRefused(f"{host} is loopback (RFC 6761)")
        else:
            addresses = self._resolve(host, parsed.port or DEFAULT_PORTS[parsed.scheme])
        if not self.allow_private:
            for address in addresses:
                why = refusal(address)
                if why is not None:
                    raise DestinationRefused(f"{host} is {address}: {why}")
        return Destination(url=parsed, host=host, addresses=tuple(addresses))

    def _resolve(self, host: str, port: int) -> list[IPAddress]:
        try:
            addresses = self.resolver(host, port)
        except (OSError, UnicodeError) as error:
            raise DestinationRefused(
                f"{host} does not resolve ({error})", reason="unresolvable"
            ) from None
        if not addresses:
            raise DestinationRefused(f"{host} has no address", reason="unresolvable")
        return addresses

    def post(
        self,
        url: str,
        *,
        content: bytes,
        headers: Mapping[str, str],
        timeout: float | None = None,
    ) -> OutboundResponse:
        return self.request("POST", url, content=content, headers=headers, timeout=timeout)

    def request(
        self,
        method: str,
        url: str,
        *,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
    ) -> OutboundResponse:
        """One exchange, at most ``timeout`` (capped by ``outbound.timeout_seconds``) long.

        The addresses are tried in the resolver's order until one accepts the connection.
        """
        seconds = min(timeout or self.settings.timeout_seconds, self.settings.timeout_seconds)
        deadline = time.monotonic() + seconds
        destination = self.destination(url)
        failure: Exception | None = None
        for address in destination.addresses:
            try:
                return self._exchange(
                    method, destination, address, content, headers or {}, deadline
                )
            except httpx.ConnectError as error:
                failure = error
            except httpx.TimeoutException:
                raise OutboundTimeout(
                    f"{destination.host} did not answer within {seconds}s"
                ) from None
            except httpx.HTTPError as error:
                raise OutboundError(f"{type(error).__name__}: {error}") from None
        raise OutboundError(f"cannot connect to {destination.host}: {failure}", reason="connect")

    def _exchange(
        self,
        method: str,
        destination: Destination,
        address: IPAddress,
        content: bytes | None,
        headers: Mapping[str, str],
        deadline: float,
    ) -> OutboundResponse:
        pinned = destination.url.copy_with(host=str(address))
        extensions = {}
        if destination.url.scheme == "https" and literal_address(destination.host) is None:
            extensions["sni_hostname"] = destination.host
        sent_headers = {
            **{k: v for k, v in headers.items() if k.lower() not in _SET_HERE},
            "Host": destination.host_header,
            "Accept-Encoding": "identity",  # the cap counts what arrives; nothing to inflate
        }
        timeout = httpx.Timeout(max(deadline - time.monotonic(), 0.001))
        transport = httpx.HTTPTransport(verify=self.verify, retries=0)
        with httpx.Client(
            transport=transport, follow_redirects=False, trust_env=False, timeout=timeout
        ) as client:
            request = client.build_request(
                method, pinned, content=content, headers=sent_headers, extensions=extensions
            )
            response = client.send(request, stream=True)
            try:
                body = self._read(response, destination, deadline)
            finally:
                response.close()
        return OutboundResponse(response.status_code, response.headers, body)

    def _read(self, response: httpx.Response, destination: Destination, deadline: float) -> bytes:
        cap = self.settings.max_response_bytes
        received = bytearray()
        for chunk in response.iter_raw():
            received += chunk
            if len(received) > cap:
                raise ResponseTooLarge(f"{destination.host} answered more than {cap} bytes")
            if time.monotonic() > deadline:
                raise OutboundTimeout(f"{destination.host} took too long to answer")
        return bytes(received)
