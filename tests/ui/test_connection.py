"""Shared database in the window: another client's change shows without a restart, and a
team server that stops shows a calm banner (what was loaded stays, incident notes wait on
this computer, a save says it was not saved) that goes when the server is back."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import create_engine, text

from oncall.app import AppContext
from oncall.db import commands, incidents, migrate
from oncall.db.engine import make_engine, make_session_factory
from oncall.domain.model import Team
from oncall.paths import app_paths
from oncall.settings import Settings
from oncall.ui.banner import CONNECTION
from oncall.ui.connection import NOT_SAVED
from tests.conftest import NOW
from tests.pg import Cluster, postgres_bin
from tests.ui.shots import save_png

# One poll interval is 2 s; a change or an outage must show within a few of them.
SOON_MS = 10_000


def _context(url: str, folder: Path) -> AppContext:
    engine = make_engine(url)
    return AppContext(
        paths=app_paths(folder).create(),
        sessions=make_session_factory(engine),
        settings=Settings().with_(viewer_zone="Europe/London"),
        clock=lambda: NOW,
    )


def _window(qtbot: QtBot, ctx: AppContext):
    from oncall.ui.main_window import MainWindow

    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def _texts(widget) -> str:
    from PySide6.QtWidgets import QLabel

    return " ".join(label.text() for label in widget.findChildren(QLabel))


def _close(ctx: AppContext) -> None:
    ctx.sessions.kw["bind"].dispose()


def test_another_clients_change_appears_in_the_open_window(
    qtbot: QtBot, pg_database, tmp_path: Path
) -> None:
    url = pg_database()
    mine, theirs = _context(url, tmp_path / "mine"), _context(url, tmp_path / "theirs")
    try:
        window = _window(qtbot, mine)
        view = window.show_screen("incidents")
        assert view.incidents == []

        from oncall.exchange import checklists

        library = checklists.load_library(today=NOW.date()).checklists
        with theirs.sessions.begin() as s:
            commands.add_team(s, Team(0, "Payments", "Europe/London", ""))
        started, _ = incidents.start_incident(
            theirs.sessions, library["web-triage"], NOW, library=library
        )

        qtbot.waitUntil(lambda: [i.id for i in view.incidents] == [started.id], timeout=SOON_MS)
        assert window.banner.message(CONNECTION) is None
        window.close()
    finally:
        _close(mine)
        _close(theirs)


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    """A server of this test's own: it is stopped and started again."""
    if postgres_bin() is None:
        pytest.skip("no PostgreSQL server here")
    made = Cluster.create()
    made.start()
    admin = create_engine(made.url("postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("CREATE DATABASE oncall"))
        # the test clusters trade durability for speed; a real server keeps its last commits
        conn.execute(text("ALTER DATABASE oncall SET synchronous_commit = on"))
    admin.dispose()
    engine = make_engine(made.url("oncall"))
    migrate.upgrade(engine)
    engine.dispose()
    yield made
    made.destroy()


def test_a_stopped_server_shows_a_banner_keeps_notes_and_recovers(
    qtbot: QtBot, cluster: Cluster, tmp_path: Path
) -> None:
    from oncall.ui.runner.incident_run import load_checklists, start_run
    from oncall.ui.undo import push_edit

    ctx = _context(cluster.url("oncall"), tmp_path / "app")
    try:
        with ctx.sessions.begin() as s:
            commands.add_team(s, Team(0, "Payments", "Europe/London", "Card payments"))
        library = load_checklists(ctx)
        run = start_run(ctx, library.checklists["web-triage"], library)
        window = _window(qtbot, ctx)
        incidents_view = window.show_screen("incidents")
        window.show_screen("now")
        # on a team server every screen is built in idle time, before any outage
        qtbot.waitUntil(lambda: "load" in window.views, timeout=SOON_MS)

        cluster.stop()

        qtbot.waitUntil(lambda: window.banner.message(CONNECTION) is not None, timeout=SOON_MS)
        words = window.banner.message(CONNECTION)
        assert "can't be reached since 10:00" in words
        assert "kept on this computer" in words
        # what was loaded can still be read, and screens can be visited
        assert window.show_screen("incidents") is incidents_view
        assert [i.id for i in incidents_view.incidents] == [run.incident.id]
        window.refresh_all()  # a refresh that fails leaves what was loaded, no error
        assert [i.id for i in incidents_view.incidents] == [run.incident.id]
        assert incidents_view.timeline_rows()
        first_opened = window.show_screen("load")  # first visit, during the outage
        assert "needs the team server" not in _texts(first_opened)
        # a note typed meanwhile in the runner waits on this computer, and the runner says so
        from oncall.ui.runner.view import RunnerView

        runner_view = RunnerView(ctx, run)
        qtbot.addWidget(runner_view)
        runner_view.resize(900, 560)
        runner_view.show()
        runner_view.note_edit.setText("Rolled back the 02:00 deploy")
        runner_view.save_note()
        assert "saved on this computer (waiting for the team server)" in (
            runner_view.note_saved.text()
        )
        assert run.waiting() == 1
        assert runner_view.waiting_label.isVisible()
        assert runner_view.waiting_label.text().startswith(
            "1 entry is saved on this computer, waiting for the team server"
        )
        save_png(runner_view, "connection_runner_waiting.png", tmp_path)
        # a save that cannot be made says so and is not kept as done
        refused = push_edit(
            window.undo_stack,
            "Rename team",
            lambda: ctx.edit(1, lambda s: commands.add_team(s, Team(0, "X", "UTC", ""))),
            lambda: None,
        )
        assert refused == NOT_SAVED
        assert window.undo_stack.count() == 0
        # paged again meanwhile: a new incident starts on this computer
        second = start_run(ctx, library.checklists["web-triage"], library)
        assert second.incident.id < 0
        assert second.waiting() == 2  # opened, first step
        window.show_screen("incidents")
        save_png(window, "connection_banner.png", tmp_path)

        cluster.start()

        qtbot.waitUntil(lambda: window.banner.message(CONNECTION) is None, timeout=SOON_MS)
        qtbot.waitUntil(lambda: run.waiting() == 0, timeout=SOON_MS)
        texts = [e.text for e in incidents.timeline(ctx.sessions, run.incident.id)]
        assert texts.count("Rolled back the 02:00 deploy") == 1
        assert texts[-1] == "Rolled back the 02:00 deploy"
        qtbot.waitUntil(lambda: not runner_view.waiting_label.isVisible())
        qtbot.waitUntil(lambda: second.waiting() == 0, timeout=SOON_MS)
        assert second.incident.id > run.incident.id  # the server's id now
        opened = incidents.timeline(ctx.sessions, second.incident.id)
        assert [e.kind for e in opened] == [e.kind for e in second.runner.events]
        window.close()
    finally:
        _close(ctx)


def test_a_lost_connection_in_a_slot_shows_the_banner_not_a_crash_dialog(
    qtbot: QtBot, tmp_path: Path
) -> None:
    import psycopg
    from sqlalchemy.exc import OperationalError

    from oncall.ui.connection import status
    from oncall.ui.crash import CrashReporter

    reporter = CrashReporter(tmp_path / "oncall.log")
    reporter.crashed.disconnect(reporter._show)  # the report is enough; no dialog left open
    refused = OperationalError("SELECT 1", {}, psycopg.OperationalError("Connection refused"))
    with qtbot.waitSignal(status().lost, timeout=1000):
        reporter._hook(OperationalError, refused, None)
    assert reporter.dialog is None

    with qtbot.waitSignal(reporter.crashed, timeout=1000):  # anything else is still a crash
        reporter._hook(RuntimeError, RuntimeError("a real bug"), None)
