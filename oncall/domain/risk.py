"""On-call load risk: the rules of ``shared/reference/burnout.md`` section 9.5, combined per 9.6.

A load signal, not a medical assessment. Each rule is a named check with a value, its
thresholds, a window, an outcome and one sentence with the numbers and the source of its
default; the level is derived from the rule results, never from a weighted sum. Pure and
deterministic: ``now`` and zones are arguments, nothing reads the clock.

Typical use (the Wellbeing screen, ``oncall report risk``)::

    found = assess_team(engineers, shifts, pages, leave, holidays_by_engineer, now)
    found[0].level, found[0].headline, [r.reason for r in found[0].reasons]
    marked = outliers(found)  # engineers at >= 2x the team median of C1 (9.9)
"""

from __future__ import annotations

import statistics
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from types import MappingProxyType

from oncall.domain.bands import DEFAULT_SETTINGS, LoadSettings
from oncall.domain.interruptions import Interruption, _trigger
from oncall.domain.load import EngineerLoad, _collector_paused, _load
from oncall.domain.model import Engineer, Leave, Page, Severity, Shift
from oncall.domain.nights import Night, night_window
from oncall.domain.rest import block_incidents, next_work_start, oncall_blocks
from oncall.domain.zones import localize_utc, wall, zone_info

__all__ = [
    "DEFAULT_RISK",
    "FAMILIES",
    "RULES",
    "SOURCES",
    "Assessment",
    "Level",
    "Outcome",
    "RiskSettings",
    "RuleResult",
    "assess",
    "assess_team",
    "out_of_hours_counts",
    "outliers",
    "sleep_window_problem",
    "trend",
]

_DAY = timedelta(days=1)
_HOUR = timedelta(hours=1)


class Level(StrEnum):
    """The combined on-call load risk of one engineer."""

    LOW = "low"
    ELEVATED = "elevated"
    HIGH = "high"


class Outcome(StrEnum):
    """What one rule found."""

    OK = "ok"
    ELEVATED = "elevated"
    HIGH = "high"
    INSUFFICIENT = "insufficient_data"


#: Every rule in its order (9.5), with its family (9.6); A1 is advisory only.
FAMILIES: Mapping[str, str] = MappingProxyType(
    {
        "N1": "sleep",
        "N2": "sleep",
        "N3": "sleep",
        "N4": "sleep",
        "S1": "shift",
        "S2": "shift",
        "C1": "chronic",
        "C2": "chronic",
        "C3": "chronic",
        "C4": "chronic",
        "T1": "chronic",
        "X1": "chronic",
        "A1": "advisory",
    }
)
RULES: tuple[str, ...] = tuple(FAMILIES)

#: The source of each rule's default, cited as in burnout.md (shown on hover).
SOURCES: Mapping[str, str] = MappingProxyType(
    {
        "N1": "Derived from PagerDuty State of Digital Operations 2021 (7 a month is bad) and "
        "EASA ORO.FTL.235 / Malmberg et al. 2010 (2 undisturbed nights to recover)",
        "N2": "FAA 14 CFR 117.27 (at most 3 consecutive WOCL duties); NHS 2016 contract "
        "(at most 4 nights)",
        "N3": "BMA non-resident on-call guidance (5 h continuous rest, 22:00-07:00)",
        "N4": "Derived from Ziebertz et al. 2017 and Ferguson et al. 2016 (sleep inertia)",
        "S1": "Google SRE book ch. 11 (at most 2 incidents per 12 h shift)",
        "S2": "Google SRE book ch. 11 and ch. 1 (at most 2 events per 12 h shift)",
        "C1": "PagerDuty State of Digital Operations 2021 (7 a month bad, 19 burnout)",
        "C2": "Google SRE book ch. 11 (at most 25% on call); ministryofjustice/"
        "technical-guidance PR #55 (never above 50%)",
        "C3": "EU Working Time Directive Art. 5; FAA 14 CFR 117; EASA ORO.FTL.235; "
        "NHS 2016 contract (at most 8 consecutive shifts)",
        "C4": "Rootly on-call-health (compound effect from 5+ critical incidents)",
        "T1": "Rootly on-call-health (trend against your own baseline, with a volume floor)",
        "X1": "PagerDuty on-call guide; GitLab handbook (time off and holidays)",
        "A1": "EU Working Time Directive Art. 3 (11 h daily rest)",
    }
)

