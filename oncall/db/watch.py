"""Seeing other clients' changes, and telling a lost connection from other errors.

:class:`ChangeWatch` answers one question cheaply, as often as the caller likes: *has another
client committed a change since I last asked?*

- PostgreSQL: revision 0007 puts a statement-level trigger on every data table that calls
  ``pg_notify('oncall_changes', <table>)``. The watch keeps one connection of its own that
  LISTENs; each :meth:`ChangeWatch.poll` runs ``SELECT 1``, which hands over whatever
  notifications arrived. PostgreSQL sends them only when the writing transaction commits, and
  each carries the writer's backend pid, so changes this app made itself through its own engine
  (see :func:`track`) are told apart exactly.
- SQLite: ``PRAGMA data_version`` on a long-lived connection of the watch's own changes
  whenever another connection commits. A change seen within a poll or two of a write this
  app committed through its own engine counts as the app's own (SQLite's other clients are
  scripts, and the next change or refresh shows theirs).

:func:`is_connection_lost` says whether an exception means the server could not be reached
(connection refused, cut or timed out), as opposed to a refusal from a server that answered.
"""

from __future__ import annotations

import contextlib
import threading
import weakref
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.exc import DBAPIError

#: The LISTEN/NOTIFY channel the triggers of revision 0007 notify.
CHANNEL = "oncall_changes"

# SQLSTATE classes and codes that mean "the server went away or is not accepting us yet".
_CONNECTION_STATES = ("08", "57P01", "57P02", "57P03")


class _Own:
    """What one engine did itself: its PostgreSQL backends' pids, and how many of its
    transactions committed a write (SQLite)."""

    def __init__(self) -> None:
        self.pids: set[int] = set()
        self.write_commits = 0
        self.lock = threading.Lock()


_OWN: weakref.WeakKeyDictionary[Engine, _Own] = weakref.WeakKeyDictionary()


def _own(engine: Engine) -> _Own:
    found = _OWN.get(engine)
    if found is None:
        found = _OWN[engine] = _Own()
    return found


def _info(conn: Any) -> dict[Any, Any] | None:
    """``conn.info``, or None when the connection is gone. A connection the server cut is
    invalidated, and reading its ``info`` then raises ``PendingRollbackError`` (inside the
    rollback that is handling the cut), which would hide the server's own error."""
    try:
        return conn.info  # type: ignore[no-any-return]
    except Exception:
        return None


