"""The fair generator: who should take each coming shift of a rotation (issue 5, item 5).

Plain Python, deterministic (same inputs, same proposal; ties by engineer id), no clock:
``now`` is an argument. For each layer shift of the rotation that starts in ``[start, end)``
and not before ``now`` (the frozen past and a shift in progress are never touched) one member
is chosen.

Hard constraints (never broken; a shift nobody can take keeps its holder and is reported in
``Proposal.unmet`` with who was ruled out and why):

- **Leave** (burnout.md 9.8 "Time off: hard constraint"): no overlap with any leave.
- **Rest** (L1 Art. 3, D11, issue 5 item 3): a shift starts at least ``min_rest`` (11 h) after
  the end of the person's previous shift (unless it continues it without a break) and after
  the end of their last engagement (page work).
- **High risk** (9.8 "soft-block any new primary assignment for 7 days", a hard block in the
  generator): nobody assessed High takes a primary shift that meets ``[now, now + 7 days)``.
- **Consecutive days** (C3, L3 "at most 8 consecutive shifts"): a stretch of on-call time (shifts
  less than a day apart count as one stretch) lasts at most ``max_consecutive_days`` (7), or
  the shift's own length when the rotation's shifts are longer (a fortnightly rotation).

Soft: the **burden** over the trailing 90 days (the ledger, up to ``now``) plus the planned
shifts is balanced. Each on-call hour weighs (scheduling.md (e).2: day 1, night 2, weekend 1.5,
holiday 3), in 9.8's order of importance:

==================  ========  ===========================================================
part                weight    why
==================  ========  ===========================================================
sleep-band hour     2.0       out-of-hours first (9.8), night costs most ((e).2)
off-hours hour      1.5       out of hours, awake
business hour       1.0       total on-call hours second (9.8)
weekend hour        + 0.5     weekends third (9.8): weekend daytime weighs 2, like (e)'s 1.5+
holiday hour        + 2.0     holidays fourth (9.8): a holiday hour weighs about 3 ((e).2)
interruption        2.0       real page load (each interruption while on call, D3)
night interruption  + 2.0     one that starts in the sleep band costs sleep (N1)
==================  ========  ===========================================================

Ties between equal weighted burdens follow 9.8's order literally: fewer out-of-hours hours,
then fewer total hours, weekend hours, holiday hours, then the lower engineer id. A person's
own public holidays are a soft cost (their hours weigh 3), not a block.

The search: greedy in shift order (each shift to the lowest burden after taking it), then a
local improvement (moving one shift, or exchanging two, between the most and least burdened)
while the max/min ratio, then the pairwise balance, improves. The rotation's own round-robin
roster (when it breaks no hard constraint) is improved the same way, and the better result is
kept, so the proposal is never less fair than plain round-robin.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from oncall.domain.bands import DEFAULT_SETTINGS, BandHours, LoadSettings, split_by_band
from oncall.domain.interruptions import interruptions
from oncall.domain.model import Engineer, Leave, Page, Role, Shift, TeamPlan
from oncall.domain.risk import Assessment, Level
from oncall.domain.schedule import layer_shifts

_HOUR = timedelta(hours=1)
_DAY = timedelta(days=1)
_EPS = 1e-9


@dataclass(frozen=True, slots=True)
class BurdenWeights:
    """How much one hour (or one interruption) weighs in a person's burden (see module doc)."""

    business: float = 1.0
    off_hours: float = 1.5
    sleep: float = 2.0
    weekend_extra: float = 0.5
    holiday_extra: float = 2.0
    interruption: float = 2.0
    night_interruption_extra: float = 2.0

    def of(self, hours: BandHours) -> float:
        """The weighted burden of some on-call hours."""
        return (
            hours.business * self.business
            + hours.off_hours * self.off_hours
            + hours.sleep * self.sleep
            + hours.weekend * self.weekend_extra
            + hours.holiday * self.holiday_extra
        )


@dataclass(frozen=True, slots=True)
class PlanSettings:
    """The planner's rules; defaults are sourced in the module docstring."""

    weights: BurdenWeights = field(default_factory=BurdenWeights)
    load: LoadSettings = DEFAULT_SETTINGS
    min_rest: timedelta = timedelta(hours=11)
    max_consecutive_days: float = 7.0
    high_block: timedelta = timedelta(days=7)
    history: timedelta = timedelta(days=90)
    max_rounds: int = 200


DEFAULT_PLAN_SETTINGS = PlanSettings()


