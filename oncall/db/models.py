"""The schema: SQLAlchemy 2 typed models, one ``Base``, every constraint named.

Rules the whole schema follows (they matter for the shared PostgreSQL database later):
- Instants are stored in UTC through :class:`UTCDateTime` and always come back aware, in UTC,
  on SQLite as on PostgreSQL. A naive instant is refused at bind time.
- A rotation's ``anchor`` is the one naive value: a wall-clock date-time in its ``zone``.
- Enumerations are plain strings (no native ENUM types, no CHECKs that differ by dialect).
- Every row a person edits carries ``row_version`` (SQLAlchemy's ``version_id_col``), so an
  UPDATE or DELETE of a row someone else changed meanwhile fails instead of overwriting.
- Provenance ids in the ledger are plain integers, not foreign keys: a frozen shift must keep
  explaining itself after the override or swap that made it is deleted.

This module must stay cheap to import (no Alembic): it is on the start-up path.
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

from sqlalchemy import (
    Boolean,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
    Time,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column, relationship

# Batch migrations on SQLite need every constraint to have a stable name.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """An aware instant, stored in UTC, returned aware in UTC on every dialect.

    SQLite has no time zone type, so the UTC wall time is stored and UTC re-attached on the
    way out; PostgreSQL gets ``timestamp with time zone``. Naive values are a bug upstream
    (DESIGN.md "Time"), so binding one raises instead of guessing a zone.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()} cannot be stored as an instant")
        value = value.astimezone(UTC)
        # SQLite stores text; dropping the (UTC) offset keeps the text sortable and comparable.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class LocalDateTime(TypeDecorator[datetime]):
    """A naive wall-clock date-time (meaningful only with a zone stored beside it)."""

    impl = DateTime(timezone=False)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is not None:
            raise ValueError(f"wall-clock time {value.isoformat()} must be naive")
        return value


