"""The public catalog wallet users browse: search and the app page (no sign-in).

Answers carry a strong ETag of their body and ``Cache-Control: public, max-age=0,
must-revalidate``: every client revalidates (a 304 costs no body), so a delisted app leaves
caches as soon as it leaves the index. Each client IP is rate limited
(``rate_limits.catalog_per_ip_per_minute``).
"""

from __future__ import annotations

import hashlib
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel

from chainless.platform.catalog import search as catalog_search
from chainless.platform.catalog import service
from chainless.platform.catalog.schemas import AppPageOut, Language, SearchOut, Sort
from chainless.platform.core.deps import RateLimit, ReadSession, ServicesDep
from chainless.platform.core.errors import problem_responses

router = APIRouter(
    tags=["catalog"],
    dependencies=[Depends(RateLimit("catalog", "catalog_per_ip_per_minute"))],
)
CACHE_CONTROL = "public, max-age=0, must-revalidate"


def _cached(request: Request, body: BaseModel) -> Response:
    content = body.model_dump_json().encode()
    etag = '"' + hashlib.sha256(content).hexdigest()[:32] + '"'
    headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL, "Vary": "Accept-Encoding"}
    sent = [
        t.strip().removeprefix("W/") for t in request.headers.get("if-none-match", "").split(",")
    ]
    if etag in sent or "*" in sent:
        return Response(status_code=304, headers=headers)
    return Response(content, media_type="application/json", headers=headers)


@router.get(
    "/catalog/apps",
    response_model=SearchOut,
    summary="Search the listed apps (public)",
    responses={**problem_responses(400, 422, 429), 304: {"description": "not modified"}},
)
def search_apps(
    request: Request,
    session: ReadSession,
    q: Annotated[str, Query(max_length=200, description="words, a prefix, or Chinese")] = "",
    category: Annotated[str | None, Query(max_length=32)] = None,
    tag: Annotated[str | None, Query(max_length=24)] = None,
    sort: Sort = "relevance",
    cursor: Annotated[str | None, Query(max_length=512)] = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
    lang: Language = "en",
) -> Response:
    query = catalog_search.Query(
        q=q, category=category, tag=tag, sort=sort, cursor=cursor, limit=limit, lang=lang
    )
    return _cached(request, catalog_search.search(session, query))


@router.get(
    "/catalog/apps/{slug}",
    response_model=AppPageOut,
    summary="An app's page: its listing, security profile and risk (public)",
    responses={**problem_responses(404, 422, 429), 304: {"description": "not modified"}},
)
def app_page(
    slug: str, request: Request, session: ReadSession, services: ServicesDep, lang: Language = "en"
) -> Response:
    return _cached(request, service.app_page(services, session, slug[:128], lang))