@dataclass(frozen=True, slots=True)
class Burden:
    """One person's burden: weighted total and its parts (hours and interruptions)."""

    score: float = 0.0
    out_of_hours: float = 0.0
    total: float = 0.0
    weekend: float = 0.0
    holiday: float = 0.0
    shifts: int = 0
    interruptions: int = 0

    def __add__(self, other: Burden) -> Burden:
        return Burden(
            self.score + other.score,
            self.out_of_hours + other.out_of_hours,
            self.total + other.total,
            self.weekend + other.weekend,
            self.holiday + other.holiday,
            self.shifts + other.shifts,
            self.interruptions + other.interruptions,
        )

    def __sub__(self, other: Burden) -> Burden:
        return Burden(
            self.score - other.score,
            self.out_of_hours - other.out_of_hours,
            self.total - other.total,
            self.weekend - other.weekend,
            self.holiday - other.holiday,
            self.shifts - other.shifts,
            self.interruptions - other.interruptions,
        )

    @property
    def key(self) -> tuple[float, float, float, float, float]:
        """Ordering for "least burdened": weighted score, then 9.8's order."""
        return (round(self.score, 6), round(self.out_of_hours, 6), round(self.total, 6),
                round(self.weekend, 6), round(self.holiday, 6))  # fmt: skip


@dataclass(frozen=True, slots=True)
class PlannedShift:
    """One layer shift of the rotation the planner may assign."""

    start: datetime
    end: datetime
    current: int  # its holder today (the roster, existing swaps applied)
    roster: int  # the rotation's own round-robin member


@dataclass(frozen=True, slots=True)
class Assignment:
    """A planned shift and who the proposal gives it to."""

    shift: PlannedShift
    engineer_id: int

    @property
    def changed(self) -> bool:
        """Whether this differs from today's holder (it becomes a swap when applied)."""
        return self.engineer_id != self.shift.current


@dataclass(frozen=True, slots=True)
class Unmet:
    """A shift no member can take without breaking a hard constraint.

    ``reasons`` is (engineer id, why) for every member; ``text`` names the shift and them.
    """

    start: datetime
    end: datetime
    reasons: tuple[tuple[int, str], ...]
    text: str


@dataclass(frozen=True, slots=True)
class PersonBurden:
    """One member's burden before (today's plan) and after (the proposal)."""

    engineer_id: int
    name: str
    before: Burden
    after: Burden


@dataclass(frozen=True, slots=True)
class Fairness:
    """The spread of burdens: pairwise balance (mean over pairs of min/max, 9.8; 1 is
    perfectly even) and the max/min ratio (inf when someone carries nothing)."""

    balance: float
    ratio: float


@dataclass(frozen=True, slots=True)
class Proposal:
    """The planner's answer; nothing is applied until the caller turns ``changes`` into swaps."""

    rotation_id: int
    start: datetime
    end: datetime
    zone: str
    assignments: tuple[Assignment, ...]
    people: tuple[PersonBurden, ...]
    before: Fairness
    after: Fairness
    unmet: tuple[Unmet, ...]

    @property
    def changes(self) -> tuple[Assignment, ...]:
        """The assignments that differ from today's holder (each one swap)."""
        return tuple(a for a in self.assignments if a.changed)


# --- fairness measures ------------------------------------------------------------------


def fairness(scores: Iterable[float]) -> Fairness:
    """Pairwise balance and max/min ratio of burden scores (O(n log n) via sorted prefix sums).

    Fewer than two people: perfectly even. Two people with nothing: even too."""
    values = sorted(max(0.0, v) for v in scores)
    n = len(values)
    if n < 2:
        return Fairness(1.0, 1.0)
    lo, hi = values[0], values[-1]
    ratio = 1.0 if hi <= _EPS else (float("inf") if lo <= _EPS else hi / lo)
    total, prefix = 0.0, 0.0
    for j, v in enumerate(values):
        # pairs (i, j), i < j: min/max = v_i / v_j; two zeros count as even (1).
        total += prefix / v if v > _EPS else j
        prefix += v
    return Fairness(total / (n * (n - 1) / 2), ratio)


def _objective(scores: Sequence[float]) -> tuple[float, float]:
    f = fairness(scores)
    return (f.ratio, -f.balance)


def _better(a: tuple[float, float], b: tuple[float, float]) -> bool:
    """Whether objective ``a`` is strictly better than ``b`` (lower ratio, then balance)."""
    if a[0] < b[0] - _EPS:
        return True
    if a[0] > b[0] + _EPS:
        return False
    return a[1] < b[1] - _EPS


