"""The postmortem draft from a scripted incident: the timeline in local time and UTC, the
computed times, steps, notes, help and follow-ups; private pauses left out; no blame words."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from oncall.domain.incident import (
    Event,
    EventKind,
    Incident,
    Marker,
    Outcome,
    engaged_intervals,
    times,
)
from oncall.domain.model import Engineer, Severity
from oncall.domain.postmortem import draft, duration_text
from oncall.domain.triage import Runner
from oncall.exchange import checklists
from oncall.exchange.postmortem import write_postmortem

T0 = datetime(2026, 11, 17, 2, 0, tzinfo=UTC)  # 03:00 in Berlin


def _at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


@pytest.fixture
def scripted() -> tuple[Incident, list]:
    default = checklists.load_library(today=date(2026, 11, 20)).checklists["web-triage"]
    run = Runner(default, actor="ada")
    run.start(T0, severity=Severity.HIGH)
    run.backfill("Errors began (from the graphs)", _at(-12), _at(6), marker=Marker.IMPACT_BEGAN)
    run.answer(0, _at(2))  # acknowledge
    run.answer(0, _at(3))  # breathe (private)
    run.answer(0, _at(4), value="Card payments fail at checkout")
    run.answer(0, _at(5))  # see it: yes
    run.answer(0, _at(7))  # everyone
    run.answer(0, _at(8), value="critical")
    run.answer(0, _at(9))  # triage-check
    run.answer(0, _at(10))  # customers feel it
    run.answer(0, _at(11))  # status posted
    run.call_for_help(_at(12), name="Dev Patel", role="secondary", contact="+44 20 0000")
    run.note("Vendor script updated at 01:45", _at(13))
    run.note("TODO: pin the analytics script version", _at(14))
    run.skip(_at(15), reason="handled on the call")
    incident = Incident(
        id=7,
        opened_at=T0,
        title="Web service — first response",
        engineer_id=1,
        secondary_id=2,
        checklist_id="web-triage",
        checklist_version=1,
        severity=run.state.severity,
        summary=run.state.fields["summary"],
    )
    # Mitigated 40 min in, closed at 55.
    from oncall.domain.incident import EventKind, event

    events = [*run.events, event(EventKind.MARKER, _at(40), "Impact mitigated", marker="mitigated")]
    events.append(event(EventKind.CLOSED, _at(55), "Incident closed: resolved", outcome="resolved"))
    return replace(incident, closed_at=_at(55), outcome=Outcome.RESOLVED), events


def test_times_come_from_the_events(scripted) -> None:
    incident, events = scripted
    found = times(incident, events)
    assert found.impact_began == _at(-12)
    assert found.detected == T0
    assert found.acknowledged == _at(2)
    assert found.mitigated == _at(40)
    assert found.resolved == _at(55)
    assert found.time_to_detect == timedelta(minutes=12)
    assert found.time_to_mitigate == timedelta(minutes=52)


def test_engaged_time_splits_at_long_silences() -> None:
    from oncall.domain.incident import EventKind, event

    incident = Incident(1, T0, closed_at=_at(200))
    events = [event(EventKind.NOTE, _at(m), "x") for m in (5, 20, 150, 160)]
    assert engaged_intervals(incident, events) == [(T0, _at(20)), (_at(150), _at(200))]


def test_the_draft_holds_the_timeline_and_the_computed_times(scripted) -> None:
    incident, events = scripted
    people = {1: Engineer(1, "Ada Lovelace", "ada"), 2: Engineer(2, "Dev Patel", "dev")}
    text = draft(incident, events, zone="Europe/Berlin", people=people)
    assert text.startswith("# Card payments fail at checkout — postmortem (incident 7)")
    assert "Severity (final): critical" in text
    assert "Ada Lovelace (responder)" in text
    assert "Dev Patel (secondary)" in text
    # Local time (Berlin, UTC+1) and UTC side by side.
    assert "| 2026-11-17 03:02 | 02:02 | Acknowledge the page. — Done |" in text
    assert "| Acknowledged | 2026-11-17 03:02 (02:02 UTC) | 14 min |" in text
    assert "- Time to detect: 12 min" in text
    assert "- Time to acknowledge: 2 min" in text
    assert "- Time to mitigate: 52 min" in text
    assert "- Time to resolve: 1 h 07 min" in text
    assert "Errors began (from the graphs) _(added later, at 03:06)_" in text
    assert "Called Dev Patel (secondary) on +44 20 0000" in text
    assert "- 03:13 Vendor script updated at 01:45" in text
    assert "| pin the analytics script version | | | |" in text
    assert "We're looking into a problem affecting" in text  # the status update
    assert "Skipped: Is there anyone you can wake or call? (handled on the call)" in text
    for prompt in ("## What went well", "## What was hard", "## Where we got lucky"):
        assert prompt in text
    # The private breathing pause stays out, and nobody is blamed.
    assert "Breathe out" not in text
    for word in ("human error", "should have", "failed to", "careless"):
        assert word not in text.lower().replace("no “should have”", "")


def test_durations_read_plainly() -> None:
    assert duration_text(timedelta(seconds=40)) == "40 s"
    assert duration_text(timedelta(minutes=65)) == "1 h 05 min"
    assert duration_text(None) == "unknown"


def test_writing_is_atomic(tmp_path: Path) -> None:
    target = tmp_path / "pm.md"
    target.write_text("old", encoding="utf-8")
    write_postmortem(target, "# new\n")
    assert target.read_text(encoding="utf-8") == "# new\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pm.md"]
    with pytest.raises(OSError):
        write_postmortem(tmp_path / "missing" / "pm.md", "x")
    assert target.read_text(encoding="utf-8") == "# new\n"


def test_each_responder_is_named_once_with_the_role_they_came_in() -> None:
    from oncall.domain.postmortem import _responders

    at = datetime(2026, 11, 17, 2, 14, tzinfo=UTC)
    incident = Incident(1, at, engineer_id=1, secondary_id=2)
    calls = [
        Event(EventKind.HELP_CALL, at, at, data={"name": "Bao Nguyen", "role": "secondary"}),
        Event(EventKind.HELP_CALL, at, at, data={"name": "Sofia Marchetti", "role": "team lead"}),
    ]
    people = {1: Engineer(1, "Ada Lovelace", "ada"), 2: Engineer(2, "Bao Nguyen", "bao")}
    assert _responders(incident, calls, people) == (
        "Ada Lovelace (responder), Bao Nguyen (secondary on call), Sofia Marchetti (team lead)"
    )
