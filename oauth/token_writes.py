"""Storing what a token response issues, in one round trip where the database allows it.

A code exchange (RFC 6749 §4.1.3) starts a token family and stores its first refresh token; a
refresh (RFC 6749 §6) stores the successor, marks the presented token rotated (RFC 9700 §4.14.2)
and notes the family's use; both note the grant's use and its new expiry. On PostgreSQL that is
one statement (data-modifying CTEs around the refresh token's INSERT); elsewhere (SQLite) one
statement each, in order. They are Core statements on the session's connection, not the ORM's
unit of work: none of them changes ``revoked_at``, so no cache epoch is concerned
(``live_families``), and the rows the session holds are updated in place, leaving it nothing to
flush.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, inspect, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql.dml import Insert, Update

from chainless.oauth.models import RefreshToken, TokenFamily, UserAuthorization


@dataclass
class Issue:
    """What one token response writes. ``family`` is new (to insert) when ``new_family``;
    ``successor`` is the new refresh token, if any; ``rotated`` the one it replaces, if any."""

    family: TokenFamily
    authorization: UserAuthorization
    moment: datetime
    new_family: bool = False
    successor: RefreshToken | None = None
    rotated: RefreshToken | None = None


def store(session: Session, issue: Issue) -> None:
    """Write ``issue`` (see the module's docstring) and bring the session's rows up to date."""
    statements = _statements(issue)
    connection = session.connection()
    main = statements[-1] if statements else None
    if isinstance(main, Insert) and connection.dialect.name == "postgresql":
        ctes = [s.cte(f"w{i}") for i, s in enumerate(statements[:-1])]
        connection.execute(main.add_cte(*ctes) if ctes else main)
    else:
        for statement in statements:
            connection.execute(statement)
    _mark_committed(issue)


def _statements(issue: Issue) -> list[Insert | Update]:
    """In the order a database that checks foreign keys at once needs: family, updates, the new
    refresh token last (the main statement on PostgreSQL)."""
    family, grant, moment = issue.family, issue.authorization, issue.moment
    out: list[Insert | Update] = []
    if issue.new_family:
        out.append(insert(TokenFamily).values(_set_values(family)))
    elif family.last_used_at != moment:
        out.append(
            update(TokenFamily).where(TokenFamily.id == family.id).values(last_used_at=moment)
        )
    rotated = issue.rotated
    if rotated is not None and rotated.rotated_at is None:
        out.append(
            update(RefreshToken)
            .where(RefreshToken.id == rotated.id, RefreshToken.rotated_at.is_(None))
            .values(rotated_at=moment)
        )
    successor = issue.successor
    if successor is not None:
        out.append(
            update(UserAuthorization)
            .where(UserAuthorization.id == grant.id)
            .values(last_used_at=moment, expire_time=successor.expires_at, update_time=moment)
        )
        out.append(insert(RefreshToken).values(_set_values(successor)))
    return out


def _set_values(instance: object) -> dict[str, Any]:
    """The column values set on a new (transient) row."""
    state = inspect(instance)
    columns = state.mapper.column_attrs.keys()
    return {key: value for key, value in state.dict.items() if key in columns}


def _mark_committed(issue: Issue) -> None:
    """The written values on the rows the session holds, as if loaded (nothing to flush)."""
    moment = issue.moment
    if not issue.new_family:
        set_committed_value(issue.family, "last_used_at", moment)
    if issue.rotated is not None and issue.rotated.rotated_at is None:
        set_committed_value(issue.rotated, "rotated_at", moment)
    if issue.successor is not None:
        grant = issue.authorization
        set_committed_value(grant, "last_used_at", moment)
        set_committed_value(grant, "expire_time", issue.successor.expires_at)
        set_committed_value(grant, "update_time", moment)
