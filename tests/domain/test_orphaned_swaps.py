"""Swaps that lost their shift: found, explained, never applied, and warned of before an edit."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oncall.domain.diff import orphaned_by_edit
from oncall.domain.model import CadenceUnit, Swap
from oncall.domain.schedule import layer_shifts, resolve, stale_swaps, swap_binds

from .builders import LONG_AGO, plan, rotation, utc, version

DAILY_UTC = {"unit": CadenceUnit.DAYS, "anchor": datetime(2024, 1, 1), "zone": "UTC"}
JAN = (utc(2024, 1, 1), utc(2024, 1, 15))
MADE = utc(2023, 12, 20)  # when the swaps below were made
EDITED = utc(2024, 1, 2)  # when the rotation was edited


def swap(start: datetime, engineer: int = 5, sid: int = 1, rid: int = 1) -> Swap:
    return Swap(sid, rotation_id=rid, shift_start=start, engineer_id=engineer, created_at=MADE)


def moved_by_an_hour():
    """Daily midnight handoffs (1, 2, 3) until EDITED, then daily 01:00 handoffs."""
    return rotation(
        version((1, 2, 3), **DAILY_UTC),
        version(
            (1, 2, 3),
            unit=CadenceUnit.DAYS,
            anchor=datetime(2024, 1, 1, 1),
            zone="UTC",
            effective_from=EDITED,
            number=2,
        ),
    )


def test_a_swap_whose_shift_still_starts_there_is_not_stale():
    layer = rotation(version((1, 2, 3), **DAILY_UTC))
    kept = swap(utc(2024, 1, 5))
    assert swap_binds(layer, kept)
    assert stale_swaps(plan(layer, swaps=(kept,))) == ()


def test_moving_the_handoffs_leaves_the_swap_stale_with_who_held_it_and_when_it_changed():
    lost = swap(utc(2024, 1, 5))  # day 4 since the anchor: engineer (1, 2, 3)[4 % 3] = 2
    (stale,) = stale_swaps(plan(moved_by_an_hour(), swaps=(lost,)))
    assert stale.swap == lost
    assert stale.holder_id == 2
    assert stale.changed_at == EDITED
    assert stale.rotation_name == "Rotation 1"


def test_an_ended_rotation_says_when_it_ended():
    layer = rotation(version((1, 2, 3), **DAILY_UTC), ends_at=utc(2024, 1, 3))
    (stale,) = stale_swaps(plan(layer, swaps=(swap(utc(2024, 1, 5)),)))
    assert (stale.holder_id, stale.changed_at) == (2, utc(2024, 1, 3))


def test_a_swap_of_a_removed_rotation_is_stale_without_a_holder():
    layer = rotation(version((1, 2, 3), **DAILY_UTC))
    (stale,) = stale_swaps(plan(layer, swaps=(swap(utc(2024, 1, 5), rid=9),)))
    assert (stale.holder_id, stale.changed_at, stale.rotation_name) == (None, None, "")


def test_since_leaves_out_swaps_of_earlier_shifts():
    swaps = (swap(utc(2024, 1, 5)), swap(utc(2024, 1, 9), sid=2))
    found = stale_swaps(plan(moved_by_an_hour(), swaps=swaps), since=utc(2024, 1, 6))
    assert [x.swap.id for x in found] == [2]


def test_the_change_preview_counts_only_the_swaps_the_edit_orphans():
    old = rotation(version((1, 2, 3), **DAILY_UTC))
    swaps = (
        swap(utc(2024, 1, 5)),
        swap(utc(2024, 1, 9), sid=2),
        swap(utc(2024, 1, 7), sid=3, rid=9),
    )
    before = plan(old, swaps=swaps)
    after = plan(moved_by_an_hour(), swaps=swaps)
    orphaned = orphaned_by_edit(before, after, since=EDITED)
    # Swap 3 (rotation 9 does not exist) was stale already; the edit orphans 1 and 2.
    assert [(x.swap.id, x.holder_id) for x in orphaned] == [(1, 2), (2, 3)]
    assert orphaned_by_edit(before, before, since=EDITED) == ()


def test_an_edit_that_keeps_the_handoffs_orphans_nothing():
    old = rotation(version((1, 2, 3), **DAILY_UTC))
    new = rotation(
        version((1, 2, 3), **DAILY_UTC),
        version((3, 2, 1), **DAILY_UTC, effective_from=EDITED, number=2),
    )
    swaps = (swap(utc(2024, 1, 5)),)
    assert orphaned_by_edit(plan(old, swaps=swaps), plan(new, swaps=swaps), EDITED) == ()


# --- properties ----------------------------------------------------------------------------

PROPS = settings(deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def edited_plans(draw):
    """A daily or 8-hourly rotation edited once (new anchor hour and roster), with swaps on
    whole hours, some on real shift starts and some not."""
    unit, count = draw(st.sampled_from([(CadenceUnit.DAYS, 1), (CadenceUnit.HOURS, 8)]))
    zone = draw(st.sampled_from(["UTC", "Europe/London", "America/New_York", "Asia/Kolkata"]))
    first = version((1, 2, 3), unit=unit, count=count, anchor=datetime(2024, 1, 1, 9), zone=zone)
    hour = draw(st.integers(0, 23))
    members = tuple(draw(st.permutations([1, 2, 3, 4])))[: draw(st.integers(1, 4))]
    edited_at = utc(2024, 1, 1) + timedelta(hours=draw(st.integers(0, 24 * 10)))
    second = version(
        members,
        unit=unit,
        count=count,
        anchor=datetime(2024, 1, 1, hour),
        zone=zone,
        effective_from=edited_at,
        number=2,
    )
    layer = rotation(first, second)
    starts = draw(
        st.lists(st.integers(0, 24 * 14), min_size=1, max_size=6, unique=True).map(
            lambda hours: [utc(2024, 1, 1) + timedelta(hours=h) for h in hours]
        )
    )
    swaps = tuple(
        Swap(i + 1, 1, start, 10 + i, LONG_AGO + timedelta(days=i))
        for i, start in enumerate(starts)
    )
    return plan(layer, swaps=swaps)


@PROPS
@given(edited_plans())
def test_stale_swaps_are_exactly_what_resolve_reports_as_orphans(p):
    reported = {o.swap.id for o in resolve(p, *JAN).orphan_swaps}
    in_window = {x.swap.id for x in stale_swaps(p) if JAN[0] <= x.swap.shift_start < JAN[1]}
    assert reported == in_window


@PROPS
@given(edited_plans())
def test_an_orphaned_swap_never_changes_who_is_on_call(p):
    stale = {x.swap.id for x in stale_swaps(p)}
    without = replace(p, swaps=tuple(w for w in p.swaps if w.id not in stale))

    def who(q):
        return [(s.role, s.engineer_id, s.start, s.end) for s in resolve(q, *JAN).shifts]

    assert who(p) == who(without)
    assert not {s.engineer_id for s in resolve(p, *JAN).shifts} & {
        w.engineer_id for w in p.swaps if w.id in stale
    }


@PROPS
@given(edited_plans())
def test_the_holder_named_is_who_had_the_shift_before_the_edit(p):
    (layer,) = p.rotations
    before = replace(layer, versions=layer.versions[:1])
    for stale in stale_swaps(p):
        at = stale.swap.shift_start
        # From well before, so a shift starting at ``at`` is a real start, not a clipped one.
        window = (at - timedelta(days=2), at + timedelta(hours=1))
        had = [x for x in layer_shifts(before, 1, *window) if x.start == at]
        if had:  # the swap matched a shift before the edit: its holder is named
            assert stale.holder_id == had[0].engineer_id
            assert stale.changed_at == layer.versions[1].effective_from
        else:
            assert stale.holder_id is None
