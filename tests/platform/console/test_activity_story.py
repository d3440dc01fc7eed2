"""A developer's activity tab and account page, in Chromium: the audit events of what was done
before (through the API) are listed with who, what and when, and a filter narrows them; on the
account page a wrong current password is a field error (the old password still works), a weak
one is refused, the change goes through, and a second browser's session is listed and signed
out, after which that browser is sent to sign in; signing out its own session lands on sign-in."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from chainless.platform.alerts.service import Level, raise_alert
from tests.factories import last_email

pytestmark = pytest.mark.slow
PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "another-Strong-pass-7"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}


def _shoot(page: Any, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def _csrf(context: Any) -> str:
    cookies = context.storage_state()["cookies"]
    return next(c["value"] for c in cookies if c["name"] == "chainless_csrf")


def _signed_up_and_in(context: Any, base: str, services: Any, email: str) -> str:
    api = context.request
    assert api.post(f"{base}/api/v1/accounts", data={"email": email, "password": PASSWORD}).ok
    token = re.search(r"verify-email\?token=([\w-]+)", last_email(services, email).body)
    assert token
    assert api.post(f"{base}/api/v1/accounts/verify-email", data={"token": token.group(1)}).ok
    signed_in = api.post(f"{base}/api/v1/auth/login", data={"email": email, "password": PASSWORD})
    assert signed_in.ok, signed_in.text()
    return _csrf(context)


def _app_with_history(context: Any, base: str, csrf: str) -> str:
    """An app created, changed and given an API key: three audit events of the developer's."""
    api, headers = context.request, {"X-CSRF-Token": csrf}
    created = api.post(
        f"{base}/api/v1/apps",
        headers=headers,
        data={"name": "Ledger", "redirect_uris": ["https://ledger.example/callback"]},
    )
    assert created.status == 201, created.text()
    app_id = str(created.json()["app_id"])
    changed = api.patch(
        f"{base}/api/v1/apps/{app_id}", headers=headers, data={"description": "Books"}
    )
    assert changed.ok, changed.text()
    key = api.post(
        f"{base}/api/v1/apps/{app_id}/api-keys",
        headers=headers,
        data={"name": "backend", "environment": "dev", "scopes": ["data:read"]},
    )
    assert key.status == 201, key.text()
    return app_id


