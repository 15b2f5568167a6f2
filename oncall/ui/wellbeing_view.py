"""The Wellbeing screen: who carries too much on-call load, exactly why, and how it went.

For one team: a plain note on what this is (a load signal, not a medical assessment); per
person the level (a badge: word and shape), every reason as a sentence with its numbers and
its source on hover, "partial" when history is short, the advisories as suggestions, and a
sparkline of their weekly level over the past months; then the team's spread of out-of-hours
interruptions over 28 days with the median marked and anyone at 2x the median or more named
in words. Levels come from ``oncall.domain.risk`` through the shared cache of
``oncall.ui.risk_badge``.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QEvent, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QHelpEvent, QPainter, QPaintEvent, QPalette, QPen, QUndoStack
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from oncall.app import AppContext
from oncall.db import pages as page_store
from oncall.db import queries
from oncall.domain.model import Engineer, Team
from oncall.domain.risk import Assessment, Level
from oncall.ui import theme
from oncall.ui.recovery import arrange_recovery, needs_recovery, recovery_button
from oncall.ui.risk_badge import (
    RANK,
    RiskBadge,
    gather_team,
    level_colour,
    level_word,
    risk_settings,
    team_risk,
)
from oncall.ui.widgets import Card, MutedLabel, SectionHeader, fill_team_picker, scaled_font

NOTE = (
    "This is a load signal to plan with, not a medical assessment. "
    "Talk to the person, not about them."
)
PARTIAL = "Partial: less than 28 days of history"
TREND_WEEKS = 26
SPREAD_DAYS = 28
OUT_OF_HOURS_RULE = "C1"  # out-of-hours interruptions over 28 days


# ------------------------------------------------------------------------------ words


def sentence(result: Any) -> str:
    """A rule result's (or an advisory's) sentence with its numbers."""
    return str(getattr(result, "reason", result))


def source(result: Any) -> str:
    """Where a rule's default comes from, as a tooltip says it."""
    found = getattr(result, "source", "")
    return f"Source: {found}" if found else ""


def reasons_of(a: Assessment) -> list[Any]:
    """Every reason of an assessment, High first (the model's order)."""
    return list(a.reasons)


def advisories_of(a: Assessment) -> list[Any]:
    """The planning suggestions (A1) that apply: an advisory that found nothing is not shown."""
    return [r for r in getattr(a, "advisories", ()) or () if getattr(r, "outcome", "") != "ok"]


def out_of_hours(a: Assessment) -> int | None:
    """Out-of-hours interruptions in the last 28 days (rule C1's value), if known."""
    for r in a.rules:
        if getattr(r, "rule", "") == OUT_OF_HOURS_RULE and r.value is not None:
            return int(r.value)
    return None


# ------------------------------------------------------------------------------ trend


