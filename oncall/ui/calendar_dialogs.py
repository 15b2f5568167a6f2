"""Calendar screens: export a team's or a person's calendar to a file, and import leave from
an ``.ics`` file after a preview (docs/calendar.md). ``CalendarActions`` puts both, and
"Publish calendars now", in the window's File menu and makes an import one undo step.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDate, QObject, Qt, QUrl
from PySide6.QtGui import QAction, QDesktopServices, QUndoStack
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from oncall.app import AppContext, ReadOnlyDatabase
from oncall.domain.model import Engineer, Shift, Team
from oncall.ui.undo import push_edit
from oncall.ui.when import role_word
from oncall.ui.widgets import MutedLabel
from oncall.ui.zones import viewer_zone

if TYPE_CHECKING:
    from oncall.exchange.ical_leave import LeavePreview
    from oncall.ui.main_window import MainWindow

_ERROR_STYLE = "color: palette(bright-text); background: #b3261e; padding: 6px; border-radius: 4px"


def _day(at: datetime, zone: str) -> str:
    local = at.astimezone(ZoneInfo(zone or "UTC"))
    return f"{local:%a} {local.day} {local:%b} {local.year}"


def _range_words(start: datetime, end: datetime, zone: str, all_day: bool) -> str:
    """ "Mon 21 Dec – Wed 23 Dec 2026" for whole days, "Fri 27 Nov 2026 09:00–13:00" else."""
    tz = ZoneInfo(zone or "UTC")
    a, b = start.astimezone(tz), end.astimezone(tz)
    if all_day:
        last = b - timedelta(days=1)
        if last.date() <= a.date():
            return f"{a:%a} {a.day} {a:%b} {a.year}"
        return f"{a:%a} {a.day} {a:%b} – {last:%a} {last.day} {last:%b} {last.year}"
    if a.date() == b.date():
        return f"{a:%a} {a.day} {a:%b} {a.year} {a:%H:%M}–{b:%H:%M}"
    return f"{a:%a} {a.day} {a:%b} {a:%H:%M} – {b:%a} {b.day} {b:%b} {b.year} {b:%H:%M}"


# ---------------------------------------------------------------------------------- export


class ExportDialog(QDialog):
    """Export a team calendar or one person's calendar over a range of days to an ``.ics``
    file (chosen with the file dialog, written atomically); says where it went and offers
    "Open folder"."""

    def __init__(
        self, ctx: AppContext, parent: QWidget | None = None, *, engineer_id: int | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.zone = viewer_zone(ctx)
        self.saved_path: Path | None = None
        self.setWindowTitle("Export calendar")
        from oncall.db import queries

        with ctx.sessions.begin() as s:
            self.teams: list[Team] = queries.list_teams(s)
            self.engineers: list[Engineer] = queries.list_engineers(s)

        self.team_choice = QRadioButton("&Team calendar")
        self.person_choice = QRadioButton("&One person's calendar")
        self.kind = QButtonGroup(self)
        self.kind.addButton(self.team_choice)
        self.kind.addButton(self.person_choice)
        self.team_box = QComboBox()
        self.team_box.setAccessibleName("Team")
        for team in self.teams:
            self.team_box.addItem(team.name, team.id)
        self.person_box = QComboBox()
        self.person_box.setAccessibleName("Engineer")
        for engineer in self.engineers:
            self.person_box.addItem(f"{engineer.name} (@{engineer.handle})", engineer.id)
        if engineer_id is not None and self.person_box.findData(engineer_id) >= 0:
            self.person_box.setCurrentIndex(self.person_box.findData(engineer_id))
            self.person_choice.setChecked(True)
        else:
            self.team_choice.setChecked(True)
        self.kind.buttonToggled.connect(lambda *_: self._update())

        today = ctx.clock().astimezone(ZoneInfo(self.zone or "UTC")).date()
        first = today - timedelta(days=ctx.settings.calendar_days_back)
        last = today + timedelta(days=ctx.settings.calendar_days_ahead)
        self.start_date = QDateEdit(QDate(first.year, first.month, first.day))
        self.end_date = QDateEdit(QDate(last.year, last.month, last.day))
        for edit, name in ((self.start_date, "From"), (self.end_date, "To")):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("ddd d MMM yyyy")
            edit.setAccessibleName(name)
            edit.dateChanged.connect(lambda *_: self._update())
        dates = QHBoxLayout()
        dates.addWidget(self.start_date)
        dates.addWidget(QLabel("to"))
        dates.addWidget(self.end_date)
        dates.addStretch(1)

        form = QFormLayout()
        form.addRow(self.team_choice, self.team_box)
        form.addRow(self.person_choice, self.person_box)
        days_label = QLabel("&Days")
        days_label.setBuddy(self.start_date)  # a layout has no buddy: the label needs one
        form.addRow(days_label, dates)
        self.note = MutedLabel(
            f"Both days included, in {self.zone}. Each shift is one event in UTC, so every "
            "calendar app shows it at the right local time."
        )
        self.note.setWordWrap(True)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet(_ERROR_STYLE)
        self.error.setVisible(False)
        self.done_label = QLabel()
        self.done_label.setWordWrap(True)
        self.done_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.open_folder_button = QPushButton("Open &folder")
        self.open_folder_button.clicked.connect(self.open_folder)
        done_row = QHBoxLayout()
        done_row.addWidget(self.done_label, 1)
        done_row.addWidget(self.open_folder_button)
        self.done_row = QWidget()
        self.done_row.setLayout(done_row)
        self.done_row.setVisible(False)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.export_button = QPushButton("&Export…")
        self.export_button.setDefault(True)
        self.buttons.addButton(self.export_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.export_button.clicked.connect(self.export)
        self.buttons.rejected.connect(self.reject)

        column = QVBoxLayout(self)
        column.addLayout(form)
        column.addWidget(self.note)
        column.addWidget(self.error)
        column.addWidget(self.done_row)
        column.addStretch(1)
        column.addWidget(self.buttons)
        self.resize(self.fontMetrics().height() * 34, self.sizeHint().height())
        self._update()

    def window_range(self) -> tuple[datetime, datetime]:
        """The chosen days as UTC instants: the first day's midnight to the day after the last
        (the viewer's zone)."""
        tz = ZoneInfo(self.zone or "UTC")
        first: date = self.start_date.date().toPython()  # type: ignore[assignment]
        last: date = self.end_date.date().toPython()  # type: ignore[assignment]
        start = datetime.combine(first, time(0), tz).astimezone(ZoneInfo("UTC"))
        end = datetime.combine(last + timedelta(days=1), time(0), tz).astimezone(ZoneInfo("UTC"))
        return start, end

    def suggested_name(self) -> str:
        """``team-payments.ics`` or ``person-ada.ics``."""
        from oncall.exchange.ical_export import slug

        if self.person_choice.isChecked():
            engineer = self._engineer()
            return f"person-{slug(engineer.handle) if engineer else 'calendar'}.ics"
        return f"team-{slug(self.team_box.currentText() or 'calendar')}.ics"

    def _engineer(self) -> Engineer | None:
        wanted = self.person_box.currentData()
        return next((e for e in self.engineers if e.id == wanted), None)

    def _update(self) -> None:
        person = self.person_choice.isChecked()
        self.team_box.setEnabled(not person)
        self.person_box.setEnabled(person)
        start, end = self.window_range()
        problem = ""
        if end <= start:
            problem = "The last day comes before the first."
        elif person and self.person_box.count() == 0:
            problem = "There is nobody to export yet."
        elif not person and self.team_box.count() == 0:
            problem = "There is no team to export yet."
        self.export_button.setEnabled(not problem)
        self._show_error(problem)

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))

    def export(self) -> Path | None:
        """Ask where to save (the file dialog), then write the calendar there atomically."""
        start_in = Path(self.ctx.paths.data).expanduser()
        if self.saved_path is not None:
            start_in = self.saved_path.parent
        chosen, _ = QFileDialog.getSaveFileName(
            self,
            "Export calendar as",
            str(start_in / self.suggested_name()),
            "iCalendar files (*.ics)",
        )
        if not chosen:
            return None
        path = Path(chosen)
        if not path.suffix:
            path = path.with_suffix(".ics")
        return self.write_to(path)

    def write_to(self, path: Path) -> Path | None:
        """Export to ``path`` (atomically); show the calm result line or the error."""
        from oncall.exchange import ical_export

        start, end = self.window_range()
        now = self.ctx.clock()
        try:
            with self.ctx.sessions.begin() as s:
                if self.person_choice.isChecked():
                    text = ical_export.export_engineer(
                        s, self.person_box.currentData(), now, start, end
                    )
                else:
                    text = ical_export.export_team(s, self.team_box.currentData(), now, start, end)
            ical_export.write_atomic(path, text)
        except OSError as error:
            self._show_error(f"Could not write {path}: {error.strerror or error}.")
            self.done_row.setVisible(False)
            return None
        except ValueError as error:
            self._show_error(str(error))
            return None
        events = text.count("BEGIN:VEVENT")
        self.saved_path = path
        self._show_error("")
        noun = "shift" if events == 1 else "shifts"
        self.done_label.setText(f"Saved {events} {noun} to {path}")
        self.done_row.setVisible(True)
        return path

    def open_folder(self) -> None:
        """Show the exported file's folder in the file manager."""
        if self.saved_path is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.saved_path.parent)))


