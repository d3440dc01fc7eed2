"""The app backend's side of the transaction relay: submit what the user signed, read its state,
and check that a status webhook really comes from the platform.

Every submission carries two credentials: the app's API key (``X-API-Key``, scope
``transaction:write``) and the user's OAuth access token (``Authorization: Bearer``, RFC 6750,
scope ``transaction:broadcast``). A refusal is an RFC 9457 problem document whose ``code`` names
the rule broken; it is raised as :class:`RelayError` with that code.

Webhooks are signed ``v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`` over the exact body
bytes; :func:`verify_webhook` checks the signature in constant time and refuses stale timestamps
(replays).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from typing import Any

import httpx

from chainless_sdk.errors import RelayError, WebhookInvalid

TRANSACTIONS = "/api/v1/relay/transactions"
SPONSORED = "/api/v1/relay/sponsored"
WEBHOOK_TOLERANCE_SECONDS = 300


class RelayClient:
    """One app's client of the relay in one environment (its API key chooses it); thread-safe."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        http: httpx.Client | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._api_key = api_key
        self._http = http or httpx.Client(timeout=timeout)

    def submit(self, raw_transaction: str, access_token: str) -> dict[str, Any]:
        """Broadcast a transaction the user signed (0x-hex). Answers the record (state
        ``received``; the same record again when this transaction was submitted before)."""
        return self._call("POST", TRANSACTIONS, access_token, {"raw_transaction": raw_transaction})

    def submit_sponsored(
        self, request: Mapping[str, Any], signature: str, access_token: str
    ) -> dict[str, Any]:
        """Send a user's EIP-712 ``ForwardRequest`` (ERC-2771) for the platform to pay its gas
        from the app's budget; quantities may be ints, they travel as decimal strings."""
        wire = {
            key: str(value) if isinstance(value, int) else value for key, value in request.items()
        }
        return self._call(
            "POST", SPONSORED, access_token, {"request": wire, "signature": signature}
        )

    def transaction(self, tx_hash: str) -> dict[str, Any]:
        """The record of a transaction of this app, by any hash sent for it (a replaced
        attempt's included); ``hash`` is the final one once mined, ``attempts`` lists all."""
        return self._call("GET", f"{TRANSACTIONS}/{tx_hash}", None, None)

    def _call(
        self, method: str, path: str, access_token: str | None, body: dict[str, Any] | None
    ) -> dict[str, Any]:
        headers = {"X-API-Key": self._api_key}
        if access_token is not None:
            headers["Authorization"] = f"Bearer {access_token}"
        response = self._http.request(method, self.base_url + path, json=body, headers=headers)
        if response.is_success:
            answer: dict[str, Any] = response.json()
            return answer
        raise _problem(response)

    def close(self) -> None:
        self._http.close()


def _problem(response: httpx.Response) -> RelayError:
    try:
        problem = response.json()
    except ValueError:
        problem = {}
    if not isinstance(problem, dict):
        problem = {}
    code = str(problem.get("code") or f"http_{response.status_code}")
    return RelayError(code, str(problem.get("detail") or ""), response.status_code, problem)


def verify_webhook(
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    tolerance_seconds: int = WEBHOOK_TOLERANCE_SECONDS,
    now: float | None = None,
) -> dict[str, Any]:
    """The event of a status webhook whose signature and timestamp check out.

    ``headers`` as received (any case); ``body`` the raw bytes, before any JSON parsing.
    Deduplicate on the event ``id``: a retry carries the same one. Raises
    :class:`WebhookInvalid` with ``reason`` ``missing_headers``, ``bad_timestamp``, ``stale``,
    ``bad_signature`` or ``malformed``.
    """
    lowered = {k.lower(): v for k, v in headers.items()}
    stamp = lowered.get("chainless-webhook-timestamp")
    signature = lowered.get("chainless-webhook-signature")
    if not stamp or not signature:
        raise WebhookInvalid("missing_headers", "the Chainless-Webhook-* headers are missing")
    try:
        sent = int(stamp)
    except ValueError:
        raise WebhookInvalid("bad_timestamp", f"not unix seconds: {stamp!r}") from None
    current = time.time() if now is None else now
    if abs(current - sent) > tolerance_seconds:
        raise WebhookInvalid("stale", f"signed at {sent}, {int(current - sent)} s away from now")
    expected = hmac.new(secret.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    offered = [part.strip() for part in signature.split(",")]
    if not any(hmac.compare_digest(part, "v1=" + expected) for part in offered):
        raise WebhookInvalid("bad_signature", "the signature does not match this secret")
    try:
        event = json.loads(body)
    except ValueError:
        raise WebhookInvalid("malformed", "the body is not JSON") from None
    if not isinstance(event, dict) or "id" not in event or "type" not in event:
        raise WebhookInvalid("malformed", "not a Chainless event")
    if lowered.get("chainless-webhook-id", event["id"]) != event["id"]:
        raise WebhookInvalid("malformed", "the Chainless-Webhook-Id header is not the event's")
    return event
