"""The schedule engine: rotations, overrides and swaps resolved into final shifts and gaps.

Plain Python. Rules (DESIGN.md "Time" and "Schedule"): handoffs at wall-clock time of the
rotation's zone; nonexistent local times move forward by the gap (RFC 5545); repeated local
times take their first occurrence; higher priority hides lower within a role; overrides beat
every rotation and the newest overlapping override wins; a swap replaces the engineer of one
shift; leave meeting a shift is a conflict, never a drop; uncovered time of a covered role is
a gap. Resolution is a sweep over interval boundaries.

Vocabulary used below: a *handoff* is an instant at which a rotation passes to the next
member; a *shift* of a rotation runs from one handoff to the next; a *piece* is what is left
of a shift once cut at version edges and restriction windows (a layer shift).
"""

from __future__ import annotations

import dataclasses
import heapq
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, time, timedelta
from operator import attrgetter, itemgetter, le

from oncall.domain.intervals import union
from oncall.domain.model import (
    COVERED_ROLES,
    CadenceUnit,
    Gap,
    Leave,
    LeaveConflict,
    OrphanSwap,
    Provenance,
    Resolution,
    Role,
    Rotation,
    RotationVersion,
    Shift,
    SourceKind,
    Swap,
    TeamPlan,
)
from oncall.domain.zones import EPOCH_NAIVE, EPOCH_UTC, utc_offset, wall
from oncall.domain.zones import localize as _localize

_UNIT = {
    CadenceUnit.HOURS: timedelta(hours=1),
    CadenceUnit.DAYS: timedelta(days=1),
    CadenceUnit.WEEKS: timedelta(weeks=1),
}
# UTC offsets run from -12 h to +14 h, so a zone's wall-clock order and the UTC order of the
# same instants never disagree by more than this: the margin for the direct k-range guess.
_MAX_SKEW = timedelta(hours=27)
_DAY = timedelta(days=1)
_WEEK = timedelta(weeks=1)
_WEEKDAYS = frozenset(range(7))
_EPOCH_MIDNIGHT = datetime(2000, 1, 1)
_EPOCH_DAY = _EPOCH_MIDNIGHT.date()
_ROLE_ORDER = {role: i for i, role in enumerate(Role)}


def _shift_maker() -> Callable[[int, Role, int, datetime, datetime, Provenance], Shift]:
    """A faster ``Shift(team_id, role, engineer_id, start, end, source)``.

    A frozen dataclass's ``__init__`` pays a generic ``object.__setattr__`` per field; a year
    of schedule builds thousands of shifts, and writing the slots through their descriptors
    is about three times faster. Later fields take their defaults; should ``Shift`` ever
    change shape in a way this cannot mirror, the plain class is used instead.
    """
    fields = dataclasses.fields(Shift)
    head = ("team_id", "role", "engineer_id", "start", "end", "source")
    if tuple(f.name for f in fields[:6]) != head or any(
        f.default is dataclasses.MISSING for f in fields[6:]
    ):
        return Shift
    set_team, set_role, set_engineer, set_start, set_end, set_source = (
        Shift.__dict__[name].__set__ for name in head
    )
    rest = [(Shift.__dict__[f.name].__set__, f.default) for f in fields[6:]]
    new = object.__new__
    if len(rest) == 1:  # today's shape: only ``frozen`` follows, unrolled for speed
        ((set_last, last_default),) = rest
        rest = []
    else:
        set_last, last_default = None, None

    def make(
        team_id: int, role: Role, engineer_id: int, start: datetime, end: datetime, source
    ) -> Shift:
        shift = new(Shift)
        set_team(shift, team_id)
        set_role(shift, role)
        set_engineer(shift, engineer_id)
        set_start(shift, start)
        set_end(shift, end)
        set_source(shift, source)
        if set_last is not None:
            set_last(shift, last_default)
        for setter, default in rest:
            setter(shift, default)
        return shift

    return make


_new_shift = _shift_maker()


def _provenance_maker() -> Callable[..., Provenance]:
    """A faster positional ``Provenance(kind, rotation_id, rotation_version, roster_index,
    override_id, swap_id)``, for the same reason as :func:`_shift_maker`."""
    head = ("kind", "rotation_id", "rotation_version", "roster_index", "override_id", "swap_id")
    if tuple(f.name for f in dataclasses.fields(Provenance)) != head:
        return Provenance
    set_kind, set_rotation, set_version, set_index, set_override, set_swap = (
        Provenance.__dict__[name].__set__ for name in head
    )
    new = object.__new__

    def make(
        kind: SourceKind,
        rotation_id: int | None,
        rotation_version: int | None,
        roster_index: int | None,
        override_id: int | None,
        swap_id: int | None,
    ) -> Provenance:
        source = new(Provenance)
        set_kind(source, kind)
        set_rotation(source, rotation_id)
        set_version(source, rotation_version)
        set_index(source, roster_index)
        set_override(source, override_id)
        set_swap(source, swap_id)
        return source

    return make


