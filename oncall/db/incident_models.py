"""Incident tables: ``incident`` (one per page worked through the triage runner) and
``incident_event`` (its timeline, append-only).

- ``incident``: who ran it and who was on call when it opened (primary, secondary), the
  checklist and its version, severity, summary, when it opened and closed, the outcome, and
  the page its engaged time was logged as (``page_id``, plain integer like the ledger's
  provenance: the page outlives nothing silently).
- ``incident_event``: one row per :class:`oncall.domain.incident.Event`. Rows are only ever
  inserted (triggers refuse UPDATE and DELETE: revision 0003 on SQLite, 0007 on PostgreSQL);
  ``data`` is JSON text. ``at`` is when it happened, ``recorded_at`` when it was written (they
  differ for a backfilled entry). ``client_key`` is the writer's id for the event (outbox).

Registered on ``Base`` by the import line at the end of ``oncall.db.models``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from oncall.db.models import Base, UTCDateTime, Versioned


class IncidentRow(Versioned, Base):
    __tablename__ = "incident"
    __table_args__ = (Index("ix_incident_opened_at", "opened_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(Text, default="")
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id", ondelete="SET NULL"))
    engineer_id: Mapped[int | None] = mapped_column(ForeignKey("engineer.id"))
    primary_id: Mapped[int | None] = mapped_column(Integer)
    secondary_id: Mapped[int | None] = mapped_column(Integer)
    checklist_id: Mapped[str] = mapped_column(String(40), default="")
    checklist_version: Mapped[int] = mapped_column(Integer, default=0)
    severity: Mapped[str | None] = mapped_column(String(16))  # Severity value or None
    summary: Mapped[str] = mapped_column(Text, default="")
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str | None] = mapped_column(String(32))  # Outcome value or None
    page_id: Mapped[int | None] = mapped_column(Integer)


class IncidentEventRow(Base):
    __tablename__ = "incident_event"
    __table_args__ = (
        Index("ix_incident_event_incident_id_id", "incident_id", "id"),
        Index("ux_incident_event_client_key", "client_key", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # No cascade: a timeline is history; an incident is never deleted with its events.
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id"))
    kind: Mapped[str] = mapped_column(String(32))  # EventKind value
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(100), default="")
    text: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[str] = mapped_column(Text, default="{}")  # JSON object
    backfilled: Mapped[bool] = mapped_column(Boolean, default=False)
    private: Mapped[bool] = mapped_column(Boolean, default=False)
    # Made by the writing client (a UUID), so a delivery from the local outbox that is retried
    # after a crash inserts nothing twice; NULL for rows written before revision 0007.
    client_key: Mapped[str | None] = mapped_column(String(36))
