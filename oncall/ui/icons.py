"""Icons: hand-drawn monochrome SVGs from resources/icons, tinted to the palette, cached."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer

# sizes rendered into each icon, so it stays sharp from a 16 px menu to a 200% nav list
_SIZES = (16, 24, 32, 48, 64, 96, 128)


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


@cache
def _tinted(name: str, color: str) -> QIcon:
    renderer = QSvgRenderer(QByteArray(_svg(name).replace("currentColor", color).encode()))
    result = QIcon()
    for size in _SIZES:
        pixmap = QPixmap(size, size)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter, QRectF(0, 0, size, size))
        painter.end()
        result.addPixmap(pixmap)
    return result


def icon(name: str, color: QColor | str | None = None) -> QIcon:
    """Icon ``name`` drawn in ``color`` (default: the application's text colour)."""
    if color is None:
        color = QGuiApplication.palette().color(QPalette.ColorRole.WindowText)
    hex_color = color.name() if isinstance(color, QColor) else color
    return _tinted(name, hex_color)


def app_icon() -> QIcon:
    """The application's own icon (in colour; it is not tinted)."""
    return QIcon(str(icon_path("oncall")))
