"""HTTP endpoints of an app's configuration (spec 3.5.1): contracts, interface, deploy, payment
service and the third-party audit certificate."""

from __future__ import annotations

import base64
from typing import Annotated

from fastapi import APIRouter, File, Form, Response, UploadFile

from chainless.platform.apps import access, certificates, config, contracts, keys, presenters
from chainless.platform.apps.config_schemas import (
    CertificateOut,
    ContractIn,
    ContractOut,
    DeployIn,
    InterfaceDetailOut,
    InterfaceIn,
    PaymentIn,
    PaymentOut,
)
from chainless.platform.apps.schemas import DeployOut
from chainless.platform.auth.dependencies import CurrentPrincipal
from chainless.platform.core.deps import DbSession, ServicesDep
from chainless.platform.core.errors import PayloadTooLarge, problem_responses
from chainless.platform.core.permissions import Permission
from chainless.platform.core.settings import ChainEnvironment

router = APIRouter(tags=["app configuration"])
CONTRACT = "/apps/{app_id}/contracts/{environment}/{address}"


@router.get(
    "/apps/{app_id}/contracts",
    response_model=list[ContractOut],
    responses=problem_responses(401, 403, 404),
)
def list_contracts(
    app_id: str,
    principal: CurrentPrincipal,
    session: DbSession,
    environment: ChainEnvironment | None = None,
) -> list[ContractOut]:
    found = contracts.list_contracts(
        session, principal, app_id, environment.value if environment else None
    )
    return [presenters.contract_out(c) for c in found]


@router.get(CONTRACT, response_model=ContractOut, responses=problem_responses(401, 403, 404, 422))
def get_contract(
    app_id: str,
    environment: ChainEnvironment,
    address: str,
    principal: CurrentPrincipal,
    session: DbSession,
) -> ContractOut:
    return presenters.contract_out(
        contracts.get_contract(session, principal, app_id, environment.value, address)
    )


@router.put(
    CONTRACT,
    response_model=ContractOut,
    summary="Add or replace a contract",
    description="201 when the contract is new, 200 when it replaced the one at that address.",
    responses={
        201: {"description": "Created", "model": ContractOut},
        **problem_responses(401, 403, 404, 409, 422),
    },
)
def put_contract(
    app_id: str,
    environment: ChainEnvironment,
    address: str,
    body: ContractIn,
    principal: CurrentPrincipal,
    session: DbSession,
    response: Response,
) -> ContractOut:
    saved = contracts.save_contract(session, principal, app_id, environment.value, address, body)
    response.status_code = 201 if saved.created else 200
    return presenters.contract_out(saved.contract)


@router.delete(CONTRACT, status_code=204, responses=problem_responses(401, 403, 404, 422))
def delete_contract(
    app_id: str,
    environment: ChainEnvironment,
    address: str,
    principal: CurrentPrincipal,
    session: DbSession,
) -> None:
    contracts.delete_contract(session, principal, app_id, environment.value, address)


@router.get(
    "/apps/{app_id}/interface",
    response_model=InterfaceDetailOut,
    responses=problem_responses(401, 403, 404),
)
def get_interface(
    app_id: str, principal: CurrentPrincipal, session: DbSession
) -> InterfaceDetailOut:
    app = access.app_for(session, principal, app_id, Permission.APP_READ)
    info = keys.key_info(app.public_key_pem, app.certificate_pem)
    return InterfaceDetailOut(
        **presenters.interface_out(app).model_dump(),
        key_fingerprint_sha256=info.fingerprint_sha256 if info else None,
        certificate_subject=info.certificate_subject if info else None,
        certificate_not_after=info.certificate_not_after if info else None,
    )


@router.put(
    "/apps/{app_id}/interface",
    response_model=InterfaceDetailOut,
    summary="Set the signature algorithm, its key or certificate, and the encryption algorithm",
    responses=problem_responses(401, 403, 404, 422),
)
def put_interface(
    app_id: str, body: InterfaceIn, principal: CurrentPrincipal, session: DbSession
) -> InterfaceDetailOut:
    config.set_interface(session, principal, app_id, body)
    return get_interface(app_id, principal, session)


