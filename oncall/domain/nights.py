"""Disturbed nights (``shared/reference/burnout.md`` section 9.3, D5-D8).

A night is one local sleep window, keyed by the date of the evening it starts (D5: a page at
Tue 03:10 belongs to night "Mon"). It is interrupted by an interruption inside the window or
by enough engagement reaching into it (D6); wake episodes closer than the rewake gap are one
(D7); the longest undisturbed rest, after resettling, decides a rest-deficit night (D8).
"""

from __future__ import annotations

import dataclasses
from bisect import bisect_right
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from oncall.domain.bands import DEFAULT_SETTINGS, LoadSettings, Timeline, day_cuts
from oncall.domain.interruptions import Interruption
from oncall.domain.intervals import Span
from oncall.domain.model import Band, Page
from oncall.domain.zones import localize_utc, zone_info

_DAY = timedelta(days=1)
_ZERO = timedelta()


def _start(i: Interruption) -> datetime:
    return i.start


@dataclass(frozen=True, slots=True)
class Night:
    """One local sleep window of one engineer that was disturbed, keyed by the local date it
    starts on (D5: a page at Tue 03:10 belongs to night "Mon").

    ``engaged`` is the engagement time inside the window (clipped, merged); ``wake_episodes``
    counts engagements closer than the rewake gap as one (D7); ``longest_rest`` is the longest
    stretch of the window left after each engagement plus the resettle time (D8).
    """

    key: date
    start: datetime
    end: datetime
    interruptions: tuple[Interruption, ...]
    engaged: tuple[Span, ...]
    wake_episodes: int
    longest_rest: timedelta
    interrupted: bool
    rest_deficit: bool

    @property
    def pages(self) -> tuple[Page, ...]:
        """The pages of the interruptions that started in this night."""
        return tuple(p for i in self.interruptions for p in i.pages)

    @property
    def fragmented(self) -> bool:
        """Woken at least twice (D7)."""
        return self.wake_episodes >= 2

    @property
    def engaged_time(self) -> timedelta:
        """How long the engineer was engaged inside the window."""
        return sum((b - a for a, b in self.engaged), _ZERO)


def night_key(
    instant: datetime, zone: str, settings: LoadSettings = DEFAULT_SETTINGS
) -> date | None:
    """The key of the night whose sleep window holds ``instant`` in ``zone`` (None outside)."""
    local = instant.astimezone(zone_info(zone))
    return _local_night_key(local, settings)


def _local_night_key(local: datetime, settings: LoadSettings) -> date | None:
    m = local.hour * 60 + local.minute
    if not settings.in_sleep(m):
        return None
    if settings.sleep_wraps and m < settings._sleep[1]:
        return local.date() - _DAY
    return local.date()


def night_window(key: date, zone: str, settings: LoadSettings = DEFAULT_SETTINGS) -> Span:
    """The aware ``[start, end)`` of night ``key``'s sleep window in ``zone``."""
    end_day = key + _DAY if settings.sleep_wraps else key
    return (
        localize_utc(datetime.combine(key, settings.sleep_start), zone),
        localize_utc(datetime.combine(end_day, settings.sleep_end), zone),
    )


def _wake_episodes(spans: list[Span], gap: timedelta) -> int:
    episodes = 0
    last_end: datetime | None = None
    for a, b in spans:
        if last_end is None or a - last_end >= gap:
            episodes += 1
        last_end = b if last_end is None or b > last_end else last_end
    return episodes


def _longest_rest(
    spans: Sequence[Span], start: datetime, end: datetime, resettle: timedelta
) -> timedelta:
    """The longest gap in ``[start, end)`` once each span (sorted, disjoint) is extended by
    ``resettle``."""
    longest = _ZERO
    cursor = start
    for a, b in spans:
        if a - cursor > longest:
            longest = a - cursor
        b += resettle
        if b > cursor:
            cursor = b
    return max(longest, end - cursor)


def nights(
    found: Sequence[Interruption],
    zone: str,
    settings: LoadSettings = DEFAULT_SETTINGS,
) -> list[Night]:
    """The disturbed nights of one engineer (D5-D8), by key: every night with an interruption in
    its sleep window or engagement reaching into it. ``interrupted`` per D6 (an interruption
    inside, or one engagement overlapping it by ``night_overlap``); ``rest_deficit`` per D8."""
    found = sorted(found, key=_start)
    if not found:
        return []
    tz = zone_info(zone)
    last = max(i.end for i in found)
    timeline = day_cuts(zone, settings).timeline(
        found[0].start.astimezone(tz).date() - _DAY, last.astimezone(tz).date() + _DAY
    )
    first = found[0].start
    in_window, _, merged = file_interruptions(found, timeline, (), first)
    touching, _ = sweep_engagement(*merged, timeline, (), first, first)
    return night_values(in_window, touching, timeline.nights, settings)


