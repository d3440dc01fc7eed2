"""The wallet user's own view: which apps hold which grants, on which devices; revoke any."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import Response

from chainless.oauth import revocation
from chainless.oauth.endpoints.common import current_wallet, render, require_wallet
from chainless.oauth.models import TokenFamily, UserAuthorization
from chainless.platform.apps.oauth_view import client_record
from chainless.platform.audit import service as audit
from chainless.platform.core.deps import DbSession, RateLimit, ServicesDep
from chainless.platform.core.errors import NotFound, problem_responses
from chainless.platform.core.scopes import SCOPES

router = APIRouter(tags=["wallet"])
_limit = Depends(RateLimit("wallet.api", "wallet_api_per_ip_per_minute"))


class DeviceOut(BaseModel):
    id: str
    device_name: str
    created_at: datetime
    last_used_at: datetime | None


class AppBrief(BaseModel):
    app_id: str
    name: str
    icon_url: str


class AuthorizationOut(BaseModel):
    id: str
    app: AppBrief
    scope: list[str]
    scope_descriptions: list[str]
    granted_at: datetime
    updated_at: datetime
    last_used_at: datetime | None
    devices: list[DeviceOut]


class WalletMeOut(BaseModel):
    user_id: str
    address: str
    session_id: str
    signer_kind: str


def _authorizations(session: Session, user_id: str) -> list[AuthorizationOut]:
    grants = session.scalars(
        select(UserAuthorization)
        .where(UserAuthorization.user_id == user_id, UserAuthorization.revoked_at.is_(None))
        .order_by(UserAuthorization.create_time.desc())
    ).all()
    families = session.scalars(
        select(TokenFamily)
        .where(TokenFamily.user_id == user_id, TokenFamily.revoked_at.is_(None))
        .order_by(TokenFamily.created_at.desc())
    ).all()
    out = []
    for grant in grants:
        record = client_record(session, grant.app_id)
        devices = [
            DeviceOut(
                id=f.id,
                device_name=f.device_name,
                created_at=f.created_at,
                last_used_at=f.last_used_at,
            )
            for f in families
            if f.authorization_id == grant.id
        ]
        out.append(
            AuthorizationOut(
                id=grant.id,
                app=AppBrief(
                    app_id=grant.app_id,
                    name=record.name if record else "(removed)",
                    icon_url=record.icon_url if record else "",
                ),
                scope=list(grant.scope),
                scope_descriptions=[SCOPES[s].description for s in grant.scope if s in SCOPES],
                granted_at=grant.create_time,
                updated_at=grant.update_time,
                last_used_at=grant.last_used_at,
                devices=devices,
            )
        )
    return out


def _own_grant(session: Session, user_id: str, authorization_id: str) -> UserAuthorization:
    grant = session.get(UserAuthorization, authorization_id)
    if grant is None or grant.user_id != user_id or grant.revoked_at is not None:
        raise NotFound(f"no authorization {authorization_id!r}", code="authorization_not_found")
    return grant


@router.get(
    "/api/v1/wallet/me",
    response_model=WalletMeOut,
    dependencies=[_limit],
    responses=problem_responses(401),
)
def wallet_me(request: Request, session: DbSession, services: ServicesDep) -> WalletMeOut:
    wallet = require_wallet(request, session, services)
    return WalletMeOut(
        user_id=wallet.user.id,
        address=wallet.user.address,
        session_id=wallet.session.id,
        signer_kind=wallet.session.signer_kind,
    )


@router.get(
    "/api/v1/wallet/authorizations",
    response_model=list[AuthorizationOut],
    dependencies=[_limit],
    responses=problem_responses(401),
    summary="The apps this wallet authorized",
)
def list_authorizations(
    request: Request, session: DbSession, services: ServicesDep
) -> list[AuthorizationOut]:
    wallet = require_wallet(request, session, services)
    return _authorizations(session, wallet.user.id)


@router.delete(
    "/api/v1/wallet/authorizations/{authorization_id}",
    status_code=204,
    dependencies=[_limit],
    responses=problem_responses(401, 403, 404),
    summary="Revoke everything an app was granted",
)
def revoke_authorization(
    authorization_id: str, request: Request, session: DbSession, services: ServicesDep
) -> None:
    wallet = require_wallet(request, session, services)
    grant = _own_grant(session, wallet.user.id, authorization_id)
    devices = revocation.revoke_authorization(session, grant, reason="user_revoked")
    audit.record(
        session,
        audit.WalletUser(wallet.user.id),
        "oauth.grant_revoked",
        target_type="authorization",
        target_id=grant.id,
        app_id=grant.app_id,
        summary=f"revoked by the user ({devices} device sessions ended)",
    )


@router.delete(
    "/api/v1/wallet/authorizations/{authorization_id}/devices/{device_id}",
    status_code=204,
    dependencies=[_limit],
    responses=problem_responses(401, 403, 404),
    summary="End one device's session of a grant",
)
def revoke_device(
    authorization_id: str,
    device_id: str,
    request: Request,
    session: DbSession,
    services: ServicesDep,
) -> None:
    wallet = require_wallet(request, session, services)
    grant = _own_grant(session, wallet.user.id, authorization_id)
    family = session.get(TokenFamily, device_id)
    if family is None or family.authorization_id != grant.id or family.revoked_at is not None:
        raise NotFound(f"no device session {device_id!r}", code="device_not_found")
    revocation.revoke_family(session, family, reason="user_revoked_device")
    audit.record(
        session,
        audit.WalletUser(wallet.user.id),
        "oauth.device_revoked",
        target_type="token_family",
        target_id=family.id,
        app_id=grant.app_id,
        summary=f"ended the session on {family.device_name or 'a device'}",
    )


@router.get(
    "/wallet/authorizations",
    include_in_schema=False,
    response_class=Response,
    dependencies=[_limit],
)
def authorizations_page(request: Request, session: DbSession, services: ServicesDep) -> Response:
    wallet = current_wallet(request, session, services)
    if wallet is None:
        return render(
            "error.html",
            status=401,
            title="Sign in with your wallet",
            detail="Open this page from the Chainless wallet.",
        )
    return render(
        "authorizations.html",
        address=wallet.user.address,
        authorizations=_authorizations(session, wallet.user.id),
        csrf_token=wallet.form_csrf_token,
    )
