"""The Schedule screen: a team's timeline by week, month or quarter, final or by layer.

Final shifts come from the ledger (materialised, frozen past included); beyond the ledger's
horizon they are resolved live. The layers view resolves the visible range. Selecting a
range opens the override dialog, then the per-person change preview, then saves through the
undo stack. A shift of a rotation can be swapped to someone else (S or the context menu): the
swap binds to the whole layer shift. Each leave conflict listed under the timeline has a
"Find cover…" button that suggests who is free. Swaps a rotation edit left without their shift
(stale: never applied) are listed with a way to remove them, undoably. Each person's leave is
drawn in their row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from PySide6.QtCore import QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QUndoStack
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from oncall.app import AppContext
from oncall.db import commands, queries
from oncall.domain.cover import CoverCandidate
from oncall.domain.model import (
    Engineer,
    Gap,
    Leave,
    LeaveConflict,
    Override,
    Provenance,
    Resolution,
    Role,
    Shift,
    SourceKind,
    Swap,
    Team,
    TeamPlan,
)
from oncall.domain.schedule import StaleSwap
from oncall.ui.models import with_reason
from oncall.ui.override_dialog import OverrideDialog, OverrideDraft
from oncall.ui.risk_badge import badge_text, team_risk
from oncall.ui.stale_swaps import changed_words, stale_heading, stale_swap_words
from oncall.ui.swap_dialog import SwapDialog, SwapDraft
from oncall.ui.timeline import TimelineHoliday, TimelineRow, TimelineWidget
from oncall.ui.undo import push_edit
from oncall.ui.when import role_word
from oncall.ui.widgets import EmptyState, MutedLabel, fill_team_picker
from oncall.ui.zones import viewer_zone

ZOOMS = ("week", "month", "quarter")
FINAL, LAYERS = "final", "layers"
MAX_CONFLICTS_LISTED = 5
MAX_STALE_LISTED = 5


def visible_range(zoom: str, anchor: date, zone: str) -> tuple[datetime, datetime]:
    """The local week (from Monday), month or quarter holding ``anchor``, as aware UTC."""
    if zoom == "week":
        first = anchor - timedelta(days=anchor.weekday())
        last = first + timedelta(days=7)
    elif zoom == "month":
        first = anchor.replace(day=1)
        last = _add_months(first, 1)
    else:
        first = anchor.replace(month=(anchor.month - 1) // 3 * 3 + 1, day=1)
        last = _add_months(first, 3)
    tz = ZoneInfo(zone)
    return (
        datetime.combine(first, time(0), tz).astimezone(UTC),
        datetime.combine(last, time(0), tz).astimezone(UTC),
    )


def step_anchor(zoom: str, anchor: date, steps: int) -> date:
    """Move ``anchor`` by whole weeks, months or quarters."""
    if zoom == "week":
        return anchor + timedelta(weeks=steps)
    return _add_months(anchor.replace(day=1), steps * (1 if zoom == "month" else 3))


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def range_title(zoom: str, start: datetime, end: datetime, zone: str) -> str:
    """ "24 – 30 Mar 2025", "March 2025" or "Jan – Mar 2025" for the visible range."""
    tz = ZoneInfo(zone)
    a, b = start.astimezone(tz), (end - timedelta(seconds=1)).astimezone(tz)
    if zoom == "week":
        if a.month == b.month:
            return f"{a.day} – {b.day} {b:%b %Y}"
        if a.year == b.year:
            return f"{a.day} {a:%b} – {b.day} {b:%b %Y}"
        return f"{a.day} {a:%b %Y} – {b.day} {b:%b %Y}"
    if zoom == "month":
        return f"{a:%B %Y}"
    return f"{a:%b} – {b:%b %Y}"


def gap_summary(gaps: Sequence[Gap], start: datetime, end: datetime) -> str:
    """ "No gaps" or "2 gaps, 9 h uncovered" for the gaps meeting ``[start, end)``."""
    seconds, count = 0.0, 0
    for g in gaps:
        a, b = max(g.start, start), min(g.end, end)
        if b > a:
            count += 1
            seconds += (b - a).total_seconds()
    if not count:
        return "No gaps"
    noun = "gap" if count == 1 else "gaps"
    return f"{count} {noun}, {_amount(seconds)} uncovered"


def _amount(seconds: float) -> str:
    """ "45 min", "9 h", "2 days 15 h": exact enough to act on, short enough to read."""
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    hours = round(seconds / 3600)
    if hours < 48:
        return f"{hours} h"
    days, rest = divmod(hours, 24)
    return f"{days} days {rest} h" if rest else f"{days} days"


def override_shift(o: Override) -> Shift:
    """An override drawn as the shift it asks for (the overrides layer)."""
    return Shift(
        o.team_id,
        o.role,
        o.engineer_id,
        o.start,
        o.end,
        Provenance(SourceKind.OVERRIDE, override_id=o.id),
    )


def cover_for(
    ctx: AppContext, plan: TeamPlan, conflict: LeaveConflict
) -> tuple[datetime, datetime, list[CoverCandidate]]:
    """The time a leave conflict leaves uncovered and who is free to cover it, best first.

    Ranks by the final schedule (ledger history, live beyond it) of the four weeks either
    side, so cover is spread over the people who have carried least.
    """
    from oncall.domain.cover import AROUND, suggest_cover
    from oncall.domain.ledger import final_schedule

    start = max(conflict.shift.start, conflict.leave.start)
    end = min(conflict.shift.end, conflict.leave.end)
    lo, hi = start - AROUND, end + AROUND
    with ctx.sessions.begin() as s:
        ledger = queries.ledger(s, plan.team.id, lo, hi)
    shifts = final_schedule(plan, ledger, lo, hi, ctx.clock()).shifts
    exclude = {conflict.shift.engineer_id}
    return start, end, suggest_cover(plan, shifts, start, end, conflict.shift.role, exclude)


class ScheduleView(QWidget):
    """The Schedule screen.

    Signals:
        changed(): an edit was saved (or undone); other screens refresh.
    """

    changed = Signal()

    def __init__(self, ctx: AppContext, undo: QUndoStack, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.undo = ctx, undo
        self.zone = viewer_zone(ctx)
        zoom = ctx.settings.schedule_zoom
        self.zoom = zoom if zoom in ZOOMS else "month"
        self.mode = FINAL
        self.anchor = ctx.clock().astimezone(ZoneInfo(self.zone)).date()
        self.team_id: int | None = None
        self.teams: list[Team] = []
        self.plan: TeamPlan | None = None
        self.resolution: Resolution | None = None
        self.final_shifts: list[Shift] = []
        self.gaps: list[Gap] = []
        self.engineers: dict[int, Engineer] = {}
        self.stale: list[StaleSwap] = []
        self._build()
        self.refresh()
        # Keep the "now" line moving without touching the database.
        self._tick = QTimer(self)
        self._tick.setInterval(60_000)
        self._tick.timeout.connect(self._show)
        self._tick.start()

    # -- building ---------------------------------------------------------------------------

    def _build(self) -> None:
        unit = self.fontMetrics().height()
        self.team_box = QComboBox(self)
        self.team_box.setAccessibleName("Team")
        self.team_box.currentIndexChanged.connect(self._on_team_box_changed)
        self.team_label = QLabel("&Team", self)
        self.team_label.setBuddy(self.team_box)

        self.prev_button = self._tool("‹", "Previous (Page Up)")
        self.today_button = self._tool("Today", "Go to today (Ctrl+T)")
        self.next_button = self._tool("›", "Next (Page Down)")
        self.prev_button.clicked.connect(lambda: self.step(-1))
        self.next_button.clicked.connect(lambda: self.step(1))
        self.today_button.clicked.connect(self.go_today)
        self.title = QLabel(self)
        title_font = self.title.font()
        title_font.setBold(True)
        title_font.setPointSizeF(title_font.pointSizeF() * 1.15)
        self.title.setFont(title_font)

        self.zoom_group = QButtonGroup(self)
        self.zoom_buttons: dict[str, QToolButton] = {}
        for name in ZOOMS:
            button = self._tool(name.capitalize(), f"Show a {name} (Ctrl+= / Ctrl+-)")
            button.setCheckable(True)
            self.zoom_group.addButton(button)
            self.zoom_buttons[name] = button
            button.clicked.connect(lambda _=False, n=name: self.set_zoom(n))
        self.mode_group = QButtonGroup(self)
        self.final_button = self._tool("&Final schedule", "Who is on call, after every layer")
        self.layers_button = self._tool("&Layers", "Each rotation, the overrides, then the result")
        for button, mode in ((self.final_button, FINAL), (self.layers_button, LAYERS)):
            button.setCheckable(True)
            self.mode_group.addButton(button)
            button.clicked.connect(lambda _=False, m=mode: self.set_mode(m))
        self.final_button.setChecked(True)

        bar = QHBoxLayout()
        bar.setSpacing(unit // 3)
        for w in (self.team_label, self.team_box):
            bar.addWidget(w)
        bar.addSpacing(unit)
        for w in (self.prev_button, self.today_button, self.next_button):
            bar.addWidget(w)
        bar.addSpacing(unit // 2)
        bar.addWidget(self.title)
        bar.addStretch(1)
        for name in ZOOMS:
            bar.addWidget(self.zoom_buttons[name])
        bar.addSpacing(unit)
        bar.addWidget(self.final_button)
        bar.addWidget(self.layers_button)

        self.gap_label = QLabel(self)
        self.gap_label.setAccessibleName("Gaps in view")
        self.hint = MutedLabel(
            "Drag across a row (or Shift+arrows, then Enter) to add an override. "
            "S swaps the selected shift; Delete removes a selected override or swap.",
            self,
        )
        self.message = MutedLabel("", self)
        self.message.hide()
        status = QHBoxLayout()
        status.addWidget(self.gap_label)
        status.addSpacing(unit)
        status.addWidget(self.hint, 1)

        self.timeline = TimelineWidget(self)
        self.timeline.range_selected.connect(self._on_timeline_range_selected)
        self.timeline.shift_activated.connect(self._on_timeline_shift_activated)
        self.timeline.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.timeline.customContextMenuRequested.connect(self._on_timeline_context_menu)
        self.scroll = QScrollArea(self)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setWidget(self.timeline)
        self.scroll.setFocusProxy(self.timeline)
        # Leave conflicts: a heading, then one line per conflict with its "Find cover…" button.
        self.conflict_panel = QWidget(self)
        self.conflict_grid = QGridLayout(self.conflict_panel)
        self.conflict_grid.setContentsMargins(0, 0, 0, 0)
        self.conflict_grid.setColumnStretch(1, 1)  # the button first, so it stays beside its line
        self.conflicts = MutedLabel("", self.conflict_panel)
        self.conflicts.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.conflict_grid.addWidget(self.conflicts, 0, 0, 1, 2)
        self.cover_buttons: list[QPushButton] = []
        self._conflict_rows: list[QWidget] = []
        self._listed: tuple[object, ...] = ()
        self.conflict_panel.hide()
        # Stale swaps: a heading, one line per swap with its "Remove" button, a quiet why.
        self.stale_panel = QWidget(self)
        self.stale_panel.setAccessibleName("Swaps that no longer match a shift")
        self.stale_grid = QGridLayout(self.stale_panel)
        self.stale_grid.setContentsMargins(0, unit // 3, 0, 0)
        self.stale_grid.setColumnStretch(1, 1)
        self.stale_label = QLabel("", self.stale_panel)
        self.stale_label.setWordWrap(True)
        self.stale_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.stale_grid.addWidget(self.stale_label, 0, 0, 1, 2)
        self.stale_buttons: list[QPushButton] = []
        self.stale_remove_all: QPushButton | None = None
        self._stale_rows: list[QWidget] = []
        self._stale_listed: tuple[object, ...] = ()
        self.stale_panel.hide()

        content = QWidget(self)
        inner = QVBoxLayout(content)
        inner.setContentsMargins(0, 0, 0, 0)
        inner.addLayout(status)
        inner.addWidget(self.message)
        inner.addWidget(self.scroll, 1)
        inner.addWidget(self.conflict_panel)
        inner.addWidget(self.stale_panel)
        self.empty = EmptyState(
            "schedule",
            "No rotations yet",
            "No rotations yet — create one on the Team screen.",
            parent=self,
        )
        self.stack = QStackedWidget(self)
        self.stack.addWidget(content)
        self.stack.addWidget(self.empty)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.stack, 1)

        shortcuts = (
            ("Ctrl+=", lambda: self.zoom_by(-1)),
            ("Ctrl++", lambda: self.zoom_by(-1)),
            ("Ctrl+-", lambda: self.zoom_by(1)),
            ("PgUp", lambda: self.step(-1)),
            ("PgDown", lambda: self.step(1)),
            ("Alt+Left", lambda: self.step(-1)),
            ("Alt+Right", lambda: self.step(1)),
            ("Ctrl+T", self.go_today),
        )
        for keys, slot in shortcuts:
            sc = QShortcut(QKeySequence(keys), self)
            sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            sc.activated.connect(slot)
        delete = QShortcut(QKeySequence(QKeySequence.StandardKey.Delete), self.timeline)
        delete.setContext(Qt.ShortcutContext.WidgetShortcut)
        delete.activated.connect(self.remove_current_edit)
        swap = QShortcut(QKeySequence("S"), self.timeline)
        swap.setContext(Qt.ShortcutContext.WidgetShortcut)
        swap.activated.connect(self.swap_current_shift)

    def _tool(self, text: str, tip: str) -> QToolButton:
        button = QToolButton(self)
        button.setText(text)
        button.setToolTip(tip)
        button.setAutoRaise(False)
        return button

    # -- navigation -------------------------------------------------------------------------

    def visible_range(self) -> tuple[datetime, datetime]:
        """The range on show, ``[start, end)`` as aware UTC instants."""
        return visible_range(self.zoom, self.anchor, self.zone)

    def set_zoom(self, zoom: str) -> None:
        """Show a week, month or quarter (remembered in settings)."""
        if zoom not in ZOOMS:
            raise ValueError(f"unknown zoom {zoom!r}")
        self.zoom = zoom
        if self.ctx.settings.schedule_zoom != zoom:
            self.ctx.save_settings(self.ctx.settings.with_(schedule_zoom=zoom))
        self._load()

    def zoom_by(self, direction: int) -> None:
        """Zoom out (+1: week → month → quarter) or in (-1)."""
        index = min(max(ZOOMS.index(self.zoom) + direction, 0), len(ZOOMS) - 1)
        self.set_zoom(ZOOMS[index])

    def step(self, steps: int) -> None:
        """Go back or forward by whole weeks, months or quarters."""
        self.anchor = step_anchor(self.zoom, self.anchor, steps)
        self._load()

    def go_today(self) -> None:
        """Show the range holding today."""
        self.anchor = self.ctx.clock().astimezone(ZoneInfo(self.zone)).date()
        self._load()

    def set_mode(self, mode: str) -> None:
        """Switch between the final schedule and its layers."""
        self.mode = mode
        (self.final_button if mode == FINAL else self.layers_button).setChecked(True)
        self._show()

    def set_team(self, team_id: int) -> None:
        """Show another team."""
        self.team_id = team_id
        index = self.team_box.findData(team_id)
        if index >= 0 and index != self.team_box.currentIndex():
            self.team_box.setCurrentIndex(index)
        self._load()

    def _on_team_box_changed(self, index: int) -> None:
        team_id = self.team_box.itemData(index)
        if team_id is not None and team_id != self.team_id:
            self.team_id = team_id
            self._load()

    # -- data -------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Re-read teams and the schedule (after any edit anywhere)."""
        self.zone = viewer_zone(self.ctx)
        with self.ctx.sessions.begin() as s:
            self.teams = queries.list_teams(s)
        self.team_id = fill_team_picker(self.team_box, self.teams, self.team_id)
        several = len(self.teams) > 1
        self.team_box.setVisible(several)
        self.team_label.setVisible(several)
        self._load()

    def _load(self) -> None:
        """Read the visible range: ledger, live resolution past the horizon, layers."""
        for name, button in self.zoom_buttons.items():
            button.setChecked(name == self.zoom)
        start, end = self.visible_range()
        self.title.setText(range_title(self.zoom, start, end, self.zone))
        if self.team_id is None:
            self.plan, self.resolution = None, None
            self.empty.title_label.setText("No teams yet")
            self._set_empty_text("Create a team and a rotation on the Team screen.")
            self.stack.setCurrentWidget(self.empty)
            return
        from oncall.domain.ledger import final_schedule  # the engine is only needed once shown

        now = self.ctx.clock()
        with self.ctx.sessions.begin() as s:
            plan = queries.load_plan(s, self.team_id)
            ledger = queries.ledger(s, self.team_id, start, end)
            everyone = queries.list_engineers(s, include_inactive=True)
        self.plan = plan
        self.engineers = {e.id: e for e in everyone}
        final = final_schedule(plan, ledger, start, end, now)
        from oncall.domain.schedule import stale_swaps

        # Stale swaps of shifts still to come (the past is frozen in the ledger as it was).
        self.stale = list(stale_swaps(plan, since=now))
        self.resolution = final.resolution
        self.final_shifts = list(final.shifts)
        self.gaps = list(final.gaps)
        if not plan.rotations and not plan.overrides:
            self.empty.title_label.setText("No rotations yet")
            self._set_empty_text("No rotations yet — create one on the Team screen.")
            self.stack.setCurrentIndex(1)
            return
        self.stack.setCurrentIndex(0)
        self._show()

    def _set_empty_text(self, text: str) -> None:
        for label in self.empty.findChildren(QLabel):
            if label is not self.empty.title_label and label is not self.empty.icon_label:
                label.setText(text)

    # -- rows -------------------------------------------------------------------------------

    def _rows(self) -> list[TimelineRow]:
        plan, res = self.plan, self.resolution
        if plan is None or res is None:
            return []
        start, end = self.visible_range()
        gap_row = TimelineRow(
            "Gaps", gap_summary(self.gaps, start, end), (), tuple(self.gaps), key="gaps"
        )
        if self.mode == FINAL:
            # Everyone on call in view, and anyone of the team away in view (a lead planning
            # cover wants to see who is out, on call or not).
            away = {x.engineer_id for x in self._leave_in_view(start, end)}
            people = sorted(
                {x.engineer_id for x in self.final_shifts} | away,
                key=lambda i: self.engineers[i].name.lower() if i in self.engineers else "",
            )
            rows = [
                TimelineRow(
                    self.engineers[i].name if i in self.engineers else f"Engineer {i}",
                    self._person_sublabel(i),
                    tuple(x for x in self.final_shifts if x.engineer_id == i),
                    key=i,
                )
                for i in people
            ]
            return [*rows, gap_row]
        rows = []
        for rotation in sorted(plan.rotations, key=lambda r: (-r.current.priority, r.name)):
            v = rotation.current
            rows.append(
                TimelineRow(
                    rotation.name,
                    f"{role_word(v.role)} · priority {v.priority} · v{v.version}",
                    tuple(res.layers.get(rotation.id, ())),
                    key=("rotation", rotation.id),
                )
            )
        overrides = tuple(
            override_shift(o) for o in plan.overrides if o.end > start and o.start < end
        )
        rows.append(
            TimelineRow("Overrides", f"{len(overrides)} in view", overrides, key="overrides")
        )
        # The result, one row per role, so primary and secondary never cover each other.
        roles = sorted(
            {x.role for x in self.final_shifts} | {g.role for g in self.gaps},
            key=list(Role).index,
        )
        for role in roles:
            gaps = tuple(g for g in self.gaps if g.role is role)
            rows.append(
                TimelineRow(
                    f"Final · {role_word(role)}",
                    gap_summary(gaps, start, end),
                    tuple(x for x in self.final_shifts if x.role is role),
                    gaps,
                    key=("final", role),
                )
            )
        return rows

    def _leave_in_view(self, start: datetime, end: datetime) -> list[Leave]:
        """The team's leave that meets ``[start, end)``."""
        if self.plan is None:
            return []
        return [x for x in self.plan.leave if x.end > start and x.start < end]

    def _holidays(self, start: datetime, end: datetime) -> list[TimelineHoliday]:
        """The public holidays of the people in view (their country and region), each on
        its own local day."""
        from oncall.exchange.public_holidays import holiday_names  # cached per place and year

        people = {x.engineer_id for x in self.final_shifts}
        if self.plan is not None:
            people |= {e.id for e in self.plan.engineers}
        years = range((start - timedelta(days=1)).year, (end + timedelta(days=1)).year + 1)
        out: list[TimelineHoliday] = []
        for engineer_id in sorted(people):
            e = self.engineers.get(engineer_id)
            if e is None or not e.country:
                continue
            tz = ZoneInfo(e.zone or "UTC")
            for day, name in holiday_names(e, years).items():
                a = datetime.combine(day, time(0), tz).astimezone(UTC)
                b = datetime.combine(day + timedelta(days=1), time(0), tz).astimezone(UTC)
                if b > start and a < end:
                    out.append(TimelineHoliday(day, name, e.id, a, b))
        return out

    def _person_sublabel(self, engineer_id: int) -> str:
        e = self.engineers.get(engineer_id)
        if e is None:
            return ""
        local = self.ctx.clock().astimezone(ZoneInfo(e.zone or "UTC"))
        place = f"{e.zone} · {local:%H:%M}"
        team_id = self.plan.team.id if self.plan is not None else None
        found = team_risk(self.ctx, team_id, self.ctx.clock()).get(engineer_id)
        # the load risk as a shape and a word ("◐ Elevated"), never colour alone
        return f"{badge_text(found.level)} load · {place}" if found is not None else place

    def _show(self) -> None:
        """Hand the rows to the timeline and update the words around it."""
        if self.plan is None:
            return
        start, end = self.visible_range()
        self.timeline.set_rows(
            self._rows(),
            start,
            end,
            self.ctx.clock(),
            self.zone,
            self.engineers,
            rotation_names={r.id: r.name for r in self.plan.rotations},
            team_names={self.plan.team.id: self.plan.team.name},
            override_notes={o.id: with_reason(o.note, o.reason) for o in self.plan.overrides},
            holidays=self._holidays(start, end),
            leave=self._leave_in_view(start, end),
        )
        self.gap_label.setText(gap_summary(self.gaps, start, end))
        self._show_conflicts(self.resolution.conflicts if self.resolution else ())
        self._show_stale(self.stale)

    def _show_conflicts(self, conflicts: Sequence[LeaveConflict]) -> None:
        listed = (self.zone, *conflicts)
        if listed == self._listed:
            return  # the minute tick repaints; the list only changes with the data
        self._listed = listed
        for widget in self._conflict_rows:
            self.conflict_grid.removeWidget(widget)
            widget.deleteLater()
        self._conflict_rows, self.cover_buttons = [], []
        if not conflicts:
            self.conflicts.setText("")
            self.conflict_panel.hide()
            return
        for row, c in enumerate(conflicts[:MAX_CONFLICTS_LISTED], start=1):
            line = MutedLabel(self._conflict_words(c), self.conflict_panel)
            line.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            button = QPushButton("Find cover…", self.conflict_panel)
            button.setToolTip("Suggest who is free then and add an override for them")
            button.setAccessibleName(f"Find cover: {self._conflict_words(c)}")
            button.clicked.connect(lambda _=False, c=c: self.find_cover(c))
            self.conflict_grid.addWidget(button, row, 0)
            self.conflict_grid.addWidget(line, row, 1)
            self._conflict_rows += [line, button]
            self.cover_buttons.append(button)
        more = len(conflicts) - MAX_CONFLICTS_LISTED
        if more > 0:
            tail = MutedLabel(
                f"… and {more} more (the Team screen's Leave tab lists them all).",
                self.conflict_panel,
            )
            self.conflict_grid.addWidget(tail, MAX_CONFLICTS_LISTED + 1, 0, 1, 2)
            self._conflict_rows.append(tail)
        noun = "conflict" if len(conflicts) == 1 else "conflicts"
        self.conflicts.setText(f"Leave {noun} to cover:")
        self.conflict_panel.show()

    def _show_stale(self, stales: Sequence[StaleSwap]) -> None:
        """List the swaps that lost their shift, each with a Remove button (and Remove all)."""
        listed = (self.zone, *stales)
        if listed == self._stale_listed:
            return
        self._stale_listed = listed
        for widget in self._stale_rows:
            self.stale_grid.removeWidget(widget)
            widget.deleteLater()
        self._stale_rows, self.stale_buttons, self.stale_remove_all = [], [], None
        if not stales:
            self.stale_label.setText("")
            self.stale_panel.hide()
            return
        self.stale_label.setText(stale_heading(stales, self.zone))
        several = len({changed_words(x, self.zone) for x in stales}) > 1
        row = 0
        for row, x in enumerate(stales[:MAX_STALE_LISTED], start=1):
            words = stale_swap_words(x, self.engineers, self.zone)
            if several:
                words += f" ({changed_words(x, self.zone)})"
            line = MutedLabel(words, self.stale_panel)
            line.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            button = QPushButton("Remove swap", self.stale_panel)
            button.setToolTip("Delete this swap; Ctrl+Z puts it back")
            button.setAccessibleName(f"Remove swap: {words}")
            button.clicked.connect(lambda _=False, i=x.swap.id: self.remove_stale_swaps([i]))
            self.stale_grid.addWidget(button, row, 0)
            self.stale_grid.addWidget(line, row, 1)
            self._stale_rows += [line, button]
            self.stale_buttons.append(button)
        more = len(stales) - MAX_STALE_LISTED
        why = MutedLabel(
            (f"… and {more} more. " if more > 0 else "")
            + (
                "It is not applied: the rotation's holder keeps the shift. Remove it, then "
                "swap the new shift if the swap is still wanted."
                if len(stales) == 1
                else "They are not applied: the rotation's holders keep the shifts. Remove "
                "them, then swap the new shifts if the swaps are still wanted."
            ),
            self.stale_panel,
        )
        why.setWordWrap(True)
        self.stale_grid.addWidget(why, row + 1, 1)
        self._stale_rows.append(why)
        if len(stales) > 1:
            every = QPushButton(f"Remove all {len(stales)}", self.stale_panel)
            every.setToolTip("Delete every swap listed, as one edit; Ctrl+Z puts them back")
            every.clicked.connect(lambda: self.remove_stale_swaps([x.swap.id for x in stales]))
            self.stale_grid.addWidget(every, row + 1, 0)
            self._stale_rows.append(every)
            self.stale_remove_all = every
        self.stale_panel.show()

    def remove_stale_swaps(self, swap_ids: Sequence[int]) -> bool:
        """Delete several swaps as one undoable edit (undo puts every one back)."""
        team_id = self.team_id
        if self.plan is None or team_id is None:
            return False
        originals = [w for w in self.plan.swaps if w.id in set(swap_ids)]
        if not originals:
            self._say("Those swaps no longer exist.")
            return False
        # id -> (current id, row version seen), so a row changed elsewhere is said, not lost.
        state = {w.id: (w.id, w.row_version) for w in originals}

        def do() -> None:
            def delete(s) -> None:
                for current, seen in state.values():
                    commands.delete_swap(s, current, expected=seen)

            self.ctx.edit(team_id, delete)

        def undo() -> None:
            def add(s) -> None:
                for w in originals:
                    back = commands.add_swap(s, replace(w, id=0))
                    state[w.id] = (back.id, back.row_version)

            self.ctx.edit(team_id, add)

        n = len(originals)
        text = (
            f"Remove stale swap to {self._first_name(originals[0].engineer_id)}"
            if n == 1
            else f"Remove {n} stale swaps"
        )
        if error := push_edit(self.undo, text, do, undo, self._after_edit):
            self._say(f"The swaps were not removed: {error}")
            return False
        self._say("")
        return True

    def _conflict_words(self, c: LeaveConflict) -> str:
        """ "Ada Lovelace is on vacation from Tue 17 Nov 09:00 to … during a primary shift." """
        tz = ZoneInfo(self.zone)
        e = self.engineers.get(c.shift.engineer_id)
        name = e.name if e else f"Engineer {c.shift.engineer_id}"
        a = max(c.shift.start, c.leave.start).astimezone(tz)
        b = min(c.shift.end, c.leave.end).astimezone(tz)
        return (
            f"{name} is on {c.leave.kind.value} from {a:%a} {a.day} {a:%b %H:%M} "
            f"to {b:%a} {b.day} {b:%b %H:%M} during a {role_word(c.shift.role)} shift."
        )

    # -- edits ------------------------------------------------------------------------------

    def _on_timeline_range_selected(self, start: datetime, end: datetime, key: object) -> None:
        role = Role.PRIMARY
        if isinstance(key, tuple) and key[0] == "rotation" and self.plan is not None:
            for r in self.plan.rotations:
                if r.id == key[1]:
                    role = r.current.role
        self.add_override_for(start, end, role)
        self.timeline.clear_selection()

    def _on_timeline_shift_activated(self, shift: Shift) -> None:
        # Activating a shift asks who covers it: the quickest way to fix a leave conflict.
        self.add_override_for(shift.start, shift.end, shift.role)

    def add_override_for(self, start: datetime, end: datetime, role: Role) -> bool:
        """Ask for an override over a range, preview its effect, save it undoably."""
        if self.team_id is None:
            return False
        people = [e for e in self.engineers.values() if e.active]
        draft = OverrideDialog.ask(self, people, start, end, self.zone, role)
        if draft is None:
            return False
        return self.save_override(draft)

    def save_override(self, draft: OverrideDraft) -> bool:
        """Preview and save an override draft; False when the user cancels or it fails."""
        team_id = self.team_id
        if team_id is None:
            return False
        override = Override(
            0,
            team_id,
            draft.engineer_id,
            draft.start,
            draft.end,
            self.ctx.clock(),
            draft.role,
            draft.note,
        )
        reason = self._confirm(override)
        if reason is None:
            return False
        override = replace(override, reason=reason)
        state: dict[str, int] = {}

        def do() -> None:
            state["id"] = self.ctx.edit(team_id, lambda s: commands.add_override(s, override)).id

        def undo() -> None:
            self.ctx.edit(team_id, lambda s: commands.delete_override(s, state["id"]))

        name = self._first_name(draft.engineer_id)
        text = f"Add override for {name}"
        if error := push_edit(self.undo, text, do, undo, self._after_edit):
            self._say(f"The override was not saved: {error}")
            return False
        self._say("")
        return True

    def _confirm(self, override: Override) -> str | None:
        """Show the per-person change over the override's time ± a day (and the planning
        guard's concerns); None when cancelled, else the reason written for going ahead."""
        if self.plan is None:
            return None
        before = self.plan
        extra = (
            [] if before.engineer(override.engineer_id) else [self.engineers[override.engineer_id]]
        )
        after = replace(
            before,
            overrides=(*before.overrides, replace(override, id=-1)),
            engineers=(*before.engineers, *extra),
        )
        return self._preview(before, after, override.start, override.end)

    def remove_current_override(self) -> bool:
        """Remove the override behind the selected shift (undoable)."""
        shift = self.timeline.current_shift()
        if shift is None or shift.source.kind is not SourceKind.OVERRIDE:
            self._say("Select a shift that comes from an override to remove it.")
            return False
        return self.remove_override(shift.source.override_id or 0)

    def remove_override(self, override_id: int) -> bool:
        """Delete one override through the undo stack; undo puts it back."""
        team_id = self.team_id
        if self.plan is None or team_id is None:
            return False
        found = [o for o in self.plan.overrides if o.id == override_id]
        if not found:
            self._say("That override no longer exists.")
            return False
        original = found[0]
        # Expecting the version shown, so one changed or removed elsewhere is said, not lost.
        state = {"id": original.id, "v": original.row_version}

        def do() -> None:
            self.ctx.edit(
                team_id, lambda s: commands.delete_override(s, state["id"], expected=state["v"])
            )

        def undo() -> None:
            back = self.ctx.edit(
                team_id, lambda s: commands.add_override(s, replace(original, id=0))
            )
            state["id"], state["v"] = back.id, back.row_version

        text = f"Remove override for {self._first_name(original.engineer_id)}"
        if error := push_edit(self.undo, text, do, undo, self._after_edit):
            self._say(f"The override was not removed: {error}")
            return False
        return True

    def find_cover(self, conflict: LeaveConflict) -> bool:
        """Suggest who is free to cover a leave conflict, then preview and save the override."""
        if self.plan is None or self.team_id is None:
            return False
        start, end, candidates = cover_for(self.ctx, self.plan, conflict)
        people = [e for e in self.engineers.values() if e.active]
        draft = OverrideDialog.ask(
            self, people, start, end, self.zone, conflict.shift.role, suggested=candidates
        )
        if draft is None:
            return False
        return self.save_override(draft)

    # -- swaps ------------------------------------------------------------------------------

    def layer_shift_for(self, shift: Shift) -> Shift | None:
        """The whole layer shift a final shift (or a piece of one) comes from, swaps applied.

        The final schedule may show only part of it (an override hides the rest, or the
        visible range cuts it), and a swap binds to where the layer shift really starts, so
        the layer is resolved over a window widened until the shift is no longer clipped.
        """
        from oncall.domain.schedule import layer_shifts

        rid = shift.source.rotation_id
        if self.plan is None or rid is None:
            return None
        rotation = next((r for r in self.plan.rotations if r.id == rid), None)
        if rotation is None:
            return None
        margin = timedelta(days=2)
        while True:
            lo, hi = shift.start - margin, shift.end + margin
            layer = layer_shifts(rotation, self.plan.team.id, lo, hi, self.plan.swaps)
            hit = next((x for x in layer if x.start <= shift.start < x.end), None)
            if hit is None or (lo < hit.start and hit.end < hi) or margin > timedelta(days=3660):
                return hit
            margin *= 4

    def swap_current_shift(self) -> bool:
        """Swap the shift under the timeline's cursor (the S key)."""
        shift = self.timeline.current_shift()
        if shift is None:
            self._say("Select a shift to swap.")
            return False
        return self.swap_shift(shift)

    def swap_shift(self, shift: Shift) -> bool:
        """Ask who takes a rotation's shift, preview the change, save the swap undoably."""
        if shift.source.kind not in (SourceKind.ROTATION, SourceKind.SWAP):
            self._say("Only a rotation's shift can be swapped; an override is edited instead.")
            return False
        layer = self.layer_shift_for(shift)
        if layer is None or self.plan is None:
            self._say("That shift no longer comes from a rotation; refresh and try again.")
            return False
        if layer.end <= self.ctx.clock():
            self._say("That shift is over; the past is kept as it was.")
            return False
        rotation_names = {r.id: r.name for r in self.plan.rotations}
        draft = SwapDialog.ask(
            self,
            self._team_people(),
            layer,
            self.zone,
            rotation_name=rotation_names.get(layer.source.rotation_id or -1, ""),
        )
        if draft is None:
            return False
        return self.save_swap(layer, draft)

    def _team_people(self) -> list[Engineer]:
        """The team's engineers (the plan's), falling back to everyone known."""
        if self.plan is not None and self.plan.engineers:
            return list(self.plan.engineers)
        return list(self.engineers.values())

    def save_swap(self, layer: Shift, draft: SwapDraft) -> bool:
        """Preview and save a swap of the layer shift ``layer``; False if cancelled or refused."""
        team_id, plan = self.team_id, self.plan
        if team_id is None or plan is None or layer.source.rotation_id is None:
            return False
        swap = Swap(0, layer.source.rotation_id, layer.start, draft.engineer_id, self.ctx.clock())
        swap = replace(swap, note=draft.note)
        # In the preview the new swap must outrank any older swap of the same shift, as the
        # stored one will (newest created_at, then highest id).
        trial = replace(swap, id=max((w.id for w in plan.swaps), default=0) + 1)
        after = replace(plan, swaps=(*plan.swaps, trial), engineers=self._with(plan, swap))
        reason = self._preview(plan, after, layer.start, layer.end)
        if reason is None:
            return False
        swap = replace(swap, reason=reason)
        state: dict[str, int] = {}

        def do() -> None:
            state["id"] = self.ctx.edit(team_id, lambda s: commands.add_swap(s, swap)).id

        def undo() -> None:
            self.ctx.edit(team_id, lambda s: commands.delete_swap(s, state["id"]))

        text = f"Swap shift to {self._first_name(swap.engineer_id)}"
        if error := push_edit(self.undo, text, do, undo, self._after_edit):
            self._say(f"The swap was not saved: {error}")
            return False
        self._say("")
        return True

    def remove_swap(self, swap_id: int) -> bool:
        """Delete one swap through the undo stack (the rotation's own holder is back)."""
        team_id = self.team_id
        if self.plan is None or team_id is None:
            return False
        original = next((w for w in self.plan.swaps if w.id == swap_id), None)
        if original is None:
            self._say("That swap no longer exists.")
            return False
        # Expecting the version shown, so one changed or removed elsewhere is said, not lost.
        state = {"id": original.id, "v": original.row_version}

        def do() -> None:
            self.ctx.edit(
                team_id, lambda s: commands.delete_swap(s, state["id"], expected=state["v"])
            )

        def undo() -> None:
            back = self.ctx.edit(team_id, lambda s: commands.add_swap(s, replace(original, id=0)))
            state["id"], state["v"] = back.id, back.row_version

        text = f"Undo swap to {self._first_name(original.engineer_id)}"
        if error := push_edit(self.undo, text, do, undo, self._after_edit):
            self._say(f"The swap was not removed: {error}")
            return False
        self._say("")
        return True

    def remove_current_edit(self) -> bool:
        """Delete: remove the override or swap behind the selected shift (undoable)."""
        shift = self.timeline.current_shift()
        if shift is not None and shift.source.kind is SourceKind.SWAP:
            return self.remove_swap(shift.source.swap_id or 0)
        if shift is not None and shift.source.kind is SourceKind.OVERRIDE:
            return self.remove_override(shift.source.override_id or 0)
        self._say("Select a shift that comes from an override or a swap to remove it.")
        return False

    def _first_name(self, engineer_id: int) -> str:
        e = self.engineers.get(engineer_id)
        return e.name.split()[0] if e is not None and e.name else "someone"

    def _with(self, plan: TeamPlan, swap: Swap) -> tuple[Engineer, ...]:
        """The plan's engineers plus the swap's taker, so the preview can name them."""
        if plan.engineer(swap.engineer_id) or swap.engineer_id not in self.engineers:
            return plan.engineers
        return (*plan.engineers, self.engineers[swap.engineer_id])

    def _preview(
        self, before: TeamPlan, after: TeamPlan, start: datetime, end: datetime
    ) -> str | None:
        """Show the per-person change over ``[start, end)`` ± a day with the planning guard's
        concerns; None when cancelled, else the reason written ("" when none was needed)."""
        from oncall.ui.guard_check import preview_change

        return preview_change(self, self.ctx, before, after, start, end)

    def _on_timeline_context_menu(self, pos: QPoint) -> None:
        self.context_menu_at(pos).popup(self.timeline.mapToGlobal(pos))

    def context_menu_at(self, pos: QPoint) -> QMenu:
        """The timeline's context menu for a point: what can be done with the shift there."""
        shift = self.timeline.shift_at(pos.toPointF())
        menu = QMenu(self)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        if shift is not None:
            menu.addAction(
                "Who covers this shift…", lambda: self._on_timeline_shift_activated(shift)
            )
            if shift.source.kind is SourceKind.OVERRIDE:
                override_id = shift.source.override_id or 0
                menu.addAction("Remove override", lambda: self.remove_override(override_id))
            else:
                swap_action = menu.addAction("Swap this shift…", lambda: self.swap_shift(shift))
                swap_action.setShortcut(QKeySequence("S"))
            if shift.source.kind is SourceKind.SWAP:
                swap_id = shift.source.swap_id or 0
                undo_action = menu.addAction("Undo swap", lambda: self.remove_swap(swap_id))
                undo_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Delete))
        else:
            at = self.timeline.time_at(pos.x())
            day = datetime.combine(
                at.astimezone(ZoneInfo(self.zone)).date(), time(0), ZoneInfo(self.zone)
            ).astimezone(UTC)
            menu.addAction(
                "Add override for this day…",
                lambda: self.add_override_for(day, day + timedelta(days=1), Role.PRIMARY),
            )
        return menu

    def _after_edit(self) -> None:
        self._load()
        self.changed.emit()

    def _say(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))
