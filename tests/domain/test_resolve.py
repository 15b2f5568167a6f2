"""The final schedule: priorities, overrides, swaps, leave conflicts, gaps and edits."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, time

import pytest

from oncall.domain.model import (
    CadenceUnit,
    Gap,
    Leave,
    Provenance,
    Restriction,
    Role,
    Shift,
    SourceKind,
    Swap,
)
from oncall.domain.schedule import resolve
from tests.domain.builders import LONG_AGO, override, plan, rotation, utc, version, who

DAILY_UTC = {"unit": CadenceUnit.DAYS, "anchor": datetime(2024, 1, 1), "zone": "UTC"}
JAN = (utc(2024, 1, 1), utc(2024, 1, 8))


def spans(shifts):
    return [(s.engineer_id, s.start, s.end) for s in shifts]


def test_higher_priority_layer_hides_the_lower_one_only_where_it_is_on_call():
    base = rotation(version((1,), **DAILY_UTC), rid=1)
    day_cover = rotation(version((2,), **DAILY_UTC, priority=1, restrictions=(
        Restriction(frozenset({0}), time(9), time(17)),)), rid=2)  # fmt: skip
    result = resolve(plan(base, day_cover), utc(2024, 1, 1), utc(2024, 1, 2))
    assert spans(result.shifts) == [
        (1, utc(2024, 1, 1), utc(2024, 1, 1, 9)),
        (2, utc(2024, 1, 1, 9), utc(2024, 1, 1, 17)),
        (1, utc(2024, 1, 1, 17), utc(2024, 1, 2)),
    ]


def test_equal_priority_the_newer_rotation_wins():
    older = rotation(version((1,), **DAILY_UTC), rid=3)
    newer = rotation(version((2,), **DAILY_UTC), rid=4)
    result = resolve(plan(older, newer), *JAN)
    assert {s.engineer_id for s in result.shifts} == {2}
    assert {s.source.rotation_id for s in result.shifts} == {4}


def test_each_layer_is_kept_in_the_resolution_even_where_hidden():
    older = rotation(version((1,), **DAILY_UTC), rid=3)
    newer = rotation(version((2,), **DAILY_UTC), rid=4)
    result = resolve(plan(older, newer), *JAN)
    assert set(result.layers) == {3, 4}
    assert {s.engineer_id for s in result.layers[3]} == {1}


def test_override_beats_every_rotation_of_its_role():
    high = rotation(version((1, 2), **DAILY_UTC, priority=9))
    cover = override(1, 7, utc(2024, 1, 2, 6), utc(2024, 1, 2, 18))
    result = resolve(plan(high, overrides=(cover,)), *JAN)
    assert who(result.shifts, utc(2024, 1, 2, 6)) == [7]
    assert who(result.shifts, utc(2024, 1, 2, 18)) == [2]  # half-open: back to the rotation
    taken = [s for s in result.shifts if s.engineer_id == 7]
    assert taken[0].source.kind is SourceKind.OVERRIDE
    assert taken[0].source.override_id == 1


def test_newest_of_overlapping_overrides_wins_regardless_of_id():
    base = rotation(version((1,), **DAILY_UTC))
    old = override(9, 8, utc(2024, 1, 2), utc(2024, 1, 3), created=utc(2024, 1, 1))
    new = override(2, 9, utc(2024, 1, 2, 12), utc(2024, 1, 4), created=utc(2024, 1, 1, 12))
    result = resolve(plan(base, overrides=(old, new)), *JAN)
    assert who(result.shifts, utc(2024, 1, 2, 6)) == [8]
    assert who(result.shifts, utc(2024, 1, 2, 12)) == [9]
    assert who(result.shifts, utc(2024, 1, 3, 12)) == [9]


def test_override_of_secondary_leaves_primary_alone():
    primary = rotation(version((1,), **DAILY_UTC), rid=1)
    secondary = rotation(version((2,), **DAILY_UTC, role=Role.SECONDARY), rid=2)
    cover = override(1, 9, utc(2024, 1, 2), utc(2024, 1, 3), role=Role.SECONDARY)
    result = resolve(plan(primary, secondary, overrides=(cover,)), *JAN)
    at_noon = [s for s in result.shifts if s.start <= utc(2024, 1, 2, 12) < s.end]
    assert sorted((s.role, s.engineer_id) for s in at_noon) == [
        (Role.PRIMARY, 1),
        (Role.SECONDARY, 9),
    ]


def test_swap_takes_exactly_the_one_shift_it_is_bound_to():
    layer = rotation(version((1, 2), **DAILY_UTC))
    swap = Swap(1, rotation_id=1, shift_start=utc(2024, 1, 3), engineer_id=5,
                created_at=LONG_AGO)  # fmt: skip
    result = resolve(plan(layer, swaps=(swap,)), *JAN)
    assert [s.engineer_id for s in result.shifts] == [1, 2, 5, 2, 1, 2, 1]
    swapped = result.shifts[2]
    assert swapped.source.kind is SourceKind.SWAP
    assert (swapped.source.swap_id, swapped.source.rotation_id) == (1, 1)
    assert swapped.source.roster_index == 0
    assert result.orphan_swaps == ()


def test_swap_is_orphaned_when_an_edit_moves_its_shift():
    before = version((1, 2), **DAILY_UTC)
    after = version((1, 2), unit=CadenceUnit.DAYS, anchor=datetime(2024, 1, 1, 8), zone="UTC",
                    effective_from=utc(2024, 1, 2), number=2)  # fmt: skip
    swap = Swap(1, rotation_id=1, shift_start=utc(2024, 1, 3), engineer_id=5,
                created_at=LONG_AGO)  # fmt: skip
    result = resolve(plan(rotation(before, after), swaps=(swap,)), *JAN)
    assert 5 not in {s.engineer_id for s in result.shifts}
    assert [o.swap for o in result.orphan_swaps] == [swap]


def test_leave_meeting_a_shift_is_a_conflict_and_the_shift_stays():
    layer = rotation(version((1, 2), **DAILY_UTC))
    away = Leave(1, engineer_id=2, start=utc(2024, 1, 2, 20), end=utc(2024, 1, 3, 2))
    result = resolve(plan(layer, leave=(away,)), *JAN)
    assert [s.engineer_id for s in result.shifts] == [1, 2, 1, 2, 1, 2, 1]
    assert len(result.conflicts) == 1
    conflict = result.conflicts[0]
    assert conflict.leave == away
    assert (conflict.shift.engineer_id, conflict.shift.start) == (2, utc(2024, 1, 2))


def test_leave_that_only_touches_a_shift_is_no_conflict():
    layer = rotation(version((1, 2), **DAILY_UTC))
    away = Leave(1, engineer_id=2, start=utc(2024, 1, 3), end=utc(2024, 1, 4))
    assert resolve(plan(layer, leave=(away,)), *JAN).conflicts == ()


def test_uncovered_time_of_a_covered_role_is_a_gap():
    business = rotation(version((1,), **DAILY_UTC, restrictions=(
        Restriction(frozenset(range(5)), time(9), time(17)),)))  # fmt: skip
    result = resolve(plan(business), utc(2024, 1, 5), utc(2024, 1, 8))  # Fri-Sun
    assert result.gaps == (
        Gap(1, Role.PRIMARY, utc(2024, 1, 5), utc(2024, 1, 5, 9)),
        Gap(1, Role.PRIMARY, utc(2024, 1, 5, 17), utc(2024, 1, 8)),
    )


def test_time_before_a_rotation_starts_and_after_it_ends_is_a_gap():
    layer = rotation(version((1,), unit=CadenceUnit.DAYS, anchor=datetime(2024, 1, 2),
                             zone="UTC"), ends_at=utc(2024, 1, 4))  # fmt: skip
    result = resolve(plan(layer), utc(2024, 1, 1), utc(2024, 1, 5))
    assert [(g.start, g.end) for g in result.gaps] == [
        (utc(2024, 1, 1), utc(2024, 1, 2)),
        (utc(2024, 1, 4), utc(2024, 1, 5)),
    ]


def test_shadow_and_unstaffed_roles_have_no_gaps():
    shadow = rotation(version((1,), **DAILY_UTC, role=Role.SHADOW, restrictions=(
        Restriction(frozenset({0}), time(9), time(10)),)))  # fmt: skip
    result = resolve(plan(shadow), *JAN)
    assert result.gaps == ()
    assert {s.role for s in result.shifts} == {Role.SHADOW}


def test_consecutive_turns_of_the_same_person_merge_into_one_final_shift():
    solo = rotation(version((4,), **DAILY_UTC))
    result = resolve(plan(solo), *JAN)
    assert spans(result.shifts) == [(4, utc(2024, 1, 1), utc(2024, 1, 8))]
    assert len(result.layers[1]) == 7


def test_a_version_edit_changes_only_the_future():
    first = version((1, 2, 3), **DAILY_UTC)
    edit = version((3, 2, 1), **DAILY_UTC, effective_from=utc(2024, 1, 4, 12), number=2)
    cut = utc(2024, 1, 4, 12)
    past = (JAN[0], cut)
    assert resolve(plan(rotation(first, edit)), *past) == resolve(plan(rotation(first)), *past)
    after = resolve(plan(rotation(first, edit)), *JAN).shifts
    # The shift in progress at the edit is cut there; the new version takes over.
    taking_over = [s for s in after if s.start == cut]
    assert [(s.engineer_id, s.source.rotation_version) for s in taking_over] == [(3, 2)]


def test_output_is_in_utc_and_sorted_by_start_then_role():
    london = rotation(version((1, 2)), rid=1)
    ny = rotation(version((3, 4), zone="America/New_York", role=Role.SECONDARY), rid=2)
    window = (datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 2, 1, tzinfo=UTC))
    result = resolve(plan(london, ny), *window)
    assert {s.start.tzinfo for s in result.shifts} == {UTC}
    keys = [(s.start, list(Role).index(s.role)) for s in result.shifts]
    assert keys == sorted(keys)


def test_empty_window_resolves_to_nothing():
    result = resolve(plan(rotation()), utc(2024, 1, 2), utc(2024, 1, 1))
    assert (result.shifts, result.gaps) == ((), ())


def test_naive_window_is_refused():
    with pytest.raises(ValueError, match="window start must be timezone-aware"):
        resolve(plan(rotation()), datetime(2024, 1, 1), utc(2024, 1, 2))


def test_resolved_shifts_are_ordinary_values():
    cover = override(1, 7, utc(2024, 1, 2, 6), utc(2024, 1, 2, 18))
    result = resolve(plan(rotation(version((1, 2), **DAILY_UTC)), overrides=(cover,)), *JAN)
    for shift in result.shifts:
        twin = Shift(**{f.name: getattr(shift, f.name) for f in dataclasses.fields(Shift)})
        assert shift == twin
        assert hash(shift) == hash(twin)
        assert repr(shift) == repr(twin)
        assert dataclasses.replace(shift, frozen=True).frozen
        with pytest.raises(dataclasses.FrozenInstanceError):
            shift.engineer_id = 99  # type: ignore[misc]
    taken = next(s for s in result.shifts if s.engineer_id == 7)
    assert taken.source == Provenance(SourceKind.OVERRIDE, override_id=1)


def test_time_before_a_role_was_first_staffed_is_not_a_gap():
    # A team that starts its first rotation today owed nobody coverage last week.
    layer = rotation(version((1,), unit=CadenceUnit.DAYS, anchor=datetime(2024, 1, 3),
                             zone="UTC", effective_from=utc(2024, 1, 3)))  # fmt: skip
    result = resolve(plan(layer), utc(2024, 1, 1), utc(2024, 1, 5))
    assert result.gaps == ()
    assert [(s.start, s.end) for s in result.shifts] == [(utc(2024, 1, 3), utc(2024, 1, 5))]
