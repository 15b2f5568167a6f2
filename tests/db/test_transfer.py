"""Moving data: this computer's SQLite database to a team server (real PostgreSQL) and a team
server to a backup file, every row of every table, counts checked, nothing half-done.

The sources are SQLite (the seeded team plus :func:`fill_every_table`); the targets are fresh
PostgreSQL databases from ``pg_database``. The module is ``sqlite_only`` because its sources
are always SQLite files; the PostgreSQL side is in every test.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, insert, select, text

from oncall.db import commands, migrate, pages
from oncall.db.engine import make_engine, make_session_factory, sqlite_url
from oncall.db.models import Base, EngineerRow
from oncall.db.page_models import PageRow
from oncall.db.transfer import (
    CopyProgress,
    SourceNotReadyError,
    TargetNotEmptyError,
    TransferError,
    backup_to_file,
    copied_tables,
    copy_database,
)
from oncall.domain.model import Engineer, Page
from tests.db.transfer_data import every_row, fill_every_table

pytestmark = pytest.mark.sqlite_only


@pytest.fixture
def source(seeded_team, engine: Engine) -> Engine:
    """The seeded team's SQLite database with rows in every table."""
    fill_every_table(seeded_team)
    return engine


@pytest.fixture
def pg_engines(pg_database):
    """``make(migrated=False) -> Engine`` on fresh PostgreSQL databases, disposed after."""
    made: list[Engine] = []

    def make(migrated: bool = False) -> Engine:
        made.append(make_engine(pg_database(migrated=migrated)))
        return made[-1]

    yield make
    for e in made:
        e.dispose()


def run(job) -> list[CopyProgress]:
    """Every progress value of a copy, to the end."""
    return list(job)


def counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in copied_tables()
        }


def test_every_table_is_copied_except_bookkeeping():
    names = {t.name for t in copied_tables()}
    assert names == {t.name for t in Base.metadata.sorted_tables} - {migrate.VERSION_TABLE}


def test_sqlite_to_postgresql_to_backup_file_round_trips_every_row(
    source: Engine, pg_engines, tmp_path: Path
):
    original = every_row(source)
    empty = [name for name, rows in original.items() if not rows]
    assert empty == [], "the test data must reach every table"

    server = pg_engines(migrated=False)
    steps = run(copy_database(source, server))
    assert every_row(server) == original
    report = steps[-1].report
    assert report is not None
    assert dict(report.counts) == {name: len(rows) for name, rows in original.items()}
    assert report.summary() == (
        f"Checked: {len(original)} tables, {sum(map(len, original.values())):,} rows, counts match"
    )
    done = [p.done for p in steps]
    assert done == sorted(done), "progress never goes back"
    assert steps[-1].fraction == 1.0

    (tmp_path / "backups").mkdir()
    backup = tmp_path / "backups" / "team-backup.sqlite"
    steps = run(backup_to_file(server, backup))
    assert steps[-1].report == report
    assert [p.name for p in backup.parent.iterdir()] == ["team-backup.sqlite"]  # no leftovers
    copy = make_engine(sqlite_url(backup))
    try:
        assert migrate.current_revision(copy) == migrate.head_revision()
        assert every_row(copy) == original
    finally:
        copy.dispose()


def test_the_server_hands_out_new_ids_after_the_copy(source: Engine, pg_engines):
    server = pg_engines(migrated=False)
    run(copy_database(source, server))
    with source.connect() as conn:
        top = conn.execute(select(func.max(EngineerRow.id))).scalar_one()
        top_page = conn.execute(select(func.max(PageRow.id))).scalar_one()
    sessions = make_session_factory(server)
    with sessions.begin() as s:
        new = commands.add_engineer(s, Engineer(0, "Eve Adams", "eve", "UTC", "eve@example.com"))
        page = pages.log_page(s, Page(0, "", "", new.id, datetime(2026, 11, 16, 9, tzinfo=UTC)))
    assert new.id == top + 1
    assert page.id == top_page + 1


def test_an_empty_migrated_server_is_a_fine_target(source: Engine, pg_engines):
    server = pg_engines(migrated=True)
    run(copy_database(source, server))
    assert every_row(server) == every_row(source)


def test_a_server_with_data_is_refused_and_left_as_it_was(source: Engine, pg_engines):
    server = pg_engines(migrated=False)
    run(copy_database(source, server))
    before = every_row(server)
    with pytest.raises(TargetNotEmptyError) as refused:
        run(copy_database(source, server))
    assert before.get(refused.value.table), "the table named has rows"
    assert refused.value.table in str(refused.value)
    assert every_row(server) == before


def test_a_row_the_server_refuses_undoes_the_whole_copy(source: Engine, pg_engines):
    # SQLite keeps any length; the server's varchar(255) refuses this one, late in the copy.
    with source.begin() as conn:
        conn.execute(update_page_service(), {"service": "x" * 300})
    server = pg_engines(migrated=False)
    with pytest.raises(TransferError, match="table page") as failed:
        run(copy_database(source, server))
    assert "value too long" in str(failed.value)
    assert set(counts(server).values()) == {0}, "nothing of the copy stays on the target"
    # The target is left empty and migrated: fixing the row and copying again works.
    with source.begin() as conn:
        conn.execute(update_page_service(), {"service": "checkout"})
    run(copy_database(source, server))
    assert every_row(server) == every_row(source)


