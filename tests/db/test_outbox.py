"""The local outbox: incident events written while the server is unreachable wait on this
computer and reach the server in order, exactly once (on SQLite and PostgreSQL).

The outage here is simulated at the driver: new connections are refused as a stopped server
refuses them (``tests/db/test_connection_loss.py`` stops a real one)."""

from __future__ import annotations

from datetime import date, timedelta

import psycopg
import pytest
from sqlalchemy import event, func, select

from oncall.db import incidents, outbox
from oncall.db.incident_models import IncidentEventRow
from oncall.domain.incident import EventKind, Outcome
from oncall.exchange import checklists


class Outage:
    """Switches the test database "off" (new connections refused) and "on" again."""

    def __init__(self, engine) -> None:
        self.engine = engine
        self.down = False
        event.listen(engine, "do_connect", self._connect)

    def _connect(self, *_args):
        if self.down:
            raise psycopg.OperationalError("connection failed: Connection refused")

    def start(self) -> None:
        self.down = True
        self.engine.dispose()  # pooled connections go with the server

    def end(self) -> None:
        self.down = False


@pytest.fixture
def outage(engine) -> Outage:
    return Outage(engine)


@pytest.fixture
def box(ctx) -> outbox.Outbox:
    return outbox.outbox_for(ctx.paths.state)


@pytest.fixture
def started(seeded_team):
    library = checklists.load_library(today=date(2026, 11, 20)).checklists
    incident, runner = incidents.start_incident(
        seeded_team.ctx.sessions, library["web-triage"], seeded_team.now, library=library
    )
    return incident, runner


def _notes(runner, texts, start):
    made = []
    for n, words in enumerate(texts):
        made.extend(runner.note(words, start + timedelta(minutes=n + 1)))
    return made


def _stored_texts(sessions, incident_id) -> list[str]:
    return [e.text for e in incidents.timeline(sessions, incident_id)]


def _rows(sessions, incident_id) -> int:
    with sessions.begin() as s:
        return s.scalar(select(func.count()).where(IncidentEventRow.incident_id == incident_id))


def test_events_are_written_at_once_while_the_server_is_there(ctx, box, started, now) -> None:
    incident, runner = started
    written = outbox.write_events(ctx.sessions, box, incident.id, _notes(runner, ["a", "b"], now))

    assert all(e.id > 0 for e in written)
    assert _stored_texts(ctx.sessions, incident.id)[-2:] == ["a", "b"]
    assert box.waiting(ctx.sessions) == 0
    with ctx.sessions.begin() as s:
        keys = s.scalars(
            select(IncidentEventRow.client_key).where(IncidentEventRow.incident_id == incident.id)
        ).all()
    assert sum(k is not None for k in keys) == 2  # the two notes carry their writer's key


def test_events_written_during_an_outage_wait_and_arrive_in_order(
    ctx, box, started, outage, now
) -> None:
    incident, runner = started
    before = _stored_texts(ctx.sessions, incident.id)

    outage.start()
    written = outbox.write_events(
        ctx.sessions, box, incident.id, _notes(runner, ["rolled back", "errors falling"], now)
    )
    assert [outbox.is_pending(e) for e in written] == [True, True]
    assert box.waiting(ctx.sessions, incident.id) == 2
    assert [e.text for e in box.pending(ctx.sessions, incident.id)] == [
        "rolled back",
        "errors falling",
    ]
    with pytest.raises(Exception, match="refused"):
        box.deliver(ctx.sessions)  # still down: nothing lost, nothing sent
    assert box.waiting(ctx.sessions) == 2

    outage.end()
    assert box.deliver(ctx.sessions) == 2

    assert _stored_texts(ctx.sessions, incident.id) == [*before, "rolled back", "errors falling"]
    assert box.waiting(ctx.sessions) == 0
    assert box.deliver(ctx.sessions) == 0


def test_a_new_event_after_the_outage_goes_behind_the_waiting_ones(
    ctx, box, started, outage, now
) -> None:
    incident, runner = started
    outage.start()
    outbox.write_events(ctx.sessions, box, incident.id, _notes(runner, ["first"], now))
    outage.end()

    written = outbox.write_events(
        ctx.sessions, box, incident.id, _notes(runner, ["second"], now + timedelta(hours=1))
    )

    assert written[0].id > 0
    assert _stored_texts(ctx.sessions, incident.id)[-2:] == ["first", "second"]
    assert box.waiting(ctx.sessions) == 0


def test_a_delivery_cut_short_after_the_insert_is_not_duplicated(
    ctx, box, started, outage, now, monkeypatch
) -> None:
    incident, runner = started
    outage.start()
    outbox.write_events(ctx.sessions, box, incident.id, _notes(runner, ["one", "two"], now))
    outage.end()
    rows_before = _rows(ctx.sessions, incident.id)

    real_forget = outbox.Outbox._forget

    def crash(self, seq):  # the app dies after the server has the row, before forgetting it
        raise SystemExit("killed")

    monkeypatch.setattr(outbox.Outbox, "_forget", crash)
    with pytest.raises(SystemExit):
        box.deliver(ctx.sessions)
    assert _rows(ctx.sessions, incident.id) == rows_before + 1  # "one" reached the server
    assert box.waiting(ctx.sessions) == 2  # and is still in the outbox

    monkeypatch.setattr(outbox.Outbox, "_forget", real_forget)
    assert box.deliver(ctx.sessions) == 2

    assert _rows(ctx.sessions, incident.id) == rows_before + 2
    assert _stored_texts(ctx.sessions, incident.id)[-2:] == ["one", "two"]


