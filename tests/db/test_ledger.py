"""The materialised shift ledger: it agrees with the engine, and the past never rewrites."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest

from oncall.db import commands, queries
from oncall.domain.model import Override, Role, Shift, SourceKind
from oncall.domain.schedule import resolve

HORIZON = timedelta(days=60)
FAR_PAST = datetime(2026, 1, 1, tzinfo=UTC)
FAR_FUTURE = datetime(2028, 1, 1, tzinfo=UTC)


def _ledger(ctx, team_id: int) -> list[Shift]:
    with ctx.sessions.begin() as s:
        return queries.ledger(s, team_id, FAR_PAST, FAR_FUTURE)


def _key(shift: Shift) -> tuple:
    return (shift.role, shift.start, shift.end, shift.engineer_id, shift.source)


def _no_overlap_within_a_role(shifts: list[Shift]) -> None:
    for role in Role:
        mine = sorted((s for s in shifts if s.role is role), key=lambda s: s.start)
        for a, b in pairwise(mine):
            assert a.end <= b.start, f"{a} overlaps {b}"


def test_fresh_ledger_is_the_resolution(ctx, seeded_team) -> None:
    team = seeded_team.team
    later = seeded_team.now + timedelta(hours=5)
    with ctx.sessions.begin() as s:
        for row in queries.ledger(s, team.id, FAR_PAST, FAR_FUTURE):
            assert row.start.tzinfo == UTC
        plan = queries.load_plan(s, team.id)
        written = commands.materialise(s, team.id, later, HORIZON)
    ledger = _ledger(ctx, team.id)
    future = [x for x in ledger if x.end > later]
    expected = resolve(plan, written.window_start, later + HORIZON)
    assert written.shifts == expected.shifts
    assert sorted(map(_key, future)) == sorted(_key(x) for x in expected.shifts if x.end > later)
    assert not any(x.frozen for x in future)
    assert future[-1].end == later + HORIZON  # the ledger reaches the horizon
    _no_overlap_within_a_role(ledger)


def test_who_is_on_call_reads_the_ledger(ctx, seeded_team) -> None:
    carmen, dev = seeded_team.engineer("carmen"), seeded_team.engineer("dev")
    with ctx.sessions.begin() as s:
        now_on = queries.on_call_at(s, seeded_team.now)
        coming = queries.next_shifts(s, carmen.id, seeded_team.now, limit=2)
    assert [(x.role, x.engineer_id) for x in now_on] == [
        (Role.PRIMARY, carmen.id),
        (Role.SECONDARY, dev.id),
    ]
    assert coming[0].start == datetime(2026, 11, 16, 9, 0, tzinfo=UTC)  # in progress
    assert coming[0].end == datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def test_history_is_frozen_when_a_rotation_is_edited(ctx, seeded_team) -> None:
    team, primary = seeded_team.team, seeded_team.primary
    before = _ledger(ctx, team.id)
    later = seeded_team.now + timedelta(days=10)  # Thursday 26 Nov, 10:00 UTC
    reversed_roster = tuple(reversed(primary.current.members))

    def edit(s):
        return commands.edit_rotation(
            s, primary.id, replace(primary.current, effective_from=later, members=reversed_roster)
        )

    edited = replace(seeded_team.ctx, clock=lambda: later).edit(team.id, edit)
    assert [v.version for v in edited.versions] == [1, 2]
    after = _ledger(ctx, team.id)

    ended_before = {_key(x) for x in before if x.end <= later}
    ended_after = {_key(x) for x in after if x.end <= later}
    assert len(ended_before) == 3 + 24  # weekly primary and daily secondary, Nov 2 to 26
    assert ended_before <= ended_after  # every shift that had ended is still there, unchanged
    assert all(x.frozen for x in after if x.end <= later)
    assert not any(x.frozen for x in after if x.end > later)

    # whoever was on call when the edit was made keeps the shift up to that moment (now
    # history too), and that is the only addition to the past
    dev = seeded_team.engineer("dev").id
    cut = (Role.PRIMARY, datetime(2026, 11, 23, 9, tzinfo=UTC), later, dev)
    assert [k[:4] for k in ended_after - ended_before] == [cut]

    # ...and from then on the new roster holds, under the new version
    def coming(ledger):
        return [x for x in ledger if x.role is Role.PRIMARY and x.start >= later][:5]

    assert [x.engineer_id for x in coming(after)] != [x.engineer_id for x in coming(before)]
    assert {x.source.rotation_version for x in coming(after)} == {2}
    assert [x.engineer_id for x in coming(after)[1:]] == [
        reversed_roster[k % 4] for k in range(4, 8)
    ]
    _no_overlap_within_a_role(after)


def test_an_edit_back_in_time_cannot_rewrite_the_frozen_past(ctx, seeded_team) -> None:
    """Even an edit dated a week ago changes only what has not ended yet."""
    team, primary = seeded_team.team, seeded_team.primary
    before = _ledger(ctx, team.id)
    now = seeded_team.now
    with ctx.sessions.begin() as s:
        commands.edit_rotation(
            s,
            primary.id,
            replace(
                primary.current,
                effective_from=now - timedelta(days=7),
                members=(seeded_team.engineer("dev").id,),
            ),
        )
        plan = queries.load_plan(s, team.id)
        commands.materialise(s, team.id, now, HORIZON)
    after = _ledger(ctx, team.id)

    frozen_before = sorted(_key(x) for x in before if x.frozen)
    frozen_after = [x for x in after if x.frozen]
    # All history is still there; the only new history is the hour already worked of the
    # shift that was in progress (carmen's, from 09:00 London to now), cut at now.
    assert set(frozen_before) <= {_key(x) for x in frozen_after}
    new = [x for x in frozen_after if _key(x) not in set(frozen_before)]
    assert [(x.engineer_id, x.end) for x in new] == [(seeded_team.engineer("carmen").id, now)]
    # the engine alone would now put dev on last week's primary shift; the ledger does not
    last_week = resolve(plan, now - timedelta(days=7), now - timedelta(days=1)).shifts
    assert {x.engineer_id for x in last_week if x.role is Role.PRIMARY} == {
        seeded_team.engineer("dev").id
    }
    assert seeded_team.engineer("bao").id in {
        x.engineer_id for x in after if x.role is Role.PRIMARY and x.frozen
    }


def test_materialising_again_changes_nothing(ctx, seeded_team) -> None:
    before = _ledger(ctx, seeded_team.team.id)
    with ctx.sessions.begin() as s:
        commands.materialise(s, seeded_team.team.id, seeded_team.now, HORIZON * 3)
    assert _ledger(ctx, seeded_team.team.id) == before


def test_a_deleted_override_stays_in_history(ctx, seeded_team) -> None:
    team, ada = seeded_team.team, seeded_team.engineer("ada")
    now = seeded_team.now
    start, end = now + timedelta(days=1), now + timedelta(days=1, hours=6)
    override = ctx.edit(
        team.id,
        lambda s: commands.add_override(
            s, Override(0, team.id, ada.id, start, end, created_at=now)
        ),
    )
    with ctx.sessions.begin() as s:
        [covering] = [x for x in queries.on_call_at(s, start) if x.role is Role.PRIMARY]
    assert covering.engineer_id == ada.id
    assert covering.source.kind is SourceKind.OVERRIDE
    assert covering.source.override_id == override.id

    # two days later the override is over (frozen); deleting it then leaves the history alone
    later = replace(ctx, clock=lambda: now + timedelta(days=2))
    later.edit(team.id, lambda s: commands.delete_override(s, override.id))
    with ctx.sessions.begin() as s:
        [kept] = [x for x in queries.on_call_at(s, start) if x.role is Role.PRIMARY]
    assert kept == replace(covering, frozen=True)


def test_a_failing_edit_leaves_ledger_and_plan_unchanged(ctx, seeded_team) -> None:
    team, ada = seeded_team.team, seeded_team.engineer("ada")
    now = seeded_team.now
    before = _ledger(ctx, team.id)

    def bad(s):
        commands.add_override(s, Override(0, team.id, ada.id, now, now + timedelta(hours=2), now))
        commands.add_override(s, Override(0, team.id, 4242, now, now + timedelta(hours=2), now))

    with pytest.raises(ValueError, match="no engineer with id 4242"):
        ctx.edit(team.id, bad)
    assert _ledger(ctx, team.id) == before
    with ctx.sessions.begin() as s:
        assert queries.list_overrides(s, team.id) == []
