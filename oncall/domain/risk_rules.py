"""The rules of on-call load risk (``shared/reference/burnout.md`` 9.5), one function per family:
each returns :class:`~oncall.domain.risk_values.RuleResult` values with the numbers, the
thresholds, the window and a sentence. :mod:`oncall.domain.risk` gathers the inputs and
combines the results."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime, time, timedelta

from oncall.domain.bands import DEFAULT_SETTINGS, LoadSettings
from oncall.domain.interruptions import Interruption
from oncall.domain.load import EngineerLoad
from oncall.domain.model import Leave, Severity, Shift
from oncall.domain.nights import Night, night_window
from oncall.domain.rest import block_incidents, next_work_start, oncall_blocks
from oncall.domain.risk_values import (
    FAMILIES,
    SOURCES,
    STRICT,
    Outcome,
    RiskSettings,
    RuleResult,
)
from oncall.domain.zones import localize_utc, wall, zone_info

__all__ = [
    "chronic_rules",
    "days_back",
    "latest_night",
    "rest_advice",
    "shift_rules",
    "sleep_rules",
]

_DAY = timedelta(days=1)
_HOUR = timedelta(hours=1)


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
        return value > t if rule in STRICT else value >= t

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


def days_back(now: datetime, days: int, zone: str) -> datetime:
    """The same local clock time ``days`` days before ``now`` (the Load screen's periods)."""
    return localize_utc(wall(now, zone) - timedelta(days=days), zone)


def oncall_share(
    spans: Sequence[tuple[datetime, datetime]],
    start: datetime,
    end: datetime,
    zone: str,
    days: int,
) -> float:
    """C2's on-call share of ``[start, end)`` (``days`` local days): on-call hours, at most 24
    in any local day, over ``days`` times 24 hours. Without a clock change this is on-call
    hours over window hours; with one, the hour a clock change adds to a day or takes from the
    window tips nobody over a limit: a week on call in four is 25% whether its days had 23, 24
    or 25 hours. ``spans`` are the on-call spans (D9), in order and disjoint."""
    if end <= start or days <= 0:
        return 0.0
    total = timedelta()
    day, last = wall(start, zone).date(), wall(end, zone).date()
    while day <= last:
        lo = localize_utc(datetime.combine(day, time()), zone)
        hi = localize_utc(datetime.combine(day + _DAY, time()), zone)
        a, b = max(lo, start), min(hi, end)
        if a < b:
            covered = sum((min(y, b) - max(x, a) for x, y in spans if x < b and y > a), timedelta())
            total += min(covered, _DAY)
        day += _DAY
    return total / (_DAY * days)


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


def sleep_rules(nights: Sequence[Night], rs: RiskSettings) -> list[RuleResult]:
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


def shift_rules(
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


def chronic_rules(
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
        share = round(oncall_share(load.oncall_spans, load.start, load.end, zone, days), 4)
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


def rest_advice(
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
