"""Who could cover a stretch of time: the engineers free then, the least loaded first.

Used to fix a leave conflict: the person on leave is excluded by the caller, everyone else
on the team is weighed by how much on-call time they carry in the weeks around it, so cover
does not always land on the same few people. Plain Python; the caller passes the shifts
(ledger history and the live schedule) and never the clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from oncall.domain.intervals import overlap, union
from oncall.domain.model import Engineer, Role, Shift, TeamPlan

#: How far either side of the window on-call time is counted when ranking candidates.
AROUND = timedelta(days=28)


@dataclass(frozen=True, slots=True)
class CoverCandidate:
    """Someone free to cover ``role`` over a window, with their recent and coming load.

    ``hours_around`` is their on-call time within :data:`AROUND` either side of the window;
    ``reason`` says in one line why they are suggested.
    """

    engineer: Engineer
    role: Role
    hours_around: float
    reason: str


def _aware(instant: datetime, what: str) -> datetime:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware, got naive {instant.isoformat()}")
    return instant


def _hours_words(hours: float) -> str:
    if hours <= 0:
        return "no time on call"
    if hours < 1:
        return "under 1 h on call"
    return f"{round(hours)} h on call"


def suggest_cover(
    plan: TeamPlan,
    shifts: Sequence[Shift],
    start: datetime,
    end: datetime,
    role: Role,
    exclude: set[int],
) -> list[CoverCandidate]:
    """The team's active engineers who could cover ``role`` over ``[start, end)``, best first.

    Left out: anyone in ``exclude``; anyone whose leave meets the window; anyone already on
    call for this team at that time, in any role (one person cannot hold two roles at once
    and still be a second pair of hands). ``shifts`` are the final shifts (ledger and live)
    of the 28 days before to the 28 days after the window; the rest are ranked by their
    on-call time there, fewest hours first, ties by name. An empty list means nobody is free.
    """
    start, end = _aware(start, "The cover start"), _aware(end, "The cover end")
    if end <= start:
        raise ValueError("The time to cover must end after it starts.")
    lo, hi = start - AROUND, end + AROUND
    away = {lv.engineer_id for lv in plan.leave if lv.start < end and lv.end > start}
    busy = {
        x.engineer_id
        for x in shifts
        if x.team_id == plan.team.id and x.start < end and x.end > start
    }
    spans: dict[int, list[tuple[datetime, datetime]]] = {}
    for x in shifts:
        if x.end > lo and x.start < hi:
            spans.setdefault(x.engineer_id, []).append((max(x.start, lo), min(x.end, hi)))
    candidates = []
    weeks = round((hi - lo - (end - start)) / timedelta(weeks=1))
    for engineer in plan.engineers:
        if not engineer.active or engineer.id in exclude | away | busy:
            continue
        # A union, so two roles held at once are not counted twice.
        seconds = sum(
            (overlap(a, b, lo, hi) for a, b in union(spans.get(engineer.id, ()))), timedelta()
        ).total_seconds()
        hours = seconds / 3600
        reason = f"free then · {_hours_words(hours)} in the {weeks} weeks around it"
        candidates.append(CoverCandidate(engineer, role, hours, reason))
    candidates.sort(key=lambda c: (round(c.hours_around, 6), c.engineer.name.lower()))
    return candidates
