"""Unexpected errors end in a calm dialog with a copyable report, never in a silent exit.

``sys.excepthook`` is called by PySide6 for exceptions in slots and virtual methods, and
also for exceptions in ``QRunnable.run()`` *on the worker thread*; the hook therefore only
logs and emits a queued signal, and the dialog is built on the GUI thread.
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

import oncall

log = logging.getLogger(__name__)

ExceptHook = Callable[[type[BaseException], BaseException, TracebackType | None], object]


def crash_report(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> str:
    """A plain-text report: versions, time and the traceback (no user data beyond it)."""
    import platform  # here, not at start-up: ~4 ms, needed only once something failed

    from PySide6 import __version__ as pyside_version

    header = (
        f"oncall {oncall.__version__} · Python {platform.python_version()} · "
        f"PySide6 {pyside_version} · {platform.platform()}\n"
        f"{datetime.now(UTC).isoformat(timespec='seconds')}\n\n"
    )
    return header + "".join(traceback.format_exception(kind, exc, tb))


class CrashDialog(QDialog):
    """Non-modal: says what happened in plain words, offers the report and the log path."""

    def __init__(self, report: str, log_path: Path | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("oncall ran into a problem"))
        self.setModal(False)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._reports = [report]

        heading = QLabel(self.tr("Something went wrong, and oncall stopped what it was doing."))
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.2)
        font.setBold(True)
        heading.setFont(font)
        heading.setWordWrap(True)
        reassure = QLabel(
            self.tr(
                "Everything you saved is safe. You can keep working; if it happens again, "
                "copy the report below and send it with a few words about what you were doing."
            )
        )
        reassure.setWordWrap(True)
        path_text = str(log_path) if log_path else self.tr("(no log file)")
        self.log_label = QLabel(self.tr("Log file: {path}").format(path=path_text))
        self.log_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.log_label.setWordWrap(True)

        self.details = QPlainTextEdit(report)
        self.details.setReadOnly(True)
        self.details.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.details.setVisible(False)
        self.details.setMinimumHeight(self.fontMetrics().lineSpacing() * 12)

        self.details_button = QPushButton(self.tr("Show details"))
        self.details_button.setCheckable(True)
        self.details_button.toggled.connect(self._on_details_toggled)
        self.copy_button = QPushButton(self.tr("Copy report"))
        self.copy_button.clicked.connect(self.copy_report)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.details_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.close)

        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(reassure)
        layout.addWidget(self.log_label)
        layout.addWidget(self.details, 1)
        layout.addWidget(buttons)
        self.resize(self.fontMetrics().averageCharWidth() * 80, self.sizeHint().height())

    @property
    def report(self) -> str:
        """Every report this dialog holds, oldest first."""
        return "\n\n".join(self._reports)

    def add_report(self, report: str) -> None:
        """Append a further problem instead of opening one more window."""
        self._reports.append(report)
        self.details.setPlainText(self.report)

    def copy_report(self) -> None:
        """Put the full report on the clipboard."""
        QGuiApplication.clipboard().setText(self.report)
        self.copy_button.setText(self.tr("Copied"))

    def _on_details_toggled(self, shown: bool) -> None:
        self.details.setVisible(shown)
        self.details_button.setText(self.tr("Hide details") if shown else self.tr("Show details"))
        self.adjustSize()


class CrashReporter(QObject):
    """Routes unhandled exceptions from any thread to one calm dialog.

    Create it on the GUI thread, then call ``install()``.

    Signals:
        crashed(str): a report, emitted from whichever thread failed.
    """

    crashed = Signal(str)

    def __init__(self, log_path: Path | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.log_path = log_path
        self.dialog: CrashDialog | None = None
        self._previous_hook: ExceptHook | None = None
        self._previous_thread_hook: Callable[[threading.ExceptHookArgs], object] | None = None
        # queued: the slot runs on this object's (the GUI) thread whoever emits
        self.crashed.connect(self._show, Qt.ConnectionType.QueuedConnection)

    def install(self) -> None:
        """Become ``sys.excepthook`` (and ``threading.excepthook``) until ``uninstall()``."""
        self._previous_hook = sys.excepthook
        self._previous_thread_hook = threading.excepthook
        sys.excepthook = self._hook
        threading.excepthook = self._thread_hook

    def uninstall(self) -> None:
        """Put back the hooks that were there before ``install()``."""
        if self._previous_hook is not None:
            sys.excepthook = self._previous_hook
        if self._previous_thread_hook is not None:
            threading.excepthook = self._previous_thread_hook
        self._previous_hook = self._previous_thread_hook = None

    def _hook(
        self, kind: type[BaseException], exc: BaseException, tb: TracebackType | None
    ) -> None:
        if issubclass(kind, KeyboardInterrupt) and self._previous_hook is not None:
            self._previous_hook(kind, exc, tb)
            return
        if threading.current_thread() is threading.main_thread():
            from oncall.ui.connection import report_lost

            if report_lost(exc):  # the team server is away: the banner says so, no dialog
                return
        log.critical("Unhandled exception", exc_info=(kind, exc, tb))
        self.crashed.emit(crash_report(kind, exc, tb))

    def _thread_hook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_value is not None:
            self._hook(args.exc_type, args.exc_value, args.exc_traceback)

    def _show(self, report: str) -> None:
        if self.dialog is not None:
            self.dialog.add_report(report)
            self.dialog.raise_()
            return
        self.dialog = CrashDialog(report, self.log_path)
        self.dialog.destroyed.connect(self._on_dialog_destroyed)
        self.dialog.show()

    def _on_dialog_destroyed(self) -> None:
        self.dialog = None
