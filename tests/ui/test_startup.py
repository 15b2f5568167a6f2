"""Start-up: the first frame is painted from the read-only snapshot without SQLAlchemy, the
database opens after it, the ledger is brought up to date, and the window then works fully."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from oncall.app import AppContext, open_context, open_database, prepare_context
from oncall.db import queries
from oncall.db.fastread import open_snapshot
from oncall.ui.main_window import MainWindow
from oncall.ui.widgets import EmptyState


def _oncall(data_dir: Path, mode: str, *extra: str) -> subprocess.CompletedProcess[str]:
    """``python [-X ...] -m oncall --demo [--debug]`` with the benchmark's exit mode."""
    python_options = [x for x in extra if x != "--debug"]
    app_options = [x for x in extra if x == "--debug"]
    env = {
        **os.environ,
        "ONCALL_DATA_DIR": str(data_dir),
        "ONCALL_EXIT_AFTER_PAINT": mode,
        "QT_QPA_PLATFORM": "offscreen",
    }
    return subprocess.run(
        [sys.executable, *python_options, "-m", "oncall", "--demo", *app_options],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


@pytest.fixture
def existing_demo(data_dir: Path) -> Path:
    """A demo database built once, as a user who has started ``oncall --demo`` before has."""
    open_context(data_dir, demo=True)
    return data_dir


def test_first_paint_of_an_existing_demo_imports_no_sqlalchemy(existing_demo: Path) -> None:
    result = _oncall(existing_demo, "1", "-X", "importtime", "--debug")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("painted ")
    # the app logs, at its first paint, whether SQLAlchemy is loaded (sys.modules: this also
    # sees modules loaded by importlib.import_module, which -X importtime does not list)
    assert "first paint; sqlalchemy imported: False" in result.stderr
    imported = [line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines()]
    assert "oncall.db.fastread" in imported
    assert not [m for m in imported if m.split(".")[0] in ("sqlalchemy", "alembic")]


def test_the_database_opens_after_the_first_paint(existing_demo: Path) -> None:
    result = _oncall(existing_demo, "ready", "-X", "importtime")
    assert result.returncode == 0, result.stderr
    painted, ready = result.stdout.split()[0:2], result.stdout.split()[2:4]
    assert painted[0] == "painted"
    assert ready[0] == "ready"
    assert float(painted[1]) < float(ready[1])
    imported = [line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines()]
    assert "sqlalchemy" in imported  # the full context did open


def test_first_ever_demo_opens_the_database_first(data_dir: Path) -> None:
    result = _oncall(data_dir, "ready")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0::2] == ["painted", "ready"]
    ctx = open_context(data_dir, demo=True)
    with ctx.sessions.begin() as s:
        assert [t.name for t in queries.list_teams(s)] == ["Payments", "Platform"]


def _early(ctx: AppContext, clock=None) -> AppContext:
    """A context as ``oncall`` has it before the first paint: paths, settings and a snapshot."""
    early = prepare_context(ctx.paths.data, clock=clock or ctx.clock)
    early.settings = early.settings.with_(viewer_zone="Europe/London")
    early.snapshot = open_snapshot(early.paths.database)
    assert early.snapshot is not None
    assert not early.is_open
    return early


@pytest.fixture
def early_window(qtbot: QtBot, seeded_team):
    early = _early(seeded_team.ctx)
    window = MainWindow(early, ready=False)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def test_first_frame_shows_the_real_now_screen(early_window, seeded_team) -> None:
    texts = early_window.views["now"].texts()
    assert "Carmen Diaz" in texts  # the primary in progress at the fixed clock
    assert "Dev Patel" in texts  # the secondary
    assert not early_window.ready


def test_navigation_before_the_database_opens_is_kept(qtbot: QtBot, early_window) -> None:
    window = early_window
    nav = window.nav
    rect = nav.visualItemRect(nav.item(1))
    qtbot.mouseClick(nav.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    stand_in = window.stack.currentWidget().findChild(EmptyState)
    assert stand_in is not None
    assert stand_in.title_label.text() == "Opening the database…"
    assert "schedule" not in window.views

    open_database(window.ctx)
    with qtbot.waitSignals([window.context_attached, window.screen_shown], timeout=20000):
        window.attach_context(window.ctx)
    assert window.ready
    assert window.current_key == "schedule"
    assert type(window.views["schedule"]).__name__ == "ScheduleView"
    assert all(
        w.title_label.text() != "Opening the database…"
        for w in window.stack.currentWidget().findChildren(EmptyState)
    )


def test_window_works_after_the_context_is_attached(
    qtbot: QtBot, early_window, seeded_team
) -> None:
    window = early_window
    open_database(window.ctx)
    with qtbot.waitSignal(window.context_attached, timeout=20000):
        window.attach_context(window.ctx)
    assert "Carmen Diaz" in window.views["now"].texts()  # now read through a session

    with qtbot.waitSignal(window.screen_shown, timeout=5000) as shown:
        window.show_screen("schedule")
    assert shown.args == ["schedule"]
    team = window.show_screen("team")
    names = [team.engineer_table.model().index(r, 0).data() for r in range(4)]
    team.engineer_table.setCurrentIndex(
        team.engineer_table.model().index(names.index("Dev Patel"), 0)
    )
    qtbot.mouseClick(team.deactivate_button, Qt.MouseButton.LeftButton)
    with window.ctx.sessions.begin() as s:
        assert not queries.find_engineer(s, "dev").active
    assert window.undo_action.isEnabled()
    window.undo_action.trigger()
    with window.ctx.sessions.begin() as s:
        assert queries.find_engineer(s, "dev").active


def test_settings_asked_for_before_the_database_opens_opens_after(
    qtbot: QtBot, early_window, monkeypatch: pytest.MonkeyPatch
) -> None:
    from oncall.ui.settings_dialog import SettingsDialog

    asked: list[AppContext] = []
    monkeypatch.setattr(
        SettingsDialog, "ask", classmethod(lambda cls, ctx, parent=None: asked.append(ctx))
    )
    window = early_window
    window.settings_action.trigger()
    assert asked == []  # not yet: the dialog lists engineers from the database
    open_database(window.ctx)
    with qtbot.waitSignal(window.context_attached, timeout=20000):
        window.attach_context(window.ctx)
    assert asked == [window.ctx]


def test_start_up_refresh_brings_the_ledger_to_the_horizon(qtbot: QtBot, seeded_team) -> None:
    later = seeded_team.now + timedelta(days=40)  # the app opened weeks after the last run
    horizon = timedelta(days=seeded_team.ctx.settings.horizon_days)
    with seeded_team.ctx.sessions.begin() as s:
        before = queries.ledger(s, None, seeded_team.now, later + horizon * 2)
    assert max(x.end for x in before) < later + horizon
    assert not any(x.frozen for x in before if seeded_team.now < x.end <= later)

    early = _early(seeded_team.ctx, clock=lambda: later)
    window = MainWindow(early, ready=False)
    qtbot.addWidget(window)
    window.show()
    open_database(early)
    with qtbot.waitSignal(window.context_attached, timeout=20000):
        window.attach_context(early)

    with early.sessions.begin() as s:
        after = queries.ledger(s, None, seeded_team.now, later + horizon * 2)
    assert max(x.end for x in after) >= later + horizon
    ended = [x for x in after if seeded_team.now < x.end <= later]
    assert ended
    assert all(x.frozen for x in ended)  # what ended meanwhile is history now
