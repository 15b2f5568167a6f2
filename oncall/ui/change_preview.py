"""Before an edit is saved: what changes for each person over the coming weeks.

``ChangePreviewDialog.ask(parent, diffs, engineers)`` shows one row per person whose schedule
changes (shifts, hours, nights, weekend days and holidays, "before → after" with the change in
words and a ▲/▼ mark that does not rely on colour); expanding a row lists the shifts gained and
lost. ``compute_diffs`` makes the diffs from a plan with and without the edit.

With ``concerns=`` (the planning guard's, :func:`oncall.domain.guard.check_change`) the dialog
lists them above the table in plain words and asks "Why is this OK?"; Save stays off until a
reason is written. ``ask_with_reason`` returns that reason ("" when there were no concerns,
None when cancelled); ``ask`` keeps returning a bool.

With ``orphaned=`` (:func:`oncall.domain.diff.orphaned_by_edit`) and ``zone=`` (the viewer's),
the dialog warns that saving leaves those swaps without their shift, naming each one.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetrics, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from oncall.domain.diff import PersonDiff, PersonLoad, diff_schedules
from oncall.domain.guard import Concern
from oncall.domain.model import Engineer, Role, Shift, TeamPlan
from oncall.domain.schedule import StaleSwap
from oncall.ui.models import engineer_name, fmt_hours, fmt_span

log = logging.getLogger(__name__)

PREVIEW_WEEKS = 8  # how far ahead an edit's effect is shown

# (label, attribute of PersonLoad, singular noun, plural noun)
METRICS: tuple[tuple[str, str, str, str], ...] = (
    ("Shifts", "shifts", "shift", "shifts"),
    ("Hours", "hours", "h", "h"),
    ("Nights", "nights", "night", "nights"),
    ("Weekend days", "weekend_days", "day", "days"),
    ("Holidays", "holidays", "holiday", "holidays"),
)


def compute_diffs(
    before: TeamPlan, after: TeamPlan, start: datetime, weeks: int = PREVIEW_WEEKS
) -> list[PersonDiff]:
    """Per-person differences of the final schedule over ``[start, start + weeks)`` between a
    plan without the edit and one with it."""
    from oncall.domain.schedule import resolve
    from oncall.exchange.public_holidays import holiday_dates

    end = start + timedelta(weeks=weeks)
    people = {e.id: e for e in (*before.engineers, *after.engineers)}
    years = range(start.year - 1, end.year + 2)  # local dates can fall a day either side
    return diff_schedules(
        resolve(before, start, end).shifts,
        resolve(after, start, end).shifts,
        list(people.values()),
        holiday_dates(list(people.values()), years),
    )


def _number(value: float, attr: str) -> str:
    return fmt_hours(value) if attr == "hours" else str(int(value))


def describe_change(before: PersonLoad, after: PersonLoad, attr: str, one: str, many: str) -> str:
    """ "3 → 4  ▲ 1 more shift", "84 h → 0 h  ▼ 84 h fewer", or "2 (same)"."""
    b, a = getattr(before, attr), getattr(after, attr)
    if abs(a - b) < 0.05:
        return f"{_number(b, attr)} (same)"
    delta = a - b
    amount = _number(abs(delta), attr)
    noun = "" if attr == "hours" else " " + (one if abs(delta) == 1 else many)
    words = "more" if delta > 0 else "fewer"
    mark = "▲" if delta > 0 else "▼"
    return f"{_number(b, attr)} → {_number(a, attr)}\n{mark} {amount} {words}{noun}"


def describe_shift(shift: Shift, zone: str) -> str:
    """One shift in the person's own zone, with its role."""
    return f"{fmt_span(shift.start, shift.end, zone)} ({zone}), {Role(shift.role).value}"


