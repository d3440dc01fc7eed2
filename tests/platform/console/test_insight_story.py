"""An operator, in Chromium, reads the platform: the overview's counts, the alerts at 75, 85 and
95 (resolving one moves it to the resolved list), and the audit log searched by action, by app
and by a time range (which excludes them), with the search in the address; an end before the
start is refused in words. A platform_tech account may not open these pages.

What is read is arranged beforehand through the API (an app approved by a review decision, then
delisted and relisted; an app and a qualification waiting) and the real services (alerts through
``raise_alert``, relayed transactions as the relay records them)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from chainless.chain.models.relay import RelayedTransaction
from chainless.platform import assembly
from chainless.platform.admin import create_staff
from chainless.platform.alerts.service import Level, raise_alert
from chainless.platform.core.clock import utcnow
from chainless.platform.core.permissions import Role
from tests.factories import PASSWORD, Factory, online_app

pytestmark = pytest.mark.slow


def _shoot(page: Any, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def _minute(moment: Any) -> str:
    return str(moment.strftime("%Y-%m-%dT%H:%M"))


def _tx(app_id: str, kind: str, state: str = "confirmed") -> RelayedTransaction:
    return RelayedTransaction(
        id=uuid.uuid4().hex,
        hash="0x" + uuid.uuid4().hex * 2,
        kind=kind,
        app_id=app_id,
        user_id="wallet-user",
        environment="test",
        chain_id=31337,
        sender="0x" + "2" * 40,
        tx_type=2,
        nonce=0,
        value=0,
        gas_limit=21000,
        max_fee_per_gas=1,
        raw=b"\x02",
        state=state,
    )


@pytest.fixture
def http(live_server: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_server, timeout=10) as client:
        yield client


def _arrange(http: httpx.Client, services: Any) -> dict[str, str]:
    """The activity the pages show, through the API and the services; the operator's email."""
    factory = Factory(http, services)
    app = online_app(factory)  # created, submitted and approved by a review decision
    operator = factory.operator()
    delisted = http.post(
        f"/api/v1/admin/apps/{app.app_id}/delist",
        headers=operator.headers,
        json={"reason": "phishing reports"},
    )
    assert delisted.status_code == 200, delisted.text
    relisted = http.post(
        f"/api/v1/admin/apps/{app.app_id}/relist",
        headers=operator.headers,
        json={"reason": "fixed"},
    )
    assert relisted.status_code == 200, relisted.text
    waiting = http.post("/api/v1/apps", headers=app.developer.headers, json={
        "name": "Queue Me", "description": "waits", "category": "tools",
        "redirect_uris": ["https://queue.example.com/cb"], "requested_scopes": ["basic:address"],
    })  # fmt: skip
    assert waiting.status_code == 201, waiting.text
    waiting_id = waiting.json()["app_id"]
    for path, body in (("versions", {"version": "1.0.0"}), ("submit", {"version": "1.0.0"})):
        done = http.post(
            f"/api/v1/apps/{waiting_id}/{path}", headers=app.developer.headers, json=body
        )
        assert done.status_code in (200, 201), done.text
    newcomer = factory.developer()
    qualification = http.post("/api/v1/developer/qualification", headers=newcomer.headers, json={
        "organization_name": "Newcomer Ltd", "registration_number": "N-1", "country": "CN",
        "contact_name": "Wang",
    })  # fmt: skip
    assert qualification.status_code == 201, qualification.text
    with services.transaction() as session:
        for level, kind in ((Level.WARNING, "relay.failure_rate"), (Level.SEVERE, "gas.budget"),
                            (Level.URGENT, "relayer.balance")):  # fmt: skip
            raise_alert(session, kind=kind, subject=f"app:{app.app_id}", app_id=app.app_id,
                        summary=f"{kind} at {int(level)} %", level=level)  # fmt: skip
        session.add_all([_tx(app.app_id, "user"), _tx(app.app_id, "user"),
                         _tx(app.app_id, "user", "failed"), _tx(app.app_id, "sponsored"),
                         _tx(app.app_id, "sponsored")])  # fmt: skip
        email = f"ops-{uuid.uuid4().hex[:8]}@example.com"
        create_staff(session, services.settings, services.hasher, email=email, password=PASSWORD)
        tech = f"tech-{uuid.uuid4().hex[:8]}@example.com"
        create_staff(session, services.settings, services.hasher, email=tech, password=PASSWORD,
                     roles=(Role.PLATFORM_TECH,))  # fmt: skip
    return {"app": app.app_id, "operator": email, "tech": tech}


