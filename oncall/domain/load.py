"""On-call load per engineer and period: hours by band, interruptions, nights, engaged time.

Plain functions over frozen values; definitions D1-D9 of ``shared/reference/burnout.md``
section 9.3, windows of 9.4. Nothing here reads the clock or the machine's zone: ``now`` and
zones are arguments. Every number comes with the list behind it, for drill-down: the numbers
are computed with the report, the lists (interruptions, nights, engaged spans) from the same
pages the first time one is read.
Interruptions and engagement (D2-D4) live in :mod:`oncall.domain.interruptions`, nights
(D5-D8) in :mod:`oncall.domain.nights`; their names are re-exported here.

Typical use (the Load screen, ``oncall report load``)::

    start, end = period("28d", now, team.zone)
    rows = team_load(engineers, shifts, pages, leave, holidays_by_engineer, start, end)
    rows[0].oncall.sleep, rows[0].night_page_count, rows[0].interrupted_night_count
    rows[0].interrupted_nights  # the Night values behind that count, built now
"""

from __future__ import annotations

import gc
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from itertools import islice
from operator import le

from oncall.domain.bands import (
    DEFAULT_SETTINGS,
    BandHours,
    LoadSettings,
    Timeline,
    accumulate,
    band_at,
    day_cuts,
    split_by_band,
)
from oncall.domain.interruptions import (
    Interruption,
    _engineer_interruptions,
    _trigger,
    engaged_hours,
    engagement_end,
    engagements,
    interrupting,
    interruptions,
    merge_spans,
)
from oncall.domain.intervals import Span, union
from oncall.domain.model import Band, Engineer, Leave, Page, Shift
from oncall.domain.nights import (
    Night,
    _start,
    file_interruptions,
    file_spans,
    night_counts,
    night_key,
    night_values,
    night_window,
    nights,
    sweep_engagement,
)
from oncall.domain.zones import localize_utc, wall, zone_info

__all__ = [
    "DEFAULT_SETTINGS",
    "Band",
    "BandHours",
    "EngineerLoad",
    "Interruption",
    "LoadSettings",
    "Night",
    "band_at",
    "date_range",
    "days_on_call",
    "engaged_hours",
    "engagement_end",
    "engagements",
    "engineer_load",
    "hour_of_week_heatmap",
    "interrupting",
    "interruptions",
    "night_key",
    "night_window",
    "nights",
    "oncall_spans",
    "period",
    "split_by_band",
    "subtract",
    "team_load",
]

_DAY = timedelta(days=1)
_HOUR = timedelta(hours=1)
_ZERO = timedelta()
# Pages this long before a period still shape it: a merge group or an engagement that started
# the evening before reaches into the period's first night.
_LOOKBACK = timedelta(days=1)
PERIODS = {"7d": 7, "28d": 28, "90d": 90}


# --- on-call hours (D9) ---------------------------------------------------------------------


def subtract(spans: Sequence[Span], holes: Sequence[Span]) -> list[Span]:
    """``spans`` minus ``holes`` (both sorted unions of half-open intervals)."""
    if not holes:
        return list(spans)
    out: list[Span] = []
    starts = [h[0] for h in holes]
    for a, b in spans:
        i = max(bisect_left(starts, a) - 1, 0)
        cursor = a
        while i < len(holes) and holes[i][0] < b:
            ha, hb = holes[i]
            if hb > cursor:
                if ha > cursor:
                    out.append((cursor, ha))
                cursor = max(cursor, hb)
            i += 1
        if cursor < b:
            out.append((cursor, b))
    return out


def oncall_spans(
    shifts: Iterable[Shift],
    leave: Iterable[Leave],
    start: datetime,
    end: datetime,
    settings: LoadSettings = DEFAULT_SETTINGS,
) -> list[Span]:
    """The on-call time of the given shifts inside ``[start, end)`` (D9): the union of the
    counted roles' shifts minus leave. Pass one engineer's shifts and leave."""
    roles = settings.oncall_roles
    spans = union(
        (max(s.start, start), min(s.end, end))
        for s in shifts
        if s.role in roles and s.end > start and s.start < end
    )
    spans = [(a, b) for a, b in spans if b > a]
    holes = union((lv.start, lv.end) for lv in leave if lv.end > start and lv.start < end)
    return subtract(spans, holes)


