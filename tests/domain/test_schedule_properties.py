"""Properties of the schedule engine that must hold in any zone, for any rotation and window."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oncall.domain.ledger import merge_ledger
from oncall.domain.model import (
    COVERED_ROLES,
    CadenceUnit,
    Override,
    Restriction,
    Role,
    Rotation,
    RotationVersion,
    SourceKind,
    Team,
    TeamPlan,
)
from oncall.domain.schedule import layer_shifts, localize, resolve

ZONES = [
    "UTC",
    "Europe/London",
    "Europe/Berlin",
    "America/New_York",
    "America/Los_Angeles",
    "America/St_Johns",  # -03:30 with DST
    "America/Sao_Paulo",
    "Australia/Sydney",  # southern DST
    "Australia/Adelaide",  # +09:30 with DST
    "Australia/Lord_Howe",  # a 30-minute DST shift
    "Asia/Kolkata",  # +05:30, no DST
    "Asia/Kathmandu",  # +05:45
    "Asia/Tehran",
    "Pacific/Auckland",
    "Pacific/Chatham",  # +12:45 with DST
    "Africa/Casablanca",  # DST suspended every Ramadan
]
UNITS = {
    CadenceUnit.HOURS: timedelta(hours=1),
    CadenceUnit.DAYS: timedelta(days=1),
    CadenceUnit.WEEKS: timedelta(weeks=1),
}
TEAM = Team(1, "Property team")
EVER = datetime(2000, 1, 1, tzinfo=UTC)
PROPS = settings(deadline=None, max_examples=80, suppress_health_check=[HealthCheck.too_slow])

zones = st.sampled_from(ZONES)
units = st.sampled_from(list(CadenceUnit))
counts = st.integers(1, 14)
anchors = st.datetimes(datetime(2015, 1, 1), datetime(2035, 1, 1)).map(
    lambda d: d.replace(second=0, microsecond=0)
)
instants = st.datetimes(datetime(2015, 1, 1), datetime(2036, 1, 1), timezones=st.just(UTC)).map(
    lambda d: d.replace(microsecond=0)
)


def window_length(unit: CadenceUnit, count: int) -> st.SearchStrategy[timedelta]:
    # Enough to see several handoffs, few enough to stay fast for hourly cadences.
    step = UNITS[unit] * count
    return st.integers(1, 12 * 60).map(lambda m: min(step * 6, timedelta(days=90)) * m / 720)


@st.composite
def layers(draw):
    zone, unit, count, anchor = draw(zones), draw(units), draw(counts), draw(anchors)
    members = tuple(draw(st.lists(st.integers(1, 9), min_size=1, max_size=5)))
    v = RotationVersion(1, EVER, members, unit, count, anchor, zone)
    start = draw(instants)
    return Rotation(1, 1, "layer", (v,)), start, start + draw(window_length(unit, count))


@given(layers())
@PROPS
def test_shifts_of_a_layer_tile_time_with_no_gap_and_no_overlap(case):
    layer, start, end = case
    v = layer.current
    first = max(start, localize(v.anchor, v.zone))
    shifts = layer_shifts(layer, 1, start, end)
    if first >= end:
        assert shifts == []
        return
    assert shifts[0].start == first
    assert shifts[-1].end == end
    for a, b in itertools.pairwise(shifts):
        assert a.end == b.start
    assert all(s.start < s.end for s in shifts)


@given(layers())
@PROPS
def test_handoffs_keep_the_anchor_wall_time_or_move_forward_over_a_gap(case):
    layer, start, end = case
    v = layer.current
    zone = ZoneInfo(v.zone)
    step = UNITS[v.cadence_unit] * v.cadence_count
    for shift in layer_shifts(layer, 1, start, end):
        if shift.start == start:
            continue  # clipped by the window, not a handoff
        wall = shift.start.astimezone(zone).replace(tzinfo=None)
        expected = v.anchor + (wall - v.anchor) // step * step
        assert localize(expected, v.zone) == shift.start
        if wall != expected:
            # Only a wall time that does not exist may move, and only forward.
            exists = expected.replace(tzinfo=zone).astimezone(UTC).astimezone(zone)
            assert exists.replace(tzinfo=None) != expected
            assert timedelta(0) < wall - expected <= timedelta(hours=1)


@st.composite
def plans(draw):
    rotations = []
    for rid in range(1, draw(st.integers(1, 3)) + 1):
        zone, unit, count = draw(zones), draw(units), draw(counts)
        restrictions = ()
        if draw(st.booleans()):
            restrictions = (
                Restriction(
                    frozenset(draw(st.sets(st.integers(0, 6), min_size=1))),
                    time(draw(st.integers(0, 23))),
                    time(draw(st.integers(0, 23))),
                ),
            )
        v = RotationVersion(
            1,
            EVER,
            tuple(draw(st.lists(st.integers(1, 9), min_size=1, max_size=4))),
            unit,
            count,
            draw(anchors.filter(lambda a: a.year < 2020)),
            zone,
            restrictions,
            priority=draw(st.integers(0, 2)),
            role=draw(st.sampled_from([Role.PRIMARY, Role.SECONDARY])),
        )
        rotations.append(Rotation(rid, 1, f"r{rid}", (v,)))
    start = draw(st.datetimes(datetime(2021, 1, 1), datetime(2030, 1, 1), timezones=st.just(UTC)))
    start = start.replace(second=0, microsecond=0)
    end = start + timedelta(hours=draw(st.integers(1, 24 * 21)))
    overrides = []
    for oid in range(1, draw(st.integers(0, 5)) + 1):
        o_start = start + timedelta(minutes=draw(st.integers(-600, 24 * 21 * 60)))
        overrides.append(
            Override(
                oid,
                1,
                draw(st.integers(10, 12)),
                o_start,
                o_start + timedelta(minutes=draw(st.integers(1, 3000))),
                EVER + timedelta(minutes=draw(st.integers(0, 5))),
                draw(st.sampled_from([Role.PRIMARY, Role.SECONDARY])),
            )
        )
    return TeamPlan(TEAM, (), tuple(rotations), tuple(overrides)), start, end


@given(plans())
@PROPS
def test_final_shifts_of_a_role_never_overlap_and_with_gaps_tile_the_window(case):
    plan, start, end = case
    result = resolve(plan, start, end)
    for role in COVERED_ROLES:
        pieces = sorted(
            [(s.start, s.end) for s in result.shifts if s.role == role]
            + [(g.start, g.end) for g in result.gaps if g.role == role]
        )
        if not pieces:
            continue
        # Coverage is owed from the moment the role was first staffed (a version or override).
        began = min(
            [v.effective_from for r in plan.rotations for v in r.versions if v.role == role]
            + [o.start for o in plan.overrides if o.role == role]
        )
        assert pieces[0][0] == max(start, began)
        assert pieces[-1][1] == end
        for a, b in itertools.pairwise(pieces):
            assert a[1] == b[0]  # no overlap, no hole
        assert all(a < b for a, b in pieces)


@given(plans())
@PROPS
def test_an_override_wins_its_time_unless_a_newer_override_covers_it(case):
    plan, start, end = case
    result = resolve(plan, start, end)
    for o in plan.overrides:
        instant = max(o.start, start)
        if instant >= min(o.end, end):
            continue
        holder = [s for s in result.shifts if s.role == o.role and s.start <= instant < s.end]
        assert len(holder) == 1
        source = holder[0].source
        assert source.kind is SourceKind.OVERRIDE
        rivals = [r for r in plan.overrides if r.role == o.role and r.start <= instant < r.end]
        newest = max(rivals, key=lambda r: (r.created_at, r.id))
        assert source.override_id == newest.id
        assert holder[0].engineer_id == newest.engineer_id


@given(plans(), st.data())
@PROPS
def test_merging_the_ledger_never_changes_a_shift_that_has_ended(case, data):
    plan, start, end = case
    before = resolve(plan, start, end).shifts
    # An arbitrary edit: the first rotation gets a new version from some instant on.
    old = plan.rotations[0]
    edit_at = start + (end - start) * data.draw(st.floats(0, 1))
    new_version = RotationVersion(
        2,
        edit_at,
        tuple(data.draw(st.lists(st.integers(1, 9), min_size=1, max_size=4))),
        data.draw(units),
        data.draw(counts),
        data.draw(anchors),
        data.draw(zones),
        role=old.current.role,
    )
    edited = TeamPlan(
        plan.team,
        plan.engineers,
        (Rotation(old.id, 1, old.name, (*old.versions, new_version)), *plan.rotations[1:]),
        plan.overrides,
    )
    after = resolve(edited, start, end).shifts
    now = start + (end - start) * data.draw(st.floats(0, 1))
    merged = merge_ledger(before, after, now)
    history = {(s.role, s.engineer_id, s.start, s.end, s.source) for s in merged if s.frozen}
    for shift in before:
        if shift.end <= now:
            assert (shift.role, shift.engineer_id, shift.start, shift.end, shift.source) in history
    assert all(s.frozen == (s.end <= now) for s in merged)
    for role in Role:
        mine = sorted((s.start, s.end) for s in merged if s.role == role)
        for a, b in itertools.pairwise(mine):
            assert a[1] <= b[0]