def _sign_in(page: Any, base: str, email: str) -> None:
    page.goto(f"{base}/console/sign-in")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name=re.compile("Operations")).wait_for()


def test_an_operator_reads_the_overview_alerts_and_audit_log(
    live_server: str, browser: Any, live_services: Any, http: httpx.Client, screenshots: Path
) -> None:
    started = utcnow()
    # What the api does when it starts (the live server runs without a lifespan): the chain
    # hands the overview its reader of the relay's volume.
    assembly.start(live_services)
    arranged = _arrange(http, live_services)
    app_id = arranged["app"]
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    _sign_in(page, live_server, arranged["operator"])
    cards = page.locator(".hub-card strong").all_inner_texts()
    assert {"Platform overview", "Alerts", "Audit log"} <= set(cards)

    # the overview: the arranged counts, and the chart's table of every day
    page.get_by_role("link", name=re.compile("Platform overview")).click()
    page.get_by_role("heading", name="Platform overview").wait_for()
    page.get_by_test_id("apps-online").wait_for()
    assert page.get_by_test_id("apps-online").inner_text() == "1"
    assert page.get_by_test_id("apps-in_review").inner_text() == "1"
    assert page.get_by_test_id("apps-delisted").inner_text() == "0"
    assert page.get_by_test_id("apps-waiting").inner_text() == "1"
    assert page.get_by_test_id("quals-waiting").inner_text() == "1"
    assert page.get_by_text(re.compile(r"Oldest has waited")).count() == 2
    assert page.get_by_test_id("relay-sponsored").inner_text() == "2"
    assert page.get_by_test_id("relay-self-paid").inner_text() == "3"
    assert page.get_by_test_id("relay-failed").inner_text() == "1"
    chart = page.get_by_role("img", name=re.compile("2 sponsored, 3 self-paid, 1 failed"))
    chart.wait_for()
    page.get_by_text("Every day as a table").click()
    assert page.locator(".relay-table tbody tr").count() == 14
    _shoot(page, screenshots, "overview-1280")

    # alerts: the three levels; resolving one (asked once) moves it to the resolved list
    page.goto(f"{live_server}/console/operator/alerts")
    page.get_by_role("heading", name="Alerts").wait_for()
    page.get_by_text("relayer.balance at 95 %").wait_for()
    levels = page.locator("td[data-label='Level'] .badge").all_inner_texts()
    assert levels == ["95 · Urgent", "85 · Severe", "75 · Warning"]
    assert page.locator(f"td[data-label='App'] code:text('{app_id}')").count() == 3
    _shoot(page, screenshots, "alerts-1280")
    page.get_by_role("button", name="Resolve the alert gas.budget at 85 %").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_text('Resolve "gas.budget at 85 %"?').wait_for()
    dialog.get_by_role("button", name="Resolve").click()
    page.get_by_text("The alert is resolved.").wait_for()
    page.get_by_text("gas.budget at 85 %").wait_for(state="detached")
    page.get_by_text("relayer.balance at 95 %").wait_for()
    assert page.locator("td[data-label='Level'] .badge").count() == 2
    page.get_by_role("link", name="Resolved").click()
    page.wait_for_url(re.compile(r"show=resolved"))
    page.get_by_text("gas.budget at 85 %").wait_for()
    assert page.get_by_text(re.compile(r"^Resolved ")).count() == 1
    _shoot(page, screenshots, "alerts-resolved-1280")

    # the audit log: by action, the search in the address survives a reload
    page.goto(f"{live_server}/console/operator/audit")
    page.get_by_role("heading", name="Audit log").wait_for()
    form = page.get_by_role("form", name="Search")
    form.get_by_label("Action").fill("app.delisted")
    form.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r"\?action=app\.delisted$"))
    page.get_by_test_id("audit-action").first.wait_for()
    assert page.get_by_test_id("audit-action").all_inner_texts() == ["app.delisted"]
    page.reload()
    page.get_by_test_id("audit-action").first.wait_for()
    assert (
        page.get_by_role("form", name="Search").get_by_label("Action").input_value()
        == "app.delisted"
    )
    assert page.get_by_test_id("audit-action").all_inner_texts() == ["app.delisted"]
    page.get_by_text("Show details").first.click()
    assert page.get_by_text("phishing reports").count() == 1  # the reason, in the summary
    opened = page.locator(".audit-details[open]")
    opened.get_by_text("Changes").wait_for()
    assert opened.locator("dl.changes dt").all_inner_texts() == ["status"]
    _shoot(page, screenshots, "audit-action-1280")

    # by app: every action on it, newest first
    form = page.get_by_role("form", name="Search")
    form.get_by_label("Action").fill("")
    form.get_by_label("App id").fill(app_id)
    form.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(rf"\?app={app_id}$"))
    page.get_by_test_id("audit-action").first.wait_for()
    actions = page.get_by_test_id("audit-action").all_inner_texts()
    assert {
        "app.relisted",
        "app.delisted",
        "app.approved",
        "app.submitted",
        "alert.resolved",
    } <= set(actions)
    assert (
        actions.index("app.relisted")
        < actions.index("app.delisted")
        < actions.index("app.approved")
    )
    _shoot(page, screenshots, "audit-app-1280")

    # a time range before the activity excludes it
    form = page.get_by_role("form", name="Search")
    form.get_by_label("From (UTC)").fill(_minute(started - timedelta(hours=3)))
    form.get_by_label("To (UTC)").fill(_minute(started - timedelta(hours=2)))
    form.get_by_role("button", name="Search").click()
    page.get_by_test_id("audit-empty").wait_for()
    assert page.get_by_test_id("audit-action").count() == 0
    assert "since=" in page.url
    assert "until=" in page.url

    # an end before the start: the field says why, and nothing is searched
    form = page.get_by_role("form", name="Search")
    form.get_by_label("From (UTC)").fill(_minute(started))
    form.get_by_label("To (UTC)").fill(_minute(started - timedelta(hours=1)))
    form.get_by_role("button", name="Search").click()
    error = page.locator("#f-until-error")
    error.wait_for()
    assert error.inner_text() == "The end of the range must be after its start."
    assert (
        page.get_by_role("form", name="Search")
        .get_by_label("To (UTC)")
        .get_attribute("aria-invalid")
        == "true"
    )
    assert page.get_by_test_id("audit-action").count() == 0
    assert page.get_by_test_id("audit-empty").count() == 0
    _shoot(page, screenshots, "audit-bad-range-1280")

    # at 375 px, each page without sideways scrolling; one in Chinese
    page.set_viewport_size({"width": 375, "height": 812})
    for name, path, ready in (
        ("overview", "overview", page.get_by_test_id("apps-online")),
        ("alerts", "alerts", page.get_by_text("relayer.balance at 95 %")),
        ("audit", f"audit?app={app_id}", page.get_by_test_id("audit-action").first),
    ):
        page.goto(f"{live_server}/console/operator/{path}")
        ready.wait_for()
        _shoot(page, screenshots, f"{name}-375")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"{name} scrolls sideways at 375 px ({width} px)"
    page.evaluate("localStorage.setItem('chainless.console.locale', 'zh-CN')")
    page.goto(f"{live_server}/console/operator/overview")
    page.get_by_role("heading", name="平台概览").wait_for()
    page.get_by_test_id("apps-online").wait_for()
    _shoot(page, screenshots, "overview-375-zh-CN")
    context.close()

    # platform tech holds none of these permissions: no cards, and a clear page at the address
    tech = browser.new_context(viewport={"width": 1280, "height": 900})
    tech_page = tech.new_page()
    tech_page.set_default_timeout(10_000)
    _sign_in(tech_page, live_server, arranged["tech"])
    assert "Audit log" not in tech_page.locator(".hub-card strong").all_inner_texts()
    tech_page.goto(f"{live_server}/console/operator/audit")
    tech_page.get_by_role("heading", name="Not allowed").wait_for()
    _shoot(tech_page, screenshots, "audit-forbidden-1280")
    tech.close()
