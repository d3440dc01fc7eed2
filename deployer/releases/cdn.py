"""The CDN origin: published files by versioned, content-addressed path, the signed manifests,
the entry that picks a user's release, and the wallet's reports. A delisted app has no entry
(410 ``app_delisted``): wallets resolve an app through it, while its versioned files stay
immutable.

``/cdn/sites/{app_id}/{bundle_hash}/{path}`` never changes meaning (the bundle hash names the
exact files), so it is served ``immutable`` for a year with the file's SHA-256 as its ETag. The
entry (``/cdn/entry/{app_id}/{env}``) is the only changing URL: ``no-cache``, it answers with the
versioned path of the release the user gets (current, or the canary when the user's bucket is in,
with a ticket to report that load's outcome: ``report_tickets.py``). With S3 storage the same
routes read the bucket; a CDN in front caches them by these headers.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from chainless.deployer.deployments.artifacts import blob_key
from chainless.deployer.deployments.schemas import Environment
from chainless.deployer.releases import canary, keys, report_tickets, repository
from chainless.deployer.releases.manifest import has_frontend
from chainless.deployer.releases.reports import receive
from chainless.deployer.releases.schemas import EntryOut, ReportIn, ReportOut
from chainless.platform.core.deps import DbSession, RateLimit, ReadSession, ServicesDep
from chainless.platform.core.errors import Gone, NotFound, problem_responses
from chainless.platform.core.services import Services
from chainless.platform.core.storage import InvalidKey
from chainless.platform.models import AppStatus, MiniProgram

router = APIRouter(prefix="/cdn", tags=["cdn"])
IMMUTABLE = "public, max-age=31536000, immutable"
NO_CACHE = "no-cache"
_INDEX_CACHE = "releases.site_indexes"
_INDEX_CACHE_SIZE = 512
_files_limit = [Depends(RateLimit("cdn.files", "cdn_per_ip_per_minute"))]
_entry_limit = [Depends(RateLimit("cdn.entry", "cdn_entry_per_ip_per_minute"))]
_report_limit = [Depends(RateLimit("cdn.reports", "release_reports_per_ip_per_minute"))]


def _missing(what: str) -> NotFound:
    return NotFound(f"no {what}", code="cdn_not_found")


def _no_entry(
    app_id: str, environment: str, version: str, path: str, manifest_url: str, frontend: bool
) -> NotFound:
    """Never a redirect to a file that does not exist: a contracts-only release has none."""
    if not frontend:
        return NotFound(
            f"release {version} of app {app_id} in {environment} has no frontend (contracts "
            "only): nothing to load; its contracts are listed in its manifest",
            code="no_frontend",
            version=version,
            manifest_url=manifest_url,
        )
    return NotFound(
        f"release {version} of app {app_id} in {environment} has no file {path!r}",
        code="cdn_not_found",
        version=version,
    )


def _site_index(services: Services, app_id: str, bundle: str) -> dict[str, list[Any]]:
    """The site's path → [sha256, content type, size]; immutable, so cached in the process."""
    cache: dict[tuple[str, str], dict[str, list[Any]]] = services.extras.setdefault(
        _INDEX_CACHE, {}
    )
    index = cache.get((app_id, bundle))
    if index is None:
        key = keys.site_index_key(app_id, bundle)
        try:
            if not keys.HEX64.match(bundle) or not services.storage.exists(key):
                raise _missing(f"published site {bundle} of app {app_id}")
        except InvalidKey:
            raise _missing(f"published site {bundle} of app {app_id}") from None
        index = json.loads(services.storage.get(key))
        if len(cache) >= _INDEX_CACHE_SIZE:
            cache.pop(next(iter(cache)))
        cache[(app_id, bundle)] = index
    return index


def _limits(answer: Response, dependency: Response) -> Response:
    """The rate limit's headers, set by the dependency on FastAPI's response, onto ours."""
    for name, value in dependency.headers.items():
        if name.lower().startswith("ratelimit"):
            answer.headers[name] = value
    return answer


def _not_modified(request: Request, etag: str) -> bool:
    return etag in [t.strip() for t in request.headers.get("if-none-match", "").split(",")]


def _immutable(
    request: Request, response: Response, data: bytes | None, etag: str, content_type: str
) -> Response:
    headers = {"Cache-Control": IMMUTABLE, "ETag": etag, "X-Content-Type-Options": "nosniff"}
    if data is None or _not_modified(request, etag):
        return _limits(Response(status_code=304, headers=headers), response)
    return _limits(Response(data, media_type=content_type, headers=headers), response)


