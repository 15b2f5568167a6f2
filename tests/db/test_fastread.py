"""The read-only first frame: ``fastread`` answers exactly as ``queries`` does, or not at all."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from oncall.app import AppContext
from oncall.db import commands, queries
from oncall.db.fastread import SessionReader, Snapshot, open_snapshot
from oncall.db.revisions import head_revision

pytestmark = pytest.mark.sqlite_only  # the first frame reads the SQLite file itself


def _files(database: Path) -> dict[str, bytes]:
    """The database file and its write-ahead log, byte for byte (what "never writes" means).

    Any reader of a WAL database, read-only ones too, creates an empty ``-wal`` companion
    when there is none; an empty log holds no data, so it counts as absent."""
    wal = database.with_name(database.name + "-wal")
    files = {database.name: database.read_bytes()}
    if wal.exists() and wal.stat().st_size > 0:
        files[wal.name] = wal.read_bytes()
    return files


def _same_reads(ctx: AppContext, snapshot: Snapshot, engineer_ids: list[int]) -> None:
    now = ctx.clock()
    windows = [
        (now - timedelta(days=7), now + timedelta(days=14)),
        (now - timedelta(days=400), now + timedelta(days=400)),  # history and the horizon
        (now, now + timedelta(seconds=1)),
    ]
    with ctx.sessions.begin() as s:
        teams = queries.list_teams(s)
        assert snapshot.teams() == teams
        assert snapshot.engineers() == queries.list_engineers(s, include_inactive=True)
        for start, end in windows:
            for team_id in (None, *(t.id for t in teams)):
                expected = queries.ledger(s, team_id, start, end)
                assert snapshot.ledger(team_id, start, end) == expected
        for engineer_id in engineer_ids:
            for limit in (1, 6, 20):
                assert snapshot.next_shifts(engineer_id, now, limit) == queries.next_shifts(
                    s, engineer_id, now, limit=limit
                )
        # the session-backed reader is the same interface over the same queries
        reader = SessionReader(s)
        assert reader.teams() == teams
        assert reader.ledger(None, *windows[0]) == snapshot.ledger(None, *windows[0])


def test_snapshot_reads_what_queries_read(seeded_team) -> None:
    ctx = seeded_team.ctx
    with ctx.sessions.begin() as s:  # an inactive engineer must still be named on the board
        commands.update_engineer(s, replace(seeded_team.engineer("dev"), active=False))
    snapshot = open_snapshot(ctx.paths.database)
    assert snapshot is not None
    try:
        assert [t.name for t in snapshot.teams()] == ["Payments"]
        assert any(not e.active for e in snapshot.engineers())
        assert snapshot.ledger(None, seeded_team.now, seeded_team.now + timedelta(hours=1))
        _same_reads(ctx, snapshot, [e.id for e in seeded_team.engineers])
    finally:
        snapshot.close()


def test_snapshot_reads_what_queries_read_on_the_demo(data_dir: Path, now) -> None:
    from oncall.app import open_context

    ctx = open_context(data_dir, demo=True, clock=lambda: now)
    snapshot = open_snapshot(ctx.paths.database)
    assert snapshot is not None
    try:
        engineers = snapshot.engineers()
        assert len(engineers) >= 8
        _same_reads(ctx, snapshot, [e.id for e in engineers])
    finally:
        snapshot.close()


def test_instants_are_aware_utc(seeded_team) -> None:
    snapshot = open_snapshot(seeded_team.ctx.paths.database)
    assert snapshot is not None
    shift = snapshot.ledger(None, seeded_team.now, seeded_team.now + timedelta(hours=1))[0]
    assert shift.start.utcoffset() == timedelta(0)
    assert shift.start <= seeded_team.now < shift.end
    with pytest.raises(ValueError, match="no time zone"):
        snapshot.ledger(None, seeded_team.now.replace(tzinfo=None), seeded_team.now)
    snapshot.close()


def test_missing_file_gives_none(tmp_path: Path) -> None:
    assert open_snapshot(tmp_path / "nothing.sqlite") is None
    assert not (tmp_path / "nothing.sqlite").exists()  # not created either


@pytest.mark.parametrize("revision", ["0000", "9999"], ids=["behind", "newer"])
def test_database_not_at_head_gives_none_and_is_untouched(engine, revision: str) -> None:
    database = Path(engine.url.database)
    engine.dispose()
    assert revision != head_revision()
    with sqlite3.connect(database) as con:
        con.execute("UPDATE alembic_version SET version_num = ?", (revision,))
    con.close()
    before = _files(database)
    assert open_snapshot(database) is None
    assert _files(database) == before


def test_not_a_database_or_no_schema_gives_none(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.sqlite"
    garbage.write_bytes(b"this is not a database" * 100)
    assert open_snapshot(garbage) is None
    assert garbage.read_bytes() == b"this is not a database" * 100

    empty = tmp_path / "empty.sqlite"
    sqlite3.connect(empty).close()
    before = empty.read_bytes()
    assert open_snapshot(empty) is None
    assert empty.read_bytes() == before


def test_reading_a_snapshot_writes_nothing(seeded_team) -> None:
    database = seeded_team.ctx.paths.database
    before = _files(database)
    snapshot = open_snapshot(database)
    assert snapshot is not None
    snapshot.teams()
    snapshot.ledger(None, seeded_team.now, seeded_team.now + timedelta(days=14))
    with pytest.raises(sqlite3.OperationalError, match=r"readonly|read-only|query_only"):
        snapshot._con.execute("DELETE FROM ledger_shift")
    snapshot.close()
    assert _files(database) == before


def test_fastread_imports_no_sqlalchemy() -> None:
    code = (
        "import sys\nimport oncall.db.fastread, oncall.db.revisions, oncall.app\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sqlalchemy', 'alembic')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "[]"
