"""The team server stops mid-incident and comes back: what was read stays readable, what is
written meanwhile waits in the outbox, and arrives in order and exactly once, even when a
delivery is cut short after the server took a row. A real server, stopped and started: this
module makes its own cluster (about 2 s) and destroys it after."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import create_engine, text

from oncall.db import incidents, migrate, outbox
from oncall.db.engine import make_engine, make_session_factory
from oncall.db.watch import ChangeWatch, is_connection_lost
from oncall.exchange import checklists
from tests.pg import Cluster, postgres_bin

pytestmark = pytest.mark.skipif(postgres_bin() is None, reason="no PostgreSQL server here")

AT = datetime(2026, 11, 16, 2, 14, tzinfo=UTC)


@pytest.fixture
def cluster():
    made = Cluster.create()
    made.start()
    admin = create_engine(made.url("postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("CREATE DATABASE oncall"))
        # The test clusters trade durability for speed (synchronous_commit=off), so an
        # immediate stop could lose the last commits; a real server keeps them, and so here.
        conn.execute(text("ALTER DATABASE oncall SET synchronous_commit = on"))
    admin.dispose()
    yield made
    made.destroy()


def test_server_stopped_mid_incident_loses_nothing_and_duplicates_nothing(
    cluster, tmp_path, monkeypatch
) -> None:
    engine = make_engine(cluster.url("oncall"))
    try:
        migrate.upgrade(engine)
        sessions = make_session_factory(engine)
        box = outbox.Outbox(tmp_path / "state" / "outbox.sqlite")
        library = checklists.load_library(today=date(2026, 11, 20)).checklists
        incident, runner = incidents.start_incident(
            sessions, library["web-triage"], AT, library=library
        )
        watch = ChangeWatch(engine)
        watch.poll()
        loaded = incidents.timeline(sessions, incident.id)  # what the window has on screen

        cluster.stop()

        with pytest.raises(Exception) as polled:
            watch.poll()
        assert is_connection_lost(polled.value)
        with pytest.raises(Exception) as read:
            incidents.timeline(sessions, incident.id)
        assert is_connection_lost(read.value)
        assert [e.kind for e in loaded] == [e.kind for e in runner.events]  # still readable
        notes = ["rolled back the deploy", "errors falling", "TODO: check the CDN"]
        for n, words in enumerate(notes):
            made = runner.note(words, AT + timedelta(minutes=n + 1))
            written = outbox.write_events(sessions, box, incident.id, made)
            assert all(outbox.is_pending(e) for e in written)
        assert box.waiting(sessions, incident.id) == 3

        cluster.start()

        assert watch.poll() is False  # reconnects (the first poll after is quiet)
        real_forget = outbox.Outbox._forget
        calls: list[int] = []

        def crash_once(self, seq):  # the app dies after the insert, before forgetting
            calls.append(seq)
            if len(calls) == 2:
                raise SystemExit("killed")
            real_forget(self, seq)

        monkeypatch.setattr(outbox.Outbox, "_forget", crash_once)
        with pytest.raises(SystemExit):
            box.deliver(sessions)
        monkeypatch.setattr(outbox.Outbox, "_forget", real_forget)
        assert box.deliver(sessions) == 2  # the one cut short, then the last
        assert box.waiting(sessions) == 0

        stored = incidents.timeline(sessions, incident.id)
        assert [e.text for e in stored] == [*(e.text for e in loaded), *notes]
        with engine.connect() as conn:
            copies = conn.execute(
                text("SELECT count(*) FROM incident_event WHERE text = :t"),
                {"t": "errors falling"},
            ).scalar_one()
        assert copies == 1
        watch.close()
    finally:
        engine.dispose()
