"""Recovery after a heavy night (burnout.md 9.8, issue 5 item 4): a late start or a recovery
block, and who covers the on-call time it takes.

- A late start: RECOVERY leave from ``now`` until the end of the night's engaged work + 11 h
  (EU Working Time Directive Art. 3; PagerDuty's advice to delay the workday after night pages).
- A recovery block: 46 h of RECOVERY leave from ``now`` (EASA ORO.FTL.235: 36 h including two
  local nights; Malmberg et al. 2010: recovery after two nights' sleep).

Either way the person's on-call time inside the leave is handed to the best cover: free then,
not at High, not woken at night in the last day, least on-call time around it (``suggest_cover``
ranks by burden). Pure: ``now`` is an argument.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from oncall.domain.cover import CoverCandidate, suggest_cover
from oncall.domain.intervals import Span
from oncall.domain.model import Leave, LeaveKind, Role, Shift, TeamPlan
from oncall.domain.risk import Assessment, Level

__all__ = [
    "BLOCK_HOURS",
    "RecoveryKind",
    "RecoveryOption",
    "cover_needed",
    "rank_cover",
    "recovery_options",
]

#: The length of a recovery block (burnout.md 9.7 ``recovery_block_h``).
BLOCK_HOURS = 46


class RecoveryKind(StrEnum):
    """Which kind of recovery is offered."""

    LATE_START = "late_start"
    BLOCK = "block"


@dataclass(frozen=True, slots=True)
class RecoveryOption:
    """One way to recover: RECOVERY leave over ``[start, end)`` and why, in words."""

    kind: RecoveryKind
    start: datetime
    end: datetime
    why: str

    def leave(self, engineer_id: int) -> Leave:
        """The leave this option creates."""
        return Leave(0, engineer_id, self.start, self.end, LeaveKind.RECOVERY, self.why)


def recovery_options(
    now: datetime,
    night_work_end: datetime | None,
    *,
    daily_rest_h: float = 11.0,
    block_hours: float = BLOCK_HOURS,
) -> list[RecoveryOption]:
    """The late start (when the last night work ended less than ``daily_rest_h`` ago) and the
    recovery block, both from ``now``."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    found = []
    if night_work_end is not None:
        until = night_work_end + timedelta(hours=daily_rest_h)
        if until > now:
            found.append(
                RecoveryOption(
                    RecoveryKind.LATE_START,
                    now,
                    until,
                    f"Late start: {daily_rest_h:g} h of rest after night work",
                )
            )
    found.append(
        RecoveryOption(
            RecoveryKind.BLOCK,
            now,
            now + timedelta(hours=block_hours),
            f"Recovery block: {block_hours:g} h after a heavy night",
        )
    )
    return found


def cover_needed(
    shifts: Sequence[Shift], engineer_id: int, start: datetime, end: datetime
) -> list[tuple[Role, Span]]:
    """The person's on-call time inside ``[start, end)``, role by role (merged, in time order):
    what an override must hand to someone else."""
    spans: dict[Role, list[Span]] = {}
    for s in sorted(shifts, key=lambda x: x.start):
        if s.engineer_id != engineer_id or s.end <= start or s.start >= end:
            continue
        a, b = max(s.start, start), min(s.end, end)
        mine = spans.setdefault(Role(s.role), [])
        if mine and a <= mine[-1][1]:
            mine[-1] = (mine[-1][0], max(mine[-1][1], b))
        else:
            mine.append((a, b))
    return sorted(
        ((role, span) for role, found in spans.items() for span in found),
        key=lambda x: (x[1][0], list(Role).index(x[0])),
    )


def rank_cover(
    candidates: Sequence[CoverCandidate],
    assessments: Mapping[int, Assessment],
    night_work: Mapping[int, Sequence[Span]],
    now: datetime,
) -> list[CoverCandidate]:
    """Rested cover first: nobody at High and nobody woken at night in the last 24 h before the
    rest, each group in ``suggest_cover``'s order (least on-call time around it); every reason
    says how rested they are."""
    out = []
    for c in candidates:
        found = assessments.get(c.engineer.id)
        level = Level(found.level) if found is not None else None
        woken = any(b > now - timedelta(days=1) for _, b in night_work.get(c.engineer.id, ()))
        words = [c.reason]
        words.append("no night work in the last day" if not woken else "woken last night")
        if level is not None:
            words.append(f"{level.value.capitalize()} load risk")
        tired = (level is Level.HIGH) + woken
        out.append((tired, replace(c, reason=" · ".join(words))))
    out.sort(key=lambda x: x[0])  # stable: suggest_cover's order within each group
    return [c for _, c in out]


def best_cover(
    plan: TeamPlan,
    shifts: Sequence[Shift],
    engineer_id: int,
    start: datetime,
    end: datetime,
    role: Role,
    assessments: Mapping[int, Assessment],
    night_work: Mapping[int, Sequence[Span]],
    now: datetime,
) -> list[CoverCandidate]:
    """Who could take ``engineer_id``'s ``role`` over ``[start, end)``, the best first."""
    found = suggest_cover(plan, shifts, start, end, role, {engineer_id})
    return rank_cover(found, assessments, night_work, now)