def test_closing_during_an_outage_closes_after_the_last_event(
    ctx, box, started, outage, now
) -> None:
    incident, runner = started
    outage.start()
    outbox.write_events(ctx.sessions, box, incident.id, _notes(runner, ["fixed"], now))
    closed = outbox.close_incident(
        ctx.sessions, box, incident.id, now + timedelta(minutes=30), Outcome.RESOLVED
    )
    assert closed is None  # waits for the server
    outage.end()
    assert incidents.get_incident(ctx.sessions, incident.id).closed_at is None

    assert box.deliver(ctx.sessions) == 3  # the note, the close event, the closing

    found = incidents.get_incident(ctx.sessions, incident.id)
    assert found.closed_at == now + timedelta(minutes=30)
    assert found.outcome is Outcome.RESOLVED
    kinds = [e.kind for e in incidents.timeline(ctx.sessions, incident.id)]
    assert kinds[-2:] == [EventKind.NOTE, EventKind.CLOSED]


def test_the_timeline_shows_waiting_events_after_the_stored_ones(
    ctx, box, started, outage, now
) -> None:
    incident, runner = started
    stored = incidents.timeline(ctx.sessions, incident.id)
    outage.start()
    outbox.write_events(ctx.sessions, box, incident.id, _notes(runner, ["kept here"], now))
    outage.end()

    shown = outbox.timeline(ctx.sessions, box, incident.id)

    assert [e.text for e in shown] == [*(e.text for e in stored), "kept here"]
    assert [outbox.is_pending(e) for e in shown] == [False] * len(stored) + [True]


def test_waiting_events_belong_to_their_server(ctx, box, started, outage, now, tmp_path) -> None:
    from oncall.db.engine import make_engine, make_session_factory, sqlite_url

    incident, runner = started
    outage.start()
    outbox.write_events(ctx.sessions, box, incident.id, _notes(runner, ["ours"], now))
    outage.end()
    elsewhere = make_engine(sqlite_url(tmp_path / "elsewhere.sqlite"))
    try:
        other = make_session_factory(elsewhere)
        assert box.waiting(other) == 0
        assert box.deliver(other) == 0
    finally:
        elsewhere.dispose()
    assert box.waiting(ctx.sessions) == 1


def test_an_event_for_an_incident_closed_meanwhile_is_kept_not_dropped(
    ctx, box, started, outage, now
) -> None:
    incident, runner = started
    outage.start()
    outbox.write_events(ctx.sessions, box, incident.id, _notes(runner, ["late"], now))
    outage.end()
    incidents.close_incident(ctx.sessions, incident.id, now + timedelta(minutes=5))

    assert box.deliver(ctx.sessions) == 0

    kept = box.refused(ctx.sessions)
    assert len(kept) == 1
    assert "closed" in kept[0].reason
    assert box.waiting(ctx.sessions) == 0


def test_an_incident_started_during_an_outage_reaches_the_server_once(
    seeded_team, box, outage, monkeypatch
) -> None:
    ctx, now = seeded_team.ctx, seeded_team.now
    library = checklists.load_library(today=date(2026, 11, 20)).checklists
    outage.start()

    incident, runner = outbox.start_incident(
        ctx.sessions, box, library["web-triage"], now, library=library
    )
    assert incident.id < 0  # local: the server gives the real id
    made = runner.answer(0, now + timedelta(minutes=1))
    written = outbox.write_events(ctx.sessions, box, incident.id, made)
    assert all(outbox.is_pending(e) for e in written)
    shown = outbox.timeline(ctx.sessions, box, incident.id)  # no server needed
    assert [e.kind for e in shown] == [e.kind for e in runner.events]

    outage.end()
    real_forget = outbox.Outbox._forget

    def crash(self, seq):
        raise SystemExit("killed")

    monkeypatch.setattr(outbox.Outbox, "_forget", crash)
    with pytest.raises(SystemExit):  # the incident was created, the outbox not yet told
        box.deliver(ctx.sessions)
    monkeypatch.setattr(outbox.Outbox, "_forget", real_forget)
    box.deliver(ctx.sessions)

    assert box.waiting(ctx.sessions) == 0
    found = incidents.list_incidents(ctx.sessions)
    assert len(found) == 1  # once
    server_id = box.resolve(incident.id)
    assert found[0].id == server_id > 0
    assert found[0].primary_id == seeded_team.engineer("carmen").id  # from the server's ledger
    stored = incidents.timeline(ctx.sessions, server_id)
    assert [e.kind for e in stored] == [e.kind for e in runner.events]
    # later events go straight to the server under its id
    later = outbox.write_events(
        ctx.sessions, box, incident.id, runner.note("back online", now + timedelta(minutes=9))
    )
    assert later[0].id > 0
    assert incidents.timeline(ctx.sessions, server_id)[-1].text == "back online"
