"""An hour-of-week heatmap of pages: seven rows (Monday first) of 24 hours, painted with QPainter.

Each page is counted in its engineer's local time (``oncall.domain.load.hour_of_week_heatmap``
makes the grid). The palette is sequential and calm: from a step off the background to the
theme's accent, so more pages read as "more ink", never as alarm red. Axes are labelled, the
count of a cell shows on hover, and a legend says what the darkest cell means. Sizes follow
the font, so the heatmap stays readable at 200 %.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, QPoint, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QHelpEvent, QLinearGradient, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from oncall.ui import theme

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def cell_colour(count: int, highest: int, palette: QPalette) -> QColor:
    """The colour of a cell holding ``count`` of ``highest``: empty cells a quiet step off the
    background, the rest from a light tint to the full accent (square-root scale, so one
    busy hour does not wash every other out)."""
    window = palette.color(QPalette.ColorRole.Base)
    accent = _accent(palette)
    if count <= 0 or highest <= 0:
        # Empty hours stay visible as a quiet grid, a step off the page either way.
        return theme._mix(window, palette.color(QPalette.ColorRole.WindowText), 0.1)
    share = (count / highest) ** 0.5
    return theme._mix(window, accent, 0.18 + 0.82 * share)


def _accent(palette: QPalette) -> QColor:
    # A calm blue in the system look; Night keeps its own amber accent.
    return (
        palette.color(QPalette.ColorRole.Highlight) if theme.is_dark(palette) else QColor("#2f6f9f")
    )


class HeatmapWidget(QWidget):
    """Pages per local hour of the week. ``set_grid`` takes 7 lists of 24 counts and what they
    count (``caption``, plural: "pages", "interrupting pages"), which tooltips, the legend and
    the accessible description say."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.grid: list[list[int]] = [[0] * 24 for _ in range(7)]
        self.caption = "pages"
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setAccessibleName("Pages by hour of the week")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)

    def set_grid(self, grid: Sequence[Sequence[int]], caption: str = "pages") -> None:
        """Show new counts (7 rows, Monday first, of 24 local hours) of ``caption``."""
        if len(grid) != 7 or any(len(row) != 24 for row in grid):
            raise ValueError("a heatmap is 7 days of 24 hours")
        self.grid = [list(row) for row in grid]
        self.caption = caption
        total = sum(map(sum, self.grid))
        self.setAccessibleDescription(f"{total} {caption} in all; hover a cell for its count")
        self.update()

    def _noun(self, n: int) -> str:
        """The caption for ``n`` ("1 page", "3 interrupting pages")."""
        return self.caption.removesuffix("s") if n == 1 else self.caption

    def count(self, weekday: int, hour: int) -> int:
        """The count of one cell (Monday is 0)."""
        return self.grid[weekday][hour]

    @property
    def highest(self) -> int:
        """The busiest cell's count."""
        return max(max(row) for row in self.grid)

    # -- geometry ------------------------------------------------------------------------

    def _unit(self) -> int:
        return self.fontMetrics().height()

    def _margins(self) -> tuple[float, float]:
        """Left (day labels) and top (hour labels) margins."""
        metrics = self.fontMetrics()
        left = max(metrics.horizontalAdvance(d) for d in DAYS) + self._unit() * 0.6
        return left, self._unit() * 1.3

    def _cell_size(self) -> tuple[float, float]:
        left, _ = self._margins()
        width = max(self._unit() * 0.9, (self.width() - left - 2) / 24)
        return width, self._unit() * 1.25

    def _legend_height(self) -> float:
        return self._unit() * 2.2

    def sizeHint(self) -> QSize:
        left, top = self._margins()
        _, h = self._cell_size()
        return QSize(
            round(left + 24 * self._unit() * 1.6), round(top + 7 * h + self._legend_height())
        )

    def minimumSizeHint(self) -> QSize:
        left, top = self._margins()
        _, h = self._cell_size()
        return QSize(round(left + 24 * self._unit()), round(top + 7 * h + self._legend_height()))

    def cell_rect(self, weekday: int, hour: int) -> QRectF:
        """Where one cell is painted."""
        left, top = self._margins()
        w, h = self._cell_size()
        return QRectF(left + hour * w, top + weekday * h, w, h)

    def cell_at(self, pos: QPoint) -> tuple[int, int] | None:
        """``(weekday, hour)`` under a point, or None."""
        left, top = self._margins()
        w, h = self._cell_size()
        x, y = pos.x() - left, pos.y() - top
        if x < 0 or y < 0:
            return None
        hour, day = int(x // w), int(y // h)
        return (day, hour) if 0 <= day < 7 and 0 <= hour < 24 else None

    def cell_text(self, weekday: int, hour: int) -> str:
        """What hovering a cell says: "Tuesday 03:00–04:00: 4 pages"."""
        n = self.grid[weekday][hour]
        return f"{DAY_NAMES[weekday]} {hour:02d}:00–{(hour + 1) % 24:02d}:00: {n} {self._noun(n)}"

    # -- events ------------------------------------------------------------------------------

    def event(self, event: QEvent) -> bool:
        """Tooltips: the count of the cell under the pointer."""
        if event.type() == QEvent.Type.ToolTip:
            assert isinstance(event, QHelpEvent)
            cell = self.cell_at(event.pos())
            if cell is None:
                QToolTip.hideText()
                event.ignore()
                return True
            QToolTip.showText(event.globalPos(), self.cell_text(*cell), self)
            return True
        return super().event(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        """Cells, axis labels and the legend."""
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        muted = theme.muted_text(palette)
        highest = self.highest
        left, top = self._margins()
        w, h = self._cell_size()
        gap = max(1.0, self._unit() * 0.08)
        painter.setPen(Qt.PenStyle.NoPen)
        for day in range(7):
            for hour in range(24):
                rect = self.cell_rect(day, hour).adjusted(gap / 2, gap / 2, -gap / 2, -gap / 2)
                painter.setBrush(cell_colour(self.grid[day][hour], highest, palette))
                painter.drawRoundedRect(rect, gap * 1.5, gap * 1.5)
        painter.setPen(muted)
        for day, name in enumerate(DAYS):
            rect = QRectF(0, top + day * h, left - self._unit() * 0.4, h)
            painter.drawText(
                rect, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, name
            )
        # Every third hour labelled; the sleep band's edges (22, 08) are among them or near.
        step = 3 if w * 3 > self.fontMetrics().horizontalAdvance("00") * 1.5 else 6
        for hour in range(0, 24, step):
            rect = QRectF(left + hour * w, 0, w * step, top)
            painter.drawText(
                rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, f"{hour:02d}"
            )
        self._paint_legend(painter, top + 7 * h, highest, palette, muted)
        painter.end()

    def _paint_legend(
        self, painter: QPainter, y: float, highest: int, palette: QPalette, muted: QColor
    ) -> None:
        unit = self._unit()
        left, _ = self._margins()
        y += unit * 0.6
        label = "Fewer"
        painter.setPen(muted)
        metrics = self.fontMetrics()
        painter.drawText(QRectF(left, y, unit * 6, unit), Qt.AlignmentFlag.AlignVCenter, label)
        bar_x = left + metrics.horizontalAdvance(label) + unit * 0.5
        bar = QRectF(bar_x, y + unit * 0.15, unit * 8, unit * 0.7)
        gradient = QLinearGradient(bar.topLeft(), bar.topRight())
        top_count = max(highest, 1)
        for stop in range(6):
            share = stop / 5
            gradient.setColorAt(
                share, cell_colour(max(1, round(top_count * share * share)), top_count, palette)
            )
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(gradient)
        painter.drawRoundedRect(bar, unit * 0.15, unit * 0.15)
        painter.setPen(muted)
        more = f"More (busiest hour: {highest} {self._noun(highest)})"
        painter.drawText(
            QRectF(bar.right() + unit * 0.5, y, unit * 24, unit),
            Qt.AlignmentFlag.AlignVCenter,
            more,
        )
        note = "Local time of each engineer · hover a cell for its count"
        painter.drawText(
            QRectF(
                bar.right() + unit * 0.5 + metrics.horizontalAdvance(more) + unit * 1.5,
                y,
                metrics.horizontalAdvance(note) + unit,
                unit,
            ),
            Qt.AlignmentFlag.AlignVCenter,
            note,
        )
