"""The fair generator's examples: unmet constraints name who and where, the frozen past and the
shift in progress are untouched, holidays cost, the measures, and applying a proposal."""

from __future__ import annotations

from datetime import timedelta

import pytest

from oncall.domain.model import Engineer, Leave, Page, Provenance, Role, Shift, SourceKind
from oncall.domain.planner import fairness, plan_rotation
from oncall.domain.risk import Assessment, Level
from tests.domain.builders import plan, rotation, utc, version

ADA, BAO, CARMEN = (Engineer(1, "Ada", "ada"), Engineer(2, "Bao", "bao"),
                    Engineer(3, "Carmen", "carmen", "Europe/London"))  # fmt: skip
PEOPLE = (ADA, BAO, CARMEN)
NOW = utc(2024, 12, 20, 12)  # a Friday: the weekly shift of Mon 16 Dec is in progress


def _high(*ids: int) -> dict[int, Assessment]:
    return {i: Assessment(i, NOW, Level.HIGH, False, (), ()) for i in ids}


def test_a_shift_nobody_can_take_says_who_and_why_and_where() -> None:
    team = plan(rotation(version((1, 2, 3))), engineers=PEOPLE,
                leave=(Leave(1, 1, utc(2024, 12, 21), utc(2025, 1, 2)),))  # fmt: skip
    # Carmen is paged until 03:00 on the Monday of the handoff: 11 h of rest end at 14:00.
    page = Page(1, "csv", "1", 3, utc(2024, 12, 23, 0, 30), resolved_at=utc(2024, 12, 23, 3))
    proposal = plan_rotation(team, 1, utc(2024, 12, 23), utc(2024, 12, 30), pages=[page],
                             assessments=_high(2), now=NOW)  # fmt: skip
    assert [u.text for u in proposal.unmet] == [
        "Nobody can take Mon 23 Dec 09:00 - Mon 30 Dec 09:00: "
        "Ada on leave, Bao at High, Carmen needs rest until Mon 23 Dec 14:00"
    ]
    assert proposal.unmet[0].reasons == ((1, "on leave"), (2, "at High"),
                                         (3, "needs rest until Mon 23 Dec 14:00"))  # fmt: skip
    # The shift keeps its holder: nothing is changed where no rule can be met.
    assert proposal.changes == ()


def test_the_frozen_past_and_the_shift_in_progress_are_never_planned() -> None:
    team = plan(rotation(version((1, 2, 3))), engineers=PEOPLE)
    proposal = plan_rotation(team, 1, utc(2024, 12, 1), utc(2025, 1, 13), now=NOW)
    starts = [a.shift.start for a in proposal.assignments]
    assert starts == [utc(2024, 12, 23, 9), utc(2024, 12, 30, 9), utc(2025, 1, 6, 9)]


def test_leave_moves_the_shift_to_someone_free_and_is_never_overruled() -> None:
    team = plan(rotation(version((1, 2, 3))), engineers=PEOPLE,
                leave=(Leave(1, 2, utc(2024, 12, 22), utc(2025, 1, 12)),))  # fmt: skip
    proposal = plan_rotation(team, 1, utc(2024, 12, 23), utc(2025, 1, 13), now=NOW)
    assert all(a.engineer_id != 2 for a in proposal.assignments)
    assert proposal.unmet == ()


def test_nobody_holds_two_weeks_in_a_row() -> None:
    team = plan(rotation(version((1, 2))), engineers=PEOPLE[:2])
    history = [Shift(1, Role.PRIMARY, 1, utc(2024, 12, 16, 9), utc(2024, 12, 23, 9),
                     Provenance(SourceKind.ROTATION, 1))]  # fmt: skip
    proposal = plan_rotation(team, 1, utc(2024, 12, 23), utc(2025, 1, 20),
                             history_shifts=history, now=NOW)  # fmt: skip
    who = [a.engineer_id for a in proposal.assignments]
    assert who == [2, 1, 2, 1]  # Ada holds the week in progress, so Bao takes the next


def test_the_more_burdened_person_gets_fewer_shifts_and_the_spread_narrows() -> None:
    team = plan(rotation(version((1, 2, 3))), engineers=PEOPLE)
    heavy = [Shift(1, Role.PRIMARY, 1, utc(2024, 10, 1) + timedelta(weeks=2 * k),
                   utc(2024, 10, 8) + timedelta(weeks=2 * k), Provenance(SourceKind.ROTATION, 9))
             for k in range(4)]  # fmt: skip
    light = [Shift(1, Role.PRIMARY, i, utc(2024, 11, 1), utc(2024, 11, 3),
                   Provenance(SourceKind.ROTATION, 9)) for i in (2, 3)]  # fmt: skip
    proposal = plan_rotation(team, 1, utc(2024, 12, 23), utc(2025, 2, 3),
                             history_shifts=heavy + light, now=NOW)  # fmt: skip
    taken = [a.engineer_id for a in proposal.assignments]
    assert taken.count(1) < taken.count(2)
    assert taken.count(1) < taken.count(3)
    assert proposal.after.ratio < proposal.before.ratio
    assert proposal.after.balance > proposal.before.balance
    ada = next(p for p in proposal.people if p.engineer_id == 1)
    assert ada.after.score < ada.before.score


def test_a_public_holiday_costs_more_than_an_ordinary_day() -> None:
    team = plan(rotation(version((1, 2))), engineers=PEOPLE[:2])
    days = {1: {utc(2024, 12, 25).date(), utc(2024, 12, 26).date()}}
    proposal = plan_rotation(team, 1, utc(2024, 12, 23), utc(2024, 12, 30),
                             holidays_by_engineer=days, now=NOW)  # fmt: skip
    assert [a.engineer_id for a in proposal.assignments] == [2]  # Bao has no holiday that week


def test_fairness_measures() -> None:
    assert fairness([10, 10, 10]).balance == pytest.approx(1.0)
    f = fairness([10, 20])
    assert (f.balance, f.ratio) == (pytest.approx(0.5), pytest.approx(2.0))
    assert fairness([0, 5]).ratio == float("inf")
    # mean over pairs of min/max: (1/2 + 1/4 + 2/4) / 3
    assert fairness([1, 2, 4]).balance == pytest.approx((0.5 + 0.25 + 0.5) / 3)
