"""Calendar screens: export from the File menu and per person, leave import with a preview,
publishing after edits, the Calendar section of Settings, public holidays on the timeline."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime
from pathlib import Path

import icalendar
import keyring
import pytest
from keyring.backends import fail
from PySide6.QtCore import QDate, QPointF, Qt
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QFileDialog, QWidget
from pytestqt.qtbot import QtBot

from oncall import credentials
from oncall.db import commands, queries
from oncall.domain.model import Override, Role
from oncall.ui.calendar_dialogs import ExportDialog, LeaveImportDialog
from oncall.ui.main_window import MainWindow
from tests.conftest import MemoryKeyring, Seeded

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


def _shot(widget: QWidget, name: str, tmp_path: Path) -> Path:
    folder = Path(os.environ.get("ONCALL_SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    assert widget.grab().save(str(path))
    return path


def _events(path: Path) -> list:
    cal = icalendar.Calendar.from_ical(path.read_bytes())
    return list(cal.walk("VEVENT"))


def _december(dialog: ExportDialog) -> None:
    """Tue 1 Dec to Mon 28 Dec 2026, both days included (London)."""
    dialog.start_date.setDate(QDate(2026, 12, 1))
    dialog.end_date.setDate(QDate(2026, 12, 28))


def _save_as(monkeypatch: pytest.MonkeyPatch, path: Path) -> list[str]:
    asked: list[str] = []

    def fake(_parent, _title, suggested, _filter):
        asked.append(suggested)
        return str(path), "iCalendar files (*.ics)"

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(fake))
    return asked


def _leave(seeded: Seeded) -> list:
    with seeded.ctx.sessions.begin() as s:
        return queries.list_leave(s)


# -- export ------------------------------------------------------------------------------------


def test_file_menu_exports_the_team_calendar(
    qtbot: QtBot, window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    file_menu = window.menuBar().actions()[0].menu()
    assert window.calendar.export_action in file_menu.actions()
    window.calendar.export_action.trigger()
    dialog = window.calendar.export_dialog
    assert dialog is not None
    assert dialog.isVisible()
    assert dialog.team_choice.isChecked()
    # The default range is 15 days back to 180 ahead of today (Mon 16 Nov 2026).
    assert dialog.start_date.date() == QDate(2026, 11, 1)
    assert dialog.end_date.date() == QDate(2027, 5, 15)
    _december(dialog)
    out = tmp_path / "out" / "payments.ics"
    asked = _save_as(monkeypatch, out)
    _shot(dialog, "calendar-export-dialog-before.png", tmp_path)
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)

    assert asked
    assert asked[0].endswith("team-payments.ics")
    events = _events(out)
    # Counted by hand: daily secondary shifts Mon 30 Nov 09:00 .. Mon 28 Dec (29) and weekly
    # primary shifts from Mon 30 Nov to Mon 28 Dec (5); shifts over the edges come whole.
    assert len(events) == 29 + 5
    assert sum("primary" in str(e["SUMMARY"]) for e in events) == 5
    assert dialog.done_row.isVisible()
    assert dialog.done_label.text() == f"Saved 34 shifts to {out}"
    assert dialog.open_folder_button.isVisible()
    assert not list(out.parent.glob("*.tmp"))  # written through a temp file and a rename
    _shot(dialog, "calendar-export-dialog.png", tmp_path)


def test_team_screen_exports_one_persons_calendar(
    qtbot: QtBot, seeded_team: Seeded, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from oncall.ui.team_view import TeamView

    view = TeamView(seeded_team.ctx, QUndoStack())
    qtbot.addWidget(view)
    view.show()
    assert not view.export_calendar_button.isEnabled()  # nobody selected yet
    table = view.engineer_table
    row = next(
        r
        for r in range(table.model().rowCount())
        if "Ada Lovelace" in str(table.model().index(r, 0).data())
    )
    table.setCurrentIndex(table.model().index(row, 0))
    assert view.export_calendar_button.isEnabled()
    view.export_calendar_button.click()
    dialog = view.findChild(ExportDialog)
    assert dialog is not None
    assert dialog.person_choice.isChecked()
    assert dialog.person_box.currentData() == seeded_team.engineer("ada").id
    _december(dialog)
    out = tmp_path / "ada.ics"
    asked = _save_as(monkeypatch, out)
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert asked[0].endswith("person-ada.ics")
    events = _events(out)
    # Ada's by hand: primary weeks of 30 Nov and 28 Dec; secondary days every 4th from 5 Nov
    # meeting December 1-28: 3, 7, 11, 15, 19, 23, 27 Dec.
    assert len(events) == 2 + 7
    assert all("Ada Lovelace" in str(e["SUMMARY"]) for e in events)
    starts = sorted(e["DTSTART"].dt for e in events if "secondary" in str(e["SUMMARY"]))
    assert [d.day for d in starts] == [3, 7, 11, 15, 19, 23, 27]


# -- leave import ------------------------------------------------------------------------------


def _cells(dialog: LeaveImportDialog) -> list[list[str]]:
    table = dialog.table
    return [
        [table.item(r, c).text() for c in range(table.columnCount())]
        for r in range(table.rowCount())
    ]


def test_leave_import_previews_then_saves_as_one_undo_step(
    qtbot: QtBot, window: MainWindow, seeded_team: Seeded, tmp_path: Path
) -> None:
    ada = seeded_team.engineer("ada")
    dialog = window.calendar.import_leave(ICS / "google_ada.ics")
    assert dialog is not None
    assert dialog.isVisible()
    dialog.person_box.setCurrentIndex(dialog.person_box.findData(ada.id))
    rows = _cells(dialog)
    assert len(rows) == 4  # the vacation and three Friday mornings; the cancelled one skipped
    vacation = next(r for r in rows if r[2] == "Vacation")
    assert vacation[:4] == ["Mon 21 Dec – Wed 23 Dec 2026", "Ada Lovelace", "Vacation", "New"]
    # Ada holds the secondary from Wed 23 Dec 09:00: the conflict is shown before saving.
    assert "Payments secondary Wed 23 Dec 09:00 – Thu 24 Dec 2026 09:00" in vacation[4]
    friday = next(r for r in rows if r[0].startswith("Fri 27 Nov"))
    assert friday[0] == "Fri 27 Nov 2026 09:00–13:00"
    assert "4 new" in dialog.totals.text()
    assert "Dentist (cancelled): cancelled" in dialog.skipped_label.text()
    assert _leave(seeded_team) == []  # a preview saves nothing
    _shot(dialog, "calendar-leave-preview.png", tmp_path)

    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    saved = _leave(seeded_team)
    assert len(saved) == 4
    assert {x.engineer_id for x in saved} == {ada.id}
    assert window.undo_stack.count() == 1
    assert "Imported leave from google_ada.ics" in window.statusBar().currentMessage()

    window.undo_stack.undo()
    assert _leave(seeded_team) == []
    window.undo_stack.redo()
    assert len(_leave(seeded_team)) == 4

    again = window.calendar.import_leave(ICS / "google_ada.ics")
    again.person_box.setCurrentIndex(again.person_box.findData(ada.id))
    assert {r[3] for r in _cells(again)} == {"Unchanged"}
    assert not again.import_button.isEnabled()
    assert "Nothing to import" in again.totals.text()
    again.reject()


def test_leave_import_matches_by_email(window: MainWindow, seeded_team: Seeded) -> None:
    dialog = window.calendar.import_leave(ICS / "outlook_carmen.ics")
    assert dialog.engineer_id() is None  # "match by email" comes first
    assert {r[1] for r in _cells(dialog)} == {"Carmen Diaz"}
    dialog.reject()


def test_broken_leave_file_says_where_and_saves_nothing(
    qtbot: QtBot, window: MainWindow, seeded_team: Seeded
) -> None:
    dialog = window.calendar.import_leave(ICS / "broken_bad_date.ics")
    assert dialog.error.isVisible()
    assert "broken_bad_date.ics:28:" in dialog.error.text()
    assert "Nothing was imported" in dialog.error.text()
    assert dialog.table.rowCount() == 0
    assert not dialog.import_button.isEnabled()
    dialog.accept()  # even forced, nothing is saved
    assert _leave(seeded_team) == []
    assert window.undo_stack.count() == 0


# -- publishing --------------------------------------------------------------------------------


def test_a_burst_of_edits_publishes_once(
    qtbot: QtBot, window: MainWindow, seeded_team: Seeded, tmp_path: Path
) -> None:
    folder = tmp_path / "synced"
    ctx = seeded_team.ctx
    ctx.settings = ctx.settings.with_(publish_folder=str(folder))
    publisher = window.calendar.publisher
    publisher.timer.setInterval(30)
    with qtbot.waitSignal(publisher.finished, timeout=20000):
        window.calendar.publish_action.trigger()
    team_file = folder / "team-payments.ics"
    before = team_file.read_text(encoding="utf-8")
    assert "Override" not in before
    assert publisher.runs == 1

    view = window.show_screen("team")
    dev = seeded_team.engineer("dev")
    team_id = seeded_team.team.id
    with qtbot.waitSignal(publisher.finished, timeout=20000):
        for day in (1, 2, 3):  # three overrides in a row, as fast as a person clicks
            start = datetime(2026, 12, day, 9, tzinfo=UTC)
            end = datetime(2026, 12, day, 17, tzinfo=UTC)
            override = Override(0, team_id, dev.id, start, end, seeded_team.now, Role.PRIMARY)
            view.run_edit(
                "Override",
                lambda o=override: view._edit(lambda s: commands.add_override(s, o)),
                lambda: None,
            )
    assert publisher.runs == 2  # one publish for the whole burst
    after = team_file.read_text(encoding="utf-8")
    assert after != before
    assert after.count("Dev Patel") > before.count("Dev Patel")
    assert window.statusBar().currentMessage() == "Calendars published 10:00"


def test_no_target_means_no_publish(qtbot: QtBot, window: MainWindow) -> None:
    window.calendar.publish_action.trigger()
    assert window.calendar.publisher.runs == 0
    assert "Settings → Calendar" in window.statusBar().currentMessage()


# -- settings ----------------------------------------------------------------------------------


def _answer_password(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    from oncall.ui.credentials_dialog import CredentialsDialog

    def exec_(dialog: CredentialsDialog) -> int:
        dialog.field.setText(value)
        if not dialog.save_button.isHidden():
            dialog.save_button.click()
        else:
            dialog.session_button.click()
        return dialog.result()

    monkeypatch.setattr(CredentialsDialog, "exec", exec_)


def test_settings_calendar_section_keeps_the_password_in_the_keyring(
    qtbot: QtBot,
    seeded_team: Seeded,
    memory_keyring: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    from oncall.ui.settings_dialog import SettingsDialog

    ctx = seeded_team.ctx
    dialog = SettingsDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.tabs.setCurrentWidget(dialog.calendar)
    dialog.show()
    section = dialog.calendar
    assert section.password_state.text() == "No password stored yet."
    assert section.folder_status.text() == "Folder: not published yet."
    _answer_password(monkeypatch, "s3cret")
    section.password_button.click()
    assert memory_keyring.secrets[("oncall", "caldav-password")] == "s3cret"
    assert section.password_state.text().startswith("Kept in ")
    assert "session" not in section.password_state.text()

    folder = tmp_path / "feeds"
    section.folder.setText(str(folder))
    section.url.setText("https://dav.example.com/ada/oncall/")
    section.user.setText("ada")
    section.url.clear()  # publish to the folder only (no server in this test)
    section.publish_now()
    assert section.worker is not None
    assert not section.publish_button.isEnabled()
    with qtbot.waitSignal(section.worker.signals.finished, timeout=20000):
        pass
    qtbot.waitUntil(lambda: section.publish_button.isEnabled(), timeout=5000)
    assert (folder / "team-payments.ics").exists()
    assert section.folder_status.text().startswith("Folder: published today 10:00: ")
    assert section.caldav_status.text() == "CalDAV: not published yet."
    chosen = dialog.settings()
    assert chosen.publish_folder == str(folder)
    assert chosen.caldav_user == "ada"
    assert chosen.calendar_days_back == 15
    assert chosen.calendar_days_ahead == 180
    _shot(dialog, "calendar-settings-section.png", tmp_path)


def test_settings_without_a_keyring_keeps_the_password_for_the_session_only(
    qtbot: QtBot,
    seeded_team: Seeded,
    memory_keyring: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from oncall.ui.settings_dialog import SettingsDialog

    keyring.set_keyring(fail.Keyring())
    try:
        dialog = SettingsDialog(seeded_team.ctx)
        qtbot.addWidget(dialog)
        section = dialog.calendar
        assert "kept for this session only" in section.password_state.text()
        _answer_password(monkeypatch, "s3cret")
        section.password_button.click()
        assert section.password_state.text().startswith("Kept for this session only")
        assert credentials.get_secret("caldav-password").reveal() == "s3cret"
        assert memory_keyring.secrets == {}  # nothing stored anywhere
    finally:
        credentials.forget_session()


# -- holidays on the schedule ------------------------------------------------------------------


def test_christmas_shows_on_the_timeline_for_ada(
    qtbot: QtBot, window: MainWindow, seeded_team: Seeded, tmp_path: Path
) -> None:
    view = window.show_screen("schedule")
    view.anchor = date(2026, 12, 20)
    view.set_zoom("month")
    timeline = view.timeline
    ada = seeded_team.engineer("ada")
    christmas = [h for h in timeline.holidays if h.day == date(2026, 12, 25)]
    assert {h.engineer_id for h in christmas} >= {ada.id, seeded_team.engineer("dev").id}
    # Bao (Singapore) and Carmen (New York) have Christmas too; Boxing Day is England's only.
    boxing = {h.engineer_id for h in timeline.holidays if h.day == date(2026, 12, 28)}
    assert ada.id in boxing
    assert seeded_team.engineer("carmen").id not in boxing
    row = next(i for i, r in enumerate(timeline.rows) if r.key == ada.id)
    # Midday on 25 Dec, in Ada's row, away from shifts' middles is still inside the band.
    x = timeline.x_for(datetime(2026, 12, 25, 12, tzinfo=UTC))
    y = timeline.row_rect(row).top() + 2
    tip = timeline.tooltip_at(QPointF(x, y))
    assert "Christmas Day" in tip
    assert "Ada Lovelace" in tip
    header_tip = timeline.holiday_at(QPointF(x, timeline._layout.header_h - 3))
    assert "Christmas Day" in header_tip
    assert "Dev Patel" in header_tip
    assert (
        timeline.holiday_at(QPointF(timeline.x_for(datetime(2026, 12, 22, 12, tzinfo=UTC)), y))
        == ""
    )
    _shot(window, "calendar-schedule-holidays.png", tmp_path)
