"""The developer's journey in Chromium, through the pages only: signs up, confirms the email,
submits the qualification, which an operator approves in the operator console, creates the app and
an API key; then deploys from the console and manages the releases: connects the
fixture repository (public on the GitHub stand-in), deploys it and watches the live progress
(the event stream) to the end while a worker runs the real pipeline (solc-js, slither, anvil,
npm), sees the audit rating and the contracts' addresses, then on Releases starts a canary of a
second, staged version at 10 %, is refused a lower share at the field (nothing changes),
promotes it and rolls back."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from chainless.chain.localnode import LocalChain
from chainless.platform.core.jobs import RetryJob, get_job
from chainless.platform.core.services import Services, run_job
from chainless.platform.core.settings import ChainConfig, ChainEnvironment, Settings
from tests.contracts.conftest import chain
from tests.deployer.fixture_repo import MANIFEST, commit_change, git_repository
from tests.deployer.github_standin import GitHubStandIn
from tests.factories import PASSWORD, Factory, last_email

__all__ = ["chain"]
pytestmark = pytest.mark.slow
DEPLOY_MS = 120_000  # how long a deployment may take in the page (compile, audit, chain, npm)


@pytest.fixture
def github() -> Iterator[GitHubStandIn]:
    standin = GitHubStandIn().start()
    yield standin
    standin.stop()


@pytest.fixture
def settings(settings: Settings, github: GitHubStandIn, chain: LocalChain) -> Settings:
    """The console's settings with GitHub served by the stand-in and anvil as every chain."""
    local = ChainConfig(chain_id=31337, rpc_urls=[chain.rpc_url], confirmations=1, name="anvil")
    return settings.model_copy(
        update={
            "chains": dict.fromkeys(ChainEnvironment, local),
            "deployer": settings.deployer.model_copy(
                update={"github_api_url": github.base_url, "github_throttle_seconds": 0}
            ),
        }
    )


@pytest.fixture
def worker(live_services: Services) -> Iterator[list[BaseException]]:
    """A worker on the live server's jobs: the deployer's jobs run as they are sent (a job that
    asks to be retried is sent again shortly), the others (mail) stay recorded."""
    runner: Any = live_services.job_runner
    errors: list[BaseException] = []
    stop = threading.Event()

    def work() -> None:
        while not stop.is_set():
            due = [job for job in list(runner.sent) if job[0].startswith("deployer.")]
            if not due:
                time.sleep(0.05)
                continue
            runner.sent.remove(due[0])
            name, kwargs = due[0]
            try:
                run_job(live_services, get_job(name), kwargs)
            except RetryJob:
                time.sleep(0.5)
                runner.sent.append((name, kwargs))
            except BaseException as error:
                errors.append(error)

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    yield errors
    stop.set()
    thread.join(timeout=30)


