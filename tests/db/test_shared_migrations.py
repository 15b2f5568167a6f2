"""Migrations on a shared (PostgreSQL) team database are never silent.

A team database behind this oncall (or empty) is left alone until someone asks for the
upgrade; the upgrade takes an advisory lock so two clients never migrate at once (the second
waits, says so, and then finds the work done); it is all-or-nothing; and a database from a
newer oncall opens read-only, with the server itself refusing writes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import DBAPIError

from oncall.app import ReadOnlyDatabase, open_database, prepare_context
from oncall.db import migrate, queries
from oncall.db.engine import make_engine
from oncall.domain.model import Team

HEAD = migrate.head_revision()
PREVIOUS = migrate.known_revisions()[-2]


@pytest.fixture
def engines() -> Iterator[Callable[[str], Engine]]:
    """``engines(url)``: a new engine (a client of its own), disposed after the test."""
    made: list[Engine] = []

    def make(url: str) -> Engine:
        made.append(make_engine(url))
        return made[-1]

    yield make
    for engine in made:
        engine.dispose()


def _tables(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")
        )
        return {str(r) for r in rows.scalars()}


def _columns(engine: Engine, table: str) -> set[str]:
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT column_name FROM information_schema.columns WHERE table_name = :t"),
            {"t": table},
        )
        return {str(r) for r in rows.scalars()}


def _lock_is_free(engine: Engine) -> bool:
    """Whether another session can take the schema lock right now (it then lets it go)."""
    with engine.connect() as conn:
        got = conn.execute(
            text("SELECT pg_try_advisory_lock(:k)"), {"k": migrate.SCHEMA_LOCK_KEY}
        ).scalar()
        if got:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": migrate.SCHEMA_LOCK_KEY})
        return bool(got)


def test_an_empty_team_database_is_not_created_without_asking(pg_database, engines) -> None:
    engine = engines(pg_database(migrated=False))

    with pytest.raises(migrate.SchemaBehind) as behind:
        migrate.check_and_upgrade(engine, Path("unused"))

    assert behind.value.current is None
    assert behind.value.head == HEAD
    assert "empty" in str(behind.value)
    assert HEAD in str(behind.value)
    assert behind.value.engine is engine
    assert behind.value.database == engine.url.database
    assert behind.value.host == "127.0.0.1"
    assert _tables(engine) == set()


def test_a_team_database_behind_is_named_and_left_as_it_was(pg_database, engines) -> None:
    engine = engines(pg_database(migrated=False))
    migrate.upgrade(engine, PREVIOUS)
    before = _tables(engine)

    with pytest.raises(migrate.SchemaBehind) as behind:
        migrate.check_and_upgrade(engine, Path("unused"))

    assert str(behind.value) == (
        f"The team database is at schema {PREVIOUS}; this oncall needs {HEAD}."
    )
    assert (behind.value.current, behind.value.head) == (PREVIOUS, HEAD)
    assert migrate.current_revision(engine) == PREVIOUS
    assert _tables(engine) == before


def test_opening_a_team_database_behind_raises_to_the_caller(pg_database, data_dir) -> None:
    url = pg_database(migrated=False)
    ctx = prepare_context(data_dir, database_url=url)

    with pytest.raises(migrate.SchemaBehind) as behind:
        open_database(ctx)

    assert not ctx.is_open
    assert behind.value.engine is not None
    assert migrate.current_revision(behind.value.engine) is None
    behind.value.engine.dispose()


def test_an_explicit_upgrade_reaches_head_and_a_second_one_does_nothing(
    pg_database, engines
) -> None:
    engine = engines(pg_database(migrated=False))
    migrate.upgrade(engine, PREVIOUS)
    waits: list[str] = []

    assert migrate.upgrade_shared(engine, on_wait=waits.append) is True
    assert migrate.upgrade_shared(engine, on_wait=waits.append) is False

    assert migrate.current_revision(engine) == HEAD
    assert migrate.check_and_upgrade(engine, Path("unused")) is None
    assert waits == []  # nobody else held the lock
    assert _lock_is_free(engine)


def test_two_clients_upgrading_at_once_migrate_exactly_once(
    pg_database, engines, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two clients, each with its own engine, on their own threads: whichever gets the lock
    migrates (held there until the other is seen waiting); the other waits, says so, and
    then finds the database at head."""
    url = pg_database(migrated=False)
    clients = {"first": engines(url), "second": engines(url)}
    real_upgrade = migrate.upgrade
    migrated_by: list[Engine] = []
    someone_waits = threading.Event()
    waited: dict[str, str] = {}
    results: dict[str, bool | BaseException] = {}

    def upgrade_holding_the_lock(engine: Engine, target: str = "head") -> None:
        migrated_by.append(engine)
        assert someone_waits.wait(30), "the other client never waited for the lock"
        real_upgrade(engine, target)

    def client(name: str) -> None:
        def on_wait(message: str) -> None:
            waited[name] = message
            someone_waits.set()

        try:
            results[name] = migrate.upgrade_shared(clients[name], on_wait=on_wait, poll=0.05)
        except BaseException as exc:  # reported by the assertions below
            results[name] = exc

    monkeypatch.setattr(migrate, "upgrade", upgrade_holding_the_lock)
    threads = [threading.Thread(target=client, args=(name,)) for name in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)

    assert sorted(results.values(), key=str) == [False, True], results
    runner = next(name for name, ran in results.items() if ran is True)
    waiter = next(name for name, ran in results.items() if ran is False)
    assert migrated_by == [clients[runner]]
    assert waited == {waiter: migrate.WAITING_MESSAGE}
    assert waited[waiter] == "Another oncall is upgrading the team database; waiting…"
    for engine in clients.values():
        assert migrate.current_revision(engine) == HEAD
    assert _lock_is_free(clients[runner])


