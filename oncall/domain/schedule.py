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

import heapq
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta

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
from oncall.domain.zones import localize as _localize
from oncall.domain.zones import localize_utc, wall

_UNIT = {
    CadenceUnit.HOURS: timedelta(hours=1),
    CadenceUnit.DAYS: timedelta(days=1),
    CadenceUnit.WEEKS: timedelta(weeks=1),
}
# UTC offsets run from -12 h to +14 h, so a zone's wall-clock order and the UTC order of the
# same instants never disagree by more than this: the margin for the direct k-range guess.
_MAX_SKEW = timedelta(hours=27)
_DAY = timedelta(days=1)
_ROLE_ORDER = {role: i for i, role in enumerate(Role)}

# A candidate for the sweep: (start, end, rank, engineer_id, provenance). Lower rank wins.
_Candidate = tuple[datetime, datetime, tuple, int, Provenance]
# A piece of a rotation: (start, end, engineer_id, provenance, version).
_Piece = tuple[datetime, datetime, int, Provenance, RotationVersion]


def localize(naive: datetime, zone: str) -> datetime:
    """Attach ``zone`` to a wall-clock time: gaps move forward, repeats take the first."""
    return _localize(naive, zone)


def _utc(instant: datetime, what: str) -> datetime:
    """``instant`` in UTC; a naive instant is a caller's bug, named so it can be found."""
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
    anchor = version.anchor.replace(tzinfo=None)
    margin = -(-_MAX_SKEW // step) + 1
    first = max(0, (wall(lo, zone) - anchor) // step - margin)
    last = max(0, (wall(hi, zone) - anchor) // step + margin + 1)
    instants = [localize_utc(anchor + k * step, zone) for k in range(first, last + margin + 1)]
    for i in range(len(instants) - 2, -1, -1):
        if instants[i] > instants[i + 1]:
            instants[i] = instants[i + 1]
    out = []
    for i, k in enumerate(range(first, last)):
        start, end = instants[i], instants[i + 1]
        if start < end and end > lo and start < hi:
            out.append((k, start, end))
    return out


def _restriction_windows(
    version: RotationVersion, lo: datetime, hi: datetime
) -> list[tuple[datetime, datetime]]:
    """The union of ``version``'s restriction windows around ``[lo, hi)``, merged, in UTC.

    Windows are laid out per local date (the day before ``lo`` too, for windows that cross
    midnight into it) and localised like handoffs; touching windows merge, so a shift is
    only cut where the restrictions really close.
    """
    zone = version.zone
    day = wall(lo, zone).date() - _DAY
    last_day = wall(hi, zone).date() + _DAY
    windows: list[tuple[datetime, datetime]] = []
    while day <= last_day:
        weekday = day.weekday()
        for r in version.restrictions:
            if weekday not in r.weekdays:
                continue
            start = localize_utc(datetime.combine(day, r.start), zone)
            end_day = day if r.end > r.start else day + _DAY
            end = localize_utc(datetime.combine(end_day, r.end), zone)
            if end > start:
                windows.append((start, end))
        day += _DAY
    windows.sort()
    merged: list[tuple[datetime, datetime]] = []
    for start, end in windows:
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


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


def _pieces(rotation: Rotation, lo: datetime, hi: datetime) -> list[_Piece]:
    """The rotation's pieces meeting ``[lo, hi)``, cut at version edges and restrictions only.

    Pieces are not clipped to the window, so a swap can bind to a piece's true start.
    """
    provenance: dict[tuple[int, int], Provenance] = {}
    out: list[_Piece] = []
    for version, v_start, v_end in _version_spans(rotation):
        q_lo = max(lo, v_start)
        q_hi = hi if v_end is None else min(hi, v_end)
        if q_lo >= q_hi or not version.members:
            continue
        shifts = []
        for k, start, end in _handoffs(version, q_lo, q_hi):
            start = max(start, v_start)
            if v_end is not None and end > v_end:
                end = v_end
            if start < end:
                shifts.append((k, start, end))
        if not shifts:
            continue
        if version.restrictions:
            shifts = _restrict(shifts, _restriction_windows(version, shifts[0][1], shifts[-1][2]))
        members = version.members
        for k, start, end in shifts:
            index = k % len(members)
            source = provenance.get((version.version, index))
            if source is None:
                source = Provenance(
                    SourceKind.ROTATION,
                    rotation_id=rotation.id,
                    rotation_version=version.version,
                    roster_index=index,
                )
                provenance[(version.version, index)] = source
            out.append((start, end, members[index], source, version))
    return out


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
            piece_start = max(start, windows[i][0])
            piece_end = min(end, windows[i][1])
            if piece_start < piece_end:
                out.append((k, piece_start, piece_end))
            i += 1
    return out


def _swap_rank(swap: Swap) -> tuple[datetime, int]:
    return (_utc(swap.created_at, "created_at"), swap.id)


def _layer(
    rotation: Rotation, team_id: int, lo: datetime, hi: datetime, swaps: Iterable[Swap]
) -> tuple[list[Shift], list[tuple[int, Role]], list[Swap]]:
    """A layer's shifts in ``[lo, hi)`` with each one's (priority, role), and its orphan swaps."""
    bound: dict[datetime, Swap] = {}
    for swap in swaps:
        if swap.rotation_id != rotation.id:
            continue
        at = _utc(swap.shift_start, "shift_start")
        # Two swaps of one shift: the newest is the one that stands.
        if at not in bound or _swap_rank(swap) > _swap_rank(bound[at]):
            bound[at] = swap
    used: set[datetime] = set()
    shifts: list[Shift] = []
    ranks: list[tuple[int, Role]] = []
    for start, end, engineer, source, version in _pieces(rotation, lo, hi):
        swap = bound.get(start)
        if swap is not None:
            used.add(start)
            engineer = swap.engineer_id
            source = Provenance(
                SourceKind.SWAP,
                rotation_id=source.rotation_id,
                rotation_version=source.rotation_version,
                roster_index=source.roster_index,
                swap_id=swap.id,
            )
        clipped_start = max(start, lo)
        clipped_end = min(end, hi)
        if clipped_start < clipped_end:
            shifts.append(
                Shift(team_id, version.role, engineer, clipped_start, clipped_end, source)
            )
            ranks.append((version.priority, version.role))
    orphans = [s for at, s in bound.items() if at not in used and lo <= at < hi]
    # Superseded swaps of a shift (an older swap of the same shift) are not orphans: the
    # shift exists, a newer swap simply took precedence.
    return shifts, ranks, orphans


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


def _sweep(
    candidates: list[_Candidate], lo: datetime, hi: datetime
) -> list[tuple[datetime, datetime, int | None, Provenance | None]]:
    """Partition ``[lo, hi)`` into runs of one winner (engineer, provenance) or of nobody.

    Boundaries are sorted once; a heap holds the candidates active at each boundary, the
    best rank on top; ended candidates are dropped lazily when they surface.
    """
    candidates.sort(key=lambda c: c[0])
    times = sorted({lo, hi, *(c[0] for c in candidates), *(c[1] for c in candidates)})
    heap: list[tuple[tuple, int]] = []
    runs: list[tuple[datetime, datetime, int | None, Provenance | None]] = []
    run_start = lo
    run_who: tuple[int, Provenance] | None = None
    j = 0
    n = len(candidates)
    for t in times[:-1]:
        while j < n and candidates[j][0] <= t:
            heapq.heappush(heap, (candidates[j][2], j))
            j += 1
        while heap and candidates[heap[0][1]][1] <= t:
            heapq.heappop(heap)
        if heap:
            top = candidates[heap[0][1]]
            who = (top[3], top[4])
        else:
            who = None
        if who != run_who:
            if t > run_start:
                runs.append(_run(run_start, t, run_who))
            run_start, run_who = t, who
    if hi > run_start:
        runs.append(_run(run_start, hi, run_who))
    return runs


def _run(start: datetime, end: datetime, who: tuple[int, Provenance] | None):
    if who is None:
        return (start, end, None, None)
    return (start, end, who[0], who[1])


def _conflicts(shifts: Sequence[Shift], leave: Iterable[Leave]) -> list[LeaveConflict]:
    """Every (final shift, leave of its engineer) pair that overlaps; shifts are kept."""
    by_engineer: dict[int, list[tuple[datetime, datetime, Leave]]] = defaultdict(list)
    for item in leave:
        start, end = _utc(item.start, "leave start"), _utc(item.end, "leave end")
        if start < end:
            by_engineer[item.engineer_id].append((start, end, item))
    index: dict[int, tuple[list[datetime], list[datetime], list[tuple[datetime, datetime, Leave]]]]
    index = {}
    for engineer, items in by_engineer.items():
        items.sort(key=lambda x: (x[0], x[1]))
        # reach[i]: the latest end among leave 0..i, so the backward walk knows when to stop.
        reach: list[datetime] = []
        for _, end, _ in items:
            reach.append(end if not reach or end > reach[-1] else reach[-1])
        index[engineer] = ([s for s, _, _ in items], reach, items)
    out = []
    for shift in shifts:
        entry = index.get(shift.engineer_id)
        if entry is None:
            continue
        starts, reach, items = entry
        hits = []
        # Leave starting before the shift ends; walk back while any of it can still reach in.
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
    provenance merge. For a covered role that the plan staffs at all, uncovered time is a
    gap. Every output instant is in UTC.
    """
    lo, hi = _utc(start, "window start"), _utc(end, "window end")
    team_id = plan.team.id
    if lo >= hi:
        return Resolution(lo, hi, (), ())
    candidates: dict[Role, list[_Candidate]] = defaultdict(list)
    staffed: set[Role] = set()
    layers: dict[int, tuple[Shift, ...]] = {}
    orphans: list[OrphanSwap] = []
    known_rotations = {r.id for r in plan.rotations}
    for rotation in plan.rotations:
        staffed.update(v.role for v in rotation.versions)
        shifts, ranks, lost = _layer(rotation, team_id, lo, hi, plan.swaps)
        layers[rotation.id] = tuple(shifts)
        orphans.extend(OrphanSwap(s) for s in lost)
        for shift, (priority, role) in zip(shifts, ranks, strict=True):
            rank = (0, -priority, -rotation.id)
            candidates[role].append((shift.start, shift.end, rank, shift.engineer_id, shift.source))
    # A swap of a rotation no longer in the plan has nothing to bind to.
    orphans.extend(
        OrphanSwap(swap)
        for swap in plan.swaps
        if swap.rotation_id not in known_rotations
        and lo <= _utc(swap.shift_start, "shift_start") < hi
    )
    for override in plan.overrides:
        staffed.add(override.role)
        o_start = max(_utc(override.start, "override start"), lo)
        o_end = min(_utc(override.end, "override end"), hi)
        if o_start < o_end:
            created = _utc(override.created_at, "created_at").timestamp()
            rank = (-1, -created, -override.id)
            source = Provenance(SourceKind.OVERRIDE, override_id=override.id)
            candidates[override.role].append((o_start, o_end, rank, override.engineer_id, source))
    final: list[Shift] = []
    gaps: list[Gap] = []
    for role in Role:
        if role not in staffed:
            continue
        for run_start, run_end, engineer, source in _sweep(candidates.get(role, []), lo, hi):
            if engineer is None:
                if role in COVERED_ROLES:
                    gaps.append(Gap(team_id, role, run_start, run_end))
            else:
                final.append(Shift(team_id, role, engineer, run_start, run_end, source))
    final.sort(key=lambda s: (s.start, _ROLE_ORDER[s.role], s.engineer_id, s.end))
    gaps.sort(key=lambda g: (g.start, _ROLE_ORDER[g.role]))
    orphans.sort(key=lambda o: (_utc(o.swap.shift_start, "shift_start"), o.swap.id))
    return Resolution(
        window_start=lo,
        window_end=hi,
        shifts=tuple(final),
        gaps=tuple(gaps),
        conflicts=tuple(_conflicts(final, plan.leave)),
        layers=layers,
        orphan_swaps=tuple(orphans),
    )
