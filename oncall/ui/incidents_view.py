"""Incidents: every incident (open first), and the timeline of the one selected.

Each timeline row shows its local time; a backfilled entry ("impact began at 01:40", written
later) is marked with when it was written. An open incident can be resumed in the runner or
given a backfilled entry; a closed one can have its postmortem draft written.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDateTime, Qt, QTimeZone, Signal
from PySide6.QtGui import QFont, QUndoStack
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from oncall.app import AppContext
from oncall.db import incidents, outbox
from oncall.domain.incident import Event, EventKind, Incident, Marker, backfilled
from oncall.domain.postmortem import draft, duration_text
from oncall.exchange.postmortem import write_postmortem
from oncall.ui.widgets import EmptyState, MutedLabel, scaled_font
from oncall.ui.zones import viewer_zone

#: Words for the timeline's event kinds.
KIND_WORDS = {
    EventKind.OPENED: "Opened",
    EventKind.STEP_SHOWN: "Step",
    EventKind.ANSWER: "Answer",
    EventKind.SKIPPED: "Skipped",
    EventKind.BACK: "Back",
    EventKind.NOTE: "Note",
    EventKind.STATUS_UPDATE: "Status update",
    EventKind.HELP_CALL: "Help call",
    EventKind.SEVERITY: "Severity",
    EventKind.FIELD: "Field",
    EventKind.MARKER: "Marker",
    EventKind.CLOSED: "Closed",
}


def event_row(e: Event, zone: str) -> tuple[str, str, str]:
    """``(time, kind, text)`` of a timeline row; a backfilled entry says when it was written."""
    local = e.at.astimezone(ZoneInfo(zone))
    text = e.text or e.kind.value
    kind = KIND_WORDS.get(e.kind, e.kind.value)
    if e.kind is EventKind.NOTE and e.data.get("follow_up"):
        kind = "Follow-up"
    if e.backfilled:
        written = e.recorded_at.astimezone(ZoneInfo(zone))
        text += f"  (backfilled, written {written:%d %b %H:%M})"
    return f"{local:%d %b %H:%M}", kind, text


class BackfillDialog(QDialog):
    """Asks what happened and when (an entry written now about an earlier time)."""

    def __init__(self, zone: str, now: datetime, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Add a backfilled entry"))
        self.zone = zone
        self.what = QLineEdit()
        self.what.setPlaceholderText(self.tr("What happened, e.g. the first errors in the logs"))
        self.when = QDateTimeEdit()
        self.when.setTimeZone(QTimeZone(zone.encode()))
        self.when.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.when.setDateTime(
            QDateTime.fromSecsSinceEpoch(int(now.timestamp()), self.when.timeZone())
        )
        self.impact = QCheckBox(self.tr("This is when the impact began"))
        form = QFormLayout(self)
        form.addRow(self.tr("What happened"), self.what)
        form.addRow(self.tr("When ({zone})").format(zone=zone), self.when)
        form.addRow("", self.impact)
        form.addRow("", MutedLabel(self.tr("It is marked as backfilled in the timeline.")))
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def instant(self) -> datetime:
        """The chosen time, aware (UTC)."""
        seconds = self.when.dateTime().toSecsSinceEpoch()
        return datetime.fromtimestamp(seconds, ZoneInfo("UTC"))


class IncidentsView(QWidget):
    """The Incidents screen.

    Signals:
        changed(): a backfilled entry was added.
        resume_requested(int): the user wants to resume this open incident in the runner.
    """

    changed = Signal()
    resume_requested = Signal(int)

    def __init__(self, ctx: AppContext, undo: QUndoStack, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.undo = undo  # timeline entries are append-only: nothing here is undone
        self.incidents: list[Incident] = []
        self.events: list[Event] = []
        self.people: dict[int, str] = {}
        unit = self.fontMetrics().height()

        title = QLabel(self.tr("Incidents"))
        title.setFont(scaled_font(self, 2.0, bold=True))
        self.list = QTreeWidget()
        self.list.setHeaderLabels(["Status", "Started", "Duration", "Who", "Severity", "Checklist"])
        self.list.setRootIsDecorated(False)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.list.currentItemChanged.connect(lambda *_: self._show_selected())
        self.list.setAccessibleName(self.tr("Incidents"))

        self.heading = QLabel()
        self.heading.setFont(scaled_font(self, 1.25, bold=True))
        self.heading.setWordWrap(True)
        self.summary = MutedLabel()
        self.timeline = QTreeWidget()
        self.timeline.setHeaderLabels(["Time", "What", "Entry"])
        self.timeline.setRootIsDecorated(False)
        self.timeline.setWordWrap(True)
        self.timeline.header().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.timeline.header().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.timeline.setAccessibleName(self.tr("Timeline"))
        self.resume_button = QPushButton(self.tr("Resume"))
        self.resume_button.clicked.connect(self._resume)
        self.backfill_button = QPushButton(self.tr("Add a backfilled entry…"))
        self.backfill_button.clicked.connect(self.add_backfill)
        self.postmortem_button = QPushButton(self.tr("Write postmortem draft…"))
        self.postmortem_button.clicked.connect(self.write_postmortem)
        actions = QHBoxLayout()
        for b in (self.resume_button, self.backfill_button, self.postmortem_button):
            actions.addWidget(b)
        actions.addStretch(1)

        detail = QWidget()
        right = QVBoxLayout(detail)
        right.setContentsMargins(unit, 0, 0, 0)
        right.addWidget(self.heading)
        right.addWidget(self.summary)
        right.addLayout(actions)
        right.addWidget(self.timeline, 1)
        split = QSplitter()
        split.addWidget(self.list)
        split.addWidget(detail)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 1)
        split.setSizes([unit * 36, unit * 44])  # the list wide enough for all its columns
        for tree in (self.list, self.timeline):  # rows with room to breathe
            tree.setStyleSheet(f"QTreeWidget::item {{ padding: {max(2, unit // 5)}px; }}")

        self.empty = EmptyState(
            "gap",
            self.tr("No incidents yet"),
            self.tr(
                "When you are paged, press “I've been paged” on the Now screen; the "
                "incident and its timeline show up here."
            ),
        )
        self.content = QWidget()
        column = QVBoxLayout(self.content)
        column.setContentsMargins(unit * 2, round(unit * 1.5), unit * 2, unit)
        column.addWidget(title)
        column.addWidget(split, 1)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.content)
        outer.addWidget(self.empty)
        self.refresh()

    @property
    def zone(self) -> str:
        """The viewer's zone (times are shown in it)."""
        return viewer_zone(self.ctx)

    def refresh(self) -> None:
        """Re-read the incidents (open first, newest first) and keep the selection."""
        keep = self.selected.id if self.selected is not None else None
        found = incidents.list_incidents(self.ctx.sessions)
        self.incidents = sorted(found, key=lambda i: not i.is_open)  # stable: newest first
        with self.ctx.reader() as reader:
            self.people = {e.id: e.name for e in reader.engineers()}
        now = self.ctx.clock()
        self.list.blockSignals(True)
        self.list.clear()
        for incident in self.incidents:
            end = incident.closed_at or now
            sev = incident.severity.value if incident.severity else "not set"
            who = self.people.get(incident.engineer_id or -1, "—")
            item = QTreeWidgetItem(
                [
                    "Open" if incident.is_open else "Closed",
                    f"{incident.opened_at.astimezone(ZoneInfo(self.zone)):%a %d %b %H:%M}",
                    duration_text(
                        timedelta(minutes=int((end - incident.opened_at).total_seconds() // 60))
                    ),
                    who,
                    sev,
                    incident.checklist_id,
                ]
            )
            item.setData(0, Qt.ItemDataRole.UserRole, incident.id)
            if incident.is_open:
                font = QFont(item.font(0))
                font.setBold(True)
                item.setFont(0, font)
            self.list.addTopLevelItem(item)
        self.list.blockSignals(False)
        self.empty.setVisible(not self.incidents)
        self.content.setVisible(bool(self.incidents))
        index = next((i for i, x in enumerate(self.incidents) if x.id == keep), 0)
        if self.incidents:
            self.list.setCurrentItem(self.list.topLevelItem(index))
        self._show_selected()

    @property
    def selected(self) -> Incident | None:
        """The incident selected in the list."""
        item = self.list.currentItem() if hasattr(self, "list") else None
        if item is None:
            return None
        wanted = item.data(0, Qt.ItemDataRole.UserRole)
        return next((i for i in getattr(self, "incidents", []) if i.id == wanted), None)

    def select(self, incident_id: int) -> None:
        """Select an incident by id."""
        for row in range(self.list.topLevelItemCount()):
            item = self.list.topLevelItem(row)
            if item.data(0, Qt.ItemDataRole.UserRole) == incident_id:
                self.list.setCurrentItem(item)
                return

    def timeline_rows(self) -> list[tuple[str, str, str]]:
        """The timeline as shown: (time, what, entry) per row."""
        return [
            tuple(self.timeline.topLevelItem(r).text(c) for c in range(3))  # type: ignore[misc]
            for r in range(self.timeline.topLevelItemCount())
        ]

    def _show_selected(self) -> None:
        incident = self.selected
        self.timeline.clear()
        self.resume_button.setEnabled(incident is not None and incident.is_open)
        self.backfill_button.setEnabled(incident is not None and incident.is_open)
        self.backfill_button.setToolTip(
            ""
            if incident is None or incident.is_open
            else self.tr("The timeline of a closed incident is final.")
        )
        self.postmortem_button.setEnabled(incident is not None and not incident.is_open)
        if incident is None:
            self.heading.setText("")
            self.summary.setText("")
            self.events = []
            return
        # entries still in the local outbox (the team server was away) show too, marked
        box = outbox.outbox_for(self.ctx.paths.state)
        self.heading.setText(f"{incident.summary or incident.title} (incident {incident.id})")
        try:
            self.events = outbox.timeline(self.ctx.sessions, box, incident.id)
        except Exception as exc:  # another incident chosen while the team server is away
            from oncall.ui.connection import report_lost

            if not report_lost(exc):
                raise
            self.events = []
            self.backfill_button.setEnabled(False)
            away = "This timeline can't be read while the team server is away; it shows again "
            self.summary.setText(self.tr(away + "when the server is back."))
            return
        outcome = incident.outcome.value if incident.outcome else "still open"
        who = self.people.get(incident.engineer_id or -1, "nobody recorded")
        self.summary.setText(f"Responder: {who} · outcome: {outcome} · times in {self.zone}")
        self._fill_timeline()

    def _fill_timeline(self) -> None:
        for e in sorted(self.events, key=lambda x: (x.at, x.recorded_at)):
            when, what, entry = event_row(e, self.zone)
            if outbox.is_pending(e):
                entry += " — saved on this computer, waiting for the team server"
            row = QTreeWidgetItem([when, what, entry])
            if e.backfilled:
                font = QFont(row.font(2))
                font.setItalic(True)
                row.setFont(2, font)
            self.timeline.addTopLevelItem(row)

    def _resume(self) -> None:
        incident = self.selected
        if incident is not None and incident.is_open:
            self.resume_requested.emit(incident.id)

    def add_backfill(self) -> Event | None:
        """Ask for a backfilled entry and append it to the selected (open) incident."""
        incident = self.selected
        if incident is None or not incident.is_open:
            return None
        dialog = BackfillDialog(self.zone, self.ctx.clock(), self)
        if dialog.exec() != QDialog.DialogCode.Accepted or not dialog.what.text().strip():
            return None
        return self.backfill(
            dialog.what.text().strip(), dialog.instant(), dialog.impact.isChecked()
        )

    def backfill(self, text: str, when: datetime, impact_began: bool = False) -> Event:
        """Append a backfilled entry ``text`` about ``when`` to the selected incident."""
        incident = self.selected
        assert incident is not None
        now = self.ctx.clock()
        if impact_began:
            e = backfilled(EventKind.MARKER, when, now, text, marker=Marker.IMPACT_BEGAN.value)
        else:
            e = backfilled(EventKind.NOTE, when, now, text, follow_up=False)
        # Through the outbox, as the runner writes: typed while the team server is away, the
        # entry waits on this computer (marked) and is delivered once, in order, when it's back.
        box = outbox.outbox_for(self.ctx.paths.state)
        stored = outbox.write_events(self.ctx.sessions, box, incident.id, [e])[0]
        if outbox.is_pending(stored):
            from oncall.ui.connection import status

            self.events.append(stored)  # the server can't be re-read: add it to what is shown
            self.timeline.clear()
            self._fill_timeline()
            status().lost.emit()  # the banner says why it waits
            return stored
        self._show_selected()
        self.changed.emit()
        return stored

    def postmortem_text(self) -> str:
        """The selected incident's postmortem draft (Markdown)."""
        incident = self.selected
        assert incident is not None
        with self.ctx.reader() as reader:
            people = {e.id: e for e in reader.engineers()}
        return draft(incident, self.events, zone=self.zone, people=people)

    def write_postmortem(self) -> None:
        """Show the draft read-only; save it atomically where the user picks."""
        incident = self.selected
        if incident is None or incident.is_open:
            return
        text = self.postmortem_text()
        dialog = QDialog(self)
        dialog.setWindowTitle(self.tr("Postmortem draft"))
        preview = QPlainTextEdit(text)
        preview.setReadOnly(True)
        unit = self.fontMetrics().height()
        dialog.resize(unit * 48, unit * 34)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        save = buttons.addButton(self.tr("Save…"), QDialogButtonBox.ButtonRole.ActionRole)
        note = MutedLabel("")

        def do_save() -> None:
            path, _ = QFileDialog.getSaveFileName(
                dialog,
                self.tr("Save postmortem draft"),
                f"postmortem-incident-{incident.id}.md",
                "Markdown (*.md);;All files (*)",
            )
            if path:
                try:
                    note.setText(f"Saved to {write_postmortem(path, text)}.")
                except OSError as exc:
                    note.setText(f"Could not save there: {exc}")

        save.clicked.connect(do_save)
        buttons.rejected.connect(dialog.reject)
        layout = QVBoxLayout(dialog)
        layout.addWidget(preview)
        layout.addWidget(note)
        layout.addWidget(buttons)
        dialog.open()
