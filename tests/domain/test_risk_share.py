"""C2, the on-call share: hours on call, at most 24 in a local day, over 28 x 24 hours. A clock
change alone never tips a one-week-in-four rota over 25%; real extra time on call still does."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from oncall.domain.model import Engineer, Provenance, Role, Shift, SourceKind
from oncall.domain.risk import Outcome, assess
from oncall.domain.risk_rules import oncall_share
from oncall.domain.zones import localize_utc

LONDON = "Europe/London"
ADA = Engineer(1, "Ada", "ada", LONDON)
ROTA = Provenance(SourceKind.ROTATION, rotation_id=1)
H, D = timedelta(hours=1), timedelta(days=1)


def at(*args: int) -> datetime:
    return localize_utc(datetime(*args), LONDON)


def week(monday: datetime, extra: timedelta = timedelta()) -> Shift:
    """A weekly primary shift, Monday 09:00 to Monday 09:00 London (167, 168 or 169 h)."""
    after = monday + 7 * D
    start = at(monday.year, monday.month, monday.day, 9)
    end = at(after.year, after.month, after.day, 9) + extra
    return Shift(1, Role.PRIMARY, 1, start, end, ROTA)


def c2(shifts: list[Shift], now: datetime):
    old = Shift(1, Role.SHADOW, 1, now - 200 * D, now - 199 * D, ROTA)  # history, no load
    return assess(ADA, [*shifts, old], [], [], frozenset(), now).rule("C2")


@pytest.mark.parametrize(
    ("monday", "hours", "share"),
    [
        (datetime(2027, 3, 22), 167, 0.2485),  # the week the clocks go forward (28 March)
        (datetime(2027, 3, 8), 168, 0.25),  # a week of 24-hour days, the window holding the change
        (datetime(2026, 10, 19), 169, 0.25),  # the week the clocks go back (25 October)
    ],
)
def test_a_week_on_call_in_four_is_not_above_25_percent_across_a_clock_change(monday, hours, share):
    shift = week(monday)
    assert (shift.end - shift.start) / H == hours
    now = at(2027, 4, 2, 12) if monday.year == 2027 else at(2026, 11, 12, 12)
    found = c2([shift], now)
    assert found.value == share
    assert found.outcome is Outcome.OK
    assert f"On call {hours} h of the last 28 days (25%;" in found.reason


def test_a_week_anchored_elsewhere_across_the_persons_own_clock_change():
    # Daniel in New York holds a London week (Monday 09:00 London) that his own clocks moved
    # forward in (14 March 2027): 168 h, seven days of his, 25%.
    daniel = Engineer(2, "Daniel", "daniel", "America/New_York")
    shift = Shift(1, Role.PRIMARY, 2, at(2027, 3, 8, 9), at(2027, 3, 15, 9), ROTA)
    now = at(2027, 4, 5, 8, 30)
    old = Shift(1, Role.SHADOW, 2, now - 200 * D, now - 199 * D, ROTA)
    found = assess(daniel, [shift, old], [], [], frozenset(), now).rule("C2")
    assert found.outcome is Outcome.OK
    assert found.value <= 0.25


def test_an_hour_more_than_a_week_in_four_is_still_above_25_percent():
    found = c2([week(datetime(2027, 3, 8), extra=H)], at(2027, 4, 2, 12))
    assert found.value > 0.25
    assert found.outcome is Outcome.ELEVATED


def test_without_a_clock_change_the_share_is_hours_over_window_hours():
    start, end = at(2026, 1, 5, 12), at(2026, 2, 2, 12)
    spans = [(at(2026, 1, 10, 3), at(2026, 1, 12, 20)), (at(2026, 1, 20), at(2026, 1, 20, 6))]
    hours = sum((b - a for a, b in spans), timedelta()) / H
    assert oncall_share(spans, start, end, LONDON, 28) == pytest.approx(hours / 672)
    assert oncall_share([], start, end, LONDON, 28) == 0.0
    assert oncall_share(spans, end, start, LONDON, 28) == 0.0
