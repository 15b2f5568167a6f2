"""Schema migrations at start-up: refuse newer databases, back up, upgrade to head.

Migrations live in ``oncall/db/migrations`` (no ``alembic.ini``: the configuration is built
here). Revision ids are ``0001``, ``0002``... and each file is named ``<id>_<slug>.py``, so
this build's revisions, and its head, are known from the file names alone (``revisions``,
which imports neither Alembic nor SQLAlchemy). A database already
at head is therefore checked with one plain query and Alembic is never imported: start-up time
matters.
"""

from __future__ import annotations

import re
import sqlite3
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text

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
    "VERSIONS_DIR",
    "VERSION_TABLE",
    "DatabaseTooNew",
    "backup_sqlite",
    "check_and_upgrade",
    "current_revision",
    "head_revision",
    "known_revisions",
    "upgrade",
]
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


def current_revision(engine: Engine) -> str | None:
    """The database's schema revision, or None for a database never migrated."""
    revisions = _current_revisions(engine)
    return ",".join(revisions) if revisions else None


def _current_revisions(engine: Engine) -> tuple[str, ...]:
    with engine.connect() as conn:
        if not inspect(conn).has_table(VERSION_TABLE):
            return ()
        rows = conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars()
        return tuple(sorted(str(r) for r in rows))


def check_and_upgrade(engine: Engine, backups: Path, keep: int = 10) -> Path | None:
    """Bring the schema to head; returns the backup made (SQLite, when behind) or None.

    1. A revision this build does not know means a newer oncall wrote the database: raise
       :class:`DatabaseTooNew` before anything is written.
    2. A SQLite file that is behind and holds tables is copied with the sqlite3 online backup
       API to ``backups/oncall-YYYYmmdd-HHMMSS.sqlite`` (the last ``keep`` are kept).
    3. Alembic upgrades to head, in one transaction. A fresh database takes the same path.
    """
    known, head = known_revisions(), head_revision()
    current = _current_revisions(engine)
    unknown = [r for r in current if r not in known]
    if unknown:
        raise DatabaseTooNew(unknown[0], head)
    if current == (head,):
        return None
    backup = None
    path = sqlite_file(engine)
    if path is not None and path.exists() and _has_tables(engine):
        backup = backup_sqlite(path, backups, keep=keep)
    upgrade(engine)
    return backup


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
