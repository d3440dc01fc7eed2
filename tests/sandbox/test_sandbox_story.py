"""A developer tries the example mini-program in the sandbox, in Chromium: connect (the dialog),
switch account (the app hears accountsChanged), send a transfer and approve it (the receipt in
the app and in the transactions panel), send one and reject it (the app shows 4001), let the
rules answer (set on the page, a bad rule refused in words), and read the bridge log. And what
the command refuses: a folder without an entry page, a URL where nothing answers."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.sandbox.conftest import run_sandbox

pytestmark = pytest.mark.slow
ACCOUNT_1 = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
ACCOUNT_2 = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"


def _shoot(target: Any, folder: Path, name: str) -> None:
    target.screenshot(path=str(folder / f"{name}.png"))


def _tab(page: Any, name: str) -> None:
    page.get_by_role("tab", name=name).click()


def test_connect_switch_transfer_reject_and_the_log(
    sandbox_url: str, browser: Any, screenshots: Path
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(sandbox_url)
    app = page.frame_locator("#app-frame")
    app.get_by_text("Running inside a Chainless wallet.").wait_for()
    page.get_by_role("row", name=re.compile("#9")).get_by_text("10000 ETH").wait_for()
    _shoot(page, screenshots, "accounts-1280")

    # connect: the wallet asks, the person approves
    app.get_by_role("button", name="Connect").click()
    dialog = page.get_by_role("dialog", name="Connect to the app")
    dialog.wait_for()
    _shoot(page.locator(".phone"), screenshots, "connect-dialog")
    dialog.get_by_role("button", name="Approve").click()
    app.get_by_text("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266").wait_for()
    expect(app.locator("#balance")).to_contain_text("ETH")

    # switch account in the wallet: the app follows
    page.get_by_label("Account", exact=True).select_option(ACCOUNT_1)
    app.get_by_text(ACCOUNT_1).wait_for()

    # a transfer, approved in the dialog that shows it decoded
    app.get_by_label("To").fill(ACCOUNT_2)
    app.get_by_label("Amount (ETH)").fill("0.5")
    app.get_by_role("button", name="Send").click()
    dialog = page.get_by_role("dialog", name="Send transaction")
    dialog.wait_for()
    dialog.get_by_text("plain transfer (no data)").wait_for()
    dialog.get_by_text(re.compile(r"21,000 gas \u00d7 .* gwei = ")).wait_for()
    assert "0.5 ETH" in dialog.inner_text()
    assert ACCOUNT_2 in dialog.inner_text()
    _shoot(page.locator(".phone"), screenshots, "transaction-dialog")
    dialog.get_by_role("button", name="Approve").click()
    app.get_by_text(re.compile(r"Confirmed in block \d+ \(gas used 21000\)")).wait_for()
    _tab(page, "Transactions")
    page.locator("#tx-list").get_by_text("success").wait_for()
    _shoot(page, screenshots, "transactions-1280")

    # a transfer rejected: the app sees EIP-1193 4001
    app.get_by_role("button", name="Send").click()
    page.get_by_role("dialog", name="Send transaction").get_by_role("button", name="Reject").click()
    app.get_by_text(re.compile("Error 4001: the user rejected")).wait_for()
    assert page.get_by_role("dialog").count() == 0

    # a message to sign, shown as text
    app.get_by_role("button", name="Sign").click()
    dialog = page.get_by_role("dialog", name="Sign message")
    dialog.get_by_text("Hello from the sandbox").wait_for()
    _shoot(page.locator(".phone"), screenshots, "sign-dialog")
    dialog.get_by_role("button", name="Approve").click()
    app.get_by_text(re.compile(r"Signed: 0x[0-9a-f]{130}$")).wait_for()

    # a contract call the sandbox has the ABI of (the platform forwarder): decoded in the dialog
    forwarder = httpx.get(f"{sandbox_url}/api/config").json()["forwarder"]
    frame = page.frame(url=httpx.get(f"{sandbox_url}/api/config").json()["appUrl"])
    assert frame is not None
    nonces = "0x7ecebe00" + ACCOUNT_1[2:].lower().rjust(64, "0")
    frame.evaluate(
        """([to, data]) => { window.answered = provider.request({ method: "eth_sendTransaction",
             params: [{ from: account, to, data }] }).catch((error) => error.code); }""",
        [forwarder, nonces],
    )
    dialog = page.get_by_role("dialog", name="Send transaction")
    dialog.get_by_text("nonces(address)").wait_for()
    dialog.get_by_text("ChainlessForwarder").wait_for()
    assert ACCOUNT_1 in dialog.inner_text()  # the decoded argument
    _shoot(page.locator(".phone"), screenshots, "decoded-dialog")
    dialog.get_by_role("button", name="Reject").click()
    assert frame.evaluate("() => window.answered") == 4001

    # rules: a bad one is refused in words; "approve all" answers without a dialog
    _tab(page, "Rules")
    page.get_by_label("By method").fill("transfer:maybe")
    page.get_by_role("button", name="Save rules").click()
    page.get_by_text("'maybe' is not one of manual, approve, reject").wait_for()
    assert page.get_by_label("By method").get_attribute("aria-invalid") == "true"
    _shoot(page, screenshots, "rules-error-1280")
    page.get_by_label("By method").fill("")
    page.get_by_label("Every dialog").select_option("approve")
    page.get_by_role("button", name="Save rules").click()
    page.get_by_text("Rules saved").wait_for()
    assert httpx.get(f"{sandbox_url}/api/rules").json()["default"] == "approve"
    app.get_by_label("Amount (ETH)").fill("0.25")
    app.get_by_role("button", name="Send").click()
    app.get_by_text(re.compile(r"Confirmed in block \d+")).wait_for()
    assert page.get_by_role("dialog").count() == 0

    # the bridge log lists the calls, with the rejection's code
    _tab(page, "Bridge log")
    log = page.locator("#log-list")
    for method in (
        "chainless_handshake",
        "eth_requestAccounts",
        "eth_sendTransaction",
        "personal_sign",
    ):
        log.get_by_text(method).first.wait_for()
    log.get_by_text("error 4001: the user rejected the transaction").first.wait_for()
    assert re.search(r"\d+\.\d ms", log.inner_text())
    _shoot(page, screenshots, "bridge-log-1280")

    # the same page on a phone
    page.set_viewport_size({"width": 375, "height": 812})
    _tab(page, "Accounts")
    page.screenshot(path=str(screenshots / "sandbox-375.png"), full_page=True)
    context.close()


def test_rules_from_the_query_and_the_http_api(sandbox_url: str, browser: Any) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{sandbox_url}/?rules=reject")
    app = page.frame_locator("#app-frame")
    app.get_by_role("button", name="Connect").click()
    app.get_by_text(re.compile("Error 4001: the user rejected")).wait_for()
    assert page.get_by_role("dialog").count() == 0
    # headless CI changes them over HTTP; the next dialog follows
    answer = httpx.put(
        f"{sandbox_url}/api/rules",
        json={"default": "manual", "methods": {"eth_requestAccounts": "approve"}},
    )
    assert answer.status_code == 200, answer.text
    app.get_by_role("button", name="Connect").click()
    app.get_by_text("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266").wait_for()
    context.close()


def test_a_folder_without_an_entry_page_is_refused(tmp_path: Path) -> None:
    (tmp_path / "dist").mkdir()
    (tmp_path / "dist" / "index.html").write_text("<p>built</p>")
    result = run_sandbox(str(tmp_path))
    assert result.returncode == 2
    assert "has no entry page index.html" in result.stdout
    assert f"did you mean {tmp_path / 'dist'}?" in result.stdout


def test_a_url_that_does_not_answer_is_refused() -> None:
    from tests.live_server import free_port

    result = run_sandbox(f"http://127.0.0.1:{free_port()}/")
    assert result.returncode == 2
    assert "nothing answers at http://127.0.0.1:" in result.stdout
    assert "start your dev server first" in result.stdout
