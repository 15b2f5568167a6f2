"""The local outbox: incident timeline entries written while the team server is unreachable.

During an incident nothing typed may be lost. :func:`write_events` writes each event straight
to the database, as :func:`oncall.db.incidents.append_event` always did; when the server cannot
be reached (:func:`oncall.db.watch.is_connection_lost`) the event goes to the outbox instead: a
small SQLite file on this computer (``AppPaths.state / "outbox.sqlite"``, see
:func:`outbox_for`). :meth:`Outbox.deliver` sends what waits, oldest first, once the server is
back; an incident closed meanwhile (:func:`close_incident`) is closed after its last event.

Exactly once: every event gets a client key (a UUID) before its first attempt, stored with
it in ``incident_event.client_key`` (unique). Delivering an entry checks that key first and
inserts only when the server does not have it, then forgets the entry; a crash between the
two, or a commit whose answer was lost with the connection, is found on the next delivery and
not inserted again. Entries are kept per server (its URL without the password), so pointing
the app at another database never delivers them to the wrong one.

An incident can even start while the server is away (:func:`start_incident`): it gets a
local, negative id, and its delivery creates it on the server (who was on call is read from
the server's ledger then) together with its first events, in one transaction keyed by the
first event's client key; the events written after it follow under the server's id.

An entry the server refuses for good (its incident was closed by someone else meanwhile) is
kept in the file with the reason (:meth:`Outbox.refused`), never dropped.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from oncall.db import incidents, mirror
from oncall.db.incident_models import IncidentEventRow
from oncall.db.watch import is_connection_lost
from oncall.domain.incident import Event, EventKind, Incident, Outcome
from oncall.domain.model import Severity
from oncall.domain.triage import Checklist, Runner

Sessions = sessionmaker[Session]

#: The outbox file's name in the app's state folder.
FILE_NAME = "outbox.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS entry (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    server TEXT NOT NULL,
    incident_id INTEGER NOT NULL,
    kind TEXT NOT NULL,
    client_key TEXT NOT NULL UNIQUE,
    payload TEXT NOT NULL,
    written_at TEXT NOT NULL,
    refused TEXT
);
CREATE TABLE IF NOT EXISTS alias (
    local_id INTEGER PRIMARY KEY,
    server_id INTEGER NOT NULL
);
"""

# One lock per outbox file in this process: the window's writes and the watcher's delivery
# never interleave, so an event written while a delivery runs still lands after it.
_LOCKS: dict[Path, threading.RLock] = {}
_LOCKS_GUARD = threading.Lock()


def server_of(sessions: Sessions) -> str:
    """Which database ``sessions`` writes to: its URL without the password (for the
    read-only mirror of a team server, ``oncall.db.mirror``, that server's)."""
    offline = mirror.offline_of(sessions)
    if offline is not None:
        return make_url(offline.server_url).render_as_string(hide_password=True)
    return sessions.kw["bind"].url.render_as_string(hide_password=True)


def _offline(sessions: Sessions) -> bool:
    """Whether ``sessions`` read the mirror because the server could not be reached at
    start-up: nothing is written through them, everything waits here."""
    return mirror.offline_of(sessions) is not None


def new_key() -> str:
    """A fresh client key for one event."""
    return str(uuid.uuid4())


@dataclass(frozen=True)
class Refused:
    """An entry the server refused for good, kept with the reason."""

    incident_id: int
    kind: str
    client_key: str
    reason: str


