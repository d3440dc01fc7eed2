"""Engine, sessions and the one-transaction-per-request-or-task rule.

Services receive a :class:`~sqlalchemy.orm.Session` and never commit; :meth:`Database.transaction`
(used by the request dependency and by every background task) commits once at the end, or rolls
back, and only after a successful commit are buffered background jobs sent (see ``jobs.py``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from chainless.platform.core.errors import AppError


def make_engine(url: str, *, pool_size: int = 10) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    # No pre-ping: it costs a round trip on every checkout. Connections are recycled before
    # servers or proxies drop them, and a dead one fails its request once and is discarded.
    return create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_recycle=1800)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Python's sqlite3 opens and commits transactions behind SQLAlchemy's back (and never around
    # SAVEPOINTs); turn that off and let SQLAlchemy emit BEGIN itself (see ``_sqlite_begin``).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


READ_ONLY = "chainless_read_only"
"""Execution option: this connection only reads, so on SQLite it begins without the write lock."""


def _sqlite_begin(connection: Connection) -> None:
    # IMMEDIATE: take the write lock up front, so concurrent writers queue (busy_timeout)
    # instead of failing to upgrade a read lock; the embedded mode is one process anyway.
    # A read-only connection (a probe) must not queue behind a writer for the lock it never needs.
    read_only = connection.get_execution_options().get(READ_ONLY, False)
    connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


READ_ONLY_SESSION = "chainless.read_only_session"
"""session.info: this session only reads; a flush with changes is a programming error."""


def _read_sessions(
    bind: Engine | Connection, default: sessionmaker[Session]
) -> tuple[sessionmaker[Session], bool]:
    """The factory of read-only sessions, and whether they run in autocommit."""
    if not isinstance(bind, Engine):
        return default, False  # a test's outer transaction: savepoints, as any session
    if bind.dialect.name == "postgresql":
        # each statement its own transaction: no BEGIN/COMMIT round trips. The option engine
        # shares the pool; psycopg switches autocommit on and off without a round trip.
        autocommit = bind.execution_options(isolation_level="AUTOCOMMIT")
        return sessionmaker(bind=autocommit, expire_on_commit=False), True
    # SQLite: a plain BEGIN, so a reader never queues behind a writer for the write lock
    reader = bind.execution_options(**{READ_ONLY: True})
    return sessionmaker(bind=reader, expire_on_commit=False), False


@event.listens_for(Session, "before_flush")
def _refuse_writes_in_read_sessions(session: Session, _context: Any, _instances: Any) -> None:
    if session.info.get(READ_ONLY_SESSION) and (session.new or session.dirty or session.deleted):
        raise RuntimeError("a read-only session was asked to write; use the request's DbSession")


class Database:
    """Owns the engine and hands out sessions bound to it (or to a test's outer transaction)."""

    def __init__(self, bind: Engine | Connection, *, session_info: dict[str, Any] | None = None):
        self.bind = bind
        join = {"join_transaction_mode": "create_savepoint"} if isinstance(bind, Connection) else {}
        self._factory = sessionmaker(bind=bind, expire_on_commit=False, **join)  # type: ignore[call-overload]
        self._session_info = session_info or {}
        self._read_factory, self.reads_autocommit = _read_sessions(bind, self._factory)

    @property
    def request_slots(self) -> int | None:
        """How many requests may hold sessions at once; None when nothing needs bounding.

        A request uses at most two connections (its session and a read-only one), and the pool
        holds ``pool_size`` plus as many again in overflow, so admitting ``pool_size`` requests
        means a request's thread never waits on the pool for another request (see
        ``deps.request_slot``). A test's single connection needs no bound.
        """
        if not isinstance(self.bind, Engine):
            return None
        size = getattr(self.bind.pool, "size", None)
        return int(size()) if callable(size) else None

    @property
    def engine(self) -> Engine:
        return self.bind if isinstance(self.bind, Engine) else self.bind.engine

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def session(self) -> Session:
        session = self._factory()
        session.info.update(self._session_info)
        return session

    def read_session(self) -> tuple[Session, bool]:
        """A session for a request that only reads, and whether it runs in autocommit.

        In autocommit (PostgreSQL) there is no BEGIN and no COMMIT round trip, and closing it does
        no I/O. Elsewhere (SQLite, a test's outer transaction) it is an ordinary session that is
        rolled back at the end. Either way a flush with changes raises.
        """
        session = self._read_factory()
        session.info.update(self._session_info)
        session.info[READ_ONLY_SESSION] = True
        return session, self.reads_autocommit

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A read-only unit of work (``read_session``), closed at the end; nothing to commit."""
        session, autocommit = self.read_session()
        try:
            yield session
        finally:
            if autocommit:
                session.close()
            else:
                self.finish(session, commit=False)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: commit at the end, roll back on error.

        An :class:`AppError` with ``keep_changes`` still commits, so that a failure the request
        reports (a counted failed login, say) is not lost with it.
        """
        session = self.session()
        try:
            yield session
        except AppError as error:
            self.finish(session, commit=error.keep_changes)
            raise
        except BaseException:
            self.finish(session, commit=False)
            raise
        self.finish(session, commit=True)

    @staticmethod
    def finish(session: Session, *, commit: bool) -> None:
        """End a unit of work: commit or roll back, then give the connection back."""
        try:
            if commit:
                session.commit()
            else:
                session.rollback()
        finally:
            session.close()

    def dispose(self) -> None:
        if isinstance(self.bind, Engine):
            self.bind.dispose()
