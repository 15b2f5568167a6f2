"""Bands of the local day (burnout.md 9.3 D1): boundaries, weekends, holidays, DST days."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, time, timedelta

import pytest

from oncall.domain.bands import LoadSettings, band_at, split_by_band
from oncall.domain.model import Band
from tests.domain.builders import at, utc

LONDON = "Europe/London"
SECOND = timedelta(seconds=1)


@pytest.mark.parametrize(
    ("hour", "minute", "before", "after"),
    [(8, 0, Band.SLEEP, Band.BUSINESS), (18, 0, Band.BUSINESS, Band.OFF_HOURS),
     (22, 0, Band.OFF_HOURS, Band.SLEEP)],
)  # fmt: skip
def test_each_boundary_belongs_to_the_band_that_starts_there(hour, minute, before, after):
    boundary = at(LONDON, 2024, 1, 10, hour, minute)  # a Wednesday
    assert band_at(boundary - SECOND, LONDON) is before
    assert band_at(boundary, LONDON) is after


def test_bands_are_read_in_the_zone_given():
    # 13:00 UTC is business in London, 08:00 (business) in New York, 00:00 (sleep) in Auckland.
    instant = utc(2024, 1, 10, 13)
    assert band_at(instant, LONDON) is Band.BUSINESS
    assert band_at(instant, "Pacific/Auckland") is Band.SLEEP
    assert band_at(utc(2024, 1, 10, 12, 59), "America/New_York") is Band.SLEEP


def test_weekends_and_holidays_are_off_hours_except_at_night():
    saturday_noon = at(LONDON, 2024, 1, 13, 12)
    assert band_at(saturday_noon, LONDON) is Band.OFF_HOURS
    assert band_at(at(LONDON, 2024, 1, 13, 23), LONDON) is Band.SLEEP
    christmas = frozenset({date(2024, 12, 25)})
    assert band_at(at(LONDON, 2024, 12, 25, 10), LONDON, holidays=christmas) is Band.OFF_HOURS
    assert band_at(at(LONDON, 2024, 12, 25, 3), LONDON, holidays=christmas) is Band.SLEEP
    assert band_at(at(LONDON, 2024, 12, 24, 10), LONDON, holidays=christmas) is Band.BUSINESS


def test_a_weekday_splits_10_business_4_evening_10_sleep():
    hours = split_by_band(at(LONDON, 2024, 1, 10), at(LONDON, 2024, 1, 11), LONDON)
    assert (hours.business, hours.off_hours, hours.sleep) == (10, 4, 10)
    assert (hours.weekend, hours.holiday) == (0, 0)


def test_weekend_and_holiday_hours_are_marked_on_top_of_the_bands():
    # Friday 18:00 to Monday 08:00, with the Monday a holiday that it does not reach.
    hours = split_by_band(
        at(LONDON, 2024, 1, 12, 18), at(LONDON, 2024, 1, 15, 8), LONDON,
        holidays=frozenset({date(2024, 1, 15)}),
    )  # fmt: skip
    assert (hours.business, hours.off_hours, hours.sleep) == (0, 4 + 14 + 14, 10 + 10 + 10)
    assert hours.weekend == 48
    assert hours.holiday == 8  # Monday 00:00-08:00 is on the holiday, though in the sleep band
    assert hours.total == 62


def test_a_23_hour_day_adds_up_to_23_hours():
    # Europe/London springs forward on Sunday 31 March 2024: 01:00 becomes 02:00.
    # Same-zone subtraction in Python is wall-clock; real elapsed time needs UTC.
    start, end = at(LONDON, 2024, 3, 31).astimezone(UTC), at(LONDON, 2024, 4, 1).astimezone(UTC)
    hours = split_by_band(start, end, LONDON)
    assert (end - start) == timedelta(hours=23)
    assert hours.total == pytest.approx(23)
    assert hours.sleep == pytest.approx(7 + 2)  # 00:00-08:00 lost an hour; 22:00-24:00
    assert hours.off_hours == 14  # a Sunday


def test_a_25_hour_day_adds_up_to_25_hours():
    # America/New_York falls back on Sunday 3 November 2024: 02:00 becomes 01:00 again.
    zone = "America/New_York"
    start, end = at(zone, 2024, 11, 4), at(zone, 2024, 11, 5)  # Monday: normal
    assert split_by_band(start, end, zone).total == 24
    start, end = at(zone, 2024, 11, 3).astimezone(UTC), at(zone, 2024, 11, 4).astimezone(UTC)
    hours = split_by_band(start, end, zone)
    assert end - start == timedelta(hours=25)
    assert hours.total == pytest.approx(25)
    assert hours.sleep == pytest.approx(9 + 2)


def test_an_interval_inside_one_band_is_all_that_band():
    hours = split_by_band(at(LONDON, 2024, 1, 10, 9, 15), at(LONDON, 2024, 1, 10, 9, 45), LONDON)
    assert hours.business == 0.5
    assert hours.total == 0.5


def test_an_empty_or_backwards_interval_has_no_hours():
    assert split_by_band(utc(2024, 1, 10), utc(2024, 1, 10), LONDON).total == 0
    assert split_by_band(utc(2024, 1, 11), utc(2024, 1, 10), LONDON).total == 0


def test_the_sleep_window_must_cover_midnight_to_five():
    with pytest.raises(ValueError, match="00:00-05:00"):
        LoadSettings(sleep_start=time(1, 0), sleep_end=time(9, 0))
    with pytest.raises(ValueError, match="00:00-05:00"):
        LoadSettings(sleep_start=time(22, 0), sleep_end=time(4, 0))
    with pytest.raises(ValueError, match="7 hours"):
        LoadSettings(sleep_start=time(0, 0), sleep_end=time(5, 0))
    night_owl = LoadSettings(sleep_start=time(0, 0), sleep_end=time(8, 0))
    assert band_at(at(LONDON, 2024, 1, 10, 23, 30), LONDON, night_owl) is Band.OFF_HOURS


def test_other_settings_are_checked_too():
    with pytest.raises(ValueError, match="Business hours"):
        LoadSettings(business_start=time(18, 0), business_end=time(8, 0))
    with pytest.raises(ValueError, match="negative"):
        replace(LoadSettings(), merge_window=timedelta(seconds=-1))
