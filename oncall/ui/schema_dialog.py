"""Start-up dialog for a team database behind this oncall (or empty): upgrade it, or quit.

Upgrading a shared database changes it for everyone on the team, so it is never done without
asking (``migrate.SchemaBehind``). "Upgrade now" runs ``migrate.upgrade_shared`` on the
app's one Worker with a busy bar; while another oncall holds the schema lock the dialog says
so ("Stop waiting" then gives up, nothing changed). A failure is shown in plain words and
the database is as it was (all revisions run in one transaction).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from oncall.jobs import Progress
from oncall.ui.widgets import MutedLabel, scaled_font

if TYPE_CHECKING:
    from oncall.db.migrate import SchemaBehind
    from oncall.ui.workers import Worker

#: ``upgrade_shared``'s shape: (engine, on_wait=, cancelled=) -> whether it ran migrations.
Upgrade = Callable[..., bool]


def question(behind: SchemaBehind) -> str:
    """What the dialog asks, naming the versions (or, for an empty database, where)."""
    if behind.current is None:
        where = f"“{behind.database}” on {behind.host}" if behind.host else f"“{behind.database}”"
        return f"The team database is empty. Create oncall's tables in {where}?"
    return (
        f"The team database is at schema {behind.current}; this oncall needs {behind.head}. "
        "Upgrading changes the database for everyone on the team; everyone should update "
        "oncall."
    )


class SchemaDialog(QDialog):
    """Ask to upgrade (or create) the team database and do it on the worker.

    Accepted once the database is at head (this client's upgrade, or another's it waited
    for); rejected by Quit.

    Signals:
        waiting(str): another oncall holds the schema lock; the message shown.
        upgraded(): the database is at this oncall's schema; the dialog then closes.
        failed(str): the upgrade failed (plain words); the dialog stays open to retry or quit.
    """

    waiting = Signal(str)
    upgraded = Signal()
    failed = Signal(str)

    def __init__(
        self,
        behind: SchemaBehind,
        parent: QWidget | None = None,
        *,
        upgrade: Upgrade | None = None,
    ) -> None:
        super().__init__(parent)
        self.behind = behind
        self._upgrade = upgrade
        self._worker: Worker | None = None
        self._problem: str | None = None
        empty = behind.current is None
        self.setWindowTitle("Set up the team database" if empty else "Upgrade the team database")
        unit = self.fontMetrics().height()
        self.setMinimumWidth(unit * 36)  # the question and the versions on few lines

        self.heading = QLabel(
            "The team database has no oncall tables yet"
            if empty
            else "The team database needs an upgrade",
            self,
        )
        self.heading.setFont(scaled_font(self.heading, 1.2, bold=True))
        self.heading.setWordWrap(True)
        self.message = QLabel(question(behind), self)
        self.message.setWordWrap(True)
        self.where = MutedLabel(self._where_text(), self)
        self.where.setVisible(not empty)  # the question names the database already
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 0)  # busy: Alembic reports no steps
        self.progress.setTextVisible(False)
        self.progress.setAccessibleName("Upgrading")
        self.progress.setVisible(False)
        self.status = QLabel("", self)
        self.status.setWordWrap(True)
        self.status.setAccessibleName("Upgrade status")
        self.status.setVisible(False)

        self.buttons = QDialogButtonBox(self)
        self.upgrade_button = QPushButton("&Create tables" if empty else "&Upgrade now", self)
        self.upgrade_button.setDefault(True)
        self.quit_button = QPushButton("&Quit", self)
        self.buttons.addButton(self.upgrade_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(self.quit_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.upgrade_button.clicked.connect(self.start_upgrade)
        self.quit_button.clicked.connect(self._quit_or_stop)

        column = QVBoxLayout(self)
        column.setSpacing(round(unit * 0.6))
        column.addWidget(self.heading)
        column.addWidget(self.message)
        column.addWidget(self.where)
        column.addWidget(self.progress)
        column.addWidget(self.status)
        column.addStretch(1)
        column.addWidget(self.buttons)

    def _where_text(self) -> str:
        b = self.behind
        server = f"database “{b.database}” on {b.host}" if b.host else f"database “{b.database}”"
        return f"Team server: {server}. This oncall's schema: {b.head}."

    @property
    def running(self) -> bool:
        """Whether an upgrade is under way (or waiting for the lock)."""
        return self._worker is not None

    def start_upgrade(self) -> None:
        """Run the upgrade on the worker (what "Upgrade now" does)."""
        if self._worker is not None:
            return
        from oncall.ui.workers import Worker

        engine = self.behind.engine
        if engine is None:  # a SchemaBehind made without a database: nothing to upgrade
            self._on_failed("There is no team database to upgrade.")
            return
        upgrade = self._upgrade
        if upgrade is None:
            from oncall.db.migrate import upgrade_shared

            upgrade = upgrade_shared
        worker: Worker

        def job() -> Iterator[Any]:
            from oncall.db import migrate

            yield Progress(0, 0, "Upgrading the team database…")
            try:
                upgrade(
                    engine,
                    on_wait=lambda m: worker.signals.progress.emit(Progress(0, 0, m)),
                    cancelled=lambda: worker.is_cancelled,
                )
            except Exception as error:  # said in plain words (the worker logs the trace)
                raise RuntimeError(migrate.describe_failure(error)) from error
            yield Progress(1, 1, "The team database is up to date.")

        worker = Worker(job)
        worker.signals.progress.connect(self._on_progress)
        worker.signals.failed.connect(self._on_failed)
        worker.signals.finished.connect(self._on_finished)
        self._worker = worker
        self._problem = None
        self.upgrade_button.setEnabled(False)
        self.quit_button.setEnabled(False)  # the migration itself cannot be stopped halfway
        self.progress.setVisible(True)
        worker.start()

    def _on_progress(self, progress: Progress) -> None:
        self._say(progress.message)
        if progress.message == self._waiting_message():
            self.quit_button.setText("&Stop waiting")
            self.quit_button.setEnabled(True)
            self.waiting.emit(progress.message)

    @staticmethod
    def _waiting_message() -> str:
        from oncall.db.migrate import WAITING_MESSAGE

        return WAITING_MESSAGE

    def _on_failed(self, message: str) -> None:
        self._problem = message
        self._say(message)
        self.upgrade_button.setText("&Try again")
        self.upgrade_button.setEnabled(True)
        self.failed.emit(message)

    def _on_finished(self) -> None:
        self._worker = None
        self.progress.setVisible(False)
        self.adjustSize()
        self.quit_button.setText("&Quit")
        self.quit_button.setEnabled(True)
        if self._problem is None:
            self.upgraded.emit()
            self.accept()

    def _quit_or_stop(self) -> None:
        if self._worker is not None:  # waiting for the lock: give up waiting, change nothing
            self._worker.cancel()
            self.quit_button.setEnabled(False)
            return
        self.reject()

    def reject(self) -> None:
        """Quit (also Escape and the close button), but never while the upgrade runs."""
        if self._worker is None:
            super().reject()

    def _say(self, text: str) -> None:
        self.status.setText(text)
        self.status.setVisible(bool(text))
        self.adjustSize()  # grow to show every line of a long error


def ask_to_upgrade(behind: SchemaBehind, parent: QWidget | None = None) -> bool:
    """Show the dialog modally; True once the team database is at this oncall's schema."""
    dialog = SchemaDialog(behind, parent)
    try:
        return dialog.exec() == QDialog.DialogCode.Accepted
    finally:
        if behind.engine is not None:
            behind.engine.dispose()  # the app opens its own engine next
