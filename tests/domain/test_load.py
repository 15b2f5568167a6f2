"""Load metrics (burnout.md 9.3 D2-D9): interruptions, engaged time, nights, on-call hours."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from oncall.domain.load import (
    LoadSettings,
    date_range,
    engaged_hours,
    engineer_load,
    hour_of_week_heatmap,
    interruptions,
    night_key,
    period,
    team_load,
)
from oncall.domain.model import (
    Band,
    Channel,
    Engineer,
    Leave,
    Page,
    Provenance,
    Role,
    Shift,
    SourceKind,
    Urgency,
)
from tests.domain.builders import at, utc

LONDON = "Europe/London"
ADA = Engineer(1, "Ada", "ada", zone=LONDON)
BO = Engineer(2, "Bo", "bo", zone="America/New_York")
ROTA = Provenance(SourceKind.ROTATION, rotation_id=1)
MIN = timedelta(minutes=1)


def page(when: datetime, engineer: int = 1, n: list[int] = [0], **fields) -> Page:  # noqa: B006
    n[0] += 1
    return Page(n[0], "test", str(n[0]), engineer, when, **fields)


def shift(start, end, engineer=1, role=Role.PRIMARY) -> Shift:
    return Shift(1, role, engineer, start, end, ROTA)


def load(pages=(), shifts=(), leave=(), start=None, end=None, holidays=frozenset(), **settings):
    start = start or utc(2024, 1, 1)
    end = end or utc(2024, 2, 1)
    return engineer_load(ADA, shifts, pages, leave, holidays, start, end, LoadSettings(**settings))


# --- interruptions -----------------------------------------------------------------------


def test_pages_merge_within_60_seconds_of_the_first_not_of_the_last():
    t = utc(2024, 1, 10, 12)
    pages = [page(t), page(t + timedelta(seconds=50)), page(t + timedelta(seconds=100))]
    found = interruptions(pages)
    assert [len(i.pages) for i in found] == [2, 1]
    assert [i.start for i in found] == [t, t + timedelta(seconds=100)]


def test_a_page_exactly_60_seconds_later_is_a_new_interruption():
    t = utc(2024, 1, 10, 12)
    assert len(interruptions([page(t), page(t + timedelta(seconds=60))])) == 2
    assert len(interruptions([page(t), page(t + timedelta(seconds=59))])) == 1


def test_pages_to_different_engineers_never_merge():
    t = utc(2024, 1, 10, 12)
    found = interruptions([page(t, 1), page(t, 2)])
    assert sorted(i.engineer_id for i in found) == [1, 2]


def test_email_and_low_urgency_do_not_interrupt_unless_switched_on():
    t = utc(2024, 1, 10, 12)
    pages = [
        page(t, channel=Channel.EMAIL),
        page(t + 10 * MIN, urgency=Urgency.LOW),
        page(t + 20 * MIN, channel=Channel.PHONE, urgency=Urgency.HIGH),
        page(t + 30 * MIN),  # channel and urgency unknown: counts
    ]
    assert len(interruptions(pages)) == 2
    assert len(interruptions(pages, LoadSettings(exclude_channels=frozenset()))) == 3
    assert len(interruptions(pages, LoadSettings(exclude_low_urgency=False))) == 3
    both = LoadSettings(exclude_channels=frozenset(), exclude_low_urgency=False)
    assert len(interruptions(pages, both)) == 4
    # Excluded pages still count as pages.
    assert load(pages).page_count == 4


def test_re_pages_of_an_incident_being_worked_are_not_new_interruptions():
    t = utc(2024, 1, 10, 12)
    resolved = t + 40 * MIN
    pages = [
        page(t, incident_key="INC-1", resolved_at=resolved),
        page(t + 10 * MIN, incident_key="INC-1", resolved_at=resolved),
        page(t + 20 * MIN, incident_key="INC-2"),  # another incident: a new interruption
        page(t + 39 * MIN, incident_key="INC-1", resolved_at=resolved),
        page(t + 41 * MIN, incident_key="INC-1"),  # after it was resolved: wakes them again
    ]
    found = interruptions(pages)
    assert [len(i.pages) for i in found] == [3, 1, 1]
    assert found[0].end == resolved
    assert found[0].incident_keys == ("INC-1",)


def test_engagement_ends_at_resolution_else_15_minutes_after_ack_or_trigger():
    t = utc(2024, 1, 10, 12)
    found = interruptions([
        page(t, resolved_at=t + 50 * MIN, acknowledged_at=t + MIN),
        page(t + 2 * 60 * MIN, acknowledged_at=t + 2 * 60 * MIN + 5 * MIN),
        page(t + 4 * 60 * MIN),
    ])  # fmt: skip
    assert [i.end - i.start for i in found] == [50 * MIN, 20 * MIN, 15 * MIN]


def test_engaged_hours_are_a_union_so_overlapping_incidents_count_once():
    t = utc(2024, 1, 10, 12)
    found = interruptions([
        page(t, incident_key="A", resolved_at=t + 60 * MIN),
        page(t + 30 * MIN, incident_key="B", resolved_at=t + 90 * MIN),
        page(t + 3 * 60 * MIN, incident_key="C", resolved_at=t + 3 * 60 * MIN + 30 * MIN),
    ])  # fmt: skip
    assert len(found) == 3
    assert engaged_hours(found) == {1: 2.0}  # 12:00-13:30 and 15:00-15:30


# --- bands of interruptions and nights -----------------------------------------------------


def test_interruptions_are_banded_in_the_engineers_own_time():
    pages = [
        page(at(LONDON, 2024, 1, 10, 12)),  # business
        page(at(LONDON, 2024, 1, 10, 19)),  # off-hours
        page(at(LONDON, 2024, 1, 13, 12)),  # Saturday: off-hours
        page(at(LONDON, 2024, 1, 11, 3, 10)),  # sleep
    ]
    result = load(pages)
    assert {b: len(v) for b, v in result.interruptions_by_band.items()} == {
        Band.BUSINESS: 1, Band.OFF_HOURS: 2, Band.SLEEP: 1,
    }  # fmt: skip
    assert result.night_page_count == 1
    assert len(result.out_of_hours_interruptions) == 3


def test_a_night_is_keyed_by_the_evening_it_starts():
    tuesday_0310 = at(LONDON, 2024, 1, 9, 3, 10)
    assert night_key(tuesday_0310, LONDON) == date(2024, 1, 8)  # Monday's night
    assert night_key(at(LONDON, 2024, 1, 9, 22, 0), LONDON) == date(2024, 1, 9)
    assert night_key(at(LONDON, 2024, 1, 9, 21, 59), LONDON) is None
    result = load([page(tuesday_0310)])
    (night,) = result.interrupted_nights
    assert night.key == date(2024, 1, 8)
    assert night.start == at(LONDON, 2024, 1, 8, 22)
    assert night.pages == result.pages


def test_a_2150_page_worked_until_2245_interrupts_that_night():
    t = at(LONDON, 2024, 1, 10, 21, 50)
    result = load([page(t, resolved_at=at(LONDON, 2024, 1, 10, 22, 45))])
    assert result.night_page_count == 0  # the page itself came in the evening
    (night,) = result.interrupted_nights
    assert night.key == date(2024, 1, 10)
    assert night.interruptions == ()
    assert night.engaged_time == 45 * MIN


def test_less_than_30_minutes_into_the_night_does_not_interrupt_it():
    t = at(LONDON, 2024, 1, 10, 21, 50)
    result = load([page(t, resolved_at=at(LONDON, 2024, 1, 10, 22, 20))])
    assert result.interrupted_nights == ()
    assert [n.key for n in result.nights] == [date(2024, 1, 10)]  # touched, not interrupted


def test_a_night_broken_in_the_middle_is_a_rest_deficit_night():
    # Paged 02:00-02:40: rest 22:00-02:00 (4 h) and 03:10-08:00 (4 h 50): under 5 h.
    t = at(LONDON, 2024, 1, 11, 2, 0)
    result = load([page(t, resolved_at=t + 40 * MIN)])
    (night,) = result.rest_deficit_nights
    assert night.longest_rest == timedelta(hours=4, minutes=50)
    # Paged at 06:00: 8 h of rest before it, no deficit.
    early = at(LONDON, 2024, 1, 16, 6, 0)
    calm = load([page(early, resolved_at=early + 40 * MIN)])
    assert len(calm.interrupted_nights) == 1
    assert calm.rest_deficit_nights == ()


def test_wake_episodes_closer_than_30_minutes_are_one():
    t = at(LONDON, 2024, 1, 11, 1, 0)
    result = load([
        page(t, resolved_at=t + 10 * MIN),
        page(t + 30 * MIN, resolved_at=t + 40 * MIN),  # 20 min after: same episode
        page(t + 3 * 60 * MIN, resolved_at=t + 3 * 60 * MIN + 10 * MIN),
    ])  # fmt: skip
    (night,) = result.nights
    assert night.wake_episodes == 2
    assert night.fragmented


def test_nights_in_a_period_are_those_starting_in_it():
    # A page at 03:00 on 1 Feb belongs to the night of 31 Jan, which is in January's period.
    result = load([page(at(LONDON, 2024, 2, 1, 3))], start=utc(2024, 1, 1), end=utc(2024, 2, 1))
    assert result.page_count == 0
    assert result.nights == ()
    february = load([page(at(LONDON, 2024, 2, 1, 3))], start=utc(2024, 2, 1), end=utc(2024, 3, 1))
    assert february.page_count == 1
    assert february.nights == ()


# --- on-call hours -------------------------------------------------------------------------


def test_on_call_hours_are_split_by_band_in_local_time():
    result = load(shifts=[shift(at(LONDON, 2024, 1, 8, 9), at(LONDON, 2024, 1, 15, 9))])
    hours = result.oncall
    assert hours.total == 7 * 24
    # Mon 09-18, Tue-Fri 08-18, next Mon 08-09; seven sleep windows of 10 h.
    assert (hours.business, hours.sleep) == (9 + 4 * 10 + 1, 7 * 10)
    assert hours.weekend == 48
    # Monday 09:00-24:00 is 15 h (>= 12 h: a day on call); Tue-Sun whole; next Monday 9 h.
    assert result.days_on_call == tuple(date(2024, 1, d) for d in range(8, 15))


def test_on_call_hours_exclude_leave_shadow_and_count_overlaps_once():
    week = (at(LONDON, 2024, 1, 8, 9), at(LONDON, 2024, 1, 15, 9))
    shifts = [
        shift(*week),
        shift(*week, role=Role.SECONDARY),  # both roles at once: the hours count once
        shift(at(LONDON, 2024, 1, 20), at(LONDON, 2024, 1, 21), role=Role.SHADOW),
    ]
    leave = [Leave(1, 1, at(LONDON, 2024, 1, 10), at(LONDON, 2024, 1, 12))]
    result = load(shifts=shifts, leave=leave)
    assert result.oncall_hours == 7 * 24 - 48
    assert Role.SHADOW not in {s.role for s in result.shifts}
    with_shadow = load(shifts=shifts, leave=leave, count_shadow=True)
    assert with_shadow.oncall_hours == 7 * 24 - 48 + 24


def test_on_call_hours_are_clipped_to_the_period_and_holidays_marked():
    shifts = [shift(utc(2023, 12, 25), utc(2024, 1, 2))]
    result = load(shifts=shifts, holidays=frozenset({date(2024, 1, 1)}))
    assert result.oncall_hours == 24  # only 1 Jan is in the period (GMT = UTC in winter)
    assert result.oncall.holiday == 24
    # 1 Jan is a Monday, but a holiday: no business hours, 08:00-22:00 off, the rest sleep.
    assert (result.oncall.business, result.oncall.off_hours, result.oncall.sleep) == (0, 14, 10)


def test_engaged_hours_are_split_by_band_for_the_pay_export():
    t = at(LONDON, 2024, 1, 10, 17, 0)
    result = load([page(t, resolved_at=t + 2 * 60 * MIN)])
    assert (result.engaged.business, result.engaged.off_hours) == (1, 1)
    assert result.engaged_hours == 2


# --- team, periods, heatmap ----------------------------------------------------------------


def test_team_load_keeps_each_engineer_to_their_own_data():
    t = utc(2024, 1, 10, 13)
    pages = [page(t, 1), page(t, 2), page(t + 5 * MIN, 2)]
    shifts = [shift(utc(2024, 1, 10), utc(2024, 1, 11), engineer=2)]
    rows = team_load([ADA, BO], shifts, pages, [], {}, utc(2024, 1, 1), utc(2024, 2, 1))
    assert [(r.engineer.id, r.page_count, r.interruption_count) for r in rows] == [
        (1, 1, 1), (2, 2, 2),
    ]  # fmt: skip
    assert (rows[0].oncall_hours, rows[1].oncall_hours) == (0, 24)
    # 13:00 UTC is business for Ada (London) and 08:00 business for Bo (New York).
    assert rows[1].interruptions_by_band[Band.BUSINESS] == rows[1].interruptions
    alone = engineer_load(BO, shifts, pages, [], frozenset(), utc(2024, 1, 1), utc(2024, 2, 1))
    assert alone == rows[1]


def test_periods_end_now_and_start_the_same_local_time_days_ago():
    now = at(LONDON, 2024, 4, 2, 9).astimezone(UTC)  # after the spring change on 31 March
    start, end = period("7d", now, LONDON)
    assert end == now
    assert start == at(LONDON, 2024, 3, 26, 9)  # 09:00 GMT, so 167 elapsed hours
    assert now - start == timedelta(hours=167)
    assert period("28d", now, LONDON)[0] == at(LONDON, 2024, 3, 5, 9)
    assert period("baseline", now, LONDON) == (
        period("90d", now, LONDON)[0], period("28d", now, LONDON)[0],
    )  # fmt: skip
    with pytest.raises(ValueError, match="7d"):
        period("week", now, LONDON)
    assert date_range(date(2024, 1, 1), date(2024, 1, 31), LONDON) == (
        utc(2024, 1, 1), utc(2024, 2, 1),
    )  # fmt: skip


def test_heatmap_counts_pages_in_each_engineers_local_hour_of_week():
    t = utc(2024, 1, 10, 13)  # Wednesday
    grid = hour_of_week_heatmap([page(t, 1), page(t, 2), page(t, 9)], {1: ADA, 2: BO})
    assert grid[2][13] == 2  # Ada (GMT) and the unknown engineer 9 (UTC)
    assert grid[2][8] == 1  # Bo, New York
    assert sum(map(sum, grid)) == 3
    emails = [page(t, 1, channel=Channel.EMAIL)]
    assert sum(map(sum, hour_of_week_heatmap(emails, {1: ADA}, interrupting_only=True))) == 0


def test_settings_change_the_counts():
    t = utc(2024, 1, 10, 12)
    pages = [page(t), page(t + timedelta(seconds=90))]
    assert load(pages).interruption_count == 2
    wide = replace(LoadSettings(), merge_window=timedelta(minutes=2))
    assert load(pages, merge_window=wide.merge_window).interruption_count == 1
