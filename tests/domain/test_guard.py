"""The planning guard (burnout.md 9.8): each rule at, just below and just above its threshold,
and only what a change adds is blamed on it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from oncall.domain.guard import Concern, GuardRule, check_change, night_work
from oncall.domain.model import (
    Engineer,
    Leave,
    LeaveKind,
    Page,
    Provenance,
    Role,
    Shift,
    SourceKind,
)
from oncall.domain.risk import DEFAULT_RISK, Assessment, Level

LONDON = "Europe/London"
ADA = Engineer(1, "Ada Lovelace", "ada", LONDON)
BOB = Engineer(2, "Bob Babbage", "bob", LONDON)
PEOPLE = (ADA, BOB)
ROTA = Provenance(SourceKind.ROTATION, rotation_id=1)
OVER = Provenance(SourceKind.OVERRIDE, override_id=7)
H, D = timedelta(hours=1), timedelta(days=1)
# Monday 16 February 2026, 12:00 London (= UTC).
NOW = datetime(2026, 2, 16, 12, tzinfo=UTC)


def shift(start: datetime, end: datetime, who: int = 1, role: Role = Role.PRIMARY) -> Shift:
    return Shift(1, role, who, start, end, ROTA)


def assessment(level: Level, who: int = 1) -> Assessment:
    return Assessment(who, NOW, level, False, (), ())


def check(before, after, *, levels=None, **kw) -> list[Concern]:
    found = {who: assessment(level, who) for who, level in (levels or {}).items()}
    return check_change(before, after, PEOPLE, found, now=kw.pop("now", NOW), **kw)


def rules(concerns: list[Concern], who: int = 1) -> set[GuardRule]:
    return {c.rule for c in concerns if c.engineer_id == who}


def page(when: datetime, minutes: int = 30, who: int = 1) -> Page:
    return Page(1, "test", f"{when}", who, when, resolved_at=when + timedelta(minutes=minutes))


# --- High: soft block on new primary shifts for 7 days ----------------------------------


@pytest.mark.parametrize(
    ("starts_in", "flagged"),
    [(0 * H, True), (7 * D - H, True), (7 * D - timedelta(seconds=1), True), (7 * D, False)],
)
def test_new_primary_for_someone_at_high_waits_seven_days(starts_in, flagged):
    before = [shift(NOW + starts_in, NOW + starts_in + 12 * H, who=2)]
    after = [replace(before[0], engineer_id=1, source=OVER)]
    found = check(before, after, levels={1: Level.HIGH, 2: Level.LOW})
    assert (GuardRule.HIGH in rules(found)) is flagged
    if flagged:
        concern = next(c for c in found if c.rule is GuardRule.HIGH)
        assert concern.shift == after[0]
        assert "Ada Lovelace is at High load risk" in concern.text
        assert "wait 7 days" in concern.text


@pytest.mark.parametrize("level", [Level.LOW, Level.ELEVATED])
def test_new_primary_below_high_is_fine(level):
    before = [shift(NOW + D, NOW + 2 * D, who=2)]
    after = [replace(before[0], engineer_id=1)]
    assert GuardRule.HIGH not in rules(check(before, after, levels={1: level}))


def test_secondary_or_shadow_for_someone_at_high_is_not_a_primary_shift():
    before = [shift(NOW + D, NOW + 2 * D, who=2, role=Role.SECONDARY)]
    after = [replace(before[0], engineer_id=1)]
    assert GuardRule.HIGH not in rules(check(before, after, levels={1: Level.HIGH}))


def test_taking_time_away_from_someone_at_high_is_not_blamed():
    # Ada's week is cut in two by an override to Bob: her pieces are new shifts by key, but
    # no new time for her.
    week = shift(NOW, NOW + 7 * D)
    before = [week]
    after = [
        replace(week, end=NOW + 2 * D),
        shift(NOW + 2 * D, NOW + 3 * D, who=2),
        replace(week, start=NOW + 3 * D),
    ]
    assert rules(check(before, after, levels={1: Level.HIGH})) == set()


def test_a_shift_already_running_that_started_before_now_counts_from_now():
    before = [shift(NOW - 2 * H, NOW + 10 * H, who=2)]
    after = [replace(before[0], engineer_id=1)]
    found = check(before, after, levels={1: Level.HIGH})
    assert GuardRule.HIGH in rules(found)


# --- Rest: 11 h after engaged night work ------------------------------------------------


@pytest.mark.parametrize(
    ("starts_after", "flagged"),
    [(11 * H - timedelta(minutes=1), True), (11 * H, False), (11 * H + H, False), (H, True)],
)
def test_a_shift_less_than_11_hours_after_night_work(starts_after, flagged):
    # Paged at 02:00 London (night), engaged 30 min: work ends 02:30.
    woken = datetime(2026, 2, 16, 2, tzinfo=UTC)
    end = woken + timedelta(minutes=30)
    start = end + starts_after
    before = [shift(start, start + 8 * H, who=2)]
    after = [replace(before[0], engineer_id=1)]
    found = check(before, after, pages=[page(woken)], now=woken + H)
    assert (GuardRule.REST in rules(found)) is flagged
    if flagged:
        text = next(c.text for c in found if c.rule is GuardRule.REST)
        assert "until Mon 16 Feb 02:30" in text
        assert "no earlier than Mon 16 Feb 13:30" in text


def test_daytime_work_needs_no_rest_gap():
    worked = datetime(2026, 2, 16, 10, tzinfo=UTC)  # 10:00 London, office hours
    before = [shift(worked + 2 * H, worked + 10 * H, who=2)]
    after = [replace(before[0], engineer_id=1)]
    assert GuardRule.REST not in rules(check(before, after, pages=[page(worked)]))


def test_night_work_is_read_in_the_engineers_zone():
    # 23:00 UTC is 18:00 in New York (evening, not night); 04:00 in Kolkata is night.
    ny = replace(ADA, zone="America/New_York")
    worked = datetime(2026, 2, 16, 23, tzinfo=UTC)
    assert night_work([page(worked)], [ny]) == {}
    kolkata = replace(ADA, zone="Asia/Kolkata")
    assert night_work([page(worked)], [kolkata]) == {
        1: [(worked, worked + 30 * timedelta(minutes=1))]
    }


# --- Share: above 25% of the coming 28 days ----------------------------------------------


@pytest.mark.parametrize(("hours", "flagged"), [(168, False), (168.5, True), (167, False)])
def test_share_of_the_coming_28_days_strictly_above_25_percent(hours, flagged):
    # 25% of 28 days is 168 h.
    before = [shift(NOW, NOW + hours * H, who=2)]
    after = [replace(before[0], engineer_id=1)]
    found = check(before, after)
    assert (GuardRule.SHARE in rules(found)) is flagged
    if flagged:
        text = next(c.text for c in found if c.rule is GuardRule.SHARE)
        assert "on call 168 h of the coming 28 days (25.1%, up from 0%)" in text


def test_share_counts_only_the_coming_28_days_and_not_leave():
    far = [shift(NOW + 28 * D, NOW + 40 * D, who=2)]
    assert GuardRule.SHARE not in rules(check(far, [replace(far[0], engineer_id=1)]))
    week = [shift(NOW, NOW + 9 * D, who=2)]  # 216 h = 32%
    leave = [Leave(1, 1, NOW, NOW + 3 * D)]  # minus 72 h = 144 h = 21%
    found = check(week, [replace(week[0], engineer_id=1)], leave=leave)
    assert GuardRule.SHARE not in rules(found)


def test_share_already_above_and_lowered_by_the_change_is_not_blamed():
    before = [shift(NOW, NOW + 10 * D)]
    after = [shift(NOW, NOW + 8 * D), shift(NOW + 8 * D, NOW + 10 * D, who=2)]
    assert GuardRule.SHARE not in rules(check(before, after))


# --- Consecutive days on call (C3 High: 14) ---------------------------------------------


def _days(n: int, start: datetime) -> Shift:
    return shift(start, start + n * D)


@pytest.mark.parametrize(("days", "flagged"), [(13, False), (14, True), (15, True)])
def test_days_on_call_in_a_row_at_the_c3_high_threshold(days, flagged):
    start = datetime(2026, 2, 17, 0, tzinfo=UTC)  # midnight London: whole local days
    ten = _days(10, start)
    extra = shift(start + 10 * D, start + days * D, who=2)
    before = [ten, extra]
    after = [ten, replace(extra, engineer_id=1)]
    found = check(before, after, now=start)
    assert (GuardRule.CONSECUTIVE in rules(found)) is flagged
    if flagged:
        text = next(c.text for c in found if c.rule is GuardRule.CONSECUTIVE)
        assert f"on call {days} days in a row (Tue 17 Feb–" in text


def test_consecutive_limit_follows_the_settings():
    start = datetime(2026, 2, 17, 0, tzinfo=UTC)
    before = [shift(start, start + 9 * D, who=2)]
    after = [replace(before[0], engineer_id=1)]
    assert GuardRule.CONSECUTIVE not in rules(check(before, after, now=start))
    strict = replace(DEFAULT_RISK, thresholds={**DEFAULT_RISK.thresholds, "C3": (5, 9)})
    assert GuardRule.CONSECUTIVE in rules(check(before, after, now=start, settings=strict))


def test_a_long_run_already_there_is_not_blamed_on_an_unrelated_change():
    start = datetime(2026, 2, 17, 0, tzinfo=UTC)
    run = _days(20, start)
    other = shift(start + 25 * D, start + 26 * D, who=2)
    found = check([run, other], [run, replace(other, engineer_id=1)], now=start)
    assert GuardRule.CONSECUTIVE not in rules(found)


# --- Leave ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("leave_starts", "flagged"),
    [(12 * H, False), (12 * H - timedelta(seconds=1), True), (0 * H, True)],
)
def test_a_new_shift_meeting_leave_half_open(leave_starts, flagged):
    before = [shift(NOW, NOW + 12 * H, who=2)]
    after = [replace(before[0], engineer_id=1)]
    leave = [Leave(5, 1, NOW + leave_starts, NOW + 3 * D, LeaveKind.VACATION)]
    found = check(before, after, leave=leave)
    assert (GuardRule.LEAVE in rules(found)) is flagged
    if flagged:
        text = next(c.text for c in found if c.rule is GuardRule.LEAVE)
        assert text.startswith("Ada Lovelace is on vacation leave from")


def test_someone_elses_leave_or_an_unchanged_shift_is_not_a_concern():
    before = [shift(NOW, NOW + 12 * H)]
    leave = [Leave(5, 1, NOW, NOW + D), Leave(6, 2, NOW, NOW + D)]
    assert check(before, list(before), leave=leave) == []


def test_concerns_are_ordered_by_person_then_rule():
    before = [shift(NOW, NOW + 9 * D, who=2)]
    after = [replace(before[0], engineer_id=1)]
    leave = [Leave(5, 1, NOW + D, NOW + 2 * D)]
    found = check(before, after, leave=leave, levels={1: Level.HIGH})
    assert [c.rule for c in found] == [GuardRule.HIGH, GuardRule.SHARE, GuardRule.LEAVE]


def test_now_must_be_aware():
    with pytest.raises(ValueError, match="aware"):
        check([], [], now=datetime(2026, 2, 16, 12))
