"""Hand one shift of a rotation to someone else: the dialog behind "Swap this shift…".

The shift is shown in the viewer's zone (and in the chosen person's own zone when it
differs); the people are the team's engineers minus the one holding the shift, filtered as
you type a name or handle. Arrow keys move through the list from the search box.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
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

from oncall.domain.model import Engineer, Shift
from oncall.domain.zones import wall
from oncall.ui.when import role_word


@dataclass(frozen=True)
class SwapDraft:
    """What the user asked for: ``engineer_id`` takes the shift, for the reason in ``note``."""

    engineer_id: int
    note: str = ""


def _fmt(shift: Shift, zone: str) -> str:
    a, b = wall(shift.start, zone), wall(shift.end, zone)
    left = f"{a:%a} {a.day} {a:%b %H:%M}"
    right = f"{b:%H:%M}" if a.date() == b.date() else f"{b:%a} {b.day} {b:%b %H:%M}"
    return f"{left} – {right}"


def _hours(shift: Shift) -> str:
    hours = (shift.end - shift.start).total_seconds() / 3600
    return f"{hours:.4g} h"


class SwapDialog(QDialog):
    """Pick who takes a shift (type to search) and say why."""

    def __init__(
        self,
        engineers: Iterable[Engineer],
        shift: Shift,
        zone: str,
        parent: QWidget | None = None,
        *,
        rotation_name: str = "",
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Swap this shift")
        self.shift, self.zone = shift, zone
        everyone = list(engineers)
        holder = next((e for e in everyone if e.id == shift.engineer_id), None)
        self._people = sorted(
            (e for e in everyone if e.active and e.id != shift.engineer_id),
            key=lambda e: e.name.lower(),
        )

        who = holder.name if holder is not None else "Someone"
        layer = f" of {rotation_name}" if rotation_name else ""
        self.heading = QLabel(
            f"<b>{who}</b>'s {role_word(shift.role)} shift{layer}<br>"
            f"{_fmt(shift, zone)} your time ({zone}), {_hours(shift)}",
            self,
        )
        self.heading.setWordWrap(True)
        self.heading.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Type a name or handle")
        self.search.setAccessibleName("Search engineers")
        self.search.setClearButtonEnabled(True)
        self.people = QListWidget(self)
        self.people.setAccessibleName("Who takes the shift")
        for e in self._people:
            item = QListWidgetItem(f"{e.name} ({e.handle}) · {e.zone}")
            item.setData(Qt.ItemDataRole.UserRole, e.id)
            self.people.addItem(item)
        rows = min(max(len(self._people), 3), 8)
        self.people.setFixedHeight(
            self.people.sizeHintForRow(0) * rows + 2 * self.people.frameWidth()
            if self._people
            else self.fontMetrics().height() * 3
        )
        self.note_edit = QLineEdit(self)
        self.note_edit.setPlaceholderText("Why, e.g. Carmen is at a wedding that weekend")
        self.note_edit.setAccessibleName("Note")

        self.summary = QLabel(self)
        self.summary.setWordWrap(True)

        form = QFormLayout()
        search_label = QLabel("&Who takes it", self)
        search_label.setBuddy(self.search)
        form.addRow(search_label, self.search)
        form.addRow("", self.people)
        form.addRow("&Note", self.note_edit)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Preview changes…")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addSpacing(self.fontMetrics().height() // 2)
        layout.addLayout(form)
        layout.addWidget(self.summary)
        layout.addWidget(self.buttons)

        # Wide enough for a name, handle and zone on one line; sizes follow the font (200%).
        fm = self.fontMetrics()
        line = f"{_fmt(shift, zone)} your time ({zone}), {_hours(shift)}"
        self.setMinimumWidth(max(fm.horizontalAdvance(line), fm.horizontalAdvance("M") * 36) + 48)
        self.people.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.people.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        # Room for the two-line summary, so the dialog does not jump as people are picked.
        self.summary.setMinimumHeight(fm.lineSpacing() * 2 + fm.leading())
        self.summary.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)

        self.search.textChanged.connect(self._filter)
        self.search.installEventFilter(self)
        self.people.currentItemChanged.connect(self._refresh)
        self.people.itemDoubleClicked.connect(lambda _item: self._accept_if_ready())
        self._refresh()
        self.search.setFocus()

    # -- choosing ---------------------------------------------------------------------------

    def engineer(self) -> Engineer | None:
        """The person chosen: the current visible row of the list."""
        item = self.people.currentItem()
        if item is None or item.isHidden():
            return None
        engineer_id = item.data(Qt.ItemDataRole.UserRole)
        return next((e for e in self._people if e.id == engineer_id), None)

    def select_engineer(self, engineer_id: int) -> None:
        """Choose a person by id (for callers that know who, and for tests)."""
        for row in range(self.people.count()):
            item = self.people.item(row)
            if item.data(Qt.ItemDataRole.UserRole) == engineer_id:
                self.people.setCurrentItem(item)
                return

    def draft(self) -> SwapDraft | None:
        """The swap as entered, or None until someone is chosen."""
        engineer = self.engineer()
        if engineer is None:
            return None
        return SwapDraft(engineer.id, self.note_edit.text().strip())

    def _filter(self, text: str) -> None:
        needle = text.strip().lower()
        first = None
        for row in range(self.people.count()):
            item = self.people.item(row)
            e = self._people[row]
            hidden = (
                bool(needle) and needle not in e.name.lower() and needle not in e.handle.lower()
            )
            item.setHidden(hidden)
            if not hidden and first is None:
                first = item
        current = self.people.currentItem()
        if current is None or current.isHidden():
            self.people.setCurrentItem(first)  # one match is chosen without another key
        self._refresh()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Up and Down in the search box move through the list."""
        if watched is self.search and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down):
                self.people.setFocus()
                self.people.keyPressEvent(event)
                self.search.setFocus()
                return True
        return super().eventFilter(watched, event)

    def _accept_if_ready(self) -> None:
        if self.draft() is not None:
            self.accept()

    def _refresh(self, *_args: object) -> None:
        engineer = self.engineer()
        self.ok_button.setEnabled(engineer is not None)
        if not self._people:
            self.summary.setText("There is nobody else on the team to hand this shift to.")
            return
        if engineer is None:
            visible = any(not self.people.item(r).isHidden() for r in range(self.people.count()))
            self.summary.setText(
                "Choose who takes the shift." if visible else "Nobody matches that name."
            )
            return
        first = engineer.name.split()[0]
        lines = [f"{first} takes the whole shift; the rest of the rotation is unchanged."]
        if engineer.zone and engineer.zone != self.zone:
            lines.append(f"For {first} ({engineer.zone}): {_fmt(self.shift, engineer.zone)}.")
        self.summary.setText("\n".join(lines))

    @classmethod
    def ask(
        cls,
        parent: QWidget | None,
        engineers: Iterable[Engineer],
        shift: Shift,
        zone: str,
        *,
        rotation_name: str = "",
    ) -> SwapDraft | None:
        """Show the dialog (modal); the draft when confirmed, else None."""
        dialog = cls(engineers, shift, zone, parent, rotation_name=rotation_name)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.draft()
