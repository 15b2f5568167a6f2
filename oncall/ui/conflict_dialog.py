"""When a save meets someone else's newer save: theirs and yours side by side, per field.

``ConflictDialog(conflict, parent, zone=..., now=...)`` shows one row per field that differs
(Field | Theirs | Yours), each a pair of radio buttons; the default is yours where you changed
the field and theirs where only they did. "Save my choices" finishes with ``SAVE`` (the merged
value is :meth:`ConflictDialog.merged`, to be saved on top of their version, so it can itself
conflict again); "Discard mine (keep theirs)" with ``DISCARD``; Cancel / Escape with
``Rejected``: the editor stays open with what was typed. A row someone deleted offers only
Close. Nothing here saves: the screen that opened it does (``resolve_conflict``).

``versioned_flip`` makes the do/undo pair of an edit of a versioned row, each expecting the
version the other left, so an undo never clobbers someone else's newer save either.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any, TypeVar

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QGridLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from oncall.db.conflicts import NOUNS, Choice, EditConflict, FieldConflict, describe
from oncall.ui.theme import muted_text

T = TypeVar("T")

SAVE = 2  # done() code of "Save my choices" (Accepted is 1, Rejected 0)
DISCARD = 3  # done() code of "Discard mine (keep theirs)"


def ago(then: datetime | None, now: datetime | None) -> str:
    """How long ago, in calm words ("just now", "2 minutes ago"); "" when unknown."""
    if then is None or now is None:
        return ""
    seconds = max(0, int((now - then).total_seconds()))
    if seconds < 60:
        return "just now"
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 else ''} ago"
    return ""


def headline(conflict: EditConflict, now: datetime | None = None) -> str:
    """The dialog's first sentence: who did what to which row, and when if known."""
    noun = NOUNS.get(conflict.kind, conflict.kind)
    what = f"this {noun}" + (f" ({conflict.label})" if conflict.label else "")
    when = ago(conflict.saved_at, now)
    whose = f"{conflict.saved_by}'s copy" if conflict.saved_by else ""
    detail = ", ".join(x for x in (whose, when) if x)
    detail = f" ({detail})" if detail else ""
    verb = "deleted" if conflict.deleted else "saved"
    return f"Someone else {verb} {what} while you were editing{detail}."


