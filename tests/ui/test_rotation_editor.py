"""The rotation editor: live preview, per-person diff before save, versions, undo."""

from __future__ import annotations

from datetime import timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QUndoStack

from oncall.db import queries
from oncall.domain.model import Role
from oncall.ui.change_preview import ChangePreviewDialog
from oncall.ui.rotation_editor import FROM_NOW_ON
from oncall.ui.team_view import TeamView
from tests.ui.shots import save_png


@pytest.fixture
def view(qtbot, seeded_team):
    seeded_team.ctx.settings = seeded_team.ctx.settings.with_(viewer_zone="Europe/London")
    view = TeamView(seeded_team.ctx, QUndoStack())
    qtbot.addWidget(view)
    view.resize(1400, 900)
    view.show()
    qtbot.waitExposed(view)
    view.tabs.setCurrentIndex(1)
    return view


@pytest.fixture
def asked(monkeypatch):
    """Replace the preview dialog: record what it would show, answer ``answer[0]``."""
    calls: list[list] = []
    answer = [True]

    def ask(cls, parent, diffs, engineers, **kw):
        calls.append(list(diffs))
        return answer[0]

    monkeypatch.setattr(ChangePreviewDialog, "ask", classmethod(ask))
    return calls, answer


def pick_member(editor, name: str) -> None:
    index = next(
        i
        for i in range(editor.member_pick.count())
        if editor.member_pick.itemText(i).startswith(name)
    )
    editor.member_pick.setCurrentIndex(index)
    editor.add_member.click()


def rotations(seeded_team):
    with seeded_team.ctx.sessions.begin() as s:
        return {r.name: r for r in queries.list_rotations(s, seeded_team.team.id)}


def ledger(seeded_team, start, end):
    with seeded_team.ctx.sessions.begin() as s:
        return queries.ledger(s, seeded_team.team.id, start, end)


def fill_new_rotation(qtbot, view):
    qtbot.mouseClick(view.new_rotation_button, Qt.MouseButton.LeftButton)
    editor = view.editor
    assert editor.title.text() == "New rotation"
    assert editor.from_now_on.isHidden()
    qtbot.keyClicks(editor.name, "Shadow")
    editor.role.setCurrentIndex(editor.role.findData(Role.SHADOW))
    pick_member(editor, "Bao Nguyen")
    pick_member(editor, "Dev Patel")
    return editor


