"""The state of a checklist run as a fold of its events (reference/triage.md section 4).

:func:`apply` is the one place a run's state changes: a live :class:`~oncall.domain.runner.Runner`
and a replay of a stored timeline fold the same events into the same :class:`RunState`, which is
how an incident resumes after a crash.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from oncall.domain.incident import Event, EventKind, Outcome
from oncall.domain.model import Severity


@dataclass(frozen=True, slots=True)
class Position:
    """Where a run is: a step of a checklist (cross-file go-to steps change the checklist)."""

    checklist: str
    step: str


@dataclass(frozen=True, slots=True)
class Given:
    """The latest answer at a position (a later answer at the same step replaces it)."""

    index: int
    label: str
    at: datetime
    value: str = ""
    skipped: bool = False


@dataclass(frozen=True, slots=True)
class RunState:
    """The runner's whole state; :func:`apply` folds one event into it."""

    position: Position | None = None
    trail: tuple[Position, ...] = ()  # where Back goes, most recent last
    shown_at: datetime | None = None
    started_at: datetime | None = None
    answers: Mapping[Position, Given] = field(default_factory=dict)
    fields: Mapping[str, str] = field(default_factory=dict)
    severity: Severity | None = None
    notes: tuple[Event, ...] = ()
    helpers: tuple[Event, ...] = ()
    last_status_at: datetime | None = None
    closed_at: datetime | None = None
    outcome: Outcome | None = None
    alert_labels: Mapping[str, str] = field(default_factory=dict)


def _position(data: Mapping[str, Any]) -> Position:
    return Position(str(data["checklist"]), str(data["step"]))


def apply(state: RunState, e: Event) -> RunState:
    """The state after one event. The one place state changes: live runs and replays agree."""
    kind = e.kind
    if kind is EventKind.OPENED:
        sev = e.data.get("severity")
        return replace(
            state,
            started_at=e.at,
            severity=Severity(sev) if sev else state.severity,
            alert_labels=dict(e.data.get("alert_labels") or {}),
        )
    if kind is EventKind.STEP_SHOWN:
        return replace(state, position=_position(e.data), shown_at=e.at)
    if kind in (EventKind.ANSWER, EventKind.SKIPPED):
        here = _position(e.data)
        answers = dict(state.answers)
        answers[here] = Given(
            int(e.data.get("index", -1)),
            str(e.data.get("label", "")),
            e.at,
            str(e.data.get("value", "")),
            kind is EventKind.SKIPPED,
        )
        # Steps passed over because their condition was false are not a place to go back to.
        trail = state.trail if e.data.get("auto") else (*state.trail, here)
        return replace(state, answers=answers, trail=trail)
    if kind is EventKind.BACK:
        if not state.trail:
            return state
        return replace(state, position=state.trail[-1], trail=state.trail[:-1], shown_at=e.at)
    if kind is EventKind.NOTE:
        return replace(state, notes=(*state.notes, e))
    if kind is EventKind.HELP_CALL:
        return replace(state, helpers=(*state.helpers, e))
    if kind is EventKind.STATUS_UPDATE:
        return replace(state, last_status_at=max(e.at, state.last_status_at or e.at))
    if kind is EventKind.SEVERITY:
        new = e.data.get("new")
        return replace(state, severity=Severity(new) if new else None)
    if kind is EventKind.FIELD:
        fields = dict(state.fields)
        fields[str(e.data["field"])] = str(e.data.get("value", ""))
        return replace(state, fields=fields)
    if kind is EventKind.CLOSED:
        outcome = e.data.get("outcome")
        return replace(state, closed_at=e.at, outcome=Outcome(outcome) if outcome else None)
    return state  # markers and anything newer change no runner state
