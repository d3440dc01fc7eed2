"""App versions (developer management 1.2: semantic versions, major.minor.patch).

A new version must be strictly greater than every version the app ever had, by semver precedence,
so the version a wallet runs can only move forward.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from chainless.platform.apps import access, repository
from chainless.platform.apps.config_schemas import VersionIn
from chainless.platform.apps.semver import InvalidVersion, Version
from chainless.platform.apps.service import acting_account
from chainless.platform.audit import service as audit
from chainless.platform.auth.principal import Principal
from chainless.platform.core.clock import utcnow
from chainless.platform.core.errors import Conflict, Unprocessable
from chainless.platform.core.permissions import Permission
from chainless.platform.core.security import new_hex_id
from chainless.platform.models import AppVersion

DRAFT, IN_REVIEW, APPROVED, REJECTED = "draft", "in_review", "approved", "rejected"


def parse_version(text: str) -> Version:
    try:
        return Version.parse(text.strip())
    except InvalidVersion as error:
        raise Unprocessable(str(error), code="invalid_version") from None


def create_version(
    session: Session, principal: Principal, app_id: str, body: VersionIn
) -> AppVersion:
    # The app row lock serialises concurrent creations, so "greater than all" holds.
    app = access.app_for(session, principal, app_id, Permission.APP_WRITE, for_update=True)
    wanted = parse_version(body.version)
    existing = repository.versions_of(session, app.app_id)
    highest = max((Version.parse(v.version) for v in existing), default=None)
    if highest is not None and not wanted > highest:
        raise Conflict(
            f"version {wanted} is not greater than {highest}, the highest so far",
            code="version_not_increasing",
            highest=str(highest),
        )
    version = AppVersion(
        id=new_hex_id(),
        app_id=app.app_id,
        version=str(wanted),
        notes=body.notes,
        status=DRAFT,
        created_by=acting_account(principal),
        created_at=utcnow(),
    )
    session.add(version)
    audit.record(
        session,
        principal,
        "app.version_created",
        target_type="app_version",
        target_id=version.id,
        app_id=app.app_id,
        summary=f"version {wanted}",
        changes={"version": [None, str(wanted)]},
    )
    return version


def list_versions(session: Session, principal: Principal, app_id: str) -> list[AppVersion]:
    app = access.app_for(session, principal, app_id, Permission.APP_READ)
    return sorted(
        repository.versions_of(session, app.app_id),
        key=lambda v: Version.parse(v.version),
        reverse=True,
    )