def track(engine: Engine) -> None:
    """Remember what ``engine``'s own connections do, so a :class:`ChangeWatch` on it can
    ignore the app's own changes. ``oncall.db.engine.make_engine`` calls this; calling it
    again does nothing."""
    if engine in _OWN:
        return
    own = _own(engine)

    def connected(dbapi_connection: Any, record: Any) -> None:
        pid = getattr(getattr(dbapi_connection, "info", None), "backend_pid", None)
        if isinstance(pid, int):
            record.info["oncall_pid"] = pid
            with own.lock:
                own.pids.add(pid)

    def closed(_dbapi_connection: Any, record: Any) -> None:
        pid = record.info.pop("oncall_pid", None)
        if pid is not None:
            with own.lock:
                own.pids.discard(pid)

    def executed(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip()[:6].upper() not in ("SELECT", "PRAGMA"):
            info = _info(conn)
            if info is not None:
                info["oncall_wrote"] = True

    def committed(conn: Any) -> None:
        info = _info(conn)
        if info is not None and info.pop("oncall_wrote", False):
            with own.lock:
                own.write_commits += 1

    def rolled_back(conn: Any) -> None:
        info = _info(conn)
        if info is not None:
            info.pop("oncall_wrote", None)

    event.listen(engine, "connect", connected)
    event.listen(engine, "close", closed)
    event.listen(engine, "detach", closed)
    event.listen(engine, "after_cursor_execute", executed)
    event.listen(engine, "commit", committed)
    event.listen(engine, "rollback", rolled_back)


class ChangeWatch:
    """Tells, at each :meth:`poll`, whether another client committed since the last poll.

    Opens one connection of its own (outside the engine's pool) on first use. :meth:`poll`
    raises the driver's error when the server cannot be reached; the watch is then closed,
    and the next poll connects again. Use it from one thread at a time; :meth:`close` when
    done.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        track(engine)
        self._own = _own(engine)
        self._raw: Any = None  # the driver's connection, detached from the pool
        self._seen: list[int] = []  # pids of notifications since the last poll (PostgreSQL)
        self._version: int | None = None  # PRAGMA data_version (SQLite)
        self._own_commits = 0  # the app's own write commits at the last poll (SQLite)
        self._own_before = 0  # ... and at the poll before it

    @property
    def dialect(self) -> str:
        """``"postgresql"`` or ``"sqlite"``."""
        return self.engine.dialect.name

    def poll(self) -> bool:
        """One cheap query: True when another client's commit happened since the last poll
        (the first poll only connects and says False). Raises when the server is unreachable.
        """
        try:
            if self._raw is None:
                self._connect()
                return False
            if self.dialect == "postgresql":
                return self._poll_postgresql()
            return self._poll_sqlite()
        except Exception:
            self.close()
            raise

    def close(self) -> None:
        """Close the watch's connection (quietly: it may be dead already)."""
        raw, self._raw = self._raw, None
        if raw is not None:
            with contextlib.suppress(Exception):  # a dead connection cannot close politely
                raw.close()

    # ----- the two databases --------------------------------------------------------------

    def _connect(self) -> None:
        pooled = self.engine.raw_connection()
        driver = pooled.driver_connection
        pooled.detach()  # ours for good: never handed back to the pool while it LISTENs
        self._raw = driver
        if self.dialect == "postgresql":
            driver.rollback()  # the pool's ping may have opened a transaction
            driver.autocommit = True
            driver.add_notify_handler(lambda n: self._seen.append(n.pid))
            driver.execute(f"LISTEN {CHANNEL}")
        else:
            self._version = self._data_version()
            with self._own.lock:
                self._own_commits = self._own_before = self._own.write_commits

    def _poll_postgresql(self) -> bool:
        self._raw.execute("SELECT 1")  # delivers waiting notifications
        seen, self._seen = self._seen, []
        with self._own.lock:
            own = set(self._own.pids)
        return any(pid not in own for pid in seen)

    def _poll_sqlite(self) -> bool:
        version = self._data_version()
        with self._own.lock:
            own_commits = self._own.write_commits
        moved = version != self._version
        # SQLAlchemy counts a commit just before the driver makes it, so an own commit may
        # show in data_version one poll after it was counted: look two polls back.
        ours = own_commits != self._own_before
        self._version = version
        self._own_before, self._own_commits = self._own_commits, own_commits
        return moved and not ours

    def _data_version(self) -> int:
        cursor = self._raw.execute("PRAGMA data_version")
        try:
            return int(cursor.fetchone()[0])
        finally:
            cursor.close()


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        current = todo.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        todo.extend((getattr(current, "orig", None), current.__cause__, current.__context__))


def is_connection_lost(exc: BaseException) -> bool:
    """Whether ``exc`` means the database server could not be reached or went away.

    True for a refused, cut or timed-out connection (SQLAlchemy's ``connection_invalidated``,
    psycopg's plain ``OperationalError`` without a server answer, SQLSTATE class 08, a server
    shutting down or starting up). False for what a server that answered refused (constraint,
    conflict, wrong password has its own message) and for anything from SQLite.
    """
    for found in _chain(exc):
        if isinstance(found, DBAPIError) and found.connection_invalidated:
            return True
        if _is_psycopg_connection_error(found):
            return True
    return False


def is_read_only_refusal(exc: BaseException) -> bool:
    """Whether ``exc`` is a server refusing a write because the transaction or database is
    read-only (SQLSTATE 25006; a team database from a newer oncall, see
    ``migrate.make_read_only``)."""
    return any(getattr(found, "sqlstate", None) == "25006" for found in _chain(exc))


def _is_psycopg_connection_error(exc: BaseException) -> bool:
    try:
        import psycopg
    except ImportError:  # pragma: no cover (psycopg is a pinned dependency)
        return False
    if not isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError):
        return False
    state = getattr(exc, "sqlstate", None)
    if state:
        return state.startswith(_CONNECTION_STATES[0]) or state in _CONNECTION_STATES[1:]
    # No SQLSTATE: the server never answered (refused, unreachable, cut mid-query), or the
    # connection object is already closed. A wrong password does answer (28P01).
    message = str(exc).lower()
    return "password authentication failed" not in message and "does not exist" not in message
