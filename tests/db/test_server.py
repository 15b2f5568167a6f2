"""Choosing the database and talking to a team server, against the tests' real PostgreSQL:
each way a connection fails gets its own kind and a sentence saying what to do, and the
password never shows in a message, an exception or a log line."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from oncall.app import open_context, prepare_context
from oncall.db import server
from oncall.db.revisions import head_revision
from oncall.db.server import (
    DATABASE_URL_ENV,
    ConnectionProblem,
    ServerSettings,
    check_connection,
    redact,
    resolve_database_url,
    server_url,
)
from oncall.paths import app_paths
from oncall.settings import Settings, load_settings, save_settings
from tests.conftest import MemoryKeyring
from tests.pg import PASSWORD, SUPERUSER, free_port

ODD_PASSWORD = "p@ss:w/rd%20 ü#?"  # every character a URL could trip over


def _server(url: str, **changes: object) -> ServerSettings:
    found = server.server_of(url)
    assert found is not None
    return ServerSettings(**{**found.__dict__, **changes})  # type: ignore[arg-type]


def _problem(url: str) -> ConnectionProblem:
    with pytest.raises(ConnectionProblem) as caught:
        check_connection(url, timeout=3)
    return caught.value


@pytest.fixture
def odd_role(pg_cluster: object) -> Iterator[str]:
    """A login role whose password is :data:`ODD_PASSWORD`; dropped after."""
    name = f"ana_{uuid.uuid4().hex[:8]}"
    admin = create_engine(pg_cluster.url("postgres"), isolation_level="AUTOCOMMIT")  # type: ignore[attr-defined]
    quoted = ODD_PASSWORD.replace("'", "''")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE ROLE {name} LOGIN PASSWORD '{quoted}'"))
    yield name
    # (its databases, and the grants in them, are dropped first: pg_database tears down first)
    with admin.connect() as conn:
        conn.execute(text(f"DROP ROLE IF EXISTS {name}"))
    admin.dispose()


# ---------------------------------------------------------------------------- connecting


def test_a_working_server_says_its_version_and_the_schema(pg_database) -> None:
    url = pg_database()
    info = check_connection(url)
    assert info.version[:2].isdigit()
    assert (info.user, info.revision, info.tls) == (SUPERUSER, head_revision(), False)
    assert info.summary().startswith(f"Connected to PostgreSQL {info.version} at 127.0.0.1:")
    assert "not encrypted" in info.summary()


def test_an_empty_database_has_no_schema_yet(pg_database) -> None:
    info = check_connection(pg_database(migrated=False))
    assert info.revision is None
    assert "no oncall tables yet" in info.summary()


def test_a_wrong_password_is_named_and_never_shown(
    pg_database, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = "Hunter2-not-the-password"
    url = make_url(pg_database()).set(password=wrong).render_as_string(False)
    problem = _problem(url)
    port = make_url(url).port
    assert problem.kind == "wrong_password"
    assert str(problem) == (
        f"PostgreSQL at 127.0.0.1:{port} refused the password for user '{SUPERUSER}'. "
        "Check the user and password in Settings → Database."
    )
    assert wrong not in repr(problem)
    assert problem.__suppress_context__
    assert wrong not in str(problem.__context__)
    assert caplog.records, "the failure is logged"
    assert all(wrong not in r.getMessage() for r in caplog.records)


def test_no_stored_password_says_where_to_enter_it(pg_database) -> None:
    problem = _problem(server_url(_server(pg_database()), None))
    assert problem.kind == "wrong_password"
    assert "none is stored" in str(problem)


def test_an_unknown_user_reads_like_a_wrong_password(odd_role: str, pg_database) -> None:
    # PostgreSQL does not tell a stranger which of user or password was wrong.
    url = make_url(pg_database()).set(username="nobody_here", password="x")
    assert _problem(url.render_as_string(False)).kind == "wrong_password"


def test_nobody_listening_is_unreachable() -> None:
    port = free_port()
    url = server_url(ServerSettings("127.0.0.1", port, "oncall", "ana"), "secret-pw")
    problem = _problem(url)
    assert problem.kind == "unreachable"
    assert f"127.0.0.1:{port} (connection refused)" in str(problem)
    assert "secret-pw" not in str(problem)


def test_an_unknown_host_name_is_unreachable() -> None:
    url = server_url(ServerSettings("no-such-host.invalid", 5432, "oncall", "ana"), "pw")
    problem = _problem(url)
    assert problem.kind == "unreachable"
    assert "'no-such-host.invalid' could not be found" in str(problem)


def test_a_missing_database_says_how_to_create_it(pg_database) -> None:
    url = make_url(pg_database()).set(database="no_such_db").render_as_string(False)
    problem = _problem(url)
    assert problem.kind == "missing_database"
    assert "has no database 'no_such_db'" in str(problem)
    assert "createdb -h 127.0.0.1" in str(problem)


def test_requiring_tls_of_a_server_without_it_is_a_tls_problem(pg_database) -> None:
    settings = _server(pg_database(), sslmode="require")
    problem = _problem(server_url(settings, PASSWORD))
    assert problem.kind == "tls"
    assert "does not offer encrypted (TLS) connections" in str(problem)
    assert "'require'" in str(problem)
    assert PASSWORD not in str(problem)


def test_a_password_full_of_url_characters_connects(odd_role: str, pg_database) -> None:
    admin_url = pg_database()
    settings = _server(admin_url, user=odd_role)
    url = server_url(settings, ODD_PASSWORD)
    problem = _problem(url)  # a user the tables were not shared with
    assert problem.kind == "other"
    assert f"User '{odd_role}' may not read oncall's tables" in str(problem)
    admin = create_engine(admin_url)
    with admin.begin() as conn:
        conn.execute(text(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {odd_role}"))
    admin.dispose()
    assert check_connection(url).user == odd_role
    assert ODD_PASSWORD not in redact(url)
    assert "***" in redact(url)


def test_opening_a_team_server_with_a_wrong_password_explains_without_it(
    pg_database, data_dir: Path
) -> None:
    wrong = "definitely-Wrong-99"
    url = make_url(pg_database()).set(password=wrong).render_as_string(False)
    with pytest.raises(ConnectionProblem) as caught:
        open_context(data_dir, database_url=url)
    assert caught.value.kind == "wrong_password"
    assert wrong not in str(caught.value)


def test_an_open_team_server_context_is_shared_and_labelled(pg_database, data_dir) -> None:
    url = pg_database()
    ctx = open_context(data_dir, database_url=url)
    name = make_url(url).database
    assert (ctx.is_shared, ctx.database_label) == (True, f"Team server 127.0.0.1/{name}")
    assert PASSWORD not in repr(ctx)
    ctx.sessions.kw["bind"].dispose()


def test_problem_kinds_are_the_documented_ones() -> None:
    with pytest.raises(ValueError, match="unknown connection problem kind"):
        ConnectionProblem("gremlins", "?")


# ---------------------------------------------------------------------------------- URLs


def test_redact_hides_only_the_password() -> None:
    url = server_url(ServerSettings("db.example", 6543, "oncall", "ana", "require"), "s3cret")
    assert url == "postgresql+psycopg://ana:s3cret@db.example:6543/oncall?sslmode=require"
    assert redact(url) == "postgresql+psycopg://ana:***@db.example:6543/oncall?sslmode=require"
    assert redact("sqlite:////data/oncall.sqlite") == "sqlite:////data/oncall.sqlite"
    assert "s3cret" not in redact("postgresql://ana:s3cret@[bad")


def test_the_keyring_entry_names_user_server_and_database() -> None:
    settings = ServerSettings("db.example", 5432, "oncall", "ana")
    assert settings.keyring_name == "database:ana@db.example:5432/oncall"


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"host": ""}, "Enter the team server's host"),
        ({"host": "db example"}, "is not a host name"),
        ({"port": 0}, "between 1 and 65535"),
        ({"database": " "}, "name of the database"),
        ({"user": ""}, "user name"),
        ({"sslmode": "sometimes"}, "TLS mode must be one of"),
    ],
)
def test_incomplete_server_settings_say_what_is_missing(changes, problem) -> None:
    base = ServerSettings("db.example", 5432, "oncall", "ana")
    assert base.problem() is None
    assert problem in (ServerSettings(**{**base.__dict__, **changes}).problem() or "")


# ---------------------------------------------------------------------------- resolution

TEAM = Settings().with_(
    database="server", server_host="db.example", server_database="oncall", server_user="ana"
)


def test_by_default_the_database_is_this_computers_file(data_dir: Path) -> None:
    paths = app_paths(data_dir)
    assert resolve_database_url(Settings(), {}, paths) == f"sqlite:///{paths.database}"
    assert server.database_label(f"sqlite:///{paths.database}") == "This computer"


def test_the_settings_team_server_gets_the_keyring_password(
    data_dir: Path, memory_keyring: MemoryKeyring
) -> None:
    paths = app_paths(data_dir)
    plain = "postgresql+psycopg://ana@db.example:5432/oncall?sslmode=prefer"
    assert resolve_database_url(TEAM, {}, paths) == plain
    server.store_password(ServerSettings.from_settings(TEAM), "kept-in-keyring")
    assert memory_keyring.secrets == {
        ("oncall", "database:ana@db.example:5432/oncall"): "kept-in-keyring"
    }
    assert resolve_database_url(TEAM, {}, paths) == (
        "postgresql+psycopg://ana:kept-in-keyring@db.example:5432/oncall?sslmode=prefer"
    )


def test_an_unusable_team_server_setting_falls_back_to_this_computer(data_dir: Path) -> None:
    paths = app_paths(data_dir)
    broken = TEAM.with_(server_host="")
    assert resolve_database_url(broken, {}, paths) == f"sqlite:///{paths.database}"


def test_the_environment_beats_the_settings_and_is_filled_from_the_keyring(
    data_dir: Path, memory_keyring: MemoryKeyring
) -> None:
    paths = app_paths(data_dir)
    env_url = "postgresql+psycopg://bo@other.example:5433/shared"
    assert resolve_database_url(TEAM, {DATABASE_URL_ENV: env_url}, paths) == env_url
    memory_keyring.set_password("oncall", "database:bo@other.example:5433/shared", "b0-pw")
    filled = resolve_database_url(TEAM, {DATABASE_URL_ENV: env_url}, paths)
    assert filled == "postgresql+psycopg://bo:b0-pw@other.example:5433/shared"
    given = "postgresql+psycopg://bo:typed@other.example:5433/shared"
    assert resolve_database_url(TEAM, {DATABASE_URL_ENV: given}, paths) == given
    local = "sqlite:////elsewhere/oncall.sqlite"
    assert resolve_database_url(TEAM, {DATABASE_URL_ENV: local}, paths) == local


def test_the_demo_never_uses_the_team_database(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(DATABASE_URL_ENV, "postgresql+psycopg://bo@other.example/shared")
    assert prepare_context(data_dir).is_shared
    demo = prepare_context(data_dir, demo=True)
    assert not demo.is_shared
    assert demo.database_url == f"sqlite:///{demo.paths.database}"


def test_a_local_context_is_prepared_without_sqlalchemy_or_the_keyring(data_dir: Path) -> None:
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != DATABASE_URL_ENV}
    probe = (
        "import sys; from oncall.app import prepare_context; ctx = prepare_context(); "
        "print(ctx.database_label, 'sqlalchemy' in sys.modules, 'keyring' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, env=env
    ).stdout
    assert out.split() == ["This", "computer", "False", "False"]


# ------------------------------------------------------------------------------ settings


def test_the_database_settings_round_trip_and_bad_values_fall_back(data_dir: Path) -> None:
    path = app_paths(data_dir).settings_file
    chosen = TEAM.with_(server_port=6543, server_sslmode="verify-full")
    save_settings(chosen, path)
    assert load_settings(path) == chosen
    assert "password" not in path.read_text(encoding="utf-8")
    path.write_text(
        'database = "cloud"\nserver_port = 70000\nserver_sslmode = "maybe"\n'
        'server_host = "db.example"\n',
        encoding="utf-8",
    )
    loaded = load_settings(path)
    assert (loaded.database, loaded.server_port, loaded.server_sslmode, loaded.server_host) == (
        "local",
        5432,
        "prefer",
        "db.example",
    )


# ---------------------------------------------------------------------------- command line


def _cli(args: list[str]) -> int:
    from oncall.cli import main

    return main(args)


def test_db_status_names_the_team_server_without_its_password(
    pg_database, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    url = pg_database()
    monkeypatch.setenv(DATABASE_URL_ENV, url)
    assert _cli(["db", "status", "--json"]) == 0
    out = capsys.readouterr().out
    status = json.loads(out)
    assert PASSWORD not in out
    assert status["url"] == redact(url)
    assert (status["database"], status["source"], status["reachable"]) == (
        "server",
        "environment",
        True,
    )
    assert (status["revision"], status["schema_state"]) == (head_revision(), "current")
    assert status["problem"] is None


def test_db_status_on_this_computer(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _cli(["db", "status"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "Database: This computer (the default)"
    assert "no oncall tables yet (made on first use)" in out


def test_db_test_reports_a_refusal_and_exits_1(
    pg_database, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    wrong = "Wrong-Password-From-Env"
    monkeypatch.setenv(
        DATABASE_URL_ENV, make_url(pg_database()).set(password=wrong).render_as_string(False)
    )
    assert _cli(["db", "test"]) == 1
    captured = capsys.readouterr()
    assert "refused the password for user 'postgres'" in captured.err
    assert wrong not in captured.err + captured.out


def test_credentials_set_database_password_serves_the_url_without_one(
    pg_database,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    memory_keyring: MemoryKeyring,
) -> None:
    import io

    url = make_url(pg_database())
    without = server_url(_server(url.render_as_string(False)), None)
    monkeypatch.setenv(DATABASE_URL_ENV, without)
    assert _cli(["db", "test"]) == 1  # no password anywhere yet
    assert "none is stored" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert _cli(["credentials", "set", "database-password"]) == 0
    key = f"database:{SUPERUSER}@127.0.0.1:{url.port}/{url.database}"
    assert memory_keyring.secrets == {("oncall", key): PASSWORD}
    assert _cli(["db", "test"]) == 0
    out = capsys.readouterr().out
    assert "Connected to PostgreSQL" in out
    assert PASSWORD not in out


def test_credentials_database_password_needs_a_team_server(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _cli(["credentials", "status", "database-password"]) == 2
    assert "No team server is chosen" in capsys.readouterr().err


def test_an_unreadable_url_is_refused_without_its_password(data_dir: Path) -> None:
    bad = "postgresql+psycopg://ana:Pw-In-A-Bad-Url@db.example:notaport/oncall"
    with pytest.raises(server.DatabaseUrlError) as caught:
        resolve_database_url(Settings(), {DATABASE_URL_ENV: bad}, app_paths(data_dir))
    assert "Pw-In-A-Bad-Url" not in str(caught.value)
    assert "postgresql+psycopg://ana:***@db.example:notaport/oncall" in str(caught.value)
    assert "Pw-In-A-Bad-Url" not in redact(bad)
