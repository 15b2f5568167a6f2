"""The team server story, end to end, as README tells it (issue 8's "Done when").

A new PostgreSQL server with a user and a database of its own; two copies of oncall (two data
folders, one ``ONCALL_DATABASE_URL`` without a password, the password in a libpq password
file as on a machine without a keyring). The first copy asks to create oncall's tables; the
second just opens. An edit in one shows in the other; both open the same rotation, and the
second save meets the first in the conflict dialog, which merges. Then "I've been paged",
the server stops mid-incident, notes are typed, the server comes back, and every note is on
the server once, in order, seen by the other copy too.

Screenshots (``ONCALL_SCREENSHOT_DIR``): team_story_schema_dialog.png, team_story_seen.png,
team_story_conflict.png, team_story_banner.png, team_story_runner_waiting.png,
team_story_timeline.png.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot
from sqlalchemy import create_engine, text

from oncall.app import AppContext, prepare_context
from oncall.db import incidents, queries
from oncall.ui.banner import CONNECTION
from oncall.ui.connection import NOT_SAVED
from tests.conftest import NOW
from tests.pg import Cluster, postgres_bin
from tests.ui.shots import save_png

#: One poll is 2 s: another copy's change or an outage shows within a few.
SOON_MS = 15_000
ROOT = Path(__file__).resolve().parents[2]
TEAM_FILE = ROOT / "resources" / "examples" / "team.yaml"


@pytest.fixture
def server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Cluster]:
    """README's set-up: a server, user ``ana`` with a password, database ``oncall`` owned by
    her (left empty), and ``ONCALL_DATABASE_URL`` naming it without the password, which
    sits in a libpq password file (no keyring on this machine)."""
    if postgres_bin() is None:
        pytest.skip("no PostgreSQL server here")
    cluster = Cluster.create()
    cluster.start()
    try:
        admin = create_engine(cluster.url("postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("CREATE ROLE ana LOGIN PASSWORD 'ana-secret'"))
            conn.execute(text("CREATE DATABASE oncall OWNER ana"))
            # the test clusters trade durability for speed; a real server keeps its commits
            conn.execute(text("ALTER DATABASE oncall SET synchronous_commit = on"))
        admin.dispose()
        passfile = tmp_path / "pgpass"
        passfile.write_text(f"127.0.0.1:{cluster.port}:oncall:ana:ana-secret\n")
        passfile.chmod(0o600)
        monkeypatch.setenv("PGPASSFILE", str(passfile))
        monkeypatch.setenv(
            "ONCALL_DATABASE_URL", f"postgresql+psycopg://ana@127.0.0.1:{cluster.port}/oncall"
        )
        yield cluster
    finally:
        cluster.destroy()


def _start(qtbot: QtBot, folder: Path, on_schema_dialog=None):
    """What ``oncall --data-dir FOLDER`` does: resolve the database, open it (answering the
    schema dialog if it asks), show the window."""
    from oncall.__main__ import _open
    from oncall.ui.main_window import MainWindow

    ctx = prepare_context(folder, clock=lambda: NOW)
    ctx.settings = ctx.settings.with_(viewer_zone="Europe/London")
    assert ctx.is_shared
    if on_schema_dialog is not None:
        QTimer.singleShot(0, on_schema_dialog)
    assert _open(ctx) is ctx
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.resize(1200, 760)
    window.show()
    qtbot.waitExposed(window)
    return window


def _texts(widget) -> str:
    return " ".join(label.text() for label in widget.findChildren(QLabel) if label.isVisible())


def _rotation_names(view) -> list[str]:
    model = view.rotation_table.model()
    return [model.index(i, 0).data() for i in range(model.rowCount())]


def _open_rotation(view, name: str) -> None:
    view.tabs.setCurrentIndex(1)
    model = view.rotation_table.model()
    row = _rotation_names(view).index(name)
    view.rotation_table.setCurrentIndex(model.index(row, 0))
    assert view.editor.title.text() == f"Edit “{name}”"


def _stored_rotation(ctx: AppContext, name: str):
    with ctx.sessions() as s:
        team = queries.list_teams(s)[0]
        plan = queries.load_plan(s, team.id)
        return next(r for r in plan.rotations if r.name == name)


def test_two_copies_share_a_team_server_through_an_edit_a_conflict_and_an_outage(
    qtbot: QtBot, server: Cluster, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from oncall import cli
    from oncall.ui.change_preview import ChangePreviewDialog
    from oncall.ui.conflict_dialog import ConflictDialog
    from oncall.ui.runner.view import RunnerView
    from oncall.ui.schema_dialog import SchemaDialog

    # The per-person change preview has tests of its own; here it says yes.
    monkeypatch.setattr(ChangePreviewDialog, "ask_with_reason", classmethod(lambda *a, **k: ""))
    shots = tmp_path / "shots"
    asked: list[str] = []

    def create_tables() -> None:
        dialog = next(
            (w for w in QApplication.topLevelWidgets() if isinstance(w, SchemaDialog)), None
        )
        if dialog is None or not dialog.isVisible():
            QTimer.singleShot(20, create_tables)  # exec() has not shown it yet
            return
        asked.append(dialog.message.text())
        save_png(dialog, "team_story_schema_dialog.png", shots)
        qtbot.mouseClick(dialog.upgrade_button, Qt.MouseButton.LeftButton)

    # 1. First start on the empty database: it asks before creating oncall's tables.
    mine = _start(qtbot, tmp_path / "oncall-a", on_schema_dialog=create_tables)
    assert asked == ["The team database is empty. Create oncall's tables in “oncall” on 127.0.0.1?"]
    assert mine.database_label.text() == "Database: Team server 127.0.0.1/oncall"
    assert "ana-secret" not in mine.windowTitle() + mine.database_label.text()
    theirs = _start(qtbot, tmp_path / "oncall-b")  # at this oncall's schema: no question
    a, b = mine.ctx, theirs.ctx

    try:
        # 2. A team arrives from a team file (a third copy, the command line): both see it.
        assert cli.main(["--data-dir", str(tmp_path / "cli"), "team", "import",
                         str(TEAM_FILE)]) == 0  # fmt: skip
        team_a, team_b = mine.show_screen("team"), theirs.show_screen("team")
        for view in (team_a, team_b):
            view.tabs.setCurrentIndex(1)
            qtbot.waitUntil(lambda v=view: "Primary" in _rotation_names(v), timeout=SOON_MS)

        # 3. An edit in one copy shows in the other without a restart.
        _open_rotation(team_a, "Secondary")
        team_a.editor.name.setText("Secondary (business)")
        qtbot.mouseClick(team_a.editor.save_button, Qt.MouseButton.LeftButton)
        assert _stored_rotation(a, "Secondary (business)")
        qtbot.waitUntil(lambda: "Secondary (business)" in _rotation_names(team_b), timeout=SOON_MS)
        _open_rotation(team_b, "Secondary (business)")  # scrolls to it, for the picture
        save_png(theirs, "team_story_seen.png", shots)

        # 4. Both open Primary; one saves a new priority, the other renames it and saves.
        _open_rotation(team_a, "Primary")
        _open_rotation(team_b, "Primary")
        team_b.editor.name.setText("Primary pager")
        team_a.editor.priority.setValue(team_a.editor.priority.value() + 3)
        qtbot.mouseClick(team_a.editor.save_button, Qt.MouseButton.LeftButton)
        their_priority = _stored_rotation(a, "Primary").current.priority
        qtbot.mouseClick(team_b.editor.save_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(
            lambda: team_b.conflict_dialog is not None and team_b.conflict_dialog.isVisible()
        )
        dialog = team_b.conflict_dialog
        assert isinstance(dialog, ConflictDialog)
        assert dialog.rows() == [
            ("Name", "Primary", "Primary pager"),
            ("Priority", str(their_priority), str(their_priority - 3)),
        ]
        # Yours where you changed it, theirs where only they did: nothing lost either way.
        assert dialog.choices() == {"name": "yours", "priority": "theirs"}
        assert _stored_rotation(b, "Primary").current.priority == their_priority
        save_png(dialog, "team_story_conflict.png", shots)
        with qtbot.waitSignal(dialog.finished):
            qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
        merged = _stored_rotation(b, "Primary pager")
        assert merged.current.priority == their_priority
        qtbot.waitUntil(lambda: "Primary pager" in _rotation_names(team_a), timeout=SOON_MS)

        # 5. Paged: the incident runs in the first copy.
        mine.show_screen("now")
        mine.page()
        runner = mine.centralWidget()
        assert isinstance(runner, RunnerView)
        run = runner.run
        runner.main_answer()  # first step done
        before = [e.kind for e in incidents.timeline(a.sessions, run.incident.id)]
        assert before == [e.kind for e in run.runner.events]

        # The other copy watches the Incidents screen.
        incidents_b = theirs.show_screen("incidents")
        qtbot.waitUntil(lambda: [i.id for i in incidents_b.incidents] == [run.incident.id],
                        timeout=SOON_MS)  # fmt: skip

        # 6. The server stops mid-incident.
        server.stop()
        qtbot.waitUntil(lambda: theirs.banner.message(CONNECTION) is not None, timeout=SOON_MS)
        assert "can't be reached since 10:00" in theirs.banner.message(CONNECTION)
        assert "Primary pager" in _rotation_names(team_b)  # what was loaded stays
        save_png(theirs, "team_story_banner.png", shots)
        notes = ["Rolled back the 02:00 deploy", "Error rate back to normal", "Told #payments"]
        runner.note_edit.setText(notes[0])
        runner.save_note()
        qtbot.waitUntil(lambda: runner.waiting_label.isVisible(), timeout=SOON_MS)
        runner.main_answer()
        for note in notes[1:]:
            runner.note_edit.setText(note)
            runner.save_note()
        assert run.waiting() >= len(notes)
        assert "waiting for the team server" in runner.waiting_label.text()
        save_png(runner, "team_story_runner_waiting.png", shots)
        # The other copy adds what a customer said, backfilled: it waits on that computer.
        backfill = "Customers saw failed card payments from 09:50"
        added = incidents_b.backfill(backfill, NOW.replace(minute=0) - timedelta(minutes=10))
        assert added.id == 0  # waiting, not lost
        assert "waiting for the team server" in " ".join(incidents_b.timeline_rows()[0])
        incidents_b.list.setCurrentItem(None)  # choosing again can't read the server now
        incidents_b.list.setCurrentItem(incidents_b.list.topLevelItem(0))
        assert "can't be read while the team server is away" in incidents_b.summary.text()
        # A save in the other copy meanwhile is refused with a sentence, the form kept.
        theirs.show_screen("team")
        _open_rotation(team_b, "Primary pager")
        team_b.editor.name.setText("Primary (24/7)")
        qtbot.mouseClick(team_b.editor.save_button, Qt.MouseButton.LeftButton)
        assert NOT_SAVED in team_b.editor.visible_errors().values()
        assert team_b.editor.name.text() == "Primary (24/7)"

        # 7. Back again: the outbox delivers, in order and once; the banners go.
        server.start()
        qtbot.waitUntil(lambda: run.waiting() == 0, timeout=SOON_MS)
        qtbot.waitUntil(lambda: theirs.banner.message(CONNECTION) is None, timeout=SOON_MS)
        qtbot.waitUntil(lambda: not runner.waiting_label.isVisible(), timeout=SOON_MS)
        qtbot.waitUntil(
            lambda: backfill in [e.text for e in incidents.timeline(b.sessions, run.incident.id)],
            timeout=SOON_MS,
        )
        events = incidents.timeline(b.sessions, run.incident.id)
        assert [e.kind for e in events if not e.backfilled] == [e.kind for e in run.runner.events]
        written = [e.text for e in events if e.text in notes]
        assert written == notes  # each once, in the order typed
        assert [e.text for e in events if e.backfilled] == [backfill]
        theirs.show_screen("incidents")
        qtbot.waitUntil(lambda: notes[-1] in " ".join(incidents_b.timeline_rows()[-1]))
        save_png(theirs, "team_story_timeline.png", shots)
        # The refused rename was never written; saving it now works.
        assert _stored_rotation(b, "Primary pager").name == "Primary pager"
        qtbot.mouseClick(team_b.editor.save_button, Qt.MouseButton.LeftButton)
        assert _stored_rotation(b, "Primary (24/7)")
        runner.leave_requested.emit()  # the incident stays open; the screens come back
        assert mine.centralWidget() is not runner
        assert mine.views["now"].isVisible()
    finally:
        for window in (mine, theirs):
            window.close()
        a.close()
        b.close()
