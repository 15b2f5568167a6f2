"""Small builders for schedule tests: a plan reads like the sentence that describes it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from oncall.domain.model import (
    CadenceUnit,
    Engineer,
    Leave,
    Override,
    Restriction,
    Role,
    Rotation,
    RotationVersion,
    Shift,
    Swap,
    Team,
    TeamPlan,
)

TEAM = Team(1, "Payments", "Europe/London")
LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


def utc(*args: int) -> datetime:
    """An aware UTC instant: ``utc(2024, 3, 25, 9)``."""
    return datetime(*args, tzinfo=UTC)


def at(zone: str, *args: int) -> datetime:
    """An aware instant given as wall time in ``zone`` (unambiguous times only)."""
    return datetime(*args, tzinfo=ZoneInfo(zone))


def version(
    members: tuple[int, ...] = (1, 2, 3),
    *,
    unit: CadenceUnit = CadenceUnit.WEEKS,
    count: int = 1,
    anchor: datetime = datetime(2024, 1, 1, 9),
    zone: str = "Europe/London",
    effective_from: datetime = LONG_AGO,
    restrictions: tuple[Restriction, ...] = (),
    priority: int = 0,
    role: Role = Role.PRIMARY,
    number: int = 1,
) -> RotationVersion:
    """A rotation version; by default weekly, Monday 09:00 Europe/London, in force forever."""
    return RotationVersion(
        version=number,
        effective_from=effective_from,
        members=members,
        cadence_unit=unit,
        cadence_count=count,
        anchor=anchor,
        zone=zone,
        restrictions=restrictions,
        priority=priority,
        role=role,
    )


def rotation(*versions: RotationVersion, rid: int = 1, ends_at: datetime | None = None) -> Rotation:
    """A rotation of the test team (one default version if none given)."""
    return Rotation(rid, TEAM.id, f"Rotation {rid}", versions or (version(),), ends_at)


def plan(
    *rotations: Rotation,
    overrides: tuple[Override, ...] = (),
    swaps: tuple[Swap, ...] = (),
    leave: tuple[Leave, ...] = (),
    engineers: tuple[Engineer, ...] = (),
) -> TeamPlan:
    """The test team's plan."""
    return TeamPlan(TEAM, engineers, rotations, overrides, swaps, leave)


def override(
    oid: int,
    engineer_id: int,
    start: datetime,
    end: datetime,
    *,
    created: datetime | None = None,
    role: Role = Role.PRIMARY,
) -> Override:
    """An override; created at ``oid`` minutes past LONG_AGO unless told (so newer = higher id)."""
    created = created or LONG_AGO + timedelta(minutes=oid)
    return Override(oid, TEAM.id, engineer_id, start, end, created, role)


def hours(shift: Shift) -> float:
    """A shift's length in hours."""
    return (shift.end - shift.start) / timedelta(hours=1)


def who(shifts, instant: datetime) -> list[int]:
    """Engineers on the given shifts at ``instant``."""
    return [s.engineer_id for s in shifts if s.start <= instant < s.end]
