"""The planning guard: what a schedule change does against the rest and load rules (burnout.md
9.8, issue 5 item 3).

``check_change(before, after, engineers, assessments, now=...)`` compares two final schedules
and returns one :class:`Concern` per person and rule the change runs into:

- ``high``: new primary time within :data:`HIGH_BLOCK` (7 days) of ``now`` for someone whose
  assessment is High (a soft block: the lead may go ahead with a written reason);
- ``rest``: new on-call time starting less than ``daily_rest_h`` (11 h) after engaged work
  that reached into the person's sleep window (D11; EU Working Time Directive Art. 3);
- ``share``: on call more than 25% of the coming 28 days (C2's elevated threshold), and more
  than before the change;
- ``consecutive``: a run of local days on call (D9) at C3's High threshold (14) or longer
  that the change makes or lengthens;
- ``leave``: new time on call that meets the person's leave.

Only what the change adds counts ("new time": a person's time in ``after`` not already theirs
in ``before``, role by role), so an edit that takes load away is never blamed for it. The
share and the days in a row are a person's, not a team's: ``elsewhere`` (their shifts on
their other teams, which this change leaves alone) counts towards both, before and after.
Pure: ``now`` and zones are arguments; nothing reads the clock.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from oncall.domain.bands import DEFAULT_SETTINGS, LoadSettings
from oncall.domain.interruptions import engagements, interruptions
from oncall.domain.intervals import Span, overlap, union
from oncall.domain.load import days_on_call, oncall_spans, subtract
from oncall.domain.model import Engineer, Leave, Page, Role, Shift
from oncall.domain.nights import night_window
from oncall.domain.risk import DEFAULT_RISK, Assessment, Level, RiskSettings
from oncall.domain.zones import zone_info

__all__ = [
    "HIGH_BLOCK",
    "SHARE_WINDOW",
    "Concern",
    "GuardRule",
    "check_change",
    "night_work",
]

#: How long new primary shifts wait for someone at High (burnout.md 9.8).
HIGH_BLOCK = timedelta(days=7)
#: The window of the on-call share rule, from ``now`` (9.8 "planned share").
SHARE_WINDOW = timedelta(days=28)
_DAY = timedelta(days=1)


class GuardRule(StrEnum):
    """Which planning rule a concern is about."""

    HIGH = "high"
    REST = "rest"
    SHARE = "share"
    CONSECUTIVE = "consecutive"
    LEAVE = "leave"


@dataclass(frozen=True, slots=True)
class Concern:
    """One rule a change runs into for one person.

    ``shift`` is the first shift (of ``after``) it concerns, ``shifts`` all of them (empty for
    a rule about a whole window, like the share); ``text`` is one calm sentence with the numbers,
    naming the person, ready to show.
    """

    engineer_id: int
    rule: GuardRule
    shift: Shift | None
    text: str
    shifts: tuple[Shift, ...] = ()


def _when(instant: datetime, zone: str) -> str:
    t = instant.astimezone(zone_info(zone))
    return f"{t:%a} {t.day} {t:%b} {t:%H:%M}"


def _day(d: date) -> str:
    return f"{d:%a} {d.day} {d:%b}"


def _gap_words(gap: timedelta) -> str:
    minutes = max(0, int(gap.total_seconds() // 60))
    return f"{minutes // 60} h {minutes % 60:02d} min"


def _spans(shifts: Iterable[Shift], roles: frozenset[Role]) -> list[Span]:
    return union((s.start, s.end) for s in shifts if s.role in roles and s.end > s.start)


def _new_time(
    before: Sequence[Shift], after: Sequence[Shift], roles: frozenset[Role]
) -> list[Span]:
    """Time in ``after`` (these roles) not in ``before`` in the same role: role by role, so
    moving someone from secondary to primary is new primary time."""
    found: list[Span] = []
    for role in roles:
        just = frozenset({role})
        found.extend(subtract(_spans(after, just), _spans(before, just)))
    return union(found)


def _touching(shifts: Sequence[Shift], spans: Sequence[Span], roles: frozenset[Role]) -> list:
    """The shifts (of these roles) that hold any of ``spans``, in time order."""
    hit = [
        s
        for s in shifts
        if s.role in roles and any(overlap(s.start, s.end, a, b) for a, b in spans)
    ]
    return sorted(hit, key=lambda s: (s.start, s.end))


def night_work(
    pages: Iterable[Page],
    engineers: Iterable[Engineer],
    load_settings: LoadSettings = DEFAULT_SETTINGS,
) -> dict[int, list[Span]]:
    """Per engineer, their engaged spans (D4) that reach into their local sleep window: the
    work after which 11 h of rest are due before the next shift (9.8, A1)."""
    zones = {e.id: e.zone or "UTC" for e in engineers}
    found = engagements(interruptions(pages, load_settings))
    out: dict[int, list[Span]] = {}
    for engineer_id, spans in found.items():
        zone = zones.get(engineer_id, "UTC")
        tz = zone_info(zone)
        mine = []
        for a, b in spans:
            key = a.astimezone(tz).date() - _DAY
            last = b.astimezone(tz).date()
            while key <= last:
                lo, hi = night_window(key, zone, load_settings)
                if overlap(a, b, lo, hi):
                    mine.append((a, b))
                    break
                key += _DAY
        if mine:
            out[engineer_id] = mine
    return out


def _and_more(shifts: Sequence[Shift]) -> str:
    more = len(shifts) - 1
    return "" if more <= 0 else f" (and {more} more)"


def check_change(
    before: Sequence[Shift],
    after: Sequence[Shift],
    engineers: Iterable[Engineer],
    assessments: Mapping[int, Assessment],
    *,
    now: datetime,
    leave: Iterable[Leave] = (),
    pages: Iterable[Page] = (),
    settings: RiskSettings = DEFAULT_RISK,
    load_settings: LoadSettings = DEFAULT_SETTINGS,
    elsewhere: Iterable[Shift] = (),
) -> list[Concern]:
    """What the change from ``before`` to ``after`` (final shifts of one team) runs into, per
    person and rule (see the module docstring), in the order of ``engineers``.

    Pass schedules covering the coming 28 days from ``now`` (the share) and, for runs of days
    on call, a fortnight either side of the change. ``assessments`` are the risk assessments
    at ``now`` by engineer id (someone missing is not at High); ``pages`` are the recent pages
    (the rest rule reads engaged night work from them); ``leave`` is everyone's leave;
    ``elsewhere`` the same people's shifts on their other teams over the same span (the share
    and the days in a row count them; nobody is blamed for them as new time).
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    counted = load_settings.oncall_roles
    every = frozenset(Role)
    people = {e.id: e for e in engineers}
    for s in (*before, *after):
        people.setdefault(s.engineer_id, Engineer(s.engineer_id, f"#{s.engineer_id}", ""))
    old: dict[int, list[Shift]] = defaultdict(list)
    new: dict[int, list[Shift]] = defaultdict(list)
    for s in before:
        old[s.engineer_id].append(s)
    for s in after:
        new[s.engineer_id].append(s)
    other: dict[int, list[Shift]] = defaultdict(list)
    for s in elsewhere:
        other[s.engineer_id].append(s)
    away: dict[int, list[Leave]] = defaultdict(list)
    for lv in leave:
        away[lv.engineer_id].append(lv)
    nights = night_work(pages, people.values(), load_settings)
    rest_need = timedelta(hours=settings.daily_rest_h)
    share_limit = settings.threshold("C2")[0]
    run_limit = settings.threshold("C3")[1]
    horizon = (now, now + SHARE_WINDOW)

    concerns: list[Concern] = []
    for engineer_id, person in people.items():
        mine_before, mine_after = old.get(engineer_id, []), new.get(engineer_id, [])
        if not mine_after:
            continue
        name, zone = person.name, person.zone or "UTC"
        gained = _new_time(mine_before, mine_after, every)
        # The person's whole load, all their teams: this team's shifts and their others'.
        theirs = other.get(engineer_id, [])
        all_before, all_after = [*mine_before, *theirs], [*mine_after, *theirs]
        teams = " (all their teams)" if theirs else ""

        # A High assessment: new primary time in the next 7 days waits (a soft block).
        found = assessments.get(engineer_id)
        if found is not None and found.level is Level.HIGH:
            primary = frozenset({Role.PRIMARY})
            soon = [
                (max(a, now), min(b, now + HIGH_BLOCK))
                for a, b in _new_time(mine_before, mine_after, primary)
                if b > now and a < now + HIGH_BLOCK
            ]
            hit = _touching(mine_after, soon, primary)
            if hit:
                concerns.append(
                    Concern(
                        engineer_id,
                        GuardRule.HIGH,
                        hit[0],
                        f"{name} is at High load risk ({found.headline}). New primary shifts "
                        f"wait {HIGH_BLOCK.days} days while they recover; this adds one from "
                        f"{_when(soon[0][0], zone)}{_and_more(hit)}.",
                        tuple(hit),
                    )
                )

        # Rest after engaged night work (D11): 11 h before the next shift starts.
        work = nights.get(engineer_id, [])
        if work:
            new_oncall = _new_time(mine_before, mine_after, counted)
            clash: list[tuple[Span, Span]] = []
            for a, b in new_oncall:
                for wa, wb in work:
                    if wa < a < wb + rest_need:
                        clash.append(((a, b), (wa, wb)))
            if clash:
                (a, b), (wa, wb) = clash[0]
                hit = _touching(mine_after, [span for span, _ in clash], counted)
                gap = a - wb
                rested = "no rest" if gap <= timedelta() else f"{_gap_words(gap)} of rest"
                concerns.append(
                    Concern(
                        engineer_id,
                        GuardRule.REST,
                        hit[0] if hit else None,
                        f"{name} worked a night incident until {_when(wb, zone)}; "
                        f"{settings.daily_rest_h:g} h of rest means starting no earlier than "
                        f"{_when(wb + rest_need, zone)}, and this adds time on call from "
                        f"{_when(a, zone)} ({rested}).",
                        tuple(hit),
                    )
                )

        # The on-call share of the coming 28 days (more than 25%, and more than before).
        if share_limit is not None:
            share_before = _share(all_before, away[engineer_id], horizon, load_settings)
            share_after = _share(all_after, away[engineer_id], horizon, load_settings)
            if share_after > share_limit and share_after > share_before + 1e-9:
                hours = share_after * SHARE_WINDOW / timedelta(hours=1)
                concerns.append(
                    Concern(
                        engineer_id,
                        GuardRule.SHARE,
                        None,
                        f"{name} would be on call{teams} {hours:.0f} h of the coming "
                        f"{SHARE_WINDOW.days} days ({_pct(share_after, share_limit)}, up from "
                        f"{_pct(share_before, share_limit)}); more than {share_limit * 100:g}% "
                        "is more than one person should carry.",
                    )
                )

        # Days on call in a row (C3's High threshold).
        if run_limit is not None and gained:
            days_before = set(
                days_on_call(
                    _spans_minus(all_before, away, engineer_id, load_settings), zone, load_settings
                )
            )
            days_after = days_on_call(
                _spans_minus(all_after, away, engineer_id, load_settings), zone, load_settings
            )
            for first, last, length in _runs(days_after):
                if length < run_limit:
                    continue
                if all(first + _DAY * k in days_before for k in range(length)):
                    continue  # this run was there already; the change did not make it
                tz = zone_info(zone)
                hit = [
                    s
                    for s in _touching(mine_after, gained, counted)
                    if s.start.astimezone(tz).date() <= last
                    and s.end.astimezone(tz).date() >= first
                ]
                concerns.append(
                    Concern(
                        engineer_id,
                        GuardRule.CONSECUTIVE,
                        hit[0] if hit else None,
                        f"{name} would be on call{teams} {length} days in a row ({_day(first)}–"
                        f"{_day(last)}); {run_limit:g} in a row is the limit for a High load.",
                        tuple(hit),
                    )
                )
                break

        # Leave: new time on call that meets it.
        if away[engineer_id] and gained:
            met = [
                (lv, (max(a, lv.start), min(b, lv.end)))
                for lv in sorted(away[engineer_id], key=lambda x: x.start)
                for a, b in gained
                if overlap(a, b, lv.start, lv.end)
            ]
            if met:
                lv, (a, b) = met[0]
                hit = _touching(mine_after, [span for _, span in met], every)
                concerns.append(
                    Concern(
                        engineer_id,
                        GuardRule.LEAVE,
                        hit[0] if hit else None,
                        f"{name} is on {lv.kind.value} leave from {_when(lv.start, zone)} to "
                        f"{_when(lv.end, zone)}; this puts them on call from {_when(a, zone)} "
                        f"to {_when(b, zone)}{_and_more(hit)}.",
                        tuple(hit),
                    )
                )
    order = {e: i for i, e in enumerate(people)}
    rank = {rule: i for i, rule in enumerate(GuardRule)}
    concerns.sort(key=lambda c: (order[c.engineer_id], rank[c.rule]))
    return concerns


