"""On-call load risk as a badge: a word and a shape (never colour alone), and one cache.

Low is a ring, Elevated a half-filled ring, High a filled disc; each beside its word, in calm
colours (a quiet grey-green, a muted amber, a warm amber-brown; never alarm red). The tooltip
says the headline reason and that this is a load signal, not a medical assessment.

Every screen reads levels through :func:`team_risk`: one gathering and one ``assess_team``
per team and instant, shared by the screens that refresh together (an edit's ``changed``
refreshes every screen in one go). A round lasts ``ROUND_S`` seconds, so the next refresh
after anything happened reads fresh data; :func:`invalidate_risk` drops the cache at once
(code that writes and refreshes in one breath, and settings changes).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPaintEvent, QPalette, QPen, QPixmap
from PySide6.QtWidgets import QSizePolicy, QWidget

from oncall.ui import theme

if TYPE_CHECKING:
    from oncall.app import AppContext
    from oncall.domain.risk import Assessment, Level, RiskSettings

log = logging.getLogger(__name__)

NOT_MEDICAL = "This is a load signal to plan with, not a medical assessment."
# Keyed by the level's value: risk.Level is a StrEnum, so Level.HIGH finds "high" (and the
# early Now screen need not import the risk model before it has a database).
WORDS: dict[str, str] = {"low": "Low", "elevated": "Elevated", "high": "High"}
GLYPHS: dict[str, str] = {"low": "○", "elevated": "◐", "high": "●"}
RANK: dict[str, int] = {"low": 0, "elevated": 1, "high": 2}


def level_word(level: Level) -> str:
    """ "Low", "Elevated" or "High"."""
    return WORDS[str(level)]


def badge_text(level: Level) -> str:
    """The badge as plain text, shape first: "● High" (labels and table cells)."""
    return f"{GLYPHS[str(level)]} {WORDS[str(level)]}"


def level_colour(level: Level, palette: QPalette) -> QColor:
    """The level's calm colour, readable on ``palette``'s window (light or dark)."""
    dark = theme.is_dark(palette)
    colours = {
        "low": ("#8fae98", "#56735f"),  # quiet grey-green
        "elevated": ("#cfb26c", "#8c6d16"),  # muted amber
        "high": ("#d9966a", "#8a4a1e"),  # warm amber-brown, never red
    }[str(level)]
    return QColor(colours[0] if dark else colours[1])


def tooltip_text(assessment: Assessment) -> str:
    """The badge's tooltip: the level, the headline reason, partial data, what it is not."""
    lines = [f"On-call load risk: {level_word(assessment.level)}"]
    headline = assessment.headline
    if headline:
        lines.append(str(headline))
    if assessment.partial:
        lines.append("Partial: less than 28 days of history.")
    lines.append(NOT_MEDICAL)
    return "\n".join(lines)


def paint_glyph(painter: QPainter, rect: QRectF, level: Level, colour: QColor) -> None:
    """The level's shape in ``rect``: a ring (Low), a half-filled ring (Elevated), a disc
    (High)."""
    side = min(rect.width(), rect.height())
    pen_w = max(1.2, side * 0.14)
    r = (side - pen_w) / 2
    centre = rect.center()
    circle = QRectF(centre.x() - r, centre.y() - r, 2 * r, 2 * r)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(colour, pen_w))
    level = str(level)
    if level == "high":
        painter.setBrush(colour)
        painter.drawEllipse(circle)
    else:
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawEllipse(circle)
        if level == "elevated":  # the left half filled
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(colour)
            painter.drawPie(circle, 90 * 16, 180 * 16)
    painter.restore()


def glyph_icon(level: Level, palette: QPalette, side: int = 16, ratio: float = 1.0) -> QIcon:
    """The level's shape as an icon (table cells); the word goes beside it as text."""
    pixmap = QPixmap(round(side * ratio), round(side * ratio))
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    paint_glyph(painter, QRectF(1, 1, side - 2, side - 2), level, level_colour(level, palette))
    painter.end()
    return QIcon(pixmap)


