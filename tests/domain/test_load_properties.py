"""Properties of the load metrics that must hold for any input (hypothesis)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from oncall.domain.bands import split_by_band
from oncall.domain.load import engaged_hours, hour_of_week_heatmap, interrupting, interruptions
from oncall.domain.model import Channel, Engineer, Page, Urgency

ZONES = ["UTC", "Europe/London", "America/New_York", "Australia/Lord_Howe", "Asia/Kathmandu",
         "America/Santiago", "Pacific/Chatham", "Europe/Dublin"]  # fmt: skip
BASE = datetime(2023, 1, 1, tzinfo=UTC)

instants = st.integers(0, 3 * 365 * 24 * 60).map(lambda m: BASE + timedelta(minutes=m))
seconds = st.integers(0, 3 * 365 * 24 * 3600).map(lambda s: BASE + timedelta(seconds=s))


def pages(engineers=(1, 2, 3)):
    """Up to 20 pages within six hours (so merges and overlaps are common), any fields."""
    row = st.tuples(
        st.integers(0, 6 * 3600),
        st.none() | st.integers(-60, 5 * 3600),
        st.sampled_from(engineers),
        st.sampled_from(["", "A", "B"]),
        st.none() | st.sampled_from(Urgency),
        st.none() | st.sampled_from(Channel),
    )

    def build(args) -> list[Page]:
        start, rows = args
        result = []
        for n, (offset, resolved, engineer, key, urgency, channel) in enumerate(rows):
            at = start + timedelta(seconds=offset)
            result.append(Page(
                n, "test", str(n), engineer, at,
                resolved_at=None if resolved is None else at + timedelta(seconds=resolved),
                incident_key=key, urgency=urgency, channel=channel,
            ))  # fmt: skip
        return result

    return st.tuples(seconds, st.lists(row, max_size=20)).map(build)


@settings(max_examples=200, deadline=None)
@given(instants, st.integers(0, 40 * 24 * 60), st.sampled_from(ZONES))
def test_band_hours_of_any_interval_add_up_to_its_length(start, minutes, zone):
    end = start + timedelta(minutes=minutes)
    hours = split_by_band(start, end, zone)
    assert abs(hours.total - minutes / 60) < 1e-6
    assert min(hours.business, hours.off_hours, hours.sleep) >= 0
    assert hours.weekend <= hours.total + 1e-6


@settings(max_examples=150, deadline=None)
@given(pages())
def test_engaged_hours_lie_between_the_longest_engagement_and_their_sum(found_pages):
    found = interruptions(found_pages)
    engaged = engaged_hours(found)
    for engineer in {i.engineer_id for i in found}:
        lengths = [
            (i.end - i.start) / timedelta(hours=1) for i in found if i.engineer_id == engineer
        ]
        assert max(lengths) - 1e-9 <= engaged.get(engineer, 0.0) <= sum(lengths) + 1e-9


@settings(max_examples=150, deadline=None)
@given(pages())
def test_interruptions_never_outnumber_interrupting_pages_and_keep_every_page(found_pages):
    found = interruptions(found_pages)
    counted = [p for p in found_pages if interrupting(p)]
    assert len(found) <= len(counted)
    assert sorted(p.id for i in found for p in i.pages) == sorted(p.id for p in counted)
    assert bool(found) == bool(counted)


@settings(max_examples=100, deadline=None)
@given(pages(engineers=(1, 2, 3, 4)), st.lists(st.sampled_from(ZONES), min_size=3, max_size=3))
def test_every_page_lands_in_exactly_one_heatmap_cell(found_pages, zones):
    people = {i + 1: Engineer(i + 1, f"E{i}", f"e{i}", zone=z) for i, z in enumerate(zones)}
    grid = hour_of_week_heatmap(found_pages, people)  # engineer 4 is unknown: UTC
    assert len(grid) == 7
    assert all(len(row) == 24 for row in grid)
    assert sum(map(sum, grid)) == len(found_pages)
