"""The written reason for going ahead despite the planning guard is kept with the change."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from oncall.db import commands, queries


def test_override_swap_and_rotation_version_keep_their_reason(seeded_team):
    ctx, team = seeded_team.ctx, seeded_team.team
    ada, bao = seeded_team.engineers[0], seeded_team.engineers[1]
    now = seeded_team.now
    from oncall.domain.model import Override, Swap

    with ctx.sessions.begin() as s:
        o = commands.add_override(
            s, Override(0, team.id, ada.id, now, now + timedelta(hours=8), now, reason="Ada asked")
        )
        plain = commands.add_override(
            s, Override(0, team.id, bao.id, now + timedelta(days=1), now + timedelta(days=2), now)
        )
        w = commands.add_swap(
            s, Swap(0, seeded_team.primary.id, now + timedelta(days=7), bao.id, now, reason="ok")
        )
        version = replace(seeded_team.primary.current, effective_from=now, reason="rested now")
        edited = commands.edit_rotation(s, seeded_team.primary.id, version)
    assert (o.reason, plain.reason, w.reason) == ("Ada asked", "", "ok")
    with ctx.sessions() as s:
        plan = queries.load_plan(s, team.id)
    assert {x.id: x.reason for x in plan.overrides} == {o.id: "Ada asked", plain.id: ""}
    assert [x.reason for x in plan.swaps] == ["ok"]
    rotation = next(r for r in plan.rotations if r.id == edited.id)
    assert [v.reason for v in rotation.versions] == ["", "rested now"]
