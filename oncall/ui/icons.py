"""Icons: hand-drawn monochrome SVGs from resources/icons, tinted to the palette, cached.

A tinted icon is drawn only at the sizes it is asked for (:class:`TintedIconEngine`), when
it is first shown: start-up pays for the nav list's few pixmaps, not for every size of
every icon a menu might one day show.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from PySide6.QtCore import QByteArray, QRect, QRectF, QSize
from PySide6.QtGui import (
    QColor,
    QGuiApplication,
    QIcon,
    QIconEngine,
    QImage,
    QPainter,
    QPalette,
    QPixmap,
)


@cache
def resource_dir() -> Path:
    """resources/ in a source checkout; oncall/resources inside an installed wheel."""
    package = Path(__file__).resolve().parent.parent
    packaged = package / "resources"  # a plain folder: importlib.resources costs ~6 ms here
    if packaged.is_dir():
        return packaged
    return package.parent / "resources"


def icon_path(name: str) -> Path:
    """The SVG file of icon ``name``."""
    return resource_dir() / "icons" / f"{name}.svg"


@cache
def _svg(name: str) -> str:
    return icon_path(name).read_text(encoding="utf-8")


class TintedIconEngine(QIconEngine):
    """Draws SVG icon ``name`` in ``color`` at each pixel size asked for, once per size.

    Other modes (disabled, selected) are derived from the normal pixmap by the style, as
    Qt does for an icon built from pixmaps.
    """

    def __init__(self, name: str, color: str) -> None:
        super().__init__()
        self.name = name
        self.color = color
        self._pixmaps: dict[int, QPixmap] = {}

    def _render(self, side: int) -> QPixmap:
        pixmap = self._pixmaps.get(side)
        if pixmap is None:
            from PySide6.QtSvg import QSvgRenderer  # the first icon drawn loads QtSvg

            svg = _svg(self.name).replace("currentColor", self.color)
            image = QImage(side, side, QImage.Format.Format_ARGB32_Premultiplied)
            image.fill(0)  # transparent
            painter = QPainter(image)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            QSvgRenderer(QByteArray(svg.encode())).render(painter, QRectF(0, 0, side, side))
            painter.end()
            pixmap = QPixmap.fromImage(image)
            self._pixmaps[side] = pixmap
        return pixmap

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        """The icon in a square of the smaller side of ``size`` (device pixels)."""
        pixmap = self._render(max(1, min(size.width(), size.height())))
        if mode == QIcon.Mode.Normal or mode == QIcon.Mode.Active:
            return pixmap
        from PySide6.QtWidgets import QApplication, QStyleOption

        style = QApplication.style()
        if style is None:
            return pixmap
        option = QStyleOption()
        option.palette = QGuiApplication.palette()
        return style.generatedIconPixmap(mode, pixmap, option)

    def scaledPixmap(
        self, size: QSize, mode: QIcon.Mode, state: QIcon.State, scale: float
    ) -> QPixmap:
        """Sharp on high-density screens: drawn at ``size`` x ``scale`` device pixels."""
        pixmap = self.pixmap(
            QSize(round(size.width() * scale), round(size.height() * scale)), mode, state
        )
        pixmap.setDevicePixelRatio(scale)
        return pixmap

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, state: QIcon.State) -> None:
        """Draw into ``rect`` at the painter's pixel density."""
        scale = painter.device().devicePixelRatioF() if painter.device() else 1.0
        side = min(rect.width(), rect.height())
        pixmap = self.pixmap(QSize(round(side * scale), round(side * scale)), mode, state)
        target = QRect(0, 0, side, side)
        target.moveCenter(rect.center())
        painter.drawPixmap(target, pixmap)

    def actualSize(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QSize:
        """Square, as large as fits in ``size``."""
        side = min(size.width(), size.height())
        return QSize(side, side)

    def clone(self) -> QIconEngine:
        """A copy (Qt detaches icons by cloning their engine)."""
        return TintedIconEngine(self.name, self.color)


@cache
def _tinted(name: str, color: str) -> QIcon:
    return QIcon(TintedIconEngine(name, color))


def icon(name: str, color: QColor | str | None = None) -> QIcon:
    """Icon ``name`` drawn in ``color`` (default: the application's text colour)."""
    if color is None:
        color = QGuiApplication.palette().color(QPalette.ColorRole.WindowText)
    hex_color = color.name() if isinstance(color, QColor) else color
    return _tinted(name, hex_color)


def app_icon() -> QIcon:
    """The application's own icon (in colour; it is not tinted)."""
    return QIcon(str(icon_path("oncall")))