def test_new_rotation_preview_diff_and_save(qtbot, view, seeded_team, asked, tmp_path):
    calls, _ = asked
    editor = fill_new_rotation(qtbot, view)
    bao, dev = seeded_team.engineer("bao"), seeded_team.engineer("dev")
    # The preview follows the form: weekly shifts from this Monday 09:00 London, bao then dev,
    # over four weeks from now (Mon 10:00), so the last is an hour of a fifth week.
    expected = [bao.id, dev.id] * 2 + [bao.id]
    qtbot.waitUntil(lambda: [s.engineer_id for s in editor.preview_shifts] == expected)
    assert editor.timeline is not None
    assert [r.label for r in editor.timeline.rows] == ["Bao Nguyen", "Dev Patel"]
    assert editor.shift_model.index(1, 0).data() == "Dev Patel"
    assert editor.shift_model.index(1, 1).data() == "Mon 23 Nov 09:00"
    assert editor.preview_status.text().startswith("5 shifts in the coming 4 weeks")

    # Typing changes the preview: daily shifts.
    editor.cadence_unit.setCurrentIndex(editor.cadence_unit.findData("days"))
    qtbot.waitUntil(lambda: len(editor.preview_shifts) == 29)
    editor.cadence_unit.setCurrentIndex(editor.cadence_unit.findData("weeks"))
    qtbot.waitUntil(lambda: len(editor.preview_shifts) == 5)
    save_png(view, "team_rotation_editor_new.png", tmp_path)

    with qtbot.waitSignal(view.changed):
        qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    diffs = {d.engineer_id: d for d in calls[0]}
    # Over 8 weeks from Mon 16 Nov 10:00: bao holds 5 shadow pieces (the first and last cut by
    # the window), dev 4 whole weeks; nobody else changes.
    assert len(diffs[bao.id].gained) == 5
    assert len(diffs[dev.id].gained) == 4
    assert diffs[dev.id].after.shifts - diffs[dev.id].before.shifts == 4
    hours = {i: sum((s.end - s.start for s in diffs[i].gained), timedelta()) for i in diffs}
    assert hours[bao.id] == hours[dev.id] == timedelta(hours=4 * 168)
    # Hours on call are a union: dev's gain is less where he is already primary or secondary.
    assert 0 < diffs[dev.id].after.hours - diffs[dev.id].before.hours < 4 * 168
    for handle in ("ada", "carmen"):
        assert not diffs[seeded_team.engineer(handle).id].changed

    shadow = rotations(seeded_team)["Shadow"]
    assert shadow.current.members == (bao.id, dev.id)
    now = seeded_team.now
    in_ledger = [
        s for s in ledger(seeded_team, now, now + timedelta(weeks=2)) if s.role is Role.SHADOW
    ]
    assert [s.engineer_id for s in in_ledger] == [bao.id, dev.id, bao.id]
    assert "Shadow" in [
        view.rotation_model.index(r, 0).data() for r in range(view.rotation_model.rowCount())
    ]

    # Undo: the rotation is gone from the list and its shifts from the ledger; redo restores.
    view.undo.undo()
    assert "Shadow" not in [r.name for r in view.rotation_model.rows()]
    assert not [
        s for s in ledger(seeded_team, now, now + timedelta(weeks=2)) if s.role is Role.SHADOW
    ]
    view.undo.redo()
    assert "Shadow" in [r.name for r in view.rotation_model.rows()]
    assert [
        s.engineer_id
        for s in ledger(seeded_team, now, now + timedelta(weeks=2))
        if s.role is Role.SHADOW
    ] == [bao.id, dev.id, bao.id]


def test_cancel_in_the_preview_saves_nothing(qtbot, view, seeded_team, asked):
    calls, answer = asked
    answer[0] = False
    editor = fill_new_rotation(qtbot, view)
    with qtbot.assertNotEmitted(view.changed):
        qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    assert len(calls) == 1
    assert "Shadow" not in rotations(seeded_team)
    assert view.undo.count() == 0
    assert editor.name.text() == "Shadow"  # what was typed is still there
    assert editor.member_ids() == (seeded_team.engineer("bao").id, seeded_team.engineer("dev").id)


def test_no_change_says_no_one_changes(qtbot, view, seeded_team, asked):
    calls, _ = asked
    view.rotation_table.setCurrentIndex(view.rotation_table.model().index(0, 0))
    assert view.editor.rotation.name == "Primary"
    qtbot.mouseClick(view.editor.save_button, Qt.MouseButton.LeftButton)
    assert not any(d.changed for d in calls[0])


