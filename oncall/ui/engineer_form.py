"""Add or edit an engineer: name, handle, contact, time zone (with search) and holiday region.

The form checks what it can itself, then emits ``submitted(engineer)``; whoever saves it calls
``accept()`` on success or ``show_save_error(message)`` when the database refuses (a taken
handle, say). Errors appear under their field and nothing typed is lost.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from oncall.domain.model import Engineer
from oncall.ui.zone_picker import ZonePicker

FIELDS = ("name", "handle", "email", "phone", "zone", "country", "region")
_HANDLE = re.compile(r"^[A-Za-z0-9._-]+$")


def visible_errors(
    errors: dict[str, QLabel], zone_error: QLabel, general_error: QLabel
) -> dict[str, str]:
    """The error notes a form has on show, by field ("" for the form as a whole)."""
    shown = {key: label.text() for key, label in errors.items() if not label.isHidden()}
    if not zone_error.isHidden():
        shown["zone"] = zone_error.text()
    if not general_error.isHidden():
        shown[""] = general_error.text()
    return shown


def error_label() -> QLabel:
    """A calm, word-wrapped note under a field; hidden while empty."""
    label = QLabel()
    label.setObjectName("fieldError")
    label.setWordWrap(True)
    label.hide()
    return label


def set_error(label: QLabel, message: str) -> None:
    """Show ``message`` in ``label``, or hide it when empty."""
    label.setText(message)
    label.setVisible(bool(message))


def field_for_message(message: str, fields: tuple[str, ...] = FIELDS) -> str | None:
    """Which field a database message is about, by the first field name it mentions."""
    lowered = message.casefold()
    hits = [(lowered.find(f), f) for f in fields if f in lowered]
    return min(hits)[1] if hits else None


class EngineerForm(QDialog):
    """A dialog with one row per detail; Enter saves, Escape closes."""

    submitted = Signal(object)  # Engineer, checked; id 0 for a new one

    def __init__(
        self,
        engineer: Engineer | None = None,
        parent: QWidget | None = None,
        *,
        default_zone: str = "UTC",
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__(parent)
        self.original = engineer
        self.setWindowTitle("Edit engineer" if engineer else "Add engineer")
        base = engineer or Engineer(0, "", "", default_zone)

        self.name = QLineEdit(base.name)
        self.name.setPlaceholderText("Full name")
        self.handle = QLineEdit(base.handle)
        self.handle.setPlaceholderText("Short name for chat and the CLI, e.g. ada")
        self.email = QLineEdit(base.email)
        self.email.setPlaceholderText("name@example.com")
        self.phone = QLineEdit(base.phone)
        self.zone = ZonePicker(base.zone, clock=clock)
        self.country = QLineEdit(base.country)
        self.country.setPlaceholderText("Two letters, e.g. GB, AU, US")
        self.country.setMaxLength(2)
        self.region = QLineEdit(base.region)
        self.region.setPlaceholderText("Optional, e.g. ENG, NSW, CA")

        self.errors = {f: error_label() for f in FIELDS if f != "zone"}
        self.general_error = error_label()

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        rows: tuple[tuple[str, str, QWidget], ...] = (
            ("&Name", "name", self.name),
            ("&Handle", "handle", self.handle),
            ("&Email", "email", self.email),
            ("&Phone", "phone", self.phone),
            ("Time &zone", "zone", self.zone),
            ("Holiday &country", "country", self.country),
            ("Holiday re&gion", "region", self.region),
        )
        for label_text, key, widget in rows:
            column = QVBoxLayout()
            column.setSpacing(2)
            column.addWidget(widget)
            if key in self.errors:
                column.addWidget(self.errors[key])
            label = QLabel(label_text)
            label.setBuddy(widget)
            form.addRow(label, column)

        hint = QLabel("Public holidays come from the country and region; shifts show in the zone.")
        hint.setWordWrap(True)
        hint.setEnabled(False)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setDefault(True)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(hint)
        layout.addWidget(self.general_error)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 60)

        for edit in (self.name, self.handle, self.email, self.country):
            edit.textEdited.connect(self._clear_errors)

    # -- public API ---------------------------------------------------------------------------

    def values(self) -> Engineer:
        """What the form holds, unchecked (the zone as typed)."""
        base = self.original or Engineer(0, "", "")
        return replace(
            base,
            name=self.name.text().strip(),
            handle=self.handle.text().strip().lstrip("@"),
            email=self.email.text().strip(),
            phone=self.phone.text().strip(),
            zone=self.zone.zone() or self.zone.text().strip(),
            country=self.country.text().strip().upper(),
            region=self.region.text().strip().upper(),
        )

    def check(self) -> dict[str, str]:
        """Problems by field, shown under each; empty when the form can be saved."""
        self.zone.commit()
        e = self.values()
        problems: dict[str, str] = {}
        if not e.name:
            problems["name"] = "Give their name, as colleagues know it."
        if not e.handle:
            problems["handle"] = "Give a short handle, e.g. their chat name."
        elif not _HANDLE.match(e.handle):
            problems["handle"] = "Use letters, digits, dots, dashes or underscores only."
        if e.email and "@" not in e.email:
            problems["email"] = "That does not look like an email address."
        if not self.zone.is_valid():
            problems["zone"] = "Pick a time zone from the list (type a city to search)."
        if e.country and not re.fullmatch(r"[A-Z]{2}", e.country):
            problems["country"] = "Use the two-letter country code, e.g. GB."
        self._show(problems)
        return problems

    def submit(self) -> None:
        """Check the form and, if it is fine, hand the engineer to whoever saves it."""
        if not self.check():
            self.submitted.emit(self.values())

    def show_save_error(self, message: str) -> None:
        """Show a refusal from the database next to the field it is about (or under the form)."""
        key = field_for_message(message)
        self._show({key or "": message})

    def visible_errors(self) -> dict[str, str]:
        """The error notes on show, by field ("" for the form as a whole)."""
        return visible_errors(self.errors, self.zone.error_label, self.general_error)

    # -- internals ------------------------------------------------------------------------------

    def _show(self, problems: dict[str, str]) -> None:
        for key, label in self.errors.items():
            set_error(label, problems.get(key, ""))
        if "zone" in problems:
            self.zone.show_error(problems["zone"])
        set_error(self.general_error, problems.get("", ""))
        first = next((k for k in FIELDS if k in problems), None)
        if first is not None:
            getattr(self, first).setFocus()

    def _clear_errors(self) -> None:
        sender = self.sender()
        for key, label in self.errors.items():
            if getattr(self, key) is sender:
                set_error(label, "")
        set_error(self.general_error, "")
