"""The planning guard's inputs read from storage, for every caller: the editing screens, the
fair plan's Apply and ``oncall plan --apply`` (burnout.md 9.8; the rules are
:mod:`oncall.domain.guard`).

:func:`change_concerns` resolves a team's plan before and after a change over the span the
rules need (a fortnight around the change, and the coming 28 days), and reads what they
judge it against: everyone's risk at ``now`` (unless the caller has it already), the last
days' pages (night work and rest), the team's leave and each person's shifts on their
*other* teams (the share and days in a row are a person's, not a team's).
:func:`proposal_concerns` does the same for applying a fair plan's proposal.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from oncall.db import pages as page_store
from oncall.db import queries
from oncall.domain.bands import DEFAULT_SETTINGS, LoadSettings
from oncall.domain.guard import SHARE_WINDOW, Concern, check_change
from oncall.domain.model import Shift, Swap, TeamPlan
from oncall.domain.planner import Proposal
from oncall.domain.risk import DEFAULT_RISK, Assessment, RiskSettings, assess_team
from oncall.domain.schedule import resolve
from oncall.exchange.history import gather_for_risk
from oncall.exchange.planning import PLAN_NOTE

if TYPE_CHECKING:
    from sqlalchemy.orm import Session  # noqa: TID251  (a type only: the caller's session)

#: How far either side of a change runs of days on call are read (C3's High threshold).
AROUND = timedelta(days=15)
#: How far back pages are read for engaged night work (its rest reaches a day ahead at most).
RECENT_PAGES = timedelta(days=3)


def guard_window(now: datetime, start: datetime, end: datetime) -> tuple[datetime, datetime]:
    """The span the guard reads: runs around the change and the coming 28 days from now."""
    return min(start, now) - AROUND, max(end + AROUND, now + SHARE_WINDOW)


def other_teams_shifts(
    s: Session, team_id: int, engineer_ids: set[int], start: datetime, end: datetime
) -> list[Shift]:
    """These engineers' shifts on teams other than ``team_id`` meeting ``[start, end)``."""
    return [
        x
        for x in queries.ledger(s, None, start, end)
        if x.team_id != team_id and x.engineer_id in engineer_ids
    ]


def team_assessments(
    s: Session,
    team_id: int,
    now: datetime,
    risk: RiskSettings = DEFAULT_RISK,
    load: LoadSettings = DEFAULT_SETTINGS,
    zone: str = "UTC",
) -> dict[int, Assessment]:
    """Each member's risk at ``now`` by engineer id (their shifts on every team count)."""
    found = gather_for_risk(s, now, team_id=team_id, settings=risk)
    assessed = assess_team(found.engineers, found.shifts, found.pages, found.leave,
                           found.holidays, now, risk, load, zone, found.since)  # fmt: skip
    return {a.engineer_id: a for a in assessed}


def change_concerns(
    s: Session,
    before: TeamPlan,
    after: TeamPlan,
    start: datetime,
    end: datetime,
    now: datetime,
    *,
    assessments: Mapping[int, Assessment] | None = None,
    risk: RiskSettings = DEFAULT_RISK,
    load: LoadSettings = DEFAULT_SETTINGS,
) -> list[Concern]:
    """The guard's concerns about changing ``before`` into ``after`` (the change touches
    ``[start, end)``), as of ``now``; ``assessments`` when the caller has them (else read)."""
    lo, hi = guard_window(now, start, end)
    people = {e.id: e for e in (*before.engineers, *after.engineers)}
    team_id = after.team.id
    if assessments is None:
        assessments = team_assessments(s, team_id, now, risk, load, after.team.zone or "UTC")
    pages = page_store.list_pages(s, engineer_ids=list(people), start=now - RECENT_PAGES, end=now)
    return check_change(
        resolve(before, lo, hi).shifts,
        resolve(after, lo, hi).shifts,
        list(people.values()),
        assessments,
        now=now,
        leave=after.leave,
        pages=pages,
        settings=risk,
        load_settings=load,
        elsewhere=other_teams_shifts(s, team_id, set(people), lo, hi),
    )


def proposal_concerns(
    s: Session,
    plan: TeamPlan,
    proposal: Proposal,
    now: datetime,
    *,
    risk: RiskSettings = DEFAULT_RISK,
    load: LoadSettings = DEFAULT_SETTINGS,
) -> list[Concern]:
    """The guard's concerns about applying a fair plan's ``proposal`` to ``plan`` (its team's
    plan as stored): the plan with one swap per changed shift, checked like any other edit."""
    extra = tuple(
        Swap(-(i + 1), proposal.rotation_id, a.shift.start, a.engineer_id, now, PLAN_NOTE)
        for i, a in enumerate(proposal.changes)
    )
    after = replace(plan, swaps=(*plan.swaps, *extra))
    start = max(proposal.start, now)
    return change_concerns(s, plan, after, start, proposal.end, now, risk=risk, load=load)