class Outbox:
    """The outbox file at ``path`` (created on first use). Safe to share between threads."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        with _LOCKS_GUARD:
            self.lock = _LOCKS.setdefault(self.path.resolve(), threading.RLock())

    # ----- reading --------------------------------------------------------------------------

    def waiting(self, sessions: Sessions, incident_id: int | None = None) -> int:
        """How many entries wait for ``sessions``' server (of one incident, if given: its
        events, including those of a start that waits)."""
        if incident_id is None:
            if not self.path.exists():
                return 0
            with self._db() as db:
                sql = "SELECT count(*) FROM entry WHERE server = ? AND refused IS NULL"
                return int(db.execute(sql, (server_of(sessions),)).fetchone()[0])
        return len(self.pending(sessions, incident_id))

    def pending(self, sessions: Sessions, incident_id: int) -> list[Event]:
        """The incident's events waiting here, oldest first (``id`` 0: not on the server).
        ``incident_id`` may be a local id or the server's id it became."""
        if not self.path.exists():
            return []
        with self._db() as db:
            ids = {incident_id} | {
                local
                for (local,) in db.execute(
                    "SELECT local_id FROM alias WHERE server_id = ?", (incident_id,)
                )
            }
            marks = ",".join("?" * len(ids))
            rows = db.execute(
                f"SELECT kind, payload FROM entry WHERE server = ? AND incident_id IN ({marks}) "
                "AND kind IN ('event', 'start') AND refused IS NULL ORDER BY seq",
                (server_of(sessions), *ids),
            ).fetchall()
        out: list[Event] = []
        for kind, payload in rows:
            data = json.loads(payload)
            if kind == "start":
                out.extend(_event_of(item["event"], incident_id) for item in data["events"])
            else:
                out.append(_event_of(data, incident_id))
        return out

    def resolve(self, incident_id: int) -> int:
        """The server's id of a local incident once its start was delivered, else the id
        as given (server ids are returned as they are)."""
        if incident_id >= 0 or not self.path.exists():
            return incident_id
        with self._db() as db:
            found = db.execute(
                "SELECT server_id FROM alias WHERE local_id = ?", (incident_id,)
            ).fetchone()
        return int(found[0]) if found else incident_id

    def refused(self, sessions: Sessions) -> list[Refused]:
        """Entries ``sessions``' server refused for good, oldest first."""
        if not self.path.exists():
            return []
        with self._db() as db:
            rows = db.execute(
                "SELECT incident_id, kind, client_key, refused FROM entry "
                "WHERE server = ? AND refused IS NOT NULL ORDER BY seq",
                (server_of(sessions),),
            ).fetchall()
        return [Refused(*row) for row in rows]

    # ----- writing --------------------------------------------------------------------------

    def put_event(self, sessions: Sessions, incident_id: int, e: Event, key: str) -> Event:
        """Keep ``e`` (with its client ``key``) for delivery; returns it as pending."""
        self._put(sessions, incident_id, "event", key, _payload(e))
        return _pending(e, incident_id)

    def put_close(
        self, sessions: Sessions, incident_id: int, at: datetime, outcome: Outcome
    ) -> None:
        """Keep "mark the incident closed" for delivery after the events before it."""
        payload = {"at": at.isoformat(), "outcome": outcome.value}
        self._put(sessions, incident_id, "close", new_key(), payload)

    def deliver(self, sessions: Sessions) -> int:
        """Send every entry waiting for ``sessions``' server, oldest first, each exactly once;
        returns how many were delivered. Stops at the first lost connection (raising it) and
        leaves the rest for the next time. Nothing is sent through the mirror's sessions."""
        if _offline(sessions):
            return 0
        with self.lock:
            return self._deliver(sessions)

    # ----- inside -----------------------------------------------------------------------------

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=10)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(_SCHEMA)
            with db:  # one transaction, committed on leaving
                yield db
        finally:
            db.close()

    def _put(
        self, sessions: Sessions, incident_id: int, kind: str, key: str, payload: dict[str, Any]
    ) -> None:
        with self.lock, self._db() as db:
            db.execute(
                "INSERT INTO entry (server, incident_id, kind, client_key, payload, written_at) "
                "VALUES (?, ?, ?, ?, ?, datetime('now'))",
                (server_of(sessions), incident_id, kind, key, json.dumps(payload)),
            )

    def _entries(self, sessions: Sessions) -> list[tuple[int, int, str, str, str]]:
        if not self.path.exists():
            return []
        with self._db() as db:
            return db.execute(
                "SELECT seq, incident_id, kind, client_key, payload FROM entry "
                "WHERE server = ? AND refused IS NULL ORDER BY seq",
                (server_of(sessions),),
            ).fetchall()

    def _deliver(self, sessions: Sessions) -> int:
        delivered = 0
        for seq, incident_id, kind, key, payload in self._entries(sessions):
            data = json.loads(payload)
            target = self.resolve(incident_id)
            try:
                if kind == "start":
                    self._alias(incident_id, _start_once(sessions, data))
                elif target < 0:
                    continue  # its incident's start was refused: kept with it
                elif kind == "event":
                    _insert_once(sessions, target, _event_of(data, target), key)
                else:
                    incidents.mark_closed(
                        sessions, target, datetime.fromisoformat(data["at"]),
                        Outcome(data["outcome"]),
                    )  # fmt: skip
            except ValueError as exc:  # refused for good: kept, with the reason
                self._refuse(seq, str(exc))
                continue
            self._forget(seq)
            delivered += 1
        return delivered

    def _alias(self, local_id: int, server_id: int) -> None:
        with self._db() as db:
            db.execute(
                "INSERT OR REPLACE INTO alias (local_id, server_id) VALUES (?, ?)",
                (local_id, server_id),
            )

    def _new_local_id(self) -> int:
        with self._db() as db:
            lowest = db.execute(
                "SELECT min(n) FROM (SELECT min(incident_id) AS n FROM entry "
                "UNION ALL SELECT min(local_id) FROM alias)"
            ).fetchone()[0]
        return min(int(lowest or 0), 0) - 1

    def _forget(self, seq: int) -> None:
        """The entry reached the server: take it out of the outbox."""
        with self._db() as db:
            db.execute("DELETE FROM entry WHERE seq = ?", (seq,))

    def _refuse(self, seq: int, reason: str) -> None:
        with self._db() as db:
            db.execute("UPDATE entry SET refused = ? WHERE seq = ?", (reason, seq))


