"""Incidents in the database: start one, append to its timeline, resume it, close it.

Every function takes the session *factory* and runs its own transactions, because the
timeline's promise is crash safety: :func:`append_event` commits each event in its own
transaction the moment it happens (SQLite in WAL mode), so a process killed mid-incident
loses nothing already shown on screen. Reopening the app finds the open incident with
:func:`open_incident` and rebuilds the runner with :func:`resume` (a replay of the events).
The writes also come as ``*_in`` functions taking a session (:func:`start_incident_in`,
:func:`append_event_in`, :func:`close_incident_in`), which the per-event ones call, for a
writer that builds finished incidents inside a larger transaction (the demo).

Closing logs the engaged time as a page of the engineer (source ``incident``, source id the
incident id) through ``oncall.db.pages``, so it counts in their hours and nights.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from oncall.db import mapping, queries
from oncall.db.incident_models import IncidentEventRow, IncidentRow
from oncall.domain.incident import (
    Event,
    EventKind,
    Incident,
    Outcome,
    event,
    times,
)
from oncall.domain.model import Page, Role, Severity
from oncall.domain.triage import Checklist, Runner

#: ``Page.source`` of the pages that closing an incident logs.
PAGE_SOURCE = "incident"

Sessions = sessionmaker[Session]


# ---------------------------------------------------------------------------------- rows


def incident_of(row: IncidentRow) -> Incident:
    """An incident row as a domain incident."""
    return Incident(
        id=row.id,
        opened_at=row.opened_at,
        title=row.title,
        team_id=row.team_id,
        engineer_id=row.engineer_id,
        primary_id=row.primary_id,
        secondary_id=row.secondary_id,
        checklist_id=row.checklist_id,
        checklist_version=row.checklist_version,
        severity=Severity(row.severity) if row.severity else None,
        summary=row.summary,
        closed_at=row.closed_at,
        outcome=Outcome(row.outcome) if row.outcome else None,
    )


def event_of(row: IncidentEventRow) -> Event:
    """A timeline row as a domain event."""
    return Event(
        kind=EventKind(row.kind),
        at=row.at,
        recorded_at=row.recorded_at,
        text=row.text,
        data=json.loads(row.data or "{}"),
        actor=row.actor,
        backfilled=row.backfilled,
        private=row.private,
        id=row.id,
        incident_id=row.incident_id,
    )


def _event_row(incident_id: int, e: Event, client_key: str | None = None) -> IncidentEventRow:
    mapping.require_aware(e.at, "event time")
    mapping.require_aware(e.recorded_at, "event recorded time")
    return IncidentEventRow(
        incident_id=incident_id,
        kind=e.kind.value,
        at=e.at,
        recorded_at=e.recorded_at,
        actor=e.actor,
        text=e.text,
        data=json.dumps(dict(e.data), ensure_ascii=False, sort_keys=True, default=str),
        backfilled=e.backfilled,
        private=e.private,
        client_key=client_key,
    )


def _row(s: Session, incident_id: int) -> IncidentRow:
    row = s.get(IncidentRow, incident_id)
    if row is None:
        raise ValueError(f"no incident with id {incident_id}")
    return row


def _store(s: Session, incident_id: int, e: Event, client_key: str | None = None) -> Event:
    """Insert one event; keeps the incident's summary and severity columns current."""
    row = _event_row(incident_id, e, client_key)
    s.add(row)
    if e.kind is EventKind.SEVERITY or (
        e.kind is EventKind.FIELD and e.data.get("field") == "summary"
    ):
        incident = _row(s, incident_id)
        if e.kind is EventKind.SEVERITY:
            incident.severity = e.data.get("new")
        else:
            incident.summary = str(e.data.get("value", ""))
    s.flush()
    return event_of(row)


# ---------------------------------------------------------------------------------- on call


def on_call(
    s: Session, at: datetime, team_id: int | None = None
) -> tuple[int | None, int | None, int | None]:
    """``(team_id, primary_id, secondary_id)`` on call at ``at`` from the ledger: in
    ``team_id`` if given, else the first team (by name) with a primary on call then."""
    shifts = queries.on_call_at(s, at)
    teams = [team_id] if team_id is not None else [t.id for t in queries.list_teams(s)]
    for team in teams:
        held = {x.role: x.engineer_id for x in shifts if x.team_id == team}
        if team_id is not None or Role.PRIMARY in held:
            return team, held.get(Role.PRIMARY), held.get(Role.SECONDARY)
    return team_id, None, None


# ---------------------------------------------------------------------------------- writes


