"""Moving data, in the window: "Copy this computer's data to the team server…" and "Save a
backup of the team server to a file…".

One dialog does both: it names where the data comes from and where it goes (never with a
password), runs ``oncall.db.transfer.copy_between`` on the one Worker with a real progress
bar, and ends with each table's count and the check ("Checked: 20 tables, 104,233 rows, counts
match"). Cancel stops the copy at its next batch; the copy runs in one transaction on the target
(a backup file only gets its name when complete), so a cancelled or failed copy leaves the
target as it was, and the dialog says so.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from oncall.app import AppContext
from oncall.ui.theme import attention
from oncall.ui.widgets import MutedLabel, scaled_font

#: Outcomes :attr:`TransferDialog.done_copy` reports.
OK, FAILED, CANCELLED = "ok", "failed", "cancelled"

_NO_SERVER = (
    "No team server is set up yet: enter its host, database and user in Settings → Database, "
    "then come back here."
)


def team_server_url(ctx: AppContext) -> tuple[str | None, str]:
    """The team server's URL (the keyring's password in it) and "" , or None and what is
    missing: the app's own database when that is a team server, else the one in Settings."""
    from oncall.db import server

    if ctx.is_shared:
        return ctx.database_url, ""
    chosen = server.ServerSettings.from_settings(ctx.settings)
    problem = chosen.problem()
    if problem is not None:
        return None, _NO_SERVER if not chosen.host.strip() else problem
    return server.server_url(chosen, server.password_from_keyring(chosen)), ""


def place_text(url: str) -> str:
    """A database as the dialog names it: "Team server host:port, database “oncall” (user
    lead)" or "This computer: /path/oncall.sqlite"; never a password."""
    from oncall.db import server, transfer

    found = server.server_of(url)
    if found is not None:
        user = f" (user {found.user})" if found.user else ""
        return f"Team server {found.where}, database “{found.database}”{user}"
    path = transfer.sqlite_path(url)
    return f"This computer: {path}" if path is not None else transfer.place_label(url)


