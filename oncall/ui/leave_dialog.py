"""Small dialogs of the team screen: leave (whole days in the person's zone) and a new team.
Each has ``ask(...)`` returning the new domain object or None (tests patch ``ask``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from oncall.domain.model import Engineer, Leave, LeaveKind, Team
from oncall.domain.schedule import localize
from oncall.ui.engineer_form import error_label, set_error
from oncall.ui.zone_picker import ZonePicker


def leave_interval(first: date, last: date, zone: str) -> tuple[datetime, datetime]:
    """Whole local days ``first``..``last`` in ``zone`` as a half-open UTC-aware interval."""
    return (
        localize(datetime.combine(first, time()), zone),
        localize(datetime.combine(last + timedelta(days=1), time()), zone),
    )


def _qdate(d: date) -> QDate:
    return QDate(d.year, d.month, d.day)


def _pydate(q: QDate) -> date:
    return date(q.year(), q.month(), q.day())


class _Dialog(QDialog):
    """A form with OK/Cancel and a calm error line; OK only closes once ``build`` succeeds."""

    def __init__(self, title: str, ok_text: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.error = error_label()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.ok = self.buttons.addButton(ok_text, QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok.setDefault(True)
        self.buttons.accepted.connect(self._try_accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 56)
        self.result_value: object = None

    def row(self, text: str, widget: QWidget) -> None:
        label = QLabel(text)
        label.setBuddy(widget)
        self.form.addRow(label, widget)

    def build(self) -> object:
        """The object the form describes; raises ValueError with a sentence for the user."""
        raise NotImplementedError

    def _try_accept(self) -> None:
        try:
            self.result_value = self.build()
        except ValueError as exc:
            set_error(self.error, str(exc))
            return
        self.accept()


class LeaveDialog(_Dialog):
    """Who, what kind, first and last day (in their zone), a note."""

    def __init__(
        self,
        engineers: Sequence[Engineer],
        today: date,
        parent: QWidget | None = None,
        *,
        engineer_id: int | None = None,
    ) -> None:
        super().__init__("Add leave", "&Add leave", parent)
        self.who = QComboBox()
        for e in sorted(engineers, key=lambda e: e.name.casefold()):
            self.who.addItem(f"{e.name} ({e.zone})", e)
        if engineer_id is not None:
            self.who.setCurrentIndex(
                max(0, next((i for i, e in enumerate(self._people()) if e.id == engineer_id), 0))
            )
        self.kind = QComboBox()
        for kind in LeaveKind:
            self.kind.addItem(kind.value.capitalize(), kind)
        self.first = QDateEdit(_qdate(today))
        self.last = QDateEdit(_qdate(today))
        for edit in (self.first, self.last):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("ddd d MMM yyyy")
        self.first.dateChanged.connect(
            lambda d: self.last.setDate(d) if self.last.date() < d else None
        )
        self.note = QLineEdit()
        self.note.setPlaceholderText("Optional, e.g. family trip")
        self.row("&Who", self.who)
        self.row("&Kind", self.kind)
        self.row("&First day", self.first)
        self.row("&Last day", self.last)
        self.row("&Note", self.note)
        hint = QLabel(
            "Whole days in their own time zone. Shifts that meet it are listed as conflicts."
        )
        hint.setWordWrap(True)
        hint.setEnabled(False)
        self.form.addRow(hint)

    def _people(self) -> list[Engineer]:
        return [self.who.itemData(i) for i in range(self.who.count())]

    def build(self) -> Leave:
        engineer = self.who.currentData()
        if engineer is None:
            raise ValueError("Add an engineer to the team first.")
        first, last = _pydate(self.first.date()), _pydate(self.last.date())
        if last < first:
            raise ValueError("The last day is before the first day.")
        start, end = leave_interval(first, last, engineer.zone)
        return Leave(
            0, engineer.id, start, end, LeaveKind(self.kind.currentData()), self.note.text().strip()
        )

    @classmethod
    def ask(
        cls,
        parent: QWidget | None,
        engineers: Sequence[Engineer],
        today: date,
        engineer_id: int | None = None,
    ) -> Leave | None:
        """Ask for leave (modal); None when cancelled."""
        dialog = cls(engineers, today, parent, engineer_id=engineer_id)
        ok = dialog.exec() == QDialog.DialogCode.Accepted
        return dialog.result_value if ok else None  # type: ignore[return-value]


class TeamDialog(_Dialog):
    """A new team: its name and home zone (the default for its rotations)."""

    def __init__(self, zone: str, parent: QWidget | None = None) -> None:
        super().__init__("New team", "&Create team", parent)
        self.name = QLineEdit()
        self.name.setPlaceholderText("e.g. Platform")
        self.zone = ZonePicker(zone)
        self.description = QLineEdit()
        self.row("&Name", self.name)
        self.row("Home &zone", self.zone)
        self.row("&Description", self.description)

    def build(self) -> Team:
        name = self.name.text().strip()
        if not name:
            raise ValueError("Give the team a name.")
        zone = self.zone.commit()
        if zone is None:
            raise ValueError("Pick the team's home time zone.")
        return Team(0, name, zone, self.description.text().strip())

    @classmethod
    def ask(cls, parent: QWidget | None, zone: str) -> Team | None:
        """Ask for a new team (modal); None when cancelled."""
        dialog = cls(zone, parent)
        ok = dialog.exec() == QDialog.DialogCode.Accepted
        return dialog.result_value if ok else None  # type: ignore[return-value]