@pytest.fixture
def lock_held_elsewhere(pg_database, engines):
    """A behind database and another session holding the schema lock for the whole test."""
    url = pg_database(migrated=False)
    engine = engines(url)
    migrate.upgrade(engine, PREVIOUS)
    holder = create_engine(url, isolation_level="AUTOCOMMIT")
    conn = holder.connect()
    conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": migrate.SCHEMA_LOCK_KEY})
    yield engine
    conn.close()
    holder.dispose()


def test_waiting_too_long_for_the_lock_gives_up_and_changes_nothing(lock_held_elsewhere) -> None:
    engine = lock_held_elsewhere
    waits: list[str] = []

    with pytest.raises(migrate.SchemaLockTimeout, match="Try again later"):
        migrate.upgrade_shared(engine, on_wait=waits.append, timeout=0.3, poll=0.05)

    assert waits == [migrate.WAITING_MESSAGE]  # said once, not once per poll
    assert migrate.current_revision(engine) == PREVIOUS


def test_a_waiting_upgrade_can_be_cancelled(lock_held_elsewhere) -> None:
    engine = lock_held_elsewhere
    waits: list[str] = []

    with pytest.raises(migrate.UpgradeCancelled):
        migrate.upgrade_shared(
            engine, on_wait=waits.append, poll=0.05, cancelled=lambda: bool(waits)
        )

    assert migrate.current_revision(engine) == PREVIOUS


def test_a_failing_upgrade_leaves_nothing_half_done(pg_database, engines) -> None:
    """All revisions run in one transaction: when 0006 fails, 0005's change goes too."""
    engine = engines(pg_database(migrated=False))
    migrate.upgrade(engine, "0004")
    with engine.begin() as conn:  # what 0006 adds, already there: 0006 must fail
        conn.execute(text("ALTER TABLE swap ADD COLUMN reason TEXT"))
    assert "lead_engineer_id" not in _columns(engine, "team")

    with pytest.raises(DBAPIError, match="reason"):
        migrate.upgrade_shared(engine)

    assert migrate.current_revision(engine) == "0004"
    assert "lead_engineer_id" not in _columns(engine, "team")  # 0005 rolled back with 0006
    assert "reason" not in _columns(engine, "override")
    assert _lock_is_free(engine)


@pytest.fixture
def newer_database(pg_database) -> str:
    """A team database at head with one team, then stamped by an oncall from the future."""
    url = pg_database()
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO team (name, zone, description, row_version) "
                "VALUES ('Payments', 'Europe/London', '', 1)"
            )
        )
        conn.execute(text("UPDATE alembic_version SET version_num = '0009'"))
    engine.dispose()
    return url


def test_a_team_database_from_a_newer_oncall_opens_read_only(newer_database, data_dir) -> None:
    ctx = open_database(prepare_context(data_dir, database_url=newer_database))
    try:
        assert ctx.read_only_reason == (
            "The team database is at schema 0009, written by a newer oncall; this oncall "
            f"knows up to {HEAD}. You can look, but changes are off until you update oncall."
        )
        with ctx.sessions() as s:  # reading works
            assert [t.name for t in queries.list_teams(s)] == ["Payments"]

        with pytest.raises(ReadOnlyDatabase) as refused:
            ctx.edit(1, lambda s: None)
        assert str(refused.value) == ctx.read_only_reason

        # Even a write that goes around ctx.edit (a bug) is refused by the server itself.
        with pytest.raises(DBAPIError) as server_said, ctx.sessions.begin() as s:
            s.execute(text("UPDATE team SET name = 'Renamed'"))
        assert getattr(server_said.value.orig, "sqlstate", None) == "25006"  # read-only txn
        with ctx.sessions() as s:
            assert [t.name for t in queries.list_teams(s)] == ["Payments"]
            assert s.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0009"
    finally:
        ctx.sessions.kw["bind"].dispose()


