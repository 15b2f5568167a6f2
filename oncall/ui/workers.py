"""The one worker: runs a long job (a plain generator yielding progress) off the GUI thread.

Jobs live in Qt-free code (``oncall.jobs``) and open their own session. The worker never
touches a widget; it reports through signals that are delivered on the GUI thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

log = logging.getLogger(__name__)

Job = Callable[[], Iterator[Any]]


class WorkerSignals(QObject):
    """A worker's signals; created on the GUI thread so receivers get them queued there.

    Signals:
        progress(object): each value the job yields (usually ``jobs.Progress``).
        failed(str): the job raised; the message is for the user, the traceback is logged.
        cancelled(): the job stopped because ``Worker.cancel()`` was called.
        finished(): always last, whatever happened.
    """

    progress = Signal(object)
    failed = Signal(str)
    cancelled = Signal()
    finished = Signal()


class Worker(QRunnable):
    """Runs ``job()`` and emits each yielded value; cancel is checked between yields."""

    def __init__(self, job: Job) -> None:
        super().__init__()
        # the caller keeps the worker; Qt must not delete it under Python's feet
        self.setAutoDelete(False)
        self.job = job
        self.signals = WorkerSignals()
        self._cancelled = False

    def cancel(self) -> None:
        """Ask the job to stop at its next yield (leaving its ``with`` block rolls back)."""
        self._cancelled = True

    @property
    def is_cancelled(self) -> bool:
        """Whether ``cancel()`` has been called."""
        return self._cancelled

    def run(self) -> None:
        """Qt calls this on a pool thread."""
        try:
            steps = self.job()
            for value in steps:
                if self._cancelled:
                    close = getattr(steps, "close", None)
                    if close is not None:
                        close()  # runs the job's finally/with exits now, on this thread
                    self.signals.cancelled.emit()
                    return
                self.signals.progress.emit(value)
        except Exception as exc:  # reported to the user, never swallowed
            log.exception("Job failed")
            self.signals.failed.emit(str(exc) or type(exc).__name__)
        finally:
            self.signals.finished.emit()

    def start(self, pool: QThreadPool | None = None) -> Worker:
        """Queue the worker on ``pool`` (the global pool by default); returns self."""
        (pool or QThreadPool.globalInstance()).start(self)
        return self
