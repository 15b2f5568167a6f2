"""The schedule engine: rotations, overrides and swaps resolved into final shifts and gaps.

Plain Python. Rules (DESIGN.md "Time" and "Schedule"): handoffs at wall-clock time of the
rotation's zone; nonexistent local times move forward by the gap (RFC 5545); repeated local
times take their first occurrence; higher priority hides lower within a role; overrides beat
every rotation and the newest overlapping override wins; a swap replaces the engineer of one
shift; leave meeting a shift is a conflict, never a drop; uncovered time of a covered role is
a gap. Resolution is a sweep over interval boundaries.
"""

from __future__ import annotations

from datetime import datetime

from oncall.domain.model import Resolution, Rotation, Shift, Swap, TeamPlan


def localize(naive: datetime, zone: str) -> datetime:
    """Attach ``zone`` to a wall-clock time: gaps move forward, repeats take the first."""
    raise NotImplementedError


def layer_shifts(
    rotation: Rotation, team_id: int, start: datetime, end: datetime, swaps: tuple[Swap, ...] = ()
) -> list[Shift]:
    """One rotation's own shifts that meet ``[start, end)``, clipped to it, swaps applied."""
    raise NotImplementedError


def resolve(plan: TeamPlan, start: datetime, end: datetime) -> Resolution:
    """The final schedule of ``plan`` over ``[start, end)``: shifts, gaps, conflicts, layers."""
    raise NotImplementedError