class TrendSparkline(QWidget):
    """Weekly levels over the past months: one column a week, taller and filled for higher
    levels (shape and height, not colour alone), month labels under it, a tooltip per week."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.weeks: list[tuple[datetime, Level]] = []
        self.zone = "UTC"
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def set_weeks(self, weeks: Sequence[tuple[datetime, Level]], zone: str) -> None:
        """Show ``weeks`` (week start, level), oldest first."""
        self.weeks, self.zone = list(weeks), zone
        self.setAccessibleName("Weekly level, past months")
        self.setAccessibleDescription(self.summary())
        self.updateGeometry()
        self.update()

    def summary(self) -> str:
        """ "Past 26 weeks: 20 weeks low, 4 elevated, 2 high" (also the accessible text)."""
        counts = {level: sum(1 for _, v in self.weeks if v == level) for level in Level}
        parts = [f"{counts[lv]} {level_word(lv).lower()}" for lv in Level if counts[lv]]
        return f"Past {len(self.weeks)} weeks: " + ", ".join(parts) if self.weeks else ""

    def _geometry(self) -> tuple[float, float, float, float]:
        fm = self.fontMetrics()
        left = float(fm.horizontalAdvance("Elevated") + fm.height() // 2)
        plot_h = fm.height() * 2.4
        # a small chart: columns stop widening at about one line height each
        step = min((self.width() - left - 2) / max(1, len(self.weeks)), fm.height() * 1.1)
        return left, plot_h, step, float(fm.height())

    def sizeHint(self) -> QSize:
        fm = self.fontMetrics()
        left, plot_h, _, label_h = self._geometry()
        return QSize(
            int(left + max(1, len(self.weeks)) * fm.height() * 0.7), int(plot_h + label_h * 1.4)
        )

    def minimumSizeHint(self) -> QSize:
        return QSize(self.fontMetrics().height() * 14, self.sizeHint().height())

    def week_at(self, x: float) -> int | None:
        """The index of the week under ``x``, if any."""
        left, _, step, _ = self._geometry()
        i = int((x - left) // step) if step > 0 else -1
        return i if 0 <= i < len(self.weeks) else None

    def event(self, event: QEvent) -> bool:
        """A tooltip naming the week and its level."""
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            i = self.week_at(event.position().x() if hasattr(event, "position") else event.x())
            if i is not None:
                at, level = self.weeks[i]
                local = at.astimezone(ZoneInfo(self.zone))
                QToolTip.showText(
                    event.globalPos(), f"Week of {local.day} {local:%b %Y}: {level_word(level)}"
                )
            else:
                QToolTip.hideText()
            return True
        return super().event(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        if not self.weeks:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        muted = theme.muted_text(palette)
        left, plot_h, step, label_h = self._geometry()
        small = scaled_font(self, 0.85)
        painter.setFont(small)
        painter.setPen(muted)
        for level, y in ((Level.HIGH, 0.0), (Level.LOW, plot_h - label_h)):
            painter.drawText(
                QRectF(0, y, left - 4, label_h),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                level_word(level),
            )
        base = QColor(palette.color(QPalette.ColorRole.Mid))
        painter.setPen(QPen(base, 1))
        painter.drawLine(int(left), int(plot_h), int(left + step * len(self.weeks)), int(plot_h))
        gap = max(1.0, step * 0.2)
        last_month = None
        label_end = 0.0  # a month label is skipped rather than drawn over the last one
        for i, (at, level) in enumerate(self.weeks):
            colour = level_colour(level, palette)
            h = plot_h * (RANK[Level(level)] + 1) / 3
            x = left + i * step
            rect = QRectF(x + gap / 2, plot_h - h, max(1.0, step - gap), h)
            painter.setPen(QPen(colour, 1))
            fill = QColor(colour)
            fill.setAlphaF(1.0 if Level(level) is Level.HIGH else 0.55)
            painter.setBrush(fill)
            painter.drawRect(rect)
            local = at.astimezone(ZoneInfo(self.zone))
            if local.month != last_month and x >= label_end:
                last_month = local.month
                label_end = x + painter.fontMetrics().horizontalAdvance(f"{local:%b} ")
                painter.setPen(muted)
                painter.drawText(
                    QRectF(x, plot_h + 2, step * 5, label_h),
                    Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop,
                    f"{local:%b}",
                )
        painter.end()


# ------------------------------------------------------------------------------ spread


@dataclass(frozen=True, slots=True)
class SpreadRow:
    """One person in the spread: name, out-of-hours interruptions (28 d), marked or not."""

    engineer_id: int
    name: str
    count: int
    outlier: bool


def spread_rows(
    people: Sequence[Engineer], counts: dict[int, int], flagged: set[int]
) -> tuple[list[SpreadRow], float]:
    """The spread's rows (by count, then name) and the team median."""
    rows = [
        SpreadRow(e.id, e.name, counts.get(e.id, 0), e.id in flagged) for e in people if e.active
    ]
    rows.sort(key=lambda r: (-r.count, r.name.lower()))
    median = statistics.median([r.count for r in rows]) if rows else 0.0
    return rows, float(median)


def outlier_words(median: float) -> str:
    """The words beside someone at 2x the median or more."""
    return f"2× the team median ({median:g}) or more"


