"""The shift ledger's one rule: what has ended is history and never changes.

``commands.materialise`` re-resolves a team from :func:`ledger_window_start` on and hands
the old ledger rows and the fresh shifts to :func:`merge_ledger`; whatever it returns is
the new ledger. Hours, nights and risk read the ledger, so an edit to a rotation can only
change the future.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from oncall.domain.model import Gap, Resolution, Role, Shift, TeamPlan
from oncall.domain.schedule import resolve

_ROLE_ORDER = {role: i for i, role in enumerate(Role)}


def _order(shift: Shift) -> tuple:
    return (shift.start, _ROLE_ORDER[shift.role], shift.team_id, shift.engineer_id, shift.end)


def _identity(shift: Shift) -> tuple:
    return (shift.team_id, shift.role, shift.engineer_id, shift.source, shift.start)


def ledger_window_start(existing: Sequence[Shift], now: datetime) -> datetime:
    """The instant from which materialise must re-resolve.

    The earliest start of an existing shift in progress at ``now`` (it is not history yet,
    so it may still change and is replaced whole). Else, when the whole ledger stops before
    ``now`` (the app was not opened for longer than its horizon), where it stops: that time
    is history to fill in from the rules then in force, not a hole. Else ``now`` itself.
    """
    starts = [s.start for s in existing if s.start <= now < s.end]
    if starts:
        return min(starts)
    last_end = max((s.end for s in existing), default=now)
    return min(last_end, now)


def merge_ledger(existing: Sequence[Shift], fresh: Sequence[Shift], now: datetime) -> list[Shift]:
    """The new ledger: the frozen past of ``existing`` followed by the future of ``fresh``.

    Every existing shift that ended at or before ``now`` is kept (marked ``frozen``); a shift
    in progress that the fresh plan changes keeps its part before ``now``; every other
    existing shift is dropped. Fresh shifts are taken, each with its start moved to
    the end of any frozen shift of the same team and role it would overlap, so past and
    future never claim the same time (one left empty is dropped). A fresh shift that ends by
    ``now`` is the past of a shift that was in progress (an edit cut it short): it is kept,
    frozen, so the time someone was on call never vanishes. Sorted by start, role.
    """
    frozen = [s if s.frozen else replace(s, frozen=True) for s in existing if s.end <= now]
    # A shift in progress has a past that already happened. Unless the fresh plan keeps the
    # very same shift, that past stays with whoever held it, cut at now (a swap or override
    # made mid-shift hands over the rest, never the hours already worked).
    kept = {(f.team_id, f.role, f.engineer_id, f.source, f.start) for f in fresh}
    frozen += [
        replace(s, end=now, frozen=True)
        for s in existing
        if s.start < now < s.end
        and (s.team_id, s.role, s.engineer_id, s.source, s.start) not in kept
    ]
    # A fresh shift overlaps the frozen past of its slot exactly when it starts before the
    # latest frozen end there; moving its start to that end clears all of them.
    frozen_until: dict[tuple[int, Role], datetime] = {}
    for shift in frozen:
        slot = (shift.team_id, shift.role)
        if slot not in frozen_until or shift.end > frozen_until[slot]:
            frozen_until[slot] = shift.end
    past: list[Shift] = []
    future: list[Shift] = []
    for shift in fresh:
        until = frozen_until.get((shift.team_id, shift.role))
        if until is not None and shift.start < until:
            if shift.end <= until:
                continue
            shift = replace(shift, start=until)
        if shift.end <= now:
            past.append(replace(shift, frozen=True))
        else:
            future.append(shift)
    return sorted(frozen + past, key=_order) + sorted(future, key=_order)


@dataclass(frozen=True, slots=True)
class FinalSchedule:
    """A team's final shifts and gaps over a window, as every view of the schedule shows them.

    ``resolution`` is the live resolution of the plan over the same window (its layers feed
    the layers view).
    """

    shifts: tuple[Shift, ...]
    gaps: tuple[Gap, ...]
    resolution: Resolution


def final_schedule(
    plan: TeamPlan, ledger: Sequence[Shift], start: datetime, end: datetime, now: datetime
) -> FinalSchedule:
    """The final schedule over ``[start, end)``: the ledger where it holds shifts, live after.

    The ledger is the truth for what it holds (the frozen past above all); after its last
    shift, and never before ``now``, the plan is resolved live. A shift cut in two at the
    ledger's edge is joined again. Gaps are the live resolution's gaps that no final shift
    covers. The Schedule screen and ``oncall schedule`` both read this, so they agree.
    """
    resolution = resolve(plan, start, end)
    shifts = [replace(x, start=max(x.start, start), end=min(x.end, end)) for x in ledger]
    live_from = max(start, now, *(x.end for x in ledger))
    shifts += [
        replace(x, start=max(x.start, live_from)) for x in resolution.shifts if x.end > live_from
    ]
    merged = _join_touching(shifts)
    gaps = [piece for g in resolution.gaps for piece in _uncovered(g, merged)]
    return FinalSchedule(tuple(merged), tuple(sorted(gaps, key=_gap_order)), resolution)


def _gap_order(gap: Gap) -> tuple:
    return (gap.start, _ROLE_ORDER[gap.role])


def _join_touching(shifts: list[Shift]) -> list[Shift]:
    """Join a shift cut in two at the ledger's edge back into one."""
    out: list[Shift] = []
    for x in sorted(shifts, key=lambda x: (_ROLE_ORDER[x.role], x.start)):
        prev = out[-1] if out else None
        if (
            prev is not None
            and prev.end == x.start
            and (prev.role, prev.engineer_id, prev.source) == (x.role, x.engineer_id, x.source)
        ):
            out[-1] = replace(prev, end=x.end)
        else:
            out.append(x)
    return sorted(out, key=_order)


def _uncovered(gap: Gap, covered: Sequence[Shift]) -> list[Gap]:
    """The parts of ``gap`` that no shift of its role covers."""
    pieces = [(gap.start, gap.end)]
    for x in covered:
        if x.role != gap.role or x.team_id != gap.team_id:
            continue
        rest = []
        for a, b in pieces:
            if x.end <= a or x.start >= b:
                rest.append((a, b))
                continue
            if a < x.start:
                rest.append((a, x.start))
            if x.end < b:
                rest.append((x.end, b))
        pieces = rest
    return [replace(gap, start=a, end=b) for a, b in pieces if a < b]