def _shoot(page: Any, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def _both_widths(page: Any, folder: Path, name: str) -> None:
    """The page at 1280 and at 375 px (and it does not scroll sideways on a phone)."""
    _shoot(page, folder, f"{name}-1280")
    page.set_viewport_size({"width": 375, "height": 812})
    _shoot(page, folder, f"{name}-375")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"{name} scrolls sideways at 375 px ({width} px)"
    page.set_viewport_size({"width": 1280, "height": 900})


def _deploy(page: Any, rollout: str) -> str:
    form = page.get_by_role("form", name="Deploy")
    form.get_by_label("Rollout").select_option(rollout)
    form.get_by_role("button", name="Deploy").click()
    page.wait_for_url(re.compile(r"/deployments/\w{32}$"))
    return str(page.url.rsplit("/", 1)[1])


def _new_developer_with_an_app_and_a_key(
    page: Any, browser: Any, base: str, services: Services, email: str
) -> str:
    """The journey's start, through the pages only: sign up, confirm with the mailed link, sign
    in, submit the qualification, which an operator approves in the operator console, create
    the app and its API key. The app's id."""
    page.goto(f"{base}/console/sign-up")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Display name").fill("Mei")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.get_by_text(f"We sent a confirmation link to {email}").wait_for()
    link = re.search(
        r"https?://\S+/console/verify-email\?token=[\w-]+", last_email(services, email).body
    )
    assert link, "the confirmation mail carries the console link"
    page.goto(link.group(0))
    page.get_by_text(f"Your email {email} is confirmed").wait_for()
    page.goto(f"{base}/console/sign-in")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/console/apps")

    page.get_by_role("link", name="Developer qualification").click()
    form = page.get_by_role("form", name="Submit your qualification")
    form.get_by_label("Organization name").fill("Mei Works")
    form.get_by_label("Registration number").fill("91310115")
    form.get_by_label("Country").fill("CN")
    form.get_by_label("Contact name").fill("Mei")
    form.get_by_role("button", name="Submit").click()
    page.get_by_text("Waiting for review").wait_for()

    operator = Factory(httpx.Client(base_url=base, timeout=30), services).operator()
    desk = browser.new_context(viewport={"width": 1280, "height": 900})
    review = desk.new_page()
    review.set_default_timeout(15_000)
    review.goto(f"{base}/console/sign-in")
    review.get_by_label("Email").fill(operator.email)
    review.get_by_label("Password").fill(operator.password)
    review.get_by_role("button", name="Sign in").click()
    review.locator("ul.hub").get_by_role("link", name="Developer qualifications").click()
    review.get_by_role("button", name="Review: Mei Works").click()
    region = review.get_by_role("region", name="Qualification of Mei Works")
    region.get_by_role("button", name="Approve").click()
    review.get_by_text("The qualification of Mei Works is approved.").first.wait_for()
    desk.close()
    page.reload()
    page.get_by_text("Approved", exact=True).wait_for()

    page.goto(f"{base}/console/apps")
    form = page.get_by_role("form", name="Create a mini-program")
    form.get_by_label("Name").fill("Greeter")
    form.get_by_label("Redirect URIs").fill("https://greeter.example/cb")
    form.get_by_role("button", name="Create").click()
    page.get_by_text("Greeter is created.").wait_for()
    page.get_by_role("row").filter(has_text="Greeter").get_by_role("link", name="Greeter").click()
    page.wait_for_url(re.compile(r"/console/apps/\w+$"))
    app_id = str(page.url.rsplit("/", 1)[1])

    page.get_by_role("navigation", name="Mini-program sections").get_by_role(
        "link", name="API keys"
    ).click()
    form = page.get_by_role("form", name="Create an API key")
    form.get_by_label("Name").fill("deploy-bot")
    form.get_by_role("checkbox", name="deploy:write").check()
    form.get_by_role("button", name="Create key").click()
    page.get_by_text("you will not see it again").wait_for()
    return app_id


def test_connect_deploy_watch_then_canary_promote_and_roll_back(
    live_server: str,
    browser: Any,
    live_services: Services,
    github: GitHubStandIn,
    worker: list[BaseException],
    tmp_path: Path,
    screenshots: Path,
) -> None:
    repo = git_repository(tmp_path / "greeter")
    url = github.host("dev/greeter", repo)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    api = context.request
    app_id = _new_developer_with_an_app_and_a_key(
        page, browser, live_server, live_services, "mei-deploys@example.com"
    )

    # connect the repository: a URL the platform does not take is refused at the field
    page.goto(f"{live_server}/console/apps/{app_id}")
    page.get_by_role("navigation", name="Mini-program sections").get_by_role(
        "link", name="Deployments"
    ).click()
    page.get_by_text("No repository is connected yet").wait_for()
    page.get_by_text("Nothing deployed yet.").wait_for()
    form = page.get_by_role("form", name="Repository")
    form.get_by_label("Repository URL").fill("ftp://example.com/greeter")
    form.get_by_role("button", name="Connect repository").click()
    page.locator("#f-repo_url-error").wait_for()
    assert form.get_by_label("Repository URL").get_attribute("aria-invalid") == "true"
    assert api.get(f"{live_server}/api/v1/apps/{app_id}/deploy").json()["repo_url"] is None
    form.get_by_label("Repository URL").fill(url)
    form.get_by_role("button", name="Connect repository").click()
    page.get_by_test_id("repo-connected").get_by_text(url).wait_for()
    page.get_by_role("button", name="Check with the host").click()
    page.get_by_text("dev/greeter is public; its default branch is main.").wait_for()
    page.get_by_text("Deploy on every push (GitHub webhook)").click()
    page.get_by_text("whsec_").wait_for()
    _both_widths(page, screenshots, "deployments")

    # a malformed ref is refused at the field, and nothing is queued
    deploy = page.get_by_role("form", name="Deploy")
    deploy.get_by_label("Branch, tag or commit").fill("-bad")
    deploy.get_by_role("button", name="Deploy").click()
    page.locator("#f-ref-error").wait_for()
    assert deploy.get_by_label("Branch, tag or commit").get_attribute("aria-invalid") == "true"
    assert api.get(f"{live_server}/api/v1/apps/{app_id}/deployments").json() == []
    deploy.get_by_label("Branch, tag or commit").fill("")

    # deploy and watch the progress live, to the end
    deployment_id = _deploy(page, "immediate")
    page.get_by_role("heading", name=f"Deployment {deployment_id[:8]}").wait_for()
    status = page.get_by_test_id("deployment-status")
    page.get_by_text("Live: progress shows as it happens.").wait_for()
    _shoot(page, screenshots, "deployment-live-1280")
    page.get_by_test_id("stage-source").get_by_text("Done").wait_for(timeout=DEPLOY_MS)
    page.get_by_test_id("stage-release").get_by_text("Done").wait_for(timeout=DEPLOY_MS)
    status.get_by_text("Succeeded").wait_for()
    assert not worker, worker
    for stage in ("source", "compile", "audit", "contracts", "frontend", "release"):
        assert page.get_by_test_id(f"stage-{stage}").get_by_text("Done").count() == 1
    rating = page.get_by_test_id("audit-rating").inner_text()
    assert rating in {"A", "B", "C", "D", "E"}
    assert page.get_by_test_id("audit-production").inner_text().startswith("Production:")
    deployed = api.get(f"{live_server}/api/v1/apps/{app_id}/deployed-contracts").json()
    assert {c["name"] for c in deployed} == {"Greeter", "GreeterRegistry"}
    for contract in deployed:
        address = page.get_by_test_id(f"address-{contract['name']}")
        address.get_by_text(contract["address"]).wait_for()
    # the build log of a step, in the page
    page.get_by_role("button", name="Show log").click()
    page.get_by_test_id("build-log").wait_for()
    assert page.get_by_test_id("build-log").inner_text().strip()
    assert page.get_by_role("button", name="Cancel deployment").count() == 0
    _both_widths(page, screenshots, "deployment")

    # a second version, staged: published, not live
    commit_change(
        repo,
        "chainless.toml",
        MANIFEST.replace('version = "1.0.0"', 'version = "1.1.0"'),
        "Version 1.1.0",
    )
    page.goto(f"{live_server}/console/apps/{app_id}/deployments")
    page.get_by_role("row").filter(has_text="Succeeded").first.wait_for()
    _both_widths(page, screenshots, "deployments-list")
    _deploy(page, "staged")
    page.get_by_test_id("deployment-status").get_by_text("Succeeded").wait_for(timeout=DEPLOY_MS)
    assert not worker, worker

    # releases: the live version, a canary of the new one at 10 %
    page.get_by_role("navigation", name="Mini-program sections").get_by_role(
        "link", name="Releases"
    ).click()
    live = page.get_by_test_id("live-version")
    live.get_by_text("1.0.0").wait_for()
    assert page.get_by_test_id("live-canary").inner_text().startswith("No canary")
    canary = page.get_by_role("form", name="Canary")
    canary.get_by_label("Version").select_option("1.1.0")
    canary.get_by_label("Share of users (%)").fill("10")
    canary.get_by_role("button", name="Set canary").click()
    page.get_by_test_id("release-result").get_by_text(
        "1.1.0 now goes to 10% of the users of dev."
    ).wait_for()
    page.get_by_test_id("live-canary").get_by_text("1.1.0 to 10% of users").wait_for()

    # a lower share is refused at the field, and nothing changes
    canary.get_by_label("Share of users (%)").fill("5")
    canary.get_by_role("button", name="Set canary").click()
    error = page.locator("#f-percent-error")
    error.wait_for()
    assert "it may only grow" in error.inner_text()
    assert canary.get_by_label("Share of users (%)").get_attribute("aria-invalid") == "true"
    channel = api.get(f"{live_server}/api/v1/apps/{app_id}/environments/dev/releases").json()
    assert (channel["current"], channel["canary"], channel["canary_percent"]) == (
        "1.0.0",
        "1.1.0",
        10,
    )
    _both_widths(page, screenshots, "releases-canary")

    # promote (asks once), then roll back (asks once)
    page.get_by_role("row").filter(has_text="1.1.0").get_by_role(
        "button", name="Promote 1.1.0"
    ).click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_text("Make 1.1.0 live for every user of dev?").wait_for()
    dialog.get_by_role("button", name="Promote").click()
    page.get_by_test_id("release-result").get_by_text(
        "1.1.0 is live for every user of dev."
    ).wait_for()
    live.get_by_text("1.1.0").wait_for()
    page.get_by_role("row").filter(has_text="1.0.0").get_by_role(
        "button", name="Roll back to 1.0.0"
    ).click()
    dialog.get_by_text("Switch dev back to 1.0.0 now?").wait_for()
    _shoot(page, screenshots, "releases-confirm-rollback-1280")
    dialog.get_by_role("button", name="Roll back").click()
    page.get_by_test_id("release-result").get_by_text("dev is back on 1.0.0.").wait_for()
    live.get_by_text("1.0.0").wait_for()
    history = page.get_by_role("table", name="History")
    history.get_by_role("row").filter(has_text="Rolled back").wait_for()
    history.get_by_role("row").filter(has_text="Promoted").wait_for()
    channel = api.get(f"{live_server}/api/v1/apps/{app_id}/environments/dev/releases").json()
    assert (channel["current"], channel["canary"]) == ("1.0.0", None)
    page.reload()
    page.get_by_test_id("live-version").get_by_text("1.0.0").wait_for()
    _both_widths(page, screenshots, "releases")

    page.set_viewport_size({"width": 375, "height": 812})
    page.get_by_label("Language").select_option("zh-CN")
    page.get_by_role("heading", name="发布", exact=True).wait_for()
    _shoot(page, screenshots, "releases-zh-375")
    context.close()
