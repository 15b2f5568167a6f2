"""The leave import dialog on a re-imported calendar: leave whose event left the file is shown
as removed, with why, and the import (removal included) is one undo step."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from oncall.db import queries
from oncall.ui.calendar_dialogs import LeaveImportDialog
from oncall.ui.main_window import MainWindow
from tests.conftest import Seeded
from tests.ui.shots import save_png

ICS = Path(__file__).parent.parent / "data" / "ics"


@pytest.fixture
def window(qtbot: QtBot, seeded_team: Seeded) -> MainWindow:
    ctx = seeded_team.ctx
    ctx.settings = ctx.settings.with_(viewer_zone="Europe/London")
    win = MainWindow(ctx)
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    qtbot.waitExposed(win)
    return win


def _notes(seeded: Seeded) -> list[str]:
    with seeded.ctx.sessions.begin() as s:
        return sorted(x.note for x in queries.list_leave(s))


def _cells(dialog: LeaveImportDialog) -> list[list[str]]:
    table = dialog.table
    return [
        [table.item(r, c).text() for c in range(table.columnCount())]
        for r in range(table.rowCount())
    ]


def _open(window: MainWindow, path: Path, engineer_id: int) -> LeaveImportDialog:
    dialog = window.calendar.import_leave(path)
    assert dialog is not None
    dialog.person_box.setCurrentIndex(dialog.person_box.findData(engineer_id))
    return dialog


def test_reimport_shows_and_removes_vanished_leave_as_one_undo_step(
    qtbot: QtBot, window: MainWindow, seeded_team: Seeded, tmp_path: Path
) -> None:
    ada = seeded_team.engineer("ada")
    first = _open(window, ICS / "google_ada.ics", ada.id)
    with qtbot.waitSignal(first.accepted):
        qtbot.mouseClick(first.import_button, Qt.MouseButton.LeftButton)
    everything = _notes(seeded_team)
    assert "Vacation" in everything

    # Ada deletes the vacation in her calendar and exports it again, under the same name.
    text = (ICS / "google_ada.ics").read_text()
    head, _, rest = text.partition("BEGIN:VEVENT")
    later = tmp_path / "later" / "google_ada.ics"
    later.parent.mkdir()
    later.write_text(head + rest.partition("END:VEVENT\n")[2])

    dialog = _open(window, later, ada.id)
    rows = _cells(dialog)
    gone = [r for r in rows if r[3].startswith("Removed")]
    assert gone == [
        ["Mon 21 Dec – Wed 23 Dec 2026", "Ada Lovelace", "Vacation",
         "Removed (no longer in the calendar)", "—"]
    ]  # fmt: skip
    totals = dialog.totals.text()
    assert "1 removed: Ada Lovelace Mon 21 Dec – Wed 23 Dec 2026 (no longer in the calendar)" in (
        totals
    )
    assert dialog.import_button.isEnabled()  # a removal alone is something to import
    save_png(dialog, "calendar-leave-reimport-removed.png", tmp_path)

    with qtbot.waitSignal(dialog.accepted):
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    assert "Vacation" not in _notes(seeded_team)
    assert "1 removed" in window.statusBar().currentMessage()
    assert window.undo_stack.count() == 2

    window.undo_stack.undo()  # the vacation is back, still tied to its event
    assert _notes(seeded_team) == everything
    again = _open(window, later, ada.id)
    assert [r[3] for r in _cells(again) if r[2] == "Vacation"] == [
        "Removed (no longer in the calendar)"
    ]
    again.reject()
    window.undo_stack.redo()
    assert "Vacation" not in _notes(seeded_team)
    window.undo_stack.undo()
    window.undo_stack.undo()  # and the first import goes whole
    assert _notes(seeded_team) == []


def test_a_read_only_database_refuses_the_import_and_keeps_no_undo_step(
    qtbot: QtBot, window: MainWindow, seeded_team: Seeded
) -> None:
    ada = seeded_team.engineer("ada")
    dialog = _open(window, ICS / "google_ada.ics", ada.id)
    seeded_team.ctx.read_only_reason = "The team database is newer than this oncall."
    with qtbot.waitSignal(dialog.accepted):
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    assert _notes(seeded_team) == []
    assert window.undo_stack.count() == 0
    assert "Leave not imported" in window.statusBar().currentMessage()
