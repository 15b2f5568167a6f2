"""Staying in touch with the database: other clients' changes, a lost connection, the outbox.

- :class:`ConnectionWatcher` polls ``oncall.db.watch.ChangeWatch`` every :data:`POLL_MS` on
  the worker pool (never on the GUI thread). Another client committed → ``external_change``;
  the poll failed because the server cannot be reached → ``connection_lost(since)``; a poll
  works again → the outbox is delivered (``oncall.db.outbox``), then ``connection_restored``.
- :class:`ConnectionController` puts that on the main window: the visible screen re-reads on
  an external change (the others when they are next shown), a calm banner says since when
  the server can't be reached, and when it is back the banner goes and every screen re-reads.
- :func:`report_lost` is for code on the GUI thread that met a lost connection (a refresh, a
  save): it returns whether the error was one, and if so the banner shows at once through
  :func:`status`, the process-wide notifier, instead of an error dialog.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QObject, QTimer, Signal

# oncall.db (SQLAlchemy) is imported inside: the window imports this before the database opens
if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from oncall.app import AppContext
    from oncall.ui.main_window import MainWindow
    from oncall.ui.mirror import MirrorKeeper

log = logging.getLogger(__name__)

#: How often the database is asked whether something changed (milliseconds).
POLL_MS = 2_000

#: What a save that met a lost connection says (the form keeps what was typed).
NOT_SAVED = "Not saved: the team server can't be reached; your change is still in the form."


#: What a save the server refused as read-only says (SQLSTATE 25006: a team database from a
#: newer oncall, opened read-only; the banner names the versions).
READ_ONLY_NOT_SAVED = (
    "Not saved: the team database is read-only for this version of oncall (see the banner); "
    "update oncall to make changes."
)


def save_refusal(exc: BaseException) -> str | None:
    """What to tell the user about a save that failed with ``exc``, or None when it is not a
    refusal this module knows (let it propagate): :data:`NOT_SAVED` for a lost connection
    (the banner shows too, see :func:`report_lost`), :data:`READ_ONLY_NOT_SAVED` for the
    server's read-only refusal. For writes that do not go through ``AppContext.edit``."""
    from oncall.app import ReadOnlyDatabase

    if isinstance(exc, ReadOnlyDatabase):
        return str(exc)
    if report_lost(exc):
        return NOT_SAVED
    if _is_mirror_refusal(exc):
        log.warning("A write reached the team server's read-only copy; refused")
        return OFFLINE_NOT_SAVED
    if "sqlalchemy" in sys.modules:
        from oncall.db.watch import is_read_only_refusal

        if is_read_only_refusal(exc):
            log.warning("The team database refused a write: it is read-only")
            return READ_ONLY_NOT_SAVED
    return None


#: What a write that reached the read-only copy of the team server says (a start while the
#: server was away, ``oncall.db.mirror``; most writes are refused before, by ``ctx.edit``).
OFFLINE_NOT_SAVED = (
    "Not saved: the team server can't be reached and oncall shows its copy on this computer "
    "(see the banner); your change is still in the form."
)


def _is_mirror_refusal(exc: BaseException) -> bool:
    """Whether ``exc`` is SQLite refusing a write to a read-only file (the mirror)."""
    import sqlite3

    seen: BaseException | None = exc
    for _ in range(5):  # the driver's error sits under SQLAlchemy's, a level or two down
        if seen is None:
            return False
        if isinstance(seen, sqlite3.OperationalError) and "readonly database" in str(seen):
            return True
        seen = getattr(seen, "orig", None) or seen.__cause__ or seen.__context__
    return False


def banner_text(since: datetime, zone: str) -> str:
    """The banner's words while the server can't be reached (``since`` in the viewer's zone)."""
    local = since.astimezone(ZoneInfo(zone))
    return (
        f"The team server can't be reached since {local:%H:%M}. You can keep reading what "
        "was loaded; incident notes are kept on this computer and sent when it's back. "
        "Retrying…"
    )


class ConnectionStatus(QObject):
    """The process-wide word on the connection (one instance: :func:`status`).

    Signals:
        lost(): code on the GUI thread met a lost connection (see :func:`report_lost`).
        delivered(int): entries from the outbox reached the server (how many).
    """

    lost = Signal()
    delivered = Signal(int)


_STATUS: list[ConnectionStatus] = []


def status() -> ConnectionStatus:
    """The one :class:`ConnectionStatus` (made on first use, on the GUI thread)."""
    if not _STATUS:
        _STATUS.append(ConnectionStatus())
    return _STATUS[0]


def report_lost(exc: BaseException) -> bool:
    """Whether ``exc`` means the server can't be reached; if so, say so (the banner shows)."""
    if "sqlalchemy" not in sys.modules:  # no database opened yet: not a connection error
        return False
    from oncall.db.watch import is_connection_lost

    if not is_connection_lost(exc):
        return False
    log.warning("The database server can't be reached: %s", type(exc).__name__)
    status().lost.emit()
    return True


