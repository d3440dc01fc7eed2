"""Third-party security audit certificates (spec 2.1, 2.2: the developer obtains one, the platform
shows it to users; 2.4.3 the app's property page).

The file is kept private in object storage under ``private/audit-certificates/<app_id>/``; its
SHA-256 is computed here, and a checksum the client sent must match it before anything is stored.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from chainless.platform.apps import access, repository
from chainless.platform.apps.service import acting_account
from chainless.platform.audit import service as audit
from chainless.platform.auth.principal import Principal
from chainless.platform.core.clock import utcnow
from chainless.platform.core.errors import NotFound, Unprocessable
from chainless.platform.core.permissions import Permission
from chainless.platform.core.security import new_hex_id, sha256_hex
from chainless.platform.core.storage import ObjectStorage
from chainless.platform.models import AuditCertificate

PDF = "application/pdf"
_PDF_MAGIC = b"%PDF-"
_SHA256 = re.compile(r"^[0-9a-fA-F]{64}$")


@dataclass(frozen=True)
class Upload:
    issuer: str
    issued_on: str
    sha256: str | None
    filename: str
    content_type: str
    data: bytes


def _issued_on(text: str) -> str:
    try:
        issued = date.fromisoformat(text.strip())
    except ValueError:
        raise Unprocessable(
            f"issued_on must be an ISO date (YYYY-MM-DD), not {text!r}", code="invalid_date"
        ) from None
    if issued > utcnow().date():
        raise Unprocessable("issued_on is in the future", code="invalid_date")
    return issued.isoformat()


def _checked_sha256(upload: Upload) -> str:
    digest = sha256_hex(upload.data)
    if upload.sha256:
        sent = upload.sha256.strip()
        if not _SHA256.match(sent):
            raise Unprocessable("sha256 must be 64 hex digits", code="invalid_checksum")
        if not hmac.compare_digest(sent.lower(), digest):
            raise Unprocessable(
                f"the file's SHA-256 is {digest}, not {sent.lower()}; it was changed in transit",
                code="checksum_mismatch",
                sha256=digest,
            )
    return digest


def upload(
    session: Session, storage: ObjectStorage, principal: Principal, app_id: str, received: Upload
) -> AuditCertificate:
    app = access.app_for(session, principal, app_id, Permission.APP_WRITE)
    issuer = received.issuer.strip()
    if not issuer or len(issuer) > 128:
        raise Unprocessable("issuer must be 1 to 128 characters", code="validation_error")
    issued_on = _issued_on(received.issued_on)
    if received.content_type != PDF or not received.data.startswith(_PDF_MAGIC):
        raise Unprocessable("the audit certificate must be a PDF file", code="unsupported_document")
    digest = _checked_sha256(received)
    certificate_id = new_hex_id()
    key = f"private/audit-certificates/{app.app_id}/{certificate_id}.pdf"
    storage.put(key, received.data, content_type=PDF)
    certificate = AuditCertificate(
        id=certificate_id,
        app_id=app.app_id,
        issuer=issuer,
        filename=_safe_filename(received.filename),
        content_type=PDF,
        size=len(received.data),
        sha256=digest,
        storage_key=key,
        issued_on=issued_on,
        uploaded_by=acting_account(principal),
        uploaded_at=utcnow(),
    )
    session.add(certificate)
    audit.record(
        session,
        principal,
        "app.audit_certificate_uploaded",
        target_type="audit_certificate",
        target_id=certificate_id,
        app_id=app.app_id,
        summary=f"{issuer}, issued {issued_on}",
        changes={"sha256": [None, digest], "size": [None, len(received.data)]},
    )
    return certificate


def _safe_filename(name: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9._ -]", "_", name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]).strip()
    return (cleaned or "certificate.pdf")[:255]


def latest(session: Session, principal: Principal, app_id: str) -> AuditCertificate:
    app = access.app_for(session, principal, app_id, Permission.APP_READ)
    certificate = repository.latest_certificate(session, app.app_id)
    if certificate is None:
        raise NotFound("no audit certificate uploaded yet", code="audit_certificate_not_found")
    return certificate


def content(storage: ObjectStorage, certificate: AuditCertificate) -> bytes:
    return storage.get(certificate.storage_key)
