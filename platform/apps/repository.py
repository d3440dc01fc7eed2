"""Queries of the apps feature.

Listing takes the caller and filters by what the caller may see (tenant isolation in one place);
single-app reads go through :mod:`chainless.platform.apps.access`.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, func, or_, select, true, update
from sqlalchemy.orm import Session

from chainless.platform.apps.access import loaded_developer
from chainless.platform.auth.principal import Principal
from chainless.platform.core.epochs import COUNTERS_ONLY
from chainless.platform.core.permissions import Permission
from chainless.platform.models import (
    Account,
    AppContract,
    AppMember,
    AppStatus,
    AppVersion,
    AuditCertificate,
    MiniProgram,
)


@dataclass(frozen=True)
class AppFilters:
    status: AppStatus | None = None
    q: str | None = None
    limit: int = 50
    offset: int = 0


def _visible_to(principal: Principal) -> ColumnElement[bool]:
    if principal.kind == "api_key":
        return MiniProgram.app_id == principal.app_id
    if principal.can(Permission.APP_READ_ANY):
        return true()
    memberships = select(AppMember.app_id).where(
        AppMember.account_id == principal.id, AppMember.accepted_at.is_not(None)
    )
    return or_(MiniProgram.developer_id == principal.id, MiniProgram.app_id.in_(memberships))


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _filtered(statement: Select[MiniProgram], filters: AppFilters) -> Select[MiniProgram]:
    if filters.status is not None:
        statement = statement.where(MiniProgram.status == int(filters.status))
    if filters.q:
        pattern = f"%{_escape_like(filters.q.strip().lower())}%"
        statement = statement.where(func.lower(MiniProgram.name).like(pattern, escape="\\"))
    return statement


def visible_apps(
    session: Session, principal: Principal, filters: AppFilters
) -> tuple[list[MiniProgram], int]:
    """One page of the apps ``principal`` may see, newest first, and how many there are in all."""
    base = _filtered(select(MiniProgram).where(_visible_to(principal)), filters)
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    page = base.order_by(MiniProgram.create_time.desc(), MiniProgram.app_id).limit(filters.limit)
    return list(session.scalars(page.offset(filters.offset))), total


def count_apps_of(session: Session, developer_id: str) -> int:
    return session.scalar(select(func.count()).where(MiniProgram.developer_id == developer_id)) or 0


def lock_account(session: Session, account_id: str) -> Account | None:
    """Serialise one developer's app creations (the per-developer limit)."""
    return session.scalar(select(Account).where(Account.id == account_id).with_for_update())


def add_gas_spent(session: Session, app_id: str, gwei: int) -> None:
    """One atomic increment: concurrent charges never lose one another. No cache holds what an
    app spent (the relay reads it fresh), so the charge invalidates none (``COUNTERS_ONLY``)."""
    session.execute(
        update(MiniProgram)
        .where(MiniProgram.app_id == app_id)
        .values(gas_spent_gwei=MiniProgram.gas_spent_gwei + gwei),
        execution_options={COUNTERS_ONLY: True},
    )


def payment_of(session: Session, app_id: str) -> tuple[bool, int, int] | None:
    """(payment service on, gas budget, gas spent) in gwei: three columns, not the app's row."""
    row = session.execute(
        select(
            MiniProgram.payment_service, MiniProgram.gas_budget_gwei, MiniProgram.gas_spent_gwei
        ).where(MiniProgram.app_id == app_id)
    ).first()
    return None if row is None else (bool(row[0]), int(row[1]), int(row[2]))


def app_by_id(session: Session, app_id: str, *, for_update: bool = False) -> MiniProgram | None:
    """An app without any tenant filter: for platform staff endpoints and the OAuth server."""
    statement = select(MiniProgram).where(MiniProgram.app_id == app_id)
    return session.scalar(statement.with_for_update() if for_update else statement)


def developer_of(session: Session, app: MiniProgram) -> Account | None:
    return loaded_developer(session, app) or session.get(Account, app.developer_id)


