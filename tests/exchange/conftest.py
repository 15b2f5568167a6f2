"""Fixtures of the exchange tests: a second, empty database for round trips."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from oncall.paths import app_paths


@pytest.fixture
def other_sessions(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    """Sessions on a second migrated database, empty, beside the ``sessions`` one."""
    from oncall.db import migrate
    from oncall.db.engine import make_engine, make_session_factory, sqlite_url

    paths = app_paths(tmp_path / "other").create()
    engine = make_engine(sqlite_url(paths.database))
    migrate.check_and_upgrade(engine, paths.backups)
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture
def cli_uses_ctx_database(ctx, backend: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A CLI command run by the test opens the ``ctx`` database: on PostgreSQL through
    ``ONCALL_DATABASE_URL`` (on SQLite the CLI finds the same file in ``data_dir`` anyway)."""
    if backend == "postgresql":
        monkeypatch.setenv("ONCALL_DATABASE_URL", ctx.database_url)
