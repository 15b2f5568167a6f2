"""The planning guard read from storage: a person's shifts on their other teams count towards
the share, so an engineer on two teams is judged on all of their on-call time."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time, timedelta

from oncall.db import commands, queries
from oncall.domain.guard import GuardRule
from oncall.domain.model import (
    CadenceUnit,
    Override,
    Restriction,
    Role,
    RotationVersion,
    Team,
)
from oncall.exchange.guarding import change_concerns, other_teams_shifts

WEEKENDS = (Restriction(frozenset({5, 6}), time(0), time(0)),)


def add_platform(seeded_team) -> int:
    """Ada also on "Platform": every weekend, all weekend, from the seeded anchor on."""
    ctx, ada = seeded_team.ctx, seeded_team.engineer("ada").id
    anchor = datetime(2026, 11, 2, 9, 0)
    with ctx.sessions.begin() as s:
        platform = commands.add_team(s, Team(0, "Platform", "Europe/London"))
        commands.set_team_members(s, platform.id, (ada,))
        version = RotationVersion(1, anchor.replace(tzinfo=UTC), (ada,), CadenceUnit.WEEKS, 1,
                                  anchor, "Europe/London", WEEKENDS)  # fmt: skip
        commands.add_rotation(s, platform.id, "Weekends", version)
        commands.materialise(s, platform.id, seeded_team.now, timedelta(days=90))
    return platform.id


def test_other_teams_shifts_are_the_persons_shifts_elsewhere(seeded_team) -> None:
    platform = add_platform(seeded_team)
    ada, bao = seeded_team.engineer("ada").id, seeded_team.engineer("bao").id
    now = seeded_team.now
    with seeded_team.ctx.sessions() as s:
        found = other_teams_shifts(s, seeded_team.team.id, {ada, bao}, now, now + timedelta(28))
    assert found
    assert {(x.team_id, x.engineer_id) for x in found} == {(platform, ada)}
    assert all(x.start.astimezone(UTC).weekday() in (4, 5, 6) for x in found)


def test_a_payments_edit_counts_adas_platform_weekends(seeded_team) -> None:
    ctx, now = seeded_team.ctx, seeded_team.now
    ada = seeded_team.engineer("ada").id
    with ctx.sessions() as s:
        before = queries.load_plan(s, seeded_team.team.id)
    # Ada takes Dev's Tuesday of primary: one day more on Payments.
    start = datetime(2026, 11, 24, 9, tzinfo=UTC)
    extra = Override(-1, seeded_team.team.id, ada, start, start + timedelta(days=1), now,
                     Role.PRIMARY)  # fmt: skip
    after = replace(before, overrides=(*before.overrides, extra))

    def share_concern() -> str:
        with ctx.sessions() as s:
            found = change_concerns(s, before, after, start, start + timedelta(days=1), now)
        return next(c.text for c in found if c.engineer_id == ada and c.rule is GuardRule.SHARE)

    alone = share_concern()
    add_platform(seeded_team)
    both = share_concern()
    assert "(all their teams)" not in alone
    assert "Ada Lovelace would be on call (all their teams) " in both

    def hours(text: str) -> int:
        return int(text.split(" h of the coming")[0].rsplit(" ", 1)[1])

    # Her Platform weekends add what Payments did not already have her for (a union).
    assert hours(both) > hours(alone)
