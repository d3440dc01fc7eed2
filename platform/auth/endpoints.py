"""Sign in to the console (cookie + CSRF), get API bearer tokens, lift a sign-in lock, list and
end sessions."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response

from chainless.platform.audit import service as audit
from chainless.platform.auth import lockout, repository, service
from chainless.platform.auth.dependencies import AccountPrincipal
from chainless.platform.auth.schemas import (
    BearerTokenOut,
    ConsoleSessionOut,
    SessionOut,
    SignInRequest,
    UnlockRequest,
)
from chainless.platform.auth.tokens import CSRF_COOKIE, SESSION_COOKIE
from chainless.platform.core.clock import utcnow
from chainless.platform.core.deps import DbSession, RateLimit, ServicesDep
from chainless.platform.core.errors import NotFound, problem_responses
from chainless.platform.models import AuthSession

router = APIRouter(prefix="/auth", tags=["auth"])
_sign_in_limit = Depends(RateLimit("sign_in", "login_per_ip_per_minute"))


@router.post(
    "/login",
    response_model=ConsoleSessionOut,
    summary="Sign in to the web console",
    responses=problem_responses(401, 422, 423, 429),
    dependencies=[_sign_in_limit],
)
def login(
    body: SignInRequest, response: Response, session: DbSession, services: ServicesDep
) -> ConsoleSessionOut:
    issued = service.sign_in(
        session,
        services.settings,
        services.hasher,
        services.rate_limiter,
        email=str(body.email),
        password=body.password,
        kind="cookie",
    )
    assert issued.csrf_token is not None
    max_age = services.settings.session_ttl_hours * 3600
    secure = services.settings.cookie_secure
    response.set_cookie(
        SESSION_COOKIE,
        issued.token,
        max_age=max_age,
        httponly=True,
        secure=secure,
        samesite="lax",
        path="/",
    )
    response.set_cookie(
        CSRF_COOKIE,
        issued.csrf_token,
        max_age=max_age,
        httponly=False,
        secure=secure,
        samesite="strict",
        path="/",
    )
    return ConsoleSessionOut(
        csrf_token=issued.csrf_token,
        expires_at=issued.session.expires_at,
        account_id=issued.session.account_id,
    )


@router.post(
    "/tokens",
    status_code=201,
    response_model=BearerTokenOut,
    summary="Get an API bearer token",
    responses=problem_responses(401, 422, 423, 429),
    dependencies=[_sign_in_limit],
)
def create_token(body: SignInRequest, session: DbSession, services: ServicesDep) -> BearerTokenOut:
    issued = service.sign_in(
        session,
        services.settings,
        services.hasher,
        services.rate_limiter,
        email=str(body.email),
        password=body.password,
        kind="bearer",
    )
    return BearerTokenOut(access_token=issued.token, expires_at=issued.session.expires_at)


@router.post(
    "/unlock",
    status_code=204,
    summary="Lift a sign-in lock with the link mailed to the account's owner",
    responses=problem_responses(400, 422, 429),
    dependencies=[Depends(RateLimit("unlock", 30, 600))],
)
def unlock(body: UnlockRequest, session: DbSession, services: ServicesDep) -> None:
    lockout.unlock(session, services.rate_limiter, services.settings, services.hasher, body.token)


@router.post(
    "/logout",
    status_code=204,
    summary="End the current session or token",
    responses=problem_responses(401, 403),
)
def logout(principal: AccountPrincipal, response: Response, session: DbSession) -> None:
    service.sign_out(session, principal)
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")


@router.get("/sessions", response_model=list[SessionOut], responses=problem_responses(401))
def list_sessions(principal: AccountPrincipal, session: DbSession) -> list[SessionOut]:
    return [
        SessionOut(
            id=s.id,
            kind=s.kind,
            created_at=s.created_at,
            expires_at=s.expires_at,
            last_seen_at=s.last_seen_at,
            ip=s.ip,
            user_agent=s.user_agent,
            current=s.id == principal.session_id,
        )
        for s in repository.sessions_of(session, principal.id)
    ]


@router.delete(
    "/sessions/{session_id}", status_code=204, responses=problem_responses(401, 403, 404)
)
def end_session(session_id: str, principal: AccountPrincipal, session: DbSession) -> None:
    record = session.get(AuthSession, session_id)
    if record is None or record.account_id != principal.id or record.revoked_at is not None:
        raise NotFound(f"no session {session_id!r}", code="session_not_found")
    record.revoked_at = utcnow()
    audit.record(
        session, principal, "account.session_revoked", target_type="session", target_id=record.id
    )