def file_spans(
    starts: Sequence[datetime],
    ends: Sequence[datetime],
    timeline: Timeline,
    holidays: Collection[date],
    start: datetime,
) -> tuple[list[date | None], list[Band | None], tuple[list[datetime], list[datetime]]]:
    """One sweep of the timeline over interruptions given as parallel lists of starts (sorted)
    and engagement ends: the key of the night whose sleep window holds each start (None
    outside), the band each started in (None before ``start``), and the union of their
    engagement intervals (D4) as parallel lists of starts and ends. No object per
    interruption: the lists hold the timeline's own dates and bands."""
    keys: list[date | None] = []
    bands: list[Band | None] = []
    lows: list[datetime] = []
    highs: list[datetime] = []
    add_key, add_band = keys.append, bands.append
    timeline_starts, info = timeline.starts, timeline.info
    j = 0  # the piece holding the last start (the first piece, before the first)
    lo: datetime | None = None  # the engagement union being built
    hi: datetime | None = None
    for t, e in zip(starts, ends, strict=True):
        j = bisect_right(timeline_starts, t, j + 1) - 1  # the piece holding t, from the last on
        day, workday, offday, key, weekend = info[j]
        add_key(key)
        if t >= start:
            add_band(offday if weekend or (holidays and day in holidays) else workday)
        else:
            add_band(None)
        if e > t:  # intervals.union, in one pass: the starts come sorted
            if hi is not None and t <= hi:
                if e > hi:
                    hi = e
            else:
                if lo is not None and hi is not None:
                    lows.append(lo)
                    highs.append(hi)
                lo, hi = t, e
    if lo is not None and hi is not None:
        lows.append(lo)
        highs.append(hi)
    return keys, bands, (lows, highs)


def file_interruptions(
    found: Sequence[Interruption],
    timeline: Timeline,
    holidays: Collection[date],
    start: datetime,
) -> tuple[
    dict[date, list[Interruption]],
    dict[Band, list[Interruption]],
    tuple[list[datetime], list[datetime]],
]:
    """:func:`file_spans` for interruptions sorted by start: those inside each night's sleep
    window (by night key), those starting at or after ``start`` by the band they started in,
    and the union of their engagement intervals (D4) as parallel lists of starts and ends."""
    keys, bands, merged = file_spans(
        [i.start for i in found], [i.end for i in found], timeline, holidays, start
    )
    in_window: dict[date, list[Interruption]] = {}
    by_band: dict[Band, list[Interruption]] = {Band.BUSINESS: [], Band.OFF_HOURS: [],
                                               Band.SLEEP: []}  # fmt: skip
    business, off_hours, sleep = by_band.values()
    sleep_band, business_band = Band.SLEEP, Band.BUSINESS  # compared by identity, never hashed
    for i, key, band in zip(found, keys, bands, strict=True):
        if key is not None:
            window = in_window.get(key)
            if window is None:
                in_window[key] = [i]
            else:
                window.append(i)
        if band is None:
            continue
        if band is sleep_band:
            sleep.append(i)
        elif band is business_band:
            business.append(i)
        else:
            off_hours.append(i)
    return in_window, by_band, merged


def sweep_engagement(
    lows: Sequence[datetime],
    highs: Sequence[datetime],
    timeline: Timeline,
    holidays: Collection[date],
    start: datetime,
    end: datetime,
    inside: list[Span] | None = None,
) -> tuple[dict[date, list[Span]], list[timedelta]]:
    """One sweep of the timeline over merged engagement spans (sorted, disjoint, given as
    parallel lists of starts and ends): each night's engaged spans clipped to its sleep window,
    and the engagement inside ``[start, end)`` as ``[business, off-hours, sleep, weekend,
    holiday]`` (what ``bands.accumulate`` would give). With ``inside``, the spans clipped to
    the period are appended to it."""
    windows = timeline.nights
    starts, info = timeline.starts, timeline.info
    n = len(starts)
    touching: dict[date, list[Span]] = {}
    business = off_hours = sleep = weekend = holiday = _ZERO
    sleep_band, business_band = Band.SLEEP, Band.BUSINESS
    k = 0
    for a, b in zip(lows, highs, strict=True):
        k = bisect_right(starts, a, k + 1) - 1
        # The part of the span inside the period; empty (ca >= cb) for lookback engagement.
        ca = a if a > start else start
        cb = b if b < end else end
        if inside is not None and b > start and a < end:
            inside.append((ca, cb))
        m, seen = k, None
        while m < n and starts[m] < b:
            day, workday, offday, key, is_weekend = info[m]
            if key is not None and key != seen:
                seen = key
                lo, hi = windows[key]
                lo, hi = (a if a > lo else lo), (b if b < hi else hi)
                if hi > lo:
                    spans = touching.get(key)
                    if spans is None:
                        touching[key] = [(lo, hi)]
                    else:
                        spans.append((lo, hi))
            if ca < cb:
                piece_start = starts[m]
                piece_end = starts[m + 1] if m + 1 < n else cb
                length = (piece_end if piece_end < cb else cb) - (
                    piece_start if piece_start > ca else ca
                )
                if length > _ZERO:
                    is_holiday = bool(holidays) and day in holidays
                    band = offday if is_weekend or is_holiday else workday
                    if band is sleep_band:
                        sleep += length
                    elif band is business_band:
                        business += length
                    else:
                        off_hours += length
                    if is_weekend:
                        weekend += length
                    if is_holiday:
                        holiday += length
            m += 1
    return touching, [business, off_hours, sleep, weekend, holiday]


