"""The schedule timeline: rows of people or layers, time across, painted with QPainter.

Geometry (block rectangles, grid lines, labels) is computed once in ``set_rows`` and on resize;
``paintEvent`` only draws what meets the exposed rectangle, so a quarter of a dozen people
repaints in a millisecond or two. Time maps linearly from UTC instants to x, so a 23-hour
DST day is visibly shorter and a 167-hour weekly shift is exactly as long as it lasts.

Leave sits in a lane of its own at the bottom of the person's row (a dotted slate band with its
kind in words: "Leave", "Sick"), so a shift above it stays readable; where a shift meets its
engineer's leave, that part of the shift is cross-hatched with a bar underneath: the conflict
the list under the timeline asks to cover.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from PySide6.QtCore import QEvent, QLineF, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetrics,
    QHelpEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QPolygonF,
    QResizeEvent,
)
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from oncall.domain.model import Engineer, Gap, Leave, LeaveKind, Role, Shift, SourceKind

# Calm hues (degrees) for engineers; red is left out (alarm) and amber is kept for gaps.
_HUES = (210, 160, 265, 120, 190, 300, 230, 90, 330, 145, 250, 20)
_GAP_HUE = 40
_NOW_COLOUR = QColor(42, 127, 166)
_GRID_ALPHAS = (0.05, 0.09, 0.16, 0.28)  # hour, day, week, month lines
_HOLIDAY_INK = QColor.fromHsv(320, 150, 190)  # a quiet rose: not a gap's amber, not alarm red
# Leave: a calm slate, far from the engineers' saturated fills, the gap's amber and the rose.
_LEAVE_INK = QColor.fromHsv(215, 55, 150)
# Words, not colour alone: what a leave band says.
LEAVE_WORDS = {
    LeaveKind.VACATION: "Leave",
    LeaveKind.SICK: "Sick",
    LeaveKind.RECOVERY: "Recovery",
    LeaveKind.HOLIDAY: "Holiday",
}


def _blend(base: QColor, ink: QColor, alpha: float) -> QColor:
    """``ink`` at ``alpha`` over ``base``, as an opaque colour (fast to paint)."""
    return QColor.fromRgbF(
        *(
            b + (i - b) * alpha
            for b, i in (
                (base.redF(), ink.redF()),
                (base.greenF(), ink.greenF()),
                (base.blueF(), ink.blueF()),
            )
        )
    )


@dataclass(frozen=True)
class TimelineRow:
    """One row of the timeline: a person, a layer, or a summary such as "Gaps"."""

    label: str
    sublabel: str
    shifts: tuple[Shift, ...]
    gaps: tuple[Gap, ...] = ()
    key: object = None


@dataclass(frozen=True)
class TimelineHoliday:
    """A public holiday of one person in view: ``day`` in their country, ``[start, end)`` that
    day's midnights in their zone (UTC instants), so the band sits where the day is theirs."""

    day: date
    name: str
    engineer_id: int
    start: datetime
    end: datetime


@dataclass
class _Block:
    """A shift's precomputed place on screen."""

    row: int
    rect: QRectF
    shift: Shift
    fill: QColor
    text: str
    past: bool


@dataclass
class _GapBlock:
    row: int
    rect: QRectF
    gap: Gap
    text: str


@dataclass
class _LeaveBlock:
    """A leave's band in its person's row, and the words drawn in it."""

    row: int
    rect: QRectF
    leave: Leave
    text: str


@dataclass
class _Layout:
    """Every measurement a paint needs, derived from fonts, size and data."""

    pad: int = 4
    header_h: int = 40
    row_h: int = 40
    label_w: int = 120
    legend_h: int = 24
    plot_left: float = 120.0
    plot_right: float = 600.0
    lines: list[tuple[float, int]] = field(default_factory=list)  # x, strength 0..3
    weekends: list[tuple[float, float]] = field(default_factory=list)
    top_labels: list[tuple[QRectF, str]] = field(default_factory=list)
    day_labels: list[tuple[QRectF, str]] = field(default_factory=list)
    blocks: list[_Block] = field(default_factory=list)
    gap_blocks: list[_GapBlock] = field(default_factory=list)
    row_blocks: list[list[int]] = field(default_factory=list)  # indices into blocks, by start
    # Public holidays: a faint band in the person's row, a mark under the day labels.
    holiday_bands: list[tuple[int, QRectF, str]] = field(default_factory=list)
    holiday_marks: list[tuple[QRectF, QRectF, str]] = field(default_factory=list)  # mark, hover
    # Leave: the rows with a leave lane and how tall it is; bands; shift parts that meet leave.
    leave_rows: set[int] = field(default_factory=set)
    leave_lane_h: float = 0.0
    leave_blocks: list[_LeaveBlock] = field(default_factory=list)
    conflict_marks: list[tuple[int, QRectF]] = field(default_factory=list)  # block index, part


def _fmt_range(start: datetime, end: datetime, zone: ZoneInfo) -> str:
    a, b = start.astimezone(zone), end.astimezone(zone)
    left = f"{a:%a} {a.day} {a:%b} {a:%H:%M}"
    right = f"{b:%H:%M}" if a.date() == b.date() else f"{b:%a} {b.day} {b:%b} {b:%H:%M}"
    return f"{left} – {right}"


def _fmt_hours(seconds: float) -> str:
    hours = seconds / 3600
    if hours >= 48:
        return f"{hours / 24:.1f} days".replace(".0 ", " ")
    return f"{hours:.1f} h".replace(".0 ", " ")


def _lanes(shifts: Sequence[Shift]) -> list[int]:
    """A lane per shift (sorted by start) so overlapping shifts of one row sit one above the
    other instead of on top of each other: one band per role (a primary week above the
    secondary days), then as many lanes as overlaps within a role need."""
    roles = sorted({x.role for x in shifts}, key=lambda r: list(Role).index(r))
    out = [0] * len(shifts)
    base = 0
    for role in roles:
        ends: list[datetime] = []
        for i, x in enumerate(shifts):
            if x.role is not role:
                continue
            for lane, end in enumerate(ends):
                if end <= x.start:
                    ends[lane] = x.end
                    out[i] = base + lane
                    break
            else:
                ends.append(x.end)
                out[i] = base + len(ends) - 1
        base += len(ends)
    return out


