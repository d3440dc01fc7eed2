"""Turn the feature's models into response bodies (no queries here)."""

from __future__ import annotations

from typing import Any

from chainless.platform.apps.config import Payment
from chainless.platform.apps.config_schemas import (
    CertificateOut,
    ContractOut,
    InterfaceOut,
    PaymentOut,
    VersionOut,
)
from chainless.platform.apps.repository import QueueEntry
from chainless.platform.apps.schemas import (
    STATUS_NAMES,
    AppOut,
    AppSummary,
    DeployOut,
    DeveloperOut,
    QueueEntryOut,
)
from chainless.platform.apps.service import AppView
from chainless.platform.models import (
    AppContract,
    AppStatus,
    AppVersion,
    AuditCertificate,
    MiniProgram,
)


def _summary_fields(app: MiniProgram) -> dict[str, Any]:
    return {
        "app_id": app.app_id,
        "name": app.name,
        "version": app.version,
        "description": app.description,
        "icon_url": app.icon_url,
        "category": app.category,
        "tags": app.tags,
        "status": app.status,
        "status_name": STATUS_NAMES[AppStatus(app.status)],
        "developer_id": app.developer_id,
        "create_time": app.create_time,
        "update_time": app.update_time,
    }


def app_summary(app: MiniProgram) -> AppSummary:
    return AppSummary(**_summary_fields(app))


def contract_out(contract: AppContract) -> ContractOut:
    return ContractOut(
        id=contract.id,
        environment=contract.environment,
        address=contract.address,
        name=contract.name,
        abi=contract.abi,
        method_allowlist=contract.method_allowlist,
        created_at=contract.created_at,
    )


def interface_out(app: MiniProgram) -> InterfaceOut:
    return InterfaceOut(
        signature_algorithm=app.signature_algorithm,
        encryption_algorithm=app.encryption_algorithm,
        public_key_pem=app.public_key_pem,
        certificate_pem=app.certificate_pem,
    )


def app_out(view: AppView) -> AppOut:
    app, developer = view.app, view.developer
    return AppOut(
        **_summary_fields(app),
        domains=app.domains,
        redirect_uris=app.redirect_uris,
        requested_scopes=app.requested_scopes,
        approved_scopes=app.approved_scopes,
        token_endpoint_auth_method=app.token_endpoint_auth_method,
        developer=DeveloperOut(id=developer.id, name=developer.display_name, email=developer.email)
        if developer is not None
        else None,
        contracts=[contract_out(c) for c in view.contracts],
        interface=interface_out(app),
        deploy=DeployOut(repo_url=app.repo_url, repo_branch=app.repo_branch),
        payment_service=app.payment_service,
        secret_rotated_at=app.secret_rotated_at,
        submitted_at=app.submitted_at,
        listed_at=app.listed_at,
        delisted_at=app.delisted_at,
        status_reason=app.status_reason,
    )


def version_out(version: AppVersion) -> VersionOut:
    return VersionOut(
        id=version.id,
        version=version.version,
        notes=version.notes,
        status=version.status,
        created_by=version.created_by,
        created_at=version.created_at,
        decided_by=version.decided_by,
        decided_at=version.decided_at,
        reason=version.reason,
    )


def payment_out(payment: Payment) -> PaymentOut:
    return PaymentOut(
        enabled=payment.enabled,
        gas_budget_wei=str(payment.budget_wei),
        gas_spent_wei=str(payment.spent_wei),
        gas_remaining_wei=str(payment.remaining_wei),
    )


def certificate_out(certificate: AuditCertificate) -> CertificateOut:
    return CertificateOut(
        id=certificate.id,
        issuer=certificate.issuer,
        issued_on=certificate.issued_on,
        filename=certificate.filename,
        content_type=certificate.content_type,
        size=certificate.size,
        sha256=certificate.sha256,
        uploaded_by=certificate.uploaded_by,
        uploaded_at=certificate.uploaded_at,
        download_url=f"/api/v1/apps/{certificate.app_id}/audit-certificate/file",
    )


def queue_entry_out(entry: QueueEntry) -> QueueEntryOut:
    return QueueEntryOut(
        app=app_summary(entry.app),
        version=version_out(entry.version) if entry.version else None,
        developer_email=entry.developer_email,
        submitted_at=entry.app.submitted_at,
    )
