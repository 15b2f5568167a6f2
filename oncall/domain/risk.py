"""On-call load risk: the rules of ``shared/reference/burnout.md`` section 9.5, combined per 9.6.

A load signal, not a medical assessment. Each rule is a named check with a value, its
thresholds, a window, an outcome and one sentence with the numbers and the source of its
default; the level is derived from the rule results, never from a weighted sum. Pure and
deterministic: ``now`` and zones are arguments, nothing reads the clock.

Typical use (the Wellbeing screen, ``oncall report risk``)::

    found = assess_team(engineers, shifts, pages, leave, holidays_by_engineer, now)
    found[0].level, found[0].headline, [r.reason for r in found[0].reasons]
    marked = outliers(found)  # engineers at >= 2x the team median of C1 (9.9)

History (9.6) runs from each engineer's first shift or first page. The inputs are usually a
window (the 90-day baseline); pass ``since`` (engineer id -> their first shift or page ever,
``oncall.exchange.history`` reads it) so someone with a long history whose first shift in
the window is recent is not taken for a newcomer. "Partial" means what 9.6 says: less than
28 days of history, so the chronic rules C1-C4 could not be evaluated; T1 alone needing its
90 days does not make an assessment partial.
"""

from __future__ import annotations

import statistics
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta

from oncall.domain.bands import DEFAULT_SETTINGS, LoadSettings
from oncall.domain.interruptions import _trigger
from oncall.domain.load import _collector_paused, _load
from oncall.domain.model import Engineer, Leave, Page, Shift
from oncall.domain.risk_rules import (
    chronic_rules,
    days_back,
    latest_night,
    rest_advice,
    shift_rules,
    sleep_rules,
)
from oncall.domain.risk_values import (
    DEFAULT_RISK,
    FAMILIES,
    RULES,
    SOURCES,
    Assessment,
    Level,
    Outcome,
    RiskSettings,
    RuleResult,
    sleep_window_problem,
)

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
    "latest_night",
    "out_of_hours_counts",
    "outliers",
    "sleep_window_problem",
    "trend",
]

_DAY = timedelta(days=1)
#: The rules that need the chronic window's history (9.6): without it the assessment is partial.
CHRONIC_HISTORY_RULES = frozenset({"C1", "C2", "C3", "C4"})


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
    since: datetime | None = None,
) -> Assessment:
    """The assessment from one engineer's own shifts, pages (sorted by trigger) and leave;
    ``since`` is their first shift or page ever, when known beyond the inputs."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    warnings: list[str] = []
    zone = engineer.zone
    if not zone:
        zone = team_zone or "UTC"
        warnings.append(f"{engineer.name} has no time zone: read in the team's ({zone}).")
    subject = Engineer(engineer.id, engineer.name, engineer.handle, zone)
    chronic_start = days_back(now, rs.chronic_days, zone)
    baseline_start = days_back(now, rs.baseline_days, zone)
    acute_start = days_back(now, rs.acute_days, zone)
    # History: from the first shift or first page (9.6), whichever came first.
    first_seen = [s.start for s in shifts if s.start < now]
    if pages and pages[0].triggered_at < now:
        first_seen.append(pages[0].triggered_at)
    if since is not None and since < now:
        first_seen.append(since)
    history = now - min(first_seen) if first_seen else None
    last = bisect_left(pages, now, key=_trigger)
    upto = pages[:last]  # nothing triggered at or after now is known yet
    load = _load(subject, shifts, upto, leave, holidays, chronic_start, now, ls, lists=True)
    baseline = _load(
        subject, shifts, upto, leave, holidays, baseline_start, chronic_start, ls, lists=True
    )
    newest = latest_night(now, zone, ls)
    oldest = newest - timedelta(days=rs.acute_days - 1)
    nights = [n for n in load.nights if oldest <= n.key <= newest]
    found = load.interruptions
    results = [
        *sleep_rules(nights, rs),
        *shift_rules(shifts, found, acute_start, now, zone, rs, ls),
        *chronic_rules(
            load, baseline, (chronic_start - baseline_start) / _DAY, leave, history, zone, rs
        ),
    ]
    advice = rest_advice(found, now, zone, holidays, rs, ls)
    order = {r: i for i, r in enumerate(RULES)}
    ordered = tuple(sorted(results, key=lambda r: (_RANK[r.outcome], order[r.rule])))
    return Assessment(
        engineer_id=engineer.id,
        at=now,
        level=_combine(results, rs),
        partial=any(
            r.outcome is Outcome.INSUFFICIENT and r.rule in CHRONIC_HISTORY_RULES for r in results
        ),
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
    since: datetime | None = None,
) -> Assessment:
    """One engineer's on-call load risk at ``now`` (burnout.md 9.5-9.6). Other engineers'
    shifts, pages and leave are ignored; pages at or after ``now`` are not yet known.
    ``holidays`` are the engineer's public holidays; ``team_zone`` reads an engineer without
    a zone (with a warning); ``since`` is their first shift or page ever, when the inputs
    are only a window of their history."""
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
            since,
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
    since: Mapping[int, datetime] | None = None,
) -> list[Assessment]:
    """The assessment of each engineer at ``now``, in the order given (inputs grouped by
    engineer once); ``since`` maps engineer ids to their first shift or page ever."""
    holidays_by_engineer = holidays_by_engineer or {}
    since = since or {}
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
                since.get(e.id),
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
    since: datetime | None = None,
) -> list[tuple[datetime, Level]]:
    """The level once a week for the past ``weeks`` weeks, oldest first, the last at ``now``
    (each point sees only what was known then; ``since`` as for :func:`assess`)."""
    me = engineer.id
    with _collector_paused():
        mine_s = [s for s in shifts if s.engineer_id == me]
        mine_p = sorted((p for p in pages if p.engineer_id == me), key=_trigger)
        mine_l = [lv for lv in leave if lv.engineer_id == me]
        points = []
        for k in range(weeks - 1, -1, -1):
            at = now - timedelta(weeks=k)
            a = _assess_one(engineer, mine_s, mine_p, mine_l, holidays, at, settings,
                            load_settings, team_zone, since)  # fmt: skip
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
