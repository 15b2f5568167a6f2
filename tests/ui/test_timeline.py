"""The schedule timeline: geometry across DST, the now line, tooltips, drag and keyboard."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QHelpEvent
from PySide6.QtWidgets import QApplication, QToolTip

from oncall.domain.model import Engineer, Gap, Provenance, Role, Shift, SourceKind
from oncall.ui.timeline import TimelineRow, TimelineWidget

LONDON = ZoneInfo("Europe/London")
ADA = Engineer(1, "Ada Lovelace", "ada", "Europe/London")
GRACE = Engineer(2, "Grace Hopper", "grace", "America/New_York")
ENGINEERS = {1: ADA, 2: GRACE}
# The week in which Europe/London springs forward (Sunday 30 March 2025, 01:00 UTC).
WEEK_START = datetime(2025, 3, 24, tzinfo=LONDON).astimezone(UTC)
WEEK_END = datetime(2025, 3, 31, tzinfo=LONDON).astimezone(UTC)


def london(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 3, day, hour, minute, tzinfo=LONDON).astimezone(UTC)


def shift(
    eid: int, start: datetime, end: datetime, kind: SourceKind = SourceKind.ROTATION
) -> Shift:
    source = (
        Provenance(kind, rotation_id=7, rotation_version=2)
        if kind is SourceKind.ROTATION
        else Provenance(kind, override_id=3)
    )
    return Shift(1, Role.PRIMARY, eid, start, end, source)


# Daily handoffs at 09:00 London time through the DST change.
ADA_DAYS = tuple(shift(1, london(d, 9), london(d + 1, 9)) for d in (24, 26, 28, 30))
GRACE_DAYS = tuple(shift(2, london(d, 9), london(d + 1, 9)) for d in (25, 27, 29))


@pytest.fixture
def timeline(qtbot) -> TimelineWidget:
    widget = TimelineWidget()
    qtbot.addWidget(widget)
    widget.resize(1000, 300)
    widget.set_rows(
        [
            TimelineRow("Ada Lovelace", "Europe/London", ADA_DAYS, key=1),
            TimelineRow("Grace Hopper", "America/New_York", GRACE_DAYS, key=2),
            TimelineRow(
                "Gaps",
                "1 gap",
                (),
                (Gap(1, Role.PRIMARY, london(31, 9), london(31, 10)),),
                key="gaps",
            ),
        ],
        WEEK_START,
        WEEK_END,
        london(26, 12),
        "Europe/London",
        ENGINEERS,
        rotation_names={7: "Primary"},
        team_names={1: "Payments"},
    )
    return widget


def plot_span(widget: TimelineWidget) -> tuple[float, float]:
    """The plot's left edge and width, read from where the range's ends are drawn."""
    left = widget.x_for(WEEK_START)
    return left, widget.x_for(WEEK_END) - left


def test_dst_week_is_167_hours_and_its_sunday_is_shorter(timeline):
    left, width = plot_span(timeline)
    assert width > 500
    per_hour = width / 167  # the London week holding the spring-forward has 167 hours

    ada_monday = timeline.shift_rects(ADA_DAYS[0])[0]
    assert ada_monday.left() == pytest.approx(left + 9 * per_hour, abs=1)
    assert ada_monday.width() == pytest.approx(24 * per_hour, abs=1.5)

    # Saturday 09:00 to Sunday 09:00 London time holds only 23 hours.
    saturday_shift = timeline.shift_rects(GRACE_DAYS[2])[0]
    assert saturday_shift.width() == pytest.approx(23 * per_hour, abs=1.5)
    assert saturday_shift.width() < ada_monday.width() - per_hour / 2
    # A shift running past the range is clipped at its edge.
    sunday_shift = timeline.shift_rects(ADA_DAYS[3])[0]
    assert sunday_shift.right() == pytest.approx(left + width, abs=1.5)

    # Day lines sit on local midnights; the Sunday column is 23/24 of the Saturday one.
    days = timeline.day_boundaries()
    assert [m.astimezone(LONDON).day for m, _ in days] == [24, 25, 26, 27, 28, 29, 30]
    assert days[0][1] == pytest.approx(left)
    xs = [x for _, x in days] + [left + width]
    saturday, sunday_col = xs[6] - xs[5], xs[7] - xs[6]
    assert sunday_col == pytest.approx(saturday * 23 / 24, abs=0.5)


def test_now_line_sits_at_now_and_disappears_outside_the_range(timeline):
    left, width = plot_span(timeline)
    # Wednesday 12:00 GMT is 60 hours into the 167-hour week.
    assert timeline.now_x() == pytest.approx(left + width * 60 / 167, abs=0.5)

    rows = timeline.rows
    timeline.set_rows(rows, WEEK_START, WEEK_END, london(31, 12), "Europe/London", ENGINEERS)
    assert timeline.now_x() is None


def test_tooltip_names_person_role_provenance_and_both_zones(timeline, qtbot):
    rect = timeline.shift_rects(GRACE_DAYS[0])[0]
    text = timeline.tooltip_at(rect.center())
    assert "Grace Hopper" in text
    assert "primary" in text
    assert "Team Payments" in text
    assert "Primary v2" in text
    # 09:00 in London is 05:00 in New York (the US is already on summer time).
    assert "Tue 25 Mar 09:00" in text
    assert "Europe/London" in text
    assert "Tue 25 Mar 05:00" in text
    assert "America/New_York" in text

    # A real hover shows the same text.
    pos = rect.center().toPoint()
    event = QHelpEvent(QHelpEvent.Type.ToolTip, pos, timeline.mapToGlobal(pos))
    QApplication.sendEvent(timeline, event)
    qtbot.waitUntil(QToolTip.isVisible)
    assert "America/New_York" in QToolTip.text()
    QToolTip.hideText()


def test_gap_tooltip_says_how_long_nobody_is_on_call(timeline):
    rows = timeline.rows
    timeline.set_rows(
        rows, WEEK_START, WEEK_END + timedelta(days=1), london(26, 12), "Europe/London", ENGINEERS
    )
    x = timeline.x_for(london(31, 9, 30))
    y = timeline.row_rect(2).center().y()
    text = timeline.tooltip_at(QPointF(x, y))
    assert "nobody on call as primary" in text
    assert "1 h uncovered" in text


def test_override_tooltip_says_override(qtbot):
    widget = TimelineWidget()
    qtbot.addWidget(widget)
    widget.resize(800, 200)
    cover = shift(2, london(25, 9), london(25, 17), SourceKind.OVERRIDE)
    widget.set_rows(
        [TimelineRow("Grace", "", (cover,), key=2)],
        WEEK_START,
        WEEK_END,
        london(24, 0),
        "Europe/London",
        ENGINEERS,
        override_notes={3: "covering Ada's dentist"},
    )
    text = widget.tooltip_at(widget.shift_rects(cover)[0].center())
    assert "Override: covering Ada's dentist" in text


def test_drag_across_a_row_selects_an_aware_range_snapped_to_hours(timeline, qtbot):
    y = int(timeline.row_rect(1).center().y())
    start_x = round(timeline.x_for(london(25, 10)))
    end_x = round(timeline.x_for(london(26, 14)))
    with qtbot.waitSignal(timeline.range_selected) as blocker:
        qtbot.mousePress(timeline, Qt.MouseButton.LeftButton, pos=QPoint(start_x, y))
        qtbot.mouseMove(timeline, QPoint((start_x + end_x) // 2, y))
        qtbot.mouseMove(timeline, QPoint(end_x, y))
        qtbot.mouseRelease(timeline, Qt.MouseButton.LeftButton, pos=QPoint(end_x, y))
    start, end, key = blocker.args
    assert start.tzinfo is not None
    assert end.tzinfo is not None
    assert (start, end, key) == (london(25, 10), london(26, 14), 2)


def test_a_click_without_dragging_selects_no_range(timeline, qtbot):
    rect = timeline.shift_rects(ADA_DAYS[1])[0]
    with qtbot.assertNotEmitted(timeline.range_selected):
        qtbot.mouseClick(timeline, Qt.MouseButton.LeftButton, pos=rect.center().toPoint())
    assert timeline.current_shift() == ADA_DAYS[1]


def test_double_click_activates_the_shift(timeline, qtbot):
    rect = timeline.shift_rects(GRACE_DAYS[1])[0]
    with qtbot.waitSignal(timeline.shift_activated) as blocker:
        qtbot.mouseDClick(timeline, Qt.MouseButton.LeftButton, pos=rect.center().toPoint())
    assert blocker.args == [GRACE_DAYS[1]]


def test_keyboard_moves_between_shifts_and_rows_and_enter_activates(timeline, qtbot):
    timeline.show()
    qtbot.waitExposed(timeline)
    timeline.setFocus()
    # The cursor starts on the shift in progress now (Wednesday noon: Ada's Wednesday).
    assert timeline.current_shift() == ADA_DAYS[1]
    qtbot.keyClick(timeline, Qt.Key.Key_Right)
    assert timeline.current_shift() == ADA_DAYS[2]
    qtbot.keyClick(timeline, Qt.Key.Key_Left)
    qtbot.keyClick(timeline, Qt.Key.Key_Left)
    assert timeline.current_shift() == ADA_DAYS[0]
    qtbot.keyClick(timeline, Qt.Key.Key_Down)  # Grace's shift nearest Monday 09:00
    assert timeline.current_shift() == GRACE_DAYS[0]
    qtbot.keyClick(timeline, Qt.Key.Key_End)
    assert timeline.current_shift() == GRACE_DAYS[-1]
    with qtbot.waitSignal(timeline.shift_activated) as blocker:
        qtbot.keyClick(timeline, Qt.Key.Key_Return)
    assert blocker.args == [GRACE_DAYS[-1]]


def test_shift_arrows_then_enter_select_a_range(timeline, qtbot):
    timeline.setFocus()
    qtbot.keyClick(timeline, Qt.Key.Key_Down)  # Grace's Tuesday shift, nearest Wednesday noon
    cursor = timeline.current_shift()
    assert cursor is not None
    for _ in range(3):
        qtbot.keyClick(timeline, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClick(timeline, Qt.Key.Key_Left, Qt.KeyboardModifier.ShiftModifier)
    with qtbot.waitSignal(timeline.range_selected) as blocker:
        qtbot.keyClick(timeline, Qt.Key.Key_Return)
    start, end, key = blocker.args
    assert key == 2
    assert start == max(cursor.start, WEEK_START)
    assert end - start == timedelta(hours=2)
    assert timeline.selection() is not None
    qtbot.keyClick(timeline, Qt.Key.Key_Escape)
    assert timeline.selection() is None


def test_empty_timeline_paints_a_message_and_has_a_size(qtbot):
    widget = TimelineWidget()
    qtbot.addWidget(widget)
    widget.set_rows([], WEEK_START, WEEK_END, WEEK_START, "Europe/London", {})
    assert widget.sizeHint().height() > 0
    assert widget.current_shift() is None
    image = widget.grab().toImage()
    assert not image.isNull()
    qtbot.keyClick(widget, Qt.Key.Key_Right)  # nothing to move to; must not fail


def test_rows_and_labels_grow_with_the_font(timeline):
    small_row = timeline.row_rect(0).height()
    small_hint = timeline.sizeHint()
    font = timeline.font()
    font.setPointSizeF(font.pointSizeF() * 2)
    timeline.setFont(font)
    assert timeline.row_rect(0).height() >= 1.8 * small_row
    assert timeline.sizeHint().height() > 1.8 * small_hint.height() - 10
    # Names still fit in their blocks at double size where the block is wide enough.
    rect = timeline.shift_rects(ADA_DAYS[0])[0]
    assert rect.height() > timeline.fontMetrics().height()
