"""GitHub webhook deliveries: signatures, replays, and which pushes deploy."""

from __future__ import annotations

import hmac
import json
from typing import Any

import pytest

from chainless.deployer import webhooks
from chainless.deployer.webhooks import (
    WebhookRejected,
    check_delivery_id,
    decide,
    same_repository,
    signature,
    verify_signature,
    webhook_secret,
)
from chainless.platform.core.errors import BadRequest

SHA = "6dcb09b5b57875f334f61aebed695e2e4193db5e"


def _push(ref: str = "refs/heads/main", after: str = SHA, **extra: Any) -> bytes:
    payload = {
        "ref": ref,
        "before": "0" * 40,
        "after": after,
        "deleted": False,
        "repository": {"full_name": "Dev/Greeter", "html_url": "https://github.com/Dev/Greeter"},
        "pusher": {"name": "dev"},
        **extra,
    }
    return json.dumps(payload).encode()


@pytest.mark.portable
def test_githubs_documented_example_verifies() -> None:
    """The test vector of GitHub's "Validating webhook deliveries" page."""
    secret, body = "It's a Secret to Everybody", b"Hello, World!"
    expected = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    assert signature(secret, body) == expected
    verify_signature(secret, body, expected)


@pytest.mark.portable
@pytest.mark.parametrize(
    ("header", "code"),
    [
        (None, "webhook_signature_missing"),
        ("", "webhook_signature_missing"),
        ("sha256=" + "0" * 64, "webhook_signature_invalid"),
        ("sha1=757107ea0eb2509fc211221cce984b8a37570b6d", "webhook_signature_invalid"),
        (
            "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
            "webhook_signature_invalid",
        ),
    ],
)
def test_missing_or_wrong_signatures_are_refused(header: str | None, code: str) -> None:
    with pytest.raises(WebhookRejected) as caught:
        verify_signature("It's a Secret to Everybody", b"Hello, World!", header)
    assert (caught.value.status, caught.value.code) == (401, code)


@pytest.mark.portable
def test_a_tampered_body_or_another_secret_fails() -> None:
    body = _push()
    good = signature("secret-a", body)
    with pytest.raises(WebhookRejected):
        verify_signature("secret-a", body.replace(b"main", b"prod"), good)
    with pytest.raises(WebhookRejected):
        verify_signature("secret-b", body, good)


@pytest.mark.portable
def test_the_comparison_is_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(webhooks.hmac, "compare_digest", spy)
    body = b"{}"
    verify_signature("s", body, signature("s", body))
    assert len(calls) == 1


@pytest.mark.portable
def test_each_app_has_its_own_derived_secret() -> None:
    first = webhook_secret("platform-key", "app_1")
    assert first == webhook_secret("platform-key", "app_1")
    assert first.startswith("whsec_")
    assert first != webhook_secret("platform-key", "app_2")
    assert first != webhook_secret("other-key", "app_1")
    assert first != webhook_secret("platform-key", "app_1", generation=1)


@pytest.mark.portable
def test_pushes_of_branches_and_tags_deploy() -> None:
    branch = decide("push", _push())
    assert branch.action == "deploy"
    assert branch.push is not None
    assert (branch.push.kind, branch.push.name, branch.push.commit_sha) == ("branch", "main", SHA)
    tag = decide("push", _push("refs/tags/v1.2.0"))
    assert tag.push is not None
    assert (tag.push.kind, tag.push.name) == ("tag", "v1.2.0")
    nested = decide("push", _push("refs/heads/feature/login"))
    assert nested.push is not None
    assert nested.push.name == "feature/login"


@pytest.mark.portable
@pytest.mark.parametrize(
    ("event", "body", "reason"),
    [
        ("ping", b'{"zen": "Keep it logically awesome."}', "ping received"),
        ("issues", b"{}", "issues events do not deploy"),
        ("push", _push(after="0" * 40, deleted=True), "refs/heads/main was deleted"),
        ("push", _push("refs/pull/1/head"), "neither a branch nor a tag"),
    ],
)
def test_other_deliveries_are_acknowledged_without_deploying(
    event: str, body: bytes, reason: str
) -> None:
    decision = decide(event, body)
    assert decision.action == "ignore"
    assert reason in decision.reason


@pytest.mark.portable
@pytest.mark.parametrize(
    "body", [b"not json", b"[]", _push(after="HEAD"), json.dumps({"ref": 1}).encode()]
)
def test_malformed_pushes_are_bad_requests(body: bytes) -> None:
    with pytest.raises(BadRequest) as caught:
        decide("push", body)
    assert caught.value.code == "webhook_payload_invalid"


@pytest.mark.portable
def test_a_push_must_come_from_the_registered_repository() -> None:
    push = decide("push", _push()).push
    assert push is not None
    assert same_repository(push, "https://github.com/dev/greeter")
    assert same_repository(push, "https://github.com/Dev/Greeter.git")
    assert not same_repository(push, "https://github.com/dev/other")


@pytest.mark.portable
def test_delivery_ids_are_checked() -> None:
    assert check_delivery_id("72d3162e-cc78-11e3-81ab-4c9367dc0958")
    for bad in (None, "", "x" * 65, "a b", "../../x"):
        with pytest.raises(BadRequest):
            check_delivery_id(bad)
