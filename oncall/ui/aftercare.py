"""After-care: the runner's last screen (reference/triage.md 5.3 rule 10).

Before closing: what is left (open follow-ups), who was told (status updates, help calls,
the hand-off), and a kind rest suggestion with the time worked during the night. Closing
(``oncall.db.incidents.close_incident``) logs the engaged time against the engineer. After
closing: the blameless postmortem draft (``oncall.domain.postmortem``) in a read-only
preview, saved atomically to a file the user picks (``oncall.exchange.postmortem``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QPlainTextEdit,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from oncall.app import AppContext
from oncall.domain.bands import split_by_band
from oncall.domain.incident import Event, EventKind, Incident, engaged_intervals, follow_ups
from oncall.domain.postmortem import draft, duration_text
from oncall.exchange.postmortem import write_postmortem
from oncall.ui.runner import IncidentRun, button, label, step_font
from oncall.ui.widgets import scaled_font
from oncall.ui.zones import viewer_zone


def worked(
    incident: Incident, events: Sequence[Event], now: datetime, zone: str
) -> tuple[timedelta, timedelta]:
    """``(engaged, at night)``: the time worked on the incident and the part of it inside
    the sleep window of ``zone`` (22:00-08:00 by default, oncall.domain.bands)."""
    spans = engaged_intervals(incident, events, now=now)
    total = sum((b - a for a, b in spans), timedelta())
    night_hours = sum(split_by_band(a, b, zone).sleep for a, b in spans)
    night = timedelta(minutes=round(night_hours * 60))
    return timedelta(minutes=round(total.total_seconds() / 60)), night


def rest_text(engaged: timedelta, night: timedelta) -> str:
    """A calm, kind rest suggestion from the time worked."""
    if night >= timedelta(minutes=1):
        return (
            f"You worked {duration_text(night)} during the night. Consider starting later "
            "tomorrow; tell your lead."
        )
    if engaged >= timedelta(minutes=1):
        return (
            f"You worked {duration_text(engaged)} on this. Take a proper break before the "
            "next thing."
        )
    return "Take a moment before the next thing."


class AfterCare(QWidget):
    """The after-care page of one incident's run.

    Signals:
        back_requested(): back to the checklist (before closing).
        closed(): the incident was closed (engaged time logged).
        done(): the user is finished; the app's screens can come back.
        saved(str): the postmortem draft was written to this path.
    """

    back_requested = Signal()
    closed = Signal()
    done = Signal()
    saved = Signal(str)

    def __init__(self, ctx: AppContext, run: IncidentRun, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.run = run
        self.setObjectName("page")
        self.markdown = ""
        self.preview: QPlainTextEdit | None = None
        self.saved_label = label("", muted=True)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.scroll)

    @property
    def is_closed(self) -> bool:
        """Whether the incident has been closed."""
        return not self.run.incident.is_open

    def zone(self) -> str:
        """The engineer's zone (their night), else the viewer's."""
        engineer_id = self.run.incident.engineer_id
        if engineer_id is not None:
            with self.ctx.reader() as reader:
                person = next((e for e in reader.engineers() if e.id == engineer_id), None)
            if person is not None and person.zone:
                return person.zone
        return viewer_zone(self.ctx)

    def refresh(self) -> None:
        """Redraw from the stored timeline."""
        events = self.run.events()
        now = self.run.now()
        u = self.fontMetrics().height()
        page = QWidget()
        page.setObjectName("page")
        column = QVBoxLayout()
        column.setContentsMargins(u * 2, u * 2, u * 2, u * 2)
        column.setSpacing(round(u * 0.8))
        heading = label("The incident is closed." if self.is_closed else "Nearly done. Thank you.")
        heading.setFont(step_font(self))
        column.addWidget(heading)

        engaged, night = worked(self.run.incident, events, now, self.zone())
        self.rest = rest_text(engaged, night)
        rest = label(self.rest)
        rest.setObjectName("rest")
        rest.setFont(step_font(self, 1.2, bold=False))
        column.addWidget(rest)

        column.addWidget(self._section("What is left", self._left(events)))
        column.addWidget(self._section("Who was told", self._told(events)))
        if self.is_closed:
            column.addWidget(
                label(
                    f"Your time on this ({duration_text(engaged)}) is logged in your hours "
                    "and nights.",
                    muted=True,
                )
            )
            column.addLayout(self._postmortem(events))
        column.addLayout(self._buttons())
        column.addStretch(1)
        holder = QWidget()
        holder.setObjectName("page")
        holder.setLayout(column)
        holder.setMaximumWidth(u * 50)
        row = QHBoxLayout(page)
        row.setContentsMargins(0, 0, 0, 0)
        row.addStretch(1)
        row.addWidget(holder, 6)
        row.addStretch(1)
        self.scroll.setWidget(page)

    def texts(self) -> list[str]:
        """The words on show (tests)."""
        from PySide6.QtWidgets import QLabel

        return [w.text() for w in self.findChildren(QLabel) if w.text()]

    def _section(self, title: str, lines: list[str]) -> QWidget:
        u = self.fontMetrics().height()
        box = QFrame()
        box.setObjectName("box")
        inner = QVBoxLayout(box)
        inner.setContentsMargins(u, round(u * 0.6), u, round(u * 0.6))
        inner.setSpacing(round(u * 0.3))
        head = label(title)
        head.setFont(scaled_font(self, 1.15, bold=True))
        inner.addWidget(head)
        for line in lines:
            inner.addWidget(label(line))
        return box

    def _left(self, events: Sequence[Event]) -> list[str]:
        items = []
        for e in follow_ups(events):
            text = e.text if e.kind is EventKind.NOTE else str(e.data.get("value", e.text))
            items.append(f"• {text}")
        return items or ["Nothing left open. If something comes to mind, add a note."]

    def _told(self, events: Sequence[Event]) -> list[str]:
        lines = []
        updates = [e for e in events if e.kind is EventKind.STATUS_UPDATE]
        if updates:
            lines.append(f"• {len(updates)} status update{'s' if len(updates) != 1 else ''} posted")
        lines.extend(f"• {e.text}" for e in events if e.kind is EventKind.HELP_CALL)
        handoff = self.run.runner.state.fields.get("handoff")
        if handoff:
            lines.append(f"• Hand-off: {handoff}")
        return lines or ["Nobody yet. A short message to the team channel helps the day shift."]

    def _postmortem(self, events: Sequence[Event]) -> QVBoxLayout:
        with self.ctx.reader() as reader:
            people = {e.id: e for e in reader.engineers()}
        self.markdown = draft(
            self.run.incident,
            events,
            zone=viewer_zone(self.ctx),
            people=people,
            checklist_title=self.run.runner.checklist.title,
        )
        column = QVBoxLayout()
        head = label("Postmortem draft (blameless; finish it in daylight)")
        head.setFont(scaled_font(self, 1.15, bold=True))
        column.addWidget(head)
        self.preview = QPlainTextEdit(self.markdown)
        self.preview.setReadOnly(True)
        self.preview.setObjectName("postmortem")
        font = QFont("monospace")
        font.setStyleHint(QFont.StyleHint.Monospace)
        self.preview.setFont(font)
        self.preview.setMinimumHeight(self.fontMetrics().height() * 14)
        self.preview.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        column.addWidget(self.preview)
        column.addWidget(self.saved_label)
        return column

    def _buttons(self) -> QHBoxLayout:
        row = QHBoxLayout()
        if self.is_closed:
            save = button("Save postmortem draft… (Enter)", primary=True, tall=True)
            save.clicked.connect(self.save_postmortem)
            finish = button("Done — back to the app (Esc)", tall=True)
            finish.clicked.connect(self.done)
            row.addWidget(save)
            row.addWidget(finish)
        else:
            close = button("Close the incident (Enter)", primary=True, tall=True)
            close.clicked.connect(self.close_incident)
            back = button("← Back to the checklist (Esc)", flat=True)
            back.clicked.connect(self.back_requested)
            row.addWidget(close)
            row.addWidget(back)
        for i in range(row.count()):
            widget = row.itemAt(i).widget()
            if widget is not None:
                widget.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        row.addStretch(1)
        return row

    def main_action(self) -> None:
        """Enter: close the incident, then save the draft."""
        if self.is_closed:
            self.save_postmortem()
        else:
            self.close_incident()

    def escape(self) -> None:
        """Esc: back to the checklist before closing; done after."""
        if self.is_closed:
            self.done.emit()
        else:
            self.back_requested.emit()

    def close_incident(self) -> None:
        """Close the incident (the engaged time is logged) and show the postmortem draft."""
        if self.is_closed:
            return
        self.run.close()
        self.refresh()
        self.closed.emit()  # the runner's header stops reminding (RunnerView.tick)

    def choose_path(self) -> str:
        """Ask where to save the draft (a file dialog); "" when cancelled."""
        opened = self.run.incident.opened_at.astimezone(ZoneInfo(viewer_zone(self.ctx)))
        suggested = str(
            Path.home() / f"postmortem-incident-{self.run.incident.id}-{opened:%Y-%m-%d}.md"
        )
        path, _ = QFileDialog.getSaveFileName(
            self, "Save postmortem draft", suggested, "Markdown (*.md);;All files (*)"
        )
        return path

    def save_postmortem(self) -> Path | None:
        """Write the draft to a file the user picks, atomically."""
        if not self.markdown:
            return None
        chosen = self.choose_path()
        if not chosen:
            return None
        try:
            path = write_postmortem(chosen, self.markdown)
        except OSError as exc:
            self.saved_label.setText(f"Could not save there: {exc}. Try another folder.")
            return None
        self.saved_label.setText(f"Saved to {path}.")
        self.saved.emit(str(path))
        return path