class ConnectionWatcher(QObject):
    """Polls the database off the GUI thread; says what changed (see the module docstring).

    Signals:
        external_change(): another client committed a change.
        connection_lost(datetime): the server can't be reached, since then (UTC).
        connection_restored(): it can again (the outbox was delivered first).
        delivered(int): entries the outbox delivered (only when there were some).
    """

    external_change = Signal()
    connection_lost = Signal(object)
    connection_restored = Signal()
    delivered = Signal(int)

    def __init__(self, ctx: AppContext, interval_ms: int = POLL_MS, parent: QObject | None = None):
        from oncall.db import mirror, outbox
        from oncall.db.watch import ChangeWatch

        super().__init__(parent)
        self.ctx = ctx
        self.since: datetime | None = None  # when the connection was lost; None while fine
        self._engine = ctx.sessions.kw["bind"]
        self._sessions: Any = None  # where the outbox delivers; None: ctx.sessions
        #: the app reads the server's mirror (started while it was away): the watch polls the
        #: real server, and its first answer is ``connection_restored``
        self.offline = mirror.offline_of(ctx.sessions)
        if self.offline is not None:
            from oncall.db.engine import make_engine, make_session_factory

            self._engine = make_engine(self.offline.server_url)
            self._sessions = make_session_factory(self._engine)
            self.since = ctx.clock()  # lost from the start (the banner already says so)
        self._watch = ChangeWatch(self._engine)
        self._box = outbox.outbox_for(ctx.paths.state)
        self._lock = threading.Lock()  # one poll at a time; stop() waits for it
        self._closed = False
        self._busy = False
        self._busy_since = 0.0  # time.monotonic() when the poll under way started
        self._worker: Any = None
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.poll)

    @property
    def is_lost(self) -> bool:
        """Whether the server can't be reached right now (as last seen)."""
        return self.since is not None

    def start(self) -> None:
        """Poll now and then every interval."""
        self.timer.start()
        self.poll()

    def stop(self) -> None:
        """No more polls; closes the watch's connection (waits for a poll under way)."""
        self.timer.stop()
        with self._lock:
            self._closed = True
            self._watch.close()
            if self._sessions is not None:
                self._engine.dispose()  # the watcher's own engine on the server

    def mark_lost(self) -> None:
        """Someone on the GUI thread met a lost connection: say so now, not at the next poll."""
        if self.since is None:
            self.since = self.ctx.clock()
            self.connection_lost.emit(self.since)

    def poll(self) -> None:
        """Ask once, on the worker pool (skipped while the previous ask is under way; one
        that hangs for three intervals counts as a lost connection)."""
        if self._closed:
            return
        if self._busy:
            if time.monotonic() - self._busy_since > 3 * self.timer.interval() / 1000:
                self.mark_lost()  # a server gone silent: no answer, not even a refusal
            return
        from oncall.ui.workers import Worker

        self._busy = True
        self._busy_since = time.monotonic()
        worker = Worker(self._job)
        worker.signals.progress.connect(self._on_result)
        worker.signals.finished.connect(self._on_finished)
        self._worker = worker  # kept until it finishes
        worker.start()

    def _job(self) -> Iterator[tuple[str, Any]]:
        """On a pool thread: one poll, and the outbox's delivery when it works."""
        from oncall.db.watch import is_connection_lost

        result: tuple[str, Any]
        with self._lock:
            if self._closed:
                return
            try:
                changed = self._watch.poll()
                sessions = self._sessions or self.ctx.sessions
                delivered = self._box.deliver(sessions) if self._box.waiting(sessions) else 0
                result = ("ok", (changed, delivered))
            except Exception as exc:
                if not is_connection_lost(exc):
                    raise  # the worker logs it; the next poll tries again
                result = ("lost", None)
        yield result

    def _on_result(self, result: tuple[str, Any]) -> None:
        kind, value = result
        if kind == "lost":
            self.mark_lost()
            return
        changed, delivered = value
        if delivered:
            self.delivered.emit(delivered)
            status().delivered.emit(delivered)
        if self.since is not None:
            self.since = None
            self.connection_restored.emit()
        elif changed:
            self.external_change.emit()

    def _on_finished(self) -> None:
        self._busy = False
        self._worker = None