class TransferDialog(QDialog):
    """Copy one database into an empty one, or into a new backup file, with progress.

    Signals:
        progressed(object): each ``CopyProgress`` the copy reports, once the dialog shows it.
        done_copy(str): the copy ended: ``"ok"``, ``"failed"`` or ``"cancelled"``
            (:data:`OK`, :data:`FAILED`, :data:`CANCELLED`); ``report`` / ``error`` say more.
    """

    progressed = Signal(object)
    done_copy = Signal(str)

    def __init__(
        self,
        source_url: str | None,
        target_url: str | None,
        *,
        title: str,
        intro: str,
        to_file: bool = False,
        problem: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.source_url, self.target_url, self.to_file = source_url, target_url, to_file
        self.worker: Any = None
        self.report: Any = None
        self.error = ""
        self.overwrite = False  # set when the file chooser confirmed replacing a file

        heading = QLabel(title.rstrip("…"), self)
        heading.setFont(scaled_font(self, 1.2, bold=True))
        explain = MutedLabel(intro, self)
        explain.setWordWrap(True)
        places = QFormLayout()
        self.source_label = QLabel(place_text(source_url) if source_url else "—", self)
        self.source_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        places.addRow("From:", self.source_label)
        if to_file:
            self.file = QLineEdit(self)
            self.file.setAccessibleName("Backup file")
            self.file.setPlaceholderText("Choose where to save the backup")
            self.file.textEdited.connect(self._file_typed)
            self.file.textChanged.connect(self._update_buttons)
            choose = QPushButton("Choose…", self)
            choose.clicked.connect(self._choose_file)
            row = QHBoxLayout()
            row.addWidget(self.file, 1)
            row.addWidget(choose)
            places.addRow("To:", row)
        else:
            self.target_label = QLabel(place_text(target_url) if target_url else "—", self)
            self.target_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            places.addRow("To:", self.target_label)

        self.message = QLabel("", self)
        self.bar = QProgressBar(self)
        self.bar.setAccessibleName("Progress")
        self.bar.setRange(0, 1)
        self.bar.setValue(0)
        self.bar.setFormat("%p%")
        self.summary = QLabel("", self)
        self.summary.setFont(scaled_font(self, 1.05, bold=True))
        self.summary.setAccessibleName("Result")
        self.counts = QTableWidget(0, 2, self)
        self.counts.setAccessibleName("Rows per table")
        self.counts.setHorizontalHeaderLabels(["Table", "Rows (source = copy)"])
        self.counts.verticalHeader().setVisible(False)
        self.counts.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.counts.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        header = self.counts.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.counts.hide()
        self.problem = QLabel(problem, self)
        self.problem.setAccessibleName("Problem")
        self.problem.setWordWrap(True)
        palette = self.problem.palette()
        palette.setColor(self.problem.foregroundRole(), attention(palette))
        self.problem.setPalette(palette)

        self.buttons = QDialogButtonBox(self)
        self.start = self.buttons.addButton(
            "Save backup" if to_file else "Copy", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.start.setDefault(True)
        self.start.clicked.connect(self.begin)
        self.cancel = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.cancel.clicked.connect(self._cancel_or_close)
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.close_button.clicked.connect(self.accept)
        self.close_button.hide()

        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(explain)
        layout.addLayout(places)
        layout.addWidget(self.message)
        layout.addWidget(self.bar)
        layout.addWidget(self.summary)
        layout.addWidget(self.counts, 1)
        layout.addWidget(self.problem)
        layout.addStretch(0)  # takes the room while the counts are hidden (stretch 1 wins)
        layout.addWidget(self.buttons)
        unit = self.fontMetrics().height()
        self.counts.verticalHeader().setDefaultSectionSize(int(unit * 1.5))
        self.counts.setMinimumHeight(unit * 8)  # several tables at a glance, the rest scroll
        # Room for the counts from the start: the window does not jump when they appear.
        self.resize(unit * 40, unit * 34)
        self._update_buttons()

    # ----- the two ways in --------------------------------------------------------------------

    @classmethod
    def to_server(
        cls,
        ctx: AppContext,
        parent: QWidget | None = None,
        *,
        server: tuple[str | None, str] | None = None,
    ) -> TransferDialog:
        """Copy this computer's database (the SQLite file) into the empty team server
        (``server``: its URL and "", or None and what is missing; by default
        :func:`team_server_url`)."""
        from oncall.db.engine import sqlite_url

        target, problem = server or team_server_url(ctx)
        return cls(
            sqlite_url(ctx.paths.database),
            target,
            title="Copy this computer's data to the team server…",
            intro="Every team, rotation, override, page and incident on this computer is "
            "copied to the team server, which must be empty. Nothing on this computer changes. "
            "If anything goes wrong, or you cancel, the team server is left as it was.",
            problem=problem,
            parent=parent,
        )

    @classmethod
    def backup_server(
        cls,
        ctx: AppContext,
        parent: QWidget | None = None,
        *,
        server: tuple[str | None, str] | None = None,
    ) -> TransferDialog:
        """Copy the team server into a new SQLite file (a backup this computer can open);
        ``server`` as for :meth:`to_server`."""
        source, problem = server or team_server_url(ctx)
        dialog = cls(
            source,
            None,
            title="Save a backup of the team server to a file…",
            intro="Everything on the team server is saved into a new file on this computer. "
            "The file gets its name only once the backup is complete and checked.",
            to_file=True,
            problem=problem,
            parent=parent,
        )
        folder = ctx.paths.backups if ctx.paths.backups.is_dir() else Path.home()
        dialog.file.setText(str(folder / f"oncall-team-backup-{date.today():%Y-%m-%d}.sqlite"))
        return dialog

    # ----- running ----------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """Whether a copy is under way."""
        return self.worker is not None

    def begin(self) -> None:
        """Start the copy on the worker (the Copy / Save backup button)."""
        from oncall.db import transfer
        from oncall.ui.workers import Worker

        if self.running or not self._ready():
            return
        target = self.target_url
        if self.to_file:
            target = transfer.location_url(self.file.text())
        source, overwrite = self.source_url, self.overwrite
        assert source is not None
        assert target is not None
        self.report, self.error = None, ""
        self.problem.setText("")
        self.summary.setText("")
        self.counts.hide()
        self.bar.setRange(0, 0)  # busy until the first count arrives
        self.message.setText("Starting")
        worker = Worker(lambda: transfer.copy_between(source, target, overwrite=overwrite))
        self.worker = worker
        worker.signals.progress.connect(self._progress)
        worker.signals.failed.connect(self._failed)
        worker.signals.cancelled.connect(self._cancelled)
        worker.signals.finished.connect(lambda: self._finished(worker))
        self._update_buttons()
        worker.start()

    def cancel_copy(self) -> None:
        """Stop the copy at its next batch; the target is left as it was."""
        if self.worker is not None:
            self.worker.cancel()
            self.message.setText("Cancelling…")
            self.cancel.setEnabled(False)

    def _progress(self, step: Any) -> None:
        if step.total:
            self.bar.setRange(0, step.total)
            self.bar.setValue(min(step.done, step.total))
            self.bar.setFormat(f"%p%  ({step.done:,} of {step.total:,} rows)")
        self.message.setText(step.message)
        if step.report is not None:
            self.report = step.report
        self.progressed.emit(step)

    def _failed(self, message: str) -> None:
        self.error = message

    def _cancelled(self) -> None:
        self.error = ""
        self.report = None

    def _finished(self, worker: Any) -> None:
        if self.worker is not worker:
            return
        cancelled = worker.is_cancelled and self.report is None and not self.error
        self.worker = None
        if self.report is not None:
            self._show_report(self.report)
            outcome = OK
        elif cancelled:
            self.message.setText("Cancelled.")
            self.problem.setText(
                "Cancelled: no file was written."
                if self.to_file
                else "Cancelled: the team server was left as it was."
            )
            outcome = CANCELLED
        else:
            self.message.setText("The copy did not happen.")
            self.problem.setText(self.error or "The copy failed.")
            outcome = FAILED
        self.bar.setRange(0, 1)
        self.bar.setValue(1 if outcome == OK else 0)
        if outcome != OK:
            self.bar.setFormat("%p%")
        self._update_buttons(finished=outcome == OK)
        # Lay the result out now, before anyone looks (the buttons' row first: its height
        # was worked out while all its buttons were hidden).
        self.buttons.layout().activate()
        self.layout().activate()
        self.done_copy.emit(outcome)

    def _show_report(self, report: Any) -> None:
        self.summary.setText(f"✓ {report.summary()}")
        where = "in the file" if self.to_file else "on the team server"
        self.message.setText(f"Done: every row is {where}.")
        self.counts.setRowCount(len(report.counts))
        for row, (table, rows) in enumerate(sorted(report.counts)):
            self.counts.setItem(row, 0, QTableWidgetItem(table))
            count = QTableWidgetItem(f"{rows:,}")
            count.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.counts.setItem(row, 1, count)
        self.counts.setCurrentCell(-1, -1)  # a list to read: no cell looks picked
        self.counts.show()
        if not self.to_file:
            self.problem.setText(
                "To use the team server from now on, choose “Team server” in Settings → Database."
            )
            self.problem.setPalette(self.palette())

    # ----- buttons ----------------------------------------------------------------------------

    def _ready(self) -> bool:
        if self.source_url is None:
            return False
        return bool(self.file.text().strip()) if self.to_file else self.target_url is not None

    def _update_buttons(self, *_: Any, finished: bool = False) -> None:
        self.start.setEnabled(not self.running and self._ready() and not finished)
        self.start.setVisible(not finished)
        self.cancel.setVisible(not finished)
        self.cancel.setEnabled(True)
        self.close_button.setVisible(finished)
        if finished:
            self.close_button.setDefault(True)

    def _cancel_or_close(self) -> None:
        if self.running:
            self.cancel_copy()
        else:
            self.reject()

    def _file_typed(self, _text: str) -> None:
        self.overwrite = False  # a typed name never replaces a file without being asked

    def _choose_file(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Save the backup as", self.file.text(), "oncall database (*.sqlite);;All (*)"
        )
        if path:
            self.file.setText(path)
            # The file chooser has asked before choosing an existing file.
            self.overwrite = Path(path).exists()

    def reject(self) -> None:
        """Closing the dialog cancels a copy under way (the target is left as it was)."""
        self.cancel_copy()
        super().reject()


# ---------------------------------------------------------------------------------- ways in


def add_move_buttons(section: Any) -> tuple[QPushButton, QPushButton]:
    """The two buttons in Settings → Database's room for them (``section.move_section`` of a
    ``DatabaseSection``); they use the team server as entered on the page (a typed password,
    else the keyring's). Returns (copy to server, back up server)."""
    from oncall.db import server

    def entered() -> tuple[str | None, str]:
        chosen = section.server_settings()
        problem = chosen.problem()
        if problem is not None:
            return None, _NO_SERVER if not chosen.host else problem
        password = section.password.text() or server.password_from_keyring(chosen)
        return server.server_url(chosen, password), ""

    def open_dialog(make: Any) -> None:
        _show(make(section.ctx, section, server=entered()))

    title = QLabel("Move data", section)
    title.setFont(scaled_font(section, 1.0, bold=True))
    to_server = QPushButton("Copy this computer's data to the team server…", section)
    to_server.clicked.connect(lambda: open_dialog(TransferDialog.to_server))
    backup = QPushButton("Save a backup of the team server to a file…", section)
    backup.clicked.connect(lambda: open_dialog(TransferDialog.backup_server))
    row = QHBoxLayout()
    row.addWidget(to_server)
    row.addWidget(backup)
    row.addStretch(1)
    section.move_section.addWidget(title)
    section.move_section.addLayout(row)
    return to_server, backup


def add_move_actions(window: Any, menu: Any) -> Any:
    """A "Move data" submenu in ``menu`` with the two copies, for ``window`` (its current
    ``ctx``, read when chosen). Returns the submenu."""
    from PySide6.QtGui import QAction

    submenu = menu.addMenu("&Move data")
    for text, make in (
        ("&Copy this computer's data to the team server…", TransferDialog.to_server),
        ("Save a &backup of the team server to a file…", TransferDialog.backup_server),
    ):
        action = QAction(text, window)
        action.triggered.connect(lambda _=False, make=make: _open_from(window, make))
        submenu.addAction(action)
    return submenu


def _open_from(window: Any, make: Any) -> None:
    _show(make(window.ctx, window))


def _show(dialog: TransferDialog) -> None:
    """Open ``dialog``; once closed it goes, after its copy (if one runs) has stopped."""

    def closed(_result: int) -> None:
        if dialog.running:
            dialog.done_copy.connect(lambda _outcome: dialog.deleteLater())
        else:
            dialog.deleteLater()

    dialog.finished.connect(closed)
    dialog.open()
