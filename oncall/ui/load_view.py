"""The Load screen: per engineer, how many hours they carried the pager and how often it woke them.

For a team and a range (last 7, 28, 90 days or chosen dates) it shows a sortable table of the
load metrics of ``oncall.domain.load`` (hours by band in each engineer's local time, pages,
interruptions, night pages, interrupted and rest-deficit nights, engaged hours). Clicking a
number (or Enter on it) lists what is behind it: the pages, shifts or nights, with times in the
engineer's zone and the viewer's. Under the table: an hour-of-week heatmap of pages and bars
of hours by band. Pages are imported (the wizard), logged by hand (undoable) or exported as a
pay CSV (on the worker, with progress and Cancel).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDate, QEvent, QModelIndex, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent, QUndoStack
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from oncall.app import AppContext
from oncall.db import pages as page_store
from oncall.db import queries
from oncall.domain.bands import split_by_band
from oncall.domain.load import (
    DEFAULT_SETTINGS,
    EngineerLoad,
    Interruption,
    Night,
    date_range,
    hour_of_week_heatmap,
    period,
    team_load,
)
from oncall.domain.model import Engineer, Page, Team
from oncall.domain.risk import Assessment
from oncall.domain.zones import zone_info
from oncall.ui.heatmap import HeatmapWidget
from oncall.ui.load_bars import BarRow, LoadBars
from oncall.ui.models import DataclassTableModel, fmt_hours, sorted_proxy
from oncall.ui.risk_badge import RANK, badge_text, team_risk, tooltip_text
from oncall.ui.undo import push_edit
from oncall.ui.when import city
from oncall.ui.widgets import MutedLabel, SectionHeader, fill_team_picker, scaled_font
from oncall.ui.zones import viewer_zone

log = logging.getLogger(__name__)

RANGES = (
    ("7d", "Last 7 days"),
    ("28d", "Last 28 days"),
    ("90d", "Last 90 days"),
    ("custom", "Chosen dates"),
)
NOTE = "These are load signals to plan with, not a judgement of anyone."
# Pages this long before a range still shape its first night (the load module's look-back).
_LOOKBACK = timedelta(days=1)
#: The load metrics' settings of this screen: the table and the heatmap's "Interrupting only"
#: classify pages with the same ones (D2: email and low urgency do not interrupt).
LOAD_SETTINGS = DEFAULT_SETTINGS

# Column -> (header, tooltip). Column 0 is the engineer.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("Engineer", "The engineer (their own time zone in brackets)"),
    (
        "Business\nhours",
        "On-call hours in business hours (08:00-18:00 on weekdays, their local time)",
    ),
    (
        "Off-hours\nhours",
        "On-call hours in the evening, at weekends and on holidays, outside sleep",
    ),
    ("Sleep\nhours", "On-call hours in their sleep window (22:00-08:00 local)"),
    ("Weekend\nhours", "On-call hours that fell on their weekend (any band)"),
    ("Holiday\nhours", "On-call hours that fell on their public holidays (any band)"),
    ("Pages", "Every notification they received, interrupting or not"),
    (
        "Interrup-\ntions",
        "Times they were disturbed: pages within 60 s merge, and so do re-pages "
        "of an incident they were still working; email and low urgency do not interrupt",
    ),
    ("Night\npages", "Interruptions that started in their sleep window"),
    ("Interrupted\nnights", "Nights with an interruption, or 30 min of work inside the window"),
    ("Rest-deficit\nnights", "Nights whose longest undisturbed stretch was under 5 hours"),
    ("Engaged\nhours", "Hours spent working pages (overlapping incidents count once)"),
    (
        "Load\nrisk",
        "On-call load risk now (Low, Elevated, High), whatever the range; hover for the reason. "
        "A load signal to plan with, not a medical assessment",
    ),
)
RISK_COLUMN = len(COLUMNS) - 1


def column_words(column: int) -> str:
    """A column's header on one line: "Interrupted nights"."""
    return COLUMNS[column][0].replace("-\n", "").replace("\n", " ")