@router.get(
    "/sites/{app_id}/{bundle_hash}/{path:path}",
    summary="A file of a published release (versioned, immutable)",
    responses=problem_responses(404, 429),
    dependencies=_files_limit,
)
@router.head(
    "/sites/{app_id}/{bundle_hash}/{path:path}",
    summary="A file's headers (size, type, ETag) without its body",
    responses=problem_responses(404, 429),
    dependencies=_files_limit,
    operation_id="site_file_head",
)
def site_file(
    app_id: str,
    bundle_hash: str,
    path: str,
    request: Request,
    response: Response,
    services: ServicesDep,
) -> Response:
    entry = _site_index(services, app_id, bundle_hash).get(path or "index.html")
    if entry is None:
        raise _missing(f"file {path!r} in site {bundle_hash}")
    sha256, content_type = str(entry[0]), str(entry[1])
    etag = f'"{sha256}"'
    if _not_modified(request, etag):
        return _immutable(request, response, None, etag, content_type)
    data = services.storage.get(blob_key(sha256))
    return _immutable(request, response, data, etag, content_type)


@router.get(
    "/releases/{app_id}/{environment}/{version}/{name}",
    summary="A release's signed manifest (JWS; verify it with /oauth/jwks)",
    responses=problem_responses(404, 429),
    dependencies=_files_limit,
)
def release_manifest(
    app_id: str,
    environment: Environment,
    version: str,
    name: str,
    request: Request,
    response: Response,
    services: ServicesDep,
) -> Response:
    match = keys.MANIFEST_NAME.match(name)
    key = f"public/releases/{app_id}/{environment}/{version}/{name}"
    try:
        found = match is not None and services.storage.exists(key)
    except InvalidKey:
        found = False
    if not found or match is None:
        raise _missing(f"manifest {name} of {app_id} {version}")
    data = services.storage.get(key)
    etag = f'"{match.group(1)}"'
    return _immutable(request, response, data, etag, keys.MANIFEST_CONTENT_TYPE)


@router.get(
    "/entry/{app_id}/{environment}",
    summary="The release a user gets: a redirect to its versioned path (or its JSON form)",
    description="`user` is the wallet address or user id: it decides canary membership.",
    responses={**problem_responses(404, 410, 429), 200: {"model": EntryOut}},
    dependencies=_entry_limit,
)
def entry(
    app_id: str,
    environment: Environment,
    session: ReadSession,
    services: ServicesDep,
    response: Response,
    user: Annotated[str | None, Query(max_length=128)] = None,
    path: Annotated[str, Query(max_length=512)] = "index.html",
    format: Annotated[Literal["redirect", "json"], Query()] = "redirect",
) -> Response:
    app = session.get(MiniProgram, app_id)
    if app is not None and app.status == AppStatus.DELISTED:  # spec 3.4.1: no longer offered
        raise Gone(f"app {app_id} was delisted", code="app_delisted")
    channel = repository.channel(session, app_id, environment)
    current = repository.release_by_id(session, channel.current_release_id if channel else None)
    if channel is None or current is None:
        raise NotFound(f"app {app_id} has no release in {environment}", code="no_release")
    release, in_canary = current, False
    if channel.canary_release_id and canary.in_canary(
        app_id, environment, user, channel.canary_percent
    ):
        chosen = repository.release_by_id(session, channel.canary_release_id)
        release, in_canary = (chosen, True) if chosen is not None else (current, False)
    base = services.settings.public_url
    manifest_url = base + keys.manifest_path(release.manifest_key)
    frontend = has_frontend(release.bundle_hash)
    site = base + keys.site_path(app_id, release.bundle_hash) if frontend else None
    wanted = path.lstrip("/") or "index.html"
    found = frontend and wanted in _site_index(services, app_id, release.bundle_hash)
    headers = {"Cache-Control": NO_CACHE, "X-Chainless-Release": release.version}
    ticket = None
    if in_canary:  # the canary's health is watched: its load may be reported once
        secret = services.settings.secret_key
        ticket = report_tickets.issue(secret, app_id, environment, release.id)
        headers["X-Chainless-Report-Ticket"] = ticket
    if format == "redirect":
        if site is None or not found:
            raise _no_entry(app_id, environment, release.version, wanted, manifest_url, frontend)
        redirect = RedirectResponse(site + wanted, status_code=302, headers=headers)
        return _limits(redirect, response)
    body = EntryOut(
        app_id=app_id,
        environment=environment,
        version=release.version,
        canary=in_canary,
        frontend=frontend,
        site_url=site,
        entry_url=site + wanted if site is not None and found else None,
        manifest_url=manifest_url,
        report_ticket=ticket,
    )
    return _limits(JSONResponse(body.model_dump(), headers=headers), response)


@router.post(
    "/reports/{app_id}/{environment}",
    response_model=ReportOut,
    summary="The outcomes of canary loads, each with the entry's report ticket (canary health)",
    description="Each ticket counts once, as one load and at most one error; a request whose "
    "tickets are all refused answers 422 `report_ticket_invalid`.",
    responses=problem_responses(404, 422, 429),
    dependencies=_report_limit,
)
def report(
    app_id: str, environment: Environment, body: ReportIn, session: DbSession, services: ServicesDep
) -> ReportOut:
    settings = services.settings
    return receive(
        session,
        services.counters,
        settings.deployer,
        settings.secret_key,
        app_id,
        environment,
        body,
    )
