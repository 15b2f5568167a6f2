"""Recovery after a heavy night: the late start and the 46 h block, what to cover, rested
cover first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from oncall.domain.cover import CoverCandidate
from oncall.domain.model import Engineer, LeaveKind, Provenance, Role, Shift, SourceKind
from oncall.domain.recovery import RecoveryKind, cover_needed, rank_cover, recovery_options
from oncall.domain.risk import Assessment, Level

NOW = datetime(2026, 2, 16, 9, tzinfo=UTC)
H = timedelta(hours=1)
ROTA = Provenance(SourceKind.ROTATION, rotation_id=1)


@pytest.mark.parametrize(
    ("ended_ago", "late"), [(2 * H, True), (11 * H - timedelta(seconds=1), True), (11 * H, False)]
)
def test_late_start_until_night_work_end_plus_11_hours(ended_ago, late):
    options = recovery_options(NOW, NOW - ended_ago)
    kinds = [o.kind for o in options]
    assert kinds == ([RecoveryKind.LATE_START] if late else []) + [RecoveryKind.BLOCK]
    if late:
        assert (options[0].start, options[0].end) == (NOW, NOW - ended_ago + 11 * H)
    block = options[-1]
    assert (block.start, block.end) == (NOW, NOW + 46 * H)
    assert block.leave(3).kind is LeaveKind.RECOVERY
    assert block.leave(3).engineer_id == 3


def test_no_night_work_offers_only_the_block():
    assert [o.kind for o in recovery_options(NOW, None)] == [RecoveryKind.BLOCK]


def test_cover_needed_is_their_on_call_time_inside_the_leave_by_role():
    shifts = [
        Shift(1, Role.PRIMARY, 1, NOW - 5 * H, NOW + 3 * H, ROTA),
        Shift(1, Role.PRIMARY, 1, NOW + 3 * H, NOW + 20 * H, ROTA),  # merges with the first
        Shift(1, Role.SECONDARY, 1, NOW + 30 * H, NOW + 60 * H, ROTA),
        Shift(1, Role.PRIMARY, 2, NOW, NOW + 60 * H, ROTA),  # someone else's
    ]
    assert cover_needed(shifts, 1, NOW, NOW + 46 * H) == [
        (Role.PRIMARY, (NOW, NOW + 20 * H)),
        (Role.SECONDARY, (NOW + 30 * H, NOW + 46 * H)),
    ]
    assert cover_needed(shifts, 1, NOW + 20 * H, NOW + 30 * H) == []


def test_rested_cover_comes_first_and_says_so():
    people = [Engineer(i, n, n.lower()) for i, n in ((2, "Bao"), (3, "Dev"), (4, "Eve"))]
    found = [
        CoverCandidate(e, Role.PRIMARY, h, "free then")
        for e, h in zip(people, (1, 2, 3), strict=True)
    ]
    levels = {2: Level.HIGH, 3: Level.LOW, 4: Level.LOW}
    assessments = {i: Assessment(i, NOW, lv, False, (), ()) for i, lv in levels.items()}
    woken = {3: [(NOW - 5 * H, NOW - 4 * H)]}
    ranked = rank_cover(found, assessments, woken, NOW)
    assert [c.engineer.name for c in ranked] == ["Eve", "Bao", "Dev"]
    assert ranked[0].reason == "free then · no night work in the last day · Low load risk"
    assert ranked[2].reason == "free then · woken last night · Low load risk"
