"""An app's settings and members in Chromium, through the console: refused edits say why at the
field and save nothing (after a reload the old values are there), a good edit stays, a contract
is refused then added and removed, the client secret is rotated and shown once; a second developer
is invited, accepts in their own browser, sees the app read-only, and once removed meets a 404."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.factories import last_email

pytestmark = pytest.mark.slow
PASSWORD = "correct horse battery staple"
ADDRESS = "0x" + "ab" * 20


def _shoot(page: Any, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def _confirmed(api: Any, base: str, services: Any, email: str, name: str) -> None:
    """A developer account with a confirmed email, arranged through the API."""
    signed_up = api.post(
        f"{base}/api/v1/accounts",
        data={"email": email, "password": PASSWORD, "display_name": name},
    )
    assert signed_up.status == 201, signed_up.text()
    token = re.search(r"verify-email\?token=([\w-]+)", last_email(services, email).body)
    assert token
    api.post(f"{base}/api/v1/accounts/verify-email", data={"token": token.group(1)})


def _signed_in_with_app(context: Any, base: str, services: Any, email: str) -> str:
    """A confirmed developer signed in on ``context`` with one app, Greeter; its id."""
    api = context.request
    _confirmed(api, base, services, email, "Ada")
    logged_in = api.post(f"{base}/api/v1/auth/login", data={"email": email, "password": PASSWORD})
    assert logged_in.ok, logged_in.text()
    csrf = next(c["value"] for c in context.cookies() if c["name"] == "chainless_csrf")
    app = api.post(
        f"{base}/api/v1/apps",
        data={"name": "Greeter", "redirect_uris": ["https://greeter.example/cb"]},
        headers={"X-CSRF-Token": csrf},
    )
    assert app.status == 201, app.text()
    return str(app.json()["app_id"])


def _saved_app(context: Any, base: str, app_id: str) -> dict[str, Any]:
    answer = context.request.get(f"{base}/api/v1/apps/{app_id}")
    assert answer.ok, answer.text()
    return dict(answer.json())


def test_edit_refused_then_saved_contracts_and_secret(
    live_server: str, browser: Any, live_services: Any, screenshots: Path
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    app_id = _signed_in_with_app(context, live_server, live_services, "ada-settings@example.com")

    page.goto(f"{live_server}/console/apps/{app_id}")
    page.get_by_role("navigation", name="Mini-program sections").get_by_role(
        "link", name="Settings"
    ).click()
    page.wait_for_url(f"{live_server}/console/apps/{app_id}/settings")
    page.get_by_role("heading", name="Settings", exact=True).wait_for()
    page.get_by_text("Next: add a redirect URI and your contracts").wait_for()
    form = page.get_by_role("form", name="Mini-program details")
    form.get_by_role("checkbox", name="assets:balance").wait_for()  # the server's scopes
    save = form.get_by_role("button", name="Save changes")

    # refused: the field says why, what was typed stays, nothing is saved
    cases = [
        ("Name", "", "#f-name-error", "Enter a value."),
        ("Name", "G" * 65, "#f-name-error", "Too long: at most 64 characters."),
        ("Redirect URIs", "http://greeter.example/cb", "#f-redirect_uris-error", "must use https"),
    ]
    for label, typed, error, said in cases:
        form.get_by_label(label, exact=True).fill(typed)
        save.click()
        page.locator(error).get_by_text(said).wait_for()
        assert form.get_by_label(label, exact=True).get_attribute("aria-invalid") == "true"
        assert form.get_by_label(label, exact=True).input_value() == typed, "what was typed stays"
        assert page.get_by_role("alert").first.inner_text() == "Some fields need attention."
        if label == "Redirect URIs":
            _shoot(page, screenshots, "settings-field-error-1280")
        page.reload()
        form.get_by_label("Name", exact=True).wait_for()
        assert form.get_by_label("Name", exact=True).input_value() == "Greeter"
        assert form.get_by_label("Redirect URIs").input_value() == "https://greeter.example/cb"
        assert form.get_by_label("Category").input_value() == "other"
    saved = _saved_app(context, live_server, app_id)
    assert (saved["name"], saved["redirect_uris"]) == ("Greeter", ["https://greeter.example/cb"])

    # a good edit stays after a reload
    form.get_by_label("Name", exact=True).fill("Greeter Pro")
    form.get_by_label("Tags").fill("games, hello-world")
    form.get_by_label("Description").fill("Says hello on chain.")
    form.get_by_label("Category").select_option("tools")
    form.get_by_role("checkbox", name="assets:balance").check()
    save.click()
    page.get_by_text("Saved.").wait_for()
    page.reload()
    page.get_by_role("navigation", name="You are here").get_by_text("Greeter Pro").wait_for()
    assert form.get_by_label("Tags").input_value() == "games, hello-world"
    assert form.get_by_label("Category").input_value() == "tools"
    assert form.get_by_role("checkbox", name="assets:balance").is_checked()
    saved = _saved_app(context, live_server, app_id)
    assert (saved["name"], saved["category"], saved["tags"]) == (
        "Greeter Pro",
        "tools",
        ["games", "hello-world"],
    )
    assert saved["requested_scopes"] == ["basic:address", "basic:user_id", "assets:balance"]

    # the contract allowlist: a bad address refused at its field, a good one added and removed
    contracts = page.get_by_role("form", name="Add a contract")
    contracts.get_by_label("Contract name").fill("Token")
    contracts.get_by_label("Address").fill("0x1234")
    contracts.get_by_role("button", name="Add contract").click()
    page.locator("#f-address-error").get_by_text(
        "is not a 0x-prefixed 20-byte hex address"
    ).wait_for()
    assert contracts.get_by_label("Address").input_value() == "0x1234"
    assert context.request.get(f"{live_server}/api/v1/apps/{app_id}/contracts").json() == []
    contracts.get_by_label("Address").fill(ADDRESS)
    contracts.get_by_role("button", name="Add contract").click()
    row = page.get_by_role("row").filter(has_text="Token")
    row.get_by_text("0xaBaB", exact=False).wait_for()  # shown EIP-55 checksummed
    assert page.locator("#f-address-error").count() == 0
    _shoot(page, screenshots, "settings-1280")
    row.get_by_role("button", name="Remove Token (dev)").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_text("Remove Token from the dev allowlist?").wait_for()
    dialog.get_by_role("button", name="Remove").click()
    page.get_by_text("No contracts yet").wait_for()
    assert context.request.get(f"{live_server}/api/v1/apps/{app_id}/contracts").json() == []

    # the client secret: asked once, the new one shown once
    page.get_by_role("button", name="Rotate secret").click()
    dialog.get_by_text("Issue a new client secret?").wait_for()
    dialog.get_by_role("button", name="Rotate secret").click()
    secret = page.get_by_test_id("client-secret")
    secret.wait_for()
    assert secret.inner_text().startswith("cs_")
    page.get_by_text("The previous secret still works until").wait_for()
    _shoot(page, screenshots, "settings-secret-1280")
    page.get_by_role("button", name="I have stored it").click()
    assert page.get_by_test_id("client-secret").count() == 0
    page.reload()
    page.get_by_text("Last rotated").wait_for()
    assert page.get_by_test_id("client-secret").count() == 0, "never shown again"

    page.set_viewport_size({"width": 375, "height": 812})
    page.get_by_text("No contracts yet").wait_for()
    page.get_by_text("Remaining").wait_for()
    page.get_by_label("Signature algorithm").wait_for()
    _shoot(page, screenshots, "settings-375")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the settings page scrolls sideways at 375 px ({width} px)"
    page.get_by_label("Language").select_option("zh-CN")
    page.get_by_role("heading", name="小程序信息").wait_for()
    _shoot(page, screenshots, "settings-zh-375")
    context.close()


def test_invite_accept_read_only_then_removed(
    live_server: str, browser: Any, live_services: Any, screenshots: Path
) -> None:
    owner = browser.new_context(viewport={"width": 1280, "height": 900})
    page = owner.new_page()
    page.set_default_timeout(10_000)
    app_id = _signed_in_with_app(owner, live_server, live_services, "ada-members@example.com")
    invitee_email = "lin-members@example.com"
    guest = browser.new_context(viewport={"width": 375, "height": 812})
    _confirmed(guest.request, live_server, live_services, invitee_email, "Lin")

    page.goto(f"{live_server}/console/apps/{app_id}/members")
    page.get_by_text("Nobody else works on this mini-program yet").wait_for()
    invite = page.get_by_role("form", name="Invite a member")
    invite.get_by_label("Email").fill("not-an-email")
    invite.get_by_role("button", name="Send invitation").click()
    page.locator("#f-email-error").wait_for()
    assert owner.request.get(f"{live_server}/api/v1/apps/{app_id}/members").json() == []
    invite.get_by_label("Email").fill(invitee_email)
    invite.get_by_role("button", name="Send invitation").click()
    row = page.get_by_role("row").filter(has_text=invitee_email)
    row.get_by_text("Invited", exact=True).wait_for()
    row.get_by_text("App operator").wait_for()
    _shoot(page, screenshots, "members-1280")

    # the invitee opens the mailed link signed out: sign in, then back to accept
    link = re.search(
        r"https?://\S+/console/invitations/accept\?token=[\w-]+",
        last_email(live_services, invitee_email).body,
    )
    assert link, "the invitation mail links to the console"
    other = guest.new_page()
    other.set_default_timeout(10_000)
    other.goto(link.group(0))
    other.wait_for_url(re.compile(r"/console/sign-in\?next=%2Fconsole%2Finvitations%2Faccept"))
    other.get_by_label("Email").fill(invitee_email)
    other.get_by_label("Password").fill(PASSWORD)
    other.get_by_role("button", name="Sign in").click()
    other.get_by_role("heading", name="Accept an invitation").wait_for()
    other.get_by_text(f"You are signed in as {invitee_email}").wait_for()
    _shoot(other, screenshots, "invitation-375")
    other.get_by_role("button", name="Accept invitation").click()
    other.get_by_text("You joined Greeter.").wait_for()
    other.get_by_role("link", name="Open Greeter").click()
    other.get_by_role("heading", name="Greeter").wait_for()

    # a member reads the settings and may not change them; the members page says so in words
    other.goto(f"{live_server}/console/apps/{app_id}/settings")
    other.get_by_text("only its developer can change them").wait_for()
    assert other.get_by_label("Name", exact=True).is_disabled()
    assert other.get_by_role("button", name="Save changes").count() == 0
    assert other.get_by_role("button", name="Rotate secret").count() == 0
    _shoot(other, screenshots, "settings-read-only-375")
    other.goto(f"{live_server}/console/apps/{app_id}/members")
    other.get_by_text("Only the mini-program's developer manages its members.").wait_for()
    _shoot(other, screenshots, "members-forbidden-375")

    # the owner removes them (asked once): the app is a 404 for them at once
    page.reload()
    row.get_by_text("Member", exact=True).wait_for()
    row.get_by_role("button", name=f"Remove {invitee_email}").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_text(f"Remove {invitee_email}? They lose access").wait_for()
    _shoot(page, screenshots, "members-confirm-1280")
    dialog.get_by_role("button", name="Remove").click()
    page.get_by_text(f"{invitee_email} is removed.").wait_for()
    page.get_by_text("Nobody else works on this mini-program yet").wait_for()
    page.set_viewport_size({"width": 375, "height": 812})
    _shoot(page, screenshots, "members-375")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the members page scrolls sideways at 375 px ({width} px)"

    other.goto(f"{live_server}/console/apps/{app_id}")
    other.get_by_role("heading", name="Mini-program not available").wait_for()
    other.get_by_text("There is no mini-program with this id").wait_for()
    _shoot(other, screenshots, "removed-member-404-375")
    guest.close()
    owner.close()
