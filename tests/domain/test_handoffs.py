"""A rotation's own shifts: wall-clock handoffs in its zone, roster order, version edges."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from oncall.domain.model import CadenceUnit, SourceKind
from oncall.domain.schedule import layer_shifts
from tests.domain.builders import at, hours, rotation, utc, version


def local_starts(shifts, zone):
    return [s.start.astimezone(ZoneInfo(zone)).strftime("%a %H:%M") for s in shifts]


def test_weekly_london_shift_is_167_hours_across_the_march_change_and_stays_at_nine():
    layer = rotation(version(anchor=datetime(2024, 1, 1, 9)))
    shifts = layer_shifts(layer, 1, utc(2024, 3, 18, 9), utc(2024, 4, 8, 8))
    assert [hours(s) for s in shifts] == [168, 167, 168]
    assert local_starts(shifts, "Europe/London") == ["Mon 09:00"] * 3


def test_weekly_london_shift_is_169_hours_across_the_october_change():
    layer = rotation(version(anchor=datetime(2024, 1, 1, 9)))
    shifts = layer_shifts(layer, 1, at("Europe/London", 2024, 10, 21, 9), utc(2024, 11, 4, 9))
    assert [hours(s) for s in shifts] == [169, 168]
    assert local_starts(shifts, "Europe/London") == ["Mon 09:00", "Mon 09:00"]


def test_new_york_weekly_handoff_stays_at_nine_local():
    layer = rotation(version(anchor=datetime(2024, 1, 1, 9), zone="America/New_York"))
    shifts = layer_shifts(layer, 1, at("America/New_York", 2024, 3, 4, 9), utc(2024, 3, 18, 13))
    assert [hours(s) for s in shifts] == [167, 168]
    assert [s.start for s in shifts] == [utc(2024, 3, 4, 14), utc(2024, 3, 11, 13)]


def test_sydney_daily_shift_is_25_hours_in_april_and_23_in_october():
    # Southern hemisphere: DST ends on 7 April and starts on 6 October 2024.
    layer = rotation(
        version(unit=CadenceUnit.DAYS, anchor=datetime(2024, 1, 1, 9), zone="Australia/Sydney")
    )
    april = layer_shifts(layer, 1, at("Australia/Sydney", 2024, 4, 6, 9),
                         at("Australia/Sydney", 2024, 4, 7, 9))  # fmt: skip
    october = layer_shifts(layer, 1, at("Australia/Sydney", 2024, 10, 5, 9),
                           at("Australia/Sydney", 2024, 10, 6, 9))  # fmt: skip
    assert [hours(s) for s in april] == [25]
    assert [hours(s) for s in october] == [23]


def test_kolkata_has_no_dst_every_week_is_168_hours():
    layer = rotation(version(anchor=datetime(2024, 1, 1, 9), zone="Asia/Kolkata"))
    shifts = layer_shifts(layer, 1, utc(2024, 1, 1, 3, 30), utc(2025, 1, 6, 3, 30))
    assert len(shifts) == 53
    assert {hours(s) for s in shifts} == {168}
    assert set(local_starts(shifts, "Asia/Kolkata")) == {"Mon 09:00"}


def test_twelve_hour_cadence_hands_off_at_eight_and_twenty_local_across_spring_forward():
    layer = rotation(
        version((1, 2), unit=CadenceUnit.HOURS, count=12, anchor=datetime(2024, 3, 1, 8))
    )
    shifts = layer_shifts(layer, 1, at("Europe/London", 2024, 3, 30, 8),
                          at("Europe/London", 2024, 3, 31, 20))  # fmt: skip
    local = [s.start.astimezone(ZoneInfo("Europe/London")).strftime("%d %H:%M") for s in shifts]
    assert local == ["30 08:00", "30 20:00", "31 08:00"]
    # The night the clocks go forward is an hour shorter; day shifts stay 12 hours.
    assert [hours(s) for s in shifts] == [12, 11, 12]
    assert [s.engineer_id for s in shifts] == [1, 2, 1]


def test_members_take_turns_from_the_anchor_and_nothing_comes_before_it():
    layer = rotation(version((7, 8, 9), unit=CadenceUnit.DAYS, anchor=datetime(2024, 5, 1, 0),
                             zone="UTC"))  # fmt: skip
    shifts = layer_shifts(layer, 1, utc(2024, 4, 28), utc(2024, 5, 6))
    assert shifts[0].start == utc(2024, 5, 1)
    assert [s.engineer_id for s in shifts] == [7, 8, 9, 7, 8]
    assert [s.source.roster_index for s in shifts] == [0, 1, 2, 0, 1]
    assert {s.source.kind for s in shifts} == {SourceKind.ROTATION}


def test_rotation_anchored_decades_ago_is_cheap_and_right():
    layer = rotation(version(tuple(range(1, 41)), unit=CadenceUnit.HOURS, count=1,
                             anchor=datetime(1990, 1, 1, 0), zone="UTC"))  # fmt: skip
    start = utc(2030, 6, 1)
    shifts = layer_shifts(layer, 1, start, start + timedelta(hours=3))
    k = int((start - utc(1990, 1, 1)) / timedelta(hours=1))
    assert [s.engineer_id for s in shifts] == [(k + i) % 40 + 1 for i in range(3)]


def test_shifts_are_clipped_to_a_half_open_window():
    layer = rotation(version(unit=CadenceUnit.DAYS, anchor=datetime(2024, 1, 1), zone="UTC"))
    # A window starting exactly at a handoff does not include the shift that ends there.
    shifts = layer_shifts(layer, 1, utc(2024, 1, 3), utc(2024, 1, 4, 12))
    assert [(s.start, s.end) for s in shifts] == [
        (utc(2024, 1, 3), utc(2024, 1, 4)),
        (utc(2024, 1, 4), utc(2024, 1, 4, 12)),
    ]
    assert layer_shifts(layer, 1, utc(2024, 1, 3), utc(2024, 1, 3)) == []


def test_leap_day_and_month_ends_are_ordinary_days():
    layer = rotation(version((1, 2), unit=CadenceUnit.DAYS, anchor=datetime(2024, 1, 1, 9),
                             zone="UTC"))  # fmt: skip
    shifts = layer_shifts(layer, 1, utc(2024, 2, 28, 9), utc(2024, 3, 2, 9))
    assert [s.start.day for s in shifts] == [28, 29, 1]
    assert all(hours(s) == 24 for s in shifts)
    # 2024-02-29 is day 59 after the anchor: member (59 % 2) = index 1.
    assert shifts[1].engineer_id == 2


def test_weekly_rotation_anchored_on_a_leap_day_repeats_every_seven_days():
    layer = rotation(version(anchor=datetime(2024, 2, 29, 9), zone="UTC"))
    shifts = layer_shifts(layer, 1, utc(2024, 2, 29, 9), utc(2024, 3, 21, 9))
    assert [s.start.date().isoformat() for s in shifts] == ["2024-02-29", "2024-03-07",
                                                            "2024-03-14"]  # fmt: skip


def test_an_edit_takes_over_at_its_effective_time_cutting_the_shift_in_progress():
    old = version((1, 2), unit=CadenceUnit.DAYS, anchor=datetime(2024, 1, 1, 9), zone="UTC")
    new = version((5, 6), unit=CadenceUnit.DAYS, anchor=datetime(2024, 1, 1, 21), zone="UTC",
                  effective_from=utc(2024, 1, 10, 15), number=2)  # fmt: skip
    shifts = layer_shifts(rotation(old, new), 1, utc(2024, 1, 10, 9), utc(2024, 1, 11, 21))
    assert [(s.engineer_id, s.start, s.end, s.source.rotation_version) for s in shifts] == [
        (2, utc(2024, 1, 10, 9), utc(2024, 1, 10, 15), 1),  # cut at the edit
        (5, utc(2024, 1, 10, 15), utc(2024, 1, 10, 21), 2),  # the new version's shift 8
        (6, utc(2024, 1, 10, 21), utc(2024, 1, 11, 21), 2),
    ]


def test_rotation_end_stops_it():
    layer = rotation(version(unit=CadenceUnit.DAYS, anchor=datetime(2024, 1, 1), zone="UTC"),
                     ends_at=utc(2024, 1, 3, 6))  # fmt: skip
    shifts = layer_shifts(layer, 1, utc(2024, 1, 1), utc(2024, 1, 10))
    assert shifts[-1].end == utc(2024, 1, 3, 6)
    assert len(shifts) == 3


def test_handoff_in_a_dst_gap_moves_forward_by_the_gap():
    # Daily 01:30 London: on 31 March 2024 01:30 does not exist, so that handoff is 02:30 BST.
    layer = rotation(version(unit=CadenceUnit.DAYS, anchor=datetime(2024, 3, 1, 1, 30)))
    shifts = layer_shifts(layer, 1, utc(2024, 3, 30, 1, 30), utc(2024, 4, 1, 0, 30))
    assert [s.start for s in shifts] == [utc(2024, 3, 30, 1, 30), utc(2024, 3, 31, 1, 30)]
    assert [hours(s) for s in shifts] == [24, 23]


def test_naive_window_is_refused_with_a_clear_message():
    with pytest.raises(ValueError, match="start must be timezone-aware"):
        layer_shifts(rotation(), 1, datetime(2024, 1, 1), utc(2024, 2, 1))
