"""The public catalog: listings checked at submission, search quality, the app page and risk."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update

from chainless.platform.core.clock import utcnow
from chainless.platform.core.services import Services
from chainless.platform.models import AppContract, AuditCertificate, CatalogEntry
from tests.conftest import RecordingJobRunner
from tests.factories import Actor, Factory
from tests.platform.test_apps_support import (
    add_version,
    app_url,
    approved_developer,
    assert_problem,
    create_app,
)

pytestmark = pytest.mark.portable
SEARCH = "/api/v1/catalog/apps"
ADMIN = "/api/v1/admin/apps"

# name (en), name (zh-CN), short description, category, tags
CATALOG = [
    ("Uniswap", "优尼交换", "Swap tokens on the leading DEX", "exchange", ["swap", "dex"]),
    ("SushiSwap", "寿司交换", "Community swaps and farms", "exchange", ["swap"]),
    ("Aave Lending", "借贷市场", "Lend and borrow crypto", "defi", ["lending"]),
    ("Chain Wallet", "钱包助手", "Manage your wallet", "tools", ["wallet"]),
    ("Pixel Quest", "像素冒险", "A pixel adventure game", "games", ["rpg"]),
    ("Pay Later", "先买后付", "Pay in installments with stablecoins", "payments", []),
    ("NFT Gallery", "数字藏品馆", "Show your NFT collection", "nft", ["art"]),
]


def listing(en: str, zh: str, short: str, long: str = "More words.") -> dict[str, Any]:
    return {
        "texts": {
            "en": {"name": en, "short_description": short, "description": long},
            "zh-CN": {"name": zh, "short_description": short, "description": long},
        }
    }


def submit(client: Any, developer: Actor, app_id: str, body: dict[str, Any]) -> Any:
    return client.post(app_url(app_id, "/submit"), json=body, headers=developer.headers)


def list_app(
    client: Any, developer: Actor, operator: Actor, row: tuple[Any, ...], **app: Any
) -> str:
    en, zh, short, category, tags = row
    app_id = create_app(client, developer, name=en, category=category, tags=tags, **app)["app_id"]
    assert add_version(client, developer, app_id).status_code == 201
    body = {"version": "1.0.0", "listing": listing(en, zh, short)}
    assert submit(client, developer, app_id, body).status_code == 200
    decided = client.post(
        f"{ADMIN}/{app_id}/review", json={"decision": "approve"}, headers=operator.headers
    )
    assert decided.status_code == 200, decided.text
    return str(app_id)


@pytest.fixture
def catalog(client: Any, factory: Factory, jobs: RecordingJobRunner) -> dict[str, Any]:
    developer = approved_developer(factory)
    operator = factory.operator()
    ids = {row[0]: list_app(client, developer, operator, row) for row in CATALOG}
    assert "catalog.index_app" in jobs.names()
    jobs.drain()
    return {"ids": ids, "developer": developer, "operator": operator}


def names(response: Any) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["names"]["en"] for item in response.json()["items"]]


def find(client: Any, **params: Any) -> Any:
    return client.get(SEARCH, params=params)


# --- listing checked at submission -----------------------------------------------------------


def test_submission_reports_every_listing_field_that_breaks_a_rule(
    client: Any, factory: Factory
) -> None:
    developer = approved_developer(factory)
    tags = ["a", "b", "c", "d", "e", "f"]
    app_id = create_app(client, developer, tags=tags)["app_id"]
    assert add_version(client, developer, app_id).status_code == 201
    body = {
        "version": "1.0.0",
        "listing": {
            "texts": {
                "en": {"name": "", "short_description": "x" * 171, "description": "y" * 4001},
                "fr": {"name": "Échange"},
            }
        },
    }
    problem = assert_problem(submit(client, developer, app_id, body), 422, "invalid_listing")
    where = {tuple(e["location"][2:]): e["type"] for e in problem["errors"]}
    assert where == {
        ("tags",): "too_many",
        ("texts", "fr"): "language",
        ("texts", "en", "name"): "missing",
        ("texts", "en", "short_description"): "too_long",
        ("texts", "en", "description"): "too_long",
    }
    # nothing changed: the version is still a draft, the app still in development
    versions = client.get(app_url(app_id, "/versions"), headers=developer.headers).json()
    assert versions[0]["status"] == "draft"


def test_a_submission_without_a_listing_or_a_description_says_to_add_one(
    client: Any, factory: Factory
) -> None:
    developer = approved_developer(factory)
    app_id = create_app(client, developer, description="")["app_id"]
    assert add_version(client, developer, app_id).status_code == 201
    problem = assert_problem(
        submit(client, developer, app_id, {"version": "1.0.0"}), 422, "invalid_listing"
    )
    assert problem["detail"].startswith("the app has no description: add one in its settings")


def test_a_submission_without_a_listing_lists_the_apps_own_name(
    client: Any, factory: Factory, jobs: RecordingJobRunner
) -> None:
    developer = approved_developer(factory)
    app_id = create_app(client, developer, name="链上钱包", description="管理资产")["app_id"]
    assert add_version(client, developer, app_id).status_code == 201
    assert submit(client, developer, app_id, {"version": "1.0.0"}).status_code == 200
    operator = factory.operator()
    client.post(f"{ADMIN}/{app_id}/review", json={"decision": "approve"}, headers=operator.headers)
    jobs.drain()
    item = find(client, q="钱包").json()["items"][0]
    assert item["names"] == {"zh-CN": "链上钱包"}
    assert item["short_description"] == "管理资产"
    assert item["slug"] == app_id  # no Latin letters to make a slug of


def test_the_category_list_is_fixed(client: Any, factory: Factory) -> None:
    developer = approved_developer(factory)
    response = client.post(
        "/api/v1/apps", json={"name": "X", "category": "casino"}, headers=developer.headers
    )
    assert_problem(response, 422, "validation_error")
    assert_problem(find(client, category="casino"), 422, "unknown_category")


# --- search quality ----------------------------------------------------------------------------


def test_search_is_typo_tolerant_and_matches_prefixes(client: Any, catalog: dict[str, Any]) -> None:
    assert names(find(client, q="Unuswap"))[0] == "Uniswap"  # one wrong letter
    assert names(find(client, q="uniswp"))[0] == "Uniswap"  # one missing
    assert names(find(client, q="Unis"))[0] == "Uniswap"  # a prefix
    assert names(find(client, q="galle"))[0] == "NFT Gallery"  # a prefix of a later word
    assert set(names(find(client, q="swap"))) >= {"Uniswap", "SushiSwap"}
    assert names(find(client, q="zzzqqq")) == []


def test_two_chinese_characters_match_and_names_mix_languages(
    client: Any, catalog: dict[str, Any]
) -> None:
    assert names(find(client, q="钱包")) == ["Chain Wallet"]
    assert set(names(find(client, q="交换"))) == {"Uniswap", "SushiSwap"}
    zh = find(client, q="像素", lang="zh-CN").json()["items"][0]
    assert zh["name"] == "像素冒险"
    assert zh["language"] == "zh-CN"
    assert zh["highlights"] == [{"field": "name", "language": "zh-CN", "spans": [[0, 2]]}]


def test_matches_are_highlighted(client: Any, catalog: dict[str, Any]) -> None:
    item = find(client, q="wallet").json()["items"][0]
    spans = {(h["field"], h["language"]): h["spans"] for h in item["highlights"]}
    assert spans[("name", "en")] == [[6, 12]]  # "Chain Wallet"
    assert spans[("short_description", "en")] == [[12, 18]]  # "Manage your wallet"
    fuzzy = find(client, q="Unuswap").json()["items"][0]
    assert {"field": "name", "language": "en", "spans": [[0, 7]]} in fuzzy["highlights"]


def test_facets_count_categories_before_the_filter(client: Any, catalog: dict[str, Any]) -> None:
    body = find(client, q="swap", category="exchange").json()
    assert {f["category"]: f["count"] for f in body["facets"]} == {"exchange": 2}
    everything = find(client).json()
    counts = {f["category"]: f["count"] for f in everything["facets"]}
    assert counts == {"exchange": 2, "defi": 1, "tools": 1, "games": 1, "payments": 1, "nft": 1}
    assert everything["total"] == len(CATALOG)
    assert names(find(client, category="games")) == ["Pixel Quest"]
    assert names(find(client, tag="lending")) == ["Aave Lending"]


def test_sorts(client: Any, services: Services, catalog: dict[str, Any]) -> None:
    ids = catalog["ids"]
    now = utcnow()
    with services.transaction() as session:
        for rank, name in enumerate(["Pixel Quest", "Uniswap", "Pay Later"]):
            session.execute(
                update(CatalogEntry)
                .where(CatalogEntry.app_id == ids[name])
                .values(popularity=100 - rank, listed_at=now - timedelta(days=rank + 1))
            )
        session.execute(
            update(CatalogEntry)
            .where(CatalogEntry.app_id == ids["NFT Gallery"])
            .values(listed_at=now + timedelta(seconds=1))
        )
    assert names(find(client, sort="popular"))[:3] == ["Pixel Quest", "Uniswap", "Pay Later"]
    assert names(find(client, sort="new"))[0] == "NFT Gallery"
    assert names(find(client))[:3] == ["Pixel Quest", "Uniswap", "Pay Later"]  # no q: popular
    assert len(names(find(client, sort="rating"))) == len(CATALOG)  # unrated: by popularity
    # with a query, relevance first, popularity breaks the tie
    assert names(find(client, q="swap"))[:2] == ["Uniswap", "SushiSwap"]


def test_cursor_pages_have_no_duplicates_or_gaps(client: Any, catalog: dict[str, Any]) -> None:
    for sort in ("relevance", "popular", "new", "rating"):
        _page_through(client, sort)


def _page_through(client: Any, sort: str) -> None:
    whole = names(find(client, sort=sort, limit=50))
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"sort": sort, "limit": 2}
        if cursor:
            params["cursor"] = cursor
        body = find(client, **params).json()
        seen += [item["names"]["en"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == whole
    assert len(set(seen)) == len(CATALOG)


def test_a_bad_cursor_is_refused(client: Any, catalog: dict[str, Any]) -> None:
    assert_problem(find(client, cursor="not-a-cursor"), 400, "invalid_cursor")
    cursor = find(client, sort="new", limit=1).json()["next_cursor"]
    assert_problem(find(client, sort="popular", cursor=cursor), 400, "invalid_cursor")


def test_a_delisted_app_leaves_search_at_once_and_comes_back_relisted(
    client: Any, catalog: dict[str, Any], jobs: RecordingJobRunner
) -> None:
    app_id, operator = catalog["ids"]["Uniswap"], catalog["operator"]
    delisted = client.post(
        f"{ADMIN}/{app_id}/delist", json={"reason": "phishing"}, headers=operator.headers
    )
    assert delisted.status_code == 200
    assert "Uniswap" not in names(find(client, q="swap"))  # no job needed: the same transaction
    page = client.get(f"{SEARCH}/{app_id}").json()
    assert page["listed"] is False
    assert page["risk"]["level"] == "block"
    assert "delisted" in page["risk"]["reasons"]
    client.post(f"{ADMIN}/{app_id}/relist", json={}, headers=operator.headers)
    jobs.drain()
    assert "Uniswap" in names(find(client, q="swap"))


def test_an_app_not_yet_approved_is_not_in_the_catalog(client: Any, factory: Factory) -> None:
    developer = approved_developer(factory)
    app_id = create_app(client, developer, name="Hidden Gem")["app_id"]
    assert names(find(client, q="Hidden")) == []
    assert_problem(client.get(f"{SEARCH}/{app_id}"), 404, "app_not_found")


def test_the_refresh_job_heals_the_index(
    client: Any, services: Services, catalog: dict[str, Any]
) -> None:
    from chainless.platform.catalog import indexing

    with services.transaction() as session:
        session.execute(update(CatalogEntry).values(popularity=5))
        assert indexing.refresh(session) == len(CATALOG)
    assert {i["popularity"] for i in find(client).json()["items"]} == {0}


# --- caching and limits ------------------------------------------------------------------------


def test_etag_answers_304_until_the_catalog_changes(client: Any, catalog: dict[str, Any]) -> None:
    first = find(client, q="swap")
    assert first.headers["cache-control"] == "public, max-age=0, must-revalidate"
    etag = first.headers["etag"]
    again = client.get(SEARCH, params={"q": "swap"}, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.headers["etag"] == etag
    assert again.content == b""
    client.post(
        f"{ADMIN}/{catalog['ids']['SushiSwap']}/delist",
        json={"reason": "gone"},
        headers=catalog["operator"].headers,
    )
    changed = client.get(SEARCH, params={"q": "swap"}, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag
    slug = find(client, q="Uniswap").json()["items"][0]["slug"]
    page = client.get(f"{SEARCH}/{slug}")
    same = client.get(f"{SEARCH}/{slug}", headers={"If-None-Match": page.headers["etag"]})
    assert same.status_code == 304


def test_the_catalog_is_rate_limited_per_client(client: Any, services: Services) -> None:
    services.settings.rate_limits.catalog_per_ip_per_minute = 3
    answers = [find(client).status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    assert_problem(find(client), 429, "rate_limited")


# --- the app page ------------------------------------------------------------------------------


def test_the_app_page_shows_the_security_profile_and_why_it_warns(
    client: Any, services: Services, catalog: dict[str, Any]
) -> None:
    app_id = catalog["ids"]["Uniswap"]
    slug = find(client, q="Uniswap").json()["items"][0]["slug"]
    assert slug.startswith("uniswap-")
    page = client.get(f"{SEARCH}/{slug}")
    assert page.status_code == 200, page.text
    body = page.json()
    assert body["app"]["names"] == {"en": "Uniswap", "zh-CN": "优尼交换"}
    assert body["descriptions"]["en"] == "More words."
    security = body["security"]
    assert security["certificate"] is None
    assert security["release"] is None
    assert security["developer_qualified"] is True
    assert security["gas_sponsored"] is False
    assert {s["scope"]: s["high_risk"] for s in security["scopes"]} == {
        "basic:address": False,
        "transaction:sign": True,
    }
    assert security["scopes"][1]["description"] == "Ask you to sign transactions"
    assert body["risk"] == {
        "level": "warn",
        "reasons": ["no_third_party_audit", "high_risk_scopes"],
    }
    assert client.get(f"{SEARCH}/{app_id}").json()["app"]["slug"] == slug  # the app id works too

    with services.transaction() as session:
        session.add(
            AuditCertificate(
                id="c" * 32,
                app_id=app_id,
                issuer="Trail of Bits",
                filename="audit.pdf",
                content_type="application/pdf",
                size=10,
                sha256="a" * 64,
                storage_key="k",
                issued_on="2026-11-01",
                uploaded_by=catalog["developer"].id,
            )
        )
        session.add(
            AppContract(
                id="d" * 32,
                app_id=app_id,
                environment="prod",
                address="0x" + "1" * 40,
                name="Router",
            )
        )
    body = client.get(f"{SEARCH}/{slug}").json()
    certificate = body["security"]["certificate"]
    assert certificate["auditor"] == "Trail of Bits"
    assert certificate["issued_on"] == "2026-11-01"
    assert certificate["sha256"] == "a" * 64
    assert body["risk"]["reasons"] == ["contracts_changed_recently", "high_risk_scopes"]


def test_an_unknown_slug_is_a_404(client: Any) -> None:
    assert_problem(client.get(f"{SEARCH}/no-such-app"), 404, "app_not_found")


def _deployed(services: Services, app_id: str, *, verified: bool | None, days_ago: int) -> None:
    """What a production deployment leaves behind: a build audited by slither, a confirmed
    contract, a release with its signed manifest in storage, the channel pointing at it."""
    from chainless.deployer.models import (
        ContractBuild,
        DeployedContract,
        Deployment,
        Release,
        ReleaseChannel,
    )

    at = utcnow() - timedelta(days=days_ago)
    findings = [{"impact": "Medium", "confidence": "High"}, {"impact": "Low", "confidence": "Low"}]
    services.storage.put(
        "manifests/m.jws", b"aGVhZA.Ym9keQ.c2lnbmF0dXJl", content_type="text/plain"
    )
    with services.transaction() as session:
        session.add(
            Deployment(
                id="e" * 32,
                app_id=app_id,
                environment="prod",
                repo_url="https://github.com/acme/swap",
                ref="main",
                trigger="api",
                requested_by="x",
                status="succeeded",
            )
        )
        session.add(
            ContractBuild(
                content_hash="b" * 64,
                compiler_version="0.8.26",
                input_key="k",
                contracts={},
                audit_tool="slither 0.11.3",
                audit_rating="C",
                audit_findings=findings,
                audited_at=at,
            )
        )
        session.flush()
        session.add(
            DeployedContract(
                deployment_id="e" * 32,
                app_id=app_id,
                environment="prod",
                app_version="1.0.0",
                name="Router",
                chain_id=31337,
                deployer="0x" + "2" * 40,
                nonce=0,
                transaction_hash="0x" + "3" * 64,
                raw_transaction="0x00",
                status="deployed",
                address="0x" + "4" * 40,
                build="b" * 64,
                audit_rating="C",
                source_verified=verified,
                deployed_at=at,
            )
        )
        session.add(
            Release(
                id="f" * 32,
                app_id=app_id,
                environment="prod",
                version="1.0.0",
                deployment_id="e" * 32,
                commit_sha="9" * 40,
                bundle_hash="8" * 64,
                manifest_key="manifests/m.jws",
                manifest_kid="kid-1",
                created_by="x",
                created_at=at,
            )
        )
        session.flush()
        session.add(ReleaseChannel(app_id=app_id, environment="prod", current_release_id="f" * 32))


def test_the_app_page_shows_the_live_release_and_contracts(
    client: Any, services: Services, catalog: dict[str, Any]
) -> None:
    app_id = catalog["ids"]["Aave Lending"]
    _deployed(services, app_id, verified=None, days_ago=30)
    body = client.get(f"{SEARCH}/{app_id}").json()
    security = body["security"]
    assert security["release"]["commit_sha"] == "9" * 40
    assert security["release"]["content_hash"] == "8" * 64
    assert security["release"]["key_id"] == "kid-1"
    assert security["release"]["signature"] == "c2lnbmF0dXJl"
    assert security["release"]["manifest_url"].startswith("http://testserver/")
    [contract] = security["contracts"]
    assert contract["chain_id"] == 31337
    assert contract["address"] == "0x" + "4" * 40
    assert contract["verification"] == "unknown"
    assert security["static_analysis"] == {
        "tool": "slither 0.11.3",
        "rating": "C",
        "findings": {"Medium": 1, "Low": 1},
    }
    expected = ["no_third_party_audit", "contract_not_verified", "high_risk_scopes"]
    assert body["risk"]["reasons"] == expected


def test_a_poor_rating_and_a_fresh_contract_warn(
    client: Any, services: Services, catalog: dict[str, Any]
) -> None:
    from chainless.deployer.models import ContractBuild

    app_id = catalog["ids"]["Pay Later"]
    _deployed(services, app_id, verified=True, days_ago=1)
    with services.transaction() as session:
        session.execute(update(ContractBuild).values(audit_rating="D"))
    body = client.get(f"{SEARCH}/{app_id}").json()
    assert body["security"]["contracts"][0]["verification"] == "verified"
    assert body["risk"] == {
        "level": "warn",
        "reasons": [
            "no_third_party_audit",
            "static_analysis_below_threshold",
            "contracts_changed_recently",
            "high_risk_scopes",
        ],
    }
