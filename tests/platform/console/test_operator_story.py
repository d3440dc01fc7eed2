"""A platform operator, in Chromium, through the console: approves a developer's qualification,
approves one submitted app and rejects another (an empty reason is refused next to the field),
finds an app by its developer's email, delists it (its user's token and its relay submissions are
refused at once, checked on the side through the API) and relists it. A platform_devops, who may
not review, gets the clear 403 page. The developer's and the wallet user's side go through the API.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from chainless.platform.core.permissions import Role
from tests.chain.relay.support import TX_URL, api_key
from tests.factories import PASSWORD, Actor, Factory, OnlineApp
from tests.oauth.wallet import TestWallet, tokens_for

pytestmark = pytest.mark.slow
DESKTOP, PHONE = {"width": 1280, "height": 900}, {"width": 375, "height": 812}
REDIRECT = "https://lantern.example/callback"


def _shoot(page: Any, folder: Path, name: str) -> None:
    """The page at 1280 and at 375 px (it must not scroll sideways there), back to 1280."""
    page.screenshot(path=str(folder / f"{name}-1280.png"), full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(folder / f"{name}-375.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"{name} scrolls sideways at 375 px ({width} px)"
    page.set_viewport_size(DESKTOP)


def _sign_in(browser: Any, base: str, email: str) -> tuple[Any, Any]:
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(f"{base}/console/sign-in")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Operations", exact=True).wait_for()
    return context, page


def _submitted_app(api: httpx.Client, developer: Actor, name: str) -> OnlineApp:
    """A confidential app with version 1.0.0 submitted for review (the developer's side)."""
    created = api.post(
        "/api/v1/apps",
        headers=developer.headers,
        json={
            "name": name,
            "description": f"{name}: swap tokens at the best price",
            "category": "defi",
            "redirect_uris": [REDIRECT],
            "requested_scopes": ["basic:address", "basic:user_id", "transaction:broadcast"],
        },
    )
    assert created.status_code == 201, created.text
    app_id = created.json()["app_id"]
    for path in ("versions", "submit"):
        sent = api.post(
            f"/api/v1/apps/{app_id}/{path}", headers=developer.headers, json={"version": "1.0.0"}
        )
        assert sent.status_code in (200, 201), sent.text
    return OnlineApp(app_id, created.json()["client_secret"], REDIRECT, developer)


def _queue_ids(api: httpx.Client, operator: Actor) -> list[str]:
    queue = api.get("/api/v1/admin/apps/review-queue", headers=operator.headers)
    return [entry["app"]["app_id"] for entry in queue.json()]


def test_operator_reviews_qualifications_and_apps_then_delists_and_relists(
    live_server: str, browser: Any, live_services: Any, screenshots: Path
) -> None:
    api = httpx.Client(base_url=live_server, timeout=30)
    factory = Factory(api, live_services)
    operator = factory.staff(Role.PLATFORM_OPERATOR)
    devops = factory.staff(Role.PLATFORM_DEVOPS)
    developer = factory.developer()
    qualified = api.post(
        "/api/v1/developer/qualification",
        headers=developer.headers,
        json={
            "organization_name": "Lantern Labs",
            "registration_number": "SG-2026-42",
            "country": "SG",
            "contact_name": "Lin",
        },
    )
    assert qualified.status_code == 201, qualified.text

    context, page = _sign_in(browser, live_server, operator.email)
    hub = page.locator("ul.hub")
    for card in ("App review", "Developer qualifications", "Apps and developers"):
        hub.get_by_role("link", name=card).wait_for()
    _shoot(page, screenshots, "hub")

    # the qualification
    hub.get_by_role("link", name="Developer qualifications").click()
    page.get_by_role("heading", name="Developer qualifications").wait_for()
    page.get_by_role("button", name="Review: Lantern Labs").click()
    detail = page.get_by_role("region", name="Qualification of Lantern Labs")
    detail.get_by_text("SG-2026-42").wait_for()
    _shoot(page, screenshots, "qualifications")
    detail.get_by_role("button", name="Approve").click()
    page.get_by_text("The qualification of Lantern Labs is approved.").first.wait_for()
    page.get_by_text("No qualifications with this status.").wait_for()
    mine = api.get("/api/v1/developer/qualification", headers=developer.headers).json()
    assert mine["status"] == "approved"

    # the review queue: one approved, one rejected (not without a reason)
    good = _submitted_app(api, developer, "Lantern Swap")
    bad = _submitted_app(api, developer, "Shady Airdrop")
    page.goto(f"{live_server}/console/operator/review")
    page.get_by_role("heading", name="App review queue").wait_for()
    page.get_by_role("row").filter(has_text="Shady Airdrop").get_by_text(developer.email).wait_for()
    page.get_by_role("button", name="Review: Shady Airdrop").click()
    detail = page.get_by_role("region", name="Details of Shady Airdrop")
    detail.get_by_text(REDIRECT).wait_for()
    detail.get_by_text("transaction:broadcast").wait_for()
    detail.get_by_text("No audited deployment yet.").wait_for()
    detail.get_by_role("button", name="Reject").click()
    error = page.locator("#f-review-reason-error")
    assert error.inner_text() == "Give the reason: the developer needs it to put things right."
    assert detail.get_by_label("Reason").get_attribute("aria-invalid") == "true"
    assert bad.app_id in _queue_ids(api, operator), "nothing was decided"
    _shoot(page, screenshots, "review-reason-error")
    detail.get_by_label("Reason").fill("The airdrop page asks for seed phrases.")
    detail.get_by_role("button", name="Reject").click()
    page.get_by_text("Shady Airdrop was rejected; the developer got your reason.").first.wait_for()
    assert page.get_by_role("row").filter(has_text="Shady Airdrop").count() == 0
    page.get_by_role("button", name="Review: Lantern Swap").click()
    page.get_by_role("region", name="Details of Lantern Swap").get_by_role(
        "button", name="Approve"
    ).click()
    page.get_by_text("Lantern Swap is approved and online.").first.wait_for()
    page.get_by_text("Nothing is waiting for review.").wait_for()
    _shoot(page, screenshots, "review-queue")
    assert _queue_ids(api, operator) == []
    versions = api.get(f"/api/v1/apps/{bad.app_id}/versions", headers=developer.headers).json()
    assert versions[0]["reason"] == "The airdrop page asks for seed phrases."

    # a wallet user authorizes the online app; its backend holds a relay key
    access = tokens_for(api, good, TestWallet(api))["access_token"]
    relay_key = api_key(api, good, "dev")
    introspected = api.post(
        "/oauth/introspect", data={"token": access}, auth=(good.app_id, good.client_secret)
    )
    assert introspected.json()["active"] is True

    # the lookup, then delisting (asked once) and relisting
    page.goto(f"{live_server}/console/operator")
    page.locator("ul.hub").get_by_role("link", name="Apps and developers").click()
    search = page.get_by_role("search")
    search.get_by_label("Search").fill("L")
    search.get_by_role("button", name="Search").click()
    page.locator("#f-q-error").wait_for()
    search.get_by_label("Search").fill(developer.email)
    search.get_by_role("button", name="Search").click()
    page.get_by_text("2 found").wait_for()
    _shoot(page, screenshots, "lookup")
    page.get_by_role("link", name="Lantern Swap").click()
    page.get_by_role("heading", name="Lantern Swap").wait_for()
    listing = page.get_by_role("region", name="Listing")
    listing.get_by_role("button", name="Delist").click()
    page.locator("#f-listing-reason-error").wait_for()  # a delisting needs a reason too
    listing.get_by_label("Reason").fill("Phishing reports from users.")
    listing.get_by_role("button", name="Delist").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_text("Delist Lantern Swap now?").wait_for()
    dialog.get_by_role("button", name="Delist").click()
    page.get_by_text("Lantern Swap is delisted. This took effect immediately").first.wait_for()
    page.get_by_text("Phishing reports from users.").wait_for()
    _shoot(page, screenshots, "app-delisted")

    # right after: the token endpoint family refuses the app, the relay refuses its submission
    refused = api.post(
        "/oauth/introspect", data={"token": access}, auth=(good.app_id, good.client_secret)
    )
    assert refused.status_code == 401, refused.text
    assert refused.json()["error_code"] == "app_delisted"
    submitted = api.post(
        TX_URL,
        json={"raw_transaction": "0x02"},
        headers={"X-API-Key": relay_key, "Authorization": f"Bearer {access}"},
    )
    assert submitted.status_code == 403, submitted.text
    assert submitted.json()["code"] == "app_delisted"

    listing.get_by_role("button", name="Relist").click()
    page.get_by_role("dialog").get_by_role("button", name="Relist").click()
    page.get_by_text("Lantern Swap is online again, effective immediately.").first.wait_for()
    listing.get_by_role("button", name="Delist").wait_for()
    page.reload()
    page.get_by_role("region", name="About this mini-program").get_by_text("Online").wait_for()
    assert api.get(f"/api/v1/apps/{good.app_id}", headers=operator.headers).json()["status"] == 2

    # a production deployment held back by high-impact audit findings: the operator lets it through
    from chainless.deployer.models import Deployment

    with live_services.transaction() as session:
        session.add(
            Deployment(
                id="b10c" * 8,
                app_id=good.app_id,
                environment="prod",
                repo_url="https://github.com/lantern/swap",
                ref="v1.0.0",
                trigger="api",
                requested_by=good.developer.id,
                status="failed",
                stage="audit",
                error_code="audit_blocked",
                error_detail="rating D: high-impact findings (reentrancy-eth) block production",
            )
        )
    page.reload()
    blocks = page.get_by_role("region", name="Deployments blocked by their audit")
    blocks.get_by_text("reentrancy-eth").wait_for()
    override = blocks.get_by_role("form", name="Override the audit of deployment b10cb10c")
    override.get_by_role("button", name="Override and deploy").click()
    override.get_by_text("Say why the findings are accepted.").wait_for()
    _shoot(page, screenshots, "audit-override-error")
    reason = override.get_by_label("Why the findings are accepted")
    reason.fill("False positive: guarded by a mutex.")
    override.get_by_role("button", name="Override and deploy").click()
    page.get_by_role("dialog").get_by_role("button", name="Override and deploy").click()
    blocks.get_by_text("No deployment of this app is blocked").wait_for()
    queued = api.get(
        f"/api/v1/apps/{good.app_id}/deployments/{'b10c' * 8}", headers=operator.headers
    )
    assert queued.json()["status"] == "queued", queued.text
    page.get_by_label("Language").select_option("zh-CN")
    page.get_by_role("heading", name="上架状态").wait_for()
    page.screenshot(path=str(screenshots / "app-zh-1280.png"), full_page=True)
    context.close()

    # platform_devops may look up apps but not review them
    context, page = _sign_in(browser, live_server, devops.email)
    cards = page.locator("ul.hub").get_by_role("link").all_inner_texts()
    titles = [card.splitlines()[0] for card in cards]
    assert "Apps and developers" in titles
    assert not {"App review", "Developer qualifications"} & set(titles), titles
    page.goto(f"{live_server}/console/operator/review")
    page.get_by_role("heading", name="Not allowed").wait_for()
    _shoot(page, screenshots, "review-forbidden")
    page.goto(f"{live_server}/console/operator/apps/{good.app_id}")
    page.get_by_text("Your role may look at apps but not delist or relist them.").wait_for()
    context.close()
    api.close()
