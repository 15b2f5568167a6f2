"""The final schedule every view shows: the ledger's history, the live plan after it."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from oncall.domain.ledger import final_schedule, merge_ledger
from oncall.domain.model import CadenceUnit, Role
from oncall.domain.schedule import resolve

from .builders import plan, rotation, utc, version

DAILY = {"unit": CadenceUnit.DAYS, "anchor": datetime(2024, 1, 1), "zone": "UTC"}


def test_history_comes_from_the_ledger_even_after_the_rules_changed():
    # Ada (1) and Bao (2) alternate daily; on 3 Jan the roster became Carmen (3) alone.
    before = plan(rotation(version((1, 2), **DAILY)))
    now = utc(2024, 1, 3)
    ledger = merge_ledger([], resolve(before, utc(2024, 1, 1), now).shifts, now)
    edited = rotation(
        version((1, 2), **DAILY),
        version((3,), **DAILY, effective_from=now, number=2),
    )
    final = final_schedule(plan(edited), ledger, utc(2024, 1, 1), utc(2024, 1, 5), now)
    assert [(s.engineer_id, s.start, s.end) for s in final.shifts] == [
        (1, utc(2024, 1, 1), utc(2024, 1, 2)),
        (2, utc(2024, 1, 2), utc(2024, 1, 3)),
        (3, utc(2024, 1, 3), utc(2024, 1, 5)),
    ]
    assert final.gaps == ()


def test_a_shift_cut_at_the_ledger_edge_is_shown_whole():
    weekly = plan(rotation(version((1, 2), anchor=datetime(2024, 1, 1, 9), zone="UTC")))
    whole = resolve(weekly, utc(2024, 1, 1, 9), utc(2024, 1, 8, 9)).shifts[0]
    ledger = [replace(whole, end=utc(2024, 1, 4))]  # the ledger's horizon ended mid-shift
    final = final_schedule(weekly, ledger, utc(2024, 1, 1, 9), utc(2024, 1, 8, 9), utc(2024, 1, 2))
    assert [(s.start, s.end) for s in final.shifts] == [(utc(2024, 1, 1, 9), utc(2024, 1, 8, 9))]


def test_a_gap_in_the_live_plan_that_the_ledger_covered_is_not_shown():
    # The ledger says Ada (1) covered 1 Jan; today's plan has Bao (2) from 2 Jan only.
    today = plan(rotation(version((2,), **{**DAILY, "anchor": datetime(2024, 1, 2)})))
    history = resolve(plan(rotation(version((1,), **DAILY))), utc(2024, 1, 1), utc(2024, 1, 2))
    now = utc(2024, 1, 2)
    final = final_schedule(today, list(history.shifts), utc(2024, 1, 1), utc(2024, 1, 3), now)
    assert resolve(today, utc(2024, 1, 1), utc(2024, 1, 3)).gaps  # live, 1 Jan is uncovered
    assert final.gaps == ()
    assert [s.engineer_id for s in final.shifts] == [1, 2]
    assert {s.role for s in final.shifts} == {Role.PRIMARY}
