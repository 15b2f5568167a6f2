"""Schema migrations at start-up: refuse newer databases, back up, upgrade to head.

Migrations live in ``oncall/db/migrations`` (no ``alembic.ini``: the configuration is built
here). Revision ids are ``0001``, ``0002``... and each file is named ``<id>_<slug>.py``, so
this build's revisions, and its head, are known from the file names alone (``revisions``,
which imports neither Alembic nor SQLAlchemy). A database already
at head is therefore checked with one plain query and Alembic is never imported: start-up time
matters.

A local SQLite file is this computer's own: when it is behind it is backed up and upgraded
without asking. A shared (PostgreSQL) team database never is: upgrading it changes it for
everyone, so :func:`check_and_upgrade` raises :class:`SchemaBehind` and the user (the window's
dialog, ``oncall db upgrade``) asks for :func:`upgrade_shared`, which holds a PostgreSQL
advisory lock so two clients never migrate at once. A team database written by a newer
oncall can still be looked at: :func:`make_read_only` makes the server refuse every write.
"""

from __future__ import annotations

import hashlib
import logging
import re
import sqlite3
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, event, inspect, text
from sqlalchemy.exc import DBAPIError

from oncall.db.revisions import (  # re-exported: callers know them as migrate.*
    MIGRATIONS_DIR,
    VERSION_TABLE,
    VERSIONS_DIR,
    head_revision,
    known_revisions,
)

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = [
    "MIGRATIONS_DIR",
    "SCHEMA_LOCK_KEY",
    "VERSIONS_DIR",
    "VERSION_TABLE",
    "WAITING_MESSAGE",
    "DatabaseTooNew",
    "SchemaBehind",
    "SchemaLockTimeout",
    "UpgradeCancelled",
    "backup_sqlite",
    "check_and_upgrade",
    "current_revision",
    "describe_failure",
    "head_revision",
    "is_shared",
    "known_revisions",
    "make_read_only",
    "upgrade",
    "upgrade_shared",
]
log = logging.getLogger(__name__)
BACKUP_PREFIX = "oncall-"
_BACKUP_FILE = re.compile(r"^oncall-(\d{8}-\d{6})(?:-(\d+))?\.sqlite$")


class DatabaseTooNew(RuntimeError):  # noqa: N818 (named in DESIGN and by callers)
    """The database was written by a newer oncall; nothing is read or written."""

    def __init__(self, database_revision: str, known_head: str) -> None:
        super().__init__(
            f"This database is at schema {database_revision}, written by a newer oncall; this "
            f"oncall knows schemas up to {known_head}. Update oncall to open it."
        )
        self.database_revision, self.known_head = database_revision, known_head

    @property
    def read_only_reason(self) -> str:
        """What the window's banner says when a team database from a newer oncall is opened
        read-only (``AppContext.read_only_reason``)."""
        return (
            f"The team database is at schema {self.database_revision}, written by a newer "
            f"oncall; this oncall knows up to {self.known_head}. You can look, but changes are "
            "off until you update oncall."
        )


class SchemaBehind(RuntimeError):  # noqa: N818 (the state it reports, as DatabaseTooNew)
    """A shared database is behind this oncall's schema (or empty); nothing was written.

    Upgrading a team database changes it for everyone, so it is never done without asking:
    see :func:`upgrade_shared`. ``current`` is None for an empty database; ``engine`` is the
    database's engine (the caller upgrades through it, or disposes of it).
    """

    def __init__(self, current: str | None, head: str, engine: Engine | None = None) -> None:
        self.current, self.head, self.engine = current, head, engine
        url = engine.url if engine is not None else None
        self.database = (url.database or "") if url is not None else ""
        self.host = (url.host or "") if url is not None else ""
        if current is None:
            message = (
                f"The team database is empty: oncall's tables are not there yet. This oncall "
                f"needs schema {head}."
            )
        else:
            message = f"The team database is at schema {current}; this oncall needs {head}."
        super().__init__(message)


class SchemaLockTimeout(TimeoutError):  # noqa: N818 (a kind of TimeoutError)
    """Another oncall held the schema lock for longer than we were willing to wait."""


class UpgradeCancelled(Exception):  # noqa: N818 (it says what happened)
    """The user stopped :func:`upgrade_shared` while it waited for the lock; nothing changed."""


def is_shared(engine: Engine) -> bool:
    """Whether ``engine`` is a shared team database (anything but SQLite)."""
    return engine.dialect.name != "sqlite"


def current_revision(engine: Engine) -> str | None:
    """The database's schema revision, or None for a database never migrated."""
    revisions = _current_revisions(engine)
    return ",".join(revisions) if revisions else None


#: PostgreSQL's SQLSTATE for "relation does not exist".
_UNDEFINED_TABLE = "42P01"


