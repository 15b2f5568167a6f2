"""Wall-clock times in named zones: gaps move forward, repeats take the first, nothing raises."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from oncall.domain.schedule import localize
from tests.domain.builders import utc


def test_time_skipped_by_spring_forward_in_london_moves_forward_by_the_gap():
    # 31 March 2024: London clocks jump from 01:00 GMT to 02:00 BST; 01:30 never happens.
    moved = localize(datetime(2024, 3, 31, 1, 30), "Europe/London")
    assert (moved.hour, moved.minute) == (2, 30)
    assert moved.utcoffset() == timedelta(hours=1)
    assert moved.astimezone(UTC) == utc(2024, 3, 31, 1, 30)


def test_time_skipped_in_new_york_moves_forward_by_the_gap():
    # 10 March 2024: 02:00 EST becomes 03:00 EDT, so 02:30 reads as 03:30 EDT (RFC 5545).
    moved = localize(datetime(2024, 3, 10, 2, 30), "America/New_York")
    assert (moved.hour, moved.minute) == (3, 30)
    assert moved.astimezone(UTC) == utc(2024, 3, 10, 7, 30)


def test_repeated_time_in_autumn_is_the_first_occurrence():
    # 27 October 2024: 01:30 happens twice in London, first in BST (00:30 UTC).
    first = localize(datetime(2024, 10, 27, 1, 30), "Europe/London")
    assert first.astimezone(UTC) == utc(2024, 10, 27, 0, 30)
    assert first.utcoffset() == timedelta(hours=1)


def test_lord_howe_half_hour_gap_moves_forward_by_half_an_hour():
    # Australia/Lord_Howe springs forward 30 minutes at 02:00 on 6 October 2024.
    moved = localize(datetime(2024, 10, 6, 2, 15), "Australia/Lord_Howe")
    assert (moved.hour, moved.minute) == (2, 45)


def test_ordinary_time_is_unchanged():
    plain = localize(datetime(2024, 6, 1, 9, 0), "Asia/Kolkata")
    assert plain.astimezone(UTC) == utc(2024, 6, 1, 3, 30)


@pytest.mark.parametrize(
    ("zone", "day", "skipped_minutes"),
    [
        ("Europe/London", datetime(2024, 3, 31), 60),
        ("Europe/London", datetime(2024, 10, 27), 0),
        ("America/New_York", datetime(2024, 3, 10), 60),
        ("Australia/Sydney", datetime(2024, 10, 6), 60),  # southern spring
        ("Australia/Sydney", datetime(2024, 4, 7), 0),
        ("Pacific/Apia", datetime(2011, 12, 30), 24 * 60),  # a whole day skipped
    ],
)
def test_every_minute_of_a_transition_day_localizes_and_never_moves_back(
    zone, day, skipped_minutes
):
    moved = 0
    for minute in range(0, 24 * 60, 5):
        wanted = day + timedelta(minutes=minute)
        got = localize(wanted, zone)
        wall = got.replace(tzinfo=None)
        # Existing times are kept; skipped ones move forward by the gap (at most a day).
        assert wanted <= wall <= wanted + timedelta(hours=24)
        moved += wall != wanted
    assert moved * 5 == skipped_minutes
