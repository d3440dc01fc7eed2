"""Invite app operators by email, accept invitations, list and remove members.

An invitation is a random token mailed to the invitee; only its keyed hash is stored, it expires
after seven days and is used once. Accepting needs a signed-in account with that same, verified
email, so a forwarded or leaked token is useless to anyone else. An accepted app operator may read
the app (and its analytics and feedback), never change it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from sqlalchemy.orm import Session

from chainless.platform.apps import access
from chainless.platform.audit import service as audit
from chainless.platform.auth.principal import Principal
from chainless.platform.core.clock import as_utc, utcnow
from chainless.platform.core.errors import Conflict, Forbidden, Gone, NotFound, Unprocessable
from chainless.platform.core.permissions import Permission, Role
from chainless.platform.core.security import SecretHasher, new_hex_id, new_token
from chainless.platform.core.settings import Settings
from chainless.platform.mail import service as mail
from chainless.platform.members import repository
from chainless.platform.models import Account, AppMember, MiniProgram

INVITATION_TTL = timedelta(days=7)
MAX_MEMBERS_PER_APP = 50


@dataclass(frozen=True)
class Invitation:
    member: AppMember
    renewed: bool


MemberStatus = Literal["pending", "accepted", "expired"]


def status_of(member: AppMember) -> MemberStatus:
    if member.accepted_at is not None:
        return "accepted"
    expires = member.invite_expires_at
    return "expired" if expires is None or as_utc(expires) <= utcnow() else "pending"


def invite(
    session: Session,
    settings: Settings,
    hasher: SecretHasher,
    principal: Principal,
    app_id: str,
    email: str,
) -> Invitation:
    """Invite ``email``; inviting a pending address again sends a fresh invitation."""
    app = access.app_for(session, principal, app_id, Permission.APP_MEMBERS_MANAGE, for_update=True)
    email = email.strip().lower()
    owner = session.get(Account, app.developer_id)
    if owner is not None and owner.email == email:
        raise Unprocessable("the developer owns this app already", code="cannot_invite_owner")
    member = repository.member_by_email(session, app.app_id, email)
    if member is not None and member.accepted_at is not None:
        raise Conflict(f"{email} is already a member of this app", code="already_member")
    renewed = member is not None
    if member is None:
        if repository.count_members(session, app.app_id) >= MAX_MEMBERS_PER_APP:
            raise Conflict(
                f"an app has at most {MAX_MEMBERS_PER_APP} members", code="member_limit_reached"
            )
        member = AppMember(
            id=new_hex_id(), app_id=app.app_id, email=email, role=Role.APP_OPERATOR.value
        )
        session.add(member)
    token = new_token(32)
    member.invite_token_hash = hasher.hash(token)
    member.invite_expires_at = utcnow() + INVITATION_TTL
    member.invited_by = principal.id
    member.invited_at = utcnow()
    session.flush()
    audit.record(
        session,
        principal,
        "app.member_invited",
        target_type="app_member",
        target_id=member.id,
        app_id=app.app_id,
        summary=f"invited {email} as app operator" + (" again" if renewed else ""),
        changes={"email": [None, email], "role": [None, member.role]},
    )
    _mail_invitation(session, settings, app, email, token)
    return Invitation(member, renewed)


def _mail_invitation(
    session: Session, settings: Settings, app: MiniProgram, email: str, token: str
) -> None:
    link = f"{settings.public_url}/console/invitations/accept?token={token}"
    mail.send(
        session,
        to=email,
        kind="app_invitation",
        subject=f"You are invited to operate {app.name} on Chainless",
        body=(
            f"You were invited to join {app.name} ({app.app_id}) as an app operator.\n\n"
            f"Sign in with this email address and accept here:\n{link}\n\n"
            f"Or send this code to POST /api/v1/invitations/accept: {token}\n\n"
            f"The invitation expires in {INVITATION_TTL.days} days."
        ),
    )


def accept(session: Session, hasher: SecretHasher, principal: Principal, token: str) -> AppMember:
    member = repository.invitation(session, hasher.hash(token))
    if member is None:
        raise NotFound(
            "this invitation is not valid (it may have been used or withdrawn)",
            code="invitation_not_found",
        )
    if principal.email != member.email:
        raise Forbidden(
            "this invitation was sent to another email address; sign in with that one",
            code="invitation_email_mismatch",
        )
    if not principal.email_verified:
        raise Forbidden("verify your email address first", code="email_not_verified")
    if status_of(member) == "expired":
        raise Gone("this invitation has expired; ask for a new one", code="invitation_expired")
    member.account_id, member.accepted_at = principal.id, utcnow()
    member.invite_token_hash, member.invite_expires_at = None, None
    access.forget_app_roles(session)
    audit.record(
        session,
        principal,
        "app.member_joined",
        target_type="app_member",
        target_id=member.id,
        app_id=member.app_id,
        summary=f"{member.email} joined as {member.role}",
        changes={"accepted_at": [None, member.accepted_at.isoformat()]},
    )
    return member


def list_members(session: Session, principal: Principal, app_id: str) -> list[AppMember]:
    app = access.app_for(session, principal, app_id, Permission.APP_MEMBERS_MANAGE)
    return repository.members_of(session, app.app_id)


def remove(session: Session, principal: Principal, app_id: str, member_id: str) -> None:
    """Remove a member or withdraw a pending invitation; access ends at once."""
    app = access.app_for(session, principal, app_id, Permission.APP_MEMBERS_MANAGE, for_update=True)
    member = repository.member(session, app.app_id, member_id)
    if member is None:
        raise NotFound(f"no member {member_id!r} on this app", code="member_not_found")
    was = status_of(member)
    session.delete(member)
    access.forget_app_roles(session)
    audit.record(
        session,
        principal,
        "app.member_removed",
        target_type="app_member",
        target_id=member.id,
        app_id=app.app_id,
        summary=f"removed {member.email} ({was})",
        changes={"email": [member.email, None], "status": [was, None]},
    )
