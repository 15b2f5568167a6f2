"""Settings → Database: this computer's file (the default) or a team server (PostgreSQL),
the server's details, its password (kept in the system keyring, never in settings.toml), and
"Test connection", which runs ``server.check_connection`` on the Worker and says what came of
it in the page.

The database is opened at start-up, so a new choice takes effect when oncall next starts;
the page says so. :attr:`DatabaseSection.move_section` is an empty column at the bottom for
the buttons that copy data between this computer and a team server.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from oncall import credentials
from oncall.app import AppContext
from oncall.db import server
from oncall.db.server import ConnectionProblem, ServerInfo, ServerSettings
from oncall.settings import Settings
from oncall.ui import theme
from oncall.ui.widgets import MutedLabel
from oncall.ui.workers import Worker

#: The TLS modes as offered, strongest last, with what each means in a few words.
TLS_MODES = {
    "disable": "disable: never encrypt",
    "allow": "allow: encrypt only if the server insists",
    "prefer": "prefer: encrypt when the server offers it (default)",
    "require": "require: always encrypt, trust any certificate",
    "verify-ca": "verify-ca: encrypt, certificate signed by a trusted authority",
    "verify-full": "verify-full: encrypt, certificate matches the host name",
}
HELP = (
    "Where oncall keeps rotations, overrides, leave and incidents. “This computer” is a file "
    "only this copy of oncall uses. A “team server” is one PostgreSQL database that every "
    "copy of oncall in the team points at, so everyone sees and edits the same plan; ask "
    "whoever runs it for the host, database and your user name."
)


def test_job(settings: ServerSettings, typed_password: str) -> Iterator[object]:
    """The Worker's job for "Test connection": yields one :class:`ServerInfo` or
    :class:`ConnectionProblem` (never raises it: a refusal is an answer, not a crash)."""
    password = typed_password or server.password_from_keyring(settings)
    try:
        yield server.check_connection(server.server_url(settings, password))
    except ConnectionProblem as problem:
        yield problem


def _calm_ok(palette: QPalette) -> QColor:
    """A quiet green for "connected" (the problem colour is the app's calm amber)."""
    return QColor("#7cc49a") if theme.is_dark(palette) else QColor("#2e7047")


class DatabaseSection(QWidget):
    """The Database tab of Settings.

    Signals:
        tested(bool, str): a connection test ended: whether it connected, and what the page
            says about it.
    """

    tested = Signal(bool, str)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        current = ctx.settings
        unit = self.fontMetrics().height()
        self.worker: Worker | None = None
        self._keyring_refused = False

        self.local = QRadioButton("&This computer (default)")
        self.team = QRadioButton("Team &server (PostgreSQL)")
        self.choice = QButtonGroup(self)
        self.choice.addButton(self.local)
        self.choice.addButton(self.team)
        (self.team if current.database == "server" else self.local).setChecked(True)

        self.host = QLineEdit(current.server_host)
        self.host.setPlaceholderText("db.example.com")
        self.host.setMinimumWidth(unit * 16)
        self.host.setAccessibleName("Team server host")
        self.port = QSpinBox()
        self.port.setRange(1, 65535)
        self.port.setValue(current.server_port)
        self.port.setAccessibleName("Team server port")
        self.port.setMaximumWidth(unit * 7)
        self.database = QLineEdit(current.server_database)
        self.database.setAccessibleName("Database name")
        self.user = QLineEdit(current.server_user)
        self.user.setAccessibleName("Database user")
        self.tls = QComboBox()
        for mode, label in TLS_MODES.items():
            self.tls.addItem(label, mode)
        self.tls.setCurrentIndex(max(0, self.tls.findData(current.server_sslmode)))
        self.tls.setAccessibleName("TLS mode")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName("Database password")
        self.password_note = MutedLabel("")

        form = QFormLayout()
        form.addRow("&Host", self.host)
        form.addRow("&Port", self.port)
        form.addRow("&Database", self.database)
        form.addRow("&User", self.user)
        form.addRow("T&LS", self.tls)
        form.addRow("Pass&word", self.password)
        form.addRow("", self.password_note)
        self.server_form = QWidget()
        self.server_form.setLayout(form)

        self.test_button = QPushButton("Test &connection")
        self.test_button.clicked.connect(self.test_connection)
        self.result = QLabel("")
        self.result.setWordWrap(True)
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.result.setObjectName("database-test-result")
        test_row = QHBoxLayout()
        test_row.setContentsMargins(0, 0, 0, 0)
        test_row.addWidget(self.test_button, 0, Qt.AlignmentFlag.AlignTop)
        test_row.addWidget(self.result, 1)

        self.in_use = MutedLabel("")
        self.restart_note = MutedLabel("")

        column = QVBoxLayout(self)
        column.addWidget(MutedLabel(HELP))
        column.addWidget(self.local)
        column.addWidget(self.team)
        column.addWidget(self.server_form)
        column.addLayout(test_row)
        column.addWidget(self.in_use)
        column.addWidget(self.restart_note)
        #: Room for "Copy this computer's data to the team server…" and its like.
        self.move_section = QVBoxLayout()
        column.addLayout(self.move_section)
        from oncall.ui.transfer_dialog import add_move_buttons

        self.copy_to_server, self.backup_server = add_move_buttons(self)
        column.addStretch(1)

        for widget in (self.host, self.database, self.user, self.password):
            widget.textChanged.connect(self._changed)
        self.port.valueChanged.connect(self._changed)
        self.tls.currentIndexChanged.connect(self._changed)
        self.choice.buttonToggled.connect(lambda *_: self._changed())
        self._changed()
        self._show_password_note()

    # -- what is entered -------------------------------------------------------------------

    def server_settings(self) -> ServerSettings:
        """The team server as entered."""
        return ServerSettings(
            host=self.host.text().strip(),
            port=self.port.value(),
            database=self.database.text().strip(),
            user=self.user.text().strip(),
            sslmode=str(self.tls.currentData()),
        )

    def uses_server(self) -> bool:
        """Whether "Team server" is chosen."""
        return self.team.isChecked()

    def chosen(self, settings: Settings) -> Settings:
        """``settings`` with this page's choice and server details (never the password)."""
        entered = self.server_settings()
        return settings.with_(
            database="server" if self.uses_server() else "local",
            server_host=entered.host,
            server_port=entered.port,
            server_database=entered.database,
            server_user=entered.user,
            server_sslmode=entered.sslmode,
        )

    def problem(self) -> str | None:
        """Why OK cannot keep this page as it is (shown in the page), or None."""
        if not self.uses_server():
            return None
        return self.server_settings().problem()

    # -- OK --------------------------------------------------------------------------------

    def accept_checks(self) -> bool:
        """Called by the dialog's OK: False (with the reason shown here) when the page is not
        ready; else keeps a typed password in the keyring and returns True."""
        problem = self.problem()
        if problem is not None:
            self._show(False, problem)
            return False
        typed = self.password.text()
        if not (self.uses_server() and typed):
            return True
        entered = self.server_settings()
        try:
            server.store_password(entered, typed)
        except credentials.SecretStoreUnavailable:
            credentials.remember_for_session(entered.keyring_name, typed)
            if not self._keyring_refused:  # say it once; a second OK goes ahead
                self._keyring_refused = True
                self._show(
                    False,
                    "There is no secure keyring on this computer, so the password can be kept "
                    "for this session only. Press OK again to go ahead, or install or unlock "
                    "GNOME Keyring or KWallet first.",
                )
                return False
        return True

    # -- testing ---------------------------------------------------------------------------

    def test_connection(self) -> None:
        """Connect to the server as entered, on the Worker; the answer shows in the page."""
        if self.worker is not None:
            return
        problem = self.server_settings().problem()
        if problem is not None:
            self._show(False, problem)
            return
        self.test_button.setEnabled(False)
        self.result.setStyleSheet("")
        self.result.setText("Connecting…")
        entered, typed = self.server_settings(), self.password.text()
        worker = Worker(lambda: test_job(entered, typed))
        worker.signals.progress.connect(self._on_result)
        worker.signals.failed.connect(lambda m: self._show(False, f"The test failed: {m}"))
        worker.signals.finished.connect(self._on_finished)
        self.worker = worker
        worker.start()

    def _on_result(self, answer: object) -> None:
        if isinstance(answer, ServerInfo):
            self._show(True, answer.summary())
        elif isinstance(answer, ConnectionProblem):
            # the sentence points at this page; here, "here" says it
            self._show(False, answer.message.replace(" in Settings → Database", " here"))

    def _on_finished(self) -> None:
        self.worker = None
        self._changed()

    def _show(self, ok: bool, text: str) -> None:
        colour = _calm_ok(self.palette()) if ok else theme.attention(self.palette())
        self.result.setStyleSheet(f"color: {colour.name()};")
        self.result.setText(("✓ " if ok else "! ") + text)
        self.tested.emit(ok, text)

    # -- the page's state ------------------------------------------------------------------

    def _changed(self) -> None:
        team = self.uses_server()
        self.server_form.setEnabled(team)
        self.test_button.setEnabled(team and self.worker is None)
        self.in_use.setText(f"In use now: {self.ctx.database_label}.")
        overridden = bool(os.environ.get(server.DATABASE_URL_ENV, "").strip())
        saved = self.ctx.settings
        was = ServerSettings.from_settings(saved) if saved.database == "server" else None
        now = self.server_settings() if team else None
        notes = []
        if was != now:
            notes.append("A new database choice takes effect the next time oncall starts.")
        if overridden and not self.ctx.demo:
            notes.append(
                f"{server.DATABASE_URL_ENV} is set, so this copy of oncall uses that database "
                "whatever is chosen here."
            )
        self.restart_note.setText(" ".join(notes))
        self.restart_note.setVisible(bool(notes))

    def _show_password_note(self) -> None:
        entered = self.server_settings()
        try:
            stored = entered.problem() is None and server.password_from_keyring(entered)
            where = credentials.backend_name()
        except Exception:  # the keyring's daemon gone: the note just says less
            stored, where = False, credentials.NOT_AVAILABLE
        if stored:
            self.password.setPlaceholderText("Stored; type to replace it")
            self.password_note.setText(f"Kept in {where}, never in the settings file.")
        elif where == credentials.NOT_AVAILABLE:
            self.password.setPlaceholderText("")
            self.password_note.setText(
                "No secure keyring here: a password is kept for this session only."
            )
        else:
            self.password.setPlaceholderText("")
            self.password_note.setText(f"Kept in {where} when you press OK, never in a file.")