def _current_revisions(engine: Engine) -> tuple[str, ...]:
    select = text(f"SELECT version_num FROM {VERSION_TABLE}")
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            if not inspect(conn).has_table(VERSION_TABLE):
                return ()
            rows = conn.execute(select).scalars()
            return tuple(sorted(str(r) for r in rows))
        # One plain query: at head (every start) that is all; a missing table is the error
        # the server sends, told apart from every other error by its SQLSTATE.
        try:
            rows = conn.execute(select).scalars()
        except DBAPIError as error:
            if getattr(error.orig, "sqlstate", None) == _UNDEFINED_TABLE:
                return ()
            raise
        return tuple(sorted(str(r) for r in rows))


def check_and_upgrade(engine: Engine, backups: Path, keep: int = 10) -> Path | None:
    """Bring the schema to head; returns the backup made (SQLite, when behind) or None.

    1. A revision this build does not know means a newer oncall wrote the database: raise
       :class:`DatabaseTooNew` before anything is written.
    2. A shared database (not SQLite) that is behind or empty is left as it is: raise
       :class:`SchemaBehind`; upgrading it is the user's explicit choice (:func:`upgrade_shared`).
    3. A SQLite file that is behind and holds tables is copied with the sqlite3 online backup
       API to ``backups/oncall-YYYYmmdd-HHMMSS.sqlite`` (the last ``keep`` are kept).
    4. Alembic upgrades to head, in one transaction. A fresh database takes the same path.
    """
    known, head = known_revisions(), head_revision()
    current = _current_revisions(engine)
    unknown = [r for r in current if r not in known]
    if unknown:
        raise DatabaseTooNew(unknown[0], head)
    if current == (head,):
        return None
    if is_shared(engine):
        raise SchemaBehind(",".join(current) or None, head, engine)
    backup = None
    path = sqlite_file(engine)
    if path is not None and path.exists() and _has_tables(engine):
        backup = backup_sqlite(path, backups, keep=keep)
    upgrade(engine)
    return backup


#: The advisory lock every oncall takes to upgrade a team database: a fixed 64-bit key
#: derived from the words "oncall schema" (stable across versions and machines).
SCHEMA_LOCK_KEY = int.from_bytes(hashlib.sha256(b"oncall schema").digest()[:8], "big", signed=True)
#: What ``on_wait`` is told while another client holds the lock.
WAITING_MESSAGE = "Another oncall is upgrading the team database; waiting…"
#: How long :func:`upgrade_shared` waits for the lock by default (a big upgrade takes time).
DEFAULT_LOCK_WAIT = 600.0


def upgrade_shared(
    engine: Engine,
    on_wait: Callable[[str], None] | None = None,
    timeout: float = DEFAULT_LOCK_WAIT,
    *,
    poll: float = 0.25,
    cancelled: Callable[[], bool] | None = None,
) -> bool:
    """Upgrade a shared (PostgreSQL) database to head, one client at a time; returns whether
    this call ran the migrations (False: it was at head already, maybe another client's work).

    Takes the session advisory lock :data:`SCHEMA_LOCK_KEY`, polling ``pg_try_advisory_lock``
    every ``poll`` seconds; while another client holds it, ``on_wait`` (when given) is called
    once with :data:`WAITING_MESSAGE`. Raises :class:`SchemaLockTimeout` after ``timeout``
    seconds of waiting and :class:`UpgradeCancelled` as soon as ``cancelled()`` is true.
    With the lock it reads the revision again (the other client may have finished the job:
    then nothing is done), refuses a newer database (:class:`DatabaseTooNew`), and runs
    Alembic's upgrade, all revisions in one transaction (PostgreSQL's DDL is transactional,
    see ``migrations/env.py``): a failure leaves the database as it was. The lock is released
    whatever happens.
    """
    if engine.dialect.name != "postgresql":
        raise ValueError(f"upgrade_shared is for PostgreSQL, not {engine.dialect.name}")
    head = head_revision()
    # The lock lives in its own session, outside any transaction, for as long as we hold it.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as lock:
        _take_schema_lock(lock, on_wait, timeout, poll, cancelled)
        try:
            current = _current_revisions(engine)
            unknown = [r for r in current if r not in known_revisions()]
            if unknown:
                raise DatabaseTooNew(unknown[0], head)
            if current == (head,):
                log.info("Team database already at schema %s; nothing to upgrade", head)
                return False
            log.info("Upgrading the team database from schema %s to %s",
                     ",".join(current) or "(empty)", head)  # fmt: skip
            upgrade(engine)
            return True
        finally:
            _release_schema_lock(lock)


def describe_failure(error: BaseException) -> str:
    """What went wrong in :func:`upgrade_shared`, in plain words for the window and the CLI:
    the server's own message (first line, no SQL, no link) and what state it left."""
    if isinstance(error, SchemaLockTimeout | UpgradeCancelled | DatabaseTooNew):
        return str(error)
    if isinstance(error, DBAPIError) and error.orig is not None:
        said = str(error.orig).strip().splitlines()[0] if str(error.orig).strip() else ""
        detail = said or type(error.orig).__name__
    else:
        detail = str(error).strip().splitlines()[0] if str(error).strip() else ""
        detail = detail or type(error).__name__
    return (
        f"The upgrade failed: {detail.rstrip('.')}. Nothing was changed: the upgrade runs "
        "in one transaction, and the team database is as it was."
    )


