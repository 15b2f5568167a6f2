"""The Schedule screen: zoom, layers, gaps, and adding or removing an override with undo."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QUndoStack

from oncall.db import commands, queries
from oncall.domain.model import Gap, Role, SourceKind, Team
from oncall.ui.change_preview import ChangePreviewDialog
from oncall.ui.override_dialog import OverrideDialog, OverrideDraft
from oncall.ui.schedule_view import ScheduleView, gap_summary

LONDON = ZoneInfo("Europe/London")


def london(month: int, day: int, hour: int = 0) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=LONDON).astimezone(UTC)


@pytest.fixture
def view(seeded_team, qtbot):
    ctx = seeded_team.ctx
    ctx.settings = ctx.settings.with_(viewer_zone="Europe/London", schedule_zoom="week")
    stack = QUndoStack()
    widget = ScheduleView(ctx, stack)
    widget.undo_stack_for_test = stack  # keep the stack alive as long as the view
    qtbot.addWidget(widget)
    widget.resize(1100, 600)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def row_labels(view: ScheduleView) -> list[str]:
    return [r.label for r in view.timeline.rows]


def test_zoom_changes_the_visible_range(view, qtbot):
    # "now" is Monday 16 November 2026, 10:00 London.
    assert view.visible_range() == (london(11, 16), london(11, 23))
    assert view.title.text() == "16 – 22 Nov 2026"
    qtbot.mouseClick(view.zoom_buttons["month"], Qt.MouseButton.LeftButton)
    assert view.visible_range() == (london(11, 1), london(12, 1))
    assert view.title.text() == "November 2026"
    qtbot.keyClick(view.timeline, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert view.zoom == "quarter"
    assert view.visible_range() == (london(10, 1), datetime(2027, 1, 1, tzinfo=UTC))
    assert view.timeline.visible_range == view.visible_range()
    qtbot.keyClick(view.timeline, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    assert view.zoom == "month"
    assert view.ctx.settings.schedule_zoom == "month"  # remembered


def test_previous_next_and_today(view, qtbot):
    qtbot.mouseClick(view.next_button, Qt.MouseButton.LeftButton)
    assert view.visible_range() == (london(11, 23), london(11, 30))
    qtbot.keyClick(view.timeline, Qt.Key.Key_PageUp)
    qtbot.keyClick(view.timeline, Qt.Key.Key_PageUp)
    assert view.visible_range() == (london(11, 9), london(11, 16))
    qtbot.mouseClick(view.today_button, Qt.MouseButton.LeftButton)
    assert view.visible_range() == (london(11, 16), london(11, 23))


def test_final_view_has_a_row_per_person_and_a_gaps_row(view, seeded_team):
    assert row_labels(view) == [
        "Ada Lovelace",
        "Bao Nguyen",
        "Carmen Diaz",
        "Dev Patel",
        "Gaps",
    ]
    carmen = seeded_team.engineer("carmen")
    carmen_row = view.timeline.rows[2]
    primary = [x for x in carmen_row.shifts if x.role is Role.PRIMARY]
    assert [(x.start, x.end) for x in primary] == [(london(11, 16, 9), london(11, 23))]
    assert all(x.engineer_id == carmen.id for x in carmen_row.shifts)
    assert view.gap_label.text() == "No gaps"


def test_layers_view_shows_one_row_per_rotation_then_overrides_and_final(view, qtbot):
    qtbot.mouseClick(view.layers_button, Qt.MouseButton.LeftButton)
    assert row_labels(view) == [
        "Primary",
        "Secondary",
        "Overrides",
        "Final · primary",
        "Final · secondary",
    ]
    primary, secondary = view.timeline.rows[0], view.timeline.rows[1]
    assert primary.shifts
    assert {x.source.rotation_id for x in primary.shifts} == {view.plan.rotations[0].id}
    assert len(secondary.shifts) == 8  # daily handoffs at 09:00: a part-day, six, a part-day
    qtbot.mouseClick(view.final_button, Qt.MouseButton.LeftButton)
    assert row_labels(view)[-1] == "Gaps"


def test_gap_text_counts_uncovered_time(view, seeded_team):
    seeded_team.ctx.edit(
        seeded_team.team.id,
        lambda s: commands.end_rotation(s, seeded_team.primary.id, london(11, 20, 9)),
    )
    view.refresh()
    # Primary ends Friday 09:00: nobody is primary until the week ends (Mon 00:00).
    assert view.gap_label.text() == "1 gap, 2 days 15 h uncovered"
    gaps_row = view.timeline.rows[-1]
    assert [(g.start, g.end) for g in gaps_row.gaps] == [(london(11, 20, 9), london(11, 23))]


def test_gap_summary_words_clip_to_the_range():
    start, end = london(11, 1), london(11, 2)
    assert gap_summary([], start, end) == "No gaps"
    gaps = [
        Gap(1, Role.PRIMARY, london(10, 31, 20), london(11, 1, 2)),  # 2 h inside
        Gap(1, Role.SECONDARY, london(11, 1, 3), london(11, 1, 10)),
        Gap(1, Role.PRIMARY, london(11, 2, 3), london(11, 2, 4)),  # outside
    ]
    assert gap_summary(gaps, start, end) == "2 gaps, 9 h uncovered"
    assert gap_summary(gaps[:1], london(11, 1, 1), end) == "1 gap, 1 h uncovered"


def test_drag_adds_an_override_after_the_preview_and_undo_redo_follow(
    view, seeded_team, qtbot, monkeypatch
):
    bao, carmen = seeded_team.engineer("bao"), seeded_team.engineer("carmen")
    start, end = london(11, 17, 12), london(11, 17, 18)
    asked: dict[str, object] = {}

    def fake_override_ask(parent, engineers, a, b, zone, role):
        asked.update(start=a, end=b, zone=zone, role=role, people={e.id for e in engineers})
        return OverrideDraft(bao.id, Role.PRIMARY, a, b, "Carmen at the dentist")

    def fake_preview_ask(parent, diffs, engineers, **options):
        asked["diffs"] = diffs
        return True

    monkeypatch.setattr(OverrideDialog, "ask", staticmethod(fake_override_ask))
    monkeypatch.setattr(ChangePreviewDialog, "ask", staticmethod(fake_preview_ask))

    timeline = view.timeline
    y = int(timeline.row_rect(row_labels(view).index("Carmen Diaz")).center().y())
    x0, x1 = round(timeline.x_for(start)), round(timeline.x_for(end))
    with qtbot.waitSignal(view.changed):
        qtbot.mousePress(timeline, Qt.MouseButton.LeftButton, pos=QPoint(x0, y))
        qtbot.mouseMove(timeline, QPoint(x1, y))
        qtbot.mouseRelease(timeline, Qt.MouseButton.LeftButton, pos=QPoint(x1, y))

    assert (asked["start"], asked["end"], asked["zone"]) == (start, end, "Europe/London")
    assert {bao.id, carmen.id} <= asked["people"]
    changes = {d.engineer_id: d for d in asked["diffs"] if d.changed}
    assert changes[bao.id].after.hours - changes[bao.id].before.hours == pytest.approx(6)
    assert changes[carmen.id].after.hours - changes[carmen.id].before.hours == pytest.approx(-6)

    def bao_override_in_ledger() -> list:
        with seeded_team.ctx.sessions.begin() as s:
            return [
                x
                for x in queries.ledger(s, seeded_team.team.id, start, end)
                if x.source.kind is SourceKind.OVERRIDE and x.engineer_id == bao.id
            ]

    def on_screen() -> list:
        bao_row = timeline.rows[row_labels(view).index("Bao Nguyen")]
        return [x for x in bao_row.shifts if x.source.kind is SourceKind.OVERRIDE]

    assert [(x.start, x.end) for x in bao_override_in_ledger()] == [(start, end)]
    assert [(x.start, x.end) for x in on_screen()] == [(start, end)]
    assert "Carmen at the dentist" in timeline.tooltip_at(
        timeline.shift_rects(on_screen()[0])[0].center()
    )
    stack = view.undo_stack_for_test
    assert stack.undoText() == "Add override for Bao"

    with qtbot.waitSignal(view.changed):
        stack.undo()
    assert bao_override_in_ledger() == []
    assert on_screen() == []

    with qtbot.waitSignal(view.changed):
        stack.redo()
    assert [(x.start, x.end) for x in bao_override_in_ledger()] == [(start, end)]
    assert len(on_screen()) == 1


def test_cancelling_the_preview_saves_nothing(view, seeded_team, monkeypatch, qtbot):
    bao = seeded_team.engineer("bao")
    monkeypatch.setattr(
        OverrideDialog,
        "ask",
        staticmethod(lambda p, e, a, b, z, r: OverrideDraft(bao.id, Role.PRIMARY, a, b)),
    )
    monkeypatch.setattr(ChangePreviewDialog, "ask", staticmethod(lambda *a, **k: False))
    with qtbot.assertNotEmitted(view.changed):
        saved = view.add_override_for(london(11, 18, 9), london(11, 18, 17), Role.PRIMARY)
    assert saved is False
    with seeded_team.ctx.sessions.begin() as s:
        assert queries.list_overrides(s, seeded_team.team.id) == []
    assert view.undo_stack_for_test.count() == 0


def test_delete_key_removes_the_selected_override_undoably(view, seeded_team, monkeypatch, qtbot):
    dev = seeded_team.engineer("dev")
    monkeypatch.setattr(ChangePreviewDialog, "ask", staticmethod(lambda *a, **k: True))
    start, end = london(11, 19, 9), london(11, 19, 21)
    assert view.save_override(OverrideDraft(dev.id, Role.PRIMARY, start, end))

    timeline = view.timeline
    dev_row = timeline.rows[row_labels(view).index("Dev Patel")]
    override = next(x for x in dev_row.shifts if x.source.kind is SourceKind.OVERRIDE)
    qtbot.mouseClick(
        timeline,
        Qt.MouseButton.LeftButton,
        pos=timeline.shift_rects(override)[0].center().toPoint(),
    )
    assert timeline.current_shift() == override
    with qtbot.waitSignal(view.changed):
        qtbot.keyClick(timeline, Qt.Key.Key_Delete)

    def overrides() -> list:
        with seeded_team.ctx.sessions.begin() as s:
            return queries.list_overrides(s, seeded_team.team.id)

    assert overrides() == []
    assert view.undo_stack_for_test.undoText() == "Remove override for Dev"
    with qtbot.waitSignal(view.changed):
        view.undo_stack_for_test.undo()
    assert [(o.engineer_id, o.start, o.end) for o in overrides()] == [(dev.id, start, end)]


def test_empty_states(ctx, qtbot):
    ctx.settings = ctx.settings.with_(viewer_zone="Europe/London")
    widget = ScheduleView(ctx, QUndoStack())
    qtbot.addWidget(widget)
    assert widget.stack.currentWidget() is widget.empty
    assert widget.empty.title_label.text() == "No teams yet"
    with ctx.sessions.begin() as s:
        commands.add_team(s, Team(0, "Search", "Europe/London"))
    widget.refresh()
    assert widget.stack.currentWidget() is widget.empty
    assert widget.empty.title_label.text() == "No rotations yet"


def test_team_picker_appears_with_several_teams(view, seeded_team):
    assert view.team_box.isHidden()
    with seeded_team.ctx.sessions.begin() as s:
        other = commands.add_team(s, Team(0, "Search", "Europe/London"))
    view.refresh()
    assert not view.team_box.isHidden()
    view.set_team(other.id)
    assert view.stack.currentWidget() is view.empty


def test_screenshots_of_each_zoom_and_layers(view, qtbot, tmp_path):
    out = Path(os.environ.get("ONCALL_SCREENSHOT_DIR", tmp_path))
    out.mkdir(parents=True, exist_ok=True)
    with view.ctx.sessions.begin() as s:
        dev = view.engineers[next(i for i, e in view.engineers.items() if e.handle == "dev")]
        commands.add_override(
            s,
            commands_override(view, dev.id, london(11, 18, 13), london(11, 19, 9), "Swap of days"),
        )
    view.ctx.edit(view.team_id, lambda s: None)
    view.refresh()
    shots = {}
    for zoom in ("week", "month", "quarter"):
        view.set_zoom(zoom)
        shots[zoom] = view.grab().toImage()
    view.set_zoom("month")
    view.set_mode("layers")
    shots["layers"] = view.grab().toImage()
    for name, image in shots.items():
        sampled = {
            image.pixel(x, y)
            for x in range(0, image.width(), 7)
            for y in range(0, image.height(), 7)
        }
        assert len(sampled) > 10, f"{name} rendered blank"
        assert image.save(str(out / f"schedule_{name}.png"))


def commands_override(view, engineer_id, start, end, note):
    from oncall.domain.model import Override

    return Override(
        0,
        view.team_id,
        engineer_id,
        start,
        end,
        view.ctx.clock() - timedelta(hours=1),
        Role.PRIMARY,
        note,
    )
