"""What an edit changes for each person, counted in their own zone."""

from __future__ import annotations

from datetime import date

from oncall.domain.diff import diff_schedules, person_load
from oncall.domain.model import Engineer, Provenance, Role, Shift, SourceKind
from tests.domain.builders import at, utc

ROTA = Provenance(SourceKind.ROTATION, rotation_id=1)
OTHER = Provenance(SourceKind.OVERRIDE, override_id=3)
ADA = Engineer(1, "Ada", "ada", zone="Europe/London")
BO = Engineer(2, "Bo", "bo", zone="America/New_York")
CY = Engineer(3, "Cy", "cy", zone="Asia/Kolkata")


def shift(engineer, start, end, source=ROTA, role=Role.PRIMARY):
    return Shift(1, role, engineer, start, end, source)


def test_night_weekend_and_holiday_are_counted_in_the_engineers_own_zone():
    # Saturday 6 Jan 2024 20:00 to Sunday 09:00 UTC: for Ada (London, GMT) that is a night
    # and two weekend days; for Bo (New York) it is Saturday 15:00 to Sunday 04:00.
    ada = person_load([shift(1, utc(2024, 1, 6, 20), utc(2024, 1, 7, 9))], ADA,
                      frozenset({date(2024, 1, 7)}))  # fmt: skip
    assert (ada.shifts, ada.hours, ada.nights, ada.weekend_days, ada.holidays) == (1, 13, 1, 2, 1)
    bo = person_load([shift(2, utc(2024, 1, 6, 20), utc(2024, 1, 7, 9))], BO)
    assert (bo.nights, bo.weekend_days) == (1, 2)


def test_less_than_thirty_minutes_does_not_count_a_night_or_a_day():
    load = person_load([shift(1, utc(2024, 1, 6, 21, 40), utc(2024, 1, 6, 22, 20))], ADA)
    assert (load.nights, load.weekend_days) == (0, 1)


def test_only_the_engineers_own_shifts_count_and_overlaps_count_once():
    shifts = [
        shift(3, at("Asia/Kolkata", 2024, 1, 1, 9), at("Asia/Kolkata", 2024, 1, 1, 17)),
        shift(3, at("Asia/Kolkata", 2024, 1, 1, 9), at("Asia/Kolkata", 2024, 1, 1, 17),
              role=Role.SECONDARY),
        shift(1, utc(2024, 1, 1), utc(2024, 1, 2)),
    ]  # fmt: skip
    load = person_load(shifts, CY)
    assert (load.shifts, load.hours, load.nights, load.weekend_days) == (2, 8, 0, 0)


def test_diff_lists_people_with_changes_first_biggest_change_first():
    before = [
        shift(1, utc(2024, 1, 1), utc(2024, 1, 2)),
        shift(2, utc(2024, 1, 2), utc(2024, 1, 3)),
        shift(3, utc(2024, 1, 3), utc(2024, 1, 4)),
    ]
    after = [
        shift(1, utc(2024, 1, 1), utc(2024, 1, 1, 12)),
        shift(2, utc(2024, 1, 1, 12), utc(2024, 1, 3)),
        shift(3, utc(2024, 1, 3), utc(2024, 1, 4), source=OTHER),  # same time: unchanged
    ]
    diffs = diff_schedules(before, after, [ADA, BO, CY])
    assert [d.engineer_id for d in diffs] == [1, 2, 3]
    assert [d.changed for d in diffs] == [True, True, False]
    ada, bo, cy = diffs
    assert (ada.before.hours, ada.after.hours) == (24, 12)
    assert [(s.start, s.end) for s in ada.lost] == [(utc(2024, 1, 1), utc(2024, 1, 2))]
    assert [(s.start, s.end) for s in bo.gained] == [(utc(2024, 1, 1, 12), utc(2024, 1, 3))]
    assert bo.after.hours - bo.before.hours == 12
    assert (cy.gained, cy.lost) == ((), ())


def test_diff_sorts_the_largest_change_first():
    before = [shift(1, utc(2024, 1, 1), utc(2024, 1, 2))]
    after = [shift(2, utc(2024, 1, 1), utc(2024, 1, 1, 6)), shift(3, utc(2024, 1, 1, 6),
                                                               utc(2024, 1, 2))]  # fmt: skip
    diffs = diff_schedules(before, after, [ADA, BO, CY])
    assert [(d.engineer_id, d.after.hours - d.before.hours) for d in diffs] == [
        (1, -24), (3, 18), (2, 6),
    ]  # fmt: skip


def test_holidays_are_per_engineer_and_unknown_engineers_still_appear():
    after = [shift(1, utc(2024, 12, 25, 8), utc(2024, 12, 25, 20)),
             shift(9, utc(2024, 12, 25, 8), utc(2024, 12, 25, 20))]  # fmt: skip
    diffs = diff_schedules([], after, [ADA], holidays={1: frozenset({date(2024, 12, 25)})})
    by_id = {d.engineer_id: d for d in diffs}
    assert by_id[1].after.holidays == 1
    assert by_id[9].after.hours == 12
