"""Submit, list and decide developer qualifications; "approved" unlocks app review submission."""

from __future__ import annotations

import json

from sqlalchemy.orm import Session

from chainless.platform.audit import service as audit
from chainless.platform.auth.principal import Principal
from chainless.platform.core.clock import utcnow
from chainless.platform.core.errors import Conflict, Forbidden, NotFound, Unprocessable
from chainless.platform.core.security import new_hex_id, sha256_hex
from chainless.platform.core.storage import ObjectStorage
from chainless.platform.mail import service as mail
from chainless.platform.models import Account, Qualification
from chainless.platform.qualifications import repository
from chainless.platform.qualifications.schemas import QualificationRequest

ALLOWED_DOCUMENT_TYPES = {"application/pdf", "image/png", "image/jpeg"}
_MAGIC = {
    "application/pdf": b"%PDF-",
    "image/png": b"\x89PNG\r\n\x1a\n",
    "image/jpeg": b"\xff\xd8\xff",
}


def status_of(session: Session, account_id: str) -> str:
    latest = repository.latest_of(session, account_id)
    return latest.status if latest else "none"


def require_approved(session: Session, principal: Principal) -> None:
    """Only approved developers may submit apps for review."""
    if status_of(session, principal.owner_account_id or principal.id) != "approved":
        raise Forbidden(
            "your developer qualification is not approved yet", code="developer_not_approved"
        )


def store_document(
    storage: ObjectStorage, principal: Principal, *, filename: str, content_type: str, data: bytes
) -> dict[str, object]:
    if content_type not in ALLOWED_DOCUMENT_TYPES:
        raise Unprocessable(
            f"documents must be PDF, PNG or JPEG, not {content_type}", code="unsupported_document"
        )
    if not data.startswith(_MAGIC[content_type]):
        raise Unprocessable(
            "the file content does not match its declared type", code="unsupported_document"
        )
    document_id = new_hex_id()
    meta = {
        "id": document_id,
        "filename": filename[:255],
        "content_type": content_type,
        "size": len(data),
        "sha256": sha256_hex(data),
    }
    base = f"private/qualifications/{principal.id}/{document_id}"
    storage.put(base, data, content_type=content_type)
    storage.put(base + ".json", json.dumps(meta).encode(), content_type="application/json")
    return meta


def submit(
    session: Session, storage: ObjectStorage, principal: Principal, body: QualificationRequest
) -> Qualification:
    latest = repository.latest_of(session, principal.id)
    if latest is not None and latest.status == "pending":
        raise Conflict(
            "a qualification is already waiting for review", code="qualification_pending"
        )
    if latest is not None and latest.status == "approved":
        raise Conflict("your qualification is already approved", code="qualification_approved")
    documents = []
    for document_id in body.document_ids:
        key = f"private/qualifications/{principal.id}/{document_id}.json"
        if not document_id.isalnum() or not storage.exists(key):
            raise Unprocessable(
                f"unknown document {document_id!r}; upload it first", code="unknown_document"
            )
        documents.append(json.loads(storage.get(key)))
    qualification = Qualification(
        id=new_hex_id(),
        account_id=principal.id,
        documents=documents,
        status="pending",
        submitted_at=utcnow(),
        **body.model_dump(exclude={"document_ids"}),
    )
    session.add(qualification)
    audit.record(
        session,
        principal,
        "qualification.submitted",
        target_type="qualification",
        target_id=qualification.id,
        summary=f"{body.organization_name} ({body.country})",
    )
    return qualification


def decide(
    session: Session, operator: Principal, qualification_id: str, *, decision: str, reason: str
) -> Qualification:
    qualification = session.get(Qualification, qualification_id, with_for_update=True)
    if qualification is None:
        raise NotFound(f"no qualification {qualification_id!r}", code="qualification_not_found")
    if qualification.status != "pending":
        raise Conflict(
            f"this qualification was already {qualification.status}", code="qualification_decided"
        )
    if decision == "reject" and not reason.strip():
        raise Unprocessable(
            "a rejection needs a reason the developer can act on", code="reason_required"
        )
    qualification.status = "approved" if decision == "approve" else "rejected"
    qualification.reason = reason.strip() or None
    qualification.decided_at = utcnow()
    qualification.decided_by = operator.id
    audit.record(
        session,
        operator,
        f"qualification.{qualification.status}",
        target_type="qualification",
        target_id=qualification.id,
        summary=reason.strip()[:200],
        changes={"status": ["pending", qualification.status]},
    )
    account = session.get(Account, qualification.account_id)
    if account is not None:
        outcome = "approved" if decision == "approve" else f"rejected: {reason.strip()}"
        mail.send(
            session,
            to=account.email,
            kind="qualification_decided",
            subject=f"Your Chainless developer qualification was {qualification.status}",
            body=f"Your qualification for {qualification.organization_name} was {outcome}.",
        )
    return qualification
