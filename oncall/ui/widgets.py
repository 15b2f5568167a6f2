"""Small shared widgets: an empty state, a section header, a calm card, a muted label."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from oncall.domain.model import Team
from oncall.ui import icons, theme


def scaled_font(widget: QWidget, factor: float, *, bold: bool = False) -> QFont:
    """The widget's font scaled by ``factor`` (sizes follow the user's font, never pixels)."""
    font = QFont(widget.font())
    if font.pointSizeF() > 0:
        font.setPointSizeF(font.pointSizeF() * factor)
    else:
        font.setPixelSize(round(font.pixelSize() * factor))
    font.setBold(bold)
    return font


class MutedLabel(QLabel):
    """Secondary text, in a colour between text and background; word-wrapped."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setWordWrap(True)
        self._applying = False
        self._apply()

    def changeEvent(self, event: QEvent) -> None:
        """Follow palette changes (theme switches)."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and not self._applying:
            self._apply()

    def _apply(self) -> None:
        # from the application palette: our own WindowText was set by us and would be stale
        muted = theme.muted_text(QApplication.palette(self))
        palette = self.palette()
        palette.setColor(QPalette.ColorRole.WindowText, muted)
        self._applying = True
        self.setPalette(palette)
        self._applying = False


class SectionHeader(QLabel):
    """A section title: larger, bold, with space above."""

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setFont(scaled_font(self, 1.25, bold=True))
        self.setContentsMargins(0, self.fontMetrics().height() // 2, 0, 0)


class Card(QFrame):
    """A calm rounded panel; ``accent`` draws a thin coloured bar on its left edge.

    Colours come from the palette at paint time, so cards follow theme switches.
    """

    def __init__(self, parent: QWidget | None = None, *, accent: QColor | None = None) -> None:
        super().__init__(parent)
        self.accent = accent
        unit = self.fontMetrics().height()
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(unit, round(unit * 0.8), unit, round(unit * 0.8))
        self.layout_.setSpacing(round(unit * 0.3))

    def paintEvent(self, event: QPaintEvent) -> None:
        """Rounded background, hairline border, optional accent bar."""
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        rect = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        radius = self.fontMetrics().height() * 0.45
        border = palette.color(QPalette.ColorRole.Mid)
        border.setAlphaF(0.6)
        painter.setPen(QPen(border, 1))
        painter.setBrush(theme.card_background(palette))
        painter.drawRoundedRect(rect, radius, radius)
        if self.accent is not None:
            bar = max(3.0, self.fontMetrics().height() * 0.22)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(self.accent)
            painter.drawRoundedRect(
                QRectF(rect.left() + bar, rect.top() + radius, bar, rect.height() - 2 * radius),
                bar / 2,
                bar / 2,
            )
        painter.end()


class EmptyState(QWidget):
    """Centred icon, title, one line of help and an optional action button.

    Signals:
        action_triggered(): the button was pressed.
    """

    action_triggered = Signal()

    def __init__(
        self,
        icon_name: str,
        title: str,
        text: str,
        action_text: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.icon_name = icon_name
        unit = self.fontMetrics().height()
        self.icon_label = QLabel()
        self.icon_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title_label = QLabel(title)
        self.title_label.setFont(scaled_font(self, 1.5, bold=True))
        self.title_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title_label.setWordWrap(True)
        self.text_label = MutedLabel(text)
        self.text_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.text_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.button: QPushButton | None = None

        column = QVBoxLayout()
        column.setSpacing(round(unit * 0.6))
        column.addStretch(2)
        column.addWidget(self.icon_label)
        column.addWidget(self.title_label)
        column.addWidget(self.text_label)
        if action_text:
            self.button = QPushButton(action_text)
            self.button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
            self.button.clicked.connect(self.action_triggered)
            row = QHBoxLayout()
            row.addStretch(1)
            row.addWidget(self.button)
            row.addStretch(1)
            column.addSpacing(round(unit * 0.4))
            column.addLayout(row)
        column.addStretch(3)
        outer = QHBoxLayout(self)
        outer.addStretch(1)
        outer.addLayout(column, 4)
        outer.addStretch(1)
        self._paint_icon()

    def changeEvent(self, event: QEvent) -> None:
        """Re-tint the icon when the palette changes."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._paint_icon()

    def _paint_icon(self) -> None:
        side = self.fontMetrics().height() * 4
        color = theme.muted_text(self.palette())
        self.icon_label.setPixmap(
            icons.icon(self.icon_name, color).pixmap(QSize(side, side), self.devicePixelRatioF())
        )


def fill_team_picker(box: QComboBox, teams: list[Team], current: int | None) -> int | None:
    """Fill a team picker without emitting changes; returns the team now chosen.

    The current team stays chosen while it exists, else the first team (None with no teams).
    """
    ids = [t.id for t in teams]
    chosen = current if current in ids else (ids[0] if ids else None)
    box.blockSignals(True)
    box.clear()
    for team in teams:
        box.addItem(team.name, team.id)
    box.setCurrentIndex(max(0, box.findData(chosen)))
    box.blockSignals(False)
    return chosen
