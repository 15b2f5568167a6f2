"""Unexpected errors: a calm dialog with a copyable report, also for worker threads; the Worker."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QRunnable, QThreadPool
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from oncall.ui.crash import CrashReporter
from oncall.ui.workers import Worker


class Exploding(QRunnable):
    """A runnable that raises on its pool thread, as a buggy job would."""

    def run(self) -> None:
        raise ValueError("the pager database caught fire")


@pytest.fixture
def reporter(tmp_path: Path) -> Iterator[CrashReporter]:
    r = CrashReporter(tmp_path / "oncall.log")
    r.install()
    yield r
    r.uninstall()
    if r.dialog is not None:
        r.dialog.close()


@pytest.mark.qt_no_exception_capture
def test_exception_on_a_worker_thread_opens_the_dialog(qtbot: QtBot, reporter, tmp_path) -> None:
    with qtbot.waitSignal(reporter.crashed, timeout=5000) as blocker:
        QThreadPool.globalInstance().start(Exploding())
    assert "ValueError: the pager database caught fire" in blocker.args[0]
    qtbot.waitUntil(lambda: reporter.dialog is not None and reporter.dialog.isVisible())
    dialog = reporter.dialog
    assert not dialog.isModal()
    assert str(tmp_path / "oncall.log") in dialog.log_label.text()
    assert not dialog.details.isVisible()  # the traceback waits under "details"
    dialog.details_button.click()
    assert dialog.details.isVisible()
    assert "Traceback" in dialog.details.toPlainText()
    dialog.copy_button.click()
    assert "the pager database caught fire" in QGuiApplication.clipboard().text()


@pytest.mark.qt_no_exception_capture
def test_a_second_problem_joins_the_open_dialog(qtbot: QtBot, reporter) -> None:
    for message in ("first", "second"):
        with qtbot.waitSignal(reporter.crashed, timeout=5000):
            try:
                raise RuntimeError(message)
            except RuntimeError as exc:
                import sys

                sys.excepthook(type(exc), exc, exc.__traceback__)
    qtbot.waitUntil(lambda: reporter.dialog is not None and "second" in reporter.dialog.report)
    assert "first" in reporter.dialog.report


def counting(n: int) -> Iterator[int]:
    yield from range(1, n + 1)


def test_worker_reports_progress_then_finishes(qtbot: QtBot) -> None:
    worker = Worker(lambda: counting(3))
    seen: list[int] = []
    worker.signals.progress.connect(seen.append)
    with qtbot.waitSignal(worker.signals.finished, timeout=5000):
        worker.start()
    assert seen == [1, 2, 3]


def test_worker_failure_is_reported_not_swallowed(qtbot: QtBot) -> None:
    def broken() -> Iterator[int]:
        yield 1
        raise OSError("disk full")

    worker = Worker(broken)
    with qtbot.waitSignal(worker.signals.failed, timeout=5000) as blocker:
        worker.start()
    assert blocker.args == ["disk full"]


def test_worker_cancel_stops_at_the_next_step(qtbot: QtBot) -> None:
    closed: list[bool] = []

    def endless() -> Iterator[int]:
        try:
            i = 0
            while True:
                i += 1
                yield i
        finally:
            closed.append(True)

    worker = Worker(endless)
    worker.signals.progress.connect(lambda value: worker.cancel() if value >= 2 else None)
    with qtbot.waitSignal(worker.signals.cancelled, timeout=5000):
        worker.start()
    assert closed == [True]  # the job's cleanup ran