def days_on_call(
    spans: Iterable[Span],
    zone: str,
    settings: LoadSettings = DEFAULT_SETTINGS,
) -> list[date]:
    """Local calendar days with at least ``oncall_day_min`` (12 h) of on-call time (D9)."""
    per_day: dict[date, timedelta] = {}
    accumulate(spans, zone, settings, (), per_day)
    return sorted(d for d, t in per_day.items() if t >= settings.oncall_day_min)


# --- per engineer and period ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _History:
    """What a report's drill-down lists are computed from, when first read: the engineer's
    pages from a day before the period to its end (sorted by trigger), their holidays and the
    settings. Two reports of the same history have the same lists."""

    pages: tuple[Page, ...]
    holidays: Collection[date]
    settings: LoadSettings


@dataclass(frozen=True, slots=True)
class _Detail:
    """The drill-down lists of one :class:`EngineerLoad`, built on first use."""

    interruptions: tuple[Interruption, ...]
    interruptions_by_band: Mapping[Band, tuple[Interruption, ...]]
    nights: tuple[Night, ...]
    engaged_spans: tuple[Span, ...]


@dataclass(frozen=True, slots=True)
class EngineerLoad:
    """One engineer's load over ``[start, end)``, counted in their local time, with the lists
    behind every number (for drill-down).

    - ``oncall``: on-call hours by band (D9); ``days_on_call`` the local days with >= 12 h.
    - ``pages``: every page triggered in the period (interrupting or not).
    - ``interruptions`` starting in the period, and the same split by the band they started in.
    - ``nights``: disturbed nights whose sleep window starts in the period (D5-D8).
    - ``engaged``: engaged time (union of engagement intervals, D4) in the period, by band.
    - ``shifts``: the counted shifts (roles primary and secondary by default) meeting the period.

    The counts (``interruption_count``, ``night_page_count``, ``night_count``,
    ``interrupted_night_count``, ``rest_deficit_night_count``, ``fragmented_night_count``) are
    computed with the report; the lists behind them (``interruptions``,
    ``interruptions_by_band``, ``nights``, ``engaged_spans`` and what derives from them) are
    built from the same history the first time one is read, so a table of 40 people over two
    years does not build the ~50,000 interruptions nobody opens. Equal reports have equal
    inputs, hence equal lists.
    """

    engineer: Engineer
    start: datetime
    end: datetime
    oncall: BandHours
    days_on_call: tuple[date, ...]
    pages: tuple[Page, ...]
    engaged: BandHours
    shifts: tuple[Shift, ...]
    oncall_spans: tuple[Span, ...]
    interruption_count: int
    night_page_count: int
    night_count: int
    interrupted_night_count: int
    rest_deficit_night_count: int
    fragmented_night_count: int
    history: _History = field(repr=False)
    _detail: _Detail | None = field(default=None, repr=False, compare=False)

    def _lists(self) -> _Detail:
        detail = self._detail
        if detail is None:
            detail, _ = _details(self.engineer, self.history, self.start, self.end)
            object.__setattr__(self, "_detail", detail)  # a cache: the value never changes
        return detail

    @property
    def interruptions(self) -> tuple[Interruption, ...]:
        """Interruptions starting in the period (D3), in order of start."""
        return self._lists().interruptions

    @property
    def interruptions_by_band(self) -> Mapping[Band, tuple[Interruption, ...]]:
        """The same interruptions by the band they started in (every band a key)."""
        return self._lists().interruptions_by_band

    @property
    def nights(self) -> tuple[Night, ...]:
        """Disturbed nights whose sleep window starts in the period (D5-D8), by key."""
        return self._lists().nights

    @property
    def engaged_spans(self) -> tuple[Span, ...]:
        """Engaged time in the period: the union of engagement intervals (D4), clipped."""
        return self._lists().engaged_spans

    @property
    def oncall_hours(self) -> float:
        """All on-call hours (D9)."""
        return self.oncall.total

    @property
    def engaged_hours(self) -> float:
        """All engaged hours (D4, union)."""
        return self.engaged.total

    @property
    def page_count(self) -> int:
        """Pages triggered in the period."""
        return len(self.pages)

    @property
    def night_pages(self) -> tuple[Interruption, ...]:
        """Interruptions that started in the sleep band."""
        return self.interruptions_by_band[Band.SLEEP]

    @property
    def out_of_hours_interruptions(self) -> tuple[Interruption, ...]:
        """Interruptions in the off-hours and sleep bands (rule C1)."""
        by_band = self.interruptions_by_band
        return tuple(sorted(by_band[Band.OFF_HOURS] + by_band[Band.SLEEP], key=_start))

    @property
    def interrupted_nights(self) -> tuple[Night, ...]:
        """Nights interrupted per D6."""
        return tuple(n for n in self.nights if n.interrupted)

    @property
    def rest_deficit_nights(self) -> tuple[Night, ...]:
        """Nights whose longest undisturbed block was under 5 h (D8)."""
        return tuple(n for n in self.nights if n.rest_deficit)

    @property
    def fragmented_nights(self) -> tuple[Night, ...]:
        """Nights woken at least twice (D7)."""
        return tuple(n for n in self.nights if n.fragmented)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a report builds its (acyclic) values.

    A two-year report allocates a few hundred thousand small tuples and records; the collector
    would otherwise walk every page again and again and take two thirds of the time. Reference
    counting still frees everything; the previous state is restored. (Nothing more clever:
    freezing the heap to age the results also aged every Qt wrapper in the app, and the
    collector then met dead widgets at exit.)
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _timeline(
    zone: str, tz: tzinfo, start: datetime, end: datetime, settings: LoadSettings
) -> Timeline:
    """The zone's band pieces around the period: from the look-back day (and one more, for
    the night it may end) to two days after the end (the last night's window)."""
    return day_cuts(zone, settings).timeline(
        (start - _LOOKBACK).astimezone(tz).date() - _DAY, end.astimezone(tz).date() + 2 * _DAY
    )