class ConnectionController(QObject):
    """The main window's side: banner, refreshes, screens that need the server.

    Made by the window; :meth:`attach` (re)starts the watcher on the window's context and
    :meth:`stop` ends it (the window's close).
    """

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.watcher: ConnectionWatcher | None = None
        self.mirror: MirrorKeeper | None = None  # the team database's copy on this computer
        self.stale: set[str] = set()  # screens to re-read when next shown
        status().lost.connect(self._on_reported_lost)
        window.screen_shown.connect(self._on_screen_shown)

    def attach(self, ctx: AppContext) -> None:
        """Watch ``ctx``'s database (stopping the watch of an earlier context)."""
        self.stop()
        if not ctx.is_open:
            return
        self.watcher = ConnectionWatcher(ctx, parent=self)
        self.watcher.external_change.connect(self.refresh_visible)
        self.watcher.connection_lost.connect(self._show_lost)
        self.watcher.connection_restored.connect(self._on_restored)
        self.watcher.start()
        if ctx.is_shared and ctx.read_only_reason is None:
            from oncall.ui.mirror import MirrorKeeper

            self.mirror = MirrorKeeper(ctx, parent=self)
            self.watcher.external_change.connect(self.mirror.mark_changed)
            self.watcher.delivered.connect(self.mirror.mark_changed)
            self.window.undo_stack.indexChanged.connect(self.mirror.mark_changed)
            self.mirror.start()

    def stop(self) -> None:
        """Stop watching (the window closes)."""
        if self.watcher is not None:
            self.watcher.stop()
            self.watcher.deleteLater()
            self.watcher = None
        if self.mirror is not None:
            self.window.undo_stack.indexChanged.disconnect(self.mirror.mark_changed)
            self.mirror.stop()
            self.mirror.deleteLater()
            self.mirror = None

    # ----- refreshing -------------------------------------------------------------------------

    def refresh_visible(self) -> None:
        """Another client changed something: the screen on show re-reads now, the others
        when they are next shown."""
        current = self.window.current_key
        self.stale = set(self.window.views) - {current}
        view = self.window.views.get(current)
        if view is not None:
            safely_refresh(view)
        safely(self.window.tray.refresh)

    def refresh_everything(self) -> None:
        """Every built screen and the tray re-read (each on its own: one failing stops none)."""
        self.stale.clear()
        for view in list(self.window.views.values()):
            safely_refresh(view)
        safely(self.window.tray.refresh)

    def _on_screen_shown(self, key: str) -> None:
        if key in self.stale:
            self.stale.discard(key)
            view = self.window.views.get(key)
            if view is not None:
                safely_refresh(view)

    # ----- lost and found ---------------------------------------------------------------------

    def _on_reported_lost(self) -> None:
        if self.watcher is not None:
            self.watcher.mark_lost()

    def _show_lost(self, since: datetime) -> None:
        from oncall.ui.banner import CONNECTION
        from oncall.ui.zones import viewer_zone

        self.window.banner.show_message(
            CONNECTION, banner_text(since, viewer_zone(self.window.ctx))
        )

    def _on_restored(self) -> None:
        from oncall.ui.banner import CONNECTION

        self.window.banner.clear_message(CONNECTION)
        if self.watcher is not None and self.watcher.offline is not None:
            # started on the mirror: open the server in its place (not inside this signal:
            # reopening replaces the watcher that sent it)
            QTimer.singleShot(0, self, self.reopen)
            return
        rebuild = getattr(self.window, "rebuild_offline_screens", None)
        if rebuild is not None:
            rebuild()
        self.refresh_everything()

    def reopen(self) -> None:
        """The team server answers after a start on its mirror: open the server in place
        (``app.reopen_server``), deliver the outbox, and every screen re-reads. When that
        fails (its schema needs an upgrade, it went away again) the mirror stays open and
        the banner says to restart oncall."""
        from oncall.app import is_offline, reopen_server
        from oncall.db import outbox
        from oncall.ui.banner import CONNECTION

        ctx = self.window.ctx
        if not is_offline(ctx):
            return
        try:
            reopen_server(ctx)
        except Exception as exc:
            log.warning("Could not reopen the team server: %s", exc)
            self.window.banner.show_message(CONNECTION, REOPEN_FAILED)
            return
        log.info("The team server is back: reopened it in place of its copy")
        try:  # what waits goes now (the watcher may have sent it already: never twice)
            delivered = outbox.outbox_for(ctx.paths.state).deliver(ctx.sessions)
        except Exception as exc:
            if not report_lost(exc):
                raise
            delivered = 0
        if delivered:
            status().delivered.emit(delivered)
        self.window.reopened()


#: What the banner says when the server is back but could not be reopened in place.
REOPEN_FAILED = (
    "The team server is back, but oncall could not switch to it from the copy on this "
    "computer; restart oncall to make changes."
)


def safely(action: Callable[[], object]) -> None:
    """Run ``action``; a lost connection shows the banner instead of an error dialog (what
    was on screen stays), anything else is raised as before."""
    try:
        action()
    except Exception as exc:
        if not report_lost(exc):
            raise


def safely_refresh(view: QWidget) -> None:
    """``view.refresh()`` through :func:`safely`, if the view has one."""
    refresh = getattr(view, "refresh", None)
    if refresh is not None:
        safely(refresh)
