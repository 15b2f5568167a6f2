"""The main window: navigation by click and Ctrl+N, undo/redo, status bar, wiring; start-up."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import types
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from oncall.ui import main_window as mw
from oncall.ui.undo import ActionCommand


def test_opens_on_now_with_every_screen_listed(main_window) -> None:
    nav = main_window.nav
    assert [nav.item(i).text() for i in range(nav.count())] == [
        "Now",
        "Schedule",
        "Team",
        "Load",
        "Wellbeing",
        "Incidents",
    ]
    assert main_window.current_key == "now"
    assert main_window.windowTitle() == "oncall"


def test_navigation_by_click(qtbot: QtBot, main_window) -> None:
    nav = main_window.nav
    rect = nav.visualItemRect(nav.item(2))
    with qtbot.waitSignal(main_window.screen_shown, timeout=5000) as shown:
        qtbot.mouseClick(nav.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert shown.args == ["team"]
    assert main_window.stack.currentWidget().isVisible()


def test_navigation_by_ctrl_number(qtbot: QtBot, main_window) -> None:
    main_window.activateWindow()
    qtbot.waitUntil(main_window.isActiveWindow)
    qtbot.keyClick(main_window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: main_window.current_key == "schedule")
    qtbot.keyClick(main_window, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: main_window.current_key == "now")
    assert [a.shortcut().toString() for a in main_window.screen_actions] == [
        "Ctrl+1",
        "Ctrl+2",
        "Ctrl+3",
        "Ctrl+4",
        "Ctrl+5",
        "Ctrl+6",
    ]


def test_undo_and_redo_enabled_only_with_something_to_undo(main_window) -> None:
    undo, redo = main_window.undo_action, main_window.redo_action
    assert not undo.isEnabled()
    assert not redo.isEnabled()
    log: list[str] = []
    main_window.undo_stack.push(
        ActionCommand("Add override", lambda: log.append("do"), lambda: log.append("undo"))
    )
    assert undo.isEnabled()
    assert "Add override" in undo.text()
    assert not redo.isEnabled()
    undo.trigger()
    assert log == ["do", "undo"]
    assert not undo.isEnabled()
    assert redo.isEnabled()
    redo.trigger()
    assert log == ["do", "undo", "do"]


def test_status_bar_shows_the_database_and_demo(qtbot: QtBot, london) -> None:
    texts = _status_texts(qtbot, london)
    assert f"Database: {london.paths.database}" in texts
    assert "Demo data" not in texts
    london.demo = True
    assert "Demo data" in _status_texts(qtbot, london)


def _status_texts(qtbot: QtBot, ctx) -> list[str]:
    window = mw.MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return [w.text() for w in window.statusBar().findChildren(QLabel) if w.isVisible()]


def test_theme_menu_switches_to_night_and_back(qtbot: QtBot, main_window) -> None:
    def lightness() -> float:
        return main_window.palette().color(main_window.backgroundRole()).lightnessF()

    main_window.theme_actions["night"].trigger()
    qtbot.waitUntil(lambda: lightness() < 0.3)
    assert main_window.ctx.settings.theme == "night"
    assert main_window.theme_actions["night"].isChecked()
    main_window.theme_actions["system"].trigger()
    qtbot.waitUntil(lambda: lightness() > 0.5)


class FakeView(QWidget):
    """A screen like Schedule and Team: ``changed`` after edits, ``refresh()`` to re-read."""

    changed = Signal()

    def __init__(self, ctx, undo_stack, parent=None) -> None:
        super().__init__(parent)
        self.undo_stack = undo_stack
        self.refreshed = 0

    def refresh(self) -> None:
        self.refreshed += 1


def test_missing_screen_shows_a_placeholder_and_edits_refresh_others(
    qtbot: QtBot,
    london,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake = types.ModuleType("oncall.ui.fake_a")
    fake.FakeView = FakeView  # type: ignore[attr-defined]
    fake_b = types.ModuleType("oncall.ui.fake_b")
    fake_b.FakeView = FakeView  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "oncall.ui.fake_a", fake)
    monkeypatch.setitem(sys.modules, "oncall.ui.fake_b", fake_b)
    screens = (
        *mw.SCREENS[:1],
        mw.Screen("a", "A", "schedule", "oncall.ui.fake_a", "FakeView"),
        mw.Screen("b", "B", "team", "oncall.ui.fake_b", "FakeView"),
        mw.Screen("later", "Later", "team", "oncall.ui.not_written_yet", "Nope"),
    )
    monkeypatch.setattr(mw, "SCREENS", screens)
    window = mw.MainWindow(london)
    qtbot.addWidget(window)
    a, b = window.show_screen("a"), window.show_screen("b")
    assert isinstance(a, FakeView)
    assert a.undo_stack is window.undo_stack
    assert "a" in window.views  # built lazily, once
    placeholder = window.show_screen("later")
    assert "Later is on its way" in [w.text() for w in placeholder.findChildren(QLabel)]
    with qtbot.waitSignal(window.tray.status_changed, timeout=2000, raising=False):
        a.changed.emit()
    assert b.refreshed == 1
    assert a.refreshed == 0  # a view does not refresh itself for its own edit


def test_settings_choice_refreshes_now(qtbot: QtBot, seeded_team, main_window, monkeypatch) -> None:
    from oncall.ui.settings_dialog import SettingsDialog

    ada = seeded_team.engineer("ada")
    chosen = main_window.ctx.settings.with_(me_engineer_id=ada.id)
    monkeypatch.setattr(SettingsDialog, "ask", classmethod(lambda cls, ctx, parent=None: chosen))
    main_window.settings_action.trigger()
    assert main_window.ctx.settings.me_engineer_id == ada.id
    assert "Your next shift, Ada Lovelace" in main_window.views["now"].texts()
    saved = (main_window.ctx.paths.settings_file).read_text(encoding="utf-8")
    assert f"me_engineer_id = {ada.id}" in saved


def test_geometry_is_remembered(qtbot: QtBot, london) -> None:
    first = mw.MainWindow(london)
    qtbot.addWidget(first)
    first.show()
    first.resize(700, 500)  # the offscreen screen is 800x600
    qtbot.waitUntil(lambda: first.width() == 700)
    first.close()
    second = mw.MainWindow(london)
    qtbot.addWidget(second)
    assert (second.width(), second.height()) == (700, 500)


# ----- start-up ------------------------------------------------------------------------------


def _run(code: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ONCALL_DATA_DIR": str(tmp_path / "data")}
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def test_version_does_not_import_qt(tmp_path: Path) -> None:
    result = _run(
        "import sys\nfrom oncall.__main__ import main\ncode = main(['--version'])\n"
        "print('qt' if 'PySide6' in sys.modules else 'no qt', code)",
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "oncall 0.1.0" in result.stdout
    assert "no qt 0" in result.stdout


def test_subcommand_runs_headless_without_qt(tmp_path: Path) -> None:
    result = _run(
        "import sys\nimport oncall.cli\ncalls = []\n"
        "oncall.cli.main = lambda argv: calls.append(argv) or 7\n"
        "from oncall.__main__ import main\ncode = main(['--data-dir', 'x', 'who', '--json'])\n"
        "print('qt' if 'PySide6' in sys.modules else 'no qt', code, calls)",
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "no qt 7 [['--data-dir', 'x', 'who', '--json']]" in result.stdout


def test_newer_database_gets_a_message_not_a_traceback(
    qtbot: QtBot,
    engine,
    data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from oncall.__main__ import _open
    from oncall.app import prepare_context

    engine.dispose()
    database = data_dir / "oncall.sqlite"
    with sqlite3.connect(database) as con:
        con.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    before = database.read_bytes()
    shown: list[QMessageBox] = []

    def fake_exec(box: QMessageBox) -> int:
        shown.append(box)
        return 0

    monkeypatch.setattr(QMessageBox, "exec", fake_exec)
    ctx = _open(prepare_context(str(data_dir)))
    assert ctx is None
    assert len(shown) == 1
    box = shown[0]
    assert box.text().startswith("This database was written by a newer version of oncall")
    assert "9999_from_the_future" in box.informativeText()
    assert "Traceback" not in box.text() + box.informativeText()
    assert database.read_bytes() == before


def test_exit_after_paint_prints_the_time(tmp_path: Path, seeded_team) -> None:
    env = {
        **os.environ,
        "ONCALL_EXIT_AFTER_PAINT": "1",
        "QT_QPA_PLATFORM": "offscreen",
    }
    result = subprocess.run(
        [sys.executable, "-m", "oncall", "--data-dir", str(seeded_team.ctx.paths.data)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    line = result.stdout.strip().splitlines()[-1]
    assert line.startswith("painted ")
    assert 0 < float(line.split()[1]) < 30
