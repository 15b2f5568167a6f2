"""Reads and writes of the calendar exchange tables (``calendar_models``).

Functions of a Session, run inside the caller's transaction; instants are aware and come back
in UTC. The export keeps SEQUENCE here (:func:`assign_sequences`), the CalDAV publisher what it
put on a server (:func:`caldav_items`...), both publishers their last result
(:func:`record_publish`, :func:`publish_status`), and the leave import the UID of each leave
row it made (:func:`find_imported_leave`, :func:`save_imported_leave`,
:func:`delete_imported_leave`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from oncall.db import mapping
from oncall.db.calendar_models import (
    CalDAVItemRow,
    CalendarEventStateRow,
    ImportedLeaveRow,
    PublishStatusRow,
)
from oncall.db.models import LeaveRow
from oncall.domain.model import Leave, LeaveKind


@dataclass(frozen=True, slots=True)
class EventRevision:
    """What an exported event carries from the state: SEQUENCE and LAST-MODIFIED."""

    sequence: int
    changed_at: datetime


def assign_sequences(s: Session, hashes: dict[str, str], now: datetime) -> dict[str, EventRevision]:
    """SEQUENCE and LAST-MODIFIED for each UID of an export, given its content hash.

    A UID seen for the first time starts at SEQUENCE 0, changed ``now``. A UID whose hash
    differs from the stored one gets SEQUENCE + 1, changed ``now``. An unchanged one keeps
    both, so exporting twice gives the same events. The new state is written.
    """
    now = mapping.require_aware(now, "now").astimezone(UTC)
    out: dict[str, EventRevision] = {}
    rows: dict[str, CalendarEventStateRow] = {}
    uids = list(hashes)
    for i in range(0, len(uids), 500):  # SQLite's bound-parameter limit
        chunk = uids[i : i + 500]
        for row in s.scalars(
            select(CalendarEventStateRow).where(CalendarEventStateRow.uid.in_(chunk))
        ):
            rows[row.uid] = row
    for uid, digest in hashes.items():
        row = rows.get(uid)
        if row is None:
            row = CalendarEventStateRow(
                uid=uid, content_hash=digest, sequence=0, changed_at=now, last_exported_at=now
            )
            s.add(row)
        elif row.content_hash != digest:
            row.content_hash = digest
            row.sequence += 1
            row.changed_at = now
            row.last_exported_at = now
        else:
            row.last_exported_at = now
        out[uid] = EventRevision(row.sequence, row.changed_at)
    s.flush()
    return out


# -- CalDAV ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CalDAVItem:
    """An event this app put on a CalDAV collection."""

    uid: str
    href: str
    content_hash: str
    sequence: int
    start: datetime


def caldav_items(s: Session, collection: str) -> dict[str, CalDAVItem]:
    """What this app last put on ``collection`` (a URL), by UID."""
    rows = s.scalars(select(CalDAVItemRow).where(CalDAVItemRow.collection == collection))
    return {r.uid: CalDAVItem(r.uid, r.href, r.content_hash, r.sequence, r.starts_at) for r in rows}


def record_caldav_put(s: Session, collection: str, item: CalDAVItem, now: datetime) -> None:
    """Remember that ``item`` is now on ``collection`` as it says."""
    row = s.get(CalDAVItemRow, (collection, item.uid))
    if row is None:
        row = CalDAVItemRow(collection=collection, uid=item.uid)
        s.add(row)
    row.href, row.content_hash, row.sequence = item.href, item.content_hash, item.sequence
    row.starts_at = mapping.require_aware(item.start, "start")
    row.pushed_at = mapping.require_aware(now, "now")
    s.flush()


def record_caldav_delete(s: Session, collection: str, uid: str) -> None:
    """Forget an event removed from ``collection``."""
    s.execute(
        delete(CalDAVItemRow).where(
            CalDAVItemRow.collection == collection, CalDAVItemRow.uid == uid
        )
    )


# -- publish status --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PublishStatus:
    """The last publish to a target: shown in Settings ("Last published 10:02: 3 updated").

    ``target`` is "folder" or "caldav"; ``destination`` the folder or URL; ``written`` the
    files or events written, ``deleted`` the events removed, ``unchanged`` the events left.
    """

    target: str
    at: datetime
    ok: bool
    message: str
    destination: str = ""
    written: int = 0
    deleted: int = 0
    unchanged: int = 0


def record_publish(s: Session, status: PublishStatus) -> None:
    """Keep ``status`` as the last result of its target."""
    row = s.get(PublishStatusRow, status.target)
    if row is None:
        row = PublishStatusRow(target=status.target)
        s.add(row)
    row.at = mapping.require_aware(status.at, "at")
    row.ok, row.message, row.destination = status.ok, status.message, status.destination
    row.written, row.deleted, row.unchanged = status.written, status.deleted, status.unchanged
    s.flush()


def publish_status(s: Session, target: str) -> PublishStatus | None:
    """The last publish to ``target`` ("folder" or "caldav"), if there was one."""
    row = s.get(PublishStatusRow, target)
    if row is None:
        return None
    return PublishStatus(
        row.target, row.at, row.ok, row.message, row.destination, row.written, row.deleted,
        row.unchanged,
    )  # fmt: skip


# -- imported leave --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ImportedLeave:
    """A leave row and the ``.ics`` event it came from."""

    leave: Leave
    uid: str
    recurrence_id: str
    summary: str


def find_imported_leave(
    s: Session, engineer_id: int, uid: str, recurrence_id: str = ""
) -> ImportedLeave | None:
    """The leave imported from this event (UID + RECURRENCE-ID) for this engineer, if any."""
    row = s.scalars(
        select(ImportedLeaveRow).where(
            ImportedLeaveRow.engineer_id == engineer_id,
            ImportedLeaveRow.uid == uid,
            ImportedLeaveRow.recurrence_id == recurrence_id,
        )
    ).first()
    if row is None:
        return None
    leave = s.get(LeaveRow, row.leave_id)
    if leave is None:  # pragma: no cover  (the foreign key cascades)
        return None
    return ImportedLeave(mapping.leave(leave), row.uid, row.recurrence_id, row.summary)


def imported_leave(
    s: Session, engineer_ids: Iterable[int] | None = None, *, source: str | None = None
) -> list[ImportedLeave]:
    """Every imported leave row (of these engineers; from this ``source``, the file name it
    was imported from), by start."""
    query = select(ImportedLeaveRow, LeaveRow).join(
        LeaveRow, LeaveRow.id == ImportedLeaveRow.leave_id
    )
    if engineer_ids is not None:
        query = query.where(ImportedLeaveRow.engineer_id.in_(list(engineer_ids)))
    if source is not None:
        query = query.where(ImportedLeaveRow.source == source)
    rows = s.execute(query.order_by(LeaveRow.starts_at, LeaveRow.id))
    return [
        ImportedLeave(mapping.leave(leave), link.uid, link.recurrence_id, link.summary)
        for link, leave in rows
    ]


def save_imported_leave(
    s: Session,
    leave: Leave,
    uid: str,
    recurrence_id: str,
    *,
    summary: str,
    source: str,
    now: datetime,
) -> Leave:
    """Add or update the leave of this event (engineer, UID, RECURRENCE-ID): never a second row.

    ``leave.id`` is ignored; the start, end, kind and note of an existing row are replaced.
    Raises ValueError for an end not after its start or an unknown engineer.
    """
    from oncall.db import commands

    existing = find_imported_leave(s, leave.engineer_id, uid, recurrence_id)
    if existing is None:
        stored = commands.add_leave(s, leave)
        s.add(
            ImportedLeaveRow(
                leave_id=stored.id,
                engineer_id=leave.engineer_id,
                uid=uid,
                recurrence_id=recurrence_id,
                summary=summary,
                source=source,
                imported_at=mapping.require_aware(now, "now"),
            )
        )
        s.flush()
        return stored
    start = mapping.require_aware(leave.start, "start").astimezone(UTC)
    end = mapping.require_aware(leave.end, "end").astimezone(UTC)
    if end <= start:
        raise ValueError("The end of the leave must come after its start.")
    row = s.get(LeaveRow, existing.leave.id)
    assert row is not None
    row.starts_at, row.ends_at = start, end
    row.kind, row.note = LeaveKind(leave.kind).value, leave.note
    link = s.scalars(select(ImportedLeaveRow).where(ImportedLeaveRow.leave_id == row.id)).one()
    link.summary, link.source = summary, source
    link.imported_at = mapping.require_aware(now, "now")
    s.flush()
    return mapping.leave(row)


def delete_imported_leave(s: Session, engineer_id: int, uid: str, recurrence_id: str = "") -> bool:
    """Delete the leave imported from this event for this engineer (and its link); False when
    there is none (already removed)."""
    from oncall.db import commands

    existing = find_imported_leave(s, engineer_id, uid, recurrence_id)
    if existing is None:
        return False
    s.execute(delete(ImportedLeaveRow).where(ImportedLeaveRow.leave_id == existing.leave.id))
    commands.delete_leave(s, existing.leave.id)
    return True


def claim_imported_leave(s: Session, leave_id: int, source: str) -> None:
    """Make ``source`` the file the imported leave ``leave_id`` came from: the latest file
    that holds an event owns its leave (and a later import of that file may remove it)."""
    link = s.scalars(select(ImportedLeaveRow).where(ImportedLeaveRow.leave_id == leave_id)).first()
    if link is not None and link.source != source:
        link.source = source
        s.flush()
