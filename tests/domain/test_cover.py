"""Suggesting cover: who is free, who carries least, and the reason given for each."""

from __future__ import annotations

from datetime import timedelta

import pytest

from oncall.domain.cover import suggest_cover
from oncall.domain.model import (
    Engineer,
    Leave,
    Provenance,
    Role,
    Shift,
    SourceKind,
)
from oncall.domain.schedule import resolve
from tests.domain.builders import TEAM, plan, rotation, utc, version

ADA = Engineer(1, "Ada Lovelace", "ada", "Europe/London")
BAO = Engineer(2, "Bao Nguyen", "bao", "Asia/Singapore")
CARMEN = Engineer(3, "Carmen Diaz", "carmen", "America/New_York")
DEV = Engineer(4, "Dev Patel", "dev", "Europe/London")
EVE = Engineer(5, "Eve Stone", "eve", "Europe/London")
PEOPLE = (ADA, BAO, CARMEN, DEV, EVE)

# The window to cover: a Wednesday, 09:00 to 17:00 UTC.
START, END = utc(2024, 3, 13, 9), utc(2024, 3, 13, 17)
ROTATION = Provenance(SourceKind.ROTATION, rotation_id=1, rotation_version=1)


def shift(who: Engineer, start, hours: float, role: Role = Role.PRIMARY, team: int = TEAM.id):
    return Shift(team, role, who.id, start, start + timedelta(hours=hours), ROTATION)


def names(candidates) -> list[str]:
    return [c.engineer.handle for c in candidates]


def test_fewest_hours_around_the_window_come_first_ties_by_name():
    shifts = [
        shift(ADA, START - timedelta(days=10), 48),
        shift(BAO, START + timedelta(days=5), 24),
        shift(CARMEN, START - timedelta(days=3), 24),
        # Far outside the 4 weeks either side: does not count.
        shift(DEV, START - timedelta(days=60), 500),
    ]
    got = suggest_cover(plan(engineers=PEOPLE), shifts, START, END, Role.PRIMARY, set())
    assert names(got) == ["dev", "eve", "bao", "carmen", "ada"]
    assert [c.hours_around for c in got] == [0, 0, 24, 24, 48]
    assert all(c.role is Role.PRIMARY for c in got)


def test_time_is_clipped_to_four_weeks_either_side_and_two_roles_count_once():
    shifts = [
        # 10 h of this straddles the edge 28 days before the window's start.
        shift(ADA, START - timedelta(days=28, hours=10), 20),
        # Primary and secondary at the same time: 12 h on call, not 24.
        shift(BAO, START + timedelta(days=2), 12, Role.PRIMARY),
        shift(BAO, START + timedelta(days=2), 12, Role.SECONDARY),
    ]
    got = {
        c.engineer.handle: c
        for c in suggest_cover(plan(engineers=PEOPLE), shifts, START, END, Role.PRIMARY, set())
    }
    assert got["ada"].hours_around == pytest.approx(10)
    assert got["bao"].hours_around == pytest.approx(12)


def test_leave_meeting_the_window_rules_a_person_out_but_leave_just_before_does_not():
    leave = (
        Leave(1, ADA.id, START - timedelta(days=2), START + timedelta(hours=1)),  # meets it
        Leave(2, BAO.id, START - timedelta(days=2), START),  # ends as the window starts
        Leave(3, CARMEN.id, END, END + timedelta(days=3)),  # starts as it ends
    )
    got = suggest_cover(plan(engineers=PEOPLE, leave=leave), [], START, END, Role.PRIMARY, set())
    assert names(got) == ["bao", "carmen", "dev", "eve"]


def test_people_on_call_for_the_team_then_in_any_role_are_not_free():
    shifts = [
        shift(ADA, START - timedelta(hours=2), 3, Role.PRIMARY),  # overlaps the first hour
        shift(BAO, START + timedelta(hours=4), 8, Role.SHADOW),
        shift(CARMEN, END, 24, Role.SECONDARY),  # starts as the window ends: free
        shift(DEV, START, 8, Role.PRIMARY, team=99),  # another team's shift: still free here
    ]
    got = suggest_cover(plan(engineers=PEOPLE), shifts, START, END, Role.SECONDARY, set())
    assert names(got) == ["eve", "dev", "carmen"]  # by hours: 0, 8, 24


def test_excluded_and_inactive_people_are_left_out():
    people = (*PEOPLE[:4], Engineer(5, "Eve Stone", "eve", active=False))
    got = suggest_cover(plan(engineers=people), [], START, END, Role.PRIMARY, {ADA.id, DEV.id})
    assert names(got) == ["bao", "carmen"]


def test_nobody_free_is_an_empty_list():
    leave = tuple(Leave(i, e.id, START, END) for i, e in enumerate(PEOPLE[1:], 1))
    got = suggest_cover(plan(engineers=PEOPLE, leave=leave), [], START, END, Role.PRIMARY, {1})
    assert got == []


def test_each_candidate_has_a_reason_a_person_understands():
    shifts = [shift(ADA, START - timedelta(days=7), 48), shift(BAO, START - timedelta(days=1), 0.5)]
    got = {
        c.engineer.handle: c.reason
        for c in suggest_cover(plan(engineers=PEOPLE), shifts, START, END, Role.PRIMARY, set())
    }
    assert got["ada"] == "free then · 48 h on call in the 8 weeks around it"
    assert got["bao"] == "free then · under 1 h on call in the 8 weeks around it"
    assert got["dev"] == "free then · no time on call in the 8 weeks around it"


def test_works_on_a_resolved_schedule():
    # Weekly primary ada, bao, carmen (Monday 09:00 London); the window is in bao's week.
    team_plan = plan(rotation(version((1, 2, 3))), engineers=PEOPLE[:4])
    shifts = resolve(team_plan, START - timedelta(days=28), END + timedelta(days=28)).shifts
    assert any(x.engineer_id == BAO.id and x.start <= START < x.end for x in shifts)
    got = suggest_cover(team_plan, shifts, START, END, Role.PRIMARY, set())
    # Bao holds the window; dev is never on call; ada and carmen have about 3 weeks each.
    assert names(got)[0] == "dev"
    assert "bao" not in names(got)
    assert sorted(names(got)[1:]) == ["ada", "carmen"]


def test_naive_or_backwards_windows_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        suggest_cover(plan(), [], START.replace(tzinfo=None), END, Role.PRIMARY, set())
    with pytest.raises(ValueError, match="end after"):
        suggest_cover(plan(), [], END, START, Role.PRIMARY, set())
