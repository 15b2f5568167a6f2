"""Leave on the schedule timeline: a band in the person's row with its kind in words, tooltips in
both zones, the shift it meets marked, readable in the Light and Night themes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtGui import QColor, QPalette, QUndoStack
from PySide6.QtWidgets import QApplication

from oncall.db import commands
from oncall.domain.model import Engineer, Leave, LeaveKind, Provenance, Role, Shift, SourceKind
from oncall.ui import theme
from oncall.ui.schedule_view import ScheduleView
from oncall.ui.timeline import TimelineRow, TimelineWidget
from tests.ui.shots import save_png

LONDON = ZoneInfo("Europe/London")
ADA = Engineer(1, "Ada Lovelace", "ada", "Europe/London")
GRACE = Engineer(2, "Grace Hopper", "grace", "America/New_York")
ENGINEERS = {1: ADA, 2: GRACE}
WEEK_START = datetime(2025, 3, 24, tzinfo=LONDON).astimezone(UTC)
WEEK_END = datetime(2025, 3, 31, tzinfo=LONDON).astimezone(UTC)


def london(day: int, hour: int = 0) -> datetime:
    return datetime(2025, 3, day, hour, tzinfo=LONDON).astimezone(UTC)


def shift(eid: int, start: datetime, end: datetime) -> Shift:
    return Shift(1, Role.PRIMARY, eid, start, end, Provenance(SourceKind.ROTATION, 7, 1, 0))


ADA_SHIFT = shift(1, london(24, 9), london(26, 9))  # Mon 09:00 to Wed 09:00
GRACE_SHIFT = shift(2, london(26, 9), london(28, 9))
# Ada away from Tuesday to Thursday: meets the second half of her shift.
AWAY = Leave(1, 1, london(25), london(28), LeaveKind.VACATION, note="Lisbon")
SICK = Leave(2, 2, london(29), london(30), LeaveKind.SICK)


@pytest.fixture
def timeline(qtbot) -> TimelineWidget:
    widget = TimelineWidget()
    qtbot.addWidget(widget)
    widget.resize(1100, 300)
    widget.set_rows(
        [
            TimelineRow("Ada Lovelace", "", (ADA_SHIFT,), key=1),
            TimelineRow("Grace Hopper", "", (GRACE_SHIFT,), key=2),
            TimelineRow("Primary", "layer", (ADA_SHIFT, GRACE_SHIFT), key=("rotation", 7)),
        ],
        WEEK_START,
        WEEK_END,
        london(26, 12),
        "Europe/London",
        ENGINEERS,
        leave=(AWAY, SICK),
    )
    return widget


def test_leave_is_a_band_in_its_persons_row_below_the_shifts(timeline):
    (band,) = timeline.leave_rects(AWAY)
    row = timeline.row_rect(0)
    assert row.top() < band.top()
    assert band.bottom() <= row.bottom()
    # Its x-span is the leave's time; the shift above it is not hidden by it.
    assert band.left() == pytest.approx(timeline.x_for(AWAY.start), abs=1)
    assert band.right() == pytest.approx(timeline.x_for(AWAY.end), abs=1)
    (block,) = timeline.shift_rects(ADA_SHIFT)[:1]
    assert block.bottom() <= band.top()
    # Not colour alone: the band says what it is, and when.
    assert timeline.leave_text(AWAY) == "Leave · Tue 25 – Thu 27 Mar"
    assert timeline.leave_text(SICK) == "Sick · Sat 29 Mar"
    # Leave only goes in people's rows: the layer row has no band of its own.
    assert all(timeline.row_at(r.center().y()) in (0, 1) for r in timeline.leave_rects(SICK))


def test_rows_without_leave_keep_their_full_height(qtbot, timeline):
    plain = TimelineWidget()
    qtbot.addWidget(plain)
    plain.resize(1100, 300)
    plain.set_rows(
        [TimelineRow("Ada Lovelace", "", (ADA_SHIFT,), key=1)],
        WEEK_START,
        WEEK_END,
        london(26, 12),
        "Europe/London",
        ENGINEERS,
    )
    layer_row = timeline.shift_rects(GRACE_SHIFT)[-1]  # the layer row's block
    assert layer_row.height() == pytest.approx(plain.shift_rects(ADA_SHIFT)[0].height(), abs=1)
    assert timeline.shift_rects(ADA_SHIFT)[0].height() < layer_row.height()


def test_the_part_of_a_shift_that_meets_leave_is_marked_in_every_row(timeline):
    marks = timeline.conflict_rects(ADA_SHIFT)
    assert len(marks) == 2  # the person's row and the layer row
    for mark in marks:
        assert mark.left() == pytest.approx(timeline.x_for(AWAY.start), abs=1)
        assert mark.right() == pytest.approx(timeline.x_for(ADA_SHIFT.end), abs=1.5)
    assert timeline.conflict_rects(GRACE_SHIFT) == []  # Grace is sick only after her shift


def test_leave_tooltip_gives_both_zones_and_the_conflict(timeline):
    (band,) = timeline.leave_rects(AWAY)
    text = timeline.tooltip_at(band.center())
    assert text.splitlines() == [
        "Leave (vacation) — Ada Lovelace",
        "Tue 25 Mar 00:00 – Fri 28 Mar 00:00 (your time, Europe/London)",
        "Tue 25 Mar 00:00 – Fri 28 Mar 00:00 (Ada's time, Europe/London)",
        "3 days",
        "Note: Lisbon",
        "Meets a primary shift: a conflict to cover",
    ]
    (sick,) = timeline.leave_rects(SICK)
    lines = timeline.tooltip_at(sick.center()).splitlines()
    assert lines[0] == "Sick — Grace Hopper"
    assert lines[2] == "Fri 28 Mar 20:00 – Sat 29 Mar 20:00 (Grace's time, America/New_York)"


def test_shift_tooltip_says_its_engineer_is_away(timeline):
    text = timeline.tooltip_at(timeline.shift_rects(ADA_SHIFT)[0].center())
    assert "On vacation Tue 25 Mar 00:00 – Wed 26 Mar 09:00 (your time): a conflict to cover" in (
        text
    )
    assert "On " not in timeline.tooltip_at(timeline.shift_rects(GRACE_SHIFT)[0].center())


def pixel(widget, x: float, y: float) -> QColor:
    return widget.grab().toImage().pixelColor(int(x), int(y))


@pytest.mark.parametrize("night", [False, True], ids=["light", "night"])
def test_leave_band_and_mark_stand_out_in_both_themes(qtbot, timeline, night):
    if night:
        theme.apply_theme(QApplication.instance(), theme.NIGHT)
        qtbot.waitUntil(lambda: timeline.palette().color(QPalette.ColorRole.Base).lightness() < 90)
    base = timeline.palette().color(QPalette.ColorRole.Base)
    (band,) = timeline.leave_rects(SICK)
    # Right of the words, the band is visibly not the background.
    seen = pixel(timeline, band.right() - 4, band.center().y())
    assert abs(seen.lightness() - base.lightness()) + abs(seen.hue() - base.hue()) > 12
    # The conflict's bar under the marked part differs from the unmarked part of the shift.
    mark = timeline.conflict_rects(ADA_SHIFT)[0]
    block = timeline.shift_rects(ADA_SHIFT)[0]
    marked = pixel(timeline, mark.center().x(), mark.bottom() - 1)
    plain = pixel(timeline, block.left() + 3, mark.bottom() - 1)
    assert marked != plain


# --- on the Schedule screen ---------------------------------------------------------------


@pytest.fixture
def screen(qtbot, seeded_team):
    """The Schedule screen, week after now, with Ada on leave Tue-Thu (her secondary day is
    Wed 25 Nov) and Carmen sick on Friday."""
    ctx = seeded_team.ctx
    ctx.settings = ctx.settings.with_(viewer_zone="Europe/London", schedule_zoom="week")
    ada, carmen = seeded_team.engineer("ada"), seeded_team.engineer("carmen")
    tue = datetime(2026, 11, 24, tzinfo=UTC)
    for leave in (
        Leave(0, ada.id, tue, tue + timedelta(days=3), LeaveKind.VACATION, "Family visit"),
        Leave(0, carmen.id, tue + timedelta(days=3), tue + timedelta(days=4), LeaveKind.SICK),
    ):
        ctx.edit(seeded_team.team.id, lambda s, leave=leave: commands.add_leave(s, leave))
    view = ScheduleView(ctx, QUndoStack())
    view.undo_stack_for_test = view.undo
    qtbot.addWidget(view)
    view.resize(1200, 640)
    view.show()
    qtbot.waitExposed(view)
    view.step(1)
    return view


@pytest.mark.parametrize("night", [False, True], ids=["light", "night"])
def test_schedule_shows_leave_with_its_conflict(qtbot, screen, seeded_team, night, tmp_path):
    if night:  # switched while the screen is open, as View → Night does
        theme.apply_theme(QApplication.instance(), theme.NIGHT)
        qtbot.waitUntil(
            lambda: screen.timeline.palette().color(QPalette.ColorRole.Base).lightness() < 90
        )
    ada = seeded_team.engineer("ada")
    timeline = screen.timeline
    (away,) = [x for x in screen.plan.leave if x.engineer_id == ada.id]
    (band,) = timeline.leave_rects(away)
    assert timeline.rows[timeline.row_at(band.center().y())].label == "Ada Lovelace"
    assert timeline.leave_text(away) == "Leave · Tue 24 – Thu 26 Nov"
    ada_row = next(r for r in timeline.rows if r.label == "Ada Lovelace")
    hit = [x for x in ada_row.shifts if x.start < away.end and away.start < x.end]
    assert hit
    assert all(timeline.conflict_rects(x) for x in hit)
    # The conflict is still listed under the timeline with its Find cover button.
    assert screen.cover_buttons
    assert any("Ada Lovelace is on vacation" in b.accessibleName() for b in screen.cover_buttons)
    save_png(screen, f"schedule_leave_{'night' if night else 'light'}.png", tmp_path)


def test_someone_away_without_a_shift_still_gets_a_row(qtbot, seeded_team):
    ctx = seeded_team.ctx
    ctx.settings = ctx.settings.with_(viewer_zone="Europe/London", schedule_zoom="week")
    newcomer = Engineer(0, "Eve Okafor", "eve", "Africa/Lagos", "eve@example.com", "", "NG", "")
    start = datetime(2026, 11, 23, tzinfo=UTC)
    with ctx.sessions.begin() as s:
        eve = commands.add_engineer(s, newcomer, (seeded_team.team.id,))
    away = Leave(0, eve.id, start, start + timedelta(days=2), LeaveKind.RECOVERY)
    ctx.edit(seeded_team.team.id, lambda s: commands.add_leave(s, away))
    view = ScheduleView(ctx, QUndoStack())
    view.undo_stack_for_test = view.undo
    qtbot.addWidget(view)
    view.resize(1100, 500)
    view.show()
    qtbot.waitExposed(view)
    view.step(1)
    labels = [r.label for r in view.timeline.rows]
    assert "Eve Okafor" in labels  # no shift in view, but away: shown
    (eve_leave,) = [x for x in view.plan.leave if x.engineer_id == eve.id]
    assert view.timeline.leave_text(eve_leave) == "Recovery · Mon 23 – Tue 24 Nov"
    view.step(2)  # a week with neither shift nor leave: no row for Eve
    assert "Eve Okafor" not in [r.label for r in view.timeline.rows]
