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