class Base(DeclarativeBase):
    """The one declarative base; its metadata names every constraint."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Versioned:
    """A row people edit: ``row_version`` rises on every UPDATE (optimistic concurrency)."""

    row_version: Mapped[int] = mapped_column(Integer, nullable=False)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:  # noqa: N805 (a class-level directive)
        return {"version_id_col": cls.__table__.c.row_version}  # type: ignore[attr-defined]


class TeamRow(Versioned, Base):
    __tablename__ = "team"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    zone: Mapped[str] = mapped_column(String(64), default="UTC")
    description: Mapped[str] = mapped_column(Text, default="")
    # The lead need not be a member; deleting the engineer leaves the team without a lead.
    lead_engineer_id: Mapped[int | None] = mapped_column(
        ForeignKey("engineer.id", ondelete="SET NULL")
    )


class EngineerRow(Versioned, Base):
    __tablename__ = "engineer"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    handle: Mapped[str] = mapped_column(String(100), unique=True)
    email: Mapped[str] = mapped_column(String(320), default="")
    phone: Mapped[str] = mapped_column(String(64), default="")
    zone: Mapped[str] = mapped_column(String(64), default="UTC")
    country: Mapped[str] = mapped_column(String(8), default="")  # ISO 3166-1 alpha-2
    region: Mapped[str] = mapped_column(String(16), default="")  # subdivision, for holidays
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class TeamMemberRow(Base):
    __tablename__ = "team_member"

    team_id: Mapped[int] = mapped_column(
        ForeignKey("team.id", ondelete="CASCADE"), primary_key=True
    )
    engineer_id: Mapped[int] = mapped_column(
        ForeignKey("engineer.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class RotationRow(Versioned, Base):
    __tablename__ = "rotation"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    versions: Mapped[list[RotationVersionRow]] = relationship(
        back_populates="rotation",
        order_by="RotationVersionRow.version",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )


class RotationVersionRow(Versioned, Base):
    __tablename__ = "rotation_version"
    __table_args__ = (UniqueConstraint("rotation_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rotation_id: Mapped[int] = mapped_column(ForeignKey("rotation.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    effective_from: Mapped[datetime] = mapped_column(UTCDateTime)
    cadence_unit: Mapped[str] = mapped_column(String(16))  # CadenceUnit value
    cadence_count: Mapped[int] = mapped_column(Integer)
    anchor: Mapped[datetime] = mapped_column(LocalDateTime)  # wall clock in ``zone``
    zone: Mapped[str] = mapped_column(String(64))
    priority: Mapped[int] = mapped_column(Integer, default=0)
    role: Mapped[str] = mapped_column(String(16))  # Role value
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Why the lead went ahead despite the planning guard's concerns (NULL: none were raised).
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)

    rotation: Mapped[RotationRow] = relationship(back_populates="versions")
    members: Mapped[list[RotationMemberRow]] = relationship(
        order_by="RotationMemberRow.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )
    restrictions: Mapped[list[RestrictionRow]] = relationship(
        order_by="RestrictionRow.id",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )


class RotationMemberRow(Base):
    __tablename__ = "rotation_member"

    version_id: Mapped[int] = mapped_column(
        ForeignKey("rotation_version.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    engineer_id: Mapped[int] = mapped_column(ForeignKey("engineer.id"), index=True)


class RestrictionRow(Base):
    __tablename__ = "restriction"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("rotation_version.id", ondelete="CASCADE"), index=True
    )
    weekdays: Mapped[int] = mapped_column(SmallInteger)  # bit d set: weekday d (0 = Monday)
    start_time: Mapped[time] = mapped_column(Time)
    end_time: Mapped[time] = mapped_column(Time)


class OverrideRow(Versioned, Base):
    __tablename__ = "override"
    __table_args__ = (Index("ix_override_team_id_starts_at", "team_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"))
    engineer_id: Mapped[int] = mapped_column(ForeignKey("engineer.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)  # the guard's, see above


class SwapRow(Versioned, Base):
    __tablename__ = "swap"

    id: Mapped[int] = mapped_column(primary_key=True)
    rotation_id: Mapped[int] = mapped_column(
        ForeignKey("rotation.id", ondelete="CASCADE"), index=True
    )
    shift_start: Mapped[datetime] = mapped_column(UTCDateTime)
    engineer_id: Mapped[int] = mapped_column(ForeignKey("engineer.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)  # the guard's, see above


class LeaveRow(Versioned, Base):
    __tablename__ = "leave"
    __table_args__ = (Index("ix_leave_engineer_id_starts_at", "engineer_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    engineer_id: Mapped[int] = mapped_column(ForeignKey("engineer.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # LeaveKind value
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(Text, default="")


class LedgerShiftRow(Base):
    """One materialised final shift. Derived data: rewritten by ``commands.materialise``
    except where ``frozen`` (the shift had ended), which is history and never changes."""

    __tablename__ = "ledger_shift"
    __table_args__ = (
        Index("ix_ledger_shift_team_id_starts_at", "team_id", "starts_at"),
        Index("ix_ledger_shift_engineer_id_starts_at", "engineer_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(16))
    engineer_id: Mapped[int] = mapped_column(ForeignKey("engineer.id"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    frozen: Mapped[bool] = mapped_column(Boolean, default=False)
    kind: Mapped[str] = mapped_column(String(16))  # SourceKind value
    rotation_id: Mapped[int | None] = mapped_column(Integer)
    rotation_version: Mapped[int | None] = mapped_column(Integer)
    roster_index: Mapped[int | None] = mapped_column(Integer)
    override_id: Mapped[int | None] = mapped_column(Integer)
    swap_id: Mapped[int | None] = mapped_column(Integer)


# Other areas' tables register on Base (one line each; after Base, so no import cycle bites).
from oncall.db import calendar_models as calendar_models  # noqa: E402
from oncall.db import checklist_models as checklist_models  # noqa: E402
from oncall.db import incident_models as incident_models  # noqa: E402
from oncall.db import page_models as page_models  # noqa: E402