class ChangePreviewDialog(QDialog):
    """Shows per-person changes and asks to go ahead; Save is the default, Escape cancels."""

    def __init__(
        self,
        diffs: Sequence[PersonDiff],
        engineers: Mapping[int, Engineer],
        parent: QWidget | None = None,
        *,
        title: str = "Check what changes",
        intro: str = "",
        confirm_text: str = "&Save",
        weeks: int = PREVIEW_WEEKS,
        concerns: Sequence[Concern] = (),
        orphaned: Sequence[StaleSwap] = (),
        zone: str = "UTC",
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.diffs = list(diffs)
        self.engineers = dict(engineers)
        self.concerns = list(concerns)
        changed = [d for d in self.diffs if d.changed]
        unchanged = [d for d in self.diffs if not d.changed]

        layout = QVBoxLayout(self)
        self.concern_box = self._concern_box(self.concerns)
        layout.addWidget(self.concern_box)
        self.concern_box.setVisible(bool(self.concerns))
        self.orphaned = list(orphaned)
        self.orphan_box = self._orphan_box(self.orphaned, zone)
        layout.addWidget(self.orphan_box)
        self.orphan_box.setVisible(bool(self.orphaned))
        heading = QLabel(
            intro or f"What this changes for each person over the coming {weeks} weeks:"
        )
        heading.setWordWrap(True)
        layout.addWidget(heading)

        self.tree = QTreeWidget(self)
        self.tree.setHeaderLabels(["Person", *(m[0] for m in METRICS)])
        self.tree.setAlternatingRowColors(True)
        self.tree.setUniformRowHeights(False)
        self.tree.setAccessibleName("Changes per person")
        # Air between the columns; sizes stay in the font's units so 200% scale holds.
        self.tree.setStyleSheet("QTreeView::item { padding: 0.15em 0.6em 0.15em 0.1em; }")
        header = self.tree.header()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        for diff in changed:
            item = self._person_item(diff)
            self.tree.addTopLevelItem(item)
            for i in range(item.childCount()):  # spanning only sticks once in the tree
                item.child(i).setFirstColumnSpanned(True)
        # The name column fits the names; the spanned shift lines must not widen it.
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        metrics = self.tree.fontMetrics()
        bold = QFont(self.tree.font())
        bold.setBold(True)
        widest = max(
            [
                QFontMetrics(bold).horizontalAdvance(self.tree.topLevelItem(i).text(0))
                for i in range(self.tree.topLevelItemCount())
            ]
            + [metrics.horizontalAdvance("Person")]
        )
        header.resizeSection(0, widest + self.tree.indentation() + metrics.averageCharWidth() * 4)
        self.tree.setVisible(bool(changed))
        layout.addWidget(self.tree, 1)

        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        if not changed:
            self.summary.setText("No one's schedule changes.")
            font = self.summary.font()
            font.setPointSizeF(font.pointSizeF() * 1.2)
            self.summary.setFont(font)
        elif unchanged:
            names = ", ".join(engineer_name(self.engineers, d.engineer_id) for d in unchanged)
            self.summary.setText(f"Unchanged: {names}.")
        else:
            self.summary.hide()
        layout.addWidget(self.summary)
        if changed:
            hint = QLabel("Expand a person (→ or +) to see the shifts they gain and lose.")
            hint.setWordWrap(True)
            hint.setEnabled(False)  # a quiet, secondary line
            layout.addWidget(hint)

        self.reason_label = QLabel("&Why is this OK? (kept with the change)", self)
        self.reason_edit = QPlainTextEdit(self)
        self.reason_edit.setAccessibleName("Why is this OK?")
        self.reason_edit.setPlaceholderText(
            "For example: Ada offered to take it; Bao covers her pages that night."
        )
        self.reason_edit.setTabChangesFocus(True)  # Tab leaves the field, as in a line edit
        lines = self.reason_edit.fontMetrics().lineSpacing()
        self.reason_edit.setFixedHeight(int(lines * 3.6))
        self.reason_label.setBuddy(self.reason_edit)
        layout.addWidget(self.reason_label)
        layout.addWidget(self.reason_edit)
        self.reason_label.setVisible(bool(self.concerns))
        self.reason_edit.setVisible(bool(self.concerns))

        self.buttons = QDialogButtonBox(self)
        self.confirm_button = self.buttons.addButton(
            confirm_text, QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.confirm_button.setDefault(True)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        QShortcut(QKeySequence("Ctrl+Return"), self, activated=self.accept)
        self.reason_edit.textChanged.connect(self._update_confirm)
        self._update_confirm()

        self.tree.setFocus()
        if changed:
            self.tree.setCurrentItem(self.tree.topLevelItem(0))
        if self.concerns:
            self.reason_edit.setFocus()  # the one thing left to do
        if self.concerns or self.orphaned:
            # Room for the sentences: about 80 characters a line, in the font's units.
            self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 80)
        if changed:  # every column whole, without scrolling sideways (up to most of the screen)
            margins = layout.contentsMargins()
            wanted = self._table_width() + margins.left() + margins.right()
            screen = self.screen()
            room = int(screen.availableGeometry().width() * 0.9) if screen else wanted
            self.setMinimumWidth(max(self.minimumWidth(), min(wanted, room)))
        self.resize(self.sizeHint().expandedTo(self.minimumSizeHint()))

    def _table_width(self) -> int:
        """The width the per-person table needs to show every column whole."""
        header = self.tree.header()
        columns = header.sectionSize(0) + sum(
            max(self.tree.sizeHintForColumn(i), header.sectionSizeHint(i))
            for i in range(1, header.count())
        )
        scroll = self.tree.verticalScrollBar().sizeHint().width()
        return columns + 2 * self.tree.frameWidth() + scroll

    def _concern_box(self, concerns: Sequence[Concern]) -> QFrame:
        """The guard's concerns in calm words: a quiet framed note, not an alarm."""
        box = QFrame(self)
        box.setObjectName("concerns")
        box.setFrameShape(QFrame.Shape.StyledPanel)
        box.setAccessibleName("Things to check before saving")
        inner = QVBoxLayout(box)
        title = QLabel(
            "Before you save, please check:"
            if len(concerns) != 1
            else "Before you save, please check this:",
            box,
        )
        bold = QFont(title.font())
        bold.setBold(True)
        title.setFont(bold)
        inner.addWidget(title)
        self.concern_labels: list[QLabel] = []
        for concern in concerns:
            label = QLabel(f"•  {concern.text}", box)
            label.setWordWrap(True)
            label.setTextFormat(Qt.TextFormat.PlainText)
            inner.addWidget(label)
            self.concern_labels.append(label)
        note = QLabel(
            "You can still go ahead: say why below, and the reason is kept with the change.",
            box,
        )
        note.setWordWrap(True)
        inner.addWidget(note)
        return box

    def _orphan_box(self, orphaned: Sequence[StaleSwap], zone: str) -> QFrame:
        """A quiet framed note: the swaps this edit leaves without their shift, by name."""
        from oncall.ui.stale_swaps import stale_swap_words

        box = QFrame(self)
        box.setObjectName("orphaned")
        box.setFrameShape(QFrame.Shape.StyledPanel)
        box.setAccessibleName("Swaps this edit would orphan")
        inner = QVBoxLayout(box)
        n = len(orphaned)
        noun = "1 swap" if n == 1 else f"{n} swaps"
        title = QLabel(f"This edit would orphan {noun}: no shift starts there any more.", box)
        title.setWordWrap(True)
        bold = QFont(title.font())
        bold.setBold(True)
        title.setFont(bold)
        inner.addWidget(title)
        self.orphan_labels: list[QLabel] = []
        for stale in orphaned:
            label = QLabel(f"•  {stale_swap_words(stale, self.engineers, zone)}", box)
            label.setTextFormat(Qt.TextFormat.PlainText)
            inner.addWidget(label)
            self.orphan_labels.append(label)
        it = "it" if n == 1 else "them"
        note = QLabel(
            f"Saving stops applying {it}: the rotation's holder keeps the shift. The Schedule "
            f"screen then lists {it}, to remove or swap again.",
            box,
        )
        note.setWordWrap(True)
        inner.addWidget(note)
        return box

    def reason(self) -> str:
        """The reason written, trimmed ("" when none is asked or written)."""
        return self.reason_edit.toPlainText().strip() if self.concerns else ""

    def _update_confirm(self) -> None:
        # With concerns, going ahead needs a written reason (burnout.md 9.8).
        ok = not self.concerns or bool(self.reason())
        self.confirm_button.setEnabled(ok)
        self.confirm_button.setToolTip("" if ok else "Write why this is OK to save it.")

    def accept(self) -> None:
        """Save, unless a reason is still owed (Ctrl+Return cannot skip it)."""
        if self.concerns and not self.reason():
            self.reason_edit.setFocus()
            return
        super().accept()

    def _person_item(self, diff: PersonDiff) -> QTreeWidgetItem:
        name = engineer_name(self.engineers, diff.engineer_id)
        cells = [describe_change(diff.before, diff.after, *m[1:]) for m in METRICS]
        item = QTreeWidgetItem([name, *cells])
        bold = QFont(item.font(0))
        bold.setBold(True)
        item.setFont(0, bold)
        for column, text in enumerate(cells, start=1):
            if not text.endswith("(same)"):
                item.setFont(column, bold)
        engineer = self.engineers.get(diff.engineer_id)
        zone = engineer.zone if engineer is not None else "UTC"
        for label, shifts in (("gains", diff.gained), ("loses", diff.lost)):
            for shift in sorted(shifts, key=lambda s: s.start):
                mark = "+" if label == "gains" else "−"
                child = QTreeWidgetItem([f"{mark} {label} {describe_shift(shift, zone)}"])
                item.addChild(child)
        item.setToolTip(0, f"{len(diff.gained)} shifts gained, {len(diff.lost)} lost")
        return item

    def person_rows(self) -> dict[str, list[str]]:
        """What each person's row shows, by name (for tests and screen readers)."""
        rows: dict[str, list[str]] = {}
        for i in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(i)
            rows[item.text(0)] = [item.text(c) for c in range(1, self.tree.columnCount())]
        return rows

    @classmethod
    def ask(
        cls,
        parent: QWidget | None,
        diffs: Sequence[PersonDiff],
        engineers: Mapping[int, Engineer],
        **options: object,
    ) -> bool:
        """Show the changes and return True when the user confirms (modal). The one modal
        entry point: with ``reason_out=`` (a list) the reason written is appended to it."""
        reason_out = options.pop("reason_out", None)
        dialog = cls(diffs, engineers, parent, **options)  # type: ignore[arg-type]
        confirmed = dialog.exec() == QDialog.DialogCode.Accepted
        if confirmed and isinstance(reason_out, list):
            reason_out.append(dialog.reason())
        return confirmed

    @classmethod
    def ask_with_reason(
        cls,
        parent: QWidget | None,
        diffs: Sequence[PersonDiff],
        engineers: Mapping[int, Engineer],
        **options: object,
    ) -> str | None:
        """Show the changes (and ``concerns=``, if any) through :meth:`ask`; None when
        cancelled, else the reason written ("" when there were no concerns to answer)."""
        written: list[str] = []
        if not cls.ask(parent, diffs, engineers, reason_out=written, **options):
            return None
        return written[0] if written else ""
