"""The first frame's reads without SQLAlchemy: a read-only ``sqlite3`` snapshot of the database.

Importing SQLAlchemy costs about 0.4 s and 45 MB, more than an empty Qt window's whole
start. The Now screen and the tray need only teams, engineers and ledger shifts, so at
start-up they read them here, straight from the SQLite file, and the full context (engine,
migration check, demo) opens after the window has painted.

Both sources answer the same :class:`Reader` methods with the same domain dataclasses and
in the same order as ``oncall.db.queries``: :class:`Snapshot` (sqlite3, read-only) and
:class:`SessionReader` (a SQLAlchemy session). The row-to-dataclass conversion is
``oncall.db.mapping``'s, shared by both; only the decoding of SQLite's stored text (instants,
booleans) is done here, as SQLAlchemy's SQLite dialect does it.

This module imports no SQLAlchemy (``SessionReader`` imports ``queries`` when first used).
"""

from __future__ import annotations

import logging
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from oncall.db import mapping
from oncall.db.revisions import VERSION_TABLE, head_revision
from oncall.domain.model import Engineer, Shift, Team

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

_TEAMS = f"SELECT {', '.join(mapping.TEAM_COLUMNS)} FROM team ORDER BY lower(name), id"
_ENGINEERS = f"SELECT {', '.join(mapping.ENGINEER_COLUMNS)} FROM engineer ORDER BY lower(name), id"
_SHIFTS = f"SELECT {', '.join(mapping.SHIFT_COLUMNS)} FROM ledger_shift"
# queries._shifts: every ledger read is ordered by start, then team, role and id
_SHIFT_ORDER = " ORDER BY starts_at, team_id, role, id"
_STARTS_AT, _ENDS_AT = (
    mapping.SHIFT_COLUMNS.index("starts_at"),
    mapping.SHIFT_COLUMNS.index("ends_at"),
)


class Reader(Protocol):
    """The reads the Now screen and the tray make at start-up (and on every refresh)."""

    def teams(self) -> list[Team]:
        """All teams, by name."""
        ...

    def engineers(self) -> list[Engineer]:
        """Every engineer, inactive ones too, by name."""
        ...

    def ledger(self, team_id: int | None, start: datetime, end: datetime) -> list[Shift]:
        """Ledger shifts meeting ``[start, end)`` (all teams when ``team_id`` is None)."""
        ...

    def next_shifts(self, engineer_id: int, after: datetime, limit: int = 5) -> list[Shift]:
        """An engineer's coming ledger shifts (the one in progress included), by start."""
        ...


def _stored(value: datetime, what: str) -> str:
    """An aware instant as SQLAlchemy's SQLite dialect stores ``UTCDateTime`` (UTC wall text),
    so comparisons in SQL match the ORM's exactly."""
    naive = mapping.require_aware(value, what).astimezone(UTC).replace(tzinfo=None)
    return naive.isoformat(sep=" ", timespec="microseconds")


def _instant(text: str) -> datetime:
    """Stored UTC wall text back to an aware instant (what ``UTCDateTime`` returns)."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _shift(row: tuple[Any, ...]) -> Shift:
    values = list(row)
    values[_STARTS_AT] = _instant(values[_STARTS_AT])
    values[_ENDS_AT] = _instant(values[_ENDS_AT])
    return mapping.shift_of(*values)


class Snapshot:
    """A read-only view of a SQLite database at this build's schema head (see
    :func:`open_snapshot`). Use on one thread; :meth:`close` when the real context is open."""

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self._con = connection
        self.path = path

    def teams(self) -> list[Team]:
        """All teams, by name."""
        return [mapping.team_of(*r) for r in self._con.execute(_TEAMS)]

    def engineers(self) -> list[Engineer]:
        """Every engineer, inactive ones too, by name."""
        return [mapping.engineer_of(*r) for r in self._con.execute(_ENGINEERS)]

    def ledger(self, team_id: int | None, start: datetime, end: datetime) -> list[Shift]:
        """Ledger shifts meeting ``[start, end)`` (all teams when ``team_id`` is None)."""
        sql = f"{_SHIFTS} WHERE starts_at < ? AND ends_at > ?"
        params: list[object] = [_stored(end, "end"), _stored(start, "start")]
        if team_id is not None:
            sql += " AND team_id = ?"
            params.append(team_id)
        return [_shift(r) for r in self._con.execute(sql + _SHIFT_ORDER, params)]

    def next_shifts(self, engineer_id: int, after: datetime, limit: int = 5) -> list[Shift]:
        """An engineer's coming ledger shifts (the one in progress included), by start."""
        sql = f"{_SHIFTS} WHERE engineer_id = ? AND ends_at > ?{_SHIFT_ORDER} LIMIT ?"
        rows = self._con.execute(sql, (engineer_id, _stored(after, "after"), limit))
        return [_shift(r) for r in rows]

    def close(self) -> None:
        """Release the file (the snapshot is not used again)."""
        self._con.close()


def open_snapshot(db_path: Path) -> Snapshot | None:
    """A read-only snapshot of the SQLite file at ``db_path``, or None when it cannot serve
    the first frame: the file is missing, its schema is not exactly this build's head
    (behind: a migration is due; ahead: a newer oncall wrote it), or anything fails.

    Never raises and never writes: the file is opened with SQLite's ``mode=ro``.
    """
    try:
        if not db_path.is_file():
            return None
        uri = f"{db_path.resolve().as_uri()}?mode=ro"
        con = sqlite3.connect(uri, uri=True)
    except (OSError, sqlite3.Error, ValueError):
        log.debug("No snapshot of %s", db_path, exc_info=True)
        return None
    try:
        con.execute("PRAGMA query_only = ON")
        revisions = sorted(
            str(r) for (r,) in con.execute(f"SELECT version_num FROM {VERSION_TABLE}")
        )
        if revisions != [head_revision()]:
            log.info("No snapshot: %s is at schema %s, not %s", db_path, revisions, head_revision())
            con.close()
            return None
        snapshot = Snapshot(con, db_path)
        snapshot.teams()  # the tables the first frame reads are there and readable
        return snapshot
    except Exception:  # a snapshot is an optimisation: any doubt means the full path
        log.info("No snapshot of %s", db_path, exc_info=True)
        con.close()
        return None


class SessionReader:
    """The :class:`Reader` methods over a SQLAlchemy session (``oncall.db.queries``)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def teams(self) -> list[Team]:
        """All teams, by name."""
        from oncall.db import queries

        return queries.list_teams(self.session)

    def engineers(self) -> list[Engineer]:
        """Every engineer, inactive ones too, by name."""
        from oncall.db import queries

        return queries.list_engineers(self.session, include_inactive=True)

    def ledger(self, team_id: int | None, start: datetime, end: datetime) -> list[Shift]:
        """Ledger shifts meeting ``[start, end)`` (all teams when ``team_id`` is None)."""
        from oncall.db import queries

        return queries.ledger(self.session, team_id, start, end)

    def next_shifts(self, engineer_id: int, after: datetime, limit: int = 5) -> list[Shift]:
        """An engineer's coming ledger shifts (the one in progress included), by start."""
        from oncall.db import queries

        return queries.next_shifts(self.session, engineer_id, after, limit=limit)
