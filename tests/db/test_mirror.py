"""The team database's mirror on this computer (``oncall.db.mirror``): one consistent
snapshot, a file per server, and a read-only copy that refuses writes."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError

from oncall.db import commands, mirror, queries, transfer
from oncall.db.engine import make_engine, make_session_factory
from oncall.domain.model import Team
from tests.conftest import NOW


def _counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in transfer.copied_tables()
        }


def test_the_mirror_is_named_per_server_and_database_not_per_password(tmp_path: Path) -> None:
    a = mirror.mirror_path(tmp_path, "postgresql+psycopg://ana:secret@db.example:5432/oncall")
    b = mirror.mirror_path(tmp_path, "postgresql+psycopg://ana@db.example:5432/oncall")
    other = mirror.mirror_path(tmp_path, "postgresql+psycopg://ana@db.example:5432/staging")
    assert a == b != other
    assert a.parent == tmp_path
    assert a.name.startswith("team-server-")
    assert "secret" not in a.name


def test_a_refresh_copies_one_moment_even_while_someone_writes(pg_database, tmp_path) -> None:
    engine = make_engine(pg_database())
    sessions = make_session_factory(engine)
    try:
        with sessions.begin() as s:
            commands.add_team(s, Team(0, "Payments", "Europe/London", ""))
        path = mirror.mirror_path(tmp_path, str(engine.url))
        copy = transfer.backup_to_file(engine, path, overwrite=True)
        for step in copy:
            if step.message == "Copying":  # the snapshot is taken and counted: write now
                break
        with sessions.begin() as s:  # teams are copied after this, in a later statement
            commands.add_team(s, Team(0, "Platform", "UTC", ""))
        last = list(copy)[-1]
        assert last.report is not None
        copied = mirror.open_mirror(path, str(engine.url))
        assert copied is not None
        with copied() as s:
            assert [t.name for t in queries.list_teams(s)] == ["Payments"]

        done = mirror.refresh(engine, path, clock=lambda: NOW)  # the next one has both
        assert mirror.taken_at(path) == NOW
        assert done.rows == sum(_counts(engine).values())
        copied = mirror.open_mirror(path, str(engine.url))
        assert copied is not None
        assert _counts(copied.kw["bind"]) == _counts(engine)
        assert mirror.offline_of(copied).server_url == str(engine.url)
        with pytest.raises(OperationalError, match="readonly"), copied.begin() as s:
            s.execute(text("DELETE FROM team"))
        copied.kw["bind"].dispose()
    finally:
        engine.dispose()


def test_no_mirror_or_a_damaged_one_is_none(tmp_path: Path) -> None:
    url = "postgresql+psycopg://ana@db.example:5432/oncall"
    path = mirror.mirror_path(tmp_path, url)
    assert mirror.open_mirror(path, url) is None
    path.write_bytes(b"not a database at all" * 100)
    assert mirror.open_mirror(path, url) is None


def test_a_refresh_stopped_midway_leaves_the_previous_copy(pg_database, tmp_path) -> None:
    engine = make_engine(pg_database())
    sessions = make_session_factory(engine)
    try:
        with sessions.begin() as s:
            commands.add_team(s, Team(0, "Payments", "Europe/London", ""))
        path = mirror.mirror_path(tmp_path, str(engine.url))
        mirror.refresh(engine, path, clock=lambda: NOW)
        with sessions.begin() as s:
            commands.add_team(s, Team(0, "Platform", "UTC", ""))
        steps = mirror.refreshing(engine, path)
        for step in steps:
            if step.message == "Copying":
                break
        steps.close()  # the window closed: the worker cancels between steps
        assert not list(tmp_path.glob("*.partial*"))
        assert mirror.taken_at(path) == NOW
        copied = mirror.open_mirror(path, str(engine.url))
        assert copied is not None
        with copied() as s:
            assert [t.name for t in queries.list_teams(s)] == ["Payments"]
        copied.kw["bind"].dispose()
    finally:
        engine.dispose()
