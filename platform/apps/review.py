"""Review and listing: the app status machine (spec 3.4.1 status; 3.6.1 app release flow).

    development(0) --submit--> in_review(1) --approve--> online(2) --delist--> delisted(3)
                                    |                       ^                      |
                                    +--reject--> development +-------relist--------+

Every transition is checked against this table (409 ``invalid_status_transition`` otherwise),
audited, and mailed to the developer when an operator made it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from chainless.platform.apps import access, listing, repository, validation
from chainless.platform.apps.repository import QueueEntry
from chainless.platform.apps.schemas import STATUS_NAMES, ListingIn, ReviewIn
from chainless.platform.apps.service import require_verified_email
from chainless.platform.apps.versions import APPROVED, DRAFT, IN_REVIEW, REJECTED
from chainless.platform.audit import service as audit
from chainless.platform.auth.principal import Principal
from chainless.platform.core import events
from chainless.platform.core.clock import utcnow
from chainless.platform.core.errors import Conflict, Forbidden, NotFound, Unprocessable
from chainless.platform.core.permissions import Permission
from chainless.platform.mail import service as mail
from chainless.platform.models import Account, AppStatus, AppVersion, MiniProgram
from chainless.platform.qualifications.service import require_approved

S = AppStatus
TRANSITIONS: dict[tuple[AppStatus, AppStatus], str] = {
    (S.DEVELOPMENT, S.IN_REVIEW): "submit",
    (S.IN_REVIEW, S.ONLINE): "approve",
    (S.IN_REVIEW, S.DEVELOPMENT): "reject",
    (S.ONLINE, S.DELISTED): "delist",
    (S.DELISTED, S.ONLINE): "relist",
}


def transition(app: MiniProgram, to: AppStatus) -> AppStatus:
    """Move ``app`` to ``to`` if the table allows it; returns the status it left."""
    current = AppStatus(app.status)
    if (current, to) not in TRANSITIONS:
        names: dict[str, Any] = {"from": STATUS_NAMES[current], "to": STATUS_NAMES[to]}
        raise Conflict(
            f"an app cannot go from {names['from']} ({int(current)}) to {names['to']} ({int(to)})",
            code="invalid_status_transition",
            **names,
        )
    app.status = int(to)
    return current


def _status_change(before: AppStatus, app: MiniProgram) -> dict[str, list[int]]:
    return {"status": [int(before), app.status]}


def submit(
    session: Session,
    principal: Principal,
    app_id: str,
    version_text: str,
    listing_in: ListingIn | None = None,
) -> AppVersion:
    """The developer asks for review of a draft version (only an app in development), with
    the catalog listing that version will show (``apps.listing``)."""
    app = access.app_for(session, principal, app_id, Permission.APP_SUBMIT, for_update=True)
    require_verified_email(principal)
    require_approved(session, principal)
    before = transition(app, S.IN_REVIEW)
    if not app.redirect_uris:
        raise Unprocessable(
            "add at least one redirect URI before submitting", code="redirect_uri_required"
        )
    version = repository.version(session, app.app_id, version_text.strip(), for_update=True)
    if version is None:
        raise NotFound(f"no version {version_text!r}; create it first", code="version_not_found")
    if version.status != DRAFT:
        raise Conflict(
            f"version {version.version} is {version.status}, not a draft", code="version_not_draft"
        )
    version.listing = listing.check(app, listing_in)
    version.status = IN_REVIEW
    app.submitted_at = utcnow()
    app.status_reason = None
    audit.record(
        session,
        principal,
        "app.submitted",
        target_type="app",
        target_id=app.app_id,
        app_id=app.app_id,
        summary=f"version {version.version} submitted for review",
        changes={**_status_change(before, app), "version": [None, version.version]},
    )
    return version


def _app_for_staff(session: Session, app_id: str) -> MiniProgram:
    app = repository.app_by_id(session, app_id, for_update=True)
    if app is None:
        raise NotFound(f"no app {app_id!r}", code="app_not_found")
    return app


def _approved_scopes(app: MiniProgram, wanted: list[str] | None) -> list[str]:
    scopes = app.requested_scopes if wanted is None else validation.check_scopes(wanted)
    extra = sorted(set(scopes) - set(app.requested_scopes))
    if extra:
        raise Unprocessable(
            f"approved scopes must be among the requested ones; not requested: {', '.join(extra)}",
            code="scope_not_requested",
            scopes=extra,
        )
    return list(scopes)


def decide(session: Session, operator: Principal, app_id: str, body: ReviewIn) -> MiniProgram:
    app = _app_for_staff(session, app_id)
    if app.developer_id == operator.id:
        raise Forbidden("nobody reviews their own app", code="self_review")
    reason = body.reason.strip()
    approve = body.decision == "approve"
    before = transition(app, S.ONLINE if approve else S.DEVELOPMENT)
    version = repository.version_in_review(session, app.app_id)
    if version is None:
        raise Conflict("the app has no version in review", code="version_not_found")
    if not approve and not reason:
        raise Unprocessable(
            "a rejection needs a reason the developer can act on", code="reason_required"
        )
    now = utcnow()
    version.status, version.decided_by, version.decided_at = (
        (APPROVED if approve else REJECTED),
        operator.id,
        now,
    )
    version.reason = reason or None
    changes: dict[str, object] = {
        **_status_change(before, app),
        "version_status": [IN_REVIEW, version.status],
    }
    if approve:
        scopes = _approved_scopes(app, body.approved_scopes)
        changes |= audit.diff(
            {"version": app.version, "approved_scopes": app.approved_scopes},
            {"version": version.version, "approved_scopes": scopes},
        )
        app.version, app.approved_scopes, app.listed_at = version.version, scopes, now
        app.delisted_at, app.status_reason = None, None
    else:
        app.status_reason = reason
    action = "app.approved" if approve else "app.rejected"
    audit.record(
        session,
        operator,
        action,
        target_type="app",
        target_id=app.app_id,
        app_id=app.app_id,
        summary=f"version {version.version} {version.status}" + (f": {reason}" if reason else ""),
        changes=changes,
    )
    outcome = "approved and is now online" if approve else f"rejected: {reason}"
    _notify(
        session,
        app,
        f"{app.name} {version.version} was {version.status}",
        f"Version {version.version} of {app.name} ({app.app_id}) was {outcome}.",
    )
    if approve:  # the catalog indexes it from a job sent after the commit
        events.publish(session, events.APP_LISTED, app_id=app.app_id)
    return app


def delist(session: Session, operator: Principal, app_id: str, reason: str) -> MiniProgram:
    app = _app_for_staff(session, app_id)
    before = transition(app, S.DELISTED)
    if not reason.strip():
        raise Unprocessable(
            "delisting needs a reason the developer can act on", code="reason_required"
        )
    app.delisted_at, app.status_reason = utcnow(), reason.strip()
    audit.record(
        session,
        operator,
        "app.delisted",
        target_type="app",
        target_id=app.app_id,
        app_id=app.app_id,
        summary=reason.strip(),
        changes=_status_change(before, app),
    )
    _notify(
        session,
        app,
        f"{app.name} was delisted",
        f"{app.name} ({app.app_id}) was delisted by Chainless operations: {reason.strip()}",
    )
    # immediate: wallet grants end, and the relay refuses the app's transactions (its status)
    events.publish(session, events.APP_DELISTED, app_id=app.app_id, reason=reason.strip())
    return app


def relist(session: Session, operator: Principal, app_id: str, reason: str) -> MiniProgram:
    app = _app_for_staff(session, app_id)
    before = transition(app, S.ONLINE)
    app.listed_at, app.delisted_at, app.status_reason = utcnow(), None, None
    audit.record(
        session,
        operator,
        "app.relisted",
        target_type="app",
        target_id=app.app_id,
        app_id=app.app_id,
        summary=reason.strip(),
        changes=_status_change(before, app),
    )
    _notify(
        session, app, f"{app.name} is listed again", f"{app.name} ({app.app_id}) is online again."
    )
    events.publish(session, events.APP_LISTED, app_id=app.app_id)
    return app


def queue(session: Session, *, limit: int, offset: int) -> list[QueueEntry]:
    return repository.review_queue(session, limit=limit, offset=offset)


def _notify(session: Session, app: MiniProgram, subject: str, body: str) -> None:
    developer = session.get(Account, app.developer_id)
    if developer is not None:
        mail.send(session, to=developer.email, kind="app_review", subject=subject[:256], body=body)