def test_editing_a_rotation_keeps_past_shifts(qtbot, view, seeded_team, asked, tmp_path):
    now = seeded_team.now
    anchor = now - timedelta(days=14)
    past_before = [s for s in ledger(seeded_team, anchor, now) if s.end <= now]
    assert past_before
    row = [r.name for r in view.rotation_model.rows()].index("Primary")
    proxy = view.rotation_table.model()
    view.rotation_table.setCurrentIndex(
        next(
            proxy.index(i, 0)
            for i in range(proxy.rowCount())
            if proxy.index(i, 0).data() == "Primary"
        )
    )
    editor = view.editor
    assert row >= 0
    assert editor.title.text() == "Edit “Primary”"
    assert editor.from_now_on.text() == FROM_NOW_ON
    assert not editor.from_now_on.isHidden()
    # Take Carmen off the roster with the keyboard.
    carmen = seeded_team.engineer("carmen")
    editor.members.setCurrentRow(editor.member_ids().index(carmen.id))
    editor.members.setFocus()
    qtbot.keyClick(editor.members, Qt.Key.Key_Delete)
    assert carmen.id not in editor.member_ids()
    # ... and move Dev up with Ctrl+Up.
    dev = seeded_team.engineer("dev")
    editor.members.setCurrentRow(editor.member_ids().index(dev.id))
    qtbot.keyClick(editor.members, Qt.Key.Key_Up, Qt.KeyboardModifier.ControlModifier)
    ada, bao = seeded_team.engineer("ada"), seeded_team.engineer("bao")
    assert editor.member_ids() == (ada.id, dev.id, bao.id)
    # The preview follows: shifts still count from the anchor (Nov 2 is shift 0), so the week
    # in progress (shift 2) is now Bao's, then Ada's, then Dev's.
    qtbot.waitUntil(
        lambda: [s.engineer_id for s in editor.preview_shifts][:3] == [bao.id, ada.id, dev.id]
    )
    assert [r.label for r in editor.timeline.rows] == ["Ada Lovelace", "Dev Patel", "Bao Nguyen"]
    save_png(view, "team_rotation_editor_edit.png", tmp_path)

    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    primary = rotations(seeded_team)["Primary"]
    assert len(primary.versions) == 2
    assert primary.current.effective_from == now
    assert primary.current.members == (ada.id, dev.id, bao.id)
    past_after = [s for s in ledger(seeded_team, anchor, now) if s.end <= now]
    # Everything that had ended stays as it was; Carmen's week in progress now ends at the edit.
    assert [s for s in past_after if s.end < now] == past_before
    cut = [s for s in past_after if s.end == now and s.role is Role.PRIMARY]
    assert [(s.engineer_id, s.start) for s in cut] == [(carmen.id, now - timedelta(hours=1))]
    future = [
        s
        for s in ledger(seeded_team, now, now + timedelta(weeks=4))
        if s.role is Role.PRIMARY and s.start >= now
    ]
    assert carmen.id not in {s.engineer_id for s in future}

    view.undo.undo()
    assert len(rotations(seeded_team)["Primary"].versions) == 1
    assert editor.member_ids() == (ada.id, bao.id, carmen.id, dev.id)  # the editor follows
    view.undo.redo()
    assert rotations(seeded_team)["Primary"].current.members == (ada.id, dev.id, bao.id)
    assert [s for s in ledger(seeded_team, anchor, now) if s.end < now] == past_before


def test_restrictions_cross_midnight_and_change_the_preview(qtbot, view, seeded_team, asked):
    editor = fill_new_rotation(qtbot, view)
    qtbot.waitUntil(
        lambda: {s.engineer_id for s in editor.preview_shifts} == set(editor.member_ids())
    )
    qtbot.mouseClick(editor.add_window, Qt.MouseButton.LeftButton)
    row = editor.restriction_rows[0]
    row.start.setTime(row.start.time().fromString("22:00", "HH:mm"))
    row.end.setTime(row.end.time().fromString("06:00", "HH:mm"))
    for box in row.days:
        box.setChecked(True)
    assert row.note.text() == "(ends next day)"
    # Nights only: one 8-hour piece per night.
    qtbot.waitUntil(
        lambda: (
            editor.preview_shifts
            and all(s.end - s.start <= timedelta(hours=8) for s in editor.preview_shifts)
        )
    )
    assert len(editor.preview_shifts) == 28
    for box in row.days:
        box.setChecked(False)
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    assert "restrictions" in editor.visible_errors()


def test_invalid_input_shows_an_error_and_keeps_the_text(qtbot, view, seeded_team, asked):
    calls, _ = asked
    qtbot.mouseClick(view.new_rotation_button, Qt.MouseButton.LeftButton)
    editor = view.editor
    editor.zone.edit.clear()
    qtbot.keyClicks(editor.zone.edit, "Mars/Olympus")
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    errors = editor.visible_errors()
    assert set(errors) == {"name", "members", "zone"}
    assert errors["members"] == "Add at least one person."
    assert editor.zone.text() == "Mars/Olympus"
    assert "once" in editor.preview_status.text()
    assert calls == []
    qtbot.keyClicks(editor.name, "Night watch")
    assert "name" not in editor.visible_errors()