def start_incident(
    sessions: Sessions,
    checklist: Checklist,
    at: datetime,
    *,
    library: Mapping[str, Checklist] | None = None,
    team_id: int | None = None,
    engineer_id: int | None = None,
    severity: Severity | None = None,
    title: str = "",
    actor: str = "",
) -> tuple[Incident, Runner]:
    """Open an incident at ``at`` and start ``checklist`` on it, in one transaction.

    Pre-filled from the ledger at that instant: the team (``team_id``, else the first team
    with a primary on call), its primary and secondary; the engineer running it is
    ``engineer_id``, else that primary. Returns the stored incident and the runner, already
    on the checklist's first step (its events stored).
    """
    with sessions.begin() as s:
        return start_incident_in(
            s, checklist, at, library=library, team_id=team_id, engineer_id=engineer_id,
            severity=severity, title=title, actor=actor,
        )  # fmt: skip


def start_incident_in(
    s: Session,
    checklist: Checklist,
    at: datetime,
    *,
    library: Mapping[str, Checklist] | None = None,
    team_id: int | None = None,
    engineer_id: int | None = None,
    severity: Severity | None = None,
    title: str = "",
    actor: str = "",
) -> tuple[Incident, Runner]:
    """:func:`start_incident` in the caller's session (its transaction commits or not).

    For writers that build more than one thing at once (the demo); the app itself uses
    :func:`start_incident`."""
    mapping.require_aware(at, "incident start")
    row = add_incident_row(
        s, at, title=title.strip() or checklist.title, team_id=team_id,
        engineer_id=engineer_id, checklist_id=checklist.id,
        checklist_version=checklist.version, severity=severity.value if severity else None,
    )  # fmt: skip
    runner = Runner(checklist, library, actor=actor)
    started = runner.start(at, severity=severity)
    # The runner keeps the stored copies (with ids), as a replay would.
    runner.events[:] = [_store(s, row.id, e) for e in started]
    return incident_of(row), runner


def add_incident_row(
    s: Session,
    at: datetime,
    *,
    title: str,
    team_id: int | None,
    engineer_id: int | None,
    checklist_id: str,
    checklist_version: int,
    severity: str | None,
) -> IncidentRow:
    """Add an incident opened at ``at``, pre-filled from the ledger at that instant (see
    :func:`on_call`: the team, its primary and secondary; the engineer running it is
    ``engineer_id``, else that primary); flushed, so it has its id. For a live start
    (:func:`start_incident_in`) and one delivered later from the outbox alike."""
    team, primary, secondary = on_call(s, at, team_id)
    row = IncidentRow(
        title=title,
        team_id=team,
        engineer_id=engineer_id if engineer_id is not None else primary,
        primary_id=primary,
        secondary_id=secondary,
        checklist_id=checklist_id,
        checklist_version=checklist_version,
        severity=severity,
        opened_at=at,
    )
    s.add(row)
    s.flush()
    return row


def append_event(
    sessions: Sessions, incident_id: int, e: Event, client_key: str | None = None
) -> Event:
    """Write one timeline event and commit it at once (its own transaction); returns it as
    stored (with its id). The incident must be open, except for its own close event.
    ``client_key`` is the writer's unique id for the event (``oncall.db.outbox``)."""
    with sessions.begin() as s:
        return append_event_in(s, incident_id, e, client_key)


def append_event_in(s: Session, incident_id: int, e: Event, client_key: str | None = None) -> Event:
    """:func:`append_event` in the caller's session, committed with the rest of its
    transaction (so without the crash safety of one commit per event: not for a live run)."""
    row = _row(s, incident_id)
    if row.closed_at is not None:
        raise ValueError(f"incident {incident_id} is closed; its timeline is final")
    return _store(s, incident_id, e, client_key)


def append_events(sessions: Sessions, incident_id: int, events: Iterable[Event]) -> list[Event]:
    """:func:`append_event` for each, in order, each committed on its own."""
    return [append_event(sessions, incident_id, e) for e in events]


LogPage = Callable[[Session, Page, datetime], Page]


def close_incident(
    sessions: Sessions,
    incident_id: int,
    at: datetime,
    outcome: Outcome = Outcome.RESOLVED,
    *,
    actor: str = "",
    log_page: LogPage | None = None,
    client_key: str | None = None,
) -> Incident:
    """Close an incident: an ``incident-closed`` event (committed first, on its own), then
    the incident marked closed and its engaged time logged as a page of the engineer
    running it, in one transaction: triggered at the opening, acknowledged at the first
    action, resolved at ``at``. ``log_page`` replaces how the page is stored (tests);
    ``client_key`` is the close event's (see :func:`append_event`).
    """
    append_event(sessions, incident_id, closing_event(at, outcome, actor), client_key)
    return mark_closed(sessions, incident_id, at, outcome, log_page=log_page)