@router.get(
    "/apps/{app_id}/deploy", response_model=DeployOut, responses=problem_responses(401, 403, 404)
)
def get_deploy(app_id: str, principal: CurrentPrincipal, session: DbSession) -> DeployOut:
    app = access.app_for(session, principal, app_id, Permission.APP_READ)
    return DeployOut(repo_url=app.repo_url, repo_branch=app.repo_branch)


@router.put(
    "/apps/{app_id}/deploy",
    response_model=DeployOut,
    summary="Set the public source repository",
    responses=problem_responses(401, 403, 404, 422),
)
def put_deploy(
    app_id: str,
    body: DeployIn,
    principal: CurrentPrincipal,
    session: DbSession,
    services: ServicesDep,
) -> DeployOut:
    app = config.set_deploy(session, services.settings, principal, app_id, body)
    return DeployOut(repo_url=app.repo_url, repo_branch=app.repo_branch)


@router.get(
    "/apps/{app_id}/payment", response_model=PaymentOut, responses=problem_responses(401, 403, 404)
)
def get_payment(app_id: str, principal: CurrentPrincipal, session: DbSession) -> PaymentOut:
    app = access.app_for(session, principal, app_id, Permission.APP_READ)
    return presenters.payment_out(config.payment_of(app))


@router.put(
    "/apps/{app_id}/payment",
    response_model=PaymentOut,
    summary="Turn the gas-sponsoring payment service on or off and set its budget",
    responses=problem_responses(401, 403, 404, 409, 422),
)
def put_payment(
    app_id: str, body: PaymentIn, principal: CurrentPrincipal, session: DbSession
) -> PaymentOut:
    return presenters.payment_out(config.set_payment(session, principal, app_id, body))


@router.put(
    "/apps/{app_id}/audit-certificate",
    response_model=CertificateOut,
    status_code=201,
    summary="Upload the third-party security audit certificate (PDF)",
    responses=problem_responses(401, 403, 404, 413, 422),
)
def put_audit_certificate(
    app_id: str,
    principal: CurrentPrincipal,
    session: DbSession,
    services: ServicesDep,
    issuer: Annotated[str, Form(max_length=128)],
    issued_on: Annotated[str, Form(max_length=10, description="ISO date, YYYY-MM-DD")],
    file: Annotated[UploadFile, File(description="the certificate as PDF")],
    sha256: Annotated[
        str | None, Form(max_length=64, description="hex SHA-256 of the file")
    ] = None,
) -> CertificateOut:
    limit = services.settings.max_upload_bytes
    data = file.file.read(limit + 1)
    if len(data) > limit:
        raise PayloadTooLarge(f"audit certificates are limited to {limit} bytes")
    received = certificates.Upload(
        issuer=issuer,
        issued_on=issued_on,
        sha256=sha256,
        filename=file.filename or "certificate.pdf",
        content_type=file.content_type or "",
        data=data,
    )
    return presenters.certificate_out(
        certificates.upload(session, services.storage, principal, app_id, received)
    )


@router.get(
    "/apps/{app_id}/audit-certificate",
    response_model=CertificateOut,
    responses=problem_responses(401, 403, 404),
)
def get_audit_certificate(
    app_id: str, principal: CurrentPrincipal, session: DbSession
) -> CertificateOut:
    return presenters.certificate_out(certificates.latest(session, principal, app_id))


@router.get(
    "/apps/{app_id}/audit-certificate/file",
    response_class=Response,
    responses={
        200: {"content": {certificates.PDF: {}}, "description": "The PDF"},
        **problem_responses(401, 403, 404),
    },
)
def download_audit_certificate(
    app_id: str, principal: CurrentPrincipal, session: DbSession, services: ServicesDep
) -> Response:
    certificate = certificates.latest(session, principal, app_id)
    digest = base64.b64encode(bytes.fromhex(certificate.sha256)).decode()
    return Response(
        certificates.content(services.storage, certificate),
        media_type=certificates.PDF,
        headers={
            "Content-Disposition": f'attachment; filename="{certificate.filename}"',
            "X-Content-Type-Options": "nosniff",
            "Repr-Digest": f"sha-256=:{digest}:",
            "Cache-Control": "private, no-store",
        },
    )
