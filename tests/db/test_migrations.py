"""Migrations at start-up: models agree with migrations, upgrade paths, refusal, backups."""

from __future__ import annotations

import hashlib
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect, text

from oncall.db import migrate
from oncall.db.engine import make_engine, sqlite_url
from oncall.db.models import Base

TABLES = {
    "team",
    "engineer",
    "team_member",
    "rotation",
    "rotation_version",
    "rotation_member",
    "restriction",
    "override",
    "swap",
    "leave",
    "ledger_shift",
}


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _rows(path: Path, sql: str) -> list[tuple]:
    con = sqlite3.connect(path)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.fixture
def fresh(tmp_path: Path):
    engine = make_engine(sqlite_url(tmp_path / "db.sqlite"))
    yield engine, tmp_path / "db.sqlite", tmp_path / "backups"
    engine.dispose()


def test_models_agree_with_migrations(engine: Engine) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []


def test_revision_files_are_one_linear_chain_ending_at_head() -> None:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(migrate.alembic_config(make_engine("sqlite://")))
    chain = [s.revision for s in script.walk_revisions()][::-1]
    assert script.get_heads() == [migrate.head_revision()]
    assert tuple(chain) == migrate.known_revisions()
    assert chain[0] == "0001"


def test_fresh_database_is_migrated_to_head_without_a_backup(fresh) -> None:
    engine, path, backups = fresh
    assert migrate.current_revision(engine) is None

    assert migrate.check_and_upgrade(engine, backups) is None

    assert migrate.current_revision(engine) == migrate.head_revision()
    assert set(inspect(engine).get_table_names()) >= TABLES
    assert not backups.exists() or not list(backups.iterdir())
    assert _rows(path, "PRAGMA journal_mode") == [("wal",)]


def test_a_second_start_does_nothing(fresh) -> None:
    engine, path, backups = fresh
    migrate.check_and_upgrade(engine, backups)
    engine.dispose()
    before = _digest(path)

    assert migrate.check_and_upgrade(engine, backups) is None

    engine.dispose()
    assert _digest(path) == before


def test_database_from_a_newer_oncall_is_refused_and_left_untouched(fresh) -> None:
    engine, path, backups = fresh
    migrate.check_and_upgrade(engine, backups)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO team (name, zone, description, row_version) "
                "VALUES ('Payments', 'UTC', '', 1)"
            )
        )
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    before = _digest(path)

    with pytest.raises(migrate.DatabaseTooNew) as refused:
        migrate.check_and_upgrade(engine, backups)

    message = str(refused.value)
    assert "9999" in message
    assert migrate.head_revision() in message
    engine.dispose()
    assert _digest(path) == before
    assert _rows(path, "SELECT name FROM team") == [("Payments",)]
    assert not backups.exists() or not list(backups.iterdir())


def test_behind_database_is_backed_up_before_upgrade(fresh) -> None:
    """A database at ``base`` that holds data (a table the app never made) is copied first."""
    engine, path, backups = fresh
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    con.executemany("INSERT INTO notes (body) VALUES (?)", [("first",), ("second",)])
    con.commit()
    con.close()

    backup = migrate.check_and_upgrade(engine, backups)

    assert backup is not None
    assert backup.parent == backups
    assert backup.name.startswith("oncall-")
    assert backup.suffix == ".sqlite"
    assert _rows(backup, "PRAGMA integrity_check") == [("ok",)]
    assert _rows(backup, "SELECT body FROM notes ORDER BY id") == [("first",), ("second",)]
    # the copy is of the database before the upgrade; the live one moved on and kept its rows
    assert _rows(backup, "SELECT name FROM sqlite_master WHERE name = 'alembic_version'") == []
    assert migrate.current_revision(engine) == migrate.head_revision()
    assert _rows(path, "SELECT body FROM notes ORDER BY id") == [("first",), ("second",)]
    assert list(backups.glob("*.partial")) == []


@pytest.mark.parametrize("start", ["base", *migrate.known_revisions()[:-1]])
def test_upgrade_from_each_revision_keeps_rows(fresh, start: str) -> None:
    engine, path, backups = fresh
    migrate.upgrade(engine, start)
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE keepsake (id INTEGER PRIMARY KEY, body TEXT)")
    con.execute("INSERT INTO keepsake (body) VALUES ('kept')")
    con.commit()
    con.close()

    backup = migrate.check_and_upgrade(engine, backups)

    assert backup is not None
    assert migrate.current_revision(engine) == migrate.head_revision()
    assert _rows(path, "SELECT body FROM keepsake") == [("kept",)]
    assert migrate.check_and_upgrade(engine, backups) is None  # a second run does nothing


def test_backups_keep_the_newest(tmp_path: Path) -> None:
    source = tmp_path / "db.sqlite"
    con = sqlite3.connect(source)
    con.execute("CREATE TABLE t (n INTEGER)")
    con.commit()
    made = []
    for n in range(5):
        con.execute("INSERT INTO t VALUES (?)", (n,))
        con.commit()
        made.append(migrate.backup_sqlite(source, tmp_path / "backups", keep=3))
    con.close()

    left = sorted((tmp_path / "backups").iterdir())
    assert set(left) == set(made[-3:])
    newest = made[-1]
    assert _rows(newest, "SELECT count(*) FROM t") == [(5,)]


def test_starting_at_head_does_not_import_alembic(engine: Engine) -> None:
    """Start-up time: a database at head is checked with plain SQL, Alembic stays unloaded."""
    url = engine.url.render_as_string(hide_password=False)  # this test's database, either kind
    code = (
        "import sys; from pathlib import Path\n"
        "from oncall.db import migrate, models\n"
        "from oncall.db.engine import make_engine\n"
        f"e = make_engine({url!r})\n"
        "assert migrate.check_and_upgrade(e, Path('unused')) is None\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('alembic', 'mako')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[]"


def test_foreign_keys_are_enforced(engine: Engine) -> None:
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(text("INSERT INTO team_member (team_id, engineer_id) VALUES (41, 42)"))
