"""Alembic's entry point, run by ``oncall.db.migrate`` with the engine in ``cfg.attributes``.

The whole upgrade runs in one transaction, so a failed migration leaves the database as it was
(SQLite gets an explicit BEGIN, since the sqlite3 driver would otherwise commit DDL as it goes).
"""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from sqlalchemy import Connection, Engine, TypeDecorator

from oncall.db.models import Base

#: How long a PostgreSQL upgrade waits for a table lock held by someone else before failing.
LOCK_TIMEOUT = "30s"


def run_migrations(engine: Engine) -> None:
    """Migrate (or, for ``revision --autogenerate``, compare) through one connection."""
    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            # Batch mode rebuilds tables; with foreign keys on, dropping the old copy of a
            # table would cascade into its children. The PRAGMA is ignored inside a
            # transaction, so it is set on the driver connection before BEGIN.
            _driver_execute(conn, "PRAGMA foreign_keys=OFF")
        try:
            with conn.begin():
                if sqlite:
                    conn.exec_driver_sql("BEGIN")
                elif conn.dialect.name == "postgresql":
                    # A table another client keeps busy makes the upgrade fail with a clear
                    # error instead of waiting forever while every other query queues behind it.
                    conn.exec_driver_sql(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
                context.configure(
                    connection=conn,
                    target_metadata=Base.metadata,
                    render_as_batch=True,  # SQLite can only ALTER by rebuilding tables
                    compare_type=True,
                    render_item=_render_item,
                )
                context.run_migrations()
                if sqlite:
                    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise RuntimeError(f"migration broke foreign keys: {broken[:5]}")
        finally:
            if sqlite:
                _driver_execute(conn, "PRAGMA foreign_keys=ON")


def _render_item(kind: str, obj: Any, _autogen: Any) -> str | Literal[False]:
    """Write our column types as the plain SQLAlchemy types they store, so a migration never
    imports ``oncall.db.models`` (which keeps changing after the migration is written)."""
    if kind == "type" and isinstance(obj, TypeDecorator):
        return f"sa.{obj.impl!r}"
    return False


def _driver_execute(conn: Connection, sql: str) -> None:
    driver = conn.connection.driver_connection
    assert driver is not None
    driver.execute(sql)


if context.is_offline_mode():
    raise SystemExit("oncall runs migrations online only (no --sql)")
run_migrations(context.config.attributes["engine"])
