"""Incidents and their timeline: append-only events, and the times computed from them.

An incident's timeline is a list of :class:`Event`, oldest first by ``recorded_at`` (the order
they were written). Nothing is ever edited: a changed answer or a late correction is a new
event, and the later one wins. A *backfilled* event (``backfilled``) says something that
happened earlier ("impact began at 01:40"): ``at`` is the time it refers to, ``recorded_at``
the time it was written.

The computed times (reference/triage.md 10.1, google/sredocs fields):

- *detected*: a ``marker`` event ``detected`` if any, else when the incident was opened;
- *acknowledged*: a ``marker`` ``acknowledged`` if any, else the first answer (first action);
- *mitigated* / *resolved*: the ``marker`` events of those names (resolved falls back to the
  close);
- *impact began*: a ``marker`` ``impact-began`` (usually backfilled), else unknown.

Pure: no clock, no I/O. Every instant is aware.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from oncall.domain.model import Severity


class EventKind(StrEnum):
    """What a timeline event records."""

    OPENED = "incident-opened"
    STEP_SHOWN = "step-shown"
    ANSWER = "answer"  # a step answered or done (data: checklist, step, index, label, next)
    SKIPPED = "step-skipped"  # a step passed over: by the user, or its ``when`` was false
    BACK = "back"  # went back one step (data: checklist, step = where to)
    NOTE = "note"  # text; data.follow_up marks a follow-up ("TODO:")
    STATUS_UPDATE = "status-update"  # a status message was posted (text = the message)
    HELP_CALL = "help-call"  # called someone for help (data: engineer_id, name, role)
    SEVERITY = "severity-changed"  # data: old, new (Severity values or None)
    FIELD = "field-set"  # an incident field set by an input step (data: field, value)
    MARKER = "marker"  # an impact marker (data: marker = one of Marker)
    CLOSED = "incident-closed"  # data: outcome


class Marker(StrEnum):
    """Impact markers from which detection, acknowledgement, mitigation and resolution come."""

    IMPACT_BEGAN = "impact-began"
    DETECTED = "detected"
    ACKNOWLEDGED = "acknowledged"
    MITIGATED = "mitigated"
    RESOLVED = "resolved"


class Outcome(StrEnum):
    """How an incident ended (reference/triage.md 8, "Outcomes")."""

    RESOLVED = "resolved"
    MITIGATED_FOLLOWUP = "mitigated-followup"
    FALSE_ALARM = "false-alarm"
    HANDED_OFF = "handed-off"


# Kinds that show in a postmortem's timeline by default (10.1 "pinned": key kinds).
PINNED_KINDS: frozenset[EventKind] = frozenset(
    {
        EventKind.OPENED,
        EventKind.ANSWER,
        EventKind.NOTE,
        EventKind.STATUS_UPDATE,
        EventKind.HELP_CALL,
        EventKind.SEVERITY,
        EventKind.MARKER,
        EventKind.CLOSED,
        EventKind.FIELD,
    }
)


@dataclass(frozen=True, slots=True)
class Event:
    """One timeline entry. ``at`` is when it happened, ``recorded_at`` when it was written
    (they differ only for a backfilled entry). ``data`` holds JSON-able values only.

    ``id`` and ``incident_id`` are 0 until the event is stored.
    """

    kind: EventKind
    at: datetime
    recorded_at: datetime
    text: str = ""
    data: Mapping[str, Any] = field(default_factory=dict)
    actor: str = ""  # engineer handle, or "" for the app itself
    backfilled: bool = False
    private: bool = False  # pause and wellbeing events: left out of the postmortem
    # Storage identity, not content: a stored event equals the live one it was made from.
    id: int = field(default=0, compare=False)
    incident_id: int = field(default=0, compare=False)


def event(
    kind: EventKind,
    at: datetime,
    text: str = "",
    *,
    actor: str = "",
    private: bool = False,
    **data: Any,
) -> Event:
    """An event that happens now (``at`` is both its time and its writing time)."""
    _aware(at)
    return Event(kind, at, at, text, dict(data), actor, False, private)


def backfilled(
    kind: EventKind, refers_to: datetime, written_at: datetime, text: str, **data: Any
) -> Event:
    """An entry written at ``written_at`` about something that happened at ``refers_to``."""
    _aware(refers_to)
    _aware(written_at)
    return Event(kind, refers_to, written_at, text, dict(data), backfilled=True)


def is_follow_up(text: str) -> bool:
    """Whether a note is a follow-up: it starts with ``TODO`` (PagerDuty's scribe convention)."""
    return text.lstrip().upper().startswith("TODO")


@dataclass(frozen=True, slots=True)
class Incident:
    """An incident as stored (its events are separate, see :class:`Event`).

    ``engineer_id`` runs it (the primary on call when it was opened, unless someone else
    pressed the button); ``primary_id`` / ``secondary_id`` are who was on call at that instant.
    """

    id: int
    opened_at: datetime
    title: str = ""
    team_id: int | None = None
    engineer_id: int | None = None
    primary_id: int | None = None
    secondary_id: int | None = None
    checklist_id: str = ""
    checklist_version: int = 0
    severity: Severity | None = None
    summary: str = ""
    closed_at: datetime | None = None
    outcome: Outcome | None = None

    @property
    def is_open(self) -> bool:
        """Not closed yet."""
        return self.closed_at is None


@dataclass(frozen=True, slots=True)
class IncidentTimes:
    """The times an incident's events give; None when the timeline does not say."""

    opened: datetime
    impact_began: datetime | None
    detected: datetime
    acknowledged: datetime | None
    mitigated: datetime | None
    resolved: datetime | None
    closed: datetime | None

    @property
    def origin(self) -> datetime:
        """Where the durations count from: impact began if known, else detection."""
        return self.impact_began or self.detected

    def since_origin(self, instant: datetime | None) -> timedelta | None:
        """How long after :attr:`origin` ``instant`` came (None if it did not)."""
        return None if instant is None else instant - self.origin

    @property
    def time_to_detect(self) -> timedelta | None:
        """From impact beginning to detection (unknown without an impact-began marker)."""
        return None if self.impact_began is None else self.detected - self.impact_began

    @property
    def time_to_acknowledge(self) -> timedelta | None:
        """From detection to the first action."""
        return None if self.acknowledged is None else self.acknowledged - self.detected

    @property
    def time_to_mitigate(self) -> timedelta | None:
        """From the origin to mitigation."""
        return self.since_origin(self.mitigated)

    @property
    def time_to_resolve(self) -> timedelta | None:
        """From the origin to resolution."""
        return self.since_origin(self.resolved)


def _first_marker(events: Iterable[Event], marker: Marker) -> datetime | None:
    times = [e.at for e in events if e.kind is EventKind.MARKER and e.data.get("marker") == marker]
    return min(times) if times else None


def times(incident: Incident, events: Sequence[Event]) -> IncidentTimes:
    """Detection, acknowledgement, mitigation and resolution times of an incident."""
    answers = [e.at for e in events if e.kind is EventKind.ANSWER]
    closes = [e.at for e in events if e.kind is EventKind.CLOSED]
    closed = incident.closed_at or (min(closes) if closes else None)
    return IncidentTimes(
        opened=incident.opened_at,
        impact_began=_first_marker(events, Marker.IMPACT_BEGAN),
        detected=_first_marker(events, Marker.DETECTED) or incident.opened_at,
        acknowledged=_first_marker(events, Marker.ACKNOWLEDGED)
        or (min(answers) if answers else None),
        mitigated=_first_marker(events, Marker.MITIGATED),
        resolved=_first_marker(events, Marker.RESOLVED) or closed,
        closed=closed,
    )


def engaged_intervals(
    incident: Incident,
    events: Sequence[Event],
    *,
    idle: timedelta = timedelta(minutes=60),
    now: datetime | None = None,
) -> list[tuple[datetime, datetime]]:
    """The half-open stretches the engineer was working on the incident.

    From the opening to the close (or ``now`` for an open incident), split where nothing was
    written for longer than ``idle`` (the laptop was shut, the app had crashed): the quiet
    stretch counts up to its last event only. Backfilled entries are left out (they were
    written later about the past, not worked through).
    """
    end = incident.closed_at or now
    if end is None:
        raise ValueError("an open incident's engaged time needs now")
    stamps = sorted(
        {incident.opened_at, end}
        | {
            e.recorded_at
            for e in events
            if not e.backfilled and incident.opened_at <= e.recorded_at <= end
        }
    )
    intervals: list[tuple[datetime, datetime]] = []
    start = prev = stamps[0]
    for stamp in stamps[1:]:
        if stamp - prev > idle:
            if prev > start:
                intervals.append((start, prev))
            start = stamp
        prev = stamp
    if prev > start:
        intervals.append((start, prev))
    return intervals


def follow_ups(events: Sequence[Event]) -> list[Event]:
    """Notes and input answers marked as follow-ups, in order written."""
    return [
        e
        for e in events
        if (e.kind is EventKind.NOTE and e.data.get("follow_up"))
        or (e.kind is EventKind.FIELD and e.data.get("field") == "follow_up" and e.text)
    ]


def _aware(value: datetime) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{value.isoformat()} has no time zone; timeline times must be aware")
