"""Calendar exchange tables: what was exported (SEQUENCE per UID), what sits on a CalDAV
server, the last publish result per target, and which leave rows came from which ``.ics`` UID.

Registered on the shared ``Base`` by one import line at the end of ``oncall/db/models.py``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from oncall.db.models import Base, UTCDateTime


class CalendarEventStateRow(Base):
    """One exported VEVENT's revision state, by UID (team and personal UIDs differ).

    ``content_hash`` is the hash of everything the event says except DTSTAMP, SEQUENCE and
    LAST-MODIFIED; when an export computes a different hash, ``sequence`` rises by one and
    ``changed_at`` (written as LAST-MODIFIED) becomes the export time.
    """

    __tablename__ = "calendar_event_state"

    uid: Mapped[str] = mapped_column(String(255), primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_exported_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CalDAVItemRow(Base):
    """An event this app put on a CalDAV collection: what it said (hash) and where it lives."""

    __tablename__ = "caldav_item"

    collection: Mapped[str] = mapped_column(String(1000), primary_key=True)
    uid: Mapped[str] = mapped_column(String(255), primary_key=True)
    href: Mapped[str] = mapped_column(String(2000))
    content_hash: Mapped[str] = mapped_column(String(64))
    sequence: Mapped[int] = mapped_column(Integer)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)  # past ones are never deleted
    pushed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PublishStatusRow(Base):
    """The last publish to one target ("folder" or "caldav"): when, whether it worked, what."""

    __tablename__ = "publish_status"

    target: Mapped[str] = mapped_column(String(16), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    ok: Mapped[bool] = mapped_column(default=False)
    message: Mapped[str] = mapped_column(Text, default="")
    destination: Mapped[str] = mapped_column(String(2000), default="")
    written: Mapped[int] = mapped_column(Integer, default=0)
    deleted: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)


class ImportedLeaveRow(Base):
    """Ties a leave row to the ``.ics`` event it came from, so a re-import updates it.

    The key is (engineer, UID, RECURRENCE-ID); ``recurrence_id`` is "" for a single event and
    the occurrence's original start (ISO 8601) for one occurrence of a recurring event.
    """

    __tablename__ = "imported_leave"
    __table_args__ = (UniqueConstraint("engineer_id", "uid", "recurrence_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    leave_id: Mapped[int] = mapped_column(ForeignKey("leave.id", ondelete="CASCADE"), unique=True)
    engineer_id: Mapped[int] = mapped_column(ForeignKey("engineer.id", ondelete="CASCADE"))
    uid: Mapped[str] = mapped_column(String(255))
    recurrence_id: Mapped[str] = mapped_column(String(64), default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(1000), default="")
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime)