_new_source = _provenance_maker()


def localize(naive: datetime, zone: str) -> datetime:
    """Attach ``zone`` to a wall-clock time: gaps move forward, repeats take the first."""
    return _localize(naive, zone)


def _utc(instant: datetime, what: str) -> datetime:
    """``instant`` in UTC; a naive instant is a caller's bug, named so it can be found."""
    if instant.tzinfo is UTC:
        return instant  # the common case (stored instants are UTC): skip the conversion
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware, got naive {instant.isoformat()}")
    return instant.astimezone(UTC)


# --- one version's handoffs -------------------------------------------------------------


def _handoffs(
    version: RotationVersion, lo: datetime, hi: datetime
) -> list[tuple[int, datetime, datetime]]:
    """The shifts ``(k, start, end)`` of ``version`` that meet ``[lo, hi)``, unclipped, in UTC.

    The k range is computed from the window's wall-clock reading (no walk from the anchor),
    widened by a margin that covers any offset change. Handoff instants are made
    non-decreasing by a suffix minimum: only a cadence shorter than a DST gap (e.g. hourly
    handoffs across a 2 h gap) could otherwise step back in time; such a shift is then empty.
    """
    step = _UNIT[version.cadence_unit] * max(1, version.cadence_count)
    zone = version.zone
    anchor = version.anchor.replace(tzinfo=None, fold=0)
    margin = -(-_MAX_SKEW // step) + 1
    first = max(0, (wall(lo, zone) - anchor) // step - margin)
    last = max(0, (wall(hi, zone) - anchor) // step + margin + 1)
    # Wall times by repeated addition (exact: naive arithmetic is wall-clock arithmetic),
    # each read in the zone with fold=0, as localize_utc does.
    offset = utc_offset(zone)
    moment = anchor + first * step
    instants = []
    for _ in range(last + margin + 1 - first):
        instants.append(EPOCH_UTC + (moment - offset(moment) - EPOCH_NAIVE))
        moment += step
    if not all(map(le, instants, instants[1:])):  # almost always already in order
        for i in range(len(instants) - 2, -1, -1):
            if instants[i] > instants[i + 1]:
                instants[i] = instants[i + 1]
    # Shift i runs [instants[i], instants[i + 1]); those meeting [lo, hi) are one stretch.
    a = max(bisect_right(instants, lo) - 1, 0)
    b = min(bisect_left(instants, hi), last - first)
    return [
        (first + i, instants[i], instants[i + 1])
        for i in range(a, b)
        if instants[i] < instants[i + 1]
    ]


def _restriction_windows(
    version: RotationVersion, lo: datetime, hi: datetime
) -> list[tuple[datetime, datetime]]:
    """The union of ``version``'s restriction windows around ``[lo, hi)``, merged, in UTC.

    Windows are laid out per local date (the day before ``lo`` too, for windows that cross
    midnight into it) and localised like handoffs; touching windows merge, so a shift is
    only cut where the restrictions really close.
    """
    zone = version.zone
    offset = utc_offset(zone)
    first_day = wall(lo, zone).date() - _DAY
    last_day = datetime.combine(wall(hi, zone).date() + _DAY, time())
    windows: list[tuple[datetime, datetime]] = []
    for r in version.restrictions:
        # The window as offsets from local midnight.
        opens = datetime.combine(_EPOCH_DAY, r.start.replace(tzinfo=None)) - _EPOCH_MIDNIGHT
        closes = datetime.combine(_EPOCH_DAY, r.end.replace(tzinfo=None)) - _EPOCH_MIDNIGHT
        if closes <= opens:
            closes += _DAY  # crosses midnight; start == end is a full day
        for weekday in r.weekdays & _WEEKDAYS:
            # Every such weekday from the first one on: a week apart on the wall clock.
            day = datetime.combine(
                first_day + timedelta(days=(weekday - first_day.weekday()) % 7), time()
            )
            while day <= last_day:
                a = day + opens
                b = day + closes
                start = EPOCH_UTC + (a - offset(a) - EPOCH_NAIVE)
                end = EPOCH_UTC + (b - offset(b) - EPOCH_NAIVE)
                if end > start:
                    windows.append((start, end))
                day += _WEEK
    return union(windows)


def _version_spans(
    rotation: Rotation,
) -> list[tuple[RotationVersion, datetime, datetime | None]]:
    """Each version with the span it is in force, ``[effective_from, next or ends_at)``."""
    versions = sorted(rotation.versions, key=lambda v: _utc(v.effective_from, "effective_from"))
    ends_at = _utc(rotation.ends_at, "ends_at") if rotation.ends_at is not None else None
    spans = []
    for i, version in enumerate(versions):
        start = _utc(version.effective_from, "effective_from")
        end = (
            _utc(versions[i + 1].effective_from, "effective_from")
            if i + 1 < len(versions)
            else None
        )
        if ends_at is not None and (end is None or ends_at < end):
            end = ends_at
        if end is None or start < end:
            spans.append((version, start, end))
    return spans


def _version_shifts(
    version: RotationVersion, v_start: datetime, v_end: datetime | None, lo: datetime, hi: datetime
) -> list[tuple[int, datetime, datetime]]:
    """Pieces ``(k, start, end)`` of one version meeting ``[lo, hi)``: its shifts cut where
    the version is in force and to its restriction windows, but not to the window, so a
    swap can bind to a piece's true start."""
    q_lo = lo if lo > v_start else v_start
    q_hi = hi if v_end is None or hi < v_end else v_end
    if q_lo >= q_hi or not version.members:
        return []
    shifts = _handoffs(version, q_lo, q_hi)
    if not shifts:
        return shifts
    # A shift in progress when its version starts or stops is cut there (never emptied: it
    # meets [q_lo, q_hi), which lies inside the version's span).
    if shifts[0][1] < v_start:
        k, _, end = shifts[0]
        shifts[0] = (k, v_start, end)
    if v_end is not None and shifts[-1][2] > v_end:
        k, start, _ = shifts[-1]
        shifts[-1] = (k, start, v_end)
    if version.restrictions:
        shifts = _restrict(shifts, _restriction_windows(version, shifts[0][1], shifts[-1][2]))
    return shifts


def _restrict(
    shifts: list[tuple[int, datetime, datetime]], windows: list[tuple[datetime, datetime]]
) -> list[tuple[int, datetime, datetime]]:
    """Intersect sorted, disjoint shifts with sorted, disjoint windows (two pointers)."""
    out = []
    j = 0
    n = len(windows)
    for k, start, end in shifts:
        while j < n and windows[j][1] <= start:
            j += 1
        i = j
        while i < n and windows[i][0] < end:
            w_start, w_end = windows[i]
            piece_start = start if start > w_start else w_start
            piece_end = end if end < w_end else w_end
            if piece_start < piece_end:
                out.append((k, piece_start, piece_end))
            i += 1
    return out


def _swap_rank(swap: Swap) -> tuple[datetime, int]:
    return (_utc(swap.created_at, "created_at"), swap.id)


def _layer(
    rotation: Rotation,
    team_id: int,
    lo: datetime,
    hi: datetime,
    swaps: Iterable[Swap],
    sink: dict[Role, list[_Candidate]] | None = None,
    ranks: dict[tuple[int, int], int] | None = None,
) -> tuple[list[Shift], list[Swap]]:
    """A layer's shifts in ``[lo, hi)`` and its orphan swaps.

    With a ``sink``, each shift is also added there as a sweep candidate of its role, ranked
    by ``ranks[(priority, rotation id)]`` (built here, where every field is at hand).
    """
    rid = rotation.id
    bound: dict[datetime, Swap] = {}
    for swap in swaps:
        if swap.rotation_id != rid:
            continue
        at = _utc(swap.shift_start, "shift_start")
        # Two swaps of one shift: the newest stands (the older is superseded, not orphaned).
        if at not in bound or _swap_rank(swap) > _swap_rank(bound[at]):
            bound[at] = swap
    used: set[datetime] = set()
    shifts: list[Shift] = []
    for version, v_start, v_end in _version_spans(rotation):
        pieces = _version_shifts(version, v_start, v_end, lo, hi)
        if not pieces:
            continue
        role = version.role
        members = version.members
        count = len(members)
        number = version.version
        sources = [
            _new_source(SourceKind.ROTATION, rid, number, index, None, None)
            for index in range(count)
        ]
        out = sink[role] if sink is not None and ranks is not None else None
        rank = ranks[(version.priority, rid)] if ranks is not None else 0
        for k, start, end in pieces:
            index = k % count
            engineer = members[index]
            source = sources[index]
            if bound:
                swap = bound.get(start)
                if swap is not None:
                    used.add(start)
                    engineer = swap.engineer_id
                    source = _new_source(SourceKind.SWAP, rid, number, index, None, swap.id)
            if start < lo:
                start = lo
            if end > hi:
                end = hi
            if start < end:
                shift = _new_shift(team_id, role, engineer, start, end, source)
                shifts.append(shift)
                if out is not None:
                    out.append((start, end, rank, engineer, source, shift))
    orphans = [s for at, s in bound.items() if at not in used and lo <= at < hi]
    return shifts, orphans


def layer_shifts(
    rotation: Rotation, team_id: int, start: datetime, end: datetime, swaps: tuple[Swap, ...] = ()
) -> list[Shift]:
    """One rotation's own shifts that meet ``[start, end)``, clipped to it, swaps applied.

    Shift k starts at the k-th handoff (``anchor + k * cadence`` in wall-clock time of the
    version's zone, localised) and lasts until the next one; it is cut where its version
    stops being in force and intersected with the restriction windows. A swap binds to the
    piece that starts at its ``shift_start`` and replaces its engineer.
    """
    lo, hi = _utc(start, "start"), _utc(end, "end")
    if lo >= hi:
        return []
    return _layer(rotation, team_id, lo, hi, swaps)[0]


# --- the sweep --------------------------------------------------------------------------

# A candidate for the sweep: (start, end, rank, engineer_id, provenance, shift). The lowest
# rank (an int) wins; ``shift`` is the layer shift it came from (None for an override), so a final
# shift identical to it can be the very same object.
_Candidate = tuple[datetime, datetime, int, int, Provenance, Shift | None]
# A run of the sweep: (start, end, candidate or None for nobody).
_Run = tuple[datetime, datetime, _Candidate | None]
_START = itemgetter(0)
_START_OF = attrgetter("start")


def _sweep(candidates: list[_Candidate], lo: datetime, hi: datetime) -> list[_Run]:
    """Partition ``[lo, hi)`` into runs of one winner (engineer, provenance) or of nobody.

    Boundaries are sorted once; a heap holds the candidates active at each boundary, the
    best rank on top; ended candidates are dropped lazily when they surface. Consecutive
    stretches won by the same engineer with the same provenance form one run.
    """
    n = len(candidates)
    candidates.sort(key=_START)
    starts = [c[0] for c in candidates]
    ends = [c[1] for c in candidates]
    # Heap entries are plain ints, ``rank * n + index``: the best rank on top, cheap to compare.
    keys = [c[2] * n + j for j, c in enumerate(candidates)]
    times = starts + ends  # two nearly sorted runs: cheap to sort
    times.sort()
    heap: list[int] = []
    push, pop = heapq.heappush, heapq.heappop
    runs: list[_Run] = []
    run_start = lo
    run_top: _Candidate | None = None
    j = 0
    previous = None
    for t in times:
        if t == previous:
            continue  # a boundary shared by several candidates is visited once
        previous = t
        if t >= hi:
            break
        while j < n and starts[j] <= t:
            push(heap, keys[j])
            j += 1
        while heap and ends[heap[0] % n] <= t:
            pop(heap)
        top = candidates[heap[0] % n] if heap else None
        if top is run_top:
            continue
        if (
            top is not None
            and run_top is not None
            and top[3] == run_top[3]
            and top[4] == run_top[4]
        ):
            continue  # same person, same source: the run goes on
        if t > run_start:
            runs.append((run_start, t, run_top))
        run_start, run_top = t, top
    if hi > run_start:
        runs.append((run_start, hi, run_top))
    return runs


def _conflicts(shifts: Sequence[Shift], leave: Iterable[Leave]) -> list[LeaveConflict]:
    """Every (final shift, leave of its engineer) pair that overlaps; shifts are kept."""
    by_engineer: dict[int, list[tuple[datetime, datetime, Leave]]] = defaultdict(list)
    for item in leave:
        start, end = _utc(item.start, "leave start"), _utc(item.end, "leave end")
        if start < end:
            by_engineer[item.engineer_id].append((start, end, item))
    # Per engineer: leave by start, and reach[i] = the latest end among leave 0..i, so the
    # backward walk from the last leave starting before a shift ends knows when to stop.
    index = {}
    for engineer, items in by_engineer.items():
        items.sort(key=lambda x: (x[0], x[1]))
        reach: list[datetime] = []
        for _, end, _ in items:
            reach.append(end if not reach or end > reach[-1] else reach[-1])
        index[engineer] = (items[0][0], reach[-1], [x[0] for x in items], reach, items)
    out = []
    for shift in shifts:
        entry = index.get(shift.engineer_id)
        if entry is None or shift.end <= entry[0] or shift.start >= entry[1]:
            continue
        _, _, starts, reach, items = entry
        hits = []
        i = bisect_left(starts, shift.end) - 1
        while i >= 0 and reach[i] > shift.start:
            if items[i][1] > shift.start:
                hits.append(items[i][2])
            i -= 1
        out.extend(LeaveConflict(shift, item) for item in reversed(hits))
    return out


def resolve(plan: TeamPlan, start: datetime, end: datetime) -> Resolution:
    """The final schedule of ``plan`` over ``[start, end)``: shifts, gaps, conflicts, layers.

    Within a role, the layer with the higher priority hides lower ones (equal priority: the
    higher rotation id, the newer, wins); overrides of a role beat all its rotations, the
    newest ``created_at`` (then higher id) first. Adjacent pieces with the same engineer and
    provenance merge. For a covered role that the plan staffs at all, uncovered time since the
    role was first staffed is a gap. A swap whose shift no longer exists is reported, not
    applied. Every output instant is in UTC.
    """
    lo, hi = _utc(start, "window start"), _utc(end, "window end")
    team_id = plan.team.id
    if lo >= hi:
        return Resolution(lo, hi, (), ())
    # Ranks are small ints, lowest wins: overrides newest first, then layers by priority
    # and rotation id, both highest first.
    overrides = sorted(
        plan.overrides, key=lambda o: (_utc(o.created_at, "created_at"), o.id), reverse=True
    )
    layer_order = sorted({(v.priority, r.id) for r in plan.rotations for v in r.versions})
    layer_rank = {key: len(overrides) + len(layer_order) - i for i, key in enumerate(layer_order)}
    candidates: dict[Role, list[_Candidate]] = defaultdict(list)
    staffed = {v.role for r in plan.rotations for v in r.versions} | {o.role for o in overrides}
    layers: dict[int, tuple[Shift, ...]] = {}
    orphans: list[OrphanSwap] = []
    for rotation in plan.rotations:
        shifts, lost = _layer(rotation, team_id, lo, hi, plan.swaps, candidates, layer_rank)
        layers[rotation.id] = tuple(shifts)
        orphans.extend(OrphanSwap(s) for s in lost)
    # A swap of a rotation no longer in the plan has nothing to bind to.
    known = {r.id for r in plan.rotations}
    orphans.extend(
        OrphanSwap(swap)
        for swap in plan.swaps
        if swap.rotation_id not in known and lo <= _utc(swap.shift_start, "shift_start") < hi
    )
    for rank, override in enumerate(overrides):
        o_start = _utc(override.start, "override start")
        o_end = _utc(override.end, "override end")
        o_start = o_start if o_start > lo else lo
        o_end = o_end if o_end < hi else hi
        if o_start < o_end:
            source = _new_source(SourceKind.OVERRIDE, None, None, None, override.id, None)
            candidates[override.role].append(
                (o_start, o_end, rank, override.engineer_id, source, None)
            )
    # Time before a role was first staffed is not a gap: nobody was meant to cover it yet.
    began: dict[Role, datetime] = {}
    for r in plan.rotations:
        for v in r.versions:
            began[v.role] = min(began.get(v.role, v.effective_from), v.effective_from)
    for o in overrides:
        began[o.role] = min(began.get(o.role, o.start), o.start)
    final: list[Shift] = []
    gaps: list[Gap] = []
    for role in Role:
        if role not in staffed:
            continue
        for run_start, run_end, top in _sweep(candidates.get(role, []), lo, hi):
            if top is None:
                gap_start = max(run_start, _utc(began[role], "effective_from"))
                if role in COVERED_ROLES and gap_start < run_end:
                    gaps.append(Gap(team_id, role, gap_start, run_end))
                continue
            shift = top[5]
            if shift is None or shift.start != run_start or shift.end != run_end:
                shift = _new_shift(team_id, role, top[3], run_start, run_end, top[4])
            final.append(shift)
    # Each role's runs are in time order and roles were taken in order, so a stable sort by
    # start gives (start, role): one role has one shift at a time.
    final.sort(key=_START_OF)
    shifts = tuple(final)
    orphans.sort(key=lambda o: (_utc(o.swap.shift_start, "shift_start"), o.swap.id))
    return Resolution(
        window_start=lo,
        window_end=hi,
        shifts=shifts,
        gaps=tuple(sorted(gaps, key=lambda g: (g.start, _ROLE_ORDER[g.role]))),
        conflicts=tuple(_conflicts(shifts, plan.leave)),
        layers=layers,
        orphan_swaps=tuple(orphans),
    )


# --- swaps that lost their shift --------------------------------------------------------

_TICK = timedelta(microseconds=1)  # the shortest window that meets a piece starting at an instant


@dataclasses.dataclass(frozen=True, slots=True)
class StaleSwap:
    """A swap that binds to no shift any more, with what a lead needs to recognise it.

    ``holder_id`` is who the rotation gave that shift to when the swap was made (None when it
    never matched a shift); ``changed_at`` is when the rotation changed or ended under it (the
    first version or end after the swap was made; None when the rotation is gone or the swap
    never matched); ``rotation_name`` is "" when the rotation is no longer in the plan.
    """

    swap: Swap
    holder_id: int | None
    changed_at: datetime | None
    rotation_name: str


def _piece_at(rotation: Rotation, at: datetime) -> tuple[RotationVersion, int] | None:
    """The version and shift number k of ``rotation``'s piece that starts exactly at ``at``:
    the piece a swap made for ``at`` binds to in :func:`resolve`."""
    for version, v_start, v_end in _version_spans(rotation):
        for k, start, _ in _version_shifts(version, v_start, v_end, at, at + _TICK):
            if start == at:
                return version, k
    return None


def swap_binds(rotation: Rotation, swap: Swap) -> bool:
    """Whether ``swap`` still has its shift in ``rotation`` (a piece starting at its
    ``shift_start``), exactly as :func:`resolve` decides when it applies swaps."""
    if swap.rotation_id != rotation.id:
        return False
    return _piece_at(rotation, _utc(swap.shift_start, "shift_start")) is not None


def stale_swaps(plan: TeamPlan, since: datetime | None = None) -> tuple[StaleSwap, ...]:
    """Every swap of ``plan`` (whose shift starts at or after ``since``, if given) that binds
    to no shift: its rotation was edited so no shift starts there, ended, or was removed.

    These are the swaps :func:`resolve` reports as ``orphan_swaps`` over any window holding
    them, and never applies. Ordered by shift start, then swap id.
    """
    lo = _utc(since, "since") if since is not None else None
    rotations = {r.id: r for r in plan.rotations}
    out: list[StaleSwap] = []
    for swap in plan.swaps:
        at = _utc(swap.shift_start, "shift_start")
        if lo is not None and at < lo:
            continue
        rotation = rotations.get(swap.rotation_id)
        if rotation is None:
            out.append(StaleSwap(swap, None, None, ""))
            continue
        if _piece_at(rotation, at) is not None:
            continue
        out.append(StaleSwap(swap, *_before_the_change(rotation, swap), rotation.name))
    out.sort(key=lambda x: (_utc(x.swap.shift_start, "shift_start"), x.swap.id))
    return tuple(out)


def _before_the_change(rotation: Rotation, swap: Swap) -> tuple[int | None, datetime | None]:
    """Who held the swapped shift when the swap was made, and when the rotation changed (or
    ended) under it: the rotation as it stood then is its versions up to ``created_at``."""
    made = _utc(swap.created_at, "created_at")
    versions = sorted(rotation.versions, key=lambda v: _utc(v.effective_from, "effective_from"))
    then = tuple(v for v in versions if _utc(v.effective_from, "effective_from") <= made)
    later = [_utc(v.effective_from, "effective_from") for v in versions if v not in then]
    ends_at = _utc(rotation.ends_at, "ends_at") if rotation.ends_at is not None else None
    if ends_at is not None and ends_at > made:
        later.append(ends_at)
        ends_at = None  # it had not ended yet when the swap was made
    changed_at = min(later) if later else None
    if not then:
        return None, changed_at
    old = dataclasses.replace(rotation, versions=then, ends_at=ends_at)
    found = _piece_at(old, _utc(swap.shift_start, "shift_start"))
    if found is None:
        return None, changed_at
    version, k = found
    return version.members[k % len(version.members)], changed_at
