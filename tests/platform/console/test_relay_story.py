"""A developer's relay page in Chromium: the app's relayed transactions with their status, one
transaction's receipt, the relay policy (a bad gas limit is refused next to its field and nothing
is saved), the webhook (an invalid URL refused, a valid one saved with its secret shown once, the
secret rotated after a confirmation) and its delivery log, filled by the real delivery job."""

from __future__ import annotations

import contextlib
import re
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from chainless.chain.models import RelayedTransaction, TxKind, TxState
from chainless.chain.relay import events
from chainless.platform.core.clock import utcnow
from chainless.platform.core.jobs import RetryJob
from chainless.platform.core.security import new_hex_id
from chainless.platform.core.services import Services
from chainless.platform.core.settings import ChainConfig, ChainEnvironment, Settings
from tests.chain.relay.support import WebhookReceiver, run
from tests.conftest import RecordingJobRunner
from tests.factories import last_email

pytestmark = pytest.mark.slow
PASSWORD = "correct horse battery staple"
SENDER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
TOKEN = "0x5FbDB2315678afecb367f032d93F642f64180aa3"


@pytest.fixture
def dead_rpc() -> Iterator[str]:
    """A port bound and never listening: the detail's ask for the receipt's logs is refused."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as held:
        held.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{held.getsockname()[1]}"


@pytest.fixture
def settings(settings: Settings, dead_rpc: str) -> Settings:
    chain = ChainConfig(chain_id=31337, rpc_urls=[dead_rpc], confirmations=1, rpc_timeout_seconds=1)
    return settings.model_copy(update={"chains": dict.fromkeys(ChainEnvironment, chain)})


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    found = WebhookReceiver()
    yield found
    found.close()


def _shoot(page: Any, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def _developer_with_app(api: Any, base: str, services: Services) -> str:
    email = "relay-dev@example.com"
    signed_up = api.post(
        f"{base}/api/v1/accounts",
        data={"email": email, "password": PASSWORD, "display_name": "Relay Dev"},
    )
    assert signed_up.status == 201, signed_up.text()
    token = re.search(r"verify-email\?token=([\w-]+)", last_email(services, email).body)
    assert token
    api.post(f"{base}/api/v1/accounts/verify-email", data={"token": token.group(1)})
    assert api.post(f"{base}/api/v1/auth/login", data={"email": email, "password": PASSWORD}).ok
    csrf = next(c["value"] for c in api.storage_state()["cookies"] if c["name"] == "chainless_csrf")
    created = api.post(
        f"{base}/api/v1/apps",
        headers={"X-CSRF-Token": csrf},
        data={"name": "Swapper", "redirect_uris": ["https://swapper.example/callback"]},
    )
    assert created.status == 201, created.text()
    return str(created.json()["app_id"])


def _relayed(services: Services, app_id: str, nonce: int, state: TxState, **fields: Any) -> str:
    """A transaction as the relay stores it, moved to ``state`` by the relay's own transition
    (which records the webhook event and sends its delivery job after the commit)."""
    tx_hash = "0x" + new_hex_id() + new_hex_id()
    error_code = fields.pop("error_code", None)
    now = utcnow()
    with services.transaction() as session:
        tx = RelayedTransaction(
            id=new_hex_id(),
            hash=tx_hash,
            kind=TxKind.USER,
            app_id=app_id,
            user_id=new_hex_id(),
            environment="dev",
            chain_id=31337,
            sender=SENDER,
            to_address=TOKEN,
            selector="0x095ea7b3",
            tx_type=2,
            nonce=nonce,
            value=0,
            gas_limit=100_000,
            max_fee_per_gas=20 * 10**9,
            max_priority_fee_per_gas=10**9,
            raw=b"\x02",
            state=TxState.SUBMITTED,
            submitted_at=now,
            created_at=now,
            **fields,
        )
        session.add(tx)
        session.flush()
        if state is not TxState.SUBMITTED:
            tx.mined_at = now
            events.transition(
                session, tx, state, now=now, required_confirmations=1, error_code=error_code
            )
    return tx_hash


MINED = {
    "block_number": 42,
    "block_hash": "0x" + "b1" * 32,
    "transaction_index": 0,
    "gas_used": 46_000,
    "effective_gas_price": 1_500_000_000,
    "confirmations": 1,
}


def test_relay_page(
    live_server: str,
    browser: Any,
    live_services: Services,
    receiver: WebhookReceiver,
    screenshots: Path,
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    app_id = _developer_with_app(context.request, live_server, live_services)
    relay_url = f"{live_server}/console/apps/{app_id}/relay"

    page.goto(relay_url)
    page.get_by_role("heading", name="Transaction relay").wait_for()
    page.get_by_text("No transactions relayed yet").wait_for()
    page.get_by_text("No webhook yet").wait_for()
    _shoot(page, screenshots, "relay-empty-1280")

    confirmed = _relayed(live_services, app_id, 0, TxState.CONFIRMED, receipt_status=1, **MINED)
    reverted = _relayed(
        live_services, app_id, 1, TxState.FAILED, receipt_status=0, error_code="reverted", **MINED
    )
    _relayed(live_services, app_id, 2, TxState.SUBMITTED)
    page.reload()
    table = page.get_by_role("table", name="Transactions")
    table.wait_for()
    rows = table.locator("tbody tr")
    assert rows.count() == 3
    assert "Submitted" in rows.nth(0).inner_text()  # newest first
    assert "Failed" in rows.nth(1).inner_text()
    assert "reverted" in rows.nth(1).inner_text()
    assert "Confirmed" in rows.nth(2).inner_text()
    assert "0.000069 ETH" in rows.nth(2).inner_text()  # 46,000 gas at 1.5 gwei
    page.get_by_label("Status", exact=True).select_option("failed")
    expect(rows).to_have_count(1)
    assert reverted[:6] in table.inner_text()
    page.get_by_label("Status", exact=True).select_option("")
    expect(rows).to_have_count(3)
    _shoot(page, screenshots, "relay-1280")

    page.get_by_role("link", name=f"Open transaction {confirmed}").click()
    page.get_by_role("heading", name="Relayed transaction").wait_for()
    assert page.get_by_test_id("tx-hash").inner_text() == confirmed
    receipt = page.get_by_role("region", name="Receipt")
    receipt.get_by_text("Succeeded").wait_for()
    assert "46000" in receipt.inner_text()
    assert "0x" + "b1" * 32 in receipt.inner_text()
    receipt.get_by_text("the chain's node did not answer").wait_for()
    _shoot(page, screenshots, "transaction-1280")
    page.set_viewport_size({"width": 375, "height": 812})
    _shoot(page, screenshots, "transaction-375")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("link", name="← All transactions").click()

    # the policy: a gas limit below 21,000 is refused next to its field, and nothing is saved
    page.get_by_role("button", name="Edit limits").click()
    form = page.get_by_role("form", name="Edit the relay policy")
    form.get_by_label("Largest gas limit per transaction").fill("100")
    form.get_by_role("button", name="Save limits").click()
    error = page.locator("#f-max_gas_limit-error")
    error.wait_for()
    assert "21000" in error.inner_text()
    assert (
        form.get_by_label("Largest gas limit per transaction").get_attribute("aria-invalid")
        == "true"
    )
    _shoot(page, screenshots, "relay-policy-error-1280")
    policy = context.request.get(f"{live_server}/api/v1/apps/{app_id}/relay/policy").json()
    assert policy["custom"] is False, "nothing is saved"
    form.get_by_label("Largest gas limit per transaction").fill("300000")
    form.get_by_role("button", name="Save limits").click()
    page.get_by_text("This app's own limits.").wait_for()
    assert (
        context.request.get(f"{live_server}/api/v1/apps/{app_id}/relay/policy").json()[
            "max_gas_limit"
        ]
        == 300_000
    )

    # the webhook: an invalid URL is refused, a valid one saved with its secret shown once
    hook = page.get_by_role("form", name="Webhook endpoint")
    hook.get_by_label("Endpoint URL").fill("ftp://hooks.example/x")
    hook.get_by_role("button", name="Set up webhook").click()
    page.locator("#f-url-error").wait_for()
    assert "absolute" in page.locator("#f-url-error").inner_text()
    missing = context.request.get(f"{live_server}/api/v1/apps/{app_id}/relay/webhook")
    assert missing.status == 404, "nothing is saved"
    hook.get_by_label("Endpoint URL").fill(receiver.url)
    hook.get_by_role("button", name="Set up webhook").click()
    first_secret = page.get_by_test_id("webhook-secret").inner_text()
    assert first_secret.startswith("whsec_")
    page.get_by_text("No events sent yet.").wait_for()

    page.get_by_role("button", name="Rotate signing secret").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_text("The current secret stops working at once").wait_for()
    dialog.get_by_role("button", name="Rotate signing secret").click()
    expect(page.get_by_test_id("webhook-secret")).not_to_have_text(first_secret)
    assert page.get_by_test_id("webhook-secret").inner_text().startswith("whsec_")

    # events from here on reach the endpoint through the real delivery job; one answer is a 500
    receiver.statuses = [200, 500]
    _relayed(live_services, app_id, 3, TxState.CONFIRMED, receipt_status=1, **MINED)
    _relayed(live_services, app_id, 4, TxState.DROPPED)
    jobs = live_services.job_runner
    assert isinstance(jobs, RecordingJobRunner)
    deliveries = [kwargs for name, kwargs in jobs.sent if name == "relay.deliver_webhook"]
    jobs.sent.clear()
    for kwargs in deliveries:
        with contextlib.suppress(RetryJob):  # the 500: recorded with its next try, not run again
            run(live_services, "relay.deliver_webhook", **kwargs)
    assert len(receiver.received) == 2
    page.reload()
    log = page.get_by_role("table", name="Delivery log")
    log.wait_for()
    text = log.inner_text()
    for shown in ("transaction.confirmed", "transaction.dropped", "Delivered", "Retrying", "500"):
        assert shown in text
    _shoot(page, screenshots, "relay-webhook-1280")

    page.set_viewport_size({"width": 375, "height": 812})
    _shoot(page, screenshots, "relay-375")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the page scrolls sideways at 375 px ({width} px)"
    page.evaluate("localStorage.setItem('chainless.console.locale', 'zh-CN')")
    page.reload()
    page.get_by_role("heading", name="交易中继").wait_for()
    page.get_by_role("table", name="投递记录").wait_for()
    _shoot(page, screenshots, "relay-zh-375")
    context.close()