def contracts_of(
    session: Session, app_id: str, environment: str | None = None
) -> list[AppContract]:
    statement = select(AppContract).where(AppContract.app_id == app_id)
    if environment is not None:
        statement = statement.where(AppContract.environment == environment)
    return list(
        session.scalars(statement.order_by(AppContract.environment, AppContract.created_at))
    )


def contract(session: Session, app_id: str, environment: str, address: str) -> AppContract | None:
    return session.scalar(
        select(AppContract).where(
            AppContract.app_id == app_id,
            AppContract.environment == environment,
            AppContract.address == address,
        )
    )


def count_contracts(session: Session, app_id: str, environment: str) -> int:
    return (
        session.scalar(
            select(func.count()).where(
                AppContract.app_id == app_id,
                AppContract.environment == environment,
            )
        )
        or 0
    )


def versions_of(session: Session, app_id: str) -> list[AppVersion]:
    return list(
        session.scalars(
            select(AppVersion)
            .where(AppVersion.app_id == app_id)
            .order_by(AppVersion.created_at.desc())
        )
    )


def version(
    session: Session, app_id: str, version_text: str, *, for_update: bool = False
) -> AppVersion | None:
    statement = select(AppVersion).where(
        AppVersion.app_id == app_id, AppVersion.version == version_text
    )
    return session.scalar(statement.with_for_update() if for_update else statement)


def version_in_review(session: Session, app_id: str) -> AppVersion | None:
    return session.scalar(
        select(AppVersion)
        .where(
            AppVersion.app_id == app_id,
            AppVersion.status == "in_review",
        )
        .with_for_update()
    )


def latest_certificate(session: Session, app_id: str) -> AuditCertificate | None:
    return session.scalar(
        select(AuditCertificate)
        .where(AuditCertificate.app_id == app_id)
        .order_by(AuditCertificate.uploaded_at.desc(), AuditCertificate.id.desc())
        .limit(1)
    )


@dataclass(frozen=True)
class QueueEntry:
    app: MiniProgram
    version: AppVersion | None
    developer_email: str


def review_queue(session: Session, *, limit: int, offset: int) -> list[QueueEntry]:
    """Apps waiting for review, oldest first, with their version and developer, in one query."""
    rows = session.execute(
        select(MiniProgram, AppVersion, Account.email)
        .join(Account, Account.id == MiniProgram.developer_id)
        .outerjoin(
            AppVersion,
            (AppVersion.app_id == MiniProgram.app_id) & (AppVersion.status == "in_review"),
        )
        .where(MiniProgram.status == int(AppStatus.IN_REVIEW))
        .order_by(MiniProgram.submitted_at.asc(), MiniProgram.app_id)
        .limit(limit)
        .offset(offset)
    ).all()
    return [QueueEntry(app, app_version, email) for app, app_version, email in rows]


@dataclass(frozen=True)
class LookupEntry:
    app: MiniProgram
    developer_email: str
    developer_name: str


def staff_lookup(
    session: Session, q: str, *, status: AppStatus | None, limit: int, offset: int
) -> tuple[list[LookupEntry], int]:
    """Apps whose name or developer email contains ``q``, or whose app id starts with it, for
    platform staff (no tenant filter: the caller holds ``app:read:any``), newest first."""
    text = _escape_like(q.strip().lower())
    statement = (
        select(MiniProgram, Account.email, Account.display_name)
        .join(Account, Account.id == MiniProgram.developer_id)
        .where(
            or_(
                func.lower(MiniProgram.name).like(f"%{text}%", escape="\\"),
                MiniProgram.app_id.like(f"{text}%", escape="\\"),
                Account.email.like(f"%{text}%", escape="\\"),
            )
        )
    )
    if status is not None:
        statement = statement.where(MiniProgram.status == int(status))
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    rows = session.execute(
        statement.order_by(MiniProgram.create_time.desc(), MiniProgram.app_id)
        .limit(limit)
        .offset(offset)
    ).all()
    return [LookupEntry(app, email, name) for app, email, name in rows], total


def online_app_ids(session: Session) -> list[str]:
    """The apps listed now (status online), for the catalog's refresh."""
    statement = select(MiniProgram.app_id).where(MiniProgram.status == AppStatus.ONLINE)
    return list(session.scalars(statement))
