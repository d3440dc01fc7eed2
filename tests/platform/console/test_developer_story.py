"""A new developer, in Chromium, through the console only: sign up, confirm the email with the
mailed link, sign in, create a mini-program (a bad redirect URI first: the field says why and
nothing is saved), see it in the list; then the session ends and signing in comes back."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.factories import last_email

pytestmark = pytest.mark.slow
PASSWORD = "correct horse battery staple"
# A one-pixel transparent PNG: the upload checks the file's magic bytes against its declared type.
PNG_1PX = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)
WIDTHS = {"desktop": (1280, 900), "phone": (375, 812)}


def _shoot(page: Any, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def _signed_up_and_in(api: Any, base: str, services: Any, email: str) -> str:
    """A confirmed developer signed in on the browser context (through its API); the CSRF token."""
    signed_up = api.post(
        f"{base}/api/v1/accounts",
        data={"email": email, "password": PASSWORD, "display_name": "Grace"},
    )
    assert signed_up.status == 201, signed_up.text()
    token = re.search(r"verify-email\?token=([\w-]+)", last_email(services, email).body)
    assert token
    api.post(f"{base}/api/v1/accounts/verify-email", data={"token": token.group(1)})
    logged_in = api.post(f"{base}/api/v1/auth/login", data={"email": email, "password": PASSWORD})
    assert logged_in.ok, logged_in.text()
    return next(c["value"] for c in api.storage_state()["cookies"] if c["name"] == "chainless_csrf")


def test_sign_up_confirm_sign_in_and_create_an_app(
    live_server: str, browser: Any, live_services: Any, screenshots: Path
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    email = "ada-console@example.com"

    page.goto(f"{live_server}/console/sign-up")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Display name").fill("Ada")
    page.get_by_label("Password").fill("short")
    page.get_by_role("button", name="Create account").click()
    password_error = page.locator("#f-password-error")
    password_error.wait_for()
    assert page.get_by_label("Password").get_attribute("aria-invalid") == "true"
    _shoot(page, screenshots, "sign-up-error-1280")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.get_by_text(f"We sent a confirmation link to {email}").wait_for()

    mail = last_email(live_services, email).body
    link = re.search(r"https?://\S+/console/verify-email\?token=[\w-]+", mail)
    assert link, "the confirmation mail carries the console link"
    page.goto(link.group(0))
    page.get_by_text(f"Your email {email} is confirmed").wait_for()
    _shoot(page, screenshots, "verify-email-1280")

    # a page behind sign-in sends the person to sign in, and back there afterwards
    page.goto(f"{live_server}/console/apps")
    page.wait_for_url(re.compile(r"/console/sign-in\?next=%2Fconsole%2Fapps"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    _shoot(page, screenshots, "sign-in-1280")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server}/console/apps")
    page.get_by_text("You have no mini-programs yet").wait_for()

    form = page.get_by_role("form", name="Create a mini-program")
    form.get_by_label("Name").fill("Greeter")
    form.get_by_label("Redirect URIs").fill("http://greeter.example/callback")
    form.get_by_role("button", name="Create").click()
    redirect = form.get_by_label("Redirect URIs")
    page.locator("#f-redirect_uris-error").wait_for()
    assert "must use https" in page.locator("#f-redirect_uris-error").inner_text()
    assert redirect.get_attribute("aria-invalid") == "true"
    assert page.get_by_role("alert").first.inner_text() == "Some fields need attention."
    _shoot(page, screenshots, "apps-field-error-1280")
    listed = context.request.get(f"{live_server}/api/v1/apps").json()
    assert listed["total"] == 0, "nothing is saved"

    redirect.fill("https://greeter.example/callback")
    form.get_by_role("button", name="Create").click()
    page.get_by_text("Greeter is created.").wait_for()
    assert page.get_by_test_id("client-secret").inner_text().strip()
    row = page.get_by_role("row").filter(has_text="Greeter")
    row.get_by_text("In development").wait_for()
    assert page.locator("#f-redirect_uris-error").count() == 0
    assert form.get_by_label("Name").input_value() == "", "the form is ready for the next one"
    _shoot(page, screenshots, "apps-1280")

    row.get_by_role("link", name="Greeter").click()
    page.get_by_role("heading", name="Greeter").wait_for()
    page.get_by_text("https://greeter.example/callback").wait_for()
    _shoot(page, screenshots, "app-detail-1280")

    page.set_viewport_size({"width": 375, "height": 812})
    _shoot(page, screenshots, "app-detail-375")
    page.goto(f"{live_server}/console/apps")
    page.get_by_role("row").filter(has_text="Greeter").wait_for()
    _shoot(page, screenshots, "apps-375")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the page scrolls sideways at 375 px ({width} px)"

    # a developer has no operator pages: none in the navigation, and a clear page at the address
    links = page.get_by_role("navigation").get_by_role("link").all_inner_texts()
    assert links == ["Mini-programs", "Account"]
    page.goto(f"{live_server}/console/operator")
    page.get_by_role("heading", name="Not allowed").wait_for()
    _shoot(page, screenshots, "forbidden-375")
    page.goto(f"{live_server}/console/apps")
    page.get_by_role("row").filter(has_text="Greeter").wait_for()

    # the session ends (signed out elsewhere): the next call sends the person to sign in and back
    csrf = next(c["value"] for c in context.cookies() if c["name"] == "chainless_csrf")
    context.request.post(f"{live_server}/api/v1/auth/logout", headers={"X-CSRF-Token": csrf})
    page.get_by_role("row").filter(has_text="Greeter").get_by_role("link").click()
    page.wait_for_url(re.compile(r"/console/sign-in\?next=%2Fconsole%2Fapps%2F\w+&expired=1"))
    page.get_by_text("Your session has ended").wait_for()
    _shoot(page, screenshots, "session-expired-375")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/console/apps/\w+$"))
    page.get_by_role("heading", name="Greeter").wait_for()

    # the language switch
    page.get_by_label("Language").select_option("zh-CN")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="小程序").wait_for()
    _shoot(page, screenshots, "app-detail-zh-375")
    context.close()


def test_api_keys_create_shown_once_then_revoke(
    live_server: str, browser: Any, live_services: Any, screenshots: Path
) -> None:
    """The keys page of an app: a key without scopes is refused at the field, a key is created and
    its secret shown once, then revoked after the confirm dialog and listed as revoked."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    email = "grace-keys@example.com"
    api = context.request
    csrf = _signed_up_and_in(api, live_server, live_services, email)
    app = api.post(
        f"{live_server}/api/v1/apps",
        data={"name": "Keyring", "redirect_uris": ["https://keyring.example/cb"]},
        headers={"X-CSRF-Token": csrf},
    )
    assert app.status == 201, app.text()
    app_id = app.json()["app_id"]

    page.goto(f"{live_server}/console/apps/{app_id}")
    tabs = page.get_by_role("navigation", name="Mini-program sections")
    tabs.get_by_role("link", name="API keys").click()
    page.wait_for_url(f"{live_server}/console/apps/{app_id}/keys")
    page.get_by_text("has no API keys yet").wait_for()

    form = page.get_by_role("form", name="Create an API key")
    form.get_by_label("Name").fill("backend")
    form.get_by_role("button", name="Create key").click()
    page.locator("#f-scopes-error").wait_for()
    assert page.locator("#f-scopes-error").inner_text() == "Choose at least one scope."
    assert page.get_by_role("alert").first.inner_text() == "Some fields need attention."
    _shoot(page, screenshots, "keys-field-error-1280")

    form.get_by_role("checkbox", name="data:read").check()
    form.get_by_role("checkbox", name="transaction:write").check()
    form.get_by_role("button", name="Create key").click()
    page.get_by_text("you will not see it again").wait_for()
    secret = page.get_by_test_id("api-key-secret").inner_text().strip()
    listed = api.get(f"{live_server}/api/v1/apps/{app_id}/api-keys").json()
    assert len(listed) == 1
    assert secret.startswith(listed[0]["prefix"]), "the secret is the new key"
    row = page.get_by_role("row").filter(has_text="backend")
    row.get_by_text("Active").wait_for()
    assert page.locator("#f-scopes-error").count() == 0
    _shoot(page, screenshots, "keys-created-1280")
    page.get_by_role("button", name="I have stored it").click()
    assert page.get_by_test_id("api-key-secret").count() == 0, "the secret is not shown again"

    # rotation: asks once, shows the new key once, the old one is marked rotated
    row.get_by_role("button", name="Rotate backend").click()
    page.get_by_role("dialog").get_by_role("button", name="Rotate").click()
    page.get_by_test_id("api-key-secret").wait_for()
    rotated = page.get_by_test_id("api-key-secret").inner_text().strip()
    assert rotated != secret
    page.get_by_text("Rotated: works until the overlap ends").wait_for()
    keys = api.get(f"{live_server}/api/v1/apps/{app_id}/api-keys").json()
    fresh = next(k for k in keys if k["replaced_by_id"] is None)
    assert rotated.startswith(fresh["prefix"])
    page.get_by_role("button", name="I have stored it").click()
    row = page.get_by_role("row").filter(has_text=fresh["prefix"])

    row.get_by_role("button", name="Revoke backend").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_text("Revoke backend now?").wait_for()
    _shoot(page, screenshots, "keys-confirm-revoke-1280")
    dialog.get_by_role("button", name="Revoke").click()
    row.get_by_text("Revoked", exact=True).wait_for()
    assert row.get_by_role("button").count() == 0, "a revoked key has no actions"
    keys = api.get(f"{live_server}/api/v1/apps/{app_id}/api-keys").json()
    assert next(k for k in keys if k["id"] == fresh["id"])["status"] == "revoked"
    _shoot(page, screenshots, "keys-revoked-1280")

    page.set_viewport_size({"width": 375, "height": 812})
    page.reload()
    page.get_by_role("row").filter(has_text=fresh["prefix"]).get_by_text(
        "Revoked", exact=True
    ).wait_for()
    _shoot(page, screenshots, "keys-375")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the keys page scrolls sideways at 375 px ({width} px)"
    context.close()


