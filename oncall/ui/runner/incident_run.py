"""An incident's run: the domain :class:`~oncall.domain.runner.Runner` of one incident, and
every event it makes written to the database the moment it happens
(``oncall.db.incidents.append_events``, one commit per event): a crash loses nothing shown.
While the team server can't be reached, events wait in the local outbox (``oncall.db.outbox``)
and reach the server, in order, when it is back: nothing typed during an incident is lost.

Also the words the runner's header shows (:func:`status_reminder`, :func:`elapsed_text`) and
how a run starts (:func:`start_run`) or resumes (:func:`open_run`). No widgets here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from PySide6.QtCore import QObject, Signal

from oncall.app import AppContext
from oncall.db import incidents, outbox
from oncall.domain.incident import Event, EventKind, Incident, Marker, Outcome
from oncall.domain.model import Severity
from oncall.domain.postmortem import duration_text
from oncall.domain.triage import Checklist, Runner
from oncall.exchange.checklists import Library, load_library

#: The first status update is due this long after the incident opened (triage.md 8: "post
#: within about five minutes"; ten keeps it a reminder, not a race).
FIRST_UPDATE = timedelta(minutes=10)


def load_checklists(ctx: AppContext) -> Library:
    """The checklists the runner offers: shipped, plus the team folder from settings, each
    team checklist held to rule 17 against its last imported copy (kept in the database,
    unless changes are off)."""
    folder = ctx.settings.checklist_dir
    team_dir = Path(folder).expanduser() if folder else None
    now = ctx.clock()
    return load_library(team_dir, today=now.date(), sessions=ctx.sessions, now=now,
                        record=ctx.read_only_reason is None)  # fmt: skip


def me_handle(ctx: AppContext) -> str:
    """The handle of "who am I" (settings), recorded as each event's actor; "" if unknown."""
    me = ctx.settings.me_engineer_id
    if me is None:
        return ""
    from oncall.db.watch import is_connection_lost

    try:
        with ctx.reader() as reader:
            found = next((e for e in reader.engineers() if e.id == me), None)
    except Exception as exc:
        if not is_connection_lost(exc):
            raise
        return ""  # the team server is away: the events say "the app" rather than wait
    return found.handle if found else ""


@dataclass(frozen=True)
class Reminder:
    """The header's status-update chip: its words, and whether an update is due now."""

    text: str
    due: bool
    due_at: datetime


def status_reminder(runner: Runner, now: datetime, zone: str) -> Reminder:
    """When the next status update is due: ``status_every`` after the last one, or
    :data:`FIRST_UPDATE` after the start before the first. Words, never a countdown."""
    started = runner.state.started_at or now
    due_at = runner.status_due or started + FIRST_UPDATE
    local = due_at.astimezone(ZoneInfo(zone)).strftime("%H:%M")
    if now >= due_at:
        return Reminder(f"Status update due (since {local})", True, due_at)
    first = runner.status_due is None
    return Reminder(f"{'First' if first else 'Next'} status update by {local}", False, due_at)