# --- inputs -----------------------------------------------------------------------------


def plannable_shifts(
    plan: TeamPlan, rotation_id: int, start: datetime, end: datetime, now: datetime
) -> list[PlannedShift]:
    """The rotation's layer shifts starting in ``[max(start, now), end)``, whole (not clipped
    to the window), with today's holder and the round-robin member of each."""
    rotation = next((r for r in plan.rotations if r.id == rotation_id), None)
    if rotation is None:
        raise ValueError(f"There is no rotation {rotation_id} in team {plan.team.name}.")
    lo = max(start, now)
    if lo >= end:
        return []
    longest = max(
        (timedelta(hours={"hours": 1, "days": 24, "weeks": 168}[v.cadence_unit.value])
         * v.cadence_count for v in rotation.versions),
        default=_DAY,
    )  # fmt: skip
    # A second before the window: a piece clipped there starts before ``lo`` and is dropped,
    # so every kept piece has its true start (the instant a swap binds to).
    q_lo, q_hi = lo - timedelta(seconds=1), end + longest + 2 * _DAY
    team = plan.team.id
    current = layer_shifts(rotation, team, q_lo, q_hi, plan.swaps)
    roster = {s.start: s.engineer_id for s in layer_shifts(rotation, team, q_lo, q_hi)}
    return [
        PlannedShift(s.start, s.end, s.engineer_id, roster.get(s.start, s.engineer_id))
        for s in current
        if lo <= s.start < end
    ]


def _members(plan: TeamPlan, rotation_id: int) -> list[Engineer]:
    rotation = next(r for r in plan.rotations if r.id == rotation_id)
    ids = sorted(set(rotation.current.members))
    people = {e.id: e for e in plan.engineers}
    return [people.get(i) or Engineer(i, f"#{i}", "") for i in ids
            if i not in people or people[i].active]  # fmt: skip


# --- the constraint and cost model ------------------------------------------------------


