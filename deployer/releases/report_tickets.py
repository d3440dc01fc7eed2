"""Report tickets: proof that a client report is about a canary load the entry route served.

The entry route hands a ticket to each user it sends to a canary release; the report of that load
must carry it. A ticket is ``v1.<payload>.<mac>`` (base64url): the payload names the release and
holds a random nonce and the time of issue; the MAC is HMAC-SHA256 over the app, the environment
and the payload, under a key derived from the platform secret (compared in constant time).

The reports endpoint counts a ticket once (its nonce is remembered for the ticket's lifetime), as
one load and at most one error, so no client can claim a thousand failed loads in one request:
every counted report costs an entry request, and those are rate limited per IP.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass

VERSION = "v1"
LIFETIME_SECONDS = 24 * 3600  # a wallet reports a load within the day, or never
_PURPOSE = b"chainless/release-report-ticket/v1"


class TicketRefused(ValueError):
    """Not a ticket this platform issued for this app and environment, expired, or malformed."""


@dataclass(frozen=True)
class Ticket:
    release_id: str
    nonce: str
    issued_at: int


def _key(secret_key: str) -> bytes:
    return hmac.new(secret_key.encode(), _PURPOSE, hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret_key: str, app_id: str, environment: str, payload: str) -> bytes:
    message = f"{VERSION}.{app_id}.{environment}.{payload}".encode()
    return hmac.new(_key(secret_key), message, hashlib.sha256).digest()


def issue(
    secret_key: str, app_id: str, environment: str, release_id: str, now: float | None = None
) -> str:
    """A ticket for one load of ``release_id`` (bound to the app and environment)."""
    body = {
        "r": release_id,
        "n": secrets.token_urlsafe(12),
        "t": int(time.time() if now is None else now),
    }
    payload = _b64(json.dumps(body, separators=(",", ":")).encode())
    return f"{VERSION}.{payload}.{_b64(_mac(secret_key, app_id, environment, payload))}"


def verify(
    secret_key: str, app_id: str, environment: str, ticket: str, now: float | None = None
) -> Ticket:
    parts = ticket.split(".")
    if len(parts) != 3 or parts[0] != VERSION:
        raise TicketRefused("not a report ticket")
    _, payload, mac = parts
    try:
        given = _unb64(mac)
    except ValueError:
        raise TicketRefused("not a report ticket") from None
    if not hmac.compare_digest(given, _mac(secret_key, app_id, environment, payload)):
        raise TicketRefused("not issued for this app and environment")
    try:
        body = json.loads(_unb64(payload))
        found = Ticket(str(body["r"]), str(body["n"]), int(body["t"]))
    except (ValueError, KeyError, TypeError):
        raise TicketRefused("not a report ticket") from None
    age = (time.time() if now is None else now) - found.issued_at
    if not 0 <= age + 60 <= LIFETIME_SECONDS + 60:  # a minute of clock skew between api hosts
        raise TicketRefused("expired")
    return found
