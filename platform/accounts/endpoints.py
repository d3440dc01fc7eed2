"""Developer registration, email verification and the signed-in account."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from chainless.platform.accounts import service
from chainless.platform.accounts.schemas import (
    AccountOut,
    ChangePasswordRequest,
    RegisterRequest,
    ResendVerificationRequest,
    VerifyEmailRequest,
)
from chainless.platform.auth import repository as auth_repository
from chainless.platform.auth.dependencies import AccountPrincipal
from chainless.platform.core.deps import DbSession, RateLimit, ServicesDep
from chainless.platform.core.errors import problem_responses
from chainless.platform.core.permissions import Role
from chainless.platform.models import Account
from chainless.platform.qualifications.service import status_of

router = APIRouter(prefix="/accounts", tags=["accounts"])


def account_out(session: DbSession, account: Account) -> AccountOut:
    roles = auth_repository.roles_of(session, account.id)
    return AccountOut(
        id=account.id,
        email=account.email,
        display_name=account.display_name,
        email_verified=account.email_verified_at is not None,
        roles=sorted(r.value for r in roles),
        qualification_status=status_of(session, account.id) if Role.DEVELOPER in roles else None,
        created_at=account.created_at,
    )


@router.post(
    "",
    status_code=201,
    response_model=AccountOut,
    summary="Register a developer account",
    responses=problem_responses(409, 422, 429),
    dependencies=[Depends(RateLimit("register", "register_per_ip_per_hour", 3600))],
)
def register(body: RegisterRequest, session: DbSession, services: ServicesDep) -> AccountOut:
    account = service.register(
        session,
        services.settings,
        services.hasher,
        email=str(body.email),
        password=body.password,
        display_name=body.display_name,
    )
    return account_out(session, account)


@router.post(
    "/verify-email",
    response_model=AccountOut,
    summary="Confirm an email address",
    responses=problem_responses(400, 429),
    dependencies=[Depends(RateLimit("verify", 30, 600))],
)
def verify_email(body: VerifyEmailRequest, session: DbSession, services: ServicesDep) -> AccountOut:
    return account_out(session, service.verify_email(session, services.hasher, body.token))


@router.post(
    "/resend-verification",
    status_code=202,
    summary="Send the verification email again",
    responses=problem_responses(429),
    dependencies=[Depends(RateLimit("resend", 5, 3600))],
)
def resend_verification(
    body: ResendVerificationRequest, session: DbSession, services: ServicesDep
) -> dict[str, str]:
    service.resend_verification(session, services.settings, services.hasher, str(body.email))
    return {"status": "if the account exists and is unverified, an email is on its way"}


@router.get("/me", response_model=AccountOut, responses=problem_responses(401))
def me(principal: AccountPrincipal, session: DbSession) -> AccountOut:
    account = session.get(Account, principal.id)
    assert account is not None
    return account_out(session, account)


@router.post(
    "/me/password",
    status_code=204,
    summary="Change the password (signs out other sessions)",
    responses=problem_responses(401, 422),
)
def change_password(
    body: ChangePasswordRequest, principal: AccountPrincipal, session: DbSession
) -> None:
    service.change_password(
        session, principal, current=body.current_password, new=body.new_password
    )