def outbox_for(state: Path) -> Outbox:
    """The app's outbox in its state folder (``AppPaths.state``)."""
    return Outbox(Path(state) / FILE_NAME)


def _insert_once(sessions: Sessions, incident_id: int, e: Event, key: str) -> None:
    """Insert the event unless the server already has its key (an earlier delivery whose
    outbox row was not yet forgotten, or a direct write whose commit answer was lost)."""
    try:
        with sessions.begin() as s:
            found = s.scalar(select(IncidentEventRow.id).where(IncidentEventRow.client_key == key))
            if found is None:
                incidents.append_event_in(s, incident_id, e, key)
    except IntegrityError:
        # another delivery of the same key won the race: it is there, once
        with sessions.begin() as s:
            if s.scalar(select(IncidentEventRow.id).where(IncidentEventRow.client_key == key)):
                return
        raise


def _start_once(sessions: Sessions, data: dict[str, Any]) -> int:
    """Create an incident started while the server was away, with its first events, in one
    transaction; returns its server id. Done already (a delivery cut short)? Its first event's
    key finds it, and nothing is created twice."""
    items = data["events"]
    first_key = items[0]["key"]
    fields = data["incident"]
    with sessions.begin() as s:
        found = s.scalar(
            select(IncidentEventRow.incident_id).where(IncidentEventRow.client_key == first_key)
        )
        if found is not None:
            return int(found)
        row = incidents.add_incident_row(
            s, datetime.fromisoformat(fields["opened_at"]), title=fields["title"],
            team_id=fields["team_id"], engineer_id=fields["engineer_id"],
            checklist_id=fields["checklist_id"], checklist_version=fields["checklist_version"],
            severity=fields["severity"],
        )  # fmt: skip
        for item in items:
            incidents.append_event_in(s, row.id, _event_of(item["event"], row.id), item["key"])
        return int(row.id)


