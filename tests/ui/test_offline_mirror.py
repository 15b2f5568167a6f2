"""The team server goes away, and the app stays usable to read (issue 8, item 4).

- Every screen is built in idle time once the window is open on a team server, so a screen
  first opened during an outage still shows data, not "needs the team server".
- A read-only mirror of the team database is kept on this computer (``oncall.db.mirror``),
  in one consistent snapshot, refreshed in the background.
- Starting while the server can't be reached opens the mirror read-only, with a banner; an
  incident started meanwhile waits in the outbox; when the server answers, the app reopens
  it to edit and the outbox is delivered once.

A real PostgreSQL server of this module's own (``tests/pg.py``): it is stopped and started.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import create_engine, text

from oncall.app import AppContext
from oncall.db import migrate
from oncall.db.engine import make_engine, make_session_factory
from oncall.demo import build_demo
from oncall.paths import app_paths
from oncall.settings import Settings
from tests.conftest import NOW
from tests.pg import Cluster, postgres_bin

pytestmark = pytest.mark.skipif(postgres_bin() is None, reason="no PostgreSQL server here")

#: One poll is 2 s: an outage or a return shows within a few.
SOON_MS = 15_000

#: A name every screen shows, one way or another, in the demo data.
SCREENS = ("now", "schedule", "team", "load", "wellbeing", "incidents")


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    """A server of this test's own, with the demo team in database ``oncall``."""
    made = Cluster.create()
    made.start()
    try:
        admin = create_engine(made.url("postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("CREATE DATABASE oncall"))
            # the test clusters trade durability for speed; a real server keeps its commits
            conn.execute(text("ALTER DATABASE oncall SET synchronous_commit = on"))
        admin.dispose()
        engine = make_engine(made.url("oncall"))
        migrate.upgrade(engine)
        build_demo(make_session_factory(engine), NOW)
        engine.dispose()
        yield made
    finally:
        made.destroy()


def _context(url: str, folder: Path) -> AppContext:
    return AppContext(
        paths=app_paths(folder).create(),
        sessions=make_session_factory(make_engine(url)),
        settings=Settings().with_(viewer_zone="Europe/London"),
        clock=lambda: NOW,
    )


def _texts(widget) -> str:
    """Every word a person can read in ``widget``: labels, buttons and item views' cells."""
    from PySide6.QtCore import QAbstractListModel
    from PySide6.QtWidgets import QAbstractButton, QAbstractItemView, QLabel

    words = [w.text() for w in widget.findChildren(QLabel)]
    words += [w.text() for w in widget.findChildren(QAbstractButton)]
    for view in widget.findChildren(QAbstractItemView):
        model = view.model()
        if model is None:
            continue
        columns = 1 if isinstance(model, QAbstractListModel) else model.columnCount()
        for row in range(min(model.rowCount(), 50)):
            for column in range(columns):
                value = model.index(row, column).data()
                if value is not None:
                    words.append(str(value))
    return " ".join(words)


#: What each screen shows from the demo data (read from the database, not built in).
SHOWS = {
    "now": "Priya Raman",
    "schedule": "Sofia Marchetti",
    "team": "Payments primary",
    "load": "42 pages",
    "wellbeing": "1 high",
    "incidents": "Card checkout fails",
}


def _window(qtbot: QtBot, ctx: AppContext, **kwargs):
    from oncall.ui.main_window import MainWindow

    window = MainWindow(ctx, **kwargs)
    qtbot.addWidget(window)
    window.resize(1200, 760)
    window.show()
    qtbot.waitExposed(window)
    return window


def test_every_screen_opened_first_during_an_outage_shows_data(
    qtbot: QtBot, cluster: Cluster, tmp_path: Path
) -> None:
    from oncall.ui.banner import CONNECTION

    ctx = _context(cluster.url("oncall"), tmp_path / "app")
    try:
        window = _window(qtbot, ctx)
        assert window.current_key == "now"
        # nobody opens another screen: they are built in idle time, one per turn
        qtbot.waitUntil(lambda: set(window.views) == set(SHOWS), timeout=SOON_MS)
        assert window.current_key == "now"

        cluster.stop()
        qtbot.waitUntil(lambda: window.banner.message(CONNECTION) is not None, timeout=SOON_MS)

        for key, shown in SHOWS.items():
            view = window.show_screen(key)
            words = _texts(view)
            assert "needs the team server" not in words, key
            assert shown in words, key
        window.close()
    finally:
        ctx.close()


def _counts(engine) -> dict[str, int]:
    from sqlalchemy import func, select

    from oncall.db.transfer import copied_tables

    with engine.connect() as conn:
        return {
            t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in copied_tables()
        }


def test_the_mirror_is_made_after_opening_and_refreshed_after_changes(
    qtbot: QtBot, cluster: Cluster, tmp_path: Path
) -> None:
    from oncall.db import commands, mirror
    from oncall.domain.model import Team

    ctx = _context(cluster.url("oncall"), tmp_path / "app")
    other = _context(cluster.url("oncall"), tmp_path / "other")
    try:
        window = _window(qtbot, ctx)
        keeper = window.connection.mirror
        assert keeper is not None
        assert keeper.path.parent == ctx.paths.cache
        with qtbot.waitSignal(keeper.refreshed, timeout=SOON_MS) as first:
            pass
        server = ctx.sessions.kw["bind"]
        copied = mirror.open_mirror(keeper.path, ctx.database_url)
        assert copied is not None
        assert _counts(copied.kw["bind"]) == _counts(server)
        assert first.args[0].rows == sum(_counts(server).values())
        copied.kw["bind"].dispose()
        assert not list(ctx.paths.cache.glob("*.partial"))

        keeper.timer.setInterval(300)  # five minutes in the app; a moment here
        checks: list[bool] = []
        keeper.timer.timeout.connect(lambda: checks.append(keeper.busy))
        qtbot.waitUntil(lambda: len(checks) >= 3, timeout=SOON_MS)
        assert checks[-2:] == [False, False]  # nothing changed: no refresh
        assert not keeper.busy
        assert not keeper.dirty
        with other.sessions.begin() as s:  # another copy of oncall saves something
            commands.add_team(s, Team(0, "Search", "UTC", ""))
        with qtbot.waitSignal(keeper.refreshed, timeout=SOON_MS):
            pass
        copied = mirror.open_mirror(keeper.path, ctx.database_url)
        assert _counts(copied.kw["bind"]) == _counts(server)
        assert _counts(copied.kw["bind"])["team"] == 3
        copied.kw["bind"].dispose()
        window.close()
    finally:
        ctx.close()
        other.close()


OFFLINE = (
    "The team server can't be reached; showing the copy from 10:00 on this computer. "
    "Changes are off until it's back."
)


def test_starting_while_the_server_is_down_opens_the_copy_and_reopens_when_back(
    qtbot: QtBot, cluster: Cluster, tmp_path: Path
) -> None:
    from PySide6.QtWidgets import QComboBox

    from oncall.__main__ import _open
    from oncall.app import is_offline, prepare_context
    from oncall.db import commands, incidents, queries
    from oncall.domain.model import Team
    from oncall.ui.banner import CONNECTION, READ_ONLY
    from oncall.ui.connection import OFFLINE_NOT_SAVED, save_refusal
    from oncall.ui.runner.incident_run import load_checklists, start_run
    from oncall.ui.undo import push_edit
    from tests.ui.shots import save_png

    url, folder = cluster.url("oncall"), tmp_path / "app"

    def prepared() -> AppContext:  # what `oncall --data-dir FOLDER` resolves
        ctx = prepare_context(folder, clock=lambda: NOW, database_url=url)
        ctx.settings = ctx.settings.with_(viewer_zone="Europe/London")
        return ctx

    # 1. A day at work on the team server: the copy on this computer is made.
    first = prepared()
    assert _open(first) is first
    window = _window(qtbot, first, ready=False)
    with qtbot.waitSignal(window.context_attached, timeout=SOON_MS):
        window.attach_context(first)  # what start-up does after the first paint
    with qtbot.waitSignal(window.connection.mirror.refreshed, timeout=SOON_MS):
        pass
    window.close()
    first.close()

    # 2. The next morning the server is down: oncall starts on the copy, read-only.
    cluster.stop()
    ctx = prepared()
    assert _open(ctx) is ctx
    try:
        assert is_offline(ctx)
        assert ctx.read_only_reason == OFFLINE
        window = _window(qtbot, ctx, ready=False)
        with qtbot.waitSignal(window.context_attached, timeout=SOON_MS):
            window.attach_context(ctx)
        assert window.connection.mirror is None  # the copy is not copied onto itself
        assert window.banner.message(READ_ONLY) == OFFLINE
        assert window.database_label.text() == "Database: Team server 127.0.0.1/oncall"
        qtbot.waitUntil(lambda: set(window.views) == set(SHOWS), timeout=SOON_MS)
        for key, shown in SHOWS.items():
            words = _texts(window.show_screen(key))
            assert "needs the team server" not in words, key
            assert shown in words, key
        window.show_screen("now")
        save_png(window, "offline_start.png", tmp_path)

        # a change is refused with a sentence; nothing lands on the undo stack
        refused = push_edit(
            window.undo_stack,
            "Add a team",
            lambda: ctx.edit(1, lambda s: commands.add_team(s, Team(0, "X", "UTC", ""))),
            lambda: None,
        )
        assert refused == OFFLINE
        assert window.undo_stack.count() == 0
        # a write that goes around ctx.edit meets the read-only file, and says so too
        with pytest.raises(Exception) as direct, ctx.sessions.begin() as s:
            commands.add_team(s, Team(0, "Y", "UTC", ""))
        assert save_refusal(direct.value) == OFFLINE_NOT_SAVED

        # paged meanwhile: the incident starts on this computer, who is on call from the copy
        library = load_checklists(ctx)
        run = start_run(ctx, library.checklists["web-triage"], library)
        assert run.incident.id < 0
        with ctx.sessions() as s:
            team, primary, _ = incidents.on_call(s, NOW)
        assert (run.incident.team_id, run.incident.engineer_id) == (team, primary)
        assert primary is not None
        run.note("Rolled back the 02:00 deploy")
        waiting = run.waiting()
        assert waiting >= 2  # opened, first step, the note

        # 3. The server is back: oncall switches to it, changes come back, the outbox goes.
        cluster.start()
        qtbot.waitUntil(lambda: not is_offline(ctx), timeout=SOON_MS)
        assert ctx.read_only_reason is None
        assert window.banner.message(READ_ONLY) is None
        assert window.banner.message(CONNECTION) is None
        qtbot.waitUntil(lambda: run.waiting() == 0, timeout=SOON_MS)
        server_id = run.incident.id
        assert server_id > 0
        texts = [e.text for e in incidents.timeline(ctx.sessions, server_id)]
        assert texts.count("Rolled back the 02:00 deploy") == 1
        with ctx.sessions() as s:
            opened = s.execute(
                text("SELECT count(*) FROM incident WHERE opened_at = :at"), {"at": NOW}
            ).scalar_one()
        assert opened == 1  # delivered once
        assert (
            push_edit(
                window.undo_stack,
                "Add a team",
                lambda: ctx.edit(1, lambda s: commands.add_team(s, Team(0, "Search", "UTC", ""))),
                lambda: None,
            )
            is None
        )
        with ctx.sessions() as s:
            assert "Search" in [t.name for t in queries.list_teams(s)]
        window.refresh_all()  # the screens read the server now, not the copy
        pickers = window.views["team"].findChildren(QComboBox)
        assert any("Search" in [c.itemText(i) for i in range(c.count())] for c in pickers)
        window.close()
    finally:
        ctx.close()


def test_starting_while_the_server_is_down_without_a_copy_says_why_retry_or_quit(
    qtbot: QtBot, cluster: Cluster, tmp_path: Path
) -> None:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    from oncall.__main__ import _open
    from oncall.app import prepare_context

    def _visible_box() -> QMessageBox | None:  # earlier boxes linger, hidden
        return next(
            (w for w in QApplication.topLevelWidgets()
             if isinstance(w, QMessageBox) and w.isVisible()),
            None,
        )  # fmt: skip

    cluster.stop()
    ctx = prepare_context(tmp_path / "new", clock=lambda: NOW, database_url=cluster.url("oncall"))
    seen: list[tuple[str, str, list[str]]] = []

    def answer() -> None:
        box = _visible_box()
        if box is None:
            QTimer.singleShot(20, answer)  # exec() has not shown it yet
            return
        buttons = [b.text() for b in box.buttons()]
        seen.append((box.text(), box.informativeText(), buttons))
        next(b for b in box.buttons() if b.text() == "Quit").click()

    QTimer.singleShot(0, answer)
    assert _open(ctx) is None
    assert len(seen) == 1
    words, why, buttons = seen[0]
    assert words.startswith("oncall can't reach the team server (Team server 127.0.0.1/oncall)")
    assert "no copy of it yet" in words
    assert "connection refused" in why
    assert sorted(buttons) == ["Quit", "Retry"]
    assert not ctx.is_open

    # Retry: still down asks again; once the server is up, oncall opens it
    def retry() -> None:
        box = _visible_box()
        if box is None:
            QTimer.singleShot(20, retry)
            return
        seen.append((box.text(), box.informativeText(), []))
        if len(seen) == 3:
            cluster.start()
        next(b for b in box.buttons() if b.text() == "Retry").click()
        if len(seen) < 3:
            QTimer.singleShot(20, retry)  # the next box, once this one has closed

    QTimer.singleShot(0, retry)
    try:
        assert _open(ctx) is ctx
        assert len(seen) == 3
        assert ctx.read_only_reason is None
    finally:
        ctx.close()


def test_the_app_itself_starts_on_the_copy_while_the_server_is_down(
    cluster: Cluster, tmp_path: Path
) -> None:
    """``oncall`` as a process (start-up's real path): paints, opens the copy, is ready."""
    import os
    import subprocess
    import sys

    from oncall.db import mirror

    url, folder = cluster.url("oncall"), tmp_path / "data"
    engine = make_engine(url)
    mirror.refresh(engine, mirror.mirror_path(app_paths(folder).create().cache, url))
    engine.dispose()
    cluster.stop()
    env = {
        **os.environ,
        "ONCALL_DATA_DIR": str(folder),
        "ONCALL_DATABASE_URL": url,
        "ONCALL_EXIT_AFTER_PAINT": "ready",
        "QT_QPA_PLATFORM": "offscreen",
    }
    result = subprocess.run(
        [sys.executable, "-m", "oncall", "--debug"],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].startswith("ready ")
    assert "Opened the team server's copy on this computer, read-only" in result.stderr
    assert "oncall-test-secret" not in result.stderr
