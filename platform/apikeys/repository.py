"""Every query of the apikeys feature.

Reads take the app the caller was already allowed to manage (see ``apikeys.auth``) and filter by
it, so a key id of another app is simply not found.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import NamedTuple, cast

from sqlalchemy import Table, bindparam, case, exists, or_, select, update
from sqlalchemy.orm import Session

from chainless.platform.apikeys.usage import Usage
from chainless.platform.models import Account, ApiKey, AuditEvent, MiniProgram

# Built once: this runs on every API-key request. One indexed lookup (unique ``prefix``) joined to
# the app for its developer; plain columns, so no ORM object is built per request.
_BY_PREFIX = (
    select(
        ApiKey.id,
        ApiKey.app_id,
        ApiKey.secret_hash,
        ApiKey.scopes,
        ApiKey.environment,
        ApiKey.rate_limit_count,
        ApiKey.rate_limit_period,
        ApiKey.expires_at,
        ApiKey.revoked_at,
        MiniProgram.developer_id,
    )
    .join(MiniProgram, MiniProgram.app_id == ApiKey.app_id)
    .where(ApiKey.prefix == bindparam("prefix"))
)


USAGE_ONLY = "chainless_apikeys_usage_only"
"""Execution option of a statement that changes only usage counters: it leaves the credential
caches alone (see ``apikeys.credentials``)."""


class Credential(NamedTuple):
    """What authentication needs of a key, in the column order of ``_BY_PREFIX``."""

    id: str
    app_id: str
    secret_hash: str
    scopes: list[str]
    environment: str
    rate_limit_count: int
    rate_limit_period: int
    expires_at: datetime
    revoked_at: datetime | None
    developer_id: str


def credential_by_prefix(session: Session, prefix: str) -> Credential | None:
    # on the connection: the ORM's execute layer adds ~25% for nothing (no entities here)
    row = session.connection().execute(_BY_PREFIX, {"prefix": prefix}).first()
    return Credential._make(row) if row is not None else None


def keys_of(session: Session, app: MiniProgram) -> list[ApiKey]:
    return list(
        session.scalars(
            select(ApiKey)
            .where(ApiKey.app_id == app.app_id)
            .order_by(ApiKey.created_at.desc(), ApiKey.id)
        )
    )


def key_of(
    session: Session, app: MiniProgram, key_id: str, *, for_update: bool = False
) -> ApiKey | None:
    statement = select(ApiKey).where(ApiKey.app_id == app.app_id, ApiKey.id == key_id)
    if for_update:
        statement = statement.with_for_update()
    return session.scalar(statement)


def key_by_id(session: Session, key_id: str) -> ApiKey | None:
    """For the calling key itself (its identity was established by authentication)."""
    return session.get(ApiKey, key_id)


def revoked_of(session: Session, app: MiniProgram) -> list[ApiKey]:
    return list(
        session.scalars(
            select(ApiKey)
            .where(ApiKey.app_id == app.app_id, ApiKey.revoked_at.is_not(None))
            .order_by(ApiKey.revoked_at.desc())
        )
    )


def due_for_reminder(
    session: Session, *, now: datetime, until: datetime, action: str
) -> list[tuple[ApiKey, MiniProgram, Account]]:
    """Live, unrotated keys expiring in ``(now, until]`` whose reminder was not recorded yet.

    The reminder's audit event is the marker, so this needs no column of its own. Rows are locked
    (skipping ones another run holds) so two overlapping runs do not both send.
    """
    reminded = exists().where(
        AuditEvent.action == action,
        AuditEvent.target_type == "api_key",
        AuditEvent.target_id == ApiKey.id,
    )
    rows = session.execute(
        select(ApiKey, MiniProgram, Account)
        .join(MiniProgram, MiniProgram.app_id == ApiKey.app_id)
        .join(Account, Account.id == MiniProgram.developer_id)
        .where(
            ApiKey.revoked_at.is_(None),
            ApiKey.replaced_by_id.is_(None),
            ApiKey.expires_at > now,
            ApiKey.expires_at <= until,
            ~reminded,
        )
        .order_by(ApiKey.expires_at)
        .with_for_update(of=ApiKey, skip_locked=True)
    )
    return [(key, app, account) for key, app, account in rows]


def add_usage(session: Session, usage: dict[str, Usage]) -> None:
    """Add flushed counts in one executemany; ``last_used_at`` only moves forward."""
    if not usage:
        return
    table = cast(Table, ApiKey.__table__)
    seen = bindparam("b_last", type_=ApiKey.last_used_at.type)
    statement = (
        update(table)
        .where(table.c.id == bindparam("b_id"))
        .values(
            usage_count=table.c.usage_count + bindparam("b_calls"),
            last_used_at=case(
                (or_(table.c.last_used_at.is_(None), table.c.last_used_at < seen), seen),
                else_=table.c.last_used_at,
            ),
        )
    )
    session.execute(
        statement,
        [
            {
                "b_id": key_id,
                "b_calls": u.calls,
                "b_last": datetime.fromtimestamp(u.last_used_ms / 1000, UTC),
            }
            for key_id, u in usage.items()
        ],
        execution_options={USAGE_ONLY: True},
    )
