"""Rows to domain dataclasses and back: the one place that knows both shapes.

The team, engineer and shift conversions are pure functions of plain column values
(``team_of``, ``engineer_of``, ``shift_of``, columns in the order of ``TEAM_COLUMNS``...),
shared by the ORM reads in ``queries`` and the SQLAlchemy-free first frame in ``fastread``.
This module imports no SQLAlchemy at run time (the row classes are annotations only).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from oncall.domain.model import (
    CadenceUnit,
    Engineer,
    Leave,
    LeaveKind,
    Override,
    Provenance,
    Restriction,
    Role,
    Rotation,
    RotationVersion,
    Shift,
    SourceKind,
    Swap,
    Team,
)

if TYPE_CHECKING:  # annotations only: fastread must stay free of SQLAlchemy
    from sqlalchemy import Row

    from oncall.db.models import (
        EngineerRow,
        LeaveRow,
        LedgerShiftRow,
        OverrideRow,
        RestrictionRow,
        RotationRow,
        RotationVersionRow,
        SwapRow,
        TeamRow,
    )

#: Column order of the plain-value conversions below (a ``SELECT`` of these feeds ``*_of``).
TEAM_COLUMNS = ("id", "name", "zone", "description", "lead_engineer_id", "row_version")
ENGINEER_COLUMNS = (
    "id", "name", "handle", "zone", "email", "phone", "country", "region", "active", "row_version",
)  # fmt: skip
SHIFT_COLUMNS = (
    "team_id", "role", "engineer_id", "starts_at", "ends_at", "frozen", "kind",
    "rotation_id", "rotation_version", "roster_index", "override_id", "swap_id",
)  # fmt: skip


def weekday_mask(weekdays: frozenset[int]) -> int:
    """Weekdays (0 = Monday) as a bit mask: bit d set for weekday d."""
    return sum(1 << d for d in weekdays)


def weekdays_of(mask: int) -> frozenset[int]:
    """The weekdays of a bit mask made by :func:`weekday_mask`."""
    return frozenset(d for d in range(7) if mask & (1 << d))


def team_of(
    id: int,
    name: str,
    zone: str,
    description: str,
    lead_engineer_id: int | None = None,
    row_version: int = 0,
) -> Team:
    """A team from its column values (in ``TEAM_COLUMNS`` order)."""
    return Team(
        id=id,
        name=name,
        zone=zone,
        description=description,
        lead_engineer_id=lead_engineer_id,
        row_version=row_version,
    )


def team(row: TeamRow) -> Team:
    """A team row as a domain team."""
    return team_of(
        row.id, row.name, row.zone, row.description, row.lead_engineer_id, row.row_version
    )


def engineer_of(
    id: int,
    name: str,
    handle: str,
    zone: str,
    email: str,
    phone: str,
    country: str,
    region: str,
    active: bool,
    row_version: int = 0,
) -> Engineer:
    """An engineer from its column values (in ``ENGINEER_COLUMNS`` order)."""
    return Engineer(
        id=id,
        name=name,
        handle=handle,
        zone=zone,
        email=email,
        phone=phone,
        country=country,
        region=region,
        active=bool(active),
        row_version=row_version,
    )


def engineer(row: EngineerRow) -> Engineer:
    """An engineer row as a domain engineer."""
    return engineer_of(
        row.id,
        row.name,
        row.handle,
        row.zone,
        row.email,
        row.phone,
        row.country,
        row.region,
        row.active,
        row.row_version,
    )


def restriction(row: RestrictionRow) -> Restriction:
    """A restriction row as a domain restriction."""
    return Restriction(weekdays=weekdays_of(row.weekdays), start=row.start_time, end=row.end_time)


def rotation_version(row: RotationVersionRow) -> RotationVersion:
    """A version row (with its members and restrictions loaded) as a domain version."""
    return RotationVersion(
        version=row.version,
        effective_from=row.effective_from,
        members=tuple(m.engineer_id for m in row.members),
        cadence_unit=CadenceUnit(row.cadence_unit),
        cadence_count=row.cadence_count,
        anchor=row.anchor,
        zone=row.zone,
        restrictions=tuple(restriction(r) for r in row.restrictions),
        priority=row.priority,
        role=Role(row.role),
        reason=row.reason or "",
    )


def rotation(row: RotationRow) -> Rotation:
    """A rotation row (with its versions loaded) as a domain rotation, versions oldest first."""
    return Rotation(
        id=row.id,
        team_id=row.team_id,
        name=row.name,
        versions=tuple(rotation_version(v) for v in sorted(row.versions, key=lambda v: v.version)),
        ends_at=row.ends_at,
        row_version=row.row_version,
    )


def override(row: OverrideRow) -> Override:
    """An override row as a domain override."""
    return Override(
        id=row.id,
        team_id=row.team_id,
        engineer_id=row.engineer_id,
        start=row.starts_at,
        end=row.ends_at,
        created_at=row.created_at,
        role=Role(row.role),
        note=row.note,
        reason=row.reason or "",
        row_version=row.row_version,
    )


def swap(row: SwapRow) -> Swap:
    """A swap row as a domain swap."""
    return Swap(
        id=row.id,
        rotation_id=row.rotation_id,
        shift_start=row.shift_start,
        engineer_id=row.engineer_id,
        created_at=row.created_at,
        note=row.note,
        reason=row.reason or "",
        row_version=row.row_version,
    )


def leave(row: LeaveRow) -> Leave:
    """A leave row as domain leave."""
    return Leave(
        id=row.id,
        engineer_id=row.engineer_id,
        start=row.starts_at,
        end=row.ends_at,
        kind=LeaveKind(row.kind),
        note=row.note,
        row_version=row.row_version,
    )


def shift_of(
    team_id: int,
    role: str,
    engineer_id: int,
    starts_at: datetime,
    ends_at: datetime,
    frozen: bool,
    kind: str,
    rotation_id: int | None,
    rotation_version: int | None,
    roster_index: int | None,
    override_id: int | None,
    swap_id: int | None,
) -> Shift:
    """A ledger shift from its column values (in ``SHIFT_COLUMNS`` order; instants aware)."""
    return Shift(
        team_id=team_id,
        role=Role(role),
        engineer_id=engineer_id,
        start=starts_at,
        end=ends_at,
        source=Provenance(
            kind=SourceKind(kind),
            rotation_id=rotation_id,
            rotation_version=rotation_version,
            roster_index=roster_index,
            override_id=override_id,
            swap_id=swap_id,
        ),
        frozen=bool(frozen),
    )


def shift(row: LedgerShiftRow | Row[Any]) -> Shift:
    """A ledger row (ORM object, or a plain row of its columns) as a domain shift."""
    return shift_of(
        row.team_id,
        row.role,
        row.engineer_id,
        row.starts_at,
        row.ends_at,
        row.frozen,
        row.kind,
        row.rotation_id,
        row.rotation_version,
        row.roster_index,
        row.override_id,
        row.swap_id,
    )


def shift_values(s: Shift) -> dict[str, Any]:
    """A domain shift as the column values of a ledger row (for bulk inserts)."""
    return {
        "team_id": s.team_id,
        "role": s.role.value,
        "engineer_id": s.engineer_id,
        "starts_at": s.start,
        "ends_at": s.end,
        "frozen": s.frozen,
        "kind": s.source.kind.value,
        "rotation_id": s.source.rotation_id,
        "rotation_version": s.source.rotation_version,
        "roster_index": s.source.roster_index,
        "override_id": s.source.override_id,
        "swap_id": s.source.swap_id,
    }


def require_aware(value: datetime, what: str) -> datetime:
    """``value`` if it is timezone-aware; otherwise a ValueError naming ``what``."""
    if not isinstance(value, datetime):
        raise ValueError(f"{what} must be a date and time, not {value!r}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(
            f"{what} {value.isoformat(sep=' ')} has no time zone; give it one "
            "(for example 2026-11-16 09:00+00:00)"
        )
    return value