class _Model:
    """Per-member costs and constraints, computed once per (shift, member)."""

    def __init__(
        self,
        plan: TeamPlan,
        rotation_id: int,
        members: Sequence[Engineer],
        shifts: Sequence[PlannedShift],
        history_shifts: Iterable[Shift],
        pages: Iterable[Page],
        assessments: Mapping[int, Assessment],
        holidays_by_engineer: Mapping[int, Collection[date]],
        now: datetime,
        settings: PlanSettings,
    ) -> None:
        self.members = list(members)
        self.ids = [e.id for e in self.members]
        self.shifts = list(shifts)
        self.settings = settings
        self.now = now
        self.zone_of = {e.id: e.zone or "UTC" for e in self.members}
        self.holidays = {i: frozenset(holidays_by_engineer.get(i, ())) for i in self.ids}
        rotation = next(r for r in plan.rotations if r.id == rotation_id)
        self.primary = rotation.current.role is Role.PRIMARY
        wanted = set(self.ids)
        since = now - settings.history
        # Fixed time: ledger shifts that began before now (a shift in progress keeps its end).
        self.fixed: dict[int, list[tuple[datetime, datetime]]] = {i: [] for i in self.ids}
        history: dict[int, Burden] = {i: Burden() for i in self.ids}
        w = settings.weights
        for s in history_shifts:
            if s.engineer_id not in wanted or s.start >= now or s.end <= since:
                continue
            self.fixed[s.engineer_id].append((s.start, s.end))
            if s.role is Role.SHADOW:  # D9: shadow time is not on-call load
                continue
            a, b = max(s.start, since), min(s.end, now)
            if a < b:
                history[s.engineer_id] += self._burden(s.engineer_id, a, b, count=0)
        for spans in self.fixed.values():
            spans.sort()
        # Real page load: interruptions while on call in the trailing window; and every
        # engagement's end, for the rest rule.
        self.engaged_until: dict[int, list[datetime]] = {i: [] for i in self.ids}
        mine = [p for p in pages if p.engineer_id in wanted]
        for found in interruptions(mine, settings.load):
            eid = found.engineer_id
            self.engaged_until[eid].append(found.end)
            if not (since <= found.start < now):
                continue
            on_call = any(a <= found.start < b for a, b in self.fixed[eid])
            if not on_call:
                continue
            night = split_by_band(found.start, found.start + timedelta(seconds=1),
                                  self.zone_of[eid], settings.load).sleep > 0  # fmt: skip
            score = w.interruption + (w.night_interruption_extra if night else 0.0)
            history[eid] += Burden(score=score, interruptions=1)
        for ends in self.engaged_until.values():
            ends.sort()
        self.history = history
        self.leave: dict[int, list[Leave]] = {i: [] for i in self.ids}
        for lv in plan.leave:
            if lv.engineer_id in wanted:
                self.leave[lv.engineer_id].append(lv)
        self.high = {
            i for i in self.ids if (a := assessments.get(i)) is not None and a.level is Level.HIGH
        }
        self._cost: dict[tuple[int, int], Burden] = {}
        self._block: dict[tuple[int, int], str | None] = {}

    def _burden(self, eid: int, start: datetime, end: datetime, count: int = 1) -> Burden:
        hours = split_by_band(start, end, self.zone_of[eid], self.settings.load,
                              self.holidays[eid])  # fmt: skip
        return Burden(
            score=self.settings.weights.of(hours),
            out_of_hours=hours.out_of_hours,
            total=hours.total,
            weekend=hours.weekend,
            holiday=hours.holiday,
            shifts=count,
        )

    def cost(self, k: int, eid: int) -> Burden:
        """The burden shift ``k`` adds to ``eid``."""
        key = (k, eid)
        found = self._cost.get(key)
        if found is None:
            s = self.shifts[k]
            found = self._cost[key] = self._burden(eid, s.start, s.end)
        return found

    def fixed_block(self, k: int, eid: int) -> str | None:
        """Why ``eid`` can never take shift ``k`` whatever else is planned (leave, High, rest
        after fixed time or engagement), or None."""
        key = (k, eid)
        if key in self._block:
            return self._block[key]
        s = self.shifts[k]
        why = None
        for lv in self.leave[eid]:
            if lv.start < s.end and s.start < lv.end:
                why = "on leave" if lv.kind.value != "recovery" else "on recovery leave"
                break
        blocked = s.start < self.now + self.settings.high_block and s.end > self.now
        if why is None and self.primary and eid in self.high and blocked:
            why = "at High"
        if why is None:
            why = self._rest_block(eid, s.start, self.fixed[eid], self.engaged_until[eid])
        self._block[key] = why
        return why

    def _rest_block(
        self,
        eid: int,
        start: datetime,
        spans: Sequence[tuple[datetime, datetime]],
        ends: Sequence[datetime] = (),
    ) -> str | None:
        rest = self.settings.min_rest
        latest = None
        for a, b in spans:
            # A shift that ends exactly when this one starts is continued, not rested from.
            if a < start and start - rest < b < start:
                latest = b if latest is None or b > latest else latest
        i = bisect_left(ends, start)
        if i > 0 and ends[i - 1] > start - rest:
            latest = ends[i - 1] if latest is None or ends[i - 1] > latest else latest
        if latest is None:
            return None
        until = (latest + rest).astimezone(ZoneInfo(self.zone_of[eid]))
        return f"needs rest until {until:%a %d %b %H:%M}"

    def block(self, k: int, eid: int, planned: Sequence[int]) -> str | None:
        """Why ``eid`` cannot take shift ``k`` next to the planned shifts ``planned`` (indices
        of shifts already given to ``eid``, ``k`` excluded), or None."""
        why = self.fixed_block(k, eid)
        if why is not None:
            return why
        s = self.shifts[k]
        others = [(self.shifts[j].start, self.shifts[j].end) for j in planned if j != k]
        for a, b in others:
            if a < s.end and s.start < b:
                return "already on call then"
        why = self._rest_block(eid, s.start, others)
        if why is not None:
            return why
        # Rest owed *after* this shift before a later planned one.
        for a, _b in others:
            if s.end < a < s.end + self.settings.min_rest:
                return "would not rest 11 h before their next shift"
        spans = sorted([*self.fixed[eid], *others, (s.start, s.end)])
        days = _longest_stretch_days(spans, s.start, s.end)
        # A rotation whose own shift is longer than the limit (fortnightly) may still be
        # held: only joining it to more on-call time breaks the rule.
        limit = max(self.settings.max_consecutive_days, round((s.end - s.start) / _DAY, 1))
        if days > limit + _EPS:
            return f"would be on call {days:g} days in a row"
        return None


def _longest_stretch_days(
    spans: Sequence[tuple[datetime, datetime]], start: datetime, end: datetime
) -> float:
    """Length in days of the stretch holding ``[start, end)`` (spans less than a day apart
    join), rounded to a tenth."""
    a, b = start, end
    changed = True
    while changed:
        changed = False
        for x, y in spans:
            near = x < b + _DAY and y > a - _DAY
            if near and (x < a or y > b):
                a, b = min(a, x), max(b, y)
                changed = True
    return round((b - a) / _DAY, 1)