def mark_closed(
    sessions: Sessions,
    incident_id: int,
    at: datetime,
    outcome: Outcome = Outcome.RESOLVED,
    *,
    log_page: LogPage | None = None,
) -> Incident:
    """The second half of :func:`close_incident` (its close event already stored): mark the
    incident closed and log its engaged time, in one transaction. An incident already
    closed is left as it is (a retried delivery closes nothing twice)."""
    with sessions.begin() as s:
        row = _row(s, incident_id)
        if row.closed_at is not None:
            return incident_of(row)
        return _mark_closed(s, incident_id, at, outcome, log_page)


def close_incident_in(
    s: Session,
    incident_id: int,
    at: datetime,
    outcome: Outcome = Outcome.RESOLVED,
    *,
    actor: str = "",
    log_page: LogPage | None = None,
) -> Incident:
    """:func:`close_incident` in the caller's session: the close event, the incident marked
    closed and its engaged time logged, all in the caller's transaction."""
    append_event_in(s, incident_id, closing_event(at, outcome, actor))
    return _mark_closed(s, incident_id, at, outcome, log_page)


def closing_event(at: datetime, outcome: Outcome, actor: str = "") -> Event:
    """The ``incident-closed`` event that closing at ``at`` with ``outcome`` writes."""
    mapping.require_aware(at, "incident close")
    return event(EventKind.CLOSED, at, f"Incident closed: {outcome.value}", actor=actor,
                 outcome=outcome.value)  # fmt: skip


def _mark_closed(
    s: Session, incident_id: int, at: datetime, outcome: Outcome, log_page: LogPage | None
) -> Incident:
    """Mark the incident closed and log its engaged time as a page of its engineer."""
    row = _row(s, incident_id)
    row.closed_at = at
    row.outcome = outcome.value
    incident = incident_of(row)
    if row.engineer_id is not None:
        found = times(incident, _timeline(s, incident_id))
        page = Page(
            id=0,
            source=PAGE_SOURCE,
            source_id=str(incident_id),
            engineer_id=row.engineer_id,
            triggered_at=row.opened_at,
            acknowledged_at=found.acknowledged,
            resolved_at=at,
            incident_key=f"incident-{incident_id}",
            severity=incident.severity,
            title=row.summary or row.title,
        )
        stored = (log_page or engaged_page)(s, page, at)
        row.page_id = stored.id
    s.flush()
    return incident_of(row)


def engaged_page(s: Session, page: Page, now: datetime) -> Page:
    """Store the page an incident's close logs, keyed ``(incident, incident id)`` so a
    second close never logs it twice (through the paging-history storage)."""
    from oncall.db import pages

    stored, _ = pages.upsert_page(s, page, now=now)
    return stored


# ---------------------------------------------------------------------------------- reads


def _timeline(s: Session, incident_id: int) -> list[Event]:
    rows = s.scalars(
        select(IncidentEventRow)
        .where(IncidentEventRow.incident_id == incident_id)
        .order_by(IncidentEventRow.id)
    )
    return [event_of(r) for r in rows]


def timeline(sessions: Sessions, incident_id: int) -> list[Event]:
    """An incident's events in the order written (oldest first)."""
    with sessions.begin() as s:
        _row(s, incident_id)
        return _timeline(s, incident_id)


def get_incident(sessions: Sessions, incident_id: int) -> Incident | None:
    """The incident with this id, or None."""
    with sessions.begin() as s:
        row = s.get(IncidentRow, incident_id)
        return None if row is None else incident_of(row)


def list_incidents(sessions: Sessions, *, limit: int | None = None) -> list[Incident]:
    """Incidents, newest first (open and closed)."""
    with sessions.begin() as s:
        query = select(IncidentRow).order_by(IncidentRow.opened_at.desc(), IncidentRow.id.desc())
        if limit is not None:
            query = query.limit(limit)
        return [incident_of(r) for r in s.scalars(query)]


def open_incident(sessions: Sessions) -> Incident | None:
    """The newest incident still open (the one to offer to resume), or None."""
    with sessions.begin() as s:
        row = s.scalars(
            select(IncidentRow)
            .where(IncidentRow.closed_at.is_(None))
            .order_by(IncidentRow.opened_at.desc(), IncidentRow.id.desc())
            .limit(1)
        ).one_or_none()
        return None if row is None else incident_of(row)


def resume(
    sessions: Sessions,
    incident_id: int,
    library: Mapping[str, Checklist],
    *,
    actor: str = "",
) -> tuple[Incident, Runner]:
    """The incident and its runner rebuilt from the stored timeline: the same step, answers,
    notes and reminders as before the crash. KeyError if its checklist is not in
    ``library`` any more."""
    with sessions.begin() as s:
        incident = incident_of(_row(s, incident_id))
        events = _timeline(s, incident_id)
    checklist = library[incident.checklist_id]
    return incident, Runner.replay(checklist, events, library, actor=actor)


def json_data(e: Event) -> dict[str, Any]:
    """An event's data as stored (JSON round trip), for comparing live and stored events."""
    return json.loads(json.dumps(dict(e.data), sort_keys=True, default=str))
