"""12-hour on-call blocks (D10) and the rest gap after engagement (D11)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from oncall.domain.interruptions import interruptions
from oncall.domain.model import Page, Provenance, Role, Shift, SourceKind
from oncall.domain.rest import block_incidents, next_work_start, oncall_blocks, rest_gap
from oncall.domain.zones import localize_utc

ROTA = Provenance(SourceKind.ROTATION, rotation_id=1)
H = timedelta(hours=1)


def shift(start: datetime, end: datetime, role: Role = Role.PRIMARY) -> Shift:
    return Shift(1, role, 1, start, end, ROTA)


def page(when: datetime, key: str = "", n: list[int] = [0]) -> Page:  # noqa: B006
    n[0] += 1
    return Page(n[0], "test", str(n[0]), 1, when, incident_key=key)


T0 = datetime(2026, 2, 2, 9, tzinfo=UTC)


def test_a_shift_is_cut_into_12_hour_blocks_from_its_start_the_last_partial():
    blocks = oncall_blocks([shift(T0, T0 + 30 * H)])
    assert blocks == [(T0, T0 + 12 * H), (T0 + 12 * H, T0 + 24 * H), (T0 + 24 * H, T0 + 30 * H)]


def test_overlapping_primary_and_secondary_make_one_stretch_shadow_does_not_count():
    blocks = oncall_blocks(
        [
            shift(T0, T0 + 12 * H),
            shift(T0 + 6 * H, T0 + 18 * H, Role.SECONDARY),
            shift(T0 + 20 * H, T0 + 40 * H, Role.SHADOW),
        ]
    )
    assert blocks == [(T0, T0 + 12 * H), (T0 + 12 * H, T0 + 18 * H)]


def test_blocks_count_distinct_incidents_first_paged_inside_half_open():
    found = interruptions(
        [
            page(T0, "A"),
            page(T0 + 2 * H, "A"),  # a re-page of A, still counted once
            page(T0 + 3 * H, "B"),
            page(T0 + 5 * H),  # no incident: its own
            page(T0 + 12 * H, "C"),  # exactly at the next block's start
        ]
    )
    first, second = block_incidents([(T0, T0 + 12 * H), (T0 + 12 * H, T0 + 24 * H)], found)
    assert first.count == 3
    assert second.incidents == ("C",)


def test_next_work_start_is_the_first_weekday_business_start_after_the_end():
    london = "Europe/London"
    tue_0100 = localize_utc(datetime(2026, 2, 3, 1, 0), london)
    assert next_work_start(tue_0100, london) == localize_utc(datetime(2026, 2, 3, 8), london)
    assert rest_gap(tue_0100, london) == 7 * H
    # Engagement ending exactly at 08:00 starts work the next morning (strictly after).
    tue_0800 = localize_utc(datetime(2026, 2, 3, 8), london)
    assert next_work_start(tue_0800, london) == localize_utc(datetime(2026, 2, 4, 8), london)


def test_weekends_and_holidays_are_not_work_starts():
    london = "Europe/London"
    fri_2300 = localize_utc(datetime(2026, 2, 6, 23), london)
    monday = localize_utc(datetime(2026, 2, 9, 8), london)
    assert next_work_start(fri_2300, london) == monday
    holiday = {date(2026, 2, 9)}
    assert next_work_start(fri_2300, london, holidays=holiday) == monday + 24 * H


def test_rest_gap_is_real_time_across_a_dst_change():
    # Europe/London springs forward at 01:00 on Sunday 29 March 2026.
    london = "Europe/London"
    sun_0000 = localize_utc(datetime(2026, 3, 29, 0, 0), london)
    start = next_work_start(sun_0000, london)
    assert start == localize_utc(datetime(2026, 3, 30, 8), london)
    assert rest_gap(sun_0000, london) == 31 * H  # 32 wall-clock hours, one of them skipped
