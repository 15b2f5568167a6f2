"""Icons: tinted to the colour asked for, sharp at the size asked for, greyed when disabled."""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtGui import QColor, QIcon, QImage
from pytestqt.qtbot import QtBot

from oncall.ui import icons


def _inked(image: QImage) -> list[QColor]:
    """The colours of the pixels that are clearly drawn (mostly opaque)."""
    return [
        image.pixelColor(x, y)
        for y in range(image.height())
        for x in range(image.width())
        if image.pixelColor(x, y).alpha() > 200
    ]


def _near(colour: QColor, name: str) -> bool:
    """Within premultiplied-alpha rounding of the colour ``name``."""
    want = QColor(name)
    return all(abs(a - b) <= 2 for a, b in zip(colour.getRgb()[:3], want.getRgb()[:3], strict=True))


def test_icon_is_drawn_in_the_colour_asked_for(qtbot: QtBot) -> None:
    for side in (16, 37, 96):
        pixmap = icons.icon("team", "#c9954c").pixmap(QSize(side, side))
        assert pixmap.size() == QSize(side, side)
        inked = _inked(pixmap.toImage())
        assert inked, f"nothing drawn at {side} px"
        assert all(_near(c, "#c9954c") for c in inked)


def test_icon_follows_the_palette_text_colour_by_default(qtbot: QtBot) -> None:
    from PySide6.QtGui import QGuiApplication, QPalette

    text = QGuiApplication.palette().color(QPalette.ColorRole.WindowText).name()
    inked = _inked(icons.icon("now").pixmap(QSize(32, 32)).toImage())
    assert inked
    assert all(_near(c, text) for c in inked)


def test_disabled_icon_differs_from_the_normal_one(qtbot: QtBot) -> None:
    icon = icons.icon("settings", "#000000")
    normal = icon.pixmap(QSize(32, 32), QIcon.Mode.Normal).toImage()
    disabled = icon.pixmap(QSize(32, 32), QIcon.Mode.Disabled).toImage()
    assert _inked(normal)
    assert normal != disabled


def test_high_density_pixmaps_are_drawn_at_device_pixels(qtbot: QtBot) -> None:
    pixmap = icons.icon("schedule", "#336699").pixmap(QSize(24, 24), 2.0)
    assert pixmap.devicePixelRatio() == 2.0
    assert pixmap.size() == QSize(48, 48)
    assert _inked(pixmap.toImage())
