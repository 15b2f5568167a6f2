"""Ask who covers a stretch of time: the dialog behind "select a range to create an override".

With ``suggested`` cover candidates (``oncall.domain.cover``) it becomes "Find cover": the
best candidate is chosen and each candidate's reason is listed; picking one chooses them.

Times are edited as wall-clock times of the viewer's zone. The editors hold them as UTC-spec
``QDateTime`` values whose fields *are* the wall-clock reading, so Qt never shifts them by the
machine's own DST rules; they become aware instants at the edge through ``zones.localize_utc``
(a time in a spring-forward gap moves forward, a repeated one is its first occurrence).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from PySide6.QtCore import QDate, QDateTime, Qt, QTime, QTimeZone
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from oncall.domain.cover import CoverCandidate
from oncall.domain.model import Engineer, Role
from oncall.domain.zones import localize_utc, wall
from oncall.ui.when import role_word

_FORMAT = "ddd d MMM yyyy  HH:mm"


@dataclass(frozen=True)
class OverrideDraft:
    """What the user asked for: who covers which role over ``[start, end)`` (aware, UTC)."""

    engineer_id: int
    role: Role
    start: datetime
    end: datetime
    note: str = ""


def _to_qt(instant: datetime, zone: str) -> QDateTime:
    w = wall(instant, zone)
    return QDateTime(
        QDate(w.year, w.month, w.day),
        QTime(w.hour, w.minute),
        QTimeZone(QTimeZone.Initialization.UTC),
    )


def _from_qt(value: QDateTime, zone: str) -> datetime:
    d, t = value.date(), value.time()
    return localize_utc(datetime(d.year(), d.month(), d.day(), t.hour(), t.minute()), zone)


def _fmt(instant: datetime, zone: str) -> str:
    w = wall(instant, zone)
    return f"{w:%a} {w.day} {w:%b %H:%M}"


class OverrideDialog(QDialog):
    """Pick an engineer (type to search), a role, start and end in the viewer's zone, a note.

    ``suggested`` (optional) lists who is free to cover, best first: the first is chosen and
    the list shows why each is suggested; an empty list says plainly that nobody is free.
    """

    def __init__(
        self,
        engineers: Iterable[Engineer],
        start: datetime,
        end: datetime,
        zone: str,
        role: Role = Role.PRIMARY,
        parent: QWidget | None = None,
        *,
        suggested: Sequence[CoverCandidate] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add override" if suggested is None else "Find cover")
        self.zone = zone
        self._engineers = sorted((e for e in engineers if e.active), key=lambda e: e.name.lower())

        self.engineer_box = QComboBox(self)
        self.engineer_box.setEditable(True)
        self.engineer_box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.engineer_box.setAccessibleName("Engineer")
        for e in self._engineers:
            self.engineer_box.addItem(f"{e.name} ({e.handle})", e.id)
        completer = self.engineer_box.completer()
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.engineer_box.setCurrentIndex(-1)
        self.engineer_box.lineEdit().setPlaceholderText("Type a name or handle")

        self.role_box = QComboBox(self)
        self.role_box.setAccessibleName("Role")
        for r in Role:
            self.role_box.addItem(role_word(r).capitalize(), r)
        self.role_box.setCurrentIndex(list(Role).index(role))

        self.start_edit = QDateTimeEdit(_to_qt(start, zone), self)
        self.end_edit = QDateTimeEdit(_to_qt(end, zone), self)
        for edit, name in ((self.start_edit, "Start"), (self.end_edit, "End")):
            edit.setDisplayFormat(_FORMAT)
            edit.setCalendarPopup(True)
            edit.setAccessibleName(f"{name} ({zone})")
        self.note_edit = QLineEdit(self)
        self.note_edit.setPlaceholderText("Why, e.g. covering Ada's dentist appointment")
        self.note_edit.setAccessibleName("Note")

        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.suggestions = self._suggestions(suggested)

        form = QFormLayout()
        if self.suggestions is not None:
            form.addRow(self.suggestions)
        form.addRow("&Who covers", self.engineer_box)
        form.addRow("&Role", self.role_box)
        form.addRow(f"&From ({zone})", self.start_edit)
        form.addRow("&Until", self.end_edit)
        form.addRow("&Note", self.note_edit)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Preview changes…")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.summary)
        layout.addWidget(self.buttons)

        self.engineer_box.currentIndexChanged.connect(self._refresh)
        self.engineer_box.editTextChanged.connect(self._refresh)
        self.start_edit.dateTimeChanged.connect(self._refresh)
        self.end_edit.dateTimeChanged.connect(self._refresh)
        self._refresh()
        if suggested:
            self.select_engineer(suggested[0].engineer.id)
        self.engineer_box.setFocus()

    def _suggestions(self, suggested: Sequence[CoverCandidate] | None) -> QWidget | None:
        """The "free to cover" list (None without suggestions)."""
        self.suggestion_list: QListWidget | None = None
        if suggested is None:
            return None
        box = QWidget(self)
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        if not suggested:
            self.suggestion_note = QLabel(
                "Nobody on the team is free then: everyone else is on leave or already on "
                "call. You can still choose someone below.",
                box,
            )
            self.suggestion_note.setWordWrap(True)
            layout.addWidget(self.suggestion_note)
            return box
        self.suggestion_note = QLabel("&Free to cover, least on call first:", box)
        self.suggestion_list = QListWidget(box)
        self.suggestion_list.setAccessibleName("Suggested cover")
        self.suggestion_note.setBuddy(self.suggestion_list)
        for c in suggested:
            item = QListWidgetItem(f"{c.engineer.name} — {c.reason}")
            item.setData(Qt.ItemDataRole.UserRole, c.engineer.id)
            item.setToolTip(
                f"{c.engineer.name} ({c.engineer.handle}, {c.engineer.zone}): {c.reason}"
            )
            self.suggestion_list.addItem(item)
        # Wide enough to read every reason on one line (elided only at extreme font sizes).
        fm = self.suggestion_list.fontMetrics()
        widest = max(
            fm.horizontalAdvance(self.suggestion_list.item(i).text())
            for i in range(self.suggestion_list.count())
        )
        self.setMinimumWidth(
            min(widest + fm.horizontalAdvance("M") * 4, fm.horizontalAdvance("M") * 80)
        )
        self.suggestion_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.suggestion_list.setTextElideMode(Qt.TextElideMode.ElideRight)
        shown = min(len(suggested), 5)
        self.suggestion_list.setFixedHeight(
            self.suggestion_list.sizeHintForRow(0) * shown + 2 * self.suggestion_list.frameWidth()
        )
        self.suggestion_list.setCurrentRow(0)
        self.suggestion_list.currentItemChanged.connect(self._on_suggestion_picked)
        layout.addWidget(self.suggestion_note)
        layout.addWidget(self.suggestion_list)
        layout.addSpacing(self.fontMetrics().height() // 2)
        return box

    def _on_suggestion_picked(self, item: QListWidgetItem | None, _previous: object) -> None:
        if item is not None:
            self.select_engineer(item.data(Qt.ItemDataRole.UserRole))

    def suggestion_texts(self) -> list[str]:
        """The suggested people with their reasons, as listed (for tests and screen readers)."""
        items = self.suggestion_list
        if items is None:
            return []
        return [items.item(i).text() for i in range(items.count())]

    def engineer(self) -> Engineer | None:
        """The engineer chosen (an exact or unique partial match of the text typed)."""
        text = self.engineer_box.currentText().strip().lower()
        index = self.engineer_box.currentIndex()
        if index >= 0 and self.engineer_box.itemText(index).lower() == text:
            return self._engineers[index]
        if not text:
            return None
        hits = [
            e
            for e in self._engineers
            if text in e.name.lower()
            or text in e.handle.lower()
            or text == f"{e.name} ({e.handle})".lower()
        ]
        return hits[0] if len(hits) == 1 else None

    def select_engineer(self, engineer_id: int) -> None:
        """Choose an engineer by id (for callers that know who, and for tests)."""
        self.engineer_box.setCurrentIndex(self.engineer_box.findData(engineer_id))

    def draft(self) -> OverrideDraft | None:
        """The override as entered, or None while it is incomplete or backwards."""
        engineer = self.engineer()
        start = _from_qt(self.start_edit.dateTime(), self.zone)
        end = _from_qt(self.end_edit.dateTime(), self.zone)
        if engineer is None or end <= start:
            return None
        return OverrideDraft(
            engineer.id, self.role_box.currentData(), start, end, self.note_edit.text().strip()
        )

    def _refresh(self) -> None:
        draft = self.draft()
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(draft is not None)
        start = _from_qt(self.start_edit.dateTime(), self.zone)
        end = _from_qt(self.end_edit.dateTime(), self.zone)
        if end <= start:
            self.summary.setText("The end must come after the start.")
            return
        if self.engineer() is None:
            self.summary.setText("Choose who covers this time.")
            return
        engineer = self.engineer()
        assert engineer is not None
        hours = (end - start).total_seconds() / 3600
        lines = [f"{hours:.4g} h, {_fmt(start, self.zone)} – {_fmt(end, self.zone)} your time."]
        if engineer.zone and engineer.zone != self.zone:
            first = engineer.name.split()[0]
            lines.append(
                f"For {first} ({engineer.zone}): "
                f"{_fmt(start, engineer.zone)} – {_fmt(end, engineer.zone)}."
            )
        self.summary.setText("\n".join(lines))

    @classmethod
    def ask(
        cls,
        parent: QWidget | None,
        engineers: Iterable[Engineer],
        start: datetime,
        end: datetime,
        zone: str,
        role: Role = Role.PRIMARY,
        *,
        suggested: Sequence[CoverCandidate] | None = None,
    ) -> OverrideDraft | None:
        """Show the dialog (modal); the draft when confirmed, else None.

        ``suggested``: who is free to cover, best first (see the class docstring).
        """
        dialog = cls(engineers, start, end, zone, role, parent, suggested=suggested)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.draft()
