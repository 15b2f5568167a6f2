"""Fixtures for the window, Now, tray and crash tests (the root conftest gives ``ctx``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from oncall.app import AppContext


@pytest.fixture(autouse=True)
def system_theme_after() -> Iterator[None]:
    """Every test ends in the system look, so a Night test cannot colour the next one."""
    yield
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if isinstance(app, QApplication):
        from oncall.ui import theme

        theme.apply_theme(app, theme.SYSTEM)


@pytest.fixture
def london(ctx: AppContext) -> AppContext:
    """``ctx`` with the viewer in Europe/London (GMT at the fixed clock), so words are exact."""
    ctx.settings = ctx.settings.with_(viewer_zone="Europe/London")
    return ctx


@pytest.fixture
def main_window(qtbot: QtBot, london: AppContext):
    """The main window on ``ctx``, shown and exposed."""
    from oncall.ui.main_window import MainWindow

    window = MainWindow(london)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window
