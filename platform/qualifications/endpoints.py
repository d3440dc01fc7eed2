"""Developer qualification: upload documents, submit, and the operators' review queue."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, Query, UploadFile

from chainless.platform.auth.dependencies import AccountPrincipal, Require
from chainless.platform.auth.principal import Principal
from chainless.platform.core.bounded import Int64
from chainless.platform.core.deps import DbSession, ServicesDep
from chainless.platform.core.errors import Forbidden, PayloadTooLarge, problem_responses
from chainless.platform.core.permissions import Permission
from chainless.platform.models import Qualification
from chainless.platform.qualifications import repository, service
from chainless.platform.qualifications.schemas import (
    DecisionRequest,
    DocumentOut,
    QualificationOut,
    QualificationRequest,
)

router = APIRouter(tags=["qualifications"])
Reviewer = Annotated[Principal, Depends(Require(Permission.QUALIFICATION_REVIEW))]


def _out(q: Qualification) -> QualificationOut:
    return QualificationOut.model_validate(q, from_attributes=True)


def _developer(principal: Principal) -> None:
    if not principal.can(Permission.QUALIFICATION_SUBMIT):
        raise Forbidden("only developer accounts submit qualifications", code="permission_denied")


@router.post(
    "/developer/qualification/documents",
    status_code=201,
    response_model=DocumentOut,
    responses=problem_responses(401, 403, 413, 422),
)
async def upload_document(
    principal: AccountPrincipal,
    services: ServicesDep,
    file: Annotated[UploadFile, File(description="PDF, PNG or JPEG")],
) -> DocumentOut:
    _developer(principal)
    limit = services.settings.max_upload_bytes
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise PayloadTooLarge(f"documents are limited to {limit} bytes")
    meta = service.store_document(
        services.storage,
        principal,
        filename=file.filename or "document",
        content_type=file.content_type or "",
        data=data,
    )
    return DocumentOut.model_validate(meta)


@router.post(
    "/developer/qualification",
    status_code=201,
    response_model=QualificationOut,
    responses=problem_responses(401, 403, 409, 422),
)
def submit_qualification(
    body: QualificationRequest,
    principal: AccountPrincipal,
    session: DbSession,
    services: ServicesDep,
) -> QualificationOut:
    _developer(principal)
    return _out(service.submit(session, services.storage, principal, body))


@router.get(
    "/developer/qualification",
    response_model=QualificationOut,
    responses=problem_responses(401, 404),
)
def my_qualification(principal: AccountPrincipal, session: DbSession) -> QualificationOut:
    latest = repository.latest_of(session, principal.id)
    if latest is None:
        from chainless.platform.core.errors import NotFound

        raise NotFound("no qualification submitted yet", code="qualification_not_found")
    return _out(latest)


@router.get(
    "/admin/qualifications",
    response_model=list[QualificationOut],
    responses=problem_responses(401, 403),
)
def review_queue(
    principal: Reviewer,
    session: DbSession,
    status: Literal["pending", "approved", "rejected"] | None = "pending",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[Int64, Query(ge=0)] = 0,
) -> list[QualificationOut]:
    return [_out(q) for q in repository.by_status(session, status, limit=limit, offset=offset)]


@router.post(
    "/admin/qualifications/{qualification_id}/decision",
    response_model=QualificationOut,
    responses=problem_responses(401, 403, 404, 409, 422),
)
def decide_qualification(
    qualification_id: str, body: DecisionRequest, principal: Reviewer, session: DbSession
) -> QualificationOut:
    return _out(
        service.decide(
            session, principal, qualification_id, decision=body.decision, reason=body.reason
        )
    )