def test_qualification_submit_rejected_with_reason_then_resubmit(
    live_server: str, browser: Any, live_services: Any, screenshots: Path
) -> None:
    """The qualification page: a bad country is refused at the field, a file that is not what it
    claims is refused and a real one attached; once submitted it waits for review; after a
    rejection the reviewer's reason shows and the form comes back, filled."""
    from chainless.platform.models import Qualification

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    _signed_up_and_in(context.request, live_server, live_services, "lin-qual@example.com")

    page.goto(f"{live_server}/console/apps")
    page.get_by_role("link", name="Developer qualification").click()
    page.get_by_text("You have not submitted a qualification yet.").wait_for()
    form = page.get_by_role("form", name="Submit your qualification")
    form.get_by_label("Organization name").fill("Lin Labs")
    form.get_by_label("Registration number").fill("91310000")
    form.get_by_label("Country").fill("C1")
    form.get_by_label("Contact name").fill("Lin")
    documents = form.get_by_label("Add documents")
    documents.set_input_files(
        {"name": "licence.pdf", "mimeType": "application/pdf", "buffer": b"not a pdf at all"}
    )
    form.get_by_text("The file content does not match its declared type").wait_for()
    documents.set_input_files(
        {"name": "licence.png", "mimeType": "image/png", "buffer": PNG_1PX},
    )
    attached = form.get_by_role("list", name="Attached documents")
    attached.get_by_text("licence.png").wait_for()
    assert attached.get_by_role("listitem").count() == 1, "the refused file is not attached"
    form.get_by_role("button", name="Submit").click()
    page.locator("#f-country-error").get_by_text("Enter the two-letter country code").wait_for()
    assert form.get_by_label("Country").get_attribute("aria-invalid") == "true"
    _shoot(page, screenshots, "qualification-field-error-1280")
    form.get_by_label("Country").fill("cn")
    form.get_by_role("button", name="Submit").click()
    page.get_by_text("Waiting for review").wait_for()
    assert page.get_by_role("form").count() == 0, "no second submission while one waits"
    page.get_by_text("licence.png").wait_for()
    _shoot(page, screenshots, "qualification-pending-1280")

    # the reviewer's decision as the review endpoint stores it
    with live_services.transaction() as session:
        qualification = session.query(Qualification).one()
        qualification.status = "rejected"
        qualification.reason = "The registration number does not match the organization."
    page.reload()
    page.get_by_text("Rejected", exact=True).wait_for()
    reason = page.get_by_test_id("qualification-reason").inner_text()
    assert reason == "The registration number does not match the organization."
    again = page.get_by_role("form", name="Submit again")
    assert again.get_by_label("Organization name").input_value() == "Lin Labs"
    page.set_viewport_size({"width": 375, "height": 812})
    _shoot(page, screenshots, "qualification-rejected-375")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the qualification page scrolls sideways at 375 px ({width} px)"
    again.get_by_label("Registration number").fill("91310001")
    again.get_by_role("button", name="Submit again").click()
    page.get_by_text("Waiting for review").wait_for()
    context.close()