class RiskBadge(QWidget):
    """A small rounded badge: the level's shape and word; the headline reason on hover.

    Shows nothing (and takes no room) without an assessment.
    """

    def __init__(self, assessment: Assessment | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.assessment: Assessment | None = None
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.set_assessment(assessment)

    @property
    def level(self) -> Level | None:
        """The level shown, if any."""
        return self.assessment.level if self.assessment is not None else None

    def text(self) -> str:
        """The word shown ("High"), or "" without an assessment."""
        return level_word(self.level) if self.level is not None else ""

    def set_assessment(self, assessment: Assessment | None) -> None:
        """Show ``assessment`` (None hides the badge)."""
        self.assessment = assessment
        self.setVisible(assessment is not None)
        if assessment is not None:
            self.setToolTip(tooltip_text(assessment))
            self.setAccessibleName(f"On-call load risk: {self.text()}")
            self.setAccessibleDescription(str(assessment.headline or ""))
        self.updateGeometry()
        self.update()

    def _metrics(self) -> tuple[int, int, int]:
        fm = self.fontMetrics()
        h = fm.height()
        pad = max(3, h // 3)
        return h, pad, fm.horizontalAdvance(self.text())

    def sizeHint(self) -> QSize:
        """Shape, gap and word, padded; follows the font (readable at 200 %)."""
        h, pad, word = self._metrics()
        return QSize(pad + h + pad // 2 + word + pad + 2, h + pad)

    def minimumSizeHint(self) -> QSize:
        """Never squeezed: the word is the point."""
        return self.sizeHint()

    def paintEvent(self, event: QPaintEvent) -> None:
        """A faint pill in the level's colour, the shape, and the word in the text colour."""
        if self.level is None:
            return
        h, pad, word = self._metrics()
        palette = self.palette()
        colour = level_colour(self.level, palette)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        fill = QColor(colour)
        fill.setAlphaF(0.16)
        edge = QColor(colour)
        edge.setAlphaF(0.55)
        painter.setPen(QPen(edge, 1))
        painter.setBrush(fill)
        radius = rect.height() / 2
        painter.drawRoundedRect(rect, radius, radius)
        glyph = h * 0.72
        top = rect.center().y() - glyph / 2
        paint_glyph(painter, QRectF(pad, top, glyph, glyph), self.level, colour)
        painter.setPen(palette.color(QPalette.ColorRole.WindowText))
        text_rect = QRectF(pad + glyph + pad * 0.6, 0, word + pad, self.height())
        painter.drawText(
            text_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, self.text()
        )
        painter.end()


# ------------------------------------------------------------------------------ the cache


@dataclass(frozen=True)
class TeamInputs:
    """What risk reads for one team: its people and their shifts, pages, leave, holidays."""

    engineers: tuple
    shifts: tuple
    pages: tuple
    leave: tuple
    holidays: dict
    zone: str = "UTC"  # the team's, for anyone without a zone of their own
    since: dict = field(default_factory=dict)  # where each one's history starts (History)


_cache: dict[tuple, dict[int, Assessment]] = {}
_CACHE_LIMIT = 32
# A round of refreshes (an edit's ``changed`` reaching every screen) takes well under this;
# the next refresh after it reads fresh data. No Qt timer: one outliving Qt crashes at exit.
ROUND_S = 0.5
_round_started = 0.0


def invalidate_risk() -> None:
    """Forget every cached assessment (risk settings changed)."""
    _cache.clear()


def risk_settings(ctx: AppContext) -> RiskSettings:
    """The risk thresholds in force: the settings' ``[risk]`` part, or the sourced defaults."""
    from oncall.domain.risk import DEFAULT_RISK

    return getattr(ctx.settings, "risk", None) or DEFAULT_RISK


def gather_team(
    ctx: AppContext, team_id: int, start: datetime, end: datetime | None = None
) -> TeamInputs:
    """A team's people (by name) and their shifts in every team, pages, leave and public
    holidays over ``[start, end)`` (``oncall.exchange.history``, the inputs every risk
    reader shares); without ``end``, the range risk needs at ``start`` (taken as now)."""
    from oncall.db import queries
    from oncall.exchange.history import gather, gather_for_risk

    with ctx.sessions() as s:
        team = queries.get_team(s, team_id)
        if end is None:
            found = gather_for_risk(s, start, team_id=team_id, settings=risk_settings(ctx))
        else:
            found = gather(s, start, end, team_id=team_id, all_teams_shifts=True)
    zone = team.zone if team is not None and team.zone else "UTC"
    return TeamInputs(
        tuple(found.engineers),
        tuple(found.shifts),
        tuple(found.pages),
        tuple(found.leave),
        dict(found.holidays),
        zone,
        dict(found.since),
    )


def team_risk(ctx: AppContext, team_id: int | None, now: datetime) -> dict[int, Assessment]:
    """Each member's assessment at ``now`` by engineer id; {} without a team or an open
    database. Computed once per team, instant, settings and data; then served from the cache."""
    if team_id is None or not ctx.is_open:
        return {}
    from oncall.domain.risk import assess_team

    settings = risk_settings(ctx)
    global _round_started
    if time.monotonic() - _round_started > ROUND_S:
        _cache.clear()
        _round_started = time.monotonic()
    key = (id(ctx.sessions), team_id, now, repr(settings))
    found = _cache.get(key)
    if found is not None:
        return found
    try:
        inputs = gather_team(ctx, team_id, now)
        results = assess_team(
            list(inputs.engineers),
            list(inputs.shifts),
            list(inputs.pages),
            list(inputs.leave),
            inputs.holidays,
            now,
            settings=settings,
            team_zone=inputs.zone,
            since=inputs.since,
        )
    except Exception:  # a badge must never take a screen down; the log says why
        log.exception("risk assessment failed for team %s", team_id)
        return {}
    if len(_cache) >= _CACHE_LIMIT:
        _cache.clear()
    found = {a.engineer_id: a for a in results}
    _cache[key] = found
    return found


def people_risk(ctx: AppContext, team_ids: list[int], now: datetime) -> dict[int, Assessment]:
    """Assessments of the members of several teams, by engineer id (Now: every team)."""
    out: dict[int, Assessment] = {}
    for team_id in team_ids:
        out.update(team_risk(ctx, team_id, now))
    return out


__all__ = [
    "GLYPHS",
    "NOT_MEDICAL",
    "RiskBadge",
    "badge_text",
    "glyph_icon",
    "invalidate_risk",
    "level_colour",
    "level_word",
    "paint_glyph",
    "people_risk",
    "team_risk",
    "tooltip_text",
]
