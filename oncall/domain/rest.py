"""On-call blocks and rest after engagement (``shared/reference/burnout.md`` 9.3, D10-D11).

- D10: each on-call stretch is cut into consecutive 12 h blocks from its start (the last,
  partial block counts); a block's incident count is the number of distinct incidents (or
  interruptions without an incident) first paged to the engineer inside it (Google SRE book
  ch. 11: at most 2 incidents per 12 h shift).
- D11: the next work start after an engagement ends is the first configured workday start
  (local ``business_start`` on a day that is neither a weekend day nor a public holiday)
  strictly after it; the rest gap is the time between the two (EU Working Time Directive
  Art. 3: 11 h of daily rest).

Plain functions over frozen values; the clock and zones are arguments.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from oncall.domain.bands import DEFAULT_SETTINGS, LoadSettings
from oncall.domain.interruptions import Interruption
from oncall.domain.intervals import Span, union
from oncall.domain.model import Shift
from oncall.domain.zones import localize_utc, zone_info

__all__ = [
    "BLOCK",
    "Block",
    "block_incidents",
    "incident_starts",
    "next_work_start",
    "oncall_blocks",
    "rest_gap",
]

#: The length of an on-call block (D10).
BLOCK = timedelta(hours=12)
_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Block:
    """One 12 h on-call block (the last of a stretch may be shorter) and the incidents first
    paged to the engineer inside it (incident keys; ``#<start>`` for an interruption without
    an incident)."""

    start: datetime
    end: datetime
    incidents: tuple[str, ...]

    @property
    def count(self) -> int:
        """How many distinct incidents were first paged in the block."""
        return len(self.incidents)


def oncall_blocks(
    shifts: Iterable[Shift],
    settings: LoadSettings = DEFAULT_SETTINGS,
    *,
    length: timedelta = BLOCK,
) -> list[Span]:
    """The 12 h blocks of one engineer's on-call time (D10), in time order.

    Shifts of the counted roles (primary, secondary) are merged first, so overlapping or
    back-to-back shifts make one stretch; each stretch is cut from its start into blocks of
    ``length``, the last one partial.
    """
    roles = settings.oncall_roles
    blocks: list[Span] = []
    for a, b in union((s.start, s.end) for s in shifts if s.role in roles and s.end > s.start):
        cursor = a
        while cursor < b:
            blocks.append((cursor, min(cursor + length, b)))
            cursor += length
    return blocks


def incident_starts(found: Iterable[Interruption]) -> list[tuple[datetime, str]]:
    """When each distinct incident was first paged to the engineer, in time order; an
    interruption without an incident is its own incident (``#<start>``)."""
    first: dict[str, datetime] = {}
    for i in found:
        keyed = False
        for p in i.pages:
            if p.incident_key:
                keyed = True
                seen = first.get(p.incident_key)
                if seen is None or p.triggered_at < seen:
                    first[p.incident_key] = p.triggered_at
        if not keyed:
            first[f"#{i.start.isoformat()}"] = i.start
    return sorted(((t, k) for k, t in first.items()), key=lambda x: (x[0], x[1]))


def block_incidents(blocks: Sequence[Span], found: Iterable[Interruption]) -> list[Block]:
    """Each block with the incidents first paged inside it (half-open ``[start, end)``)."""
    starts = incident_starts(found)
    times = [t for t, _ in starts]
    out = []
    for a, b in blocks:
        lo, hi = bisect_left(times, a), bisect_left(times, b)
        out.append(Block(a, b, tuple(k for _, k in starts[lo:hi])))
    return out


def next_work_start(
    after: datetime,
    zone: str,
    settings: LoadSettings = DEFAULT_SETTINGS,
    holidays: Collection[date] = (),
) -> datetime:
    """The first workday start strictly after ``after`` in ``zone`` (D11): ``business_start``
    local time on a day that is not a weekend day or a public holiday."""
    day = after.astimezone(zone_info(zone)).date()
    for _ in range(400):  # a year of holidays cannot hide every workday
        if day.weekday() not in settings.weekend_days and day not in holidays:
            start = localize_utc(datetime.combine(day, settings.business_start), zone)
            if start > after:
                return start
        day += _DAY
    raise ValueError("No workday within a year: check the weekend days and holidays.")


def rest_gap(
    end: datetime,
    zone: str,
    settings: LoadSettings = DEFAULT_SETTINGS,
    holidays: Collection[date] = (),
) -> timedelta:
    """The rest between an engagement's end and the next work start (D11)."""
    return next_work_start(end, zone, settings, holidays) - end