class SpreadChart(QWidget):
    """Horizontal bars of out-of-hours interruptions per person, one scale, the median as a
    dashed line with its number, and anyone at 2x the median or more named in words."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[SpreadRow] = []
        self.median = 0.0
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setAccessibleName("Out-of-hours interruptions per person, last 28 days")

    def set_rows(self, rows: Sequence[SpreadRow], median: float) -> None:
        """Show ``rows`` with the team ``median``."""
        self.rows, self.median = list(rows), median
        self.setAccessibleDescription("; ".join(self.texts()))
        self.updateGeometry()
        self.update()

    def texts(self) -> list[str]:
        """One line per person as the chart says it (tests and screen readers)."""
        out = [f"Team median: {self.median:g}"]
        for r in self.rows:
            line = f"{r.name}: {r.count}"
            if r.outlier:
                line += f" — {outlier_words(self.median)}"
            out.append(line)
        return out

    def _row_h(self) -> float:
        return self.fontMetrics().height() * 1.6

    def sizeHint(self) -> QSize:
        fm = self.fontMetrics()
        return QSize(
            fm.height() * 30, int(fm.height() * 1.5 + self._row_h() * max(1, len(self.rows)))
        )

    def minimumSizeHint(self) -> QSize:
        return QSize(self.fontMetrics().height() * 16, self.sizeHint().height())

    def paintEvent(self, event: QPaintEvent) -> None:
        if not self.rows:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        fm = self.fontMetrics()
        text_c = palette.color(QPalette.ColorRole.WindowText)
        muted = theme.muted_text(palette)
        bar_c = theme.muted_text(palette)
        mark_c = theme.attention(palette)
        unit = fm.height()
        name_w = max(fm.horizontalAdvance(r.name) for r in self.rows) + unit
        note_w = fm.horizontalAdvance(f"99  {outlier_words(self.median)}") + unit
        top = unit * 1.5
        plot_left = float(name_w)
        plot_w = max(unit * 4.0, self.width() - name_w - note_w)
        peak = max(max(r.count for r in self.rows), 1)
        scale = plot_w / peak
        row_h = self._row_h()
        for i, r in enumerate(self.rows):
            y = top + i * row_h
            painter.setPen(text_c)
            painter.drawText(
                QRectF(0, y, name_w - unit / 2, row_h),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                r.name,
            )
            w = r.count * scale
            bar = QRectF(plot_left, y + row_h * 0.2, max(w, 1.5), row_h * 0.6)
            colour = mark_c if r.outlier else bar_c
            fill = QColor(colour)
            fill.setAlphaF(0.85 if r.outlier else 0.45)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(fill)
            painter.drawRoundedRect(bar, 2, 2)
            label = str(r.count)
            font = scaled_font(self, 1.0, bold=r.outlier)
            painter.setFont(font)
            painter.setPen(text_c)
            x = plot_left + w + unit / 2
            painter.drawText(
                QRectF(x, y, note_w, row_h),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                label + (f"  {outlier_words(self.median)}" if r.outlier else ""),
            )
            painter.setFont(self.font())
        # the median: a dashed line through every bar, its number on top
        mx = plot_left + self.median * scale
        pen = QPen(text_c, 1.2, Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.drawLine(
            QRectF(mx, top - unit * 0.2, 0, 0).topLeft(),
            QRectF(mx, top + row_h * len(self.rows), 0, 0).topLeft(),
        )
        painter.setPen(muted)
        painter.drawText(
            QRectF(mx - unit * 6, 0, unit * 12, unit * 1.3),
            Qt.AlignmentFlag.AlignCenter,
            f"median {self.median:g}",
        )
        painter.end()


# ------------------------------------------------------------------------------ a person


class PersonCard(Card):
    """One person: name and badge, every reason (source on hover), partial, suggestions, trend."""

    def __init__(
        self,
        person: Engineer,
        assessment: Assessment,
        weeks: Sequence[tuple[datetime, Level]],
        zone: str,
        parent: QWidget | None = None,
    ) -> None:
        level = Level(assessment.level)
        palette = QApplication.palette()
        accent = None if level is Level.LOW else level_colour(level, palette)
        super().__init__(parent, accent=accent)
        self.person, self.assessment = person, assessment
        self.recovery_button: QPushButton | None = None  # "Arrange recovery…" after a heavy night
        self.setAccessibleName(f"{person.name}: {level_word(level)}")
        top = QHBoxLayout()
        name = QLabel(person.name)
        name.setFont(scaled_font(self, 1.2, bold=True))
        name.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.badge = RiskBadge(assessment)
        top.addWidget(name)
        top.addSpacing(self.fontMetrics().height() // 2)
        top.addWidget(self.badge)
        top.addStretch(1)
        self.layout_.addLayout(top)
        self.reason_labels: list[QLabel] = []
        self.partial_label: QLabel | None = None
        if assessment.partial:
            self.partial_label = MutedLabel(PARTIAL)
            self.layout_.addWidget(self.partial_label)
        reasons = reasons_of(assessment)
        for r in reasons:
            label = QLabel(f"• {sentence(r)}")
            label.setWordWrap(True)
            label.setToolTip(source(r))
            label.setAccessibleDescription(source(r))
            # Tab reaches each reason, so its source can be read without a mouse.
            label.setFocusPolicy(Qt.FocusPolicy.TabFocus)
            label.setTextInteractionFlags(
                Qt.TextInteractionFlag.TextSelectableByKeyboard
                | Qt.TextInteractionFlag.TextSelectableByMouse
            )
            self.layout_.addWidget(label)
            self.reason_labels.append(label)
        if not reasons:
            self.layout_.addWidget(MutedLabel("Every check is below its thresholds."))
        self.advice_labels: list[QLabel] = []
        for a in advisories_of(assessment):
            label = QLabel(f"Suggestion: {sentence(a)}")
            label.setWordWrap(True)
            label.setToolTip(source(a))
            label.setFocusPolicy(Qt.FocusPolicy.TabFocus)
            italic = label.font()
            italic.setItalic(True)
            label.setFont(italic)
            self.layout_.addWidget(label)
            self.advice_labels.append(label)
        self.trend = TrendSparkline()
        self.trend.set_weeks(weeks, zone)
        if weeks:
            self.layout_.addSpacing(self.fontMetrics().height() // 3)
            self.layout_.addWidget(MutedLabel(self.trend.summary()))
            self.layout_.addWidget(self.trend)

    def texts(self) -> list[str]:
        """Every text on the card (tests)."""
        return [w.text() for w in self.findChildren(QLabel) if w.text()] + [self.badge.text()]


# ------------------------------------------------------------------------------ the screen


class WellbeingView(QWidget):
    """The Wellbeing screen.

    Signals:
        changed(): paging history was imported from here; other screens refresh.
    """

    changed = Signal()

    def __init__(self, ctx: AppContext, undo: QUndoStack, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.undo = ctx, undo
        self.teams: list[Team] = []
        self.team_id: int | None = None
        self.assessments: dict[int, Assessment] = {}
        self.cards: list[PersonCard] = []
        self._build()
        self.refresh()

    def _build(self) -> None:
        unit = self.fontMetrics().height()
        self.team_box = QComboBox(self)
        self.team_box.setAccessibleName("Team")
        self.team_box.setMinimumContentsLength(14)
        self.team_box.currentIndexChanged.connect(self._on_team_changed)
        team_label = QLabel("&Team", self)
        team_label.setBuddy(self.team_box)
        self.summary = QLabel(self)
        self.summary.setFont(scaled_font(self, 1.1, bold=True))
        self.summary.setAccessibleName("Summary")
        bar = QHBoxLayout()
        bar.addWidget(team_label)
        bar.addSpacing(unit // 3)
        bar.addWidget(self.team_box)
        bar.addSpacing(unit)
        bar.addWidget(self.summary, 1)

        self.note = MutedLabel(NOTE, self)
        self.note.setAccessibleName("About this screen")

        self.people_box = QVBoxLayout()
        self.people_box.setSpacing(round(unit * 0.6))
        self.spread = SpreadChart(self)
        self.spread_text = MutedLabel("", self)
        content = QWidget(self)
        column = QVBoxLayout(content)
        column.setContentsMargins(0, 0, unit // 2, 0)
        column.addWidget(SectionHeader("People", content))
        column.addLayout(self.people_box)
        column.addWidget(SectionHeader("Out-of-hours interruptions, last 28 days", content))
        column.addWidget(self.spread_text)
        column.addWidget(self.spread)
        column.addStretch(1)
        self.scroll = QScrollArea(self)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setWidget(content)

        self.empty = QWidget(self)
        self.empty_title = QLabel("No paging history yet", self.empty)
        self.empty_title.setFont(scaled_font(self, 1.5, bold=True))
        self.empty_title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_text = MutedLabel(
            "Risk reads the pages that reached each person: nights interrupted, "
            "out-of-hours interruptions, incidents per shift. Import paging history on "
            "Load → Import (a CSV export or PagerDuty), or here.",
            self.empty,
        )
        self.empty_text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_import = QPushButton("&Import paging history…", self.empty)
        self.empty_import.clicked.connect(self.open_import)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.empty_import)
        buttons.addStretch(1)
        empty_column = QVBoxLayout()
        empty_column.addStretch(2)
        empty_column.addWidget(self.empty_title)
        empty_column.addWidget(self.empty_text)
        empty_column.addLayout(buttons)
        empty_column.addStretch(3)
        empty_outer = QHBoxLayout(self.empty)
        empty_outer.addStretch(1)
        empty_outer.addLayout(empty_column, 4)
        empty_outer.addStretch(1)

        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.scroll)
        self.stack.addWidget(self.empty)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(unit, unit, unit, unit // 2)
        outer.setSpacing(unit // 2)
        outer.addLayout(bar)
        outer.addWidget(self.note)
        outer.addWidget(self.stack, 1)

    # -- state ------------------------------------------------------------------------------

    def team(self) -> Team | None:
        """The team on show."""
        return next((t for t in self.teams if t.id == self.team_id), None)

    def set_team(self, team_id: int) -> None:
        """Show one team."""
        index = self.team_box.findData(team_id)
        if index >= 0:
            self.team_box.setCurrentIndex(index)

    def _on_team_changed(self, index: int) -> None:
        if index >= 0 and self.team_box.currentData() != self.team_id:
            self.team_id = self.team_box.currentData()
            self._load()

    def refresh(self) -> None:
        """Re-read the teams and the risk of the team on show."""
        with self.ctx.sessions() as s:
            self.teams = queries.list_teams(s)
        self.team_id = fill_team_picker(self.team_box, self.teams, self.team_id)
        self._load()

    def _load(self) -> None:
        for card in self.cards:
            card.setParent(None)
            card.deleteLater()
        self.cards = []
        if self.team_id is None:
            self._show_empty(
                "No teams yet", "Add a team and its people on the Team screen.", importing=False
            )
            return
        now = self.ctx.clock()
        team = self.team()
        zone = team.zone if team is not None else "UTC"
        start = now - timedelta(weeks=TREND_WEEKS) - timedelta(days=91)
        inputs = gather_team(self.ctx, self.team_id, start, now)
        if not inputs.pages and not self._has_pages([e.id for e in inputs.engineers]):
            self.assessments = {}
            self._show_empty(
                "No paging history yet",
                "Risk reads the pages that reached each person: nights interrupted, "
                "out-of-hours interruptions, incidents per shift. Import paging history on "
                "Load → Import (a CSV export or PagerDuty), or here.",
                importing=True,
            )
            return
        self.stack.setCurrentWidget(self.scroll)
        self.assessments = team_risk(self.ctx, self.team_id, now)
        people = [e for e in inputs.engineers if e.active and e.id in self.assessments]
        people.sort(key=lambda e: (-RANK[Level(self.assessments[e.id].level)], e.name.lower()))
        for person in people:
            weeks = self._trend(person, inputs, now)
            card = PersonCard(person, self.assessments[person.id], weeks, zone)
            if needs_recovery(self.assessments[person.id]):  # a heavy night: offer recovery
                card.recovery_button = recovery_button(card, partial(self.arrange, person.id))
                card.layout_.addWidget(card.recovery_button, 0, Qt.AlignmentFlag.AlignLeft)
            self.people_box.addWidget(card)
            self.cards.append(card)
        self.summary.setText(self._summary_text(people))
        counts = {
            e.id: c for e in people if (c := out_of_hours(self.assessments[e.id])) is not None
        }
        flagged = self._outliers(counts)
        rows, median = spread_rows(people, counts, flagged)
        self.spread.set_rows(rows, median)
        marked = [r.name for r in rows if r.outlier]
        self.spread_text.setText(
            "Each person's out-of-hours interruptions (evenings, weekends, nights) in their own "
            "time zone. The dashed line is the team median. "
            + (
                f"At 2× the median or more: {', '.join(marked)}."
                if marked
                else "Nobody is at 2× the median or more."
            )
        )

    def _trend(self, person: Engineer, inputs: Any, now: datetime) -> list[tuple[datetime, Level]]:
        from oncall.domain.risk import trend

        mine = [x for x in inputs.shifts if x.engineer_id == person.id]
        pages = [p for p in inputs.pages if p.engineer_id == person.id]
        leave = [lv for lv in inputs.leave if lv.engineer_id == person.id]
        weeks = trend(
            person,
            mine,
            pages,
            leave,
            inputs.holidays.get(person.id, frozenset()),
            now,
            weeks=TREND_WEEKS,
            settings=risk_settings(self.ctx),
            team_zone=inputs.zone,
            since=inputs.since.get(person.id),
        )
        return list(weeks)

    def _outliers(self, counts: dict[int, int]) -> set[int]:
        """Who is at 2x the team median or more (the model's rule, burnout.md 9.9)."""
        from oncall.domain.risk import outliers

        return outliers(counts)

    def _has_pages(self, ids: list[int]) -> bool:
        if not ids:
            return False
        with self.ctx.sessions() as s:
            return bool(page_store.list_pages(s, engineer_ids=ids))

    def _summary_text(self, people: Sequence[Engineer]) -> str:
        counts = dict.fromkeys(Level, 0)
        for e in people:
            counts[Level(self.assessments[e.id].level)] += 1
        return (
            f"{counts[Level.HIGH]} high, {counts[Level.ELEVATED]} elevated, {counts[Level.LOW]} low"
        )

    def _show_empty(self, title: str, text: str, *, importing: bool) -> None:
        self.empty_title.setText(title)
        self.empty_text.setText(text)
        self.empty_import.setVisible(importing)
        self.summary.setText("")
        self.stack.setCurrentWidget(self.empty)

    def texts(self) -> list[str]:
        """Every label's text on show (tests and accessibility checks)."""
        page = self.stack.currentWidget()
        out = [w.text() for w in page.findChildren(QLabel) if w.isVisibleTo(self) and w.text()]
        out += [b.text() for b in page.findChildren(RiskBadge)]
        return out

    def arrange(self, engineer_id: int) -> bool:
        """ "Arrange recovery…" for one person (one undo step); others refresh on success."""
        if self.team_id is None:
            return False
        return arrange_recovery(
            self, self.ctx, self.undo, self.team_id, engineer_id, self._after_recovery
        )

    def _after_recovery(self) -> None:
        self.refresh()
        self.changed.emit()

    def card_for(self, engineer_id: int) -> PersonCard | None:
        """The card of one person, if shown."""
        return next((c for c in self.cards if c.person.id == engineer_id), None)

    # -- import -----------------------------------------------------------------------------

    def open_import(self) -> None:
        """Open the import wizard; refresh after an import that wrote something."""
        from oncall.ui.import_wizard import ImportWizard

        wizard = ImportWizard(self.ctx, self)
        wizard.imported.connect(self._after_import)
        wizard.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        wizard.open()
        self.wizard = wizard

    def _after_import(self) -> None:
        from oncall.ui.risk_badge import invalidate_risk

        invalidate_risk()
        self._load()
        self.changed.emit()
