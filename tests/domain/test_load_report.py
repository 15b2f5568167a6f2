"""The load report's fast paths give the same answers as the plain definitions.

``team_load`` builds interruptions and nights in place, sweeps each zone's band pieces once and
skips sorting pages that already come in order; these tests hold it to the public functions
(``interruptions``, ``nights``) and to the value semantics every caller relies on.
"""

from __future__ import annotations

import gc
import random
from dataclasses import FrozenInstanceError
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oncall.domain.load import (
    DEFAULT_SETTINGS,
    Band,
    Interruption,
    Night,
    _load,
    band_at,
    engineer_load,
    interruptions,
    nights,
    team_load,
)
from oncall.domain.model import Channel, Engineer, Page, Provenance, Role, Shift, SourceKind
from tests.domain.builders import at, utc

LONDON = "Europe/London"
SYDNEY = "Australia/Sydney"
ADA = Engineer(1, "Ada", "ada", zone=LONDON)
KAI = Engineer(2, "Kai", "kai", zone=SYDNEY)
ROTA = Provenance(SourceKind.ROTATION, rotation_id=1)
MIN = timedelta(minutes=1)
START, END = utc(2024, 3, 1), utc(2024, 5, 1)  # both DST changes of London and Sydney inside


def history(seed: int = 1, count: int = 400) -> list[Page]:
    """Pages to Ada and Kai over March and April 2024 (and the day before), in bursts, some by
    email, some never resolved, sorted by trigger time as the database returns them."""
    rng = random.Random(seed)
    pages = []
    span = (END - START + timedelta(days=1)).total_seconds()
    while len(pages) < count:
        at_ = START - timedelta(days=1) + timedelta(seconds=rng.random() * span)
        who, key = rng.choice((1, 2)), f"INC-{rng.randrange(60)}"
        for burst in range(rng.choice((1, 1, 2, 3))):
            trigger = at_ + timedelta(seconds=burst * rng.choice((20, 50, 400)))
            n, worked = len(pages) + 1, rng.choice((5, 40, 300)) * MIN
            pages.append(Page(
                n, "test", str(n), who, trigger,
                resolved_at=None if rng.random() < 0.2 else trigger + worked,
                incident_key=key if rng.random() < 0.7 else "",
                channel=Channel.EMAIL if rng.random() < 0.1 else Channel.PUSH,
            ))  # fmt: skip
    pages.sort(key=lambda p: p.triggered_at)
    return pages


def shifts() -> list[Shift]:
    week = timedelta(days=7)
    return [
        Shift(1, Role.PRIMARY, 1 + k % 2, START + k * week, START + (k + 1) * week, ROTA)
        for k in range(9)
    ]


def test_pages_in_any_order_give_the_same_report():
    pages = history()
    rows = team_load([ADA, KAI], shifts(), pages, [], {}, START, END)
    assert sum(r.interruption_count for r in rows) > 100  # a real workload, not an empty one
    assert any(r.interrupted_nights for r in rows)
    shuffled = pages[:]
    random.Random(5).shuffle(shuffled)
    assert team_load([ADA, KAI], shifts(), shuffled, [], {}, START, END) == rows
    assert team_load([ADA, KAI], shifts(), iter(reversed(pages)), [], {}, START, END) == rows
    assert engineer_load(KAI, shifts(), shuffled, [], frozenset(), START, END) == rows[1]


def test_report_interruptions_and_nights_match_the_plain_functions():
    pages = history(seed=2)
    for row in team_load([ADA, KAI], shifts(), pages, [], {}, START, END):
        mine = [p for p in pages if p.engineer_id == row.engineer.id]
        plain = [i for i in interruptions(mine) if START <= i.start < END]
        assert row.interruptions == tuple(plain)
        by_band = row.interruptions_by_band
        assert sorted(id(i) for v in by_band.values() for i in v) == sorted(
            map(id, row.interruptions)
        )
        assert all(band_at(i.start, row.engineer.zone) is b for b, v in by_band.items() for i in v)
        expected = [
            n for n in nights(interruptions(mine), row.engineer.zone) if START <= n.start < END
        ]
        assert list(row.nights) == expected
        assert row.engaged_hours == pytest.approx(
            sum((b - a for a, b in row.engaged_spans), timedelta()) / timedelta(hours=1)
        )


