"""The shift ledger's one rule: what has ended is history and never changes.

``commands.materialise`` re-resolves a team from :func:`ledger_window_start` on and hands
the old ledger rows and the fresh shifts to :func:`merge_ledger`; whatever it returns is
the new ledger. Hours, nights and risk read the ledger, so an edit to a rotation can only
change the future.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from oncall.domain.model import Role, Shift

_ROLE_ORDER = {role: i for i, role in enumerate(Role)}


def _order(shift: Shift) -> tuple:
    return (shift.start, _ROLE_ORDER[shift.role], shift.team_id, shift.engineer_id, shift.end)


def ledger_window_start(existing: Sequence[Shift], now: datetime) -> datetime:
    """The instant from which materialise must re-resolve.

    The earliest start of an existing shift in progress at ``now`` (it is not history yet,
    so it may still change and is replaced whole), else ``now`` itself.
    """
    starts = [s.start for s in existing if s.start <= now < s.end]
    return min(starts, default=now)


def merge_ledger(existing: Sequence[Shift], fresh: Sequence[Shift], now: datetime) -> list[Shift]:
    """The new ledger: the frozen past of ``existing`` followed by the future of ``fresh``.

    Every existing shift that ended at or before ``now`` is kept (marked ``frozen``); every
    other existing shift is dropped. Fresh shifts are taken, each with its start moved to
    the end of any frozen shift of the same team and role it would overlap, so past and
    future never claim the same time (one left empty is dropped). A fresh shift that ends by
    ``now`` is the past of a shift that was in progress (an edit cut it short): it is kept,
    frozen, so the time someone was on call never vanishes. Sorted by start, role.
    """
    frozen = [s if s.frozen else replace(s, frozen=True) for s in existing if s.end <= now]
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
