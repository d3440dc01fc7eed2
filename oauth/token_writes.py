"""Storing what a token response issues, in one round trip where the database allows it.

A code exchange (RFC 6749 §4.1.3) starts a token family and stores its first refresh token; a
refresh (RFC 6749 §6) stores the successor, marks the presented token rotated (RFC 9700 §4.14.2)
and notes the family's use; both note the grant's use and its new expiry. On PostgreSQL that is
one statement (data-modifying CTEs around the refresh token's INSERT); elsewhere (SQLite) one
statement each, in order. The statements are built once per shape and take their values as
parameters (building them per request cost more than running them). They are Core statements
on the session's connection, not the ORM's unit of work: none of them changes ``revoked_at``, so
no cache epoch is concerned (``live_families``), and the rows the session holds are updated in
place, leaving it nothing to flush.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Table, bindparam, insert, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql.dml import Insert, Update
from sqlalchemy.sql.elements import BindParameter

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

    def shape(self) -> tuple[bool, bool, bool, bool]:
        """Which statements it takes: family inserted, family used, token rotated, successor."""
        rotating = self.rotated is not None and self.rotated.rotated_at is None
        family_used = not self.new_family and self.family.last_used_at != self.moment
        return (self.new_family, family_used, rotating, self.successor is not None)

    def params(self) -> dict[str, Any]:
        values: dict[str, Any] = {"now": self.moment, "grant_id": self.authorization.id}
        values.update({f"f_{key}": getattr(self.family, key) for key in _FAMILY_COLUMNS})
        if self.rotated is not None:
            values["rotated_id"] = self.rotated.id
        if self.successor is not None:
            values.update({f"r_{key}": getattr(self.successor, key) for key in _TOKEN_COLUMNS})
        return values


def store(session: Session, issue: Issue) -> None:
    """Write ``issue`` (see the module's docstring) and bring the session's rows up to date."""
    connection = session.connection()
    shape, params = issue.shape(), issue.params()
    if connection.dialect.name == "postgresql" and shape[3]:
        connection.execute(_combined(shape), params)
    else:
        for statement in _statements(shape):
            connection.execute(statement, params)
    _mark_committed(issue)


_FAMILY_COLUMNS = (
    "id",
    "authorization_id",
    "user_id",
    "app_id",
    "code_hash",
    "wallet_session_id",
    "device_name",
    "created_at",
    "last_used_at",
)
_TOKEN_COLUMNS = ("id", "token_hash", "family_id", "scope", "created_at", "expires_at")


def _param(name: str, column: Any) -> BindParameter[Any]:
    return bindparam(name, type_=column.type)


def _values(prefix: str, table: Table, columns: tuple[str, ...]) -> dict[str, BindParameter[Any]]:
    return {key: _param(f"{prefix}{key}", table.c[key]) for key in columns}


def _table(model: Any) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


@cache
def _statements(shape: tuple[bool, bool, bool, bool]) -> tuple[Insert | Update, ...]:
    """In the order a database that checks foreign keys at once needs: family, updates, the new
    refresh token last (the main statement on PostgreSQL)."""
    new_family, family_used, rotating, successor = shape
    families, grants = _table(TokenFamily), _table(UserAuthorization)
    tokens = _table(RefreshToken)
    now = _param("now", families.c.last_used_at)
    out: list[Insert | Update] = []
    if new_family:
        out.append(insert(families).values(_values("f_", families, _FAMILY_COLUMNS)))
    if family_used:
        family_id = _param("f_id", families.c.id)
        out.append(update(families).where(families.c.id == family_id).values(last_used_at=now))
    if rotating:
        rotated_id = _param("rotated_id", tokens.c.id)
        out.append(
            update(tokens)
            .where(tokens.c.id == rotated_id, tokens.c.rotated_at.is_(None))
            .values(rotated_at=now)
        )
    if successor:
        grant_id = _param("grant_id", grants.c.id)
        expires = _param("r_expires_at", tokens.c.expires_at)
        out.append(
            update(grants)
            .where(grants.c.id == grant_id)
            .values(last_used_at=now, expire_time=expires, update_time=now)
        )
        out.append(insert(tokens).values(_values("r_", tokens, _TOKEN_COLUMNS)))
    return tuple(out)


@cache
def _combined(shape: tuple[bool, bool, bool, bool]) -> Insert:
    """PostgreSQL: the other statements as data-modifying CTEs of the refresh token's INSERT."""
    *others, main = _statements(shape)
    assert isinstance(main, Insert)
    ctes = [statement.cte(f"w{i}") for i, statement in enumerate(others)]
    return main.add_cte(*ctes) if ctes else main


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