#: Rules whose thresholds are exceeded only strictly (9.5: "> 25%", "> 2.0").
_STRICT = frozenset({"S2", "C2"})


def _defaults() -> Mapping[str, tuple[float | None, float | None]]:
    return MappingProxyType(
        {
            "N1": (2, 3),
            "N2": (2, 3),
            "N3": (1, 2),
            "N4": (1, None),
            "S1": (3, None),
            "S2": (None, 2.0),
            "C1": (7, 19),
            "C2": (0.25, 0.50),
            "C3": (8, 14),
            "C4": (5, None),
            "X1": (1, None),
        }
    )


@dataclass(frozen=True)
class RiskSettings:
    """Every threshold of the risk rules, with the sourced defaults of burnout.md 9.7.

    ``thresholds[rule] = (elevated_at, high_at)``; None means the rule cannot reach that level.
    N*, S1, C1, C3, C4 and X1 trigger at or above a threshold; S2 and C2 strictly above it
    (9.5). T1 is Elevated when the 28-day count is at least ``t1_ratio`` times the 90-day
    baseline (scaled to 28 days) and at least ``t1_floor``. ``daily_rest_h`` drives the A1
    advice. Windows: ``acute_days`` (7), ``chronic_days`` (28), ``baseline_days`` (90).
    The sleep window itself is a :class:`~oncall.domain.bands.LoadSettings` setting (it
    validates itself: at least 7 h, covering 00:00-05:00).
    """

    thresholds: Mapping[str, tuple[float | None, float | None]] = field(
        default_factory=_defaults, hash=False
    )
    t1_ratio: float = 2.0
    t1_floor: int = 4
    elevated_rules_for_high: int = 3
    min_families: int = 2
    daily_rest_h: float = 11.0
    acute_days: int = 7
    chronic_days: int = 28
    baseline_days: int = 90

    def threshold(self, rule: str) -> tuple[float | None, float | None]:
        """``(elevated_at, high_at)`` of a rule (defaults for one not set)."""
        found = self.thresholds.get(rule)
        return found if found is not None else _defaults().get(rule, (None, None))

    def validate(self) -> list[str]:
        """What is wrong with these settings, one sentence each (empty: usable)."""
        problems = []
        for rule, pair in self.thresholds.items():
            if rule not in FAMILIES or rule in ("T1", "A1"):
                problems.append(f"Unknown threshold rule {rule!r}.")
                continue
            e, h = pair
            for name, v in (("elevated", e), ("high", h)):
                if v is not None and v < 0:
                    problems.append(f"{rule}: the {name} threshold cannot be negative.")
            if e is not None and h is not None and e > h:
                problems.append(f"{rule}: elevated at {e:g} must be at most high at {h:g}.")
        if self.t1_ratio <= 0 or self.t1_floor < 0:
            problems.append("T1: the ratio must be above 0 and the floor at least 0.")
        if self.elevated_rules_for_high < 1 or self.min_families < 1:
            problems.append("The combination needs at least 1 rule and 1 family.")
        if not 0 < self.daily_rest_h <= 24:
            problems.append("Daily rest must be between 0 and 24 hours.")
        if not 0 < self.acute_days <= self.chronic_days < self.baseline_days:
            problems.append("Windows must satisfy 0 < acute <= chronic < baseline days.")
        return problems


DEFAULT_RISK = RiskSettings()


def sleep_window_problem(start: time, end: time) -> str | None:
    """Why a sleep window cannot be used (None if it can): it must last at least 7 h and
    cover 00:00-05:00 (EU Working Time Directive Art. 2); LoadSettings decides."""
    try:
        LoadSettings(sleep_start=start, sleep_end=end)
    except ValueError as error:
        return str(error)
    return None


@dataclass(frozen=True)
class RuleResult:
    """One rule's finding: its value, thresholds, window, outcome and a sentence with the numbers
    (``reason``) and where its default comes from (``source``)."""

    rule: str
    family: str  # "sleep" | "shift" | "chronic" | "advisory"
    outcome: Outcome
    value: float | None
    elevated_at: float | None
    high_at: float | None
    window: str
    reason: str
    source: str

    @property
    def raised(self) -> bool:
        """At Elevated or High."""
        return self.outcome in (Outcome.ELEVATED, Outcome.HIGH)


