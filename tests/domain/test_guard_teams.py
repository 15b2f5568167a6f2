"""The planning guard counts a person's load on all their teams: an engineer on two teams is
checked for the on-call share and days in a row with both teams' shifts, while only what the
change adds to the team being edited is blamed on it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from oncall.domain.guard import GuardRule, check_change
from oncall.domain.model import Engineer, Provenance, Role, Shift, SourceKind

LONDON = "Europe/London"
ADA = Engineer(1, "Ada Lovelace", "ada", LONDON)  # on Payments (team 1) and Platform (team 2)
BOB = Engineer(2, "Bob Babbage", "bob", LONDON)  # Payments only
PAYMENTS, PLATFORM = 1, 2
ROTA = Provenance(SourceKind.ROTATION, rotation_id=1)
H, D = timedelta(hours=1), timedelta(days=1)
NOW = datetime(2026, 2, 17, 0, tzinfo=UTC)  # Tuesday midnight London: whole local days


def shift(team: int, start: datetime, end: datetime, who: int = 1) -> Shift:
    return Shift(team, Role.PRIMARY, who, start, end, ROTA)


def check(before, after, elsewhere=()):
    return check_change(before, after, (ADA, BOB), {}, now=NOW, elsewhere=elsewhere)


def concerns(found, rule: GuardRule) -> list[str]:
    return [c.text for c in found if c.rule is rule and c.engineer_id == ADA.id]


# Payments gives Ada a week that was Bob's: 168 h, exactly 25% of the coming 28 days.
BOBS_WEEK = shift(PAYMENTS, NOW, NOW + 7 * D, who=2)
BEFORE, AFTER = [BOBS_WEEK], [replace(BOBS_WEEK, engineer_id=1)]


def test_one_team_alone_at_25_percent_is_no_concern():
    assert concerns(check(BEFORE, AFTER), GuardRule.SHARE) == []


def test_her_other_teams_shifts_count_towards_the_share():
    # Two days of Platform later in the month: 216 h across both teams, 32%.
    platform = [shift(PLATFORM, NOW + 14 * D, NOW + 16 * D)]
    found = concerns(check(BEFORE, AFTER, elsewhere=platform), GuardRule.SHARE)
    assert found == [
        "Ada Lovelace would be on call (all their teams) 216 h of the coming 28 days (32%, up "
        "from 7%); more than 25% is more than one person should carry."
    ]


def test_the_other_team_alone_is_never_blamed_on_this_change():
    # Platform already has her above 25%; this Payments edit takes nothing from or adds
    # nothing to her: no concern. Moving a Payments shift to Bob lowers her: none either.
    platform = [shift(PLATFORM, NOW, NOW + 10 * D)]
    unrelated = [shift(PAYMENTS, NOW + 20 * D, NOW + 21 * D, who=2)]
    assert concerns(check(unrelated, unrelated, elsewhere=platform), GuardRule.SHARE) == []
    hers = [shift(PAYMENTS, NOW + 12 * D, NOW + 13 * D)]
    to_bob = [replace(hers[0], engineer_id=2)]
    assert concerns(check(hers, to_bob, elsewhere=platform), GuardRule.SHARE) == []


def test_days_in_a_row_join_across_teams():
    # Ten days on Platform, then four on Payments: 14 in a row, C3's High threshold.
    platform = [shift(PLATFORM, NOW, NOW + 10 * D)]
    four = shift(PAYMENTS, NOW + 10 * D, NOW + 14 * D, who=2)
    alone = check([four], [replace(four, engineer_id=1)])
    assert concerns(alone, GuardRule.CONSECUTIVE) == []
    found = check([four], [replace(four, engineer_id=1)], elsewhere=platform)
    assert concerns(found, GuardRule.CONSECUTIVE) == [
        "Ada Lovelace would be on call (all their teams) 14 days in a row (Tue 17 Feb–Mon 2 "
        "Mar); 14 in a row is the limit for a High load."
    ]
    # Bob, on Payments only, is not counted with Ada's Platform shifts.
    assert all(c.engineer_id == ADA.id for c in found)


def test_shifts_held_at_the_same_time_on_two_teams_count_once():
    # On call for both teams over the same week is one week of her time (D9: a union).
    platform = [shift(PLATFORM, NOW, NOW + 7 * D)]
    assert concerns(check(BEFORE, AFTER, elsewhere=platform), GuardRule.SHARE) == []
