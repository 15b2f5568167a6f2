"""The ledger: what has ended is frozen history; only the future is replaced."""

from __future__ import annotations

from dataclasses import replace

from oncall.domain.ledger import ledger_window_start, merge_ledger
from oncall.domain.model import Provenance, Role, Shift, SourceKind
from tests.domain.builders import utc

ROTA = Provenance(SourceKind.ROTATION, rotation_id=1, rotation_version=1, roster_index=0)
NEW = Provenance(SourceKind.ROTATION, rotation_id=1, rotation_version=2, roster_index=0)


def shift(engineer, start_day, end_day, *, role=Role.PRIMARY, source=ROTA, team=1):
    return Shift(team, role, engineer, utc(2024, 1, start_day), utc(2024, 1, end_day), source)


def test_ended_shifts_are_kept_and_frozen_others_are_replaced():
    existing = [shift(1, 1, 2), shift(2, 2, 3), shift(3, 3, 4), shift(1, 4, 5)]
    fresh = [shift(7, 2, 3, source=NEW), shift(8, 3, 4, source=NEW), shift(9, 4, 5, source=NEW)]
    now = utc(2024, 1, 3)
    merged = merge_ledger(existing, fresh, now)
    assert merged == [
        replace(existing[0], frozen=True),
        replace(existing[1], frozen=True),  # ended exactly at now: history
        fresh[1],
        fresh[2],
    ]


def test_fresh_shift_starting_in_the_past_is_clipped_to_the_frozen_end():
    existing = [shift(1, 1, 3)]
    fresh = [shift(5, 2, 6, source=NEW)]
    merged = merge_ledger(existing, fresh, utc(2024, 1, 4))
    assert [(s.engineer_id, s.start, s.end, s.frozen) for s in merged] == [
        (1, utc(2024, 1, 1), utc(2024, 1, 3), True),
        (5, utc(2024, 1, 3), utc(2024, 1, 6), False),
    ]


def test_clipping_only_looks_at_the_same_team_and_role():
    existing = [shift(1, 1, 3, role=Role.SECONDARY), shift(1, 1, 3, team=2)]
    fresh = [shift(5, 2, 6)]
    merged = merge_ledger(existing, fresh, utc(2024, 1, 4))
    assert merged[-1] == fresh[0]


def test_frozen_shift_that_is_already_frozen_is_returned_unchanged():
    old = replace(shift(1, 1, 2), frozen=True)
    assert merge_ledger([old], [], utc(2024, 1, 10)) == [old]


def test_window_starts_at_the_shift_in_progress_else_now():
    existing = [shift(1, 1, 3), shift(2, 3, 5), shift(3, 2, 6, role=Role.SECONDARY)]
    assert ledger_window_start(existing, utc(2024, 1, 4)) == utc(2024, 1, 2)
    # Past the ledger's end (6 Jan) the time since is filled in, from where it stopped.
    assert ledger_window_start(existing, utc(2024, 1, 7)) == utc(2024, 1, 6)
    # A shift starting exactly now is in progress; one ending now is history.
    assert ledger_window_start(existing, utc(2024, 1, 3)) == utc(2024, 1, 2)


def test_a_shift_handed_over_mid_way_keeps_the_hours_already_worked():
    # Ada's shift runs 1-8 Jan; on 4 Jan a swap gives the whole shift to Bao (2).
    existing = [shift(1, 1, 8)]
    swapped = Provenance(SourceKind.SWAP, rotation_id=7, swap_id=3)
    fresh = [shift(2, 1, 8, source=swapped)]
    merged = merge_ledger(existing, fresh, utc(2024, 1, 4))
    assert [(s.engineer_id, s.start, s.end, s.frozen) for s in merged] == [
        (1, utc(2024, 1, 1), utc(2024, 1, 4), True),
        (2, utc(2024, 1, 4), utc(2024, 1, 8), False),
    ]


def test_a_shift_in_progress_that_does_not_change_stays_whole():
    existing = [shift(1, 1, 8)]
    merged = merge_ledger(existing, [shift(1, 1, 8)], utc(2024, 1, 4))
    assert [(s.engineer_id, s.start, s.end, s.frozen) for s in merged] == [
        (1, utc(2024, 1, 1), utc(2024, 1, 8), False)
    ]


def test_time_after_the_ledger_stopped_is_filled_in_not_left_a_hole():
    # The ledger reached 3 Jan; the app next materialises on 6 Jan: resolve from 3 Jan.
    existing = [replace(shift(1, 1, 2), frozen=True), shift(2, 2, 3)]
    assert ledger_window_start(existing, utc(2024, 1, 6)) == utc(2024, 1, 3)
    # A ledger that reaches past now starts at now, or at the shift in progress.
    assert ledger_window_start([shift(1, 5, 8)], utc(2024, 1, 6)) == utc(2024, 1, 5)
    assert ledger_window_start([shift(1, 7, 8)], utc(2024, 1, 6)) == utc(2024, 1, 6)
    assert ledger_window_start([], utc(2024, 1, 6)) == utc(2024, 1, 6)