@dataclass(frozen=True)
class Assessment:
    """One engineer's on-call load risk at ``at``: the level, every rule (High first, then
    Elevated, then rule order), the advisories (A1; never change the level), whether history
    was too short for some rules (``partial``) and warnings (e.g. a missing time zone)."""

    engineer_id: int
    at: datetime
    level: Level
    partial: bool
    rules: tuple[RuleResult, ...]
    advisories: tuple[RuleResult, ...]
    warnings: tuple[str, ...] = ()

    @property
    def reasons(self) -> tuple[RuleResult, ...]:
        """The rules at Elevated or High, in the order shown."""
        return tuple(r for r in self.rules if r.raised)

    @property
    def headline(self) -> str:
        """The first reason, or a plain sentence when nothing is raised."""
        raised = self.reasons
        return raised[0].reason if raised else "No load signals above their thresholds"

    def rule(self, name: str) -> RuleResult:
        """The result of one rule by id ("N1", "A1"...)."""
        for r in (*self.rules, *self.advisories):
            if r.rule == name:
                return r
        raise KeyError(name)


# --- helpers -----------------------------------------------------------------------------


def _num(v: float | None) -> str:
    if v is None:
        return "-"
    return f"{v:g}" if v != int(v) else str(int(v))


def _limits(e: float | None, h: float | None, *, strict: bool = False, pct: bool = False) -> str:
    def show(v: float) -> str:
        return f"{v * 100:g}%" if pct else _num(v)

    word = "above" if strict else "at"
    parts = []
    if e is not None:
        parts.append(f"elevated {word} {show(e)}")
    if h is not None:
        parts.append(f"high {word} {show(h)}")
    return f"({', '.join(parts)})" if parts else ""


def _outcome(rule: str, value: float, e: float | None, h: float | None) -> Outcome:
    def hit(t: float | None) -> bool:
        if t is None:
            return False
        return value > t if rule in _STRICT else value >= t

    if hit(h):
        return Outcome.HIGH
    if hit(e):
        return Outcome.ELEVATED
    return Outcome.OK


def _result(
    rule: str, value: float, settings: RiskSettings, window: str, reason: str
) -> RuleResult:
    e, h = settings.threshold(rule)
    return RuleResult(rule, FAMILIES[rule], _outcome(rule, value, e, h), value, e, h, window,
                      reason, SOURCES[rule])  # fmt: skip


def _insufficient(rule: str, settings: RiskSettings, window: str, days: int) -> RuleResult:
    e, h = settings.threshold(rule) if rule != "T1" else (settings.t1_ratio, None)
    return RuleResult(
        rule,
        FAMILIES[rule],
        Outcome.INSUFFICIENT,
        None,
        e,
        h,
        window,
        f"Not enough history yet (needs {days} days)",
        SOURCES[rule],
    )


def _day(d: date) -> str:
    return f"{d:%a} {d.day} {d:%b}"


def _local(instant: datetime, zone: str) -> str:
    t = instant.astimezone(zone_info(zone))
    return f"{t:%a} {t.day} {t:%b} {t:%H:%M}"


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def _days_back(now: datetime, days: int, zone: str) -> datetime:
    """The same local clock time ``days`` days before ``now`` (the Load screen's periods)."""
    return localize_utc(wall(now, zone) - timedelta(days=days), zone)


def latest_night(now: datetime, zone: str, settings: LoadSettings = DEFAULT_SETTINGS) -> date:
    """The key of the latest night whose sleep window started at or before ``now`` (9.4)."""
    key = now.astimezone(zone_info(zone)).date()
    while night_window(key, zone, settings)[0] > now:
        key -= _DAY
    return key


def _longest_run(days: Sequence[date]) -> tuple[int, date | None, date | None]:
    best, first, last = 0, None, None
    run, run_first, previous = 0, None, None
    for d in sorted(set(days)):
        if previous is not None and d - previous == _DAY:
            run += 1
        else:
            run, run_first = 1, d
        if run > best:
            best, first, last = run, run_first, d
        previous = d
    return best, first, last


# --- the rules ---------------------------------------------------------------------------