def _spans_minus(
    shifts: Sequence[Shift],
    away: Mapping[int, list[Leave]],
    engineer_id: int,
    settings: LoadSettings,
) -> list[Span]:
    if not shifts:
        return []
    lo = min(s.start for s in shifts)
    hi = max(s.end for s in shifts)
    return oncall_spans(shifts, away.get(engineer_id, []), lo, hi, settings)


def _share(
    shifts: Sequence[Shift], leave: Sequence[Leave], horizon: Span, settings: LoadSettings
) -> float:
    spans = oncall_spans(shifts, leave, horizon[0], horizon[1], settings)
    total = sum((b - a for a, b in spans), timedelta())
    return round(total / (horizon[1] - horizon[0]), 6)


def _pct(share: float, limit: float) -> str:
    """A share in whole percent, or to a tenth where whole percent would hide the limit."""
    whole = f"{share * 100:.0f}%"
    return f"{share * 100:.1f}%" if whole == f"{limit * 100:.0f}%" else whole


def _runs(days: Sequence[date]) -> list[tuple[date, date, int]]:
    """Maximal runs of consecutive days: (first, last, length), in order."""
    runs: list[tuple[date, date, int]] = []
    for d in sorted(set(days)):
        if runs and d - runs[-1][1] == _DAY:
            first, _, n = runs[-1]
            runs[-1] = (first, d, n + 1)
        else:
            runs.append((d, d, 1))
    return runs