HOUR_COLUMNS = {1: "business", 2: "off_hours", 3: "sleep", 4: "weekend", 5: "holiday"}


@dataclass(frozen=True, slots=True)
class LoadRow:
    """One table row: an engineer's load and their public holidays (for drill-down)."""

    load: EngineerLoad
    holidays: frozenset[date]

    @property
    def engineer(self) -> Engineer:
        """Whose load this is."""
        return self.load.engineer


def value(row: LoadRow, column: int) -> float | int | str:
    """The number a column shows for a row (the engineer's name for column 0)."""
    load = row.load
    if column == 0:
        return load.engineer.name
    if column in HOUR_COLUMNS:
        return getattr(load.oncall, HOUR_COLUMNS[column])
    return {
        6: load.page_count,
        7: load.interruption_count,
        8: load.night_page_count,
        9: load.interrupted_night_count,
        10: load.rest_deficit_night_count,
        11: load.engaged_hours,
    }[column]


class LoadTableModel(DataclassTableModel[LoadRow]):
    """Per-engineer load numbers; sorts by the numbers themselves."""

    HEADERS = tuple(h for h, _ in COLUMNS)
    risk: dict[int, Assessment] = {}  # noqa: RUF012 - replaced whole by the view, never mutated

    def text(self, item: LoadRow, column: int) -> str:
        if column == RISK_COLUMN:
            found = self.risk.get(item.engineer.id)
            return badge_text(found.level) if found else "–"
        v = value(item, column)
        if column == 0:
            return f"{v} ({city(item.engineer.zone)})"
        if isinstance(v, float):
            return fmt_hours(v) if v else "–"
        return str(v) if v else "–"

    def sort_key(self, item: LoadRow, column: int) -> str | int | float:
        if column == RISK_COLUMN:
            found = self.risk.get(item.engineer.id)
            return RANK[found.level] if found else -1
        v = value(item, column)
        return v.casefold() if isinstance(v, str) else v

    def tooltip(self, item: LoadRow, column: int) -> str | None:
        if column == 0:
            return f"{item.engineer.name}, {item.engineer.zone}"
        if column == RISK_COLUMN:
            found = self.risk.get(item.engineer.id)
            return tooltip_text(found) if found else None
        return f"{COLUMNS[column][1]}. Click or press Enter for what is behind it."

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.ToolTipRole:
            return COLUMNS[section][1] if 0 <= section < len(COLUMNS) else None
        return super().headerData(section, orientation, role)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() > 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return super().data(index, role)


# ------------------------------------------------------------------------------ drill-down


@dataclass(frozen=True, slots=True)
class Drill:
    """What is behind one number: a title, column headers and rows of text."""

    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


def _at(at: datetime, zone: str) -> str:
    local = at.astimezone(_tz(zone))
    return f"{local:%a} {local.day} {local:%b %H:%M}"


def _tz(zone: str) -> ZoneInfo:
    return zone_info(zone)


def _page_row(p: Page, zone: str, viewer: str) -> tuple[str, ...]:
    return (
        _at(p.triggered_at, zone),
        _at(p.triggered_at, viewer),
        p.channel.value if p.channel else "–",
        p.urgency.value if p.urgency else "–",
        p.service or "–",
        p.title or "–",
        p.source,
    )


_PAGE_HEADERS = ("Their time", "Your time", "Channel", "Urgency", "Service", "Title", "Source")


def _interruption_row(i: Interruption, zone: str, viewer: str) -> tuple[str, ...]:
    titles = "; ".join(dict.fromkeys(p.title for p in i.pages if p.title)) or "–"
    return (
        _at(i.start, zone),
        _at(i.start, viewer),
        str(len(i.pages)),
        fmt_hours(i.end - i.start),
        titles,
    )


_INTERRUPTION_HEADERS = ("Their time", "Your time", "Pages merged", "Engaged", "Titles")