# --- the search -------------------------------------------------------------------------


class _State:
    """An assignment with per-member planned burden, kept in step with every move."""

    def __init__(self, model: _Model, who: Sequence[int]) -> None:
        self.model = model
        self.who = list(who)
        self.load = dict(model.history)
        self.mine: dict[int, list[int]] = {i: [] for i in model.ids}
        for k, eid in enumerate(self.who):
            if eid in self.load:
                self.load[eid] = self.load[eid] + model.cost(k, eid)
                self.mine[eid].append(k)

    def scores(self) -> list[float]:
        return [self.load[i].score for i in self.model.ids]

    def objective(self) -> tuple[float, float]:
        return _objective(self.scores())

    def give(self, k: int, eid: int) -> None:
        old = self.who[k]
        if old in self.load:
            self.load[old] = self.load[old] - self.model.cost(k, old)
            self.mine[old].remove(k)
        self.who[k] = eid
        self.load[eid] = self.load[eid] + self.model.cost(k, eid)
        self.mine[eid].append(k)

    def can(self, k: int, eid: int, without: int | None = None) -> bool:
        planned = [j for j in self.mine[eid] if j != without]
        return self.model.block(k, eid, planned) is None


def _greedy(model: _Model) -> tuple[list[int], list[int]]:
    """Each shift in time order to the member least burdened after taking it; shifts nobody
    can take keep today's holder and are returned as unmet indices."""
    state = _State(model, [-1] * len(model.shifts))
    unmet = []
    for k, s in enumerate(model.shifts):
        best = None
        for eid in model.ids:
            if not state.can(k, eid):
                continue
            # Equal burdens: today's holder keeps the shift (fewer swaps), then the lower id.
            key = ((state.load[eid] + model.cost(k, eid)).key, eid != s.current, eid)
            if best is None or key < best[0]:
                best = (key, eid)
        if best is None:
            unmet.append(k)
            state.who[k] = s.current
        else:
            state.give(k, best[1])
    return state.who, unmet


def _feasible(model: _Model, who: Sequence[int]) -> bool:
    if any(eid not in model.history for eid in who):
        return False
    state = _State(model, who)
    return all(state.can(k, eid, without=k) for k, eid in enumerate(who))


def _improve(model: _Model, who: Sequence[int], locked: Collection[int]) -> list[int]:
    """Moves and exchanges involving the most and least burdened member, while they lower
    the max/min ratio (then raise the pairwise balance). Deterministic: moves are tried in a
    fixed order and the first improving one is taken."""
    state = _State(model, who)
    free = [k for k in range(len(who)) if k not in locked]
    current = state.objective()
    for _ in range(model.settings.max_rounds):
        order = sorted(model.ids, key=lambda i: (state.load[i].key, i))
        lo_id, hi_id = order[0], order[-1]
        improved = False
        for k in free:
            owner = state.who[k]
            targets = [lo_id] if owner != lo_id else []
            if owner == hi_id:
                targets = [i for i in order if i != hi_id]
            for eid in targets:
                if not state.can(k, eid):
                    continue
                state.give(k, eid)
                trial = state.objective()
                if _better(trial, current):
                    current, improved = trial, True
                    break
                state.give(k, owner)
            if improved:
                break
        if not improved:
            # Exchanges: a shift of the most burdened for a lighter one of someone else.
            for k in [j for j in free if state.who[j] == hi_id]:
                for j in free:
                    other = state.who[j]
                    if other == hi_id or j == k:
                        continue
                    state.give(k, other)
                    state.give(j, hi_id)
                    ok = state.can(k, other, without=k) and state.can(j, hi_id, without=j)
                    trial = state.objective()
                    if ok and _better(trial, current):
                        current, improved = trial, True
                        break
                    state.give(j, other)
                    state.give(k, hi_id)
                if improved:
                    break
        if not improved:
            break
    return state.who


def _unmet_text(s: PlannedShift, zone: str, reasons: Sequence[tuple[str, str]]) -> str:
    tz = ZoneInfo(zone)
    a, b = s.start.astimezone(tz), s.end.astimezone(tz)
    why = ", ".join(f"{name} {reason}" for name, reason in reasons) or "the rotation has nobody"
    return f"Nobody can take {a:%a %d %b %H:%M} - {b:%a %d %b %H:%M}: {why}"


