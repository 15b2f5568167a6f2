"""Words for swaps that no longer match a shift (stale swaps), shared by the Schedule screen's
notice and the change preview's warning. Dates are in the viewer's zone."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from oncall.domain.model import Engineer
from oncall.domain.schedule import StaleSwap


def _day(instant: datetime, zone: str) -> str:
    """ "Tue 3 Dec 09:00" in ``zone``."""
    t = instant.astimezone(ZoneInfo(zone))
    return f"{t:%a} {t.day} {t:%b} {t:%H:%M}"


def changed_words(stale: StaleSwap, zone: str) -> str:
    """Why a swap lost its shift, in a few words: "Primary changed on Mon 16 Nov"."""
    if not stale.rotation_name:
        return "its rotation was removed"
    if stale.changed_at is None:
        return f"no {stale.rotation_name} shift starts then"
    t = stale.changed_at.astimezone(ZoneInfo(zone))
    return f"{stale.rotation_name} changed on {t:%a} {t.day} {t:%b}"


def stale_swap_words(stale: StaleSwap, engineers: Mapping[int, Engineer], zone: str) -> str:
    """ "Ana ↔ Bao, Tue 3 Dec 09:00": who held the shift, who took it, when it started."""

    def first(engineer_id: int | None) -> str:
        e = engineers.get(engineer_id) if engineer_id is not None else None
        if e is None:
            return "someone" if engineer_id is None else f"Engineer {engineer_id}"
        return e.name.split()[0] if e.name else e.handle

    taker = first(stale.swap.engineer_id)
    who = f"{first(stale.holder_id)} ↔ {taker}" if stale.holder_id is not None else taker
    return f"{who}, {_day(stale.swap.shift_start, zone)}"


def stale_heading(stales: Sequence[StaleSwap], zone: str) -> str:
    """ "1 swap no longer matches a shift (Primary changed on Mon 16 Nov):", the reason
    named once when every swap listed shares it."""
    n = len(stales)
    head = "1 swap no longer matches a shift" if n == 1 else f"{n} swaps no longer match a shift"
    reasons = {changed_words(x, zone) for x in stales}
    return f"{head} ({reasons.pop()}):" if len(reasons) == 1 else f"{head}:"