def _night_row(n: Night, zone: str, viewer: str) -> tuple[str, ...]:
    return (
        f"{n.key:%a} {n.key.day} {n.key:%b}",
        f"{_at(n.start, zone)} – {_at(n.end, zone)}",
        f"{_at(n.start, viewer)} – {_at(n.end, viewer)}",
        str(len(n.pages)),
        str(n.wake_episodes),
        fmt_hours(n.longest_rest),
    )


_NIGHT_HEADERS = (
    "Night of",
    "Sleep window (their time)",
    "Your time",
    "Pages",
    "Times woken",
    "Longest rest",
)


def drill_down(row: LoadRow, column: int, viewer: str) -> Drill:
    """The pages, shifts, interruptions or nights behind ``column`` of ``row``, with times in
    the engineer's zone and the viewer's."""
    load, person = row.load, row.engineer
    zone = person.zone or "UTC"
    name = person.name
    header = COLUMNS[column][0]
    if column in HOUR_COLUMNS:
        attr = HOUR_COLUMNS[column]
        rows = []
        for a, b in load.oncall_spans:
            hours = getattr(split_by_band(a, b, zone, DEFAULT_SETTINGS, row.holidays), attr)
            if hours > 0:
                rows.append(
                    (_at(a, zone), _at(b, zone), _at(a, viewer), _at(b, viewer), fmt_hours(hours))
                )
        label = header.split("\n")[0].lower()
        return Drill(
            f"{name}: on call, {label} hours",
            ("From (their time)", "Until", "From (your time)", "Until", f"{label} hours"),
            tuple(rows),
        )
    if column == 6:
        return Drill(
            f"{name}: pages", _PAGE_HEADERS, tuple(_page_row(p, zone, viewer) for p in load.pages)
        )
    if column in (7, 8):
        found = load.interruptions if column == 7 else load.night_pages
        return Drill(
            f"{name}: {column_words(column).lower()}",
            _INTERRUPTION_HEADERS,
            tuple(_interruption_row(i, zone, viewer) for i in found),
        )
    if column in (9, 10):
        found_nights = load.interrupted_nights if column == 9 else load.rest_deficit_nights
        return Drill(
            f"{name}: {column_words(column).lower()}",
            _NIGHT_HEADERS,
            tuple(_night_row(n, zone, viewer) for n in found_nights),
        )
    if column == 11:
        return Drill(
            f"{name}: engaged time",
            ("From (their time)", "Until", "From (your time)", "Hours"),
            tuple(
                (_at(a, zone), _at(b, zone), _at(a, viewer), fmt_hours(b - a))
                for a, b in load.engaged_spans
            ),
        )
    raise ValueError(f"column {column} has nothing behind it")