def _details(
    engineer: Engineer, history: _History, start: datetime, end: datetime
) -> tuple[_Detail, list[timedelta]]:
    """The drill-down lists of a report, from its history (what :func:`_load` counts), and the
    engaged time by band as :func:`sweep_engagement` tallies it."""
    settings = history.settings
    zone = engineer.zone or "UTC"
    found = _engineer_interruptions(history.pages, settings)
    timeline = _timeline(zone, zone_info(zone), start, end, settings)
    in_window, by_band, merged = file_interruptions(found, timeline, history.holidays, start)
    inside: list[Span] = []
    touching, tally = sweep_engagement(*merged, timeline, history.holidays, start, end, inside)
    in_period = bisect_left(found, start, key=_start)  # found is sorted by start
    return _Detail(
        interruptions=tuple(found[in_period:]),
        interruptions_by_band={b: tuple(v) for b, v in by_band.items()},
        nights=tuple(night_values(in_window, touching, timeline.nights, settings, start, end)),
        engaged_spans=tuple(inside),
    ), tally


def _load(
    engineer: Engineer,
    shifts: Sequence[Shift],
    pages: Sequence[Page],
    leave: Sequence[Leave],
    holidays: Collection[date],
    start: datetime,
    end: datetime,
    settings: LoadSettings,
    *,
    lists: bool = False,
) -> EngineerLoad:
    """The load of one engineer from their own shifts, pages (sorted by trigger) and leave.

    Only numbers are computed here (no object per interruption or night): the interruptions'
    starts and ends (D3/D4), then one sweep over the zone's band pieces gives each its band and
    night, a second one the merged engagement's nights and hours by band. The lists behind the
    numbers are built from the same pages by :func:`_details` when first read; a caller that
    reads them anyway (risk) passes ``lists=True`` to build them at once and count from them.
    """
    zone = engineer.zone or "UTC"
    tz = zone_info(zone)
    lo = bisect_left(pages, start - _LOOKBACK, key=_trigger)
    first = bisect_left(pages, start, lo, key=_trigger)
    last = bisect_left(pages, end, first, key=_trigger)
    source = tuple(pages[lo:last])
    history = _History(source, holidays, settings)
    detail: _Detail | None = None
    if lists:
        detail, tally = _details(engineer, history, start, end)
        found_nights = detail.nights
        counts = (
            len(detail.interruptions),
            len(detail.interruptions_by_band[Band.SLEEP]),
            len(found_nights),
            sum(n.interrupted for n in found_nights),
            sum(n.rest_deficit for n in found_nights),
            sum(n.fragmented for n in found_nights),
        )
    else:
        starts, ends = merge_spans(source, settings)
        timeline = _timeline(zone, tz, start, end, settings)
        keys, bands, merged = file_spans(starts, ends, timeline, holidays, start)
        touching, tally = sweep_engagement(*merged, timeline, holidays, start, end)
        disturbed = {key for key in set(keys) if key is not None}
        counts = (
            len(starts) - bisect_left(starts, start),
            bands.count(Band.SLEEP),
            *night_counts(disturbed, touching, timeline.nights, settings, start, end),
        )
    roles = settings.oncall_roles
    counted = tuple(
        sorted(
            (s for s in shifts if s.role in roles and s.end > start and s.start < end),
            key=lambda s: (s.start, s.end),
        )
    )
    spans = oncall_spans(counted, leave, start, end, settings)
    per_day: dict[date, timedelta] = {}
    oncall = accumulate(spans, zone, settings, holidays, per_day)
    whole_days = sorted(d for d, t in per_day.items() if t >= settings.oncall_day_min)
    return EngineerLoad(
        engineer=engineer,
        start=start,
        end=end,
        oncall=oncall,
        days_on_call=tuple(whole_days),
        pages=source[first - lo :],
        engaged=BandHours(*(t / _HOUR for t in tally)),
        shifts=counted,
        oncall_spans=tuple(spans),
        interruption_count=counts[0],
        night_page_count=counts[1],
        night_count=counts[2],
        interrupted_night_count=counts[3],
        rest_deficit_night_count=counts[4],
        fragmented_night_count=counts[5],
        history=history,
        _detail=detail,
    )