def update_page_service():
    return text("UPDATE page SET service = :service WHERE id = (SELECT max(id) FROM page)")


def test_cancel_mid_copy_leaves_the_server_empty(seeded_team, engine: Engine, pg_engines):
    fill_every_table(seeded_team, extra_pages=40)
    server = pg_engines(migrated=False)
    job = copy_database(engine, server, batch_rows=10)
    for step in job:
        if step.message == "Copying page" and step.done < step.total:
            break
    else:
        pytest.fail("the copy never reached the pages")
    job.close()  # what the Worker does on Cancel
    assert set(counts(server).values()) == {0}
    run(copy_database(engine, server))
    assert every_row(server) == every_row(engine)


def test_big_tables_are_copied_in_batches(seeded_team, engine: Engine, pg_engines):
    fill_every_table(seeded_team, extra_pages=95)
    server = pg_engines(migrated=False)
    steps = run(copy_database(engine, server, batch_rows=20))
    page_steps = [p.done for p in steps if p.message == "Copying page"]
    assert len(page_steps) == 5  # 97 pages, 20 at a time
    assert all(b - a <= 20 for a, b in itertools.pairwise(page_steps))
    assert every_row(server) == every_row(engine)


def test_a_source_behind_this_build_is_sent_to_be_opened_first(tmp_path: Path, pg_engines):
    old = make_engine(sqlite_url(tmp_path / "old.sqlite"))
    migrate.upgrade(old, "0005")
    server = pg_engines(migrated=False)
    with pytest.raises(SourceNotReadyError, match="Open it with oncall first"):
        run(copy_database(old, server))
    old.dispose()
    with server.connect() as conn:
        assert (
            conn.execute(
                text("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
            ).scalar()
            == 0
        )


def test_a_backup_never_replaces_an_existing_file_unless_asked(source: Engine, tmp_path: Path):
    existing = tmp_path / "backup.sqlite"
    existing.write_bytes(b"keep me")
    with pytest.raises(TransferError, match="already exists"):
        run(backup_to_file(source, existing))
    assert existing.read_bytes() == b"keep me"
    run(backup_to_file(source, existing, overwrite=True))
    copy = make_engine(sqlite_url(existing))
    assert every_row(copy) == every_row(source)
    copy.dispose()


def test_a_cancelled_backup_leaves_no_file(source: Engine, tmp_path: Path):
    (tmp_path / "backups").mkdir()
    target = tmp_path / "backups" / "backup.sqlite"
    job = backup_to_file(source, target, batch_rows=1)
    for step in job:
        if step.done > 3:
            break
    job.close()
    assert list(target.parent.iterdir()) == []


@settings(
    max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    page_count=st.integers(min_value=0, max_value=60), batch=st.integers(min_value=1, max_value=25)
)
def test_any_number_of_pages_arrives_exactly(
    pg_engines, tmp_path_factory, page_count: int, batch: int
):
    folder = tmp_path_factory.mktemp("prop")
    src = make_engine(sqlite_url(folder / "src.sqlite"))
    try:
        migrate.upgrade(src)
        start = datetime(2026, 1, 1, tzinfo=UTC)
        with src.begin() as conn:
            conn.execute(insert(EngineerRow), [{"id": 7, "name": "A", "handle": "a", "email": "",
                         "phone": "", "zone": "UTC", "country": "", "region": "", "active": True,
                         "row_version": 3}])  # fmt: skip
            if page_count:
                conn.execute(insert(PageRow), [
                    {"id": 10 + 3 * n, "source": "csv", "source_id": f"{n}", "engineer_id": 7,
                     "triggered_at": start + timedelta(minutes=n, microseconds=n),
                     "content_hash": f"{n:064d}", "title": f"p{n}"}
                    for n in range(page_count)
                ])  # fmt: skip
        server = pg_engines(migrated=False)
        steps = run(copy_database(src, server, batch_rows=batch))
        assert dict(steps[-1].report.counts)["page"] == page_count
        assert every_row(server) == every_row(src)
    finally:
        src.dispose()


def test_a_count_that_does_not_match_is_named_and_undone(
    source: Engine, pg_engines, monkeypatch: pytest.MonkeyPatch
):
    from oncall.db import transfer

    real_insert = transfer._insert

    def lose_a_page(conn, table, rows):  # a copy that silently drops a row somewhere
        real_insert(conn, table, rows[:-1] if table.name == "page" else rows)

    monkeypatch.setattr(transfer, "_insert", lose_a_page)
    server = pg_engines(migrated=False)
    with pytest.raises(transfer.CountMismatchError, match="Table page: the source has 2 rows"):
        run(copy_database(source, server))
    assert set(counts(server).values()) == {0}


# ---------------------------------------------------------------------------------- oncall db copy


def cli(*argv: str) -> int:
    from oncall.cli.app import main

    return main(["db", "copy", *argv])


def test_cli_copies_the_apps_database_to_a_server_and_prints_the_counts(
    source: Engine, pg_database, capsys: pytest.CaptureFixture[str]
):
    from tests.pg import PASSWORD

    url = pg_database(migrated=False)
    assert cli("--to", url) == 0
    out, err = capsys.readouterr()
    expected = counts(source)
    assert out.splitlines()[-1] == (
        f"Checked: {len(expected)} tables, {sum(expected.values()):,} rows, counts match"
    )
    assert any(line.split() == ["page", "2"] for line in out.splitlines())
    assert "Copying page" in err
    assert PASSWORD not in out + err
    server = make_engine(url)
    try:
        assert every_row(server) == every_row(source)
    finally:
        server.dispose()

    # Again: the server now has data, so it is refused with a plain message and exit 2.
    assert cli("--to", url) == 2
    out, err = capsys.readouterr()
    assert "oncall: The target database is not empty: table" in err
    assert "Traceback" not in err
    assert PASSWORD not in out + err


def test_cli_says_when_the_server_cannot_be_reached_without_the_password(
    source: Engine, capsys: pytest.CaptureFixture[str]
):
    from tests.pg import free_port

    url = f"postgresql://oncall:hunter2-secret@127.0.0.1:{free_port()}/team"
    assert cli("--to", url) == 2
    out, err = capsys.readouterr()
    assert "Nothing answered at 127.0.0.1" in err
    assert "hunter2" not in out + err


def test_cli_backs_a_server_up_to_a_new_file(
    source: Engine, pg_database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    url = pg_database(migrated=False)
    assert cli("--to", url) == 0
    backup = tmp_path / "server-backup.sqlite"
    assert cli("--from", url, "--to", str(backup)) == 0
    copy = make_engine(sqlite_url(backup))
    try:
        assert every_row(copy) == every_row(source)
    finally:
        copy.dispose()
    capsys.readouterr()
    assert cli("--from", url, "--to", str(backup)) == 2
    assert "already exists" in capsys.readouterr().err
    assert cli("--from", url, "--to", str(backup), "--replace") == 0


def test_a_server_behind_this_build_is_sent_to_be_upgraded(pg_engines, tmp_path: Path):
    old = pg_engines(migrated=False)
    migrate.upgrade(old, "0005")
    with pytest.raises(SourceNotReadyError, match="oncall db upgrade"):
        run(copy_database(old, make_engine(sqlite_url(tmp_path / "copy.sqlite"))))


def test_a_server_that_goes_away_midway_is_left_empty(source: Engine):
    from oncall.db.transfer import ConnectionLostError, copy_between
    from tests.pg import PASSWORD, Cluster

    cluster = Cluster.create()  # its own: this test stops it
    try:
        cluster.start()
        admin = make_engine(cluster.url("postgres")).execution_options(isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("CREATE DATABASE team"))
            team = make_engine(cluster.url("team"))
            migrate.upgrade(team)
            team.dispose()
            # The test server does not wait for its disk: make the schema survive the stop.
            conn.execute(text("CHECKPOINT"))
        admin.dispose()
        job = copy_between(
            source.url.render_as_string(hide_password=False), cluster.url("team"), batch_rows=1
        )
        for step in job:
            if step.message == "Copying page":
                break
        cluster.stop()
        with pytest.raises(ConnectionLostError) as lost:
            run(job)
        assert "the target was left as it was" in str(lost.value)
        assert PASSWORD not in str(lost.value)
        cluster.start()
        server = make_engine(cluster.url("team"))
        try:
            assert set(counts(server).values()) == {0}
        finally:
            server.dispose()
    finally:
        cluster.destroy()


def test_a_backup_abandoned_after_the_server_went_away_leaves_nothing_open(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """The mirror's case: a copy FROM a team server that stops, then is dropped between
    batches (the window closed). Nothing may surface later as a leaked cursor or an error
    raised while the copy is being discarded."""
    import gc
    import sys

    from tests.pg import Cluster

    leaked: list[str] = []
    monkeypatch.setattr(
        sys, "unraisablehook", lambda u: leaked.append(f"{u.exc_type.__name__} in {u.object!r}")
    )
    cluster = Cluster.create()  # its own: this test stops it
    try:
        cluster.start()
        team = make_engine(cluster.url("postgres"))
        migrate.upgrade(team)
        with team.begin() as conn:
            conn.execute(
                insert(EngineerRow),
                [{"name": f"E{i}", "handle": f"e{i}", "row_version": 1} for i in range(300)],
            )
        job = backup_to_file(team, tmp_path / "copy.sqlite", batch_rows=50)
        for step in job:
            if step.message == "Copying engineer" and step.done >= 100:
                break
        cluster.stop()
        job.close()
        del job
        gc.collect()
        team.dispose()
        assert leaked == []
        assert not (tmp_path / "copy.sqlite").exists()
    finally:
        cluster.destroy()
