"""Keeping the team database's mirror fresh (``oncall.db.mirror``), and starting without it.

:class:`MirrorKeeper` refreshes the mirror on the worker pool (never on the GUI thread): once
soon after the app opens on a team server, then at most every :data:`REFRESH_MS` while the
change watch (or this app's own edits, or a delivered outbox) saw changes. A refresh that
fails is logged and forgotten: the mirror is a convenience, the previous copy stays.

:func:`offline_reason` is the banner's sentence while the app reads the mirror because the
server could not be reached at start-up.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QObject, QTimer, Signal

if TYPE_CHECKING:
    from oncall.app import AppContext
    from oncall.ui.workers import Worker

log = logging.getLogger(__name__)

#: At most one refresh per this many milliseconds (5 minutes), and only after changes.
REFRESH_MS = 5 * 60 * 1000
#: The first refresh, this long after the window opened (after the screens' first reads).
FIRST_MS = 1_000


def offline_reason(taken_at: datetime, zone: str, today: datetime | None = None) -> str:
    """Why changes are off while the mirror stands in for the server (``taken_at`` shown in
    the viewer's ``zone``, with the day when it is not ``today``)."""
    local = taken_at.astimezone(ZoneInfo(zone))
    same_day = today is not None and today.astimezone(ZoneInfo(zone)).date() == local.date()
    when = f"{local:%H:%M}" if same_day else f"{local:%a %d %b %H:%M}"
    return (
        f"The team server can't be reached; showing the copy from {when} on this computer. "
        "Changes are off until it's back."
    )


class MirrorKeeper(QObject):
    """Refreshes the mirror of ``ctx``'s team database (see the module docstring).

    Signals:
        refreshed(object): a refresh finished (its ``oncall.db.mirror.Refreshed``).
    """

    refreshed = Signal(object)

    def __init__(
        self,
        ctx: AppContext,
        *,
        interval_ms: int = REFRESH_MS,
        first_ms: int = FIRST_MS,
        parent: QObject | None = None,
    ) -> None:
        from oncall.db import mirror

        super().__init__(parent)
        self.ctx = ctx
        self.path = mirror.mirror_path(ctx.paths.cache, ctx.database_url)
        self.dirty = True  # nothing copied yet this session
        self._worker: Worker | None = None
        self._closed = False
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.refresh_if_changed)
        self._first_ms = first_ms

    def start(self) -> None:
        """The first refresh in a moment, then the every-interval check."""
        self.timer.start()
        QTimer.singleShot(self._first_ms, self, self.refresh_if_changed)

    def stop(self) -> None:
        """No more refreshes; one under way is asked to stop (its partial file goes)."""
        self._closed = True
        self.timer.stop()
        if self._worker is not None:
            self._worker.cancel()

    def mark_changed(self, *_args: Any) -> None:
        """Something changed on the server: the next check refreshes."""
        self.dirty = True

    @property
    def busy(self) -> bool:
        """Whether a refresh is under way."""
        return self._worker is not None

    def refresh_if_changed(self) -> None:
        """Refresh on the worker pool when changes were seen (and none is under way)."""
        if self._closed or self.busy or not self.dirty or not self.ctx.is_open:
            return
        from oncall.ui.workers import Worker

        self.dirty = False  # changes seen from now on need the next one
        engine = self.ctx.sessions.kw["bind"]
        clock = self.ctx.clock
        path = self.path

        def job() -> Any:
            from oncall.db import mirror

            # progress between batches: a cancel (the window closes) stops the copy there
            yield from mirror.refreshing(engine, path, clock=clock)

        worker = Worker(job)
        worker.signals.progress.connect(self._on_refreshed)
        worker.signals.failed.connect(self._on_failed)
        worker.signals.finished.connect(self._on_finished)
        self._worker = worker
        worker.start()

    def _on_refreshed(self, done: Any) -> None:
        from oncall.db.mirror import Refreshed

        if not isinstance(done, Refreshed):
            return  # the copy's progress: nobody watches it
        log.info("Copied the team database to this computer: %s rows in %.2f s",
                 f"{done.rows:,}", done.seconds)  # fmt: skip
        self.refreshed.emit(done)

    def _on_failed(self, message: str) -> None:
        # the worker logged the traceback; the old copy stays and the next change retries
        log.warning("The team database's copy on this computer was not refreshed: %s", message)
        self.dirty = True

    def _on_finished(self) -> None:
        self._worker = None