def test_activity_tab_and_account_security(
    live_server: str, browser: Any, live_services: Any, screenshots: Path
) -> None:
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.set_default_timeout(10_000)
    email = "lin-activity@example.com"
    csrf = _signed_up_and_in(context, live_server, live_services, email)
    app_id = _app_with_history(context, live_server, csrf)
    with live_services.transaction() as session:
        raise_alert(
            session,
            kind="relay.app_burst",
            subject=app_id,
            summary="about 900 transactions in a minute",
            level=Level.SEVERE,
            app_id=app_id,
        )

    # the activity tab: the alert, then the log with who, what and when
    page.goto(f"{live_server}/console/apps/{app_id}")
    tabs = page.get_by_role("navigation", name="Mini-program sections")
    tabs.get_by_role("link", name="Activity").click()
    page.get_by_role("heading", name="Activity", level=1).wait_for()
    alerts = page.get_by_role("region", name="Alerts")
    alerts.get_by_text("about 900 transactions in a minute").wait_for()
    assert alerts.get_by_text("Severe").is_visible()
    log = page.get_by_role("region", name="Audit log")
    rows = log.get_by_role("row")
    rows.filter(has_text="api_key.created").wait_for()
    for action in ("app.created", "app.updated", "api_key.created"):
        row = rows.filter(has_text=action)
        assert row.count() == 1, action
        assert "You" in row.inner_text()
    updated = rows.filter(has_text="app.updated")
    updated.locator("summary").click()
    updated.get_by_text("Changes").wait_for()
    assert "Books" in updated.inner_text()
    _shoot(page, screenshots, "activity-1280")

    # a filter narrows the log; a start after the end is refused next to its field
    log.get_by_label("Action").fill("api_key.*")
    log.get_by_role("button", name="Apply filters").click()
    rows.filter(has_text="app.created").wait_for(state="detached")
    assert rows.filter(has_text="api_key.created").count() == 1
    assert rows.filter(has_text="app.updated").count() == 0
    log.get_by_label("From").fill("2026-12-05")
    log.get_by_label("To (inclusive)").fill("2026-12-01")
    log.get_by_role("button", name="Apply filters").click()
    page.locator("#f-to-error").wait_for()
    assert "must not be after" in page.locator("#f-to-error").inner_text()
    log.get_by_role("button", name="Clear").click()
    rows.filter(has_text="app.created").wait_for()
    page.set_viewport_size(PHONE)
    _shoot(page, screenshots, "activity-375")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the activity tab scrolls sideways at 375 px ({width} px)"
    page.set_viewport_size(DESKTOP)

    # the account page, from the top navigation
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Account").click()
    page.get_by_role("heading", name="Your account").wait_for()
    page.get_by_role("region", name="Email").get_by_text("Confirmed").wait_for()
    form = page.get_by_role("form", name="Change password")
    form.get_by_label("Current password").fill("not my password at all")
    form.get_by_label("New password").fill(NEW_PASSWORD)
    form.get_by_role("button", name="Change password").click()
    page.locator("#f-current_password-error").wait_for()
    assert form.get_by_label("Current password").get_attribute("aria-invalid") == "true"
    assert page.url.endswith("/console/account"), "a wrong password does not sign out"
    old_still_works = context.request.post(
        f"{live_server}/api/v1/auth/tokens", data={"email": email, "password": PASSWORD}
    )
    assert old_still_works.status == 201
    _shoot(page, screenshots, "account-wrong-password-1280")

    form.get_by_label("Current password").fill(PASSWORD)
    form.get_by_label("New password").fill("short")
    form.get_by_role("button", name="Change password").click()
    page.locator("#f-new_password-error").wait_for()
    assert "at least 10 characters" in page.locator("#f-new_password-error").inner_text()
    assert page.locator("#f-current_password-error").count() == 0
    form.get_by_label("Current password").fill(PASSWORD)
    form.get_by_label("New password").fill(NEW_PASSWORD)
    form.get_by_role("button", name="Change password").click()
    page.get_by_text("Your password is changed.").wait_for()
    signed_in = context.request.post(
        f"{live_server}/api/v1/auth/tokens", data={"email": email, "password": NEW_PASSWORD}
    )
    assert signed_in.status == 201
    assert (
        context.request.post(
            f"{live_server}/api/v1/auth/tokens", data={"email": email, "password": PASSWORD}
        ).status
        == 401
    )

    # a second browser signs in; it is listed here and signed out from here
    other = browser.new_context(viewport=PHONE)
    other_page = other.new_page()
    other_page.set_default_timeout(10_000)
    other_page.goto(f"{live_server}/console/sign-in")
    other_page.get_by_label("Email").fill(email)
    other_page.get_by_label("Password").fill(NEW_PASSWORD)
    other_page.get_by_role("button", name="Sign in").click()
    other_page.get_by_role("heading", name="Mini-programs").wait_for()

    page.reload()
    sessions = page.get_by_role("region", name="Sessions")
    console_rows = sessions.get_by_role("row").filter(has_text="Console")
    console_rows.nth(1).wait_for()
    assert console_rows.count() == 2
    assert console_rows.filter(has_text="This session").count() == 1
    _shoot(page, screenshots, "account-1280")
    other_row = console_rows.filter(has_not_text="This session")
    other_row.get_by_role("button", name="Sign out").click()
    dialog = page.get_by_role("dialog")
    assert "It has to sign in again" in dialog.inner_text()
    dialog.get_by_role("button", name="Sign out").click()
    page.get_by_text("is signed out.").wait_for()
    console_rows.nth(1).wait_for(state="detached")
    assert console_rows.count() == 1

    other_page.reload()
    other_page.wait_for_url(re.compile(r"/console/sign-in"))
    other_page.get_by_role("heading", name="Sign in").wait_for()
    other.close()

    page.set_viewport_size(PHONE)
    _shoot(page, screenshots, "account-375")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the account page scrolls sideways at 375 px ({width} px)"
    page.get_by_label("Language").select_option("zh-CN")
    page.get_by_role("heading", name="你的账户").wait_for()
    _shoot(page, screenshots, "account-zh-CN-375")
    page.goto(f"{live_server}/console/apps/{app_id}/activity")
    page.get_by_role("heading", name="动态", level=1).wait_for()
    page.locator("code.chip", has_text="app.created").wait_for()
    _shoot(page, screenshots, "activity-zh-CN-375")

    # signing out this browser's own session from the list lands on sign-in
    page.goto(f"{live_server}/console/account")
    mine = page.get_by_role("row").filter(has_text="当前会话")
    mine.get_by_role("button", name="登出").click()
    page.get_by_role("dialog").get_by_role("button", name="登出").click()
    page.wait_for_url(re.compile(r"/console/sign-in"))
    page.get_by_role("heading", name="登录").wait_for()
    assert context.request.get(f"{live_server}/api/v1/accounts/me").status == 401
    context.close()
