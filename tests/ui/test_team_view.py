"""The Team screen's main flows on a real temp database: engineers, overrides, leave, undo."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QUndoStack

from oncall.db import queries
from oncall.domain.model import Leave, LeaveKind, Role, Team
from oncall.ui.change_preview import ChangePreviewDialog
from oncall.ui.leave_dialog import LeaveDialog, TeamDialog, leave_interval
from oncall.ui.override_dialog import OverrideDialog, OverrideDraft
from oncall.ui.team_view import TeamView
from tests.ui.shots import save_png


def column(view, col: int) -> list[str]:
    model = view.model()
    return [model.index(r, col).data() for r in range(model.rowCount())]


@pytest.fixture
def team_view(qtbot, seeded_team):
    seeded_team.ctx.settings = seeded_team.ctx.settings.with_(viewer_zone="Europe/London")
    view = TeamView(seeded_team.ctx, QUndoStack())
    qtbot.addWidget(view)
    view.resize(1200, 800)
    view.show()
    qtbot.waitExposed(view)
    return view


def test_no_team_yet_offers_to_create_one(qtbot, ctx, monkeypatch, tmp_path):
    view = TeamView(ctx, QUndoStack())
    qtbot.addWidget(view)
    view.resize(1000, 640)
    view.show()
    assert view.pages.currentWidget() is view.no_team
    assert view.no_team.title_label.text() == "No team yet"
    assert "oncall team import FILE" in view.no_team.text_label.text()
    save_png(view, "team_empty.png", tmp_path)

    monkeypatch.setattr(TeamDialog, "ask", classmethod(lambda cls, *a: Team(0, "Infra", "UTC")))
    with qtbot.waitSignal(view.changed):
        qtbot.mouseClick(view.no_team.button, Qt.MouseButton.LeftButton)
    assert view.pages.currentWidget() is view.tabs
    assert view.team_pick.currentText() == "Infra"
    view.tabs.setCurrentIndex(1)
    assert view.editor_pages.currentWidget() is view.no_rotations
    assert view.no_rotations.title_label.text() == "No rotations yet"


def test_add_engineer_through_the_form(qtbot, team_view, seeded_team, tmp_path):
    view = team_view
    qtbot.mouseClick(view.add_engineer_button, Qt.MouseButton.LeftButton)
    form = view.engineer_form
    assert form is not None
    assert form.isVisible()
    qtbot.keyClicks(form.name, "Bo Chen")
    qtbot.keyClicks(form.handle, "bo")
    qtbot.keyClicks(form.email, "bo@example.com")
    form.zone.edit.clear()
    qtbot.keyClicks(form.zone.edit, "sydn")
    popup = form.zone.completer.popup()
    qtbot.waitUntil(popup.isVisible)
    assert form.zone.completer.currentCompletion() == "Australia/Sydney"
    qtbot.keyClick(popup, Qt.Key.Key_Down)
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    assert form.zone.zone() == "Australia/Sydney"
    qtbot.keyClicks(form.country, "au")
    qtbot.keyClicks(form.region, "nsw")
    save_png(form, "team_engineer_form.png", tmp_path)
    with qtbot.waitSignal(view.changed):
        qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    assert not form.isVisible()

    assert "Bo Chen" in column(view.engineer_table, 0)
    row = column(view.engineer_table, 0).index("Bo Chen")
    # Sydney is 11 hours ahead of UTC in November: 21:00 on Monday.
    assert view.engineer_table.model().index(row, 2).data() == "Australia/Sydney  (Mon 21:00)"
    with seeded_team.ctx.sessions.begin() as s:
        bo = queries.find_engineer(s, "bo")
        members = {e.handle for e in queries.team_engineers(s, seeded_team.team.id)}
    assert bo is not None
    assert (bo.zone, bo.country, bo.region, bo.email) == (
        "Australia/Sydney",
        "AU",
        "NSW",
        "bo@example.com",
    )
    assert "bo" in members

    # Undo takes them off the team; redo brings back the same person.
    view.undo.undo()
    assert "Bo Chen" not in column(view.engineer_table, 0)
    view.undo.redo()
    assert "Bo Chen" in column(view.engineer_table, 0)
    with seeded_team.ctx.sessions.begin() as s:
        again = queries.find_engineer(s, "bo")
    assert again is not None
    assert again.id == bo.id
    assert again.active


def test_invalid_engineer_shows_errors_and_keeps_the_text(qtbot, team_view, seeded_team):
    view = team_view
    form = view.add_engineer()
    qtbot.keyClicks(form.name, "Ada Twin")
    qtbot.keyClicks(form.handle, "ada")  # taken by Ada Lovelace
    form.zone.edit.clear()
    qtbot.keyClicks(form.zone.edit, "Atlantis")
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    assert "zone" in form.visible_errors()
    assert form.isVisible()
    assert form.zone.text() == "Atlantis"

    form.zone.edit.clear()
    qtbot.keyClicks(form.zone.edit, "Europe/Paris")
    with qtbot.assertNotEmitted(view.changed):
        qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    errors = form.visible_errors()
    assert set(errors) == {"handle"}
    assert "already" in errors["handle"]
    assert form.isVisible()
    assert (form.name.text(), form.handle.text()) == ("Ada Twin", "ada")
    assert view.undo.count() == 0  # a refused edit leaves no undo step
    form.reject()


def test_deactivate_and_undo(qtbot, team_view, seeded_team):
    view = team_view
    names = column(view.engineer_table, 0)
    view.engineer_table.setCurrentIndex(
        view.engineer_table.model().index(names.index("Dev Patel"), 0)
    )
    qtbot.mouseClick(view.deactivate_button, Qt.MouseButton.LeftButton)
    assert "Dev Patel (inactive)" in column(view.engineer_table, 0)
    assert "still on the Primary, Secondary roster" in view.status.text()
    view.undo.undo()
    assert "Dev Patel" in column(view.engineer_table, 0)
    with seeded_team.ctx.sessions.begin() as s:
        assert queries.find_engineer(s, "dev").active


def test_leave_that_meets_a_shift_is_listed_as_a_conflict(
    qtbot, team_view, seeded_team, monkeypatch, tmp_path
):
    view = team_view
    carmen = seeded_team.engineer("carmen")
    # Carmen holds the primary week from Mon 16 Nov 09:00 UTC; she is away Wed-Thu.
    start, end = leave_interval(date(2026, 11, 18), date(2026, 11, 19), carmen.zone)
    leave = Leave(0, carmen.id, start, end, LeaveKind.VACATION, "Wedding")
    monkeypatch.setattr(LeaveDialog, "ask", classmethod(lambda cls, *a, **k: leave))
    view.tabs.setCurrentIndex(3)
    assert view.conflict_model.rowCount() == 0
    with qtbot.waitSignal(view.changed):
        qtbot.mouseClick(view.add_leave_button, Qt.MouseButton.LeftButton)

    assert column(view.leave_table, 0) == ["Carmen Diaz"]
    assert column(view.leave_table, 2) == ["Wed 18 Nov 2026"]
    assert column(view.leave_table, 3) == ["Thu 19 Nov 2026"]
    hit = [c for c in view.conflicts if c.shift.role is Role.PRIMARY]
    assert [c.shift.engineer_id for c in hit] == [carmen.id]
    assert hit[0].shift.start <= start
    assert hit[0].shift.end >= end
    assert "Carmen Diaz" in column(view.conflict_table, 0)
    assert "meet" in view.conflict_title.text()
    save_png(view, "team_leave.png", tmp_path)

    view.undo.undo()
    assert view.leave_model.rowCount() == 0
    assert view.conflict_model.rowCount() == 0
    view.undo.redo()
    assert column(view.leave_table, 0) == ["Carmen Diaz"]
    # Removing it (Delete key on the table) is undoable too.
    view.leave_table.setCurrentIndex(view.leave_table.model().index(0, 0))
    view.leave_table.setFocus()
    qtbot.keyClick(view.leave_table, Qt.Key.Key_Delete)
    assert view.leave_model.rowCount() == 0
    with seeded_team.ctx.sessions.begin() as s:
        assert queries.list_leave(s) == []


def test_override_shows_the_diff_then_saves_and_undoes(
    qtbot, team_view, seeded_team, monkeypatch, tmp_path
):
    view = team_view
    ada = seeded_team.engineer("ada")
    start = datetime(2026, 11, 20, 9, tzinfo=UTC)
    draft = OverrideDraft(ada.id, Role.PRIMARY, start, start + timedelta(days=1))
    monkeypatch.setattr(OverrideDialog, "ask", classmethod(lambda cls, *a, **k: draft))
    seen = []
    monkeypatch.setattr(
        ChangePreviewDialog,
        "ask",
        classmethod(lambda cls, p, diffs, e, **k: seen.append(diffs) or True),
    )
    view.tabs.setCurrentIndex(2)
    with qtbot.waitSignal(view.changed):
        qtbot.mouseClick(view.add_override_button, Qt.MouseButton.LeftButton)
    by_id = {d.engineer_id: d for d in seen[0]}
    assert len(by_id[ada.id].gained) == 1
    assert by_id[ada.id].after.hours - by_id[ada.id].before.hours == pytest.approx(24)
    carmen = seeded_team.engineer("carmen")
    assert by_id[carmen.id].before.hours - by_id[carmen.id].after.hours == pytest.approx(24)
    assert column(view.override_table, 0) == ["Ada Lovelace"]
    assert column(view.override_table, 2) == ["Fri 20 Nov 09:00"]
    save_png(view, "team_overrides.png", tmp_path)
    with seeded_team.ctx.sessions.begin() as s:
        on_call = queries.on_call_at(s, start + timedelta(hours=1))
    assert ada.id in {sh.engineer_id for sh in on_call if sh.role is Role.PRIMARY}

    view.undo.undo()
    assert view.override_model.rowCount() == 0
    view.undo.redo()
    assert view.override_model.rowCount() == 1
    view.override_table.setCurrentIndex(view.override_table.model().index(0, 0))
    qtbot.mouseClick(view.remove_override_button, Qt.MouseButton.LeftButton)
    assert view.override_model.rowCount() == 0
    view.undo.undo()  # the removal
    assert column(view.override_table, 0) == ["Ada Lovelace"]


def test_engineers_tab_screenshot(qtbot, team_view, tmp_path):
    team_view.tabs.setCurrentIndex(0)
    assert column(team_view.engineer_table, 0) == [
        "Ada Lovelace",
        "Bao Nguyen",
        "Carmen Diaz",
        "Dev Patel",
    ]
    save_png(team_view, "team_engineers.png", tmp_path)


def test_leave_dialog_counts_whole_days_in_the_persons_zone(qtbot, seeded_team):
    bao = seeded_team.engineer("bao")
    dialog = LeaveDialog(seeded_team.engineers, date(2026, 12, 1), engineer_id=bao.id)
    qtbot.addWidget(dialog)
    dialog.last.setDate(dialog.last.date().addDays(2))
    leave = dialog.build()
    assert leave.engineer_id == bao.id
    # Singapore midnight is 16:00 UTC the day before; three whole days.
    assert leave.start == datetime(2026, 11, 30, 16, tzinfo=UTC)
    assert leave.end - leave.start == timedelta(days=3)
    dialog.last.setDate(dialog.first.date().addDays(-1))
    dialog.ok.click()
    assert dialog.error.text() == "The last day is before the first day."
    assert dialog.result() == 0  # still open: nothing was accepted
