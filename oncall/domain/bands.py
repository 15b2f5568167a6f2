"""Parts of an engineer's local day (business, off-hours, sleep) and the settings of load metrics.

Definitions follow ``shared/reference/burnout.md`` section 9.3 (D1): a local time is ``sleep``
inside the sleep window, otherwise ``off`` on a weekend or public holiday or in the evening,
otherwise ``business``. Every boundary is half-open, at whole minutes, in the engineer's zone,
computed from aware instants so a 23 h or 25 h local day still adds up to its real length.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache

from oncall.domain.model import Band, Channel, Role
from oncall.domain.zones import localize_utc, zone_info

_DAY = timedelta(days=1)
_HOUR = timedelta(hours=1)
_ZERO = timedelta()
_MIDNIGHT = time()


def _minutes(t: time) -> int:
    return t.hour * 60 + t.minute


@dataclass(frozen=True, slots=True)
class LoadSettings:
    """Every threshold of the load metrics, with defaults from ``reference/burnout.md``.

    - Bands (9.3 D1, after PagerDuty's P1/P3): sleep 22:00-08:00, business 08:00-18:00 on
      weekdays, off-hours the rest (18:00-22:00, weekends, public holidays outside sleep).
      Precedence is sleep > off > business.
    - Interruptions (D2/D3, P2): pages within 60 s of the first of a group merge (anchored);
      email and low-urgency pages do not interrupt unless switched on here.
    - Engagement (D4): 15 min assumed when a page was never resolved (our heuristic).
    - Nights (D6-D8): 30 min of engagement inside the window interrupts a night; wake episodes
      closer than 30 min are one; 30 min to fall asleep again; at least 5 h continuous rest
      (L4, section 7) or the night is a rest-deficit night.
    - On-call hours (D9): primary and secondary count, shadow does not by default; a day with
      at least 12 h on call is a day on call.

    The sleep window must be at least 7 h and cover 00:00-05:00 (L1 Art. 2, section 7 and 9.7).
    """

    sleep_start: time = time(22, 0)
    sleep_end: time = time(8, 0)
    business_start: time = time(8, 0)
    business_end: time = time(18, 0)
    weekend_days: frozenset[int] = frozenset({5, 6})  # Monday is 0
    merge_window: timedelta = timedelta(seconds=60)
    exclude_channels: frozenset[Channel] = frozenset({Channel.EMAIL})
    exclude_low_urgency: bool = True
    assumed_engagement: timedelta = timedelta(minutes=15)
    night_overlap: timedelta = timedelta(minutes=30)
    rewake_gap: timedelta = timedelta(minutes=30)
    resettle: timedelta = timedelta(minutes=30)
    min_continuous_rest: timedelta = timedelta(hours=5)
    count_shadow: bool = False
    oncall_day_min: timedelta = timedelta(hours=12)
    # Derived for speed; not arguments.
    _sleep: tuple[int, int] = field(init=False, repr=False, compare=False)
    _business: tuple[int, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for name in ("sleep_start", "sleep_end", "business_start", "business_end"):
            t = getattr(self, name)
            if t.second or t.microsecond or t.tzinfo is not None:
                raise ValueError(f"{name} must be a plain local time in whole minutes, not {t}.")
        ss, se = _minutes(self.sleep_start), _minutes(self.sleep_end)
        length = (se - ss) % (24 * 60) or 24 * 60
        covers_early_morning = (se >= 5 * 60) and (ss > se or ss == 0)
        if not covers_early_morning or length < 7 * 60:
            raise ValueError(
                f"The sleep window {self.sleep_start:%H:%M}-{self.sleep_end:%H:%M} must last at "
                "least 7 hours and include 00:00-05:00 (night time as the EU Working Time "
                "Directive defines it)."
            )
        bs, be = _minutes(self.business_start), _minutes(self.business_end)
        if bs >= be:
            raise ValueError(
                f"Business hours {self.business_start:%H:%M}-{self.business_end:%H:%M} must start "
                "before they end on the same day."
            )
        for name in ("merge_window", "assumed_engagement", "night_overlap", "rewake_gap",
                     "resettle", "min_continuous_rest", "oncall_day_min"):  # fmt: skip
            if getattr(self, name) < timedelta():
                raise ValueError(f"{name} cannot be negative.")
        object.__setattr__(self, "_sleep", (ss, se))
        object.__setattr__(self, "_business", (bs, be))

    @property
    def oncall_roles(self) -> frozenset[Role]:
        """The roles whose shifts count as on-call time."""
        if self.count_shadow:
            return frozenset(Role)
        return frozenset({Role.PRIMARY, Role.SECONDARY})

    def in_sleep(self, minute_of_day: int) -> bool:
        """Whether a local minute of the day (0-1439) is inside the sleep window."""
        ss, se = self._sleep
        if ss > se:
            return minute_of_day >= ss or minute_of_day < se
        return ss <= minute_of_day < se

    @property
    def sleep_wraps(self) -> bool:
        """Whether the sleep window ends on the day after it starts (22:00-08:00 does)."""
        return self._sleep[0] > self._sleep[1]

    def band_of(self, local: datetime, holidays: Collection[date] = ()) -> Band:
        """The band of a local wall time (naive or aware, read as it stands)."""
        m = local.hour * 60 + local.minute
        ss, se = self._sleep
        if (m >= ss or m < se) if ss > se else (ss <= m < se):
            return Band.SLEEP
        if local.weekday() in self.weekend_days or (holidays and local.date() in holidays):
            return Band.OFF_HOURS
        bs, be = self._business
        return Band.BUSINESS if bs <= m < be else Band.OFF_HOURS


DEFAULT_SETTINGS = LoadSettings()


@dataclass(frozen=True, slots=True)
class BandHours:
    """Hours in each band. ``weekend`` and ``holiday`` mark the hours (of any band) that fall on
    a local weekend day or public holiday: they overlap the three bands, never add to them."""

    business: float = 0.0
    off_hours: float = 0.0
    sleep: float = 0.0
    weekend: float = 0.0
    holiday: float = 0.0

    @property
    def total(self) -> float:
        """All hours: business + off-hours + sleep."""
        return self.business + self.off_hours + self.sleep

    @property
    def out_of_hours(self) -> float:
        """Off-hours and sleep together."""
        return self.off_hours + self.sleep

    def of(self, band: Band) -> float:
        """The hours of one band."""
        return {Band.BUSINESS: self.business, Band.OFF_HOURS: self.off_hours,
                Band.SLEEP: self.sleep}[band]  # fmt: skip

    def __add__(self, other: BandHours) -> BandHours:
        return BandHours(
            self.business + other.business,
            self.off_hours + other.off_hours,
            self.sleep + other.sleep,
            self.weekend + other.weekend,
            self.holiday + other.holiday,
        )


def band_at(
    instant: datetime,
    zone: str,
    settings: LoadSettings = DEFAULT_SETTINGS,
    holidays: Collection[date] = (),
) -> Band:
    """The band an aware instant falls in, in ``zone``'s wall time (D1)."""
    return settings.band_of(instant.astimezone(zone_info(zone)), holidays)


class DayCuts:
    """The band pieces of local days in one zone under one set of settings, computed once per
    day and kept (a load report walks the same few hundred days for every engineer)."""

    __slots__ = ("_days", "_timeline", "settings", "tz", "zone")

    def __init__(self, zone: str, settings: LoadSettings) -> None:
        self.zone = zone
        self.tz = zone_info(zone)
        self.settings = settings
        self._days: dict[date, tuple[tuple[datetime, datetime, Band, Band], ...]] = {}
        self._timeline: tuple[date, date, Timeline] | None = None

    def pieces(self, day: date) -> tuple[tuple[datetime, datetime, Band, Band], ...]:
        """``(start, end, band on a workday, band on a weekend or holiday)`` for each piece of
        local ``day``, midnight to midnight, in time order (DST gaps move forward, zones.py)."""
        found = self._days.get(day)
        if found is None:
            if len(self._days) > 20_000:  # years of days: plenty; keep memory bounded
                self._days.clear()
            found = self._days[day] = self._compute(day)
        return found

    def _compute(self, day: date) -> tuple[tuple[datetime, datetime, Band, Band], ...]:
        settings, zone = self.settings, self.zone
        ss, se = settings._sleep
        bs, be = settings._business
        minutes = sorted({0, ss, se, bs, be})
        cuts = [localize_utc(datetime.combine(day, time(m // 60, m % 60)), zone) for m in minutes]
        cuts.append(localize_utc(datetime.combine(day + _DAY, _MIDNIGHT), zone))
        pieces = []
        for i, m in enumerate(minutes):
            # A DST change can make two readings land on one instant; never run backwards.
            a, b = cuts[i], max(cuts[i], cuts[i + 1])
            cuts[i + 1] = b
            if settings.in_sleep(m):
                pieces.append((a, b, Band.SLEEP, Band.SLEEP))
            elif bs <= m < be:
                pieces.append((a, b, Band.BUSINESS, Band.OFF_HOURS))
            else:
                pieces.append((a, b, Band.OFF_HOURS, Band.OFF_HOURS))
        return tuple(pieces)

    def timeline(self, first: date, last: date) -> Timeline:
        """The pieces of local days ``first`` to ``last`` as one flat, sorted timeline (the last
        one asked for is kept: a team report asks for the same days for everyone in a zone)."""
        kept = self._timeline
        if kept is not None and kept[0] <= first and last <= kept[1]:
            return kept[2]
        starts: list[datetime] = []
        info: list[tuple[date, Band, Band, date | None, bool]] = []
        nights: dict[date, list[datetime]] = {}
        weekend = self.settings.weekend_days
        ss, se = self.settings._sleep
        bs, be = self.settings._business
        # Piece i of every day starts at minutes[i] (see _compute); a sleep piece before the
        # window's end belongs to the night that began the evening before (D5).
        morning = [self.settings.sleep_wraps and m < se for m in sorted({0, ss, se, bs, be})]
        day = first
        while day <= last:
            is_weekend = day.weekday() in weekend
            for (a, b, workday, offday), early in zip(self.pieces(day), morning, strict=True):
                key = None
                if workday is Band.SLEEP:
                    key = day - _DAY if early else day
                    window = nights.get(key)
                    if window is None:
                        nights[key] = [a, b]
                    else:
                        window[1] = b
                starts.append(a)
                info.append((day, workday, offday, key, is_weekend))
            day += _DAY
        built = Timeline(starts, info, {k: (a, b) for k, (a, b) in nights.items()})
        self._timeline = (first, last, built)
        return built

    def first_day(self, instant: datetime) -> date:
        """The local day whose pieces hold ``instant``."""
        day = instant.astimezone(self.tz).date()
        if self.pieces(day)[0][0] > instant:  # a repeated hour read as the day before
            day -= _DAY
        return day


@dataclass(frozen=True, slots=True)
class Timeline:
    """Consecutive band pieces of a zone: ``starts[i]`` opens piece ``i`` (it runs to the next
    start); ``info[i]`` is ``(local day, band on a workday, band on a day off, night key or
    None, whether the day is a weekend)``; ``nights`` maps a night key to its sleep window.
    Nights at the first and last day may be cut short: ask for a day more each side."""

    starts: list[datetime]
    info: list[tuple[date, Band, Band, date | None, bool]]
    nights: dict[date, tuple[datetime, datetime]]


@lru_cache(maxsize=256)
def day_cuts(zone: str, settings: LoadSettings) -> DayCuts:
    """The shared :class:`DayCuts` of a zone and settings."""
    return DayCuts(zone, settings)


def walk_bands(
    start: datetime,
    end: datetime,
    zone: str,
    settings: LoadSettings = DEFAULT_SETTINGS,
    holidays: Collection[date] = (),
) -> Iterator[tuple[date, Band, datetime, datetime]]:
    """Yield ``(local_date, band, piece_start, piece_end)`` for the pieces of ``[start, end)``
    in ``zone``, in time order; the pieces tile the interval exactly."""
    if end <= start:
        return
    cuts = day_cuts(zone, settings)
    weekend = settings.weekend_days
    day = cuts.first_day(start)
    while True:
        pieces = cuts.pieces(day)
        if pieces[0][0] >= end:
            return
        off_day = day.weekday() in weekend or (bool(holidays) and day in holidays)
        for a, b, workday, offday in pieces:
            if b <= start or a >= end or a == b:
                continue
            yield day, offday if off_day else workday, max(a, start), min(b, end)
        day += _DAY


def accumulate(
    spans: Iterable[tuple[datetime, datetime]],
    zone: str,
    settings: LoadSettings = DEFAULT_SETTINGS,
    holidays: Collection[date] = (),
    per_day: dict[date, timedelta] | None = None,
) -> BandHours:
    """:func:`split_by_band` summed over many spans (sorted or not), without generator overhead;
    when ``per_day`` is given, each local day's total is added to it."""
    cuts = day_cuts(zone, settings)
    weekend_days = settings.weekend_days
    business = off = sleep = weekend = holiday = timedelta()
    sleep_band, business_band = Band.SLEEP, Band.BUSINESS
    for start, end in spans:
        if end <= start:
            continue
        day = cuts.first_day(start)
        while True:
            pieces = cuts.pieces(day)
            if pieces[0][0] >= end:
                break
            is_weekend = day.weekday() in weekend_days
            is_holiday = bool(holidays) and day in holidays
            off_day = is_weekend or is_holiday
            total = timedelta()
            for a, b, workday, offday in pieces:
                if b <= start:
                    continue
                if a >= end:
                    break
                length = (b if b < end else end) - (a if a > start else start)
                if length <= _ZERO:
                    continue
                band = offday if off_day else workday
                if band is sleep_band:
                    sleep += length
                elif band is business_band:
                    business += length
                else:
                    off += length
                total += length
            if is_weekend:
                weekend += total
            if is_holiday:
                holiday += total
            if per_day is not None and total:
                per_day[day] = per_day.get(day, _ZERO) + total
            day += _DAY
    return BandHours(business / _HOUR, off / _HOUR, sleep / _HOUR, weekend / _HOUR, holiday / _HOUR)


def split_by_band(
    start: datetime,
    end: datetime,
    zone: str,
    settings: LoadSettings = DEFAULT_SETTINGS,
    holidays: Collection[date] = (),
) -> BandHours:
    """Hours of ``[start, end)`` in each band of ``zone``'s local day, weekend and holiday hours
    marked. The three bands always add up to the real elapsed time (23 h and 25 h days too)."""
    return accumulate(((start, end),), zone, settings, holidays)