class ConflictDialog(QDialog):
    """Theirs and yours per field, a choice for each; Save my choices / Discard mine."""

    def __init__(
        self,
        conflict: EditConflict,
        parent: QWidget | None = None,
        *,
        zone: str = "UTC",
        now: datetime | None = None,
    ) -> None:
        super().__init__(parent)
        self.conflict, self.zone = conflict, zone
        self.setWindowTitle("Someone else saved this too")
        self.groups: dict[str, QButtonGroup] = {}
        self.radios: dict[str, tuple[QRadioButton, QRadioButton]] = {}
        mergeable = not conflict.deleted and bool(conflict.fields) and conflict.theirs is not None

        layout = QVBoxLayout(self)
        self.headline = QLabel(headline(conflict, now), self)
        self.headline.setWordWrap(True)
        self.headline.setTextFormat(Qt.TextFormat.PlainText)
        bold = QFont(self.headline.font())
        bold.setBold(True)
        self.headline.setFont(bold)
        layout.addWidget(self.headline)
        self.note = QLabel(self._note(mergeable), self)
        self.note.setWordWrap(True)
        layout.addWidget(self.note)

        self.table = self._table() if mergeable else QFrame(self)
        self.table.setVisible(mergeable)
        if mergeable:  # a rotation has eight fields at most: the whole table always fits
            layout.addWidget(self.table, 1)

        self.buttons = QDialogButtonBox(self)
        self.save_button: QPushButton | None = None
        self.discard_button: QPushButton | None = None
        if mergeable:
            self.save_button = self.buttons.addButton(
                "&Save my choices", QDialogButtonBox.ButtonRole.AcceptRole
            )
            self.discard_button = self.buttons.addButton(
                "&Discard mine (keep theirs)", QDialogButtonBox.ButtonRole.DestructiveRole
            )
            self.save_button.setDefault(True)
            self.save_button.clicked.connect(lambda: self.done(SAVE))
            self.discard_button.clicked.connect(lambda: self.done(DISCARD))
            QShortcut(QKeySequence("Ctrl+Return"), self, lambda: self.done(SAVE))
        self.cancel_button = self.buttons.addButton(
            "Back to my edit" if not conflict.deleted else "Close",
            QDialogButtonBox.ButtonRole.RejectRole,
        )
        self.cancel_button.setToolTip("Close this; what you typed stays as it is (Esc).")
        self.cancel_button.clicked.connect(self.reject)
        if not mergeable:
            self.cancel_button.setDefault(True)
        layout.addWidget(self.buttons)

        first = next(iter(self.radios.values()), None)
        if first is not None:  # keyboard: start on the first field's chosen value
            chosen = first[0] if first[0].isChecked() else first[1]
            chosen.setFocus()
        # Room for two values side by side, in the font's units so large fonts hold.
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 84)
        self.resize(self.sizeHint().expandedTo(self.minimumSizeHint()))

    def _note(self, mergeable: bool) -> str:
        if self.conflict.deleted:
            return "Nothing of yours was saved. What you typed is still in the editor."
        if not mergeable:
            return (
                "Nothing was changed, so their save stands. Look at the new version, then try "
                "again if it is still needed."
            )
        return (
            "Nothing was overwritten. For each field, keep their value or yours; your choices "
            "are saved on top of their version. Fields you did not change keep theirs."
        )

    def _table(self) -> QWidget:
        table = QWidget(self)
        table.setAccessibleName("Fields that differ")
        grid = QGridLayout(table)
        grid.setHorizontalSpacing(self.fontMetrics().averageCharWidth() * 3)
        heading = QFont(self.font())
        heading.setBold(True)
        for column, text in enumerate(("Field", "Theirs", "Yours")):
            label = QLabel(text, table)
            label.setFont(heading)
            grid.addWidget(label, 0, column)
        muted = muted_text(self.palette()).name()
        for row, f in enumerate(self.conflict.fields, start=1):
            name = QLabel(f.label, table)
            who = self._who_changed(f)
            if who:
                name.setText(f"{f.label}<br><span style='color:{muted}'>{who}</span>")
            grid.addWidget(name, row, 0, Qt.AlignmentFlag.AlignTop)
            theirs = self._choice(self.text(f, f.theirs), table)
            yours = self._choice(self.text(f, f.yours), table)
            theirs.setAccessibleName(f"{f.label}: keep theirs, {self.text(f, f.theirs)}")
            yours.setAccessibleName(f"{f.label}: keep yours, {self.text(f, f.yours)}")
            group = QButtonGroup(table)  # exclusive per row; arrows move within the row
            group.addButton(theirs)
            group.addButton(yours)
            (yours if f.default == "yours" else theirs).setChecked(True)
            grid.addWidget(theirs, row, 1, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(yours, row, 2, Qt.AlignmentFlag.AlignTop)
            self.groups[f.name] = group
            self.radios[f.name] = (theirs, yours)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(2, 1)
        grid.setRowStretch(len(self.conflict.fields) + 1, 1)
        return table

    def _choice(self, text: str, parent: QWidget) -> QRadioButton:
        # Very long values (a big roster) are shortened on the button, whole on hover.
        shown = self.fontMetrics().elidedText(
            text, Qt.TextElideMode.ElideRight, self.fontMetrics().averageCharWidth() * 60
        )
        button = QRadioButton(shown, parent)
        button.setToolTip(text if shown != text else "")
        button.setProperty("full_text", text)
        return button

    @staticmethod
    def _who_changed(f: FieldConflict) -> str:
        if not f.has_base:
            return ""
        if f.you_changed and f.they_changed:
            return "you both changed this"
        return "you changed this" if f.you_changed else "they changed this"

    def text(self, f: FieldConflict, value: Any) -> str:
        """A value as the dialog shows it (people by name, instants in the viewer's zone)."""
        return describe(f, value, self.conflict.names, self.zone)

    def choices(self) -> dict[str, Choice]:
        """The choice per field name, as the radio buttons stand."""
        return {
            name: ("yours" if yours.isChecked() else "theirs")
            for name, (_theirs, yours) in self.radios.items()
        }

    def choose(self, name: str, choice: Choice) -> None:
        """Set one field's choice (as clicking its radio button does)."""
        theirs, yours = self.radios[name]
        (yours if choice == "yours" else theirs).setChecked(True)

    def rows(self) -> list[tuple[str, str, str]]:
        """What each row shows: (field, theirs, yours) (for tests and screen readers)."""
        by_name = {f.name: f for f in self.conflict.fields}
        return [
            (by_name[n].label, theirs.property("full_text"), yours.property("full_text"))
            for n, (theirs, yours) in self.radios.items()
        ]

    def merged(self) -> Any:
        """The value the choices make: theirs, with yours where chosen, at their version."""
        return self.conflict.merged(self.choices())


def resolve_conflict(
    parent: QWidget | None,
    conflict: EditConflict,
    *,
    save: Callable[[Any], None],
    discard: Callable[[], None] | None = None,
    cancel: Callable[[], None] | None = None,
    zone: str = "UTC",
    now: datetime | None = None,
) -> ConflictDialog:
    """Open the dialog (window-modal, not blocking) and act on the answer: ``save(merged)``
    (which may meet a newer version again and so open another dialog), ``discard()``, or
    ``cancel()`` (also after Close on a deleted row)."""
    dialog = ConflictDialog(conflict, parent, zone=zone, now=now)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def finished(code: int) -> None:
        if code == SAVE:
            save(dialog.merged())
        elif code == DISCARD:
            if discard is not None:
                discard()
        elif cancel is not None:
            cancel()

    dialog.finished.connect(finished)
    dialog.open()
    return dialog


def versioned_flip(
    save: Callable[[T, T], T], before: T, after: T
) -> tuple[Callable[[], None], Callable[[], None]]:
    """The do and undo of changing a row from ``before`` to ``after``.

    ``save(value, base)`` stores ``value`` (checking its ``row_version``) and returns what was
    stored. Each step expects the version the previous one left, so undoing after someone
    else saved is refused (an ``EditConflict``) instead of putting old values over theirs.
    """
    state = {"v": getattr(before, "row_version", 0)}

    def step(value: T, base: T) -> None:
        stored = save(replace(value, row_version=state["v"]), base)  # type: ignore[type-var]
        state["v"] = getattr(stored, "row_version", 0)

    return (lambda: step(after, before)), (lambda: step(before, after))
