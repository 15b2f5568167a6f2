"""Per-person bars of on-call hours by band: business, off-hours, sleep, stacked and labelled.

Each band has a colour *and* a pattern (plain, diagonal lines, dots), and the legend and every
bar's tooltip name the hours, so the chart never relies on colour alone. One scale for every
person, so bars compare; the total is written at the end of each bar.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QPoint, QRectF, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QHelpEvent, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from oncall.domain.bands import BandHours
from oncall.ui import theme
from oncall.ui.models import fmt_hours

#: (attribute of BandHours, label, brush pattern)
BANDS: tuple[tuple[str, str, Qt.BrushStyle], ...] = (
    ("business", "Business hours", Qt.BrushStyle.SolidPattern),
    ("off_hours", "Off-hours", Qt.BrushStyle.BDiagPattern),
    ("sleep", "Sleep hours", Qt.BrushStyle.Dense5Pattern),
)


@dataclass(frozen=True, slots=True)
class BarRow:
    """One person's bar: a name and their on-call hours by band."""

    name: str
    hours: BandHours


def band_colours(palette: QPalette) -> dict[str, QColor]:
    """Calm colours for the bands that hold on light and dark backgrounds (no red)."""
    if theme.is_dark(palette):
        return {
            "business": QColor("#7fa7c9"),
            "off_hours": QColor("#c9954c"),
            "sleep": QColor("#9d8fc9"),
        }
    return {
        "business": QColor("#4f86b5"),
        "off_hours": QColor("#b7791f"),
        "sleep": QColor("#6a5aa8"),
    }


class LoadBars(QWidget):
    """Stacked horizontal bars, one per person; ``set_rows`` replaces them."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[BarRow] = []
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setAccessibleName("On-call hours by band, per person")

    def set_rows(self, rows: Sequence[BarRow]) -> None:
        """Show these people's hours."""
        self.rows = list(rows)
        self.updateGeometry()
        self.update()

    # -- geometry ------------------------------------------------------------------------

    def _unit(self) -> int:
        return self.fontMetrics().height()

    def _name_width(self) -> float:
        metrics = self.fontMetrics()
        widest = max((metrics.horizontalAdvance(r.name) for r in self.rows), default=0)
        return widest + self._unit()

    def _row_height(self) -> float:
        return self._unit() * 1.6

    def _legend_height(self) -> float:
        return self._unit() * 2.0

    def sizeHint(self) -> QSize:
        height = self._legend_height() + max(1, len(self.rows)) * self._row_height()
        return QSize(self._unit() * 40, round(height + self._unit() * 0.5))

    minimumSizeHint = sizeHint

    def _scale(self) -> tuple[float, float, float]:
        """``(x of bar start, pixels per hour, widest total)``."""
        left = self._name_width()
        widest = max((r.hours.total for r in self.rows), default=0.0)
        room = self.width() - left - self.fontMetrics().horizontalAdvance("0000 h") - self._unit()
        return left, (room / widest if widest > 0 else 0.0), widest

    def segments(self, index: int) -> list[tuple[str, QRectF]]:
        """The band pieces of row ``index`` as ``(band attribute, rect)``."""
        row = self.rows[index]
        left, per_hour, _ = self._scale()
        y = self._legend_height() + index * self._row_height()
        h = self._row_height() * 0.62
        x = left
        out = []
        for attr, _, _ in BANDS:
            width = getattr(row.hours, attr) * per_hour
            if width > 0:
                out.append((attr, QRectF(x, y + (self._row_height() - h) / 2, width, h)))
                x += width
        return out

    def row_text(self, index: int) -> str:
        """Words for a bar: "Lukas Becker: 168 h on call — 50 h business, 60 h off-hours,
        58 h sleep"."""
        row = self.rows[index]
        parts = ", ".join(
            f"{fmt_hours(getattr(row.hours, a))} {label.lower().replace(' hours', '')}"
            for a, label, _ in BANDS
        )
        return f"{row.name}: {fmt_hours(row.hours.total)} on call — {parts}"

    def row_at(self, pos: QPoint) -> int | None:
        """The row under a point."""
        y = pos.y() - self._legend_height()
        if y < 0:
            return None
        index = int(y // self._row_height())
        return index if 0 <= index < len(self.rows) else None

    # -- events ------------------------------------------------------------------------------

    def event(self, event: QEvent) -> bool:
        """Tooltips: the bar's hours in words."""
        if event.type() == QEvent.Type.ToolTip:
            assert isinstance(event, QHelpEvent)
            index = self.row_at(event.pos())
            if index is None:
                QToolTip.hideText()
                event.ignore()
            else:
                QToolTip.showText(event.globalPos(), self.row_text(index), self)
            return True
        return super().event(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        """Legend, then one bar per person with its total."""
        painter = QPainter(self)
        palette = self.palette()
        colours = band_colours(palette)
        text = palette.color(QPalette.ColorRole.WindowText)
        muted = theme.muted_text(palette)
        unit = self._unit()
        metrics = self.fontMetrics()
        # Legend: swatch (colour and pattern) and the band's name.
        x = self._name_width()
        for attr, label, pattern in BANDS:
            swatch = QRectF(x, unit * 0.45, unit * 1.4, unit * 0.9)
            self._fill(painter, swatch, colours[attr], pattern, palette)
            painter.setPen(muted)
            painter.drawText(
                QRectF(swatch.right() + unit * 0.4, 0, unit * 12, unit * 1.8),
                Qt.AlignmentFlag.AlignVCenter,
                label,
            )
            x = swatch.right() + unit * 0.4 + metrics.horizontalAdvance(label) + unit * 1.2
        if not self.rows:
            painter.setPen(muted)
            painter.drawText(
                QRectF(self._name_width(), self._legend_height(), unit * 30, self._row_height()),
                Qt.AlignmentFlag.AlignVCenter,
                "Nobody was on call in this range.",
            )
            painter.end()
            return
        for index, row in enumerate(self.rows):
            y = self._legend_height() + index * self._row_height()
            painter.setPen(text)
            painter.drawText(
                QRectF(0, y, self._name_width() - unit * 0.5, self._row_height()),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                row.name,
            )
            end = self._name_width()
            for attr, rect in self.segments(index):
                pattern = next(p for a, _, p in BANDS if a == attr)
                self._fill(painter, rect, colours[attr], pattern, palette)
                end = rect.right()
            painter.setPen(muted)
            painter.drawText(
                QRectF(end + unit * 0.4, y, unit * 6, self._row_height()),
                Qt.AlignmentFlag.AlignVCenter,
                fmt_hours(row.hours.total),
            )
        painter.end()

    @staticmethod
    def _fill(
        painter: QPainter, rect: QRectF, colour: QColor, pattern: Qt.BrushStyle, palette: QPalette
    ) -> None:
        """A tint of the colour underneath, the pattern in the full colour on top, an outline."""
        painter.setPen(Qt.PenStyle.NoPen)
        base = palette.color(QPalette.ColorRole.Base)
        painter.setBrush(
            theme._mix(colour, base, 0.55 if pattern != Qt.BrushStyle.SolidPattern else 0.0)
        )
        painter.drawRect(rect)
        if pattern != Qt.BrushStyle.SolidPattern:
            painter.setBrush(QBrush(colour, pattern))
            painter.drawRect(rect)
        painter.setPen(colour.darker(130))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(rect.adjusted(0.5, 0.5, -0.5, -0.5))