class DrillDownDialog(QDialog):
    """A read-only list of what is behind a number."""

    def __init__(self, drill: Drill, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.drill = drill
        self.setWindowTitle(drill.title)
        unit = self.fontMetrics().height()
        title = QLabel(drill.title, self)
        title.setFont(scaled_font(self, 1.15, bold=True))
        self.table = QTableWidget(len(drill.rows), len(drill.headers), self)
        self.table.setHorizontalHeaderLabels(list(drill.headers))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.setAccessibleName(drill.title)
        for r, cells in enumerate(drill.rows):
            for c, text in enumerate(cells):
                self.table.setItem(r, c, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setStretchLastSection(True)
        empty = MutedLabel("Nothing in this range." if not drill.rows else "", self)
        empty.setVisible(not drill.rows)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        column = QVBoxLayout(self)
        column.addWidget(title)
        column.addWidget(self.table, 1)
        column.addWidget(empty)
        column.addWidget(buttons)
        self.resize(unit * 60, unit * 24)


# ------------------------------------------------------------------------------ the screen


def gather(
    ctx: AppContext, team_id: int, start: datetime, end: datetime
) -> tuple[list[LoadRow], list[Page]]:
    """The team's load rows over ``[start, end)`` (by name) and the pages triggered in it."""
    from oncall.exchange.public_holidays import holiday_dates

    with ctx.sessions() as s:
        people = sorted(queries.team_engineers(s, team_id), key=lambda e: (e.name.lower(), e.id))
        ids = [e.id for e in people]
        shifts = queries.ledger(s, team_id, start, end)
        pages = page_store.list_pages(s, engineer_ids=ids, start=start - _LOOKBACK, end=end)
        leave = queries.list_leave(s, ids, start, end)
    holidays = holiday_dates(people, range(start.year - 1, end.year + 2))
    loads = team_load(people, shifts, pages, leave, holidays, start, end, LOAD_SETTINGS)
    rows = [LoadRow(load, holidays.get(load.engineer.id, frozenset())) for load in loads]
    return rows, [p for p in pages if p.triggered_at >= start]


class _EnterFilter(QObject):
    """Enter or Return on the table opens the drill-down of the current cell."""

    def __init__(self, action: Callable[[QModelIndex], None], parent: QObject) -> None:
        super().__init__(parent)
        self.action = action

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and isinstance(watched, QTableView)
        ):
            self.action(watched.currentIndex())
            return True
        return False


class LoadView(QWidget):
    """The Load screen.

    Signals:
        changed(): a page was logged or imported (or that was undone); other screens refresh.
    """

    changed = Signal()

    def __init__(self, ctx: AppContext, undo: QUndoStack, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.undo = ctx, undo
        self.zone = viewer_zone(ctx)
        self.teams: list[Team] = []
        self.team_id: int | None = None
        self.rows: list[LoadRow] = []
        self.pages: list[Page] = []
        self.start: datetime | None = None
        self.end: datetime | None = None
        self.worker = None  # the export running, if any
        self.last_drill: DrillDownDialog | None = None
        self._build()
        self.refresh()

    # -- building ---------------------------------------------------------------------------

    def _build(self) -> None:
        unit = self.fontMetrics().height()
        self.team_box = QComboBox(self)
        self.team_box.setAccessibleName("Team")
        self.team_box.currentIndexChanged.connect(self._on_team_changed)
        team_label = QLabel("&Team", self)
        team_label.setBuddy(self.team_box)
        self.range_box = QComboBox(self)
        self.range_box.setAccessibleName("Range")
        for key, text in RANGES:
            self.range_box.addItem(text, key)
        self.range_box.setCurrentIndex(1)  # four weeks: long enough to see a rotation
        self.range_box.currentIndexChanged.connect(self._on_range_changed)
        range_label = QLabel("&Range", self)
        range_label.setBuddy(self.range_box)
        today = self.ctx.clock().astimezone(_tz(self.zone)).date()
        self.first_edit = QDateEdit(QDate(today - timedelta(days=27)), self)
        self.last_edit = QDateEdit(QDate(today), self)
        for edit, name in ((self.first_edit, "First day"), (self.last_edit, "Last day")):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("d MMM yyyy")
            edit.setAccessibleName(name)
            edit.dateChanged.connect(self._on_dates_changed)
        self.to_label = QLabel("to", self)
        self.import_button = QPushButton("&Import…", self)
        self.import_button.setToolTip("Import paging history from a CSV file or PagerDuty")
        self.import_button.clicked.connect(self.open_import)
        self.log_button = QPushButton("&Log a page…", self)
        self.log_button.setToolTip("Record a page from a system oncall does not import")
        self.log_button.clicked.connect(self.log_page)
        self.export_button = QPushButton("E&xport pay CSV…", self)
        self.export_button.setToolTip("On-call and engaged hours by band, per person and month")
        self.export_button.clicked.connect(self.export_pay_csv)

        bar = QHBoxLayout()
        bar.setSpacing(unit // 3)
        for w in (team_label, self.team_box):
            bar.addWidget(w)
        bar.addSpacing(unit)
        for w in (range_label, self.range_box, self.first_edit, self.to_label, self.last_edit):
            bar.addWidget(w)
        bar.addStretch(1)
        for w in (self.import_button, self.log_button, self.export_button):
            bar.addWidget(w)

        self.summary = QLabel(self)
        self.summary.setFont(scaled_font(self, 1.1, bold=True))
        self.summary.setAccessibleName("Summary")
        self.model = LoadTableModel(self)
        self.proxy = sorted_proxy(self.model, self)
        self.table = QTableView(self)
        self.table.setModel(self.proxy)
        self.table.setAccessibleName("Load per engineer")
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        # Names are never cut short; spare width goes to the last column, and a narrow window
        # (or 200 % text) scrolls the numbers sideways instead.
        header.setStretchLastSection(True)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignCenter)
        self.table.clicked.connect(self.open_drill_down)
        self.table.installEventFilter(_EnterFilter(self.open_drill_down, self))
        self.note = MutedLabel(NOTE, self)
        self.heatmap = HeatmapWidget(self)
        self.bars = LoadBars(self)

        content = QWidget(self)
        column = QVBoxLayout(content)
        column.setContentsMargins(0, 0, unit // 2, 0)
        column.addWidget(self.summary)
        column.addWidget(self.table)
        column.addWidget(self.note)
        self.interrupting_box = QCheckBox("I&nterrupting only", content)
        self.interrupting_box.setToolTip(
            "Count only the pages that interrupt (burnout.md D2, as in the table): not email, "
            "not low urgency"
        )
        self.interrupting_box.toggled.connect(self._show_heatmap)
        self.heatmap_note = MutedLabel("", content)
        heading = QHBoxLayout()
        heading.addWidget(SectionHeader("When pages come", content))
        heading.addStretch(1)
        heading.addWidget(self.interrupting_box, 0, Qt.AlignmentFlag.AlignBottom)
        column.addLayout(heading)
        column.addWidget(self.heatmap_note)
        column.addWidget(self.heatmap)
        column.addWidget(SectionHeader("On-call hours by band", content))
        column.addWidget(self.bars)
        column.addStretch(1)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        # Everything fits the width (the table scrolls itself if it must): no sideways page.
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(content)

        self.empty = self._empty_state()
        self.stack = QStackedWidget(self)
        self.stack.addWidget(scroll)
        self.stack.addWidget(self.empty)

        self.progress = QProgressBar(self)
        self.progress.setAccessibleName("Progress")
        self.progress_label = QLabel(self)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.clicked.connect(self.cancel_work)
        strip = QHBoxLayout()
        strip.addWidget(self.progress_label)
        strip.addWidget(self.progress, 1)
        strip.addWidget(self.cancel_button)
        self.progress_strip = QWidget(self)
        self.progress_strip.setLayout(strip)
        self.progress_strip.setVisible(False)
        self.status = MutedLabel("", self)
        self.status.setAccessibleName("Status")

        outer = QVBoxLayout(self)
        outer.setContentsMargins(unit, unit, unit, unit // 2)
        outer.setSpacing(unit // 2)
        outer.addLayout(bar)
        outer.addWidget(self.stack, 1)
        outer.addWidget(self.progress_strip)
        outer.addWidget(self.status)
        self._show_custom_dates()

    def _empty_state(self) -> QWidget:
        unit = self.fontMetrics().height()
        page = QWidget(self)
        self.empty_title = QLabel("No paging history yet", page)
        self.empty_title.setFont(scaled_font(self, 1.5, bold=True))
        self.empty_title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_text = MutedLabel(
            "The Load screen shows, per person, the hours on call and the pages that woke them. "
            "Import a CSV export or your PagerDuty history, or log a page by hand for systems "
            "oncall does not import. On-call hours come from the schedule you already have.",
            page,
        )
        self.empty_text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_import = QPushButton("Import paging history…", page)
        self.empty_import.clicked.connect(self.open_import)
        self.empty_log = QPushButton("Log a page…", page)
        self.empty_log.clicked.connect(self.log_page)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.empty_import)
        buttons.addWidget(self.empty_log)
        buttons.addStretch(1)
        column = QVBoxLayout()
        column.setSpacing(round(unit * 0.6))
        column.addStretch(2)
        column.addWidget(self.empty_title)
        column.addWidget(self.empty_text)
        column.addSpacing(unit // 2)
        column.addLayout(buttons)
        column.addStretch(3)
        outer = QHBoxLayout(page)
        outer.addStretch(1)
        outer.addLayout(column, 4)
        outer.addStretch(1)
        return page

    # -- state ------------------------------------------------------------------------------

    @property
    def range_key(self) -> str:
        """ "7d", "28d", "90d" or "custom"."""
        return str(self.range_box.currentData())

    def set_range(self, key: str, first: date | None = None, last: date | None = None) -> None:
        """Choose a range; for "custom", the first and last local days (inclusive)."""
        if first is not None:
            self.first_edit.setDate(QDate(first))
        if last is not None:
            self.last_edit.setDate(QDate(last))
        self.range_box.setCurrentIndex(self.range_box.findData(key))
        self.refresh()

    def set_team(self, team_id: int) -> None:
        """Show one team."""
        index = self.team_box.findData(team_id)
        if index >= 0:
            self.team_box.setCurrentIndex(index)

    def _on_team_changed(self, index: int) -> None:
        if index >= 0 and self.team_box.currentData() != self.team_id:
            self.team_id = self.team_box.currentData()
            self._load()

    def _on_range_changed(self, _index: int) -> None:
        self._show_custom_dates()
        self._load()

    def _on_dates_changed(self, _date: QDate) -> None:
        if self.range_key == "custom":
            self._load()

    def _show_custom_dates(self) -> None:
        custom = self.range_key == "custom"
        for w in (self.first_edit, self.to_label, self.last_edit):
            w.setVisible(custom)

    def team(self) -> Team | None:
        """The team on show."""
        return next((t for t in self.teams if t.id == self.team_id), None)

    def period(self) -> tuple[datetime, datetime]:
        """The range on show, in the team's zone (whole local days for chosen dates)."""
        team = self.team()
        zone = team.zone if team is not None else self.zone
        if self.range_key == "custom":
            first, last = self.first_edit.date().toPython(), self.last_edit.date().toPython()
            if last < first:
                first, last = last, first
            return date_range(first, last, zone)
        return period(self.range_key, self.ctx.clock(), zone)

    def refresh(self) -> None:
        """Re-read teams and the load of the team on show."""
        self.zone = viewer_zone(self.ctx)
        with self.ctx.sessions() as s:
            self.teams = queries.list_teams(s)
        self.team_id = fill_team_picker(self.team_box, self.teams, self.team_id)
        self._load()

    def _load(self) -> None:
        if self.team_id is None:
            self.rows, self.pages = [], []
            self.empty_title.setText("No teams yet")
            self.empty_text.setText(
                "Add a team and its people on the Team screen; their load shows here."
            )
            self.empty_import.setVisible(False)
            self.empty_log.setVisible(False)
            self.stack.setCurrentWidget(self.empty)
            return
        self.start, self.end = self.period()
        self.rows, self.pages = gather(self.ctx, self.team_id, self.start, self.end)
        if not self.pages and not self._has_history():
            self.stack.setCurrentWidget(self.empty)
            self.empty_import.setVisible(True)
            self.empty_log.setVisible(bool(self.rows))
            return
        self.stack.setCurrentIndex(0)
        self.model.risk = team_risk(self.ctx, self.team_id, self.ctx.clock())
        self.model.set_rows(self.rows)
        self._fit_table()
        self.summary.setText(self._summary_text())
        self._show_heatmap()
        self.bars.set_rows(
            [BarRow(r.engineer.name, r.load.oncall) for r in self.rows if r.load.oncall.total > 0]
        )

    def _show_heatmap(self) -> None:
        """The heatmap of the range's pages; with "Interrupting only" just the pages that
        interrupt (D2), classified with the same settings as the table's interruptions."""
        only = self.interrupting_box.isChecked()
        people = {r.engineer.id: r.engineer for r in self.rows}
        grid = hour_of_week_heatmap(self.pages, people, LOAD_SETTINGS, interrupting_only=only)
        self.heatmap.set_grid(grid, "interrupting pages" if only else "pages")
        self.heatmap_note.setText(
            "Interrupting pages (not email, not low urgency) by hour of the week, each in the "
            "paged engineer's local time."
            if only
            else "Pages by hour of the week, each in the paged engineer's local time."
        )

    def _has_history(self) -> bool:
        """Whether any of the team's people has a page at all (else: the empty state)."""
        ids = [r.engineer.id for r in self.rows]
        if not ids:
            return False
        with self.ctx.sessions() as s:
            return bool(page_store.list_pages(s, engineer_ids=ids, end=self.start))

    def _fit_table(self) -> None:
        # Every person visible without an inner scroll bar: the page scrolls instead.
        header = self.table.horizontalHeader().height()
        rows = sum(self.table.rowHeight(r) for r in range(self.model.rowCount()))
        wide = self.table.horizontalHeader().length() > self.table.viewport().width()
        scroll = self.table.horizontalScrollBar().sizeHint().height() if wide else 0
        self.table.setFixedHeight(header + rows + scroll + 2 * self.table.frameWidth())

    def _summary_text(self) -> str:
        assert self.start is not None
        assert self.end is not None
        team = self.team()
        zone = team.zone if team is not None else self.zone
        a = self.start.astimezone(_tz(zone))
        b = (self.end - timedelta(seconds=1)).astimezone(_tz(zone))
        nights = sum(r.load.interrupted_night_count for r in self.rows)
        pages = len(self.pages)
        return (
            f"{a.day} {a:%b} – {b.day} {b:%b %Y}: {pages} {'page' if pages == 1 else 'pages'}, "
            f"{nights} interrupted {'night' if nights == 1 else 'nights'}"
        )

    # -- drill-down -------------------------------------------------------------------------

    def row_at(self, index: QModelIndex) -> LoadRow | None:
        """The row behind a (proxy) index of the table."""
        return self.model.row(self.proxy.mapToSource(index)) if index.isValid() else None

    def drill(self, index: QModelIndex) -> Drill | None:
        """What is behind the number at a (proxy) index; None for the name column."""
        row = self.row_at(index)
        if row is None or index.column() in (0, RISK_COLUMN):
            return None
        return drill_down(row, index.column(), self.zone)

    def open_drill_down(self, index: QModelIndex) -> DrillDownDialog | None:
        """Show what is behind the number at ``index`` (non-modal)."""
        found = self.drill(index)
        if found is None:
            return None
        dialog = DrillDownDialog(found, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        self.last_drill = dialog
        return dialog

    # -- logging a page ---------------------------------------------------------------------

    def _people(self) -> list[Engineer]:
        return [r.engineer for r in self.rows if r.engineer.active]

    def log_page(self) -> bool:
        """Ask for a page and log it undoably."""
        from oncall.ui.page_dialog import PageDialog

        page = PageDialog.ask(self, self._people(), self.zone, self.ctx.clock())
        return page is not None and self.save_page(page)

    def save_page(self, page: Page) -> bool:
        """Log ``page`` by hand; undo deletes it again."""
        now = self.ctx.clock()
        state: dict[str, int] = {}

        def do() -> None:
            with self.ctx.sessions.begin() as s:
                state["id"] = page_store.log_page(s, page, now).id

        def undo() -> None:
            with self.ctx.sessions.begin() as s:
                page_store.delete_page(s, state["id"])

        who = next((e.name.split()[0] for e in self._people() if e.id == page.engineer_id), "")
        text = f"Log a page for {who}".strip()
        if error := push_edit(self.undo, text, do, undo, self._after_edit):
            self._say(f"The page was not logged: {error}")
            return False
        self._say("Page logged. Undo removes it again.")
        return True

    def _after_edit(self) -> None:
        self._load()
        self.changed.emit()

    def _say(self, text: str) -> None:
        self.status.setText(text)

    # -- import -----------------------------------------------------------------------------

    def open_import(self) -> None:
        """Open the import wizard; refresh after an import that wrote something."""
        from oncall.ui.import_wizard import ImportWizard

        wizard = ImportWizard(self.ctx, self)
        wizard.imported.connect(self._after_edit)
        wizard.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        wizard.open()
        self.wizard = wizard

    # -- pay export -------------------------------------------------------------------------

    def ask_export_path(self) -> Path | None:
        """Where to save the pay CSV (a file dialog; tests replace this)."""
        team = self.team()
        suggested = f"oncall-pay-{team.name.lower() if team else 'all'}.csv"
        path, _ = QFileDialog.getSaveFileName(
            self, "Export pay CSV", suggested, "CSV files (*.csv)"
        )
        return Path(path) if path else None

    def export_pay_csv(self) -> bool:
        """Write the pay CSV of the range on show, per person and month, on the worker."""
        if self.team_id is None or self.start is None or self.end is None:
            return False
        path = self.ask_export_path()
        if path is None:
            return False
        team = self.team()
        zone = team.zone if team is not None else self.zone
        first = self.start.astimezone(_tz(zone)).date()
        last = (self.end - timedelta(seconds=1)).astimezone(_tz(zone)).date()
        job = _pay_job(self.ctx, self.team_id, first, last, path)
        self.run(job, f"Exporting pay CSV to {path.name}", f"Saved {path}")
        return True

    def run(self, job: Callable[[], Iterator[object]], busy: str, done: str) -> None:
        """Run a job on the worker with the progress strip and Cancel."""
        from oncall.ui.workers import Worker

        worker = Worker(job)
        self.worker = worker
        self.progress_label.setText(busy)
        self.progress.setRange(0, 0)
        self.progress_strip.setVisible(True)
        self.export_button.setEnabled(False)
        worker.signals.progress.connect(self._on_progress)
        worker.signals.failed.connect(lambda m: self._say(f"That did not work: {m}"))
        worker.signals.cancelled.connect(lambda: self._say("Cancelled; nothing was written."))
        worker.signals.finished.connect(lambda: self._on_finished(worker, done))
        worker.start()

    def _on_progress(self, value: object) -> None:
        done, total = getattr(value, "done", 0), getattr(value, "total", 0)
        if total:
            self.progress.setRange(0, total)
            self.progress.setValue(done)

    def _on_finished(self, worker: object, done: str) -> None:
        if self.worker is worker:
            self.worker = None
        self.progress_strip.setVisible(False)
        self.export_button.setEnabled(True)
        if not (getattr(worker, "is_cancelled", False) or self.status.text().startswith("That")):
            self._say(done)

    def cancel_work(self) -> None:
        """Cancel the job on the worker (it stops at its next step; nothing half-written)."""
        if self.worker is not None:
            self.worker.cancel()


def _pay_job(
    ctx: AppContext, team_id: int, first: date, last: date, path: Path
) -> Callable[[], Iterator[object]]:
    """The pay export as a job: rows per month, then one atomic write."""

    def job() -> Iterator[object]:
        from oncall.exchange.pay_csv import pay_rows, write_pay_csv
        from oncall.jobs import Progress

        yield Progress(0, 2, "Adding up hours")
        with ctx.sessions() as s:
            rows = pay_rows(s, first, last, period="month", team_id=team_id)
        yield Progress(1, 2, "Writing the file")
        write_pay_csv(path, rows)
        yield Progress(2, 2, "Saved")

    return job