def start_incident(
    sessions: Sessions,
    outbox: Outbox,
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
    """:func:`oncall.db.incidents.start_incident`, or, when the server cannot be reached, an
    incident kept in the outbox under a local (negative) id, its runner already started.
    Who was on call is filled in from the server's ledger when it is delivered; meanwhile,
    on the mirror (``oncall.db.mirror``: started while the server was away), the incident
    shows the team and engineer the mirror's ledger has on call."""
    if not _offline(sessions):
        try:
            return incidents.start_incident(
                sessions, checklist, at, library=library, team_id=team_id,
                engineer_id=engineer_id, severity=severity, title=title, actor=actor,
            )  # fmt: skip
        except Exception as exc:
            if not is_connection_lost(exc):
                raise
    shown_team, shown_engineer = team_id, engineer_id
    if _offline(sessions):  # the mirror can say who is on call (the server decides later)
        with sessions() as s:
            shown_team, primary, _ = incidents.on_call(s, at, team_id)
        shown_engineer = engineer_id if engineer_id is not None else primary
    runner = Runner(checklist, library, actor=actor)
    made = runner.start(at, severity=severity)
    incident = Incident(
        id=0, opened_at=at, title=title.strip() or checklist.title, team_id=shown_team,
        engineer_id=shown_engineer, checklist_id=checklist.id,
        checklist_version=checklist.version, severity=severity,
    )  # fmt: skip
    fields = {
        "title": incident.title,
        "team_id": shown_team,
        "engineer_id": engineer_id,
        "checklist_id": checklist.id,
        "checklist_version": checklist.version,
        "severity": severity.value if severity else None,
        "opened_at": at.isoformat(),
    }
    with outbox.lock:
        local = outbox._new_local_id()
        items = [{"key": new_key(), "event": _payload(e)} for e in made]
        outbox._put(sessions, local, "start", new_key(), {"incident": fields, "events": items})
    runner.events[:] = [_pending(e, local) for e in made]
    return replace(incident, id=local), runner


def write_events(
    sessions: Sessions, outbox: Outbox, incident_id: int, events: Iterable[Event]
) -> list[Event]:
    """Write each event at once (its own commit), or keep it in ``outbox`` when the server
    cannot be reached; returns them in order, stored (with an id) or pending (``id`` 0).

    Events already waiting go first: they are delivered before a new one is written, and
    while they cannot be, new ones wait behind them, so the timeline keeps its order.
    Errors other than a lost connection are raised as before.
    """
    todo = list(events)
    out: list[Event] = []
    with outbox.lock:
        queue = _offline(sessions)  # reading the mirror: every event waits here
        if not queue and outbox.waiting(sessions):
            try:
                outbox.deliver(sessions)
            except Exception as exc:
                if not is_connection_lost(exc):
                    raise
                queue = True
        incident_id = outbox.resolve(incident_id)
        queue = queue or incident_id < 0  # started while the server was away: not there yet
        for e in todo:
            key = new_key()
            if not queue:
                try:
                    out.append(incidents.append_event(sessions, incident_id, e, key))
                    continue
                except Exception as exc:
                    if not is_connection_lost(exc):
                        raise
                    queue = True  # this one and every later one wait, in order
            out.append(outbox.put_event(sessions, incident_id, e, key))
    return out


def close_incident(
    sessions: Sessions,
    outbox: Outbox,
    incident_id: int,
    at: datetime,
    outcome: Outcome = Outcome.RESOLVED,
    *,
    actor: str = "",
) -> Incident | None:
    """Close the incident (``oncall.db.incidents.close_incident``), or, when the server cannot
    be reached, keep the close event and the closing in the outbox; returns the closed
    incident, or None when the closing waits for the server."""
    closing = incidents.closing_event(at, outcome, actor)
    stored = write_events(sessions, outbox, incident_id, [closing])
    with outbox.lock:
        incident_id = outbox.resolve(incident_id)
        if stored[0].id == 0:
            outbox.put_close(sessions, incident_id, at, outcome)
            return None
        try:
            return incidents.mark_closed(sessions, incident_id, at, outcome)
        except Exception as exc:
            if not is_connection_lost(exc):
                raise
            outbox.put_close(sessions, incident_id, at, outcome)
            return None


def timeline(sessions: Sessions, outbox: Outbox, incident_id: int) -> list[Event]:
    """The incident's stored timeline followed by its events waiting in the outbox (only
    those, for an incident started while the server was away and not delivered yet)."""
    target = outbox.resolve(incident_id)
    if target < 0:
        return outbox.pending(sessions, target)
    return incidents.timeline(sessions, target) + outbox.pending(sessions, target)


def is_pending(e: Event) -> bool:
    """Whether ``e`` waits in the outbox (saved on this computer, not yet on the server)."""
    return e.id == 0


# ----- events as JSON -----------------------------------------------------------------------


def _payload(e: Event) -> dict[str, Any]:
    return {
        "kind": e.kind.value,
        "at": e.at.isoformat(),
        "recorded_at": e.recorded_at.isoformat(),
        "text": e.text,
        "data": incidents.json_data(e),
        "actor": e.actor,
        "backfilled": e.backfilled,
        "private": e.private,
    }


def _event_of(data: dict[str, Any], incident_id: int) -> Event:
    return Event(
        kind=EventKind(data["kind"]),
        at=datetime.fromisoformat(data["at"]),
        recorded_at=datetime.fromisoformat(data["recorded_at"]),
        text=data["text"],
        data=data["data"],
        actor=data["actor"],
        backfilled=data["backfilled"],
        private=data["private"],
        incident_id=incident_id,
    )


def _pending(e: Event, incident_id: int) -> Event:
    return Event(
        e.kind, e.at, e.recorded_at, e.text, e.data, e.actor, e.backfilled, e.private,
        id=0, incident_id=incident_id,
    )  # fmt: skip
