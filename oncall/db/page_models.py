"""Paging history tables: pages, the import batches that brought them, and their old versions.

- ``page``: one notification delivered to one engineer (``oncall.domain.model.Page``). The key
  across re-imports is ``(source, source_id)``; ``content_hash`` is the SHA-256 of the
  normalised content (reference/formats.md 4.3 step 5), so a re-import can tell ``unchanged``
  from ``updated`` without comparing every column.
- ``import_batch``: one run of an importer (file, source, the zone chosen for naive times, when
  it started and finished, the outcome counts). Written in the same transaction as its pages,
  so a batch row exists exactly when its pages do.
- ``page_revision``: the content a page had before an import updated it (audit; JSON text of
  the normalised content, so the audit survives later column changes).

Registered on ``Base`` by the import line at the end of ``oncall.db.models``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from oncall.db.models import Base, UTCDateTime


class ImportBatchRow(Base):
    __tablename__ = "import_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(32))  # "csv", "pagerduty", "manual"...
    file_name: Mapped[str] = mapped_column(String(1000), default="")
    zone: Mapped[str | None] = mapped_column(String(64))  # chosen for naive times, else None
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    total_rows: Mapped[int] = mapped_column(Integer, default=0)
    inserted: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    duplicate_in_file: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)


class PageRow(Base):
    __tablename__ = "page"
    __table_args__ = (
        UniqueConstraint("source", "source_id"),
        Index("ix_page_engineer_id_triggered_at", "engineer_id", "triggered_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(32))
    source_id: Mapped[str] = mapped_column(String(255))
    # No cascade: paging history outlives nothing silently (engineers are deactivated, not deleted).
    engineer_id: Mapped[int] = mapped_column(ForeignKey("engineer.id"))
    triggered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    incident_key: Mapped[str] = mapped_column(String(255), default="")
    severity: Mapped[str | None] = mapped_column(String(16))  # Severity value or None
    urgency: Mapped[str | None] = mapped_column(String(8))  # Urgency value or None
    channel: Mapped[str | None] = mapped_column(String(8))  # Channel value or None
    service: Mapped[str] = mapped_column(String(255), default="")
    title: Mapped[str] = mapped_column(Text, default="")
    engineer_tz: Mapped[str] = mapped_column(String(64), default="")  # "" = profile zone
    content_hash: Mapped[str] = mapped_column(String(64))
    batch_id: Mapped[int | None] = mapped_column(
        ForeignKey("import_batch.id", ondelete="SET NULL"), index=True
    )


class PageRevisionRow(Base):
    __tablename__ = "page_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("page.id", ondelete="CASCADE"), index=True)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id", ondelete="SET NULL"))
    replaced_at: Mapped[datetime] = mapped_column(UTCDateTime)
    content_hash: Mapped[str] = mapped_column(String(64))
    content: Mapped[str] = mapped_column(Text)  # JSON object of the replaced normalised content
