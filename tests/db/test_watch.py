"""Other clients' changes are seen within one poll; the app's own are not reported twice;
a lost connection is told apart from a refusal (on SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from oncall.db import commands
from oncall.db.engine import make_engine, make_session_factory
from oncall.db.watch import ChangeWatch, is_connection_lost
from oncall.domain.model import Team


@pytest.fixture
def other(engine):
    """A second client on the same database (its own engine, as another app would have)."""
    second = make_engine(engine.url.render_as_string(hide_password=False))
    yield make_session_factory(second)
    second.dispose()


@pytest.fixture
def watch(engine):
    found = ChangeWatch(engine)
    assert found.poll() is False  # the first poll connects
    yield found
    found.close()


def _add_team(sessions, name: str) -> None:
    with sessions.begin() as s:
        commands.add_team(s, Team(0, name, "Europe/London", ""))


def test_nothing_changed_is_quiet(watch) -> None:
    assert watch.poll() is False
    assert watch.poll() is False


def test_another_clients_commit_is_seen_once(watch, other) -> None:
    _add_team(other, "Payments")

    assert watch.poll() is True
    assert watch.poll() is False  # seen: not again


def test_each_later_commit_is_seen(watch, other) -> None:
    for name in ("Payments", "Platform"):
        _add_team(other, name)
        assert watch.poll() is True


def test_our_own_commits_are_not_reported(watch, sessions) -> None:
    _add_team(sessions, "Payments")

    assert watch.poll() is False


def test_a_rolled_back_write_is_not_a_change(watch, other) -> None:
    with other() as s:
        commands.add_team(s, Team(0, "Payments", "Europe/London", ""))
        s.flush()
        s.rollback()  # changed my mind

    assert watch.poll() is False


def test_reads_by_another_client_are_not_changes(watch, other) -> None:
    with other.begin() as s:
        s.execute(text("SELECT count(*) FROM team")).scalar_one()

    assert watch.poll() is False


def test_a_refusal_is_not_a_lost_connection(sessions) -> None:
    insert = text(
        "INSERT INTO team (id, name, zone, description, row_version) "
        "VALUES (7, :name, 'UTC', '', 1)"
    )
    with sessions.begin() as s:
        s.execute(insert, {"name": "Payments"})
    with pytest.raises(IntegrityError) as refused, sessions.begin() as s:
        s.execute(insert, {"name": "Platform"})  # the same id

    assert not is_connection_lost(refused.value)


def test_an_unreachable_server_is_a_lost_connection(backend) -> None:
    from tests.pg import free_port

    nowhere = make_engine(f"postgresql+psycopg://u:p@127.0.0.1:{free_port()}/oncall")
    try:
        with pytest.raises(Exception) as failed, nowhere.connect():
            pass
        assert is_connection_lost(failed.value)
        unwatched = ChangeWatch(nowhere)
        with pytest.raises(Exception) as polled:
            unwatched.poll()
        assert is_connection_lost(polled.value)
    finally:
        nowhere.dispose()


def test_a_wrong_password_is_not_a_lost_connection(pg_cluster) -> None:
    wrong = make_engine(pg_cluster.url("postgres", password="not-the-password"))
    try:
        with pytest.raises(Exception) as refused, wrong.connect():
            pass
        assert "password" in str(refused.value)
        assert not is_connection_lost(refused.value)
    finally:
        wrong.dispose()
