"""The window's banner: a calm strip across the top for states that last (read-only database,
connection lost), one line per kind of message, hidden when there is nothing to say.

Several parts of the app share the one banner: each owns a ``kind`` (a short key such as
``"read-only"`` or ``"connection"``), shows its text with :meth:`Banner.show_message` and takes
it away with :meth:`Banner.clear_message`. Messages of other kinds are left alone.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget

from oncall.ui import theme

#: The kinds this build shows; any other key works too (listed for readers and tests).
READ_ONLY = "read-only"
CONNECTION = "connection"


class Banner(QFrame):
    """A strip of lasting messages, one label per ``kind``, in the order first shown.

    Colours come from the palette at paint time (an amber bar on the left, never red), so the
    banner follows theme switches. Screen readers get each message as the label's text.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self.setAccessibleName(self.tr("Notices"))
        unit = self.fontMetrics().height()
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(round(unit * 1.2), round(unit * 0.45), unit, unit // 2)
        self._layout.setSpacing(round(unit * 0.25))
        self._labels: dict[str, QLabel] = {}
        self.setVisible(False)

    def show_message(self, kind: str, text: str) -> None:
        """Show ``text`` as the message of ``kind`` (replacing that kind's earlier text)."""
        label = self._labels.get(kind)
        if label is None:
            label = QLabel()
            label.setObjectName(f"banner-{kind}")
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self._layout.addWidget(label)
            self._labels[kind] = label
        label.setText(text)
        label.setAccessibleName(text)
        self.setVisible(True)

    def clear_message(self, kind: str) -> None:
        """Take away the message of ``kind`` (nothing happens when none is shown)."""
        label = self._labels.pop(kind, None)
        if label is not None:
            self._layout.removeWidget(label)
            label.setParent(None)
            label.deleteLater()
        self.setVisible(bool(self._labels))

    def message(self, kind: str) -> str | None:
        """The text shown for ``kind``, or None."""
        label = self._labels.get(kind)
        return label.text() if label is not None else None

    def messages(self) -> dict[str, str]:
        """Every message on show, by kind, in the order first shown."""
        return {kind: label.text() for kind, label in self._labels.items()}

    def paintEvent(self, event: QPaintEvent) -> None:
        """A card-coloured strip with an amber bar on its left edge."""
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        painter.fillRect(self.rect(), theme.card_background(palette))
        bar = max(3.0, self.fontMetrics().height() / 5)
        painter.fillRect(QRectF(0, 0, bar, self.height()), theme.attention(palette))
        painter.end()
        super().paintEvent(event)
