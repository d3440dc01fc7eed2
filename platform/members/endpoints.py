"""HTTP endpoints of app membership: invite, accept, list, remove."""

from __future__ import annotations

from fastapi import APIRouter

from chainless.platform.auth.dependencies import AccountPrincipal, CurrentPrincipal
from chainless.platform.core.deps import DbSession, ServicesDep
from chainless.platform.core.errors import problem_responses
from chainless.platform.members import service
from chainless.platform.members.schemas import AcceptIn, InviteIn, MemberOut
from chainless.platform.models import AppMember

router = APIRouter(tags=["app members"])


def _out(member: AppMember) -> MemberOut:
    return MemberOut(
        id=member.id,
        app_id=member.app_id,
        email=member.email,
        role=member.role,
        status=service.status_of(member),
        account_id=member.account_id,
        invited_by=member.invited_by,
        invited_at=member.invited_at,
        invite_expires_at=member.invite_expires_at,
        accepted_at=member.accepted_at,
    )


@router.post(
    "/apps/{app_id}/members",
    status_code=201,
    response_model=MemberOut,
    summary="Invite an app operator by email",
    description="Inviting a pending address again sends a new invitation; the old one is void.",
    responses=problem_responses(401, 403, 404, 409, 422),
)
def invite(
    app_id: str,
    body: InviteIn,
    principal: CurrentPrincipal,
    session: DbSession,
    services: ServicesDep,
) -> MemberOut:
    invitation = service.invite(
        session, services.settings, services.hasher, principal, app_id, str(body.email)
    )
    return _out(invitation.member)


@router.get(
    "/apps/{app_id}/members",
    response_model=list[MemberOut],
    responses=problem_responses(401, 403, 404),
)
def list_members(app_id: str, principal: CurrentPrincipal, session: DbSession) -> list[MemberOut]:
    return [_out(m) for m in service.list_members(session, principal, app_id)]


@router.delete(
    "/apps/{app_id}/members/{member_id}",
    status_code=204,
    summary="Remove a member or withdraw an invitation",
    responses=problem_responses(401, 403, 404),
)
def remove_member(
    app_id: str, member_id: str, principal: CurrentPrincipal, session: DbSession
) -> None:
    service.remove(session, principal, app_id, member_id)


@router.post(
    "/invitations/accept",
    response_model=MemberOut,
    summary="Accept an invitation",
    description="The signed-in account's verified email must be the one invited.",
    responses=problem_responses(401, 403, 404, 410, 422),
)
def accept_invitation(
    body: AcceptIn, principal: AccountPrincipal, session: DbSession, services: ServicesDep
) -> MemberOut:
    return _out(service.accept(session, services.hasher, principal, body.token))
