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
