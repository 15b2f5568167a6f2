"""Engines and session factories: SQLite (WAL, foreign keys) by default, any SQLAlchemy URL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

# How long a SQLite writer waits for another one (the GUI and a worker thread) before failing.
BUSY_TIMEOUT_MS = 10_000
# How long connecting to a database server may take before it counts as unreachable.
CONNECT_TIMEOUT_S = 5
TCP_USER_TIMEOUT_MS = 15_000


def sqlite_url(path: Path) -> str:
    """The SQLAlchemy URL of a SQLite file."""
    return f"sqlite:///{path}"


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite connections get WAL, foreign keys and a busy timeout.

    SQLite keeps the sqlite3 driver's default transaction handling (BEGIN before the first
    write), which waits politely for other writers; a transaction's writes still commit or
    roll back together. Migrations open their own explicit transaction (see ``migrations/env.py``).
    """
    name = str(url)
    sqlite = name.startswith("sqlite")
    # A server that went away and came back: pooled connections are checked before use
    # (pool_pre_ping), so dead ones are replaced instead of failing the first query.
    options: dict[str, Any] = {} if sqlite else {"pool_pre_ping": True}
    if name.startswith("postgresql"):
        # An unreachable host fails within seconds instead of freezing the window for minutes,
        # and a server that vanished without a word (a dropped network) is noticed: keepalives
        # while idle, and unacknowledged data gives up after TCP_USER_TIMEOUT_MS (Linux).
        args: dict[str, Any] = {
            "keepalives": 1,
            "keepalives_idle": 30,
            "keepalives_interval": 10,
            "keepalives_count": 3,
            "tcp_user_timeout": TCP_USER_TIMEOUT_MS,
        }
        if "connect_timeout" not in name:
            args["connect_timeout"] = CONNECT_TIMEOUT_S
        options["connect_args"] = args
    engine = create_engine(url, **options)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _configure_sqlite)
    from oncall.db import watch  # the app's own changes are told apart from other clients'

    watch.track(engine)
    return engine


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        # WAL lets readers (the window) work while a writer (an import) commits.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        cursor.close()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded values after commit (``expire_on_commit=False``)."""
    return sessionmaker(engine, expire_on_commit=False)
