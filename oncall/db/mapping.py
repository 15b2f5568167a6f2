"""Rows to domain dataclasses and back: the one place that knows both shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

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


def weekday_mask(weekdays: frozenset[int]) -> int:
    """Weekdays (0 = Monday) as a bit mask: bit d set for weekday d."""
    return sum(1 << d for d in weekdays)


def weekdays_of(mask: int) -> frozenset[int]:
    """The weekdays of a bit mask made by :func:`weekday_mask`."""
    return frozenset(d for d in range(7) if mask & (1 << d))


def team(row: TeamRow) -> Team:
    """A team row as a domain team."""
    return Team(id=row.id, name=row.name, zone=row.zone, description=row.description)


def engineer(row: EngineerRow) -> Engineer:
    """An engineer row as a domain engineer."""
    return Engineer(
        id=row.id,
        name=row.name,
        handle=row.handle,
        zone=row.zone,
        email=row.email,
        phone=row.phone,
        country=row.country,
        region=row.region,
        active=row.active,
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
    )


def rotation(row: RotationRow) -> Rotation:
    """A rotation row (with its versions loaded) as a domain rotation, versions oldest first."""
    return Rotation(
        id=row.id,
        team_id=row.team_id,
        name=row.name,
        versions=tuple(rotation_version(v) for v in sorted(row.versions, key=lambda v: v.version)),
        ends_at=row.ends_at,
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
    )


def shift(row: LedgerShiftRow | Row[Any]) -> Shift:
    """A ledger row (ORM object, or a plain row of its columns) as a domain shift."""
    return Shift(
        team_id=row.team_id,
        role=Role(row.role),
        engineer_id=row.engineer_id,
        start=row.starts_at,
        end=row.ends_at,
        source=Provenance(
            kind=SourceKind(row.kind),
            rotation_id=row.rotation_id,
            rotation_version=row.rotation_version,
            roster_index=row.roster_index,
            override_id=row.override_id,
            swap_id=row.swap_id,
        ),
        frozen=row.frozen,
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