def engineer_load(
    engineer: Engineer,
    shifts: Iterable[Shift],
    pages: Iterable[Page],
    leave: Iterable[Leave],
    holidays: Collection[date],
    start: datetime,
    end: datetime,
    settings: LoadSettings = DEFAULT_SETTINGS,
) -> EngineerLoad:
    """One engineer's load over ``[start, end)``. Shifts, pages and leave of other engineers
    are ignored; ``holidays`` are this engineer's public holidays (local dates)."""
    me = engineer.id
    mine = sorted((p for p in pages if p.engineer_id == me), key=_trigger)
    with _collector_paused():
        return _load(
            engineer,
            [s for s in shifts if s.engineer_id == me],
            mine,
            [lv for lv in leave if lv.engineer_id == me],
            holidays,
            start,
            end,
            settings,
        )


def team_load(
    engineers: Iterable[Engineer],
    shifts: Iterable[Shift],
    pages: Iterable[Page],
    leave: Iterable[Leave],
    holidays_by_engineer: Mapping[int, Collection[date]] | None,
    start: datetime,
    end: datetime,
    settings: LoadSettings = DEFAULT_SETTINGS,
) -> list[EngineerLoad]:
    """The load of each engineer over ``[start, end)``, in the order given. Inputs are grouped
    by engineer once, so this is the call for many people at a time."""
    with _collector_paused():
        return _team_load(engineers, shifts, pages, leave, holidays_by_engineer or {}, start, end,
                          settings)  # fmt: skip


