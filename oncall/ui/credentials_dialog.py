"""Enter an API token: kept in the system keyring (``oncall.credentials``), never in a file.

When no secure keyring is available (a headless Linux without a Secret Service), the dialog
says so plainly and offers "Use for this session only": the token then lives in this
process's memory until oncall quits. There is no plaintext fallback.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from oncall import credentials
from oncall.credentials import Secret, SecretStoreUnavailable
from oncall.ui.widgets import MutedLabel

#: The keyring name of the PagerDuty API token (the same as ``oncall credentials set``).
PAGERDUTY_TOKEN = "pagerduty-token"

NO_KEYRING = (
    "oncall keeps tokens in your system keyring, and none is available right now ({why}). "
    "Install and unlock one (GNOME Keyring, KWallet, the macOS Keychain or Windows Credential "
    "Locker) to keep the token between runs, or use it for this session only: it stays in "
    "memory until oncall quits and is never written to disk."
)


class CredentialsDialog(QDialog):
    """Ask for the secret ``name`` (labelled ``label``) and keep it.

    ``secret`` holds what was entered once accepted; ``session_only`` says whether it was kept
    in memory only.
    """

    def __init__(self, name: str, label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self.secret: Secret | None = None
        self.session_only = False
        self.keyring_available = True  # False once the keyring is found missing or refuses
        self.setWindowTitle(f"{label}")
        unit = self.fontMetrics().height()
        self.field = QLineEdit(self)
        self.field.setEchoMode(QLineEdit.EchoMode.Password)
        self.field.setAccessibleName(label)
        self.field.setMinimumWidth(unit * 22)
        self.field.textChanged.connect(self._update_buttons)
        form = QFormLayout()
        form.addRow(f"&{label}:", self.field)
        self.where = MutedLabel("", self)
        self.problem = QLabel("", self)
        self.problem.setWordWrap(True)
        self.problem.setVisible(False)
        self.problem.setAccessibleName("Keyring problem")

        self.buttons = QDialogButtonBox(self)
        self.save_button = QPushButton("&Save to keyring", self)
        self.session_button = QPushButton("&Use for this session only", self)
        self.buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(self.session_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.save_button.clicked.connect(self.save)
        self.session_button.clicked.connect(self.use_for_session)
        self.buttons.rejected.connect(self.reject)

        column = QVBoxLayout(self)
        column.addLayout(form)
        column.addWidget(self.where)
        column.addWidget(self.problem)
        column.addWidget(self.buttons)
        self._check_backend()
        self._update_buttons()

    def _check_backend(self) -> None:
        try:
            name = credentials.backend_name()
        except Exception as error:  # a broken backend must not stop the user
            self._unavailable(str(error))
            return
        if name == credentials.NOT_AVAILABLE:
            self._unavailable("no Secret Service, KWallet or Keychain answered")
            return
        self.where.setText(f"Kept in {name}; never written to a file.")
        self.session_button.setVisible(False)

    def _unavailable(self, why: str) -> None:
        self.keyring_available = False
        self.where.setVisible(False)
        self.problem.setText(NO_KEYRING.format(why=why))
        self.problem.setVisible(True)
        self.save_button.setVisible(False)
        self.session_button.setVisible(True)
        self.session_button.setDefault(True)

    def _update_buttons(self) -> None:
        filled = bool(self.field.text().strip())
        self.save_button.setEnabled(filled)
        self.session_button.setEnabled(filled)

    def save(self) -> None:
        """Store the token in the keyring; if the keyring refuses, explain and offer the
        session-only choice instead."""
        value = Secret(self.field.text().strip())
        try:
            credentials.set_secret(self.name, value)
        except SecretStoreUnavailable as error:
            self._unavailable(str(error))
            return
        self.secret, self.session_only = value, False
        self.accept()

    def use_for_session(self) -> None:
        """Keep the token in memory until oncall quits."""
        value = Secret(self.field.text().strip())
        credentials.remember_for_session(self.name, value)
        self.secret, self.session_only = value, True
        self.accept()

    @classmethod
    def ask(cls, parent: QWidget | None, name: str, label: str) -> Secret | None:
        """Ask for a token; the Secret entered (already kept), or None when cancelled."""
        dialog = cls(name, label, parent)
        return dialog.secret if dialog.exec() == QDialog.DialogCode.Accepted else None


def stored_token(name: str) -> tuple[Secret | None, str]:
    """The token kept under ``name`` (keyring or this session) and a sentence for the user."""
    try:
        secret = credentials.get_secret(name)
    except SecretStoreUnavailable:
        return None, "No secure keyring is available: enter the token for this session."
    if secret is None:
        return None, "No token stored yet."
    return secret, "A token is stored in your keyring."