def _take_schema_lock(
    lock: Any,
    on_wait: Callable[[str], None] | None,
    timeout: float,
    poll: float,
    cancelled: Callable[[], bool] | None,
) -> None:
    try_lock = text("SELECT pg_try_advisory_lock(:key)")
    deadline = time.monotonic() + timeout
    told = False
    while not lock.execute(try_lock, {"key": SCHEMA_LOCK_KEY}).scalar():
        if cancelled is not None and cancelled():
            raise UpgradeCancelled("The upgrade was cancelled; the team database is unchanged.")
        if time.monotonic() >= deadline:
            raise SchemaLockTimeout(
                f"Another oncall has been upgrading the team database for over {timeout:.0f} "
                "seconds. Try again later; if nobody is upgrading, ask the database's "
                "administrator to look for a stuck oncall connection."
            )
        if not told:
            told = True
            log.info("Waiting for another oncall's schema upgrade (advisory lock)")
            if on_wait is not None:
                on_wait(WAITING_MESSAGE)
        time.sleep(poll)  # a poll: pg_advisory_lock would block without a word


def _release_schema_lock(lock: Any) -> None:
    try:
        lock.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": SCHEMA_LOCK_KEY})
    except DBAPIError:
        # The session may still hold the lock: never hand it back to the pool. Closing it
        # ends the session, and the server releases the lock with it.
        log.warning("Could not release the schema lock; closing its connection")
        lock.invalidate()


def make_read_only(engine: Engine) -> None:
    """Make every connection of ``engine`` read-only at the server (PostgreSQL), so nothing
    is written even by a bug: each new session runs ``SET SESSION CHARACTERISTICS AS
    TRANSACTION READ ONLY``, and the connections pooled so far (opened writable) are closed."""
    if engine.dialect.name != "postgresql":
        raise ValueError(f"make_read_only is for PostgreSQL, not {engine.dialect.name}")
    event.listen(engine, "connect", _read_only_session)
    engine.dispose()


def _read_only_session(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
    finally:
        cursor.close()
    # SET is undone with a rolled-back transaction: commit it so it lasts the session.
    dbapi_connection.commit()


def upgrade(engine: Engine, target: str = "head") -> None:
    """Run Alembic's upgrade to ``target`` (no checks, no backup: see ``check_and_upgrade``)."""
    from alembic import command

    command.upgrade(alembic_config(engine), target)


def alembic_config(engine: Engine) -> Config:
    """Alembic's configuration for this package, built in code; ``env.py`` reads the engine
    from ``cfg.attributes["engine"]``."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    # Files are named after their revision id: 0002_add_engineer_pager.py
    cfg.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    cfg.attributes["engine"] = engine
    return cfg


def sqlite_file(engine: Engine) -> Path | None:
    """The file behind a SQLite engine, or None (another dialect, or in memory)."""
    url = engine.url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    if url.database.startswith("file:"):
        return None  # URI-style (shared memory and friends): nothing to copy
    return Path(url.database)


def _has_tables(engine: Engine) -> bool:
    with engine.connect() as conn:
        return bool(inspect(conn).get_table_names())


def backup_sqlite(path: Path, backups: Path, keep: int = 10) -> Path:
    """Copy a live SQLite database (consistent even under WAL) into ``backups``; returns the
    copy. The copy only gets its final name once complete; older copies beyond ``keep`` go."""
    backups.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")  # local time: the name is for people
    # Two copies in one second (scripts, tests) are numbered on from the newest of that second.
    same_second = [k for (st, k), _ in _backups(backups) if st == stamp]
    n = max(same_second, default=0) + 1
    target = backups / (
        f"{BACKUP_PREFIX}{stamp}.sqlite" if n == 1 else f"{BACKUP_PREFIX}{stamp}-{n}.sqlite"
    )
    partial = target.with_name(target.name + ".partial")
    source = sqlite3.connect(path)
    try:
        copy = sqlite3.connect(partial)
        try:
            source.backup(copy)
        finally:
            copy.close()
    finally:
        source.close()
    partial.replace(target)
    _prune(backups, keep)
    return target


def _backups(backups: Path) -> list[tuple[tuple[str, int], Path]]:
    """Our copies in ``backups``, oldest first, keyed by (timestamp, number in that second)."""
    copies = []
    for p in backups.glob(f"{BACKUP_PREFIX}*.sqlite"):
        m = _BACKUP_FILE.match(p.name)
        if m:  # never touch a file we did not name
            copies.append(((m.group(1), int(m.group(2) or 1)), p))
    return sorted(copies)


def _prune(backups: Path, keep: int) -> None:
    copies = _backups(backups)
    for _, old in copies[: max(0, len(copies) - max(keep, 1))]:
        old.unlink(missing_ok=True)