def elapsed_minutes(runner: Runner, at: datetime) -> int:
    """Whole minutes from the incident's start to ``at`` (the header never shows seconds)."""
    return int(runner.elapsed(at).total_seconds() // 60)


def elapsed_text(runner: Runner, now: datetime) -> str:
    """ "Working on it for 1 h 12 min": whole minutes only (no ticking seconds)."""
    minutes = elapsed_minutes(runner, now)
    if minutes < 1:
        return "Started just now"
    return f"Working on it for {duration_text(timedelta(minutes=minutes))}"


def closed_text(runner: Runner, closed_at: datetime) -> str:
    """ "Closed after 1 h 12 min": the header once the incident is closed."""
    return f"Closed after {duration_text(timedelta(minutes=elapsed_minutes(runner, closed_at)))}"


class IncidentRun(QObject):
    """One incident's runner and its persistence: every action stores its events at once.

    Signals:
        recorded(list): events just stored (the view redraws); an event with ``id`` 0 waits
            in the outbox (saved on this computer, not yet on the team server).
    """

    recorded = Signal(list)

    def __init__(
        self,
        ctx: AppContext,
        incident: Incident,
        runner: Runner,
        library: Library,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.incident = incident
        self.runner = runner
        self.library = library
        self.box = outbox.outbox_for(ctx.paths.state)

    def _follow(self) -> None:
        """An incident started while the server was away takes the server's id once its
        start has been delivered."""
        if self.incident.id < 0:
            real = self.box.resolve(self.incident.id)
            if real != self.incident.id:
                self.incident = replace(self.incident, id=real)

    def _store(self, made: Sequence[Event]) -> list[Event]:
        stored = outbox.write_events(self.ctx.sessions, self.box, self.incident.id, made)
        self._follow()
        if any(outbox.is_pending(e) for e in stored):
            from oncall.ui.connection import status

            status().lost.emit()  # the banner shows now, not at the next poll
        if stored:
            self.recorded.emit(stored)
        return stored

    def waiting(self) -> int:
        """How many of this incident's entries wait on this computer for the team server."""
        self._follow()
        return self.box.waiting(self.ctx.sessions, self.incident.id)

    def now(self) -> datetime:
        """The app's clock (injected in tests)."""
        return self.ctx.clock()

    def answer(self, index: int, value: str = "") -> list[Event]:
        """Answer the current step with choice ``index`` (an input step's text in ``value``)."""
        return self._store(self.runner.answer(index, self.now(), value))

    def skip(self, reason: str = "") -> list[Event]:
        """Pass over the current step (recorded, never blocked)."""
        return self._store(self.runner.skip(self.now(), reason))

    def back(self) -> list[Event]:
        """One step back; the answer there can be changed."""
        return self._store(self.runner.back(self.now()))

    def note(self, text: str) -> list[Event]:
        """A timestamped quick note (``TODO:`` makes it a follow-up)."""
        if not text.strip():
            return []
        return self._store(self.runner.note(text, self.now()))

    def status_update(self, text: str, template: str = "") -> list[Event]:
        """A status message was posted (resets the reminder)."""
        return self._store(self.runner.status_update(text, self.now(), template=template))

    def call_for_help(
        self, name: str, role: str = "", engineer_id: int | None = None, contact: str = ""
    ) -> list[Event]:
        """Someone was called for help."""
        made = self.runner.call_for_help(
            self.now(), name=name, role=role, engineer_id=engineer_id, contact=contact
        )
        return self._store(made)

    def set_severity(self, severity: Severity) -> list[Event]:
        """Change the severity (old and new both kept)."""
        return self._store(self.runner.set_severity(severity, self.now()))

    def close(self) -> Incident:
        """Close the incident with the end step's outcome; logs the engaged time."""
        step = self.runner.step
        outcome = step.outcome if step is not None and step.outcome is not None else None
        at, outcome = self.now(), outcome or Outcome.RESOLVED
        closed = outbox.close_incident(
            self.ctx.sessions, self.box, self.incident.id, at, outcome, actor=self.runner.actor
        )
        self._follow()
        # None: the closing waits in the outbox; here it is closed already
        self.incident = closed or replace(self.incident, closed_at=at, outcome=outcome)
        if closed is None:
            self.recorded.emit([])
        return self.incident

    def events(self) -> list[Event]:
        """The incident's timeline: stored, then waiting in the outbox (``id`` 0). While the
        server can't be reached, the runner's own record of it."""
        from oncall.db.watch import is_connection_lost

        self._follow()
        try:
            return outbox.timeline(self.ctx.sessions, self.box, self.incident.id)
        except Exception as exc:
            if not is_connection_lost(exc):
                raise
            return list(self.runner.events)

    def status_template(self) -> str:
        """The status message to offer now: resolved, mitigated or initial, as the timeline
        says, filled from the incident's fields."""
        templates = self.runner.checklist.templates
        markers = {e.data.get("marker") for e in self.runner.events if e.kind is EventKind.MARKER}
        for key, wanted in (
            ("status_resolved", Marker.RESOLVED),
            ("status_mitigated", Marker.MITIGATED),
            ("status_initial", None),
        ):
            if key in templates and (wanted is None or wanted.value in markers):
                return self.runner.render(key, self.now())
        summary = self.runner.state.fields.get("summary", "a problem")
        return self.runner.render(
            f"We're working on {summary}. Next update by {{next_update}}.", self.now()
        )


def open_run(ctx: AppContext, incident_id: int, library: Library | None = None) -> IncidentRun:
    """The run of a stored incident, replayed from its timeline (same step, same answers)."""
    library = library or load_checklists(ctx)
    incident, runner = incidents.resume(
        ctx.sessions, incident_id, library.checklists, actor=me_handle(ctx)
    )
    return IncidentRun(ctx, incident, runner, library)


def start_run(ctx: AppContext, checklist: Checklist, library: Library) -> IncidentRun:
    """Open a new incident on ``checklist``, pre-filled with who is on call now (while the
    team server is away: kept on this computer, filled in when it is delivered)."""
    incident, runner = outbox.start_incident(
        ctx.sessions,
        outbox.outbox_for(ctx.paths.state),
        checklist,
        ctx.clock(),
        library=library.checklists,
        engineer_id=ctx.settings.me_engineer_id,
        actor=me_handle(ctx),
    )
    if incident.id < 0:  # kept on this computer: the banner says why, now
        from oncall.ui.connection import status

        status().lost.emit()
    return IncidentRun(ctx, incident, runner, library)
