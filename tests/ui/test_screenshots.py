"""Screenshot smoke test: every screen rendered on a populated database, saved as PNG.

Asserts only "not blank"; a person (or agent) looks at the images. The folder is
``$ONCALL_SCREENSHOT_DIR`` (kept by CI) or the test's temporary folder.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtGui import QFont, QImage
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from oncall.ui import theme
from oncall.ui.main_window import SCREENS, MainWindow


def _out(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("ONCALL_SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _assert_not_blank(image: QImage) -> None:
    sampled = {
        image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)
    }
    assert len(sampled) > 20, "window rendered (nearly) blank"


def _window(qtbot: QtBot, ctx) -> MainWindow:
    ctx.settings = ctx.settings.with_(
        viewer_zone="Europe/London", me_engineer_id=ctx.settings.me_engineer_id or ctx_me(ctx)
    )
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    return window


def ctx_me(ctx) -> int | None:
    """The first engineer by name, as "me" (so the "your next shift" card has content)."""
    from oncall.db import queries

    with ctx.sessions.begin() as s:
        people = queries.list_engineers(s)
    return people[0].id if people else None


def _grab_all(qtbot: QtBot, window: MainWindow, folder: Path, suffix: str) -> list[Path]:
    saved = []
    for screen in SCREENS:
        window.show_screen(screen.key)
        qtbot.waitUntil(lambda key=screen.key: window.current_key == key)
        image = window.grab().toImage()
        _assert_not_blank(image)
        path = folder / f"{screen.key}{suffix}.png"
        assert image.save(str(path))
        saved.append(path)
    return saved


@pytest.fixture
def populated(ctx):
    """The demo teams (``oncall.demo``) on the test database, at the fixed clock; the seeded
    Payments team would do, but the demo is what a newcomer sees."""
    from oncall import demo

    demo.ensure_demo(ctx)
    return ctx


def test_every_screen_renders(qtbot: QtBot, populated, tmp_path: Path) -> None:
    window = _window(qtbot, populated)
    saved = _grab_all(qtbot, window, _out(tmp_path), "")
    assert [p.stem for p in saved] == [s.key for s in SCREENS]


def test_night_theme_renders(qtbot: QtBot, populated, tmp_path: Path) -> None:
    app = QApplication.instance()
    theme.apply_theme(app, theme.NIGHT)
    window = _window(qtbot, populated)
    _grab_all(qtbot, window, _out(tmp_path), "-night")
    image = window.grab().toImage()
    # dim: the window's own background is dark in Night
    assert image.pixelColor(image.width() - 5, image.height() // 2).lightnessF() < 0.3


def test_double_size_text_renders(qtbot: QtBot, populated, tmp_path: Path) -> None:
    """200% stand-in: QT_SCALE_FACTOR is per process, so the whole UI gets a 2x font in a
    1280x800 window (the layout a 2560x1600 screen at 200% would show)."""
    app = QApplication.instance()
    original = QFont(app.font())
    bigger = QFont(original)
    bigger.setPointSizeF(original.pointSizeF() * 2)
    app.setFont(bigger)
    try:
        window = _window(qtbot, populated)
        _grab_all(qtbot, window, _out(tmp_path), "-200")
    finally:
        app.setFont(original)
