"""What an edit changes for each person: shifts, hours, nights, weekends and holidays."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from oncall.domain.intervals import overlap, union
from oncall.domain.model import Engineer, Role, Shift, TeamPlan
from oncall.domain.schedule import StaleSwap, stale_swaps
from oncall.domain.zones import localize_utc, wall

_ENOUGH = timedelta(minutes=30)  # less than this on a night or a day does not count it
_NIGHT_START = time(22, 0)
_NIGHT_END = time(8, 0)
_DAY = timedelta(days=1)
_ROLE_ORDER = {role: i for i, role in enumerate(Role)}


@dataclass(frozen=True, slots=True)
class PersonLoad:
    """One person's share of a schedule over a window, counted in their own zone.

    A night is a local sleep window (22:00-08:00, keyed by the date it starts) that their
    shifts overlap by at least 30 minutes; a weekend day is a local Saturday or Sunday they
    are on call for at least 30 minutes; a holiday likewise for their public holidays.
    """

    shifts: int = 0
    hours: float = 0.0
    nights: int = 0
    weekend_days: int = 0
    holidays: int = 0


@dataclass(frozen=True, slots=True)
class PersonDiff:
    """Before and after of one person, with the shifts gained and lost."""

    engineer_id: int
    before: PersonLoad
    after: PersonLoad
    gained: tuple[Shift, ...]
    lost: tuple[Shift, ...]

    @property
    def changed(self) -> bool:
        """Whether anything about this person's schedule changes."""
        return bool(self.gained or self.lost)


def person_load(
    shifts: Sequence[Shift], engineer: Engineer, holidays: frozenset[date] = frozenset()
) -> PersonLoad:
    """Count one engineer's shifts (those with their id) in their zone.

    Hours, nights, weekend days and holidays count the union of the shifts' time, so a
    person holding two roles at once is not counted twice for the same hour.
    """
    mine = [s for s in shifts if s.engineer_id == engineer.id and s.end > s.start]
    if not mine:
        return PersonLoad()
    spans = union((s.start, s.end) for s in mine)
    hours = sum((end - start for start, end in spans), timedelta()) / timedelta(hours=1)
    zone = engineer.zone
    night_time: dict[date, timedelta] = defaultdict(timedelta)
    day_time: dict[date, timedelta] = defaultdict(timedelta)
    for start, end in spans:
        # From the local day before (its night runs into this one) to the local last day.
        day = wall(start, zone).date() - _DAY
        last = wall(end, zone).date()
        while day <= last:
            night = (
                localize_utc(datetime.combine(day, _NIGHT_START), zone),
                localize_utc(datetime.combine(day + _DAY, _NIGHT_END), zone),
            )
            whole_day = (
                localize_utc(datetime.combine(day, time()), zone),
                localize_utc(datetime.combine(day + _DAY, time()), zone),
            )
            night_time[day] += overlap(start, end, *night)
            day_time[day] += overlap(start, end, *whole_day)
            day += _DAY
    return PersonLoad(
        shifts=len(mine),
        hours=hours,
        nights=sum(1 for t in night_time.values() if t >= _ENOUGH),
        weekend_days=sum(1 for d, t in day_time.items() if d.weekday() >= 5 and t >= _ENOUGH),
        holidays=sum(1 for d, t in day_time.items() if d in holidays and t >= _ENOUGH),
    )


def _key(shift: Shift) -> tuple:
    """What makes two shifts "the same" to the person holding them."""
    return (shift.role, shift.start, shift.end, shift.engineer_id)


def _order(shift: Shift) -> tuple:
    return (shift.start, _ROLE_ORDER[shift.role], shift.end)


def diff_schedules(
    before: Sequence[Shift],
    after: Sequence[Shift],
    engineers: Sequence[Engineer],
    holidays: Mapping[int, frozenset[date]] | None = None,
) -> list[PersonDiff]:
    """Per-person differences between two final schedules of the same window, people with
    changes first (most hours gained or lost first), then the unchanged.

    Shifts equal by (role, start, end, engineer) are unchanged, whatever their provenance.
    Every engineer in ``engineers`` gets an entry, and so does anyone else holding a shift
    in either schedule (counted in UTC, since their zone is unknown). ``holidays`` maps an
    engineer id to their public holidays.
    """
    holidays = holidays or {}
    people = {e.id: e for e in engineers}
    for shift in (*before, *after):
        if shift.engineer_id not in people:
            people[shift.engineer_id] = Engineer(
                shift.engineer_id, f"#{shift.engineer_id}", "", zone="UTC"
            )
    before_keys = {_key(s) for s in before}
    after_keys = {_key(s) for s in after}
    by_person_before: dict[int, list[Shift]] = defaultdict(list)
    by_person_after: dict[int, list[Shift]] = defaultdict(list)
    for shift in before:
        by_person_before[shift.engineer_id].append(shift)
    for shift in after:
        by_person_after[shift.engineer_id].append(shift)
    diffs = []
    for position, (engineer_id, engineer) in enumerate(people.items()):
        old = by_person_before.get(engineer_id, [])
        new = by_person_after.get(engineer_id, [])
        days_off = holidays.get(engineer_id, frozenset())
        diff = PersonDiff(
            engineer_id=engineer_id,
            before=person_load(old, engineer, days_off),
            after=person_load(new, engineer, days_off),
            gained=tuple(sorted((s for s in new if _key(s) not in before_keys), key=_order)),
            lost=tuple(sorted((s for s in old if _key(s) not in after_keys), key=_order)),
        )
        diffs.append((position, diff))
    diffs.sort(
        key=lambda item: (
            not item[1].changed,
            -abs(item[1].after.hours - item[1].before.hours),
            item[0],
        )
    )
    return [diff for _, diff in diffs]


def orphaned_by_edit(before: TeamPlan, after: TeamPlan, since: datetime) -> tuple[StaleSwap, ...]:
    """The swaps (of shifts starting at or after ``since``) that the edit from ``before`` to
    ``after`` leaves without a shift: they bind in ``before`` and not in ``after``, so saving
    would quietly stop applying them. Swaps already stale before the edit are not counted."""
    already = {x.swap.id for x in stale_swaps(before, since)}
    return tuple(x for x in stale_swaps(after, since) if x.swap.id not in already)