def test_this_computers_database_from_a_newer_oncall_is_still_refused(data_dir) -> None:
    ctx = prepare_context(data_dir)
    engine = make_engine(ctx.database_url)
    migrate.check_and_upgrade(engine, ctx.paths.backups)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0009'"))
    engine.dispose()

    with pytest.raises(migrate.DatabaseTooNew, match="0009"):
        open_database(ctx)
    assert ctx.read_only_reason is None
    assert not ctx.is_open


def test_add_team_is_refused_on_a_read_only_context(newer_database, data_dir) -> None:
    """What a screen does: ``ctx.edit`` with a command; nothing reaches the server."""
    from oncall.db import commands

    ctx = open_database(prepare_context(data_dir, database_url=newer_database))
    try:
        with pytest.raises(ReadOnlyDatabase, match="update oncall"):
            ctx.edit(1, lambda s: commands.add_team(s, Team(0, "Search", "UTC", "")))
        with ctx.sessions() as s:
            assert [t.name for t in queries.list_teams(s)] == ["Payments"]
    finally:
        ctx.sessions.kw["bind"].dispose()


# ------------------------------------------------------------------------ oncall db upgrade


def _cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    from oncall.cli import main

    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def team_server(pg_database, engines, monkeypatch: pytest.MonkeyPatch) -> Engine:
    """A team database one revision behind, chosen with ``ONCALL_DATABASE_URL``."""
    url = pg_database(migrated=False)
    engine = engines(url)
    migrate.upgrade(engine, PREVIOUS)
    monkeypatch.setenv("ONCALL_DATABASE_URL", url)
    return engine


def test_db_upgrade_says_what_it_does_and_a_second_run_does_nothing(
    team_server, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _cli(["db", "upgrade"], capsys)

    assert (code, err) == (0, "")
    assert f"schema {PREVIOUS}; upgrading to {HEAD} for everyone on the team…" in out
    assert f"Done: the team database is at schema {HEAD}." in out
    assert migrate.current_revision(team_server) == HEAD

    code, out, err = _cli(["db", "upgrade"], capsys)
    assert code == 0
    assert out.endswith(f": already at schema {HEAD}; nothing to do.\n")


def test_db_upgrade_creates_the_tables_of_an_empty_team_database(
    pg_database, engines, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = pg_database(migrated=False)
    monkeypatch.setenv("ONCALL_DATABASE_URL", url)

    code, out, _ = _cli(["db", "upgrade"], capsys)

    assert code == 0
    assert f"empty; creating oncall's tables (schema {HEAD})…" in out
    assert "point everyone's oncall at this database" in out  # nobody's is behind a new one
    assert "should update" not in out
    assert migrate.current_revision(engines(url)) == HEAD
    assert "oncall-test-secret" not in out


def test_db_upgrade_waits_with_a_message_and_gives_up_honestly(
    team_server, capsys: pytest.CaptureFixture[str]
) -> None:
    url = team_server.url.render_as_string(hide_password=False)
    holder = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with holder.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": migrate.SCHEMA_LOCK_KEY})
            code, _, err = _cli(["db", "upgrade", "--wait", "0.3"], capsys)
    finally:
        holder.dispose()  # ends the session that held the lock

    assert code == 2
    assert err.startswith("Another oncall is upgrading the team database; waiting…\n")
    assert "Try again later" in err
    assert migrate.current_revision(team_server) == PREVIOUS


def test_other_commands_on_a_team_database_behind_point_at_db_upgrade(
    team_server, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _cli(["team", "list"], capsys)

    assert code == 2
    assert out == ""
    assert err == (
        f"oncall: The team database is at schema {PREVIOUS}; this oncall needs {HEAD}. Run "
        "`oncall db upgrade` to upgrade it (this changes it for everyone on the team). Nothing "
        "was changed.\n"
    )
    assert migrate.current_revision(team_server) == PREVIOUS


def test_db_upgrade_refuses_a_newer_team_database(
    newer_database, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ONCALL_DATABASE_URL", newer_database)

    code, _, err = _cli(["db", "upgrade"], capsys)

    assert code == 2
    assert "schema 0009, written by a newer oncall" in err
    assert "Update oncall" in err


def test_reading_a_newer_team_database_from_the_cli_works(
    newer_database, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ONCALL_DATABASE_URL", newer_database)

    code, out, _ = _cli(["team", "list"], capsys)

    assert code == 0
    assert "Payments" in out
