"""SIWE nonce, message preparation and sign-in (problem+json errors with the SIWE rule's code)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from eth_utils import is_address, to_checksum_address
from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from chainless.oauth import siwe
from chainless.oauth.endpoints.common import require_wallet
from chainless.oauth.nonces import nonce_store
from chainless.oauth.signin import SignInResult, sign_in
from chainless.oauth.wallet_sessions import COOKIE
from chainless.platform.audit import service as audit
from chainless.platform.core.bounded import Int64
from chainless.platform.core.clock import utcnow
from chainless.platform.core.context import current_request
from chainless.platform.core.deps import (
    DbSession,
    RateLimit,
    RequestSlot,
    ServicesDep,
    apply_limit,
    limited_in_body,
)
from chainless.platform.core.errors import Unprocessable, problem_responses
from chainless.platform.core.services import Services

router = APIRouter(prefix="/oauth/siwe", tags=["wallet sign-in"])
CSRF_COOKIE = "chainless_wallet_csrf"
_SIGN_IN_LIMIT = RateLimit("siwe.sign_in", "siwe_sign_in_per_ip_per_minute")


class NonceOut(BaseModel):
    nonce: str
    expires_at: datetime


class PrepareRequest(BaseModel):
    address: str = Field(description="the wallet address (any case; it is EIP-55 checksummed here)")
    chain_id: Int64 = Field(ge=1)
    statement: str | None = Field(default=None, max_length=256)


class PrepareOut(BaseModel):
    message: str = Field(description="the EIP-4361 text to sign with personal_sign")
    nonce: str


class SignInRequest(BaseModel):
    message: str = Field(min_length=1, max_length=8192)
    signature: str = Field(min_length=1, max_length=4096, description="0x-hex signature")
    device_name: str = Field(default="", max_length=128)


class SignInOut(BaseModel):
    user_id: str
    address: str
    signer_kind: str
    session_token: str = Field(
        description="bearer credential (cws_…) for the wallet app's own calls"
    )
    csrf_token: str
    expires_at: datetime
    new_user: bool


@router.get(
    "/nonce",
    response_model=NonceOut,
    summary="A single-use sign-in nonce (5 minutes)",
    dependencies=[Depends(RateLimit("siwe.nonce", "siwe_nonce_per_ip_per_minute"))],
)
def nonce(services: ServicesDep) -> NonceOut:
    ttl = services.settings.oauth.siwe_nonce_ttl_seconds
    return NonceOut(
        nonce=nonce_store(services).issue(ttl), expires_at=utcnow() + timedelta(seconds=ttl)
    )


@router.post(
    "/prepare",
    response_model=PrepareOut,
    summary="A ready-to-sign EIP-4361 message",
    responses=problem_responses(422, 429),
    dependencies=[Depends(RateLimit("siwe.nonce", "siwe_nonce_per_ip_per_minute"))],
)
def prepare(body: PrepareRequest, services: ServicesDep) -> PrepareOut:
    if not is_address(body.address):
        raise Unprocessable(f"{body.address!r} is not an Ethereum address", code="invalid_address")
    settings = services.settings
    if body.chain_id not in {c.chain_id for c in settings.chains.values()}:
        raise Unprocessable(
            f"chain {body.chain_id} is not served by this platform", code="chain_not_allowed"
        )
    ttl = settings.oauth.siwe_nonce_ttl_seconds
    value = nonce_store(services).issue(ttl)
    now = datetime.now(UTC).replace(microsecond=0)
    scheme = urlsplit(settings.public_url).scheme
    message = siwe.SiweMessage.prepare(
        scheme=None if scheme == "https" else scheme,  # EIP-4361: no scheme means https
        domain=settings.public_host,
        address=to_checksum_address(body.address),
        uri=settings.public_url,
        chain_id=body.chain_id,
        nonce=value,
        issued_at=now,
        expiration_time=now + timedelta(seconds=ttl),
        statement=body.statement or "Sign in to Chainless.",
    )
    return PrepareOut(message=message.to_text(), nonce=value)


@router.post(
    "/sign-in",
    response_model=SignInOut,
    summary="Sign in with a signed EIP-4361 message",
    responses=problem_responses(400, 401, 422, 429),
    dependencies=[RequestSlot],
)
@limited_in_body(_SIGN_IN_LIMIT)
async def sign_in_endpoint(
    body: SignInRequest, response: Response, services: ServicesDep
) -> SignInOut:
    """The route's limit, the verification and the commit in one thread-pool hop (a sync
    endpoint took four: the limit, the endpoint, the response's validation and the commit)."""
    result = await run_in_threadpool(_sign_in, body, response, services)
    issued = result.issued
    max_age = services.settings.oauth.wallet_session_ttl_hours * 3600
    secure = services.settings.cookie_secure
    response.set_cookie(
        COOKIE, issued.token, max_age=max_age, httponly=True, secure=secure, samesite="lax"
    )
    response.set_cookie(
        CSRF_COOKIE,
        issued.csrf_token,
        max_age=max_age,
        httponly=True,
        secure=secure,
        samesite="strict",
    )
    return SignInOut(
        user_id=result.user_id,
        address=result.address,
        signer_kind=result.signer_kind,
        session_token=issued.token,
        csrf_token=issued.csrf_token,
        expires_at=issued.session.expires_at,
        new_user=result.created,
    )


def _sign_in(body: SignInRequest, response: Response, services: Services) -> SignInResult:
    ip = current_request().ip or "unknown"
    apply_limit(services, response, ip, _SIGN_IN_LIMIT.limit(services))
    with services.database.transaction() as session:
        return sign_in(
            services,
            session,
            message=body.message,
            signature=body.signature,
            device_name=body.device_name,
        )


@router.post(
    "/sign-out",
    status_code=204,
    summary="End this wallet session",
    dependencies=[Depends(RateLimit("siwe.sign_out", 30, 60))],
    responses=problem_responses(401, 403),
)
def sign_out(
    request: Request, response: Response, session: DbSession, services: ServicesDep
) -> None:
    wallet = require_wallet(request, session, services)
    wallet.session.revoked_at = utcnow()
    audit.record(
        session,
        audit.WalletUser(wallet.user.id),
        "wallet.signed_out",
        target_type="wallet_session",
        target_id=wallet.session.id,
    )
    response.delete_cookie(COOKIE)
    response.delete_cookie(CSRF_COOKIE)