# ---------------------------------------------------------------------------------- leave import

ACTION_WORDS = {
    "add": "New",
    "update": "Updated",
    "remove": "Removed",
    "unchanged": "Unchanged",
    "unmatched": "Not matched",
}
MATCH_BY_EMAIL = -1


@dataclass(frozen=True)
class PreviewLine:
    """One row of the preview as shown: dates in the engineer's zone, what happens, and the
    shifts the leave meets (its conflicts)."""

    when: str
    who: str
    summary: str
    action: str
    conflicts: tuple[str, ...]


class LeaveImportDialog(QDialog):
    """Preview leave from an ``.ics`` file: per event the dates (the engineer's zone), the
    summary, whether it is new, updated or unchanged, and which shifts it meets; leave an
    earlier import of this file made whose event is gone shows as removed, with why. "Import"
    accepts; nothing is saved here (``CalendarActions`` saves, as one undo step). A broken
    file shows its error sentence (file and line) and cannot be imported."""

    def __init__(self, ctx: AppContext, path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.path = Path(path)
        self.preview: LeavePreview | None = None
        self.lines: list[PreviewLine] = []
        self.events: list[Any] = []
        self.skipped: list[str] = []
        self.read_window: tuple[datetime, datetime] | None = None
        self.error_text = ""
        self.setWindowTitle(f"Import leave from {self.path.name}")
        from oncall.db import queries

        with ctx.sessions.begin() as s:
            self.engineers: list[Engineer] = queries.list_engineers(s)
            self.team_names = {t.id: t.name for t in queries.list_teams(s)}

        self.person_box = QComboBox()
        self.person_box.setAccessibleName("Whose leave")
        self.person_box.addItem("Match by email (attendee or organiser)", MATCH_BY_EMAIL)
        for engineer in self.engineers:
            self.person_box.addItem(f"{engineer.name} (@{engineer.handle})", engineer.id)
        self.person_box.currentIndexChanged.connect(lambda *_: self.rebuild())
        form = QFormLayout()
        form.addRow("&Whose leave", self.person_box)

        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet(_ERROR_STYLE)
        self.error.setVisible(False)
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.totals = QLabel()
        self.totals.setWordWrap(True)
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels(
            ["When (their time)", "Who", "Summary", "Import", "Shifts it meets"]
        )
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(True)
        self.table.verticalHeader().setVisible(False)
        self.table.setAccessibleName("Leave to import")
        header = self.table.horizontalHeader()
        for column in range(4):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.skipped_label = MutedLabel("")
        self.skipped_label.setWordWrap(True)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.import_button = QPushButton("&Import")
        self.import_button.setDefault(True)
        self.buttons.addButton(self.import_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.import_button.clicked.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        column = QVBoxLayout(self)
        column.addLayout(form)
        column.addWidget(self.error)
        column.addWidget(self.totals)
        column.addWidget(self.table, 1)
        column.addWidget(self.skipped_label)
        column.addWidget(self.buttons)
        unit = self.fontMetrics().height()
        self.resize(unit * 62, unit * 26)
        self._read()
        self.rebuild()

    def _read(self) -> None:
        from oncall.exchange.ical_leave import LeaveFileError, leave_window, read_leave_ics

        window = leave_window(self.ctx.clock(), self.ctx.settings.calendar_days_back)
        try:
            data = self.path.read_bytes()
            self.events, skipped = read_leave_ics(
                data, source=str(self.path), start=window[0], end=window[1]
            )
        except LeaveFileError as error:
            self.error_text = f"{error} Nothing was imported."
            return
        except OSError as error:
            self.error_text = (
                f"{self.path}: cannot be read: {error.strerror}. Nothing was imported."
            )
            return
        self.skipped = list(skipped)
        self.read_window = window

    def engineer_id(self) -> int | None:
        """The engineer chosen, or None to match each event by email."""
        chosen = self.person_box.currentData()
        return None if chosen in (None, MATCH_BY_EMAIL) else int(chosen)

    def rebuild(self) -> None:
        """Preview again (for the engineer chosen) and fill the table."""
        from oncall.db import queries
        from oncall.exchange.ical_leave import leave_source, preview_leave_import

        self.error.setText(self.error_text)
        self.error.setVisible(bool(self.error_text))
        if self.error_text:
            self.preview, self.lines = None, []
            self.table.setRowCount(0)
            self.totals.setText("")
            self.import_button.setEnabled(False)
            return
        wanted = self.engineer_id()
        with self.ctx.sessions.begin() as s:
            engineer = queries.get_engineer(s, wanted) if wanted is not None else None
            preview = preview_leave_import(
                s, self.events, source=leave_source(self.path), engineer=engineer,
                skipped=self.skipped, window=self.read_window,
            )  # fmt: skip
            self.lines = [self._line(s, row) for row in preview.rows]
        self.preview = preview
        self._fill()
        changes = preview.changes
        self.import_button.setEnabled(changes > 0)
        clashes = sum(1 for line, row in zip(self.lines, preview.rows, strict=True)
                      if line.conflicts and row.action != "remove")  # fmt: skip
        words = [
            f"{preview.count('add')} new",
            f"{preview.count('update')} updated",
            f"{preview.count('unchanged')} unchanged",
        ]
        if preview.count("unmatched"):
            emails = ", ".join(preview.unmatched_emails) or "no email"
            words.append(f"{preview.count('unmatched')} not matched ({emails}): pick the person")
        text = ", ".join(words) + "."
        gone = [(line, row) for line, row in zip(self.lines, preview.rows, strict=True)
                if row.action == "remove"]  # fmt: skip
        if gone:
            listed = "; ".join(f"{line.who} {line.when}" for line, _ in gone)
            text += f" {len(gone)} removed: {listed} ({gone[0][1].reason})."
        if clashes:
            text += f" {clashes} meet shifts: find cover on the Team screen after importing."
        if not changes:
            text += " Nothing to import."
        self.totals.setText(text)
        self.skipped_label.setText(
            ("Skipped: " + "; ".join(preview.skipped) + ".") if preview.skipped else ""
        )
        self.skipped_label.setVisible(bool(preview.skipped))

    def _line(self, s: Any, row: Any) -> PreviewLine:
        from oncall.db import queries

        event = row.event
        who = row.engineer
        zone = who.zone if who is not None else "UTC"
        start, end = event.instants(zone)
        conflicts: tuple[str, ...] = ()
        if who is not None:
            shifts = queries.engineer_ledger(s, who.id, start, end)
            conflicts = tuple(self._shift_words(x, zone) for x in shifts)
        return PreviewLine(
            _range_words(start, end, zone, event.all_day),
            who.name if who is not None else ", ".join(event.emails) or "—",
            event.summary or event.uid,
            ACTION_WORDS[row.action] + (f" ({row.reason})" if row.reason else ""),
            () if row.action == "remove" else conflicts,
        )

    def _shift_words(self, shift: Shift, zone: str) -> str:
        team = self.team_names.get(shift.team_id, "")
        when = _range_words(shift.start, shift.end, zone, False)
        return f"{team} {role_word(shift.role).lower()} {when}".strip()

    def _fill(self) -> None:
        self.table.setRowCount(len(self.lines))
        for r, line in enumerate(self.lines):
            meets = "; ".join(line.conflicts) if line.conflicts else "No shifts"
            if line.action.startswith(ACTION_WORDS["remove"]):
                meets = "—"  # leave that goes meets nothing any more
            for c, text in enumerate((line.when, line.who, line.summary, line.action, meets)):
                item = QTableWidgetItem(text)
                if c == 4 and line.conflicts:
                    item.setToolTip("\n".join(line.conflicts))
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                self.table.setItem(r, c, item)
        self.table.resizeRowsToContents()


# ---------------------------------------------------------------------------------- window


class CalendarActions(QObject):
    """The calendar entries of the window's File menu, the leave import as one undo step,
    and the publisher that keeps published calendars fresh after edits."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        from oncall.ui.publish_settings import CalendarPublisher

        self.window = window
        self.publisher = CalendarPublisher(lambda: window.ctx, self)
        self.publisher.message.connect(lambda m: window.statusBar().showMessage(m, 15000))
        self.export_dialog: ExportDialog | None = None
        self.leave_dialog: LeaveImportDialog | None = None
        self.export_action = QAction("E&xport calendar…", window)
        self.export_action.triggered.connect(lambda: self.export())
        self.import_action = QAction("Import &leave from .ics…", window)
        self.import_action.triggered.connect(lambda: self.import_leave())
        self.publish_action = QAction("P&ublish calendars now", window)
        self.publish_action.triggered.connect(self.publish_now)

    def add_to(self, menu: QMenu, before: QAction | None = None) -> None:
        """Put the three actions into ``menu`` (before ``before``), then a separator."""
        separator = QAction(self)
        separator.setSeparator(True)
        for action in (self.export_action, self.import_action, self.publish_action, separator):
            if before is not None:
                menu.insertAction(before, action)
            else:
                menu.addAction(action)

    def _ready(self) -> bool:
        if not self.window.ready:
            self.window.statusBar().showMessage("Opening the database…", 3000)
            return False
        return True

    def export(self, engineer_id: int | None = None) -> ExportDialog | None:
        """Open the export dialog (for ``engineer_id``'s calendar, else the team's)."""
        if not self._ready():
            return None
        if self.export_dialog is not None:
            self.export_dialog.close()
        dialog = ExportDialog(self.window.ctx, self.window, engineer_id=engineer_id)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.destroyed.connect(lambda *_: setattr(self, "export_dialog", None))
        self.export_dialog = dialog
        dialog.open()
        return dialog

    def import_leave(self, path: str | Path | None = None) -> LeaveImportDialog | None:
        """Pick an ``.ics`` file (unless given) and open its preview; import on confirm."""
        if not self._ready():
            return None
        if path is None:
            chosen, _ = QFileDialog.getOpenFileName(
                self.window, "Import leave from", "", "iCalendar files (*.ics);;All files (*)"
            )
            if not chosen:
                return None
            path = chosen
        dialog = LeaveImportDialog(self.window.ctx, Path(path), self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.save_leave(dialog.preview))
        dialog.destroyed.connect(lambda *_: setattr(self, "leave_dialog", None))
        self.leave_dialog = dialog
        dialog.open()
        return dialog

    def save_leave(self, preview: LeavePreview | None) -> None:
        """Save the previewed leave as one undoable step: undo deletes the rows it added (by
        id), puts updated rows back as they were and brings removed leave back. A save the
        database refuses says why in the status bar and leaves the undo history alone."""
        if preview is None or not preview.changes:
            return
        refused = push_leave_import(self.window.ctx, self.window.undo_stack, preview, self._after)
        if refused:
            self.window.statusBar().showMessage(f"Leave not imported: {refused}", 10000)

    def _after(self, message: str) -> None:
        self.window.refresh_all()
        self.window.statusBar().showMessage(message, 10000)
        self.publisher.schedule()

    def publish_now(self) -> None:
        """Publish every calendar to the configured targets now."""
        from oncall.ui.publish_settings import has_target

        if not self._ready():
            return
        if not has_target(self.window.ctx.settings):
            self.window.statusBar().showMessage(
                "No calendar target yet: choose a folder or a CalDAV server in Settings → "
                "Calendar.",
                8000,
            )
            return
        self.window.statusBar().showMessage("Publishing calendars…")
        self.publisher.publish_now()


def push_leave_import(
    ctx: AppContext, undo: QUndoStack, preview: LeavePreview, after: Any = None
) -> str | None:
    """Push the import of ``preview`` onto ``undo`` (which saves it, through ``push_edit``);
    returns the refusal's message when the database said no (nothing then reaches the undo
    history). ``after(message)`` runs after each do and undo. Undo deletes the added leave
    rows (their ids are kept from the save; the link to the ``.ics`` event goes with them),
    restores updated rows and puts removed leave back, still linked to its event, so a redo
    removes it again. Every do and undo re-materialises the teams of the people touched."""
    from oncall.db import calendar, commands, queries

    horizon = timedelta(days=ctx.settings.horizon_days)
    added: list[int] = []
    before: list[Any] = []  # the updated and removed rows as they were (ImportedLeave)
    with ctx.sessions.begin() as s:
        for row in preview.rows:
            if row.action in ("update", "remove") and row.engineer is not None:
                old = calendar.find_imported_leave(
                    s, row.engineer.id, row.event.uid, row.event.recurrence_id
                )
                if old is not None:
                    before.append(old)
    message: list[str] = []

    def writable() -> None:
        if ctx.read_only_reason is not None:
            raise ReadOnlyDatabase(ctx.read_only_reason)

    def do() -> None:
        from oncall.exchange.ical_leave import apply_leave_import

        writable()
        with ctx.sessions.begin() as s:
            saved = apply_leave_import(s, preview, ctx.clock(), horizon=horizon)
        added[:] = [r.leave_id for r in saved.rows if r.action == "add" and r.leave_id]
        message[:] = [f"Imported leave from {preview.source}: {_counts(preview)}."]

    def revert() -> None:
        writable()
        now = ctx.clock()
        with ctx.sessions.begin() as s:
            for leave_id in added:
                commands.delete_leave(s, leave_id)
            for old in before:
                calendar.save_imported_leave(
                    s, old.leave, old.uid, old.recurrence_id,
                    summary=old.summary, source=preview.source, now=now,
                )  # fmt: skip
            teams = {t.id for e in preview.engineer_ids() for t in queries.engineer_teams(s, e)}
            for team_id in sorted(teams):
                commands.materialise(s, team_id, now, horizon)
        added.clear()
        message[:] = [f"Undid the leave import from {preview.source}."]

    def done() -> None:
        if after is not None and message:
            after(message[0])

    return push_edit(undo, f"Import leave from {preview.source}", do, revert, done)


def _counts(preview: LeavePreview) -> str:
    words = f"{preview.count('add')} new, {preview.count('update')} updated"
    if preview.count("remove"):
        words += f", {preview.count('remove')} removed"
    return words