def _night_facts(
    disturbed: Collection[date],
    touching: dict[date, list[Span]],
    windows: dict[date, Span],
    settings: LoadSettings,
    since: datetime | None,
    until: datetime | None,
) -> Iterator[tuple[date, datetime, datetime, list[Span], bool, timedelta, int]]:
    """``(key, start, end, engaged spans, interrupted, longest rest, wake episodes)`` of every
    night with an interruption in its window (``disturbed``) or engagement touching it, by
    key; with ``since``/``until``, only windows starting in ``[since, until)``."""
    overlap_needed = settings.night_overlap
    resettle, gap = settings.resettle, settings.rewake_gap
    no_spans: list[Span] = []
    for key in sorted(disturbed | touching.keys()):
        start, end = windows[key]
        if (since is not None and start < since) or (until is not None and start >= until):
            continue
        spans = touching.get(key, no_spans)
        interrupted = key in disturbed or any(b - a >= overlap_needed for a, b in spans)
        rest = _longest_rest(spans, start, end, resettle)
        yield key, start, end, spans, interrupted, rest, _wake_episodes(spans, gap)


def night_counts(
    disturbed: Collection[date],
    touching: dict[date, list[Span]],
    windows: dict[date, Span],
    settings: LoadSettings,
    since: datetime | None = None,
    until: datetime | None = None,
) -> tuple[int, int, int, int]:
    """How many nights :func:`night_values` would give, and of them how many are interrupted,
    rest-deficit and fragmented, without building them. ``disturbed`` is a set of night keys
    with an interruption inside their window."""
    count = interrupted_count = deficit_count = fragmented_count = 0
    min_rest = settings.min_continuous_rest
    for *_, interrupted, rest, episodes in _night_facts(
        disturbed, touching, windows, settings, since, until
    ):
        count += 1
        interrupted_count += interrupted
        deficit_count += rest < min_rest
        fragmented_count += episodes >= 2
    return count, interrupted_count, deficit_count, fragmented_count


# Writers of Night's slots: nights are built in place below, before anyone can see them (a
# frozen dataclass's keyword ``__init__`` costs several times more). Every field is written.
_NIGHT_FIELDS = ("key", "start", "end", "interruptions", "engaged", "wake_episodes",
                 "longest_rest", "interrupted", "rest_deficit")  # fmt: skip
assert {f.name for f in dataclasses.fields(Night)} == set(_NIGHT_FIELDS)
_NIGHT_SETTERS = tuple(Night.__dict__[name].__set__ for name in _NIGHT_FIELDS)


def night_values(
    in_window: dict[date, list[Interruption]],
    touching: dict[date, list[Span]],
    windows: dict[date, Span],
    settings: LoadSettings,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[Night]:
    """The :class:`Night` of every key with an interruption in its window or engagement
    touching it, by key; with ``since``/``until``, only windows starting in ``[since, until)``."""
    result = []
    min_rest = settings.min_continuous_rest
    new = object.__new__
    (set_key, set_start, set_end, set_interruptions, set_engaged, set_episodes, set_rest,
     set_interrupted, set_deficit) = _NIGHT_SETTERS  # fmt: skip
    for key, start, end, spans, interrupted, rest, episodes in _night_facts(
        in_window.keys(), touching, windows, settings, since, until
    ):
        inside = in_window.get(key)
        night = new(Night)
        set_key(night, key)
        set_start(night, start)
        set_end(night, end)
        set_interruptions(night, () if inside is None else tuple(inside))
        set_engaged(night, tuple(spans))
        set_episodes(night, episodes)
        set_rest(night, rest)
        set_interrupted(night, interrupted)
        set_deficit(night, rest < min_rest)
        result.append(night)
    return result