def test_values_built_in_place_are_ordinary_frozen_values():
    t = at(LONDON, 2024, 3, 12, 2, 0)
    pages = [Page(1, "test", "1", 1, t, resolved_at=t + 40 * MIN, incident_key="A"),
             Page(2, "test", "2", 1, t + 30 * MIN, incident_key="A")]  # fmt: skip
    row = engineer_load(ADA, [], pages, [], frozenset(), START, END)
    (found,) = row.interruptions
    assert found == Interruption(1, t, t + 45 * MIN, tuple(pages))
    assert hash(found) == hash(Interruption(1, t, t + 45 * MIN, tuple(pages)))
    assert row.night_pages == (found,)
    (night,) = row.nights
    assert isinstance(night, Night)
    assert night.interruptions == (found,)
    with pytest.raises(FrozenInstanceError):
        found.end = t  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        night.interrupted = False  # type: ignore[misc]
    assert set(row.interruptions_by_band) == set(Band)


def test_the_report_leaves_the_garbage_collector_as_it_found_it():
    pages = history(count=50)
    assert gc.isenabled()
    frozen = gc.get_freeze_count()
    team_load([ADA, KAI], shifts(), pages, [], {}, START, END)
    assert gc.isenabled()
    assert gc.get_freeze_count() == frozen
    gc.disable()
    try:
        team_load([ADA, KAI], shifts(), pages, [], {}, START, END)
        assert not gc.isenabled()
    finally:
        gc.enable()


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 200), st.integers(0, 60))
def test_any_period_counts_exactly_the_interruptions_starting_in_it(seed, count, offset_days):
    pages = history(seed, count)
    start = START + timedelta(days=offset_days)
    end = start + timedelta(days=7)
    (row,) = team_load([KAI], [], pages, [], {}, start, end)
    mine = [p for p in pages if p.engineer_id == 2]
    # Interruptions starting in the period, found from every page (the report looks back a
    # day; a merge group reaching further back than that is not made by this history).
    plain = [i for i in interruptions(mine) if start <= i.start < end]
    assert row.interruptions == tuple(plain)
    assert row.page_count == sum(start <= p.triggered_at < end for p in mine)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 300), st.integers(0, 50), st.integers(1, 20))
def test_counts_computed_with_the_report_match_the_lists_built_on_first_read(
    seed, count, offset_days, length_days
):
    # The report counts without building interruptions and nights; the drill-down lists are
    # built from the same history when first read, and must agree with every count.
    pages = history(seed, count)
    start = START + timedelta(days=offset_days)
    end = start + timedelta(days=length_days)
    holidays = {1: frozenset({start.date(), (start + timedelta(days=3)).date()})}
    for row in team_load([ADA, KAI], shifts(), pages, [], holidays, start, end):
        assert row.interruption_count == len(row.interruptions)
        assert row.night_page_count == len(row.night_pages)
        assert row.night_count == len(row.nights)
        assert row.interrupted_night_count == len(row.interrupted_nights)
        assert row.rest_deficit_night_count == len(row.rest_deficit_nights)
        assert row.fragmented_night_count == len(row.fragmented_nights)
        assert sum(len(v) for v in row.interruptions_by_band.values()) == row.interruption_count
        mine = [p for p in pages if p.engineer_id == row.engineer.id]
        own = [s for s in shifts() if s.engineer_id == row.engineer.id]
        eager = _load(row.engineer, own, mine, [], holidays.get(row.engineer.id, frozenset()),
                      start, end, DEFAULT_SETTINGS, lists=True)  # fmt: skip
        assert eager == row  # the counts too: the lists built first, then counted
        assert eager.engaged == row.engaged


def test_drill_down_lists_are_built_once_and_do_not_change_equality():
    pages = history(seed=3)
    rows = team_load([ADA, KAI], shifts(), pages, [], {}, START, END)
    again = team_load([ADA, KAI], shifts(), pages, [], {}, START, END)
    assert rows[0].interruptions is rows[0].interruptions  # read twice, built once
    assert rows[0].nights is rows[0].nights
    assert rows == again  # one side's lists read, the other's not: still equal
    assert rows[0].interruptions == again[0].interruptions
    assert rows[0] != rows[1]
    assert "history" not in repr(rows[0])
    assert "_detail" not in repr(rows[0])