def round_robin(plan: TeamPlan, rotation_id: int, start: datetime, end: datetime,
                now: datetime) -> list[tuple[PlannedShift, int]]:  # fmt: skip
    """The baseline: each plannable shift to the rotation's own round-robin member."""
    return [(s, s.roster) for s in plannable_shifts(plan, rotation_id, start, end, now)]


def plan_rotation(
    plan: TeamPlan,
    rotation_id: int,
    start: datetime,
    end: datetime,
    *,
    history_shifts: Iterable[Shift] = (),
    pages: Iterable[Page] = (),
    assessments: Mapping[int, Assessment] | None = None,
    holidays_by_engineer: Mapping[int, Collection[date]] | None = None,
    now: datetime,
    settings: PlanSettings = DEFAULT_PLAN_SETTINGS,
) -> Proposal:
    """A fair proposal for the rotation's shifts starting in ``[start, end)`` (see module doc).

    ``history_shifts`` are ledger shifts of the members (trailing 90 days; any team), ``pages``
    their pages over the same days, ``assessments`` their risk at ``now``,
    ``holidays_by_engineer`` their public holidays. Nothing is applied.
    """
    shifts = plannable_shifts(plan, rotation_id, start, end, now)
    members = _members(plan, rotation_id)
    rotation = next(r for r in plan.rotations if r.id == rotation_id)
    zone = rotation.current.zone
    model = _Model(plan, rotation_id, members, shifts, history_shifts, pages,
                   assessments or {}, holidays_by_engineer or {}, now, settings)  # fmt: skip
    names = {e.id: e.name for e in plan.engineers}
    greedy, unmet_idx = _greedy(model)
    locked = set(unmet_idx)
    candidates = [_improve(model, greedy, locked)]
    starts = ([s.roster for s in shifts], [s.current for s in shifts])
    candidates.extend(
        _improve(model, who, locked)
        for who in starts
        if not locked and shifts and _feasible(model, who)
    )
    best = candidates[0]
    best_obj = _State(model, best).objective()
    for other in candidates[1:]:
        obj = _State(model, other).objective()
        if _better(obj, best_obj):
            best, best_obj = other, obj
    unmet = []
    for k in unmet_idx:
        s = shifts[k]
        reasons = []
        for eid in model.ids:
            why = model.fixed_block(k, eid) or "would break a rule next to their other shifts"
            reasons.append((eid, why))
        text = _unmet_text(s, zone, [(names.get(i, f"#{i}"), w) for i, w in reasons])
        unmet.append(Unmet(s.start, s.end, tuple(reasons), text))
    before_state = _State(model, [s.current for s in shifts])
    after_state = _State(model, best)
    people = tuple(
        PersonBurden(i, names.get(i, f"#{i}"), before_state.load[i], after_state.load[i])
        for i in model.ids
    )
    return Proposal(
        rotation_id=rotation_id,
        start=start,
        end=end,
        zone=zone,
        assignments=tuple(Assignment(s, best[k]) for k, s in enumerate(shifts)),
        people=people,
        before=fairness(before_state.scores()),
        after=fairness(after_state.scores()),
        unmet=tuple(unmet),
    )


def spread(
    plan: TeamPlan,
    rotation_id: int,
    who: Sequence[int],
    start: datetime,
    end: datetime,
    *,
    history_shifts: Iterable[Shift] = (),
    pages: Iterable[Page] = (),
    holidays_by_engineer: Mapping[int, Collection[date]] | None = None,
    now: datetime,
    settings: PlanSettings = DEFAULT_PLAN_SETTINGS,
) -> Fairness:
    """The fairness of giving the plannable shifts to ``who`` (e.g. :func:`round_robin`'s),
    measured exactly as :func:`plan_rotation` measures its proposal."""
    shifts = plannable_shifts(plan, rotation_id, start, end, now)
    model = _Model(plan, rotation_id, _members(plan, rotation_id), shifts, history_shifts, pages,
                   {}, holidays_by_engineer or {}, now, settings)  # fmt: skip
    return fairness(_State(model, who).scores())


__all__ = [
    "DEFAULT_PLAN_SETTINGS",
    "Assignment",
    "Burden",
    "BurdenWeights",
    "Fairness",
    "PersonBurden",
    "PlanSettings",
    "PlannedShift",
    "Proposal",
    "Unmet",
    "fairness",
    "plan_rotation",
    "plannable_shifts",
    "round_robin",
    "spread",
]