class TimelineWidget(QWidget):
    """A fast timeline of shifts and gaps, one row per person or layer.

    Signals:
        range_selected(start, end, key): a range of one row was chosen by dragging, or with
            Shift+arrows then Enter; aware UTC datetimes and the row's ``key``.
        shift_activated(shift): a shift was double-clicked or Enter was pressed on it.
        current_changed(shift_or_none): the keyboard/click cursor moved.
    """

    range_selected = Signal(object, object, object)
    shift_activated = Signal(object)
    current_changed = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setAccessibleName("Schedule timeline")
        self._rows: tuple[TimelineRow, ...] = ()
        self._start = datetime(2000, 1, 1, tzinfo=UTC)
        self._end = self._start + timedelta(days=7)
        self._now = self._start
        self._zone = ZoneInfo("UTC")
        self._engineers: Mapping[int, Engineer] = {}
        self._rotation_names: Mapping[int, str] = {}
        self._team_names: Mapping[int, str] = {}
        self._override_notes: Mapping[int, str] = {}
        self._holidays: tuple[TimelineHoliday, ...] = ()
        self._leave: tuple[Leave, ...] = ()
        self._colours: dict[int, int] = {}
        self._layout = _Layout()
        self._cursor: tuple[int, int | None] = (0, None)  # row, index into that row's blocks
        self._cursor_time = self._start
        self._selection: tuple[int, datetime, datetime] | None = None
        self._kbd_anchor: datetime | None = None
        self._drag: tuple[int, datetime, float] | None = None
        self._hover: int | None = None
        self.empty_text = "Nothing scheduled in this range"

    # -- public API -------------------------------------------------------------------------

    def set_rows(
        self,
        rows: Sequence[TimelineRow],
        start: datetime,
        end: datetime,
        now: datetime,
        zone: str,
        engineers: Mapping[int, Engineer],
        *,
        rotation_names: Mapping[int, str] | None = None,
        team_names: Mapping[int, str] | None = None,
        override_notes: Mapping[int, str] | None = None,
        holidays: Sequence[TimelineHoliday] = (),
        leave: Sequence[Leave] = (),
    ) -> None:
        """Show ``rows`` over ``[start, end)`` in the viewer's ``zone`` (IANA name).

        ``rotation_names``, ``team_names`` and ``override_notes`` only enrich tooltips.
        ``holidays`` (of the people in view) are marked under the day labels and as a band in
        the person's row; hovering names the holiday and whose it is. ``leave`` is drawn in
        the rows of its people (rows keyed by engineer id), and marks any shift it meets.
        """
        if start.tzinfo is None or end.tzinfo is None or now.tzinfo is None:
            raise ValueError("timeline instants must be timezone-aware")
        if end <= start:
            end = start + timedelta(hours=1)
        previous = self.current_shift()
        self._rows = tuple(rows)
        self._start, self._end, self._now = start, end, now
        self._zone = ZoneInfo(zone or "UTC")
        self._engineers = dict(engineers)
        self._rotation_names = dict(rotation_names or {})
        self._team_names = dict(team_names or {})
        self._override_notes = dict(override_notes or {})
        self._holidays = tuple(holidays)
        self._leave = tuple(x for x in leave if x.end > start and x.start < end)
        self._colours = {eid: i % len(_HUES) for i, eid in enumerate(sorted(self._engineers))}
        self._selection = None
        self._kbd_anchor = None
        self._drag = None
        self._hover = None
        self._relayout()
        self._restore_cursor(previous)
        self.updateGeometry()
        self.update()

    @property
    def rows(self) -> tuple[TimelineRow, ...]:
        """The rows on show."""
        return self._rows

    @property
    def visible_range(self) -> tuple[datetime, datetime]:
        """The time range on show, ``[start, end)``."""
        return self._start, self._end

    def x_for(self, t: datetime) -> float:
        """The x coordinate of an instant (may lie outside the plot)."""
        lay = self._layout
        span = (self._end - self._start).total_seconds()
        frac = (t - self._start).total_seconds() / span
        return lay.plot_left + frac * (lay.plot_right - lay.plot_left)

    def time_at(self, x: float) -> datetime:
        """The instant at x, clamped to the visible range."""
        lay = self._layout
        width = max(1.0, lay.plot_right - lay.plot_left)
        frac = min(1.0, max(0.0, (x - lay.plot_left) / width))
        return self._start + (self._end - self._start) * frac

    def now_x(self) -> float | None:
        """Where the "now" line is drawn, or None when now is outside the range."""
        if self._start <= self._now < self._end:
            return self.x_for(self._now)
        return None

    def row_rect(self, row: int) -> QRectF:
        """The whole rectangle of one row, label column included."""
        lay = self._layout
        return QRectF(0, lay.header_h + row * lay.row_h, self.width(), lay.row_h)

    def row_at(self, y: float) -> int | None:
        """The row under y, if any."""
        lay = self._layout
        if y < lay.header_h:
            return None
        row = int((y - lay.header_h) // lay.row_h)
        return row if 0 <= row < len(self._rows) else None

    def shift_rects(self, shift: Shift) -> list[QRectF]:
        """Where a shift is drawn (one rectangle per row it appears in)."""
        return [QRectF(b.rect) for b in self._layout.blocks if b.shift == shift]

    def shift_at(self, pos: QPointF) -> Shift | None:
        """The shift drawn under a point, if any."""
        index = self._block_at(pos)
        return None if index is None else self._layout.blocks[index].shift

    def day_boundaries(self) -> list[tuple[datetime, float]]:
        """Local midnights (viewer's zone) inside the range and their x coordinates."""
        return [(m, self.x_for(m)) for m in self._midnights()]

    def current_shift(self) -> Shift | None:
        """The shift under the keyboard/click cursor."""
        row, index = self._cursor
        if index is None or row >= len(self._layout.row_blocks):
            return None
        blocks = self._layout.row_blocks[row]
        return self._layout.blocks[blocks[index]].shift if index < len(blocks) else None

    def current_row_key(self) -> object:
        """The key of the row the cursor is in."""
        row = self._cursor[0]
        return self._rows[row].key if row < len(self._rows) else None

    def selection(self) -> tuple[datetime, datetime, object] | None:
        """The range being selected (by drag or keyboard), if any."""
        if self._selection is None:
            return None
        row, a, b = self._selection
        return a, b, self._rows[row].key

    def clear_selection(self) -> None:
        """Forget the selected range."""
        self._selection = None
        self._kbd_anchor = None
        self.update()

    def tooltip_at(self, pos: QPointF) -> str:
        """The hover text for a point: the shift's person, role, team, provenance and times."""
        index = self._block_at(pos)
        holiday = self.holiday_at(pos)
        if index is not None:
            text = self.describe_shift(self._layout.blocks[index].shift)
            return f"{text}\nPublic holiday: {holiday}" if holiday else text
        leave = self.leave_at(pos)
        if leave is not None:
            text = self.describe_leave(leave)
            return f"{text}\nPublic holiday: {holiday}" if holiday else text
        if holiday:
            return holiday
        for g in self._layout.gap_blocks:
            if g.rect.contains(pos):
                gap = g.gap
                return "\n".join(
                    (
                        f"Gap: nobody on call as {gap.role.value}",
                        f"{_fmt_range(gap.start, gap.end, self._zone)} "
                        f"(your time, {self._zone.key})",
                        f"{_fmt_hours((gap.end - gap.start).total_seconds())} uncovered",
                    )
                )
        return ""

    def holiday_at(self, pos: QPointF) -> str:
        """The public holiday under a point (a person's band or a mark in the header) as
        "Christmas Day — Ada Lovelace, Dev Patel (Fri 25 Dec)", or ""."""
        lay = self._layout
        row = self.row_at(pos.y())
        for band_row, rect, text in lay.holiday_bands:
            if band_row == row and rect.contains(pos):
                return text
        for _mark, hover, text in lay.holiday_marks:
            if hover.contains(pos):
                return text
        return ""

    def leave_at(self, pos: QPointF) -> Leave | None:
        """The leave whose band lies under a point, if any."""
        for b in self._layout.leave_blocks:
            if b.rect.contains(pos):
                return b.leave
        return None

    def leave_rects(self, leave: Leave) -> list[QRectF]:
        """Where a leave's band is drawn (empty when its person has no row in view)."""
        return [QRectF(b.rect) for b in self._layout.leave_blocks if b.leave == leave]

    def leave_text(self, leave: Leave) -> str:
        """The words drawn in a leave's band ("" when it is too narrow for any)."""
        return next((b.text for b in self._layout.leave_blocks if b.leave == leave), "")

    def conflict_rects(self, shift: Shift) -> list[QRectF]:
        """The parts of a drawn shift that meet its engineer's leave (cross-hatched)."""
        blocks = self._layout.blocks
        return [QRectF(r) for i, r in self._layout.conflict_marks if blocks[i].shift == shift]

    def describe_leave(self, leave: Leave) -> str:
        """A few lines about leave: whose, what kind, when in the viewer's zone and theirs."""
        eng = self._engineers.get(leave.engineer_id)
        name = eng.name if eng else f"Engineer {leave.engineer_id}"
        kind = LeaveKind(leave.kind)
        word = LEAVE_WORDS[kind]
        lines = [
            f"{word} — {name}" if word.lower() == kind.value else f"{word} ({kind.value}) — {name}"
        ]
        lines.append(
            f"{_fmt_range(leave.start, leave.end, self._zone)} (your time, {self._zone.key})"
        )
        if eng is not None:
            own = ZoneInfo(eng.zone or "UTC")
            first = eng.name.split()[0] if eng.name else name
            lines.append(f"{_fmt_range(leave.start, leave.end, own)} ({first}'s time, {own.key})")
        lines.append(_fmt_hours((leave.end - leave.start).total_seconds()))
        if leave.note:
            lines.append(f"Note: {leave.note}")
        hits = sorted(
            {
                b.shift.role.value
                for b in self._layout.blocks
                if b.shift.engineer_id == leave.engineer_id
                and b.shift.start < leave.end
                and leave.start < b.shift.end
            }
        )
        if hits:
            lines.append(f"Meets a {' and a '.join(hits)} shift: a conflict to cover")
        return "\n".join(lines)

    @property
    def holidays(self) -> tuple[TimelineHoliday, ...]:
        """The public holidays on show."""
        return self._holidays

    def describe_shift(self, shift: Shift) -> str:
        """A few lines about a shift, in the viewer's zone and the engineer's own."""
        eng = self._engineers.get(shift.engineer_id)
        name = eng.name if eng else f"Engineer {shift.engineer_id}"
        lines = [f"{name} — {shift.role.value}"]
        team = self._team_names.get(shift.team_id)
        if team:
            lines.append(f"Team {team}")
        lines.append(self.provenance_text(shift))
        viewer = _fmt_range(shift.start, shift.end, self._zone)
        lines.append(f"{viewer} (your time, {self._zone.key})")
        if eng is not None:
            own = ZoneInfo(eng.zone or "UTC")
            first = eng.name.split()[0] if eng.name else name
            lines.append(f"{_fmt_range(shift.start, shift.end, own)} ({first}'s time, {own.key})")
        lines.append(_fmt_hours((shift.end - shift.start).total_seconds()))
        for leave in self._leave:
            if (
                leave.engineer_id == shift.engineer_id
                and leave.start < shift.end
                and shift.start < leave.end
            ):
                a, b = max(leave.start, shift.start), min(leave.end, shift.end)
                kind = LeaveKind(leave.kind).value
                lines.append(
                    f"On {kind} {_fmt_range(a, b, self._zone)} (your time): a conflict to cover"
                )
        if shift.frozen or shift.end <= self._now:
            lines.append("Past: frozen in the ledger")
        return "\n".join(lines)

    def provenance_text(self, shift: Shift) -> str:
        """Where a shift came from, in words: "Primary rotation v2", "Override: …", "Swap"."""
        src = shift.source
        if src.kind is SourceKind.OVERRIDE:
            note = self._override_notes.get(src.override_id or -1, "")
            return f"Override: {note}" if note else "Override"
        if src.kind is SourceKind.SWAP:
            base = self._rotation_names.get(src.rotation_id or -1, "")
            return f"Swap on {base}" if base else "Swap"
        name = self._rotation_names.get(src.rotation_id or -1, f"Rotation {src.rotation_id}")
        return f"{name} v{src.rotation_version}" if src.rotation_version else name

    def colour_for(self, engineer_id: int) -> QColor:
        """The calm fill colour used for an engineer's shifts."""
        hue = _HUES[self._colours.get(engineer_id, engineer_id % len(_HUES))]
        if self._dark():
            return QColor.fromHsl(hue, 70, 78)
        return QColor.fromHsl(hue, 120, 208)

    # -- Qt overrides -----------------------------------------------------------------------

    def sizeHint(self) -> QSize:
        """Wide enough for a week of readable days; tall enough for every row."""
        fm = self.fontMetrics()
        lay = self._layout
        width = lay.label_w + 7 * fm.horizontalAdvance("Wed 30  ") + 2 * lay.pad
        return QSize(max(width, 60 * fm.averageCharWidth()), self._content_height())

    def minimumSizeHint(self) -> QSize:
        """All rows stay visible; a scroll area scrolls them."""
        return QSize(
            self._layout.label_w + 20 * self.fontMetrics().averageCharWidth(),
            self._content_height(),
        )

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Geometry depends on width: recompute it once, not on every paint."""
        super().resizeEvent(event)
        self._relayout()

    def changeEvent(self, event: QEvent) -> None:
        """Fonts and palettes change measurements and colours."""
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.PaletteChange):
            self._relayout()
            self.updateGeometry()

    def event(self, event: QEvent) -> bool:
        """Show the hover tooltip."""
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            text = self.tooltip_at(QPointF(event.pos()))
            if text:
                QToolTip.showText(event.globalPos(), text, self)
            else:
                QToolTip.hideText()
                event.ignore()
            return True
        return super().event(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        """Start a range selection, or put the cursor on the shift clicked."""
        pos = event.position()
        row = self.row_at(pos.y())
        if event.button() != Qt.MouseButton.LeftButton or row is None:
            super().mousePressEvent(event)
            return
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        self._selection = None
        self._kbd_anchor = None
        if pos.x() >= self._layout.plot_left:
            self._drag = (row, self.time_at(pos.x()), pos.x())
        index = self._block_at(pos)
        if index is not None:
            blocks = self._layout.row_blocks[row]
            self._set_cursor(row, blocks.index(index))
        else:
            self._set_cursor(row, None, self.time_at(pos.x()))
        self.update()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        """Grow the selection while dragging; track the hovered block."""
        pos = event.position()
        if self._drag is not None:
            row, t0, x0 = self._drag
            if abs(pos.x() - x0) >= 4:
                self._selection = (row, *self._snapped_range(t0, self.time_at(pos.x())))
                self.update()
        hover = self._block_at(pos)
        if hover != self._hover:
            old, self._hover = self._hover, hover
            for index in (old, hover):
                if index is not None:
                    self.update(self._layout.blocks[index].rect.adjusted(-3, -3, 3, 3).toRect())

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        """Finish a drag: emit the selected range."""
        if event.button() == Qt.MouseButton.LeftButton and self._drag is not None:
            self._drag = None
            if self._selection is not None:
                row, a, b = self._selection
                self.range_selected.emit(a, b, self._rows[row].key)
            return
        super().mouseReleaseEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        """Activate the shift under the mouse."""
        shift = self.shift_at(event.position())
        if shift is not None:
            self.shift_activated.emit(shift)
        else:
            super().mouseDoubleClickEvent(event)

    def leaveEvent(self, event: QEvent) -> None:
        """Drop the hover highlight."""
        if self._hover is not None:
            self._hover = None
            self.update()
        super().leaveEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Arrows move between shifts, Shift+arrows select a range, Enter acts."""
        key, mods = event.key(), event.modifiers()
        shifted = bool(mods & Qt.KeyboardModifier.ShiftModifier)
        if not self._rows:
            super().keyPressEvent(event)
            return
        if key in (Qt.Key.Key_Left, Qt.Key.Key_Right) and shifted:
            self._extend_keyboard_selection(-1 if key == Qt.Key.Key_Left else 1)
        elif key in (Qt.Key.Key_Left, Qt.Key.Key_Right):
            self._move_along(-1 if key == Qt.Key.Key_Left else 1)
        elif key in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            self._move_across(-1 if key == Qt.Key.Key_Up else 1)
        elif key in (Qt.Key.Key_Home, Qt.Key.Key_End):
            row = self._cursor[0]
            count = len(self._layout.row_blocks[row])
            if count:
                self._set_cursor(row, 0 if key == Qt.Key.Key_Home else count - 1)
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if self._selection is not None:
                row, a, b = self._selection
                self.range_selected.emit(a, b, self._rows[row].key)
            elif (shift := self.current_shift()) is not None:
                self.shift_activated.emit(shift)
        elif key == Qt.Key.Key_Escape and self._selection is not None:
            self.clear_selection()
        else:
            super().keyPressEvent(event)
            return
        event.accept()
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        """Draw only what meets the exposed rectangle, from precomputed geometry."""
        lay = self._layout
        clip = QRectF(event.rect())
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        pal = self.palette()
        base = pal.color(QPalette.ColorRole.Base)
        text = pal.color(QPalette.ColorRole.WindowText)
        muted = QColor(text)
        muted.setAlphaF(0.62)
        # Below the legend the widget is just background (it may be stretched by a scroll area).
        p.fillRect(clip, pal.color(QPalette.ColorRole.Window))
        p.fillRect(QRectF(0, 0, self.width(), self._content_height()).intersected(clip), base)
        bottom = lay.header_h + len(self._rows) * lay.row_h
        plot = QRectF(
            lay.plot_left, lay.header_h, lay.plot_right - lay.plot_left, bottom - lay.header_h
        )

        # Weekends and the frozen past: faint bands behind everything.
        shade = _blend(base, text, 0.035)
        for x0, x1 in lay.weekends:
            p.fillRect(QRectF(x0, lay.header_h, x1 - x0, plot.height()), shade)
        if lay.holiday_bands:
            band = _blend(base, _HOLIDAY_INK, 0.16)
            for _row, rect, _text in lay.holiday_bands:
                if rect.intersects(clip):
                    p.fillRect(rect, band)
        now_x = self.now_x()
        past_end = lay.plot_right if self._now >= self._end else now_x
        if past_end is not None and past_end > lay.plot_left:
            past = _blend(base, text, 0.04)
            p.fillRect(
                QRectF(lay.plot_left, lay.header_h, past_end - lay.plot_left, plot.height()), past
            )

        # Grid lines, stronger for weeks and months: opaque blended colours and one batched
        # call per strength, since translucent long lines are slow on the raster engine.
        by_strength: dict[int, list[QLineF]] = {}
        for x, strength in lay.lines:
            if clip.left() - 1 <= x <= clip.right() + 1:
                top = lay.header_h - (lay.pad if strength >= 2 else 0)
                by_strength.setdefault(strength, []).append(
                    QLineF(QPointF(x, top), QPointF(x, bottom))
                )
        for strength, lines in by_strength.items():
            p.setPen(QPen(_blend(base, text, _GRID_ALPHAS[strength]), 1))
            p.drawLines(lines)
        # Row separators.
        p.setPen(QPen(_blend(base, text, 0.10), 1))
        for i in range(len(self._rows) + 1):
            y = lay.header_h + i * lay.row_h
            if clip.top() - 1 <= y <= clip.bottom() + 1:
                p.drawLine(QPointF(0, y), QPointF(self.width(), y))

        self._paint_header(p, clip, text, muted)
        if lay.holiday_marks:
            mark_colour = _blend(base, _HOLIDAY_INK, 0.85)
            for mark, _hover, _text in lay.holiday_marks:
                if mark.intersects(clip):
                    p.fillRect(mark, mark_colour)
        self._paint_labels(p, clip, text, muted)
        self._paint_gaps(p, clip, text)
        self._paint_leave(p, clip, text)
        self._paint_blocks(p, clip, text)

        if now_x is not None:
            p.setPen(QPen(_NOW_COLOUR, 2))
            p.drawLine(QPointF(now_x, lay.header_h - lay.pad), QPointF(now_x, bottom))
            tri = QPolygonF(
                [
                    QPointF(now_x - lay.pad, lay.header_h - 2 * lay.pad),
                    QPointF(now_x + lay.pad, lay.header_h - 2 * lay.pad),
                    QPointF(now_x, lay.header_h - lay.pad),
                ]
            )
            p.setBrush(_NOW_COLOUR)
            p.setPen(Qt.PenStyle.NoPen)
            p.drawPolygon(tri)

        if self._selection is not None:
            row, a, b = self._selection
            r = self._block_area(row)
            sel = QRectF(self.x_for(a), r.top(), self.x_for(b) - self.x_for(a), r.height())
            hl = QColor(pal.color(QPalette.ColorRole.Highlight))
            hl.setAlphaF(0.22)
            p.fillRect(sel, hl)
            hl.setAlphaF(0.9)
            p.setPen(QPen(hl, 1.5))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRect(sel)
            label = _fmt_range(a, b, self._zone)
            if self.fontMetrics().horizontalAdvance(label) + 2 * lay.pad < sel.width():
                p.setPen(text)
                p.drawText(sel, Qt.AlignmentFlag.AlignCenter, label)

        if not any(r.shifts or r.gaps for r in self._rows):
            p.setPen(muted)
            area = plot if self._rows else QRectF(self.rect())
            p.drawText(area, Qt.AlignmentFlag.AlignCenter, self.empty_text)
        self._paint_legend(p, clip, bottom, text, muted)
        p.end()

    # -- painting helpers -------------------------------------------------------------------

    def _paint_header(self, p: QPainter, clip: QRectF, text: QColor, muted: QColor) -> None:
        lay = self._layout
        if clip.top() > lay.header_h:
            return
        bold = QFont(self.font())
        bold.setBold(True)
        p.setFont(bold)
        p.setPen(text)
        for rect, label in lay.top_labels:
            p.drawText(rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, label)
        p.setFont(self.font())
        p.setPen(muted)
        for rect, label in lay.day_labels:
            if rect.right() >= clip.left() and rect.left() <= clip.right():
                p.drawText(rect, Qt.AlignmentFlag.AlignCenter, label)
        p.drawText(
            QRectF(lay.pad, lay.header_h - lay.row_h / 2, lay.label_w - 2 * lay.pad, lay.row_h / 2),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            self._zone.key,
        )

    def _paint_labels(self, p: QPainter, clip: QRectF, text: QColor, muted: QColor) -> None:
        lay = self._layout
        if clip.left() > lay.label_w:
            return
        fm = self.fontMetrics()
        small = self._small_font()
        sfm = QFontMetrics(small)
        swatch = fm.height() // 2
        for i, row in enumerate(self._rows):
            r = self.row_rect(i)
            if r.bottom() < clip.top() or r.top() > clip.bottom():
                continue
            x = lay.pad
            people = {s.engineer_id for s in row.shifts}
            if len(people) == 1 and not row.gaps:
                p.setPen(Qt.PenStyle.NoPen)
                p.setBrush(self.colour_for(next(iter(people))))
                p.drawRect(QRectF(x, r.center().y() - swatch / 2, swatch, swatch))
            x += swatch + lay.pad
            avail = lay.label_w - x - lay.pad
            total = fm.height() + (sfm.height() if row.sublabel else 0)
            y = r.center().y() - total / 2
            p.setFont(self.font())
            p.setPen(text)
            p.drawText(
                QRectF(x, y, avail, fm.height()),
                Qt.AlignmentFlag.AlignLeft,
                fm.elidedText(row.label, Qt.TextElideMode.ElideRight, int(avail)),
            )
            if row.sublabel:
                p.setFont(small)
                p.setPen(muted)
                p.drawText(
                    QRectF(x, y + fm.height(), avail, sfm.height() + 2),
                    Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop,
                    sfm.elidedText(row.sublabel, Qt.TextElideMode.ElideRight, int(avail)),
                )
        p.setFont(self.font())

    def _paint_block(self, p: QPainter, r: QRectF, fill: QColor, kind: SourceKind) -> None:
        """A shift's box: plain for rotations, dashed with a corner flag for overrides, a
        diamond for swaps (also used by the legend)."""
        p.fillRect(r, fill)
        edge = fill.lighter(170) if self._dark() else fill.darker(155)
        if kind is SourceKind.OVERRIDE:
            p.setPen(QPen(edge, 2, Qt.PenStyle.DashLine))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRect(r.adjusted(1, 1, -1, -1))
            m = min(self._layout.pad * 2.5, r.height() * 0.6, r.width())
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(edge)
            p.drawPolygon(
                QPolygonF(
                    [r.topLeft(), QPointF(r.left() + m, r.top()), QPointF(r.left(), r.top() + m)]
                )
            )
        elif kind is SourceKind.SWAP:
            p.setPen(QPen(edge, 1))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRect(r)
            m = min(self._layout.pad * 1.6, r.height() / 3, r.width() / 2 - 1)
            if m > 1:
                c = QPointF(r.left() + m + 2, r.top() + m + 2)
                p.setPen(Qt.PenStyle.NoPen)
                p.setBrush(edge)
                p.drawPolygon(
                    QPolygonF(
                        [
                            QPointF(c.x(), c.y() - m),
                            QPointF(c.x() + m, c.y()),
                            QPointF(c.x(), c.y() + m),
                            QPointF(c.x() - m, c.y()),
                        ]
                    )
                )

    def _paint_leave_box(self, p: QPainter, r: QRectF, words: float = 0.0) -> None:
        """A calm slate band, dotted, with a firmer left edge: time the person is away. The
        first ``words`` pixels stay plain so the words drawn there read cleanly."""
        base = self.palette().color(QPalette.ColorRole.Base)
        dark = self._dark()
        p.fillRect(r, _blend(base, _LEAVE_INK, 0.34 if dark else 0.24))
        dots = r.adjusted(min(words, r.width()), 0, 0, 0)
        if dots.width() > 0:
            p.fillRect(dots, QBrush(_blend(base, _LEAVE_INK, 0.75), Qt.BrushStyle.Dense6Pattern))
        edge = _blend(base, _LEAVE_INK, 0.9)
        p.fillRect(QRectF(r.left(), r.top(), min(2.0, r.width()), r.height()), edge)

    def _paint_conflict_mark(self, p: QPainter, r: QRectF) -> None:
        """Over the part of a shift its engineer is away: a cross-hatch and a bar underneath,
        so the conflict shows without relying on colour."""
        ink = QColor(235, 238, 240) if self._dark() else QColor(30, 34, 40)
        ink.setAlphaF(0.30)
        p.fillRect(r, QBrush(ink, Qt.BrushStyle.DiagCrossPattern))
        bar = max(2.0, self._layout.pad / 2)
        base = self.palette().color(QPalette.ColorRole.Base)
        colour = (
            _LEAVE_INK.lighter(140) if self._dark() else _blend(base, _LEAVE_INK, 1.0).darker(130)
        )
        p.fillRect(QRectF(r.left(), r.bottom() - bar, r.width(), bar), colour)

    def _paint_leave(self, p: QPainter, clip: QRectF, text: QColor) -> None:
        lay = self._layout
        if not lay.leave_blocks:
            return
        small = self._small_font()
        sfm = QFontMetrics(small)
        p.setFont(small)
        p.setPen(text)
        for b in lay.leave_blocks:
            if b.rect.intersects(clip):
                words = sfm.horizontalAdvance(b.text) + 2.5 * lay.pad if b.text else 0.0
                self._paint_leave_box(p, b.rect, words)
                if b.text:
                    p.drawText(
                        b.rect.adjusted(1.5 * lay.pad, 0, -lay.pad // 2, 0),
                        Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                        b.text,
                    )
        p.setFont(self.font())

    def _paint_gap_box(self, p: QPainter, r: QRectF) -> None:
        """A calm amber, hatched band: time nobody covers."""
        dark = self._dark()
        edge = QColor.fromHsl(_GAP_HUE, 130, 120 if dark else 150)
        p.fillRect(r, QColor.fromHsl(_GAP_HUE, 150, 60 if dark else 228))
        hatch = QColor(edge)
        hatch.setAlphaF(0.45)
        p.fillRect(r, QBrush(hatch, Qt.BrushStyle.BDiagPattern))
        p.setPen(QPen(edge, 1))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRect(r)

    def _paint_gaps(self, p: QPainter, clip: QRectF, text: QColor) -> None:
        for g in self._layout.gap_blocks:
            if g.rect.intersects(clip):
                self._paint_gap_box(p, g.rect)
                if g.text:
                    p.setPen(text)
                    p.drawText(g.rect, Qt.AlignmentFlag.AlignCenter, g.text)

    def _paint_blocks(self, p: QPainter, clip: QRectF, text: QColor) -> None:
        lay = self._layout
        cursor = None
        if self.hasFocus() and self.current_shift() is not None:
            row, index = self._cursor
            cursor = lay.row_blocks[row][index or 0]
        ink = QColor(235, 238, 240) if self._dark() else QColor(30, 34, 40)
        highlight = self.palette().color(QPalette.ColorRole.Highlight)
        marks: dict[int, list[QRectF]] = {}
        for index, part in lay.conflict_marks:
            marks.setdefault(index, []).append(part)
        for i, b in enumerate(lay.blocks):
            r = b.rect
            if not r.intersects(clip):
                continue
            p.setOpacity(0.55 if b.past else 1.0)
            self._paint_block(p, r, b.fill, b.shift.source.kind)
            for part in marks.get(i, ()):
                self._paint_conflict_mark(p, part)
            if b.text:
                p.setPen(ink)
                # Names of overrides and swaps sit right of their marker.
                left = lay.pad if b.shift.source.kind is SourceKind.ROTATION else 3 * lay.pad
                p.drawText(
                    r.adjusted(left, 0, -lay.pad // 2, 0),
                    Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                    b.text,
                )
            p.setOpacity(1.0)
            if i in (self._hover, cursor):
                p.setPen(QPen(highlight if i == cursor else text, 2))
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.drawRect(r.adjusted(-1, -1, 1, 1))

    def _paint_legend(
        self, p: QPainter, clip: QRectF, top: float, text: QColor, muted: QColor
    ) -> None:
        lay = self._layout
        if clip.bottom() < top or not self._rows:
            return
        fm = self.fontMetrics()
        h = fm.height()
        y = top + lay.pad
        x = lay.plot_left
        fill = self.colour_for(min(self._engineers, default=0))
        names: tuple[str, ...] = ("Rotation", "Override", "Swap", "Gap", "Now", "Past")
        if lay.holiday_marks:
            names += ("Public holiday",)
        if lay.leave_blocks:
            names += ("Leave",)
        if lay.conflict_marks:
            names += ("On call while away",)
        for name in names:
            box = QRectF(x, y + 1, h * 2, h - 2)
            if name == "Leave":
                self._paint_leave_box(p, box)
            elif name == "On call while away":
                self._paint_block(p, box, fill, SourceKind.ROTATION)
                self._paint_conflict_mark(p, box)
            elif name == "Public holiday":
                p.fillRect(
                    box, _blend(self.palette().color(QPalette.ColorRole.Base), _HOLIDAY_INK, 0.16)
                )
                p.fillRect(
                    QRectF(box.left(), box.bottom() - 2, box.width(), 2),
                    _blend(self.palette().color(QPalette.ColorRole.Base), _HOLIDAY_INK, 0.85),
                )
            elif name == "Gap":
                self._paint_gap_box(p, box)
            elif name == "Now":
                p.setPen(QPen(_NOW_COLOUR, 2))
                p.drawLine(
                    QPointF(box.center().x(), box.top()), QPointF(box.center().x(), box.bottom())
                )
            else:
                kind = {"Override": SourceKind.OVERRIDE, "Swap": SourceKind.SWAP}.get(
                    name, SourceKind.ROTATION
                )
                p.setOpacity(0.55 if name == "Past" else 1.0)
                self._paint_block(p, box, fill, kind)
                p.setOpacity(1.0)
            x += box.width() + lay.pad
            p.setPen(muted)
            p.drawText(
                QRectF(x, y, fm.horizontalAdvance(name) + 2, h), Qt.AlignmentFlag.AlignVCenter, name
            )
            x += fm.horizontalAdvance(name) + 3 * lay.pad

    # -- geometry ---------------------------------------------------------------------------

    def _dark(self) -> bool:
        return self.palette().color(QPalette.ColorRole.Base).lightnessF() < 0.5

    def _small_font(self) -> QFont:
        small = QFont(self.font())
        if small.pointSizeF() > 0:
            small.setPointSizeF(small.pointSizeF() * 0.86)
        else:
            small.setPixelSize(max(8, int(small.pixelSize() * 0.86)))
        return small

    def _content_height(self) -> int:
        lay = self._layout
        return lay.header_h + max(1, len(self._rows)) * lay.row_h + lay.legend_h + lay.pad

    def _block_area(self, row: int) -> QRectF:
        """Where a row's shifts go: the row less its padding, and less the leave lane at its
        foot when the row's person has leave in view."""
        lay = self._layout
        top = lay.header_h + row * lay.row_h + lay.pad
        height = float(lay.row_h - 2 * lay.pad)
        if row in lay.leave_rows:
            height -= lay.leave_lane_h + 2
        return QRectF(lay.plot_left, top, lay.plot_right - lay.plot_left, height)

    def _midnights(self) -> list[datetime]:
        """Local midnights in the viewer's zone within ``[start, end)``, DST-correct."""
        zone = self._zone
        day = self._start.astimezone(zone).date()
        out: list[datetime] = []
        while True:
            m = datetime.combine(day, time(0), zone).astimezone(UTC)
            if m >= self._end:
                return out
            if m >= self._start:
                out.append(m)
            day += timedelta(days=1)

    def _relayout(self) -> None:
        """Compute every rectangle and label once per data, font or size change."""
        fm = self.fontMetrics()
        lh = fm.height()
        lay = _Layout()
        lay.pad = pad = max(3, lh // 4)
        lay.header_h = 2 * lh + 3 * pad
        lay.row_h = int(lh * 2.5) + 2 * pad
        lay.legend_h = lh + 2 * pad
        sfm = QFontMetrics(self._small_font())
        widest = max(
            (
                max(fm.horizontalAdvance(r.label), sfm.horizontalAdvance(r.sublabel))
                for r in self._rows
            ),
            default=0,
        )
        em = fm.horizontalAdvance("M")
        lay.label_w = int(min(max(widest + lh // 2 + 3 * pad, 8 * em), 16 * em))
        lay.plot_left = float(lay.label_w)
        lay.plot_right = float(max(lay.label_w + 10, self.width() - 2 * pad))
        rows = self._person_rows()
        lay.leave_rows = {rows[x.engineer_id] for x in self._leave if x.engineer_id in rows}
        lay.leave_lane_h = float(sfm.height() + pad // 2)
        self._layout = lay
        self._layout_grid(fm)
        self._layout_blocks(fm)
        self._layout_holidays(fm)
        self._layout_leave(sfm)

    def _person_rows(self) -> dict[int, int]:
        """Row index by engineer id, for the rows that are a person's (keyed by their id)."""
        return {
            r.key: i
            for i, r in enumerate(self._rows)
            if isinstance(r.key, int) and not isinstance(r.key, bool)
        }

    def _layout_leave(self, sfm: QFontMetrics) -> None:
        """A band per leave in its person's leave lane, and the parts of drawn shifts that
        meet their engineer's leave (in any row: a layer's or the final schedule's too)."""
        lay = self._layout
        if not self._leave:
            return
        rows = self._person_rows()
        for leave in sorted(self._leave, key=lambda x: (x.start, x.end, x.id)):
            row = rows.get(leave.engineer_id)
            if row is None:
                continue
            area = self._block_area(row)
            x0 = max(self.x_for(leave.start), lay.plot_left)
            x1 = min(self.x_for(leave.end), lay.plot_right)
            rect = QRectF(x0, area.bottom() + 2, max(x1 - x0, 3.0), lay.leave_lane_h)
            word = LEAVE_WORDS[LeaveKind(leave.kind)]
            a = leave.start.astimezone(self._zone)
            b = (leave.end - timedelta(seconds=1)).astimezone(self._zone)
            days = f"{a:%a} {a.day}" if a.date() == b.date() else f"{a:%a} {a.day} – {b:%a} {b.day}"
            room = rect.width() - 2.5 * lay.pad
            text = next(
                (t for t in (f"{word} · {days} {b:%b}", word) if sfm.horizontalAdvance(t) <= room),
                "",
            )
            lay.leave_blocks.append(_LeaveBlock(row, rect, leave, text))
        by_engineer: dict[int, list[Leave]] = {}
        for leave in self._leave:
            by_engineer.setdefault(leave.engineer_id, []).append(leave)
        for i, block in enumerate(lay.blocks):
            shift = block.shift
            for leave in by_engineer.get(shift.engineer_id, ()):
                a, b = max(leave.start, shift.start), min(leave.end, shift.end)
                if a >= b:
                    continue
                x0 = max(self.x_for(a), block.rect.left())
                x1 = min(self.x_for(b), block.rect.right())
                if x1 > x0:
                    rect = QRectF(x0, block.rect.top(), max(x1 - x0, 2.0), block.rect.height())
                    lay.conflict_marks.append((i, rect))

    def _layout_holidays(self, fm: QFontMetrics) -> None:
        """Bands in the rows of people (rows keyed by engineer id) and one mark per holiday
        (per day and name: colleagues sharing it share the mark) under the day labels."""
        lay = self._layout
        if not self._holidays:
            return
        row_of = {
            r.key: i
            for i, r in enumerate(self._rows)
            if isinstance(r.key, int) and not isinstance(r.key, bool)
        }
        groups: dict[tuple[date, str], list[TimelineHoliday]] = {}
        for h in self._holidays:
            if h.end > self._start and h.start < self._end:
                groups.setdefault((h.day, h.name), []).append(h)
        mark_h = max(2, lay.pad - 1)
        day_top = 2 * lay.pad + fm.height()

        def span(start: datetime, end: datetime) -> tuple[float, float]:
            x0 = max(self.x_for(start), lay.plot_left)
            return x0, max(min(self.x_for(end), lay.plot_right) - x0, 3.0)

        for (day, name), people in sorted(groups.items()):
            # one mark per holiday: from the first zone's midnight to the last one's
            x0, width = span(min(h.start for h in people), max(h.end for h in people))
            words = f"{day:%a} {day.day} {day:%b} {day.year}"
            who = ", ".join(self._holiday_person(h.engineer_id) for h in people)
            mark = QRectF(x0, lay.header_h - mark_h - 1, width, mark_h)
            hover = QRectF(x0, day_top, width, lay.header_h - day_top)
            lay.holiday_marks.append((mark, hover, f"{name} ({words})\nPublic holiday for {who}"))
            for h in people:
                row = row_of.get(h.engineer_id)
                if row is not None:
                    x0, width = span(h.start, h.end)
                    rect = QRectF(x0, lay.header_h + row * lay.row_h + 1, width, lay.row_h - 1)
                    person = self._holiday_person(h.engineer_id)
                    text = f"{name} ({words}): public holiday for {person}"
                    lay.holiday_bands.append((row, rect, text))

    def _holiday_person(self, engineer_id: int) -> str:
        e = self._engineers.get(engineer_id)
        if e is None:
            return f"Engineer {engineer_id}"
        place = "-".join(x for x in (e.country, e.region) if x)
        return f"{e.name} ({place})" if place else e.name

    def _layout_grid(self, fm: QFontMetrics) -> None:
        lay = self._layout
        zone = self._zone
        days = (self._end - self._start).total_seconds() / 86400
        px_day = (lay.plot_right - lay.plot_left) / max(days, 1e-9)
        top_y = lay.pad
        day_y = lay.pad + fm.height() + lay.pad
        h = fm.height()
        start_local = self._start.astimezone(zone)
        # Month labels across the top, pinned to the left edge for the first (partial) month.
        month_starts = [self._start]
        day = start_local.date().replace(day=1)
        while True:
            day = (day + timedelta(days=32)).replace(day=1)
            m = datetime.combine(day, time(0), zone).astimezone(UTC)
            if m >= self._end:
                break
            month_starts.append(m)
        for i, m in enumerate(month_starts):
            x0 = self.x_for(m)
            x1 = self.x_for(month_starts[i + 1]) if i + 1 < len(month_starts) else lay.plot_right
            local = m.astimezone(zone)
            label = f"{local:%B %Y}"
            if fm.horizontalAdvance(label) + 2 * lay.pad > x1 - x0:
                label = f"{local:%b}"
            if fm.horizontalAdvance(label) + lay.pad <= x1 - x0:
                lay.top_labels.append((QRectF(x0 + lay.pad, top_y, x1 - x0 - lay.pad, h), label))
            if i:
                lay.lines.append((x0, 3))
        # Day lines, weekend bands and day labels as space allows.
        full = fm.horizontalAdvance("Wed 30") + 2 * lay.pad
        short = fm.horizontalAdvance("30") + lay.pad
        midnights = self._midnights()
        edges = (
            [self._start, *midnights] if not midnights or midnights[0] != self._start else midnights
        )
        edges.append(self._end)
        for a, b in itertools.pairwise(edges):
            x0, x1 = self.x_for(a), self.x_for(b)
            local = a.astimezone(zone)
            is_midnight = local.time() == time(0)
            if local.weekday() >= 5 and px_day >= 4:
                lay.weekends.append((x0, x1))
            strength = 2 if local.weekday() == 0 else 1
            if (
                is_midnight
                and a != self._start
                and (strength == 2 or px_day >= 14)
                and not any(abs(x - x0) < 0.5 and s == 3 for x, s in lay.lines)
            ):
                lay.lines.append((x0, strength))
            if not is_midnight:
                continue
            if px_day >= full:
                label = f"{local:%a} {local.day}"
            elif px_day >= short or (local.weekday() == 0 and px_day * 7 >= short):
                label = str(local.day)
            else:
                continue
            width = max(x1 - x0, fm.horizontalAdvance(label) + lay.pad)
            if px_day >= short:
                rect = QRectF(x0, day_y, width, h)
            else:  # weekly labels sit just right of the Monday line
                rect = QRectF(x0 + 1, day_y, fm.horizontalAdvance(label) + lay.pad, h)
            lay.day_labels.append((rect, label))
        if px_day >= 96:  # quarter-day lines in week view, faint
            for m in midnights or [self._start]:
                for hour in (6, 12, 18):
                    local = datetime.combine(m.astimezone(zone).date(), time(hour), zone)
                    t = local.astimezone(UTC)
                    if self._start < t < self._end:
                        lay.lines.append((self.x_for(t), 0))

    def _layout_blocks(self, fm: QFontMetrics) -> None:
        lay = self._layout
        start_s, end_s = self._start, self._end
        for row_i, row in enumerate(self._rows):
            area = self._block_area(row_i)
            indices: list[int] = []
            visible = [
                x
                for x in sorted(row.shifts, key=lambda s: (s.start, s.end))
                if x.end > start_s and x.start < end_s
            ]
            lanes = _lanes(visible)
            lane_h = area.height() / (max(lanes, default=0) + 1)
            for shift, lane in zip(visible, lanes, strict=True):
                x0 = self.x_for(max(shift.start, start_s))
                x1 = self.x_for(min(shift.end, end_s))
                # A hairline of base colour between touching shifts keeps handoffs visible.
                width = max(2.0, x1 - x0 - (1 if x1 - x0 > 4 else 0))
                top = area.top() + lane * lane_h
                rect = QRectF(x0, top, width, lane_h - (1 if lane_h > 6 else 0))
                eng = self._engineers.get(shift.engineer_id)
                text = ""
                if eng is not None and rect.height() >= fm.height():
                    room = width - 1.5 * lay.pad
                    if shift.source.kind is not SourceKind.ROTATION:
                        room -= lay.pad * 2  # keep clear of the marker
                    for candidate in (
                        eng.name,
                        eng.name.split()[0] if eng.name else "",
                        eng.handle,
                    ):
                        if candidate and fm.horizontalAdvance(candidate) <= room:
                            text = candidate
                            break
                lay.blocks.append(
                    _Block(
                        row_i,
                        rect,
                        shift,
                        self.colour_for(shift.engineer_id),
                        text,
                        shift.frozen or shift.end <= self._now,
                    )
                )
                indices.append(len(lay.blocks) - 1)
            lay.row_blocks.append(indices)
            for gap in row.gaps:
                if gap.end <= start_s or gap.start >= end_s:
                    continue
                x0 = self.x_for(max(gap.start, start_s))
                x1 = self.x_for(min(gap.end, end_s))
                rect = QRectF(x0, area.top(), max(2.0, x1 - x0), area.height())
                text = "Gap" if fm.horizontalAdvance("Gap") + lay.pad <= rect.width() else ""
                lay.gap_blocks.append(_GapBlock(row_i, rect, gap, text))

    def _block_at(self, pos: QPointF) -> int | None:
        row = self.row_at(pos.y())
        if row is None or row >= len(self._layout.row_blocks):
            return None
        for index in self._layout.row_blocks[row]:
            if self._layout.blocks[index].rect.contains(pos):
                return index
        return None

    # -- cursor and selection ---------------------------------------------------------------

    def _set_cursor(self, row: int, index: int | None, at: datetime | None = None) -> None:
        self._cursor = (row, index)
        shift = self.current_shift()
        if shift is not None:
            self._cursor_time = max(shift.start, self._start)
        elif at is not None:
            self._cursor_time = at
        self.current_changed.emit(shift)
        self.update()

    def _restore_cursor(self, previous: Shift | None) -> None:
        """After new data, keep the cursor on the same shift, or on the one at now."""
        for row, indices in enumerate(self._layout.row_blocks):
            for pos, index in enumerate(indices):
                if previous is not None and self._layout.blocks[index].shift == previous:
                    self._cursor = (row, pos)
                    return
        row = min(self._cursor[0], max(0, len(self._rows) - 1))
        self._cursor = (row, None)
        self._cursor_time = min(max(self._now, self._start), self._end)
        self._cursor = (row, self._index_near(row, self._cursor_time))

    def _index_near(self, row: int, t: datetime) -> int | None:
        if row >= len(self._layout.row_blocks):
            return None
        indices = self._layout.row_blocks[row]
        if not indices:
            return None
        best, best_d = 0, None
        for pos, index in enumerate(indices):
            s = self._layout.blocks[index].shift
            if s.start <= t < s.end:
                return pos
            d = min(abs((s.start - t).total_seconds()), abs((s.end - t).total_seconds()))
            if best_d is None or d < best_d:
                best, best_d = pos, d
        return best

    def _move_along(self, step: int) -> None:
        row, index = self._cursor
        count = len(self._layout.row_blocks[row])
        if not count:
            return
        target = (0 if step > 0 else count - 1) if index is None else index + step
        self._set_cursor(row, min(max(target, 0), count - 1))
        self._selection = None
        self._kbd_anchor = None

    def _move_across(self, step: int) -> None:
        row = min(max(self._cursor[0] + step, 0), len(self._rows) - 1)
        t = self._cursor_time
        current = self.current_shift()
        if current is not None:
            t = max(current.start, self._start)
        self._set_cursor(row, self._index_near(row, t), t)
        if self._selection is not None:
            _, a, b = self._selection
            self._selection = (row, a, b)

    def _step(self) -> timedelta:
        return (
            timedelta(hours=1)
            if self._end - self._start <= timedelta(days=10)
            else timedelta(days=1)
        )

    def _snap(self, t: datetime) -> datetime:
        """Round to the nearest hour (week view) or local midnight (longer views)."""
        step = self._step()
        local = (t + step / 2).astimezone(self._zone)
        if step == timedelta(days=1):
            snapped = datetime.combine(local.date(), time(0), self._zone)
        else:
            snapped = local.replace(minute=0, second=0, microsecond=0)
        return min(max(snapped.astimezone(UTC), self._start), self._end)

    def _snapped_range(self, a: datetime, b: datetime) -> tuple[datetime, datetime]:
        lo, hi = (a, b) if a <= b else (b, a)
        lo, hi = self._snap(lo), self._snap(hi)
        if hi <= lo:
            hi = lo + self._step()
        return lo, hi

    def _extend_keyboard_selection(self, direction: int) -> None:
        row = self._cursor[0]
        step = self._step()
        if self._selection is None or self._kbd_anchor is None:
            anchor = self._snap(self._cursor_time)
            self._kbd_anchor = anchor
            a, b = (anchor, anchor + step) if direction > 0 else (anchor - step, anchor)
        else:
            _, a, b = self._selection
            if b > self._kbd_anchor:  # growing rightwards from the anchor
                b = b + step * direction
                if b <= self._kbd_anchor:
                    a, b = self._kbd_anchor - step, self._kbd_anchor
            else:
                a = a + step * direction
                if a >= self._kbd_anchor:
                    a, b = self._kbd_anchor, self._kbd_anchor + step
        a, b = max(a, self._start), min(b, self._end)
        if b > a:
            self._selection = (row, a, b)