def _team_load(
    engineers: Iterable[Engineer],
    shifts: Iterable[Shift],
    pages: Iterable[Page],
    leave: Iterable[Leave],
    holidays_by_engineer: Mapping[int, Collection[date]],
    start: datetime,
    end: datetime,
    settings: LoadSettings,
) -> list[EngineerLoad]:
    by_shift: dict[int, list[Shift]] = defaultdict(list)
    for s in shifts:
        if s.end > start and s.start < end:
            by_shift[s.engineer_id].append(s)
    by_leave: dict[int, list[Leave]] = defaultdict(list)
    for lv in leave:
        if lv.end > start and lv.start < end:
            by_leave[lv.engineer_id].append(lv)
    # Each engineer's pages in trigger order; _load bisects them for the period. The database
    # returns pages by trigger time, so they are sorted only when they come out of order.
    pages = pages if isinstance(pages, Sequence) else list(pages)
    triggers = list(map(_trigger, pages))  # the order check runs in C, not per page in Python
    ordered = all(map(le, triggers, islice(triggers, 1, None)))
    by_page: dict[int, list[Page]] = defaultdict(list)
    for p in pages:
        by_page[p.engineer_id].append(p)
    if not ordered:
        for group in by_page.values():
            group.sort(key=_trigger)
    return [
        _load(
            e,
            by_shift.get(e.id, []),
            by_page.get(e.id, []),
            by_leave.get(e.id, []),
            holidays_by_engineer.get(e.id, frozenset()),
            start,
            end,
            settings,
        )
        for e in engineers
    ]


# --- periods and the heatmap ----------------------------------------------------------------


def period(kind: str, now: datetime, zone: str) -> Span:
    """``[start, now)`` for "7d", "28d" or "90d" (burnout.md 9.4): the same local clock time
    that many days ago in ``zone`` (so a DST change inside does not shift it by an hour).
    "baseline" is 9.4's baseline, ``[now - 90 d, now - 28 d)``."""
    if kind == "baseline":
        return period("90d", now, zone)[0], period("28d", now, zone)[0]
    if kind not in PERIODS:
        raise ValueError(f"Unknown period {kind!r}: use one of 7d, 28d, 90d or baseline.")
    local = wall(now, zone)
    return localize_utc(local - timedelta(days=PERIODS[kind]), zone), now


def date_range(first: date, last: date, zone: str) -> Span:
    """Local days ``first`` to ``last`` inclusive in ``zone``, as an aware ``[start, end)``."""
    if last < first:
        raise ValueError(f"The range ends ({last}) before it starts ({first}).")
    return (
        localize_utc(datetime.combine(first, time()), zone),
        localize_utc(datetime.combine(last + _DAY, time()), zone),
    )


def hour_of_week_heatmap(
    pages: Iterable[Page],
    engineers_by_id: Mapping[int, Engineer],
    settings: LoadSettings = DEFAULT_SETTINGS,
    *,
    interrupting_only: bool = False,
) -> list[list[int]]:
    """Pages per local hour of the week: 7 rows (Monday first) of 24 hours, each page read in
    its engineer's zone (UTC for an unknown engineer). With ``interrupting_only`` only pages
    that can interrupt (D2, per ``settings``) count."""
    grid = [[0] * 24 for _ in range(7)]
    zones = {eid: zone_info(e.zone or "UTC") for eid, e in engineers_by_id.items()}
    utc = zone_info("UTC")
    for page in pages:
        if interrupting_only and not interrupting(page, settings):
            continue
        local = page.triggered_at.astimezone(zones.get(page.engineer_id, utc))
        grid[local.weekday()][local.hour] += 1
    return grid
