"""Restrictions: a rotation is on call only inside its weekday and time-of-day windows."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from oncall.domain.model import CadenceUnit, Restriction
from oncall.domain.schedule import layer_shifts
from tests.domain.builders import at, hours, rotation, utc, version

WEEKDAYS = frozenset(range(5))
EVERY_DAY = frozenset(range(7))
LONDON = ZoneInfo("Europe/London")


def local(shift):
    start = shift.start.astimezone(LONDON)
    end = shift.end.astimezone(LONDON)
    return f"{start:%a %H:%M}-{end:%a %H:%M}"


def test_business_hours_weekly_rotation_is_on_call_monday_to_friday_nine_to_five():
    layer = rotation(version(restrictions=(Restriction(WEEKDAYS, time(9), time(17)),)))
    shifts = layer_shifts(layer, 1, utc(2024, 1, 1), utc(2024, 1, 8))
    assert [local(s) for s in shifts] == [
        "Mon 09:00-Mon 17:00", "Tue 09:00-Tue 17:00", "Wed 09:00-Wed 17:00",
        "Thu 09:00-Thu 17:00", "Fri 09:00-Fri 17:00",
    ]  # fmt: skip
    assert {s.engineer_id for s in shifts} == {1}


def test_business_hours_stay_local_across_the_clock_change():
    layer = rotation(version(restrictions=(Restriction(WEEKDAYS, time(9), time(17)),)))
    shifts = layer_shifts(layer, 1, utc(2024, 3, 29), utc(2024, 4, 2))
    # Friday in GMT, Monday in BST: both 09:00-17:00 on the wall clock.
    assert [local(s) for s in shifts] == ["Fri 09:00-Fri 17:00", "Mon 09:00-Mon 17:00"]
    assert [s.start for s in shifts] == [utc(2024, 3, 29, 9), utc(2024, 4, 1, 8)]


def test_night_window_crosses_midnight_into_the_next_day():
    night = Restriction(frozenset({4}), time(22), time(6))  # Friday night
    layer = rotation(version(restrictions=(night,)))
    shifts = layer_shifts(layer, 1, utc(2024, 1, 1), utc(2024, 1, 8))
    assert [local(s) for s in shifts] == ["Fri 22:00-Sat 06:00"]
    assert hours(shifts[0]) == 8


def test_night_window_of_sunday_is_cut_at_the_monday_handoff():
    nights = Restriction(EVERY_DAY, time(22), time(6))
    layer = rotation(version((1, 2), anchor=datetime(2024, 1, 1, 2), restrictions=(nights,)))
    shifts = layer_shifts(layer, 1, utc(2024, 1, 7, 12), utc(2024, 1, 8, 12))
    assert [(local(s), s.engineer_id) for s in shifts] == [
        ("Sun 22:00-Mon 02:00", 1),
        ("Mon 02:00-Mon 06:00", 2),
    ]


def test_window_with_equal_start_and_end_is_a_full_day_and_touching_days_merge():
    always = Restriction(EVERY_DAY, time(9), time(9))
    plain = rotation(version(unit=CadenceUnit.DAYS))
    restricted = rotation(version(unit=CadenceUnit.DAYS, restrictions=(always,)))
    window = (utc(2024, 3, 25), utc(2024, 4, 5))
    assert layer_shifts(restricted, 1, *window) == layer_shifts(plain, 1, *window)


def test_weekday_window_shifts_of_a_daily_rotation_skip_the_weekend():
    layer = rotation(version((1, 2, 3), unit=CadenceUnit.DAYS, anchor=datetime(2024, 1, 1, 9),
                             restrictions=(Restriction(WEEKDAYS, time(9), time(17)),)))  # fmt: skip
    shifts = layer_shifts(layer, 1, at("Europe/London", 2024, 1, 5), utc(2024, 1, 9))
    # Turns advance by the wall clock (as PagerDuty does): Saturday's and Sunday's turns are
    # masked, so Monday belongs to the member whose turn it is on the calendar.
    assert [(local(s), s.engineer_id) for s in shifts] == [
        ("Fri 09:00-Fri 17:00", 2),
        ("Mon 09:00-Mon 17:00", 2),
    ]
