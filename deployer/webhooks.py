"""GitHub webhooks: signature check, delivery de-duplication, and what a push asks for.

GitHub signs each delivery's raw body with HMAC-SHA256 under the webhook's secret and sends
``X-Hub-Signature-256: sha256=<hex>`` (GitHub docs, "Validating webhook deliveries"); the
comparison is constant-time. GitHub redelivers on timeouts and lets people redeliver by hand, so
``X-GitHub-Delivery`` (a GUID, the same on every redelivery) is checked here and recorded by the
deployments feature (``webhook_deliveries``, in the transaction that creates the deployment), and
a second sight of it does nothing. Each app's secret is derived from the platform key and the
app id, so nothing secret is stored and rotating the platform key rotates every webhook secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from typing import Any, Literal

from chainless.platform.core.errors import AppError, BadRequest

SIGNATURE_HEADER = "X-Hub-Signature-256"
EVENT_HEADER = "X-GitHub-Event"
DELIVERY_HEADER = "X-GitHub-Delivery"
ZERO_SHA = "0" * 40
_DELIVERY_ID = re.compile(r"^[0-9A-Za-z-]{1,64}$")
_SHA = re.compile(r"^[0-9a-f]{40}$")


class WebhookRejected(AppError):
    status, code, title = 401, "webhook_signature_invalid", "Webhook signature invalid"


def webhook_secret(platform_key: str, app_id: str, generation: int = 0) -> str:
    """The secret a developer pastes into GitHub's webhook form for ``app_id``.

    ``generation`` lets one app's secret be replaced without touching the platform key.
    """
    message = f"chainless:github-webhook:{app_id}:{generation}".encode()
    digest = hmac.new(platform_key.encode(), message, hashlib.sha256).digest()
    return "whsec_" + base64.urlsafe_b64encode(digest).decode().rstrip("=")


def signature(secret: str, body: bytes) -> str:
    """The ``X-Hub-Signature-256`` value GitHub sends for ``body``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify_signature(secret: str, body: bytes, header: str | None) -> None:
    """Accept the delivery only if its signature is ours, comparing in constant time."""
    if not header:
        raise WebhookRejected(
            f"the delivery has no {SIGNATURE_HEADER} header; set the webhook's secret",
            code="webhook_signature_missing",
        )
    expected = signature(secret, body).encode()
    if not hmac.compare_digest(expected, header.strip().encode()):
        raise WebhookRejected("the delivery's signature does not match the webhook secret")


def check_delivery_id(delivery_id: str | None) -> str:
    if not delivery_id or not _DELIVERY_ID.match(delivery_id):
        raise BadRequest(
            f"the delivery has no valid {DELIVERY_HEADER} header", code="webhook_delivery_invalid"
        )
    return delivery_id


# -- what a delivery asks for ---------------------------------------------------------------


@dataclass(frozen=True)
class PushEvent:
    repo_full_name: str
    repo_url: str
    ref: str  # refs/heads/main, refs/tags/v1.0.0
    kind: Literal["branch", "tag"]
    name: str  # main, v1.0.0
    commit_sha: str
    pusher: str


@dataclass(frozen=True)
class Decision:
    """``deploy`` with the push to deploy, or ``ignore`` with the reason shown to GitHub."""

    action: Literal["deploy", "ignore"]
    reason: str
    push: PushEvent | None = None


def _payload(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("the delivery is not JSON", code="webhook_payload_invalid") from None
    if not isinstance(data, dict):
        raise BadRequest("the delivery is not a JSON object", code="webhook_payload_invalid")
    return data


def decide(event: str | None, body: bytes) -> Decision:
    """Only pushes of a branch or tag deploy; pings, deletions and other events are noted."""
    if event == "ping":
        return Decision("ignore", "ping received")
    if event != "push":
        return Decision("ignore", f"{event or 'unnamed'} events do not deploy")
    data = _payload(body)
    ref, after = data.get("ref"), data.get("after")
    repo = data.get("repository") or {}
    if not isinstance(ref, str) or not isinstance(after, str) or not isinstance(repo, dict):
        raise BadRequest("the push has no ref, after or repository", code="webhook_payload_invalid")
    if data.get("deleted") or after == ZERO_SHA:
        return Decision("ignore", f"{ref} was deleted")
    if not _SHA.match(after):
        raise BadRequest("the push's after is not a commit SHA", code="webhook_payload_invalid")
    if ref.startswith("refs/heads/"):
        kind: Literal["branch", "tag"] = "branch"
    elif ref.startswith("refs/tags/"):
        kind = "tag"
    else:
        return Decision("ignore", f"{ref} is neither a branch nor a tag")
    pusher = data.get("pusher") or {}
    push = PushEvent(
        repo_full_name=str(repo.get("full_name", "")),
        repo_url=str(repo.get("html_url", "")),
        ref=ref,
        kind=kind,
        name=ref.split("/", 2)[2],
        commit_sha=after,
        pusher=str(pusher.get("name", "")) if isinstance(pusher, dict) else "",
    )
    return Decision("deploy", f"push of {kind} {push.name}", push)


def same_repository(push: PushEvent, repo_url: str) -> bool:
    """The push comes from the repository registered for the app (owner/name, any case)."""
    path = repo_url.split("://", 1)[-1].split("/", 1)[-1].removesuffix(".git").strip("/")
    return bool(push.repo_full_name) and path.lower() == push.repo_full_name.lower()
