"""Incidents in the database: each event committed the moment it happens, resume after a
re-open at the same step, and closing logs the engaged time as a page."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import text

from oncall.db import incidents, pages
from oncall.db.engine import make_engine, make_session_factory
from oncall.domain.incident import EventKind, Outcome
from oncall.domain.model import Severity
from oncall.exchange import checklists


@pytest.fixture
def library() -> dict:
    return checklists.load_library(today=date(2026, 11, 20)).checklists


def _url_of(sessions) -> str:
    """The URL (password included) of the test's database, for a second engine on it."""
    return sessions.kw["bind"].url.render_as_string(hide_password=False)


def _count(sessions, incident_id: int) -> int:
    with sessions.begin() as s:
        return s.execute(
            text("SELECT count(*) FROM incident_event WHERE incident_id = :i"), {"i": incident_id}
        ).scalar_one()


def test_start_is_prefilled_with_who_is_on_call(seeded_team, library) -> None:
    ctx = seeded_team.ctx
    incident, runner = incidents.start_incident(
        ctx.sessions, library["web-triage"], seeded_team.now, library=library
    )
    assert incident.team_id == seeded_team.team.id
    assert incident.primary_id == seeded_team.engineer("carmen").id
    assert incident.secondary_id == seeded_team.engineer("dev").id
    assert incident.engineer_id == incident.primary_id
    assert runner.step is not None
    assert runner.step.id == "acknowledge"
    assert incidents.open_incident(ctx.sessions) == incident


def test_each_event_is_committed_at_once(seeded_team, library, data_dir) -> None:
    ctx = seeded_team.ctx
    incident, runner = incidents.start_incident(
        ctx.sessions, library["web-triage"], seeded_team.now, library=library
    )
    # A second connection, as another process would have.
    other_engine = make_engine(_url_of(ctx.sessions))
    other = make_session_factory(other_engine)
    try:
        seen = _count(other, incident.id)
        assert seen == 2  # opened + first step shown
        at = seeded_team.now
        for minute in range(1, 4):
            for e in runner.answer(0, at + timedelta(minutes=minute), value="x"):
                incidents.append_event(ctx.sessions, incident.id, e)
                seen += 1
                assert _count(other, incident.id) == seen
    finally:
        other_engine.dispose()


def test_events_cannot_be_changed_or_deleted(seeded_team, library) -> None:
    ctx = seeded_team.ctx
    incident, _ = incidents.start_incident(
        ctx.sessions, library["web-triage"], seeded_team.now, library=library
    )
    with pytest.raises(Exception, match="append-only"), ctx.sessions.begin() as s:
        s.execute(text("UPDATE incident_event SET text = 'edited'"))
    with pytest.raises(Exception, match="append-only"), ctx.sessions.begin() as s:
        s.execute(text("DELETE FROM incident_event"))
    assert _count(ctx.sessions, incident.id) == 2


def test_resume_after_reopening_finds_the_same_step(seeded_team, library) -> None:
    ctx = seeded_team.ctx
    at = seeded_team.now
    incident, runner = incidents.start_incident(
        ctx.sessions, library["web-triage"], at, library=library, severity=Severity.HIGH
    )

    def store(made):
        incidents.append_events(ctx.sessions, incident.id, made)

    store(runner.answer(0, at + timedelta(minutes=1)))
    store(runner.answer(0, at + timedelta(minutes=2)))
    store(runner.answer(0, at + timedelta(minutes=3), value="Payments time out"))
    store(runner.note("TODO: check the card provider's status page", at + timedelta(minutes=4)))
    store(runner.answer(1, at + timedelta(minutes=5)))  # see-it: no
    ctx.sessions.kw["bind"].dispose()  # as if the process had died: a fresh engine

    engine = make_engine(_url_of(ctx.sessions))
    try:
        sessions = make_session_factory(engine)
        found = incidents.open_incident(sessions)
        assert found is not None
        assert found.id == incident.id
        assert found.summary == "Payments time out"
        again, resumed = incidents.resume(sessions, found.id, library)
        assert resumed.step.id == "alert-broken"
        assert resumed.state == runner.state
        assert [e.kind for e in incidents.timeline(sessions, incident.id)] == [
            e.kind for e in runner.events
        ]
        assert again.severity is Severity.HIGH
    finally:
        engine.dispose()


def test_close_logs_the_engaged_time_as_a_page(seeded_team, library) -> None:
    ctx = seeded_team.ctx
    at = seeded_team.now
    incident, runner = incidents.start_incident(
        ctx.sessions, library["web-triage"], at, library=library
    )
    incidents.append_events(ctx.sessions, incident.id, runner.answer(0, at + timedelta(minutes=3)))
    closed = incidents.close_incident(
        ctx.sessions, incident.id, at + timedelta(minutes=50), Outcome.RESOLVED
    )
    assert closed.closed_at == at + timedelta(minutes=50)
    assert incidents.open_incident(ctx.sessions) is None
    with ctx.sessions.begin() as s:
        page = pages.find_page(s, incidents.PAGE_SOURCE, str(incident.id))
    assert page is not None
    assert page.engineer_id == seeded_team.engineer("carmen").id
    assert page.triggered_at == at
    assert page.acknowledged_at == at + timedelta(minutes=3)
    assert page.resolved_at == at + timedelta(minutes=50)
    assert incidents.timeline(ctx.sessions, incident.id)[-1].kind is EventKind.CLOSED
    with pytest.raises(ValueError, match="closed"):
        incidents.append_events(ctx.sessions, incident.id, runner.note("late", at))
    assert [i.id for i in incidents.list_incidents(ctx.sessions)] == [incident.id]