def _sleep_rules(nights: Sequence[Night], rs: RiskSettings) -> list[RuleResult]:
    window = f"last {rs.acute_days} nights"
    interrupted = [n for n in nights if n.interrupted]
    e, h = rs.threshold("N1")
    n1 = _result("N1", len(interrupted), rs, window,
                 f"{_plural(len(interrupted), 'night')} interrupted in the last {rs.acute_days} "
                 f"days {_limits(e, h)}")  # fmt: skip
    run, first, last = _longest_run([n.key for n in interrupted])
    e, h = rs.threshold("N2")
    if run >= 2 and first is not None and last is not None:
        text = f"{run} interrupted nights in a row ({_day(first)}–{_day(last)}) {_limits(e, h)}"
    else:
        text = f"No run of interrupted nights in a row {_limits(e, h)}"
    n2 = _result("N2", run, rs, window, text)
    deficit = [n for n in nights if n.rest_deficit]
    e, h = rs.threshold("N3")
    if deficit:
        worst = min(deficit, key=lambda n: (n.longest_rest, n.key))
        minutes = int(worst.longest_rest.total_seconds() // 60)
        text = (f"Longest undisturbed sleep on the night of {_day(worst.key)}: "
                f"{minutes // 60}h{minutes % 60:02d} (needs 5h); "
                f"{_plural(len(deficit), 'night')} like this {_limits(e, h)}")  # fmt: skip
    else:
        text = f"No night with under 5h of undisturbed sleep {_limits(e, h)}"
    n3 = _result("N3", len(deficit), rs, window, text)
    fragmented = [n for n in nights if n.fragmented]
    e, h = rs.threshold("N4")
    if fragmented:
        worst = max(fragmented, key=lambda n: (n.wake_episodes, n.key))
        text = (f"Woken {worst.wake_episodes} separate times on the night of {_day(worst.key)}; "
                f"{_plural(len(fragmented), 'fragmented night')} {_limits(e, h)}")  # fmt: skip
    else:
        text = f"No night woken more than once {_limits(e, h)}"
    n4 = _result("N4", len(fragmented), rs, window, text)
    return [n1, n2, n3, n4]


def _shift_rules(
    shifts: Sequence[Shift],
    found: Sequence[Interruption],
    start: datetime,
    now: datetime,
    zone: str,
    rs: RiskSettings,
    ls: LoadSettings,
) -> list[RuleResult]:
    window = f"last {rs.acute_days} days"
    blocks = [(a, b) for a, b in oncall_blocks(shifts, ls) if start <= a < now]
    counted = block_incidents(blocks, [i for i in found if start <= i.start < now])
    if counted:
        worst = max(counted, key=lambda b: (b.count, -b.start.timestamp()))
        top = worst.count
        text = (f"{_plural(top, 'incident')} in the 12-hour on-call block starting "
                f"{_local(worst.start, zone)} (limit 2)")  # fmt: skip
    else:
        top = 0
        text = "No 12-hour on-call block this week"
    s1 = _result("S1", top, rs, window, text)
    mean = round(sum(b.count for b in counted) / len(counted), 2) if counted else 0.0
    text = (f"Averaging {mean:.1f} incidents per 12-hour on-call block this week (limit 2)"
            if counted else "No 12-hour on-call block this week")  # fmt: skip
    s2 = _result("S2", mean, rs, window, text)
    return [s1, s2]


def _chronic_rules(
    load: EngineerLoad,
    baseline: EngineerLoad | None,
    baseline_days: float,
    leave: Sequence[Leave],
    history: timedelta | None,
    zone: str,
    rs: RiskSettings,
) -> list[RuleResult]:
    days = rs.chronic_days
    window = f"last {days} days"
    enough = history is not None and history >= timedelta(days=days)
    out: list[RuleResult] = []
    ooh = len(load.out_of_hours_interruptions)
    if enough:
        e, h = rs.threshold("C1")
        out.append(_result("C1", ooh, rs, window,
                           f"{_plural(ooh, 'out-of-hours interruption')} in the last {days} days "
                           f"{_limits(e, h)}"))  # fmt: skip
        hours = load.oncall_hours
        span = (load.end - load.start) / _HOUR
        share = round(hours / span, 4) if span > 0 else 0.0
        e, h = rs.threshold("C2")
        out.append(_result("C2", share, rs, window,
                           f"On call {hours:.0f} h of the last {days} days ({share * 100:.0f}%; "
                           f"{_limits(e, h, strict=True, pct=True)[1:-1]})"))  # fmt: skip
        run, first, last = _longest_run(load.days_on_call)
        e, h = rs.threshold("C3")
        where = f" ({_day(first)}–{_day(last)})" if run and first and last else ""
        out.append(
            _result(
                "C3",
                run,
                rs,
                window,
                f"On call {_plural(run, 'day')} in a row{where} {_limits(e, h)}",
            )
        )
        severe = {p.incident_key or f"#{p.id}" for p in load.pages
                  if p.severity in (Severity.CRITICAL, Severity.HIGH)}  # fmt: skip
        e, h = rs.threshold("C4")
        out.append(_result("C4", len(severe), rs, window,
                           f"{len(severe)} SEV1/SEV2 incidents in the last {days} days "
                           f"{_limits(e, h)}"))  # fmt: skip
    else:
        out.extend(_insufficient(r, rs, window, days) for r in ("C1", "C2", "C3", "C4"))
    out.append(_trend_rule(ooh, baseline, baseline_days, history, rs))
    out.append(_time_off_rule(load, leave, zone, rs))
    return out


def _trend_rule(
    ooh: int,
    baseline: EngineerLoad | None,
    baseline_days: float,
    history: timedelta | None,
    rs: RiskSettings,
) -> RuleResult:
    window = f"last {rs.chronic_days} days vs the {rs.baseline_days}-day baseline"
    if baseline is None or history is None or history < timedelta(days=rs.baseline_days):
        return _insufficient("T1", rs, window, rs.baseline_days)
    usual = len(baseline.out_of_hours_interruptions) * rs.chronic_days / baseline_days
    ratio = ooh / usual if usual > 0 else None
    raised = ooh >= rs.t1_floor and (ratio is None or ratio >= rs.t1_ratio)
    limits = f"(elevated at {_num(rs.t1_ratio)}× and at least {rs.t1_floor})"
    if ratio is None:
        text = (
            f"{_plural(ooh, 'out-of-hours interruption')} in {rs.chronic_days} days, "
            f"none usually {limits}"
        )
    else:
        text = (f"Out-of-hours interruptions {ratio:.1f}× your usual ({ooh} vs ~{usual:.1f} "
                f"per {rs.chronic_days} days) {limits}")  # fmt: skip
    return RuleResult("T1", "chronic", Outcome.ELEVATED if raised else Outcome.OK,
                      None if ratio is None else round(ratio, 2), rs.t1_ratio, None, window,
                      text, SOURCES["T1"])  # fmt: skip


def _time_off_rule(
    load: EngineerLoad, leave: Sequence[Leave], zone: str, rs: RiskSettings
) -> RuleResult:
    spans = sorted((lv.start, lv.end) for lv in leave)
    hits = [i for i in load.interruptions if any(a <= i.start < b for a, b in spans)]
    if hits:
        day = hits[-1].start.astimezone(zone_info(zone)).date()
        text = f"Paged while on time off on {_day(day)} ({_plural(len(hits), 'interruption')})"
    else:
        text = "Not paged while on time off"
    return _result("X1", len(hits), rs, f"last {rs.chronic_days} days", text)


def _rest_advice(
    found: Sequence[Interruption],
    now: datetime,
    zone: str,
    holidays: Collection[date],
    rs: RiskSettings,
    ls: LoadSettings,
) -> RuleResult:
    need = timedelta(hours=rs.daily_rest_h)
    worst: tuple[datetime, datetime, timedelta] | None = None  # end, earliest start, gap
    since = now - _DAY
    ends: list[datetime] = []
    hi: datetime | None = None
    for i in found:  # the ends of merged engagement (D4), sorted by start
        if i.start >= now:
            break
        if hi is not None and i.start <= hi:
            hi = max(hi, i.end)
        else:
            if hi is not None:
                ends.append(hi)
            hi = i.end
    if hi is not None:
        ends.append(hi)
    for end in ends:
        if end < since:
            continue
        gap = next_work_start(end, zone, ls, holidays) - end
        if gap < need and (worst is None or end > worst[0]):
            worst = (end, end + need, gap)
    limit = f"{_num(rs.daily_rest_h)} h"
    if worst is None:
        return RuleResult("A1", "advisory", Outcome.OK, None, rs.daily_rest_h, None,
                          "last 24 hours", f"No engagement cutting into {limit} of rest",
                          SOURCES["A1"])  # fmt: skip
    end, earliest, gap = worst
    return RuleResult(
        "A1",
        "advisory",
        Outcome.ELEVATED,
        round(gap / _HOUR, 2),
        rs.daily_rest_h,
        None,
        "last 24 hours",
        f"Worked until {_local(end, zone)}; {limit} rest means starting no earlier than "
        f"{_local(earliest, zone)}",
        SOURCES["A1"],
    )


# --- assessing ---------------------------------------------------------------------------

_RANK = {Outcome.HIGH: 0, Outcome.ELEVATED: 1, Outcome.OK: 2, Outcome.INSUFFICIENT: 2}


def _combine(results: Sequence[RuleResult], rs: RiskSettings) -> Level:
    """9.6: High if any rule is High or enough Elevated ones from enough families."""
    if any(r.outcome is Outcome.HIGH for r in results):
        return Level.HIGH
    raised = [r for r in results if r.outcome is Outcome.ELEVATED]
    if len(raised) >= rs.elevated_rules_for_high and (
        len({r.family for r in raised}) >= rs.min_families
    ):
        return Level.HIGH
    return Level.ELEVATED if raised else Level.LOW


def _assess_one(
    engineer: Engineer,
    shifts: Sequence[Shift],
    pages: Sequence[Page],
    leave: Sequence[Leave],
    holidays: Collection[date],
    now: datetime,
    rs: RiskSettings,
    ls: LoadSettings,
    team_zone: str,
) -> Assessment:
    """The assessment from one engineer's own shifts, pages (sorted by trigger) and leave."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    warnings: list[str] = []
    zone = engineer.zone
    if not zone:
        zone = team_zone or "UTC"
        warnings.append(f"{engineer.name} has no time zone: read in the team's ({zone}).")
    subject = Engineer(engineer.id, engineer.name, engineer.handle, zone)
    chronic_start = _days_back(now, rs.chronic_days, zone)
    baseline_start = _days_back(now, rs.baseline_days, zone)
    acute_start = _days_back(now, rs.acute_days, zone)
    # History: from the first shift or first page (9.6), whichever came first.
    first_seen = [s.start for s in shifts if s.start < now]
    if pages and pages[0].triggered_at < now:
        first_seen.append(pages[0].triggered_at)
    history = now - min(first_seen) if first_seen else None
    last = bisect_left(pages, now, key=_trigger)
    upto = pages[:last]  # nothing triggered at or after now is known yet
    load = _load(subject, shifts, upto, leave, holidays, chronic_start, now, ls)
    baseline = _load(subject, shifts, upto, leave, holidays, baseline_start, chronic_start, ls)
    newest = latest_night(now, zone, ls)
    oldest = newest - timedelta(days=rs.acute_days - 1)
    nights = [n for n in load.nights if oldest <= n.key <= newest]
    found = load.interruptions
    results = [
        *_sleep_rules(nights, rs),
        *_shift_rules(shifts, found, acute_start, now, zone, rs, ls),
        *_chronic_rules(
            load, baseline, (chronic_start - baseline_start) / _DAY, leave, history, zone, rs
        ),
    ]
    advice = _rest_advice(found, now, zone, holidays, rs, ls)
    order = {r: i for i, r in enumerate(RULES)}
    ordered = tuple(sorted(results, key=lambda r: (_RANK[r.outcome], order[r.rule])))
    return Assessment(
        engineer_id=engineer.id,
        at=now,
        level=_combine(results, rs),
        partial=any(r.outcome is Outcome.INSUFFICIENT for r in results),
        rules=ordered,
        advisories=(advice,),
        warnings=tuple(warnings),
    )


def assess(
    engineer: Engineer,
    shifts: Iterable[Shift],
    pages: Iterable[Page],
    leave: Iterable[Leave],
    holidays: Collection[date],
    now: datetime,
    settings: RiskSettings = DEFAULT_RISK,
    load_settings: LoadSettings = DEFAULT_SETTINGS,
    team_zone: str = "UTC",
) -> Assessment:
    """One engineer's on-call load risk at ``now`` (burnout.md 9.5-9.6). Other engineers'
    shifts, pages and leave are ignored; pages at or after ``now`` are not yet known.
    ``holidays`` are the engineer's public holidays; ``team_zone`` reads an engineer without
    a zone (with a warning)."""
    me = engineer.id
    with _collector_paused():
        return _assess_one(
            engineer,
            [s for s in shifts if s.engineer_id == me],
            sorted((p for p in pages if p.engineer_id == me), key=_trigger),
            [lv for lv in leave if lv.engineer_id == me],
            holidays,
            now,
            settings,
            load_settings,
            team_zone,
        )


def _group(
    shifts: Iterable[Shift], pages: Iterable[Page], leave: Iterable[Leave]
) -> tuple[dict[int, list[Shift]], dict[int, list[Page]], dict[int, list[Leave]]]:
    by_shift: dict[int, list[Shift]] = defaultdict(list)
    for s in shifts:
        by_shift[s.engineer_id].append(s)
    by_page: dict[int, list[Page]] = defaultdict(list)
    for p in pages:
        by_page[p.engineer_id].append(p)
    for group in by_page.values():
        group.sort(key=_trigger)  # timsort: linear when already in order
    by_leave: dict[int, list[Leave]] = defaultdict(list)
    for lv in leave:
        by_leave[lv.engineer_id].append(lv)
    return by_shift, by_page, by_leave


def assess_team(
    engineers: Iterable[Engineer],
    shifts: Iterable[Shift],
    pages: Iterable[Page],
    leave: Iterable[Leave],
    holidays_by_engineer: Mapping[int, Collection[date]] | None,
    now: datetime,
    settings: RiskSettings = DEFAULT_RISK,
    load_settings: LoadSettings = DEFAULT_SETTINGS,
    team_zone: str = "UTC",
) -> list[Assessment]:
    """The assessment of each engineer at ``now``, in the order given (inputs grouped by
    engineer once)."""
    holidays_by_engineer = holidays_by_engineer or {}
    with _collector_paused():
        by_shift, by_page, by_leave = _group(shifts, pages, leave)
        return [
            _assess_one(
                e,
                by_shift.get(e.id, []),
                by_page.get(e.id, []),
                by_leave.get(e.id, []),
                holidays_by_engineer.get(e.id, frozenset()),
                now,
                settings,
                load_settings,
                team_zone,
            )
            for e in engineers
        ]


def trend(
    engineer: Engineer,
    shifts: Iterable[Shift],
    pages: Iterable[Page],
    leave: Iterable[Leave],
    holidays: Collection[date],
    now: datetime,
    *,
    weeks: int = 26,
    settings: RiskSettings = DEFAULT_RISK,
    load_settings: LoadSettings = DEFAULT_SETTINGS,
    team_zone: str = "UTC",
) -> list[tuple[datetime, Level]]:
    """The level once a week for the past ``weeks`` weeks, oldest first, the last at ``now``
    (each point sees only what was known then)."""
    me = engineer.id
    with _collector_paused():
        mine_s = [s for s in shifts if s.engineer_id == me]
        mine_p = sorted((p for p in pages if p.engineer_id == me), key=_trigger)
        mine_l = [lv for lv in leave if lv.engineer_id == me]
        points = []
        for k in range(weeks - 1, -1, -1):
            at = now - timedelta(weeks=k)
            a = _assess_one(engineer, mine_s, mine_p, mine_l, holidays, at, settings,
                            load_settings, team_zone)  # fmt: skip
            points.append((at, a.level))
        return points


def out_of_hours_counts(assessments: Iterable[Assessment]) -> dict[int, int]:
    """Out-of-hours interruptions in the chronic window (rule C1's value) per engineer;
    engineers whose C1 lacks data are left out."""
    counts = {}
    for a in assessments:
        c1 = a.rule("C1")
        if c1.value is not None:
            counts[a.engineer_id] = int(c1.value)
    return counts


def outliers(
    assessments_or_counts: Iterable[Assessment] | Mapping[int, float],
    *,
    factor: float = 2.0,
) -> set[int]:
    """Engineers whose out-of-hours interruptions over the last 28 days are at least
    ``factor`` (2) times the team median (burnout.md 9.9, our derived default).

    Pass the team's assessments (C1's value is used; engineers without enough history are
    left out of the median) or a mapping ``engineer id -> count``. Nobody with zero is
    flagged, so with a median of 0 anyone paged out of hours at all stands out."""
    if isinstance(assessments_or_counts, Mapping):
        counts = dict(assessments_or_counts)
    else:
        counts = out_of_hours_counts(assessments_or_counts)
    if not counts:
        return set()
    median = statistics.median(counts.values())
    return {eid for eid, n in counts.items() if n > 0 and n >= factor * median}
