"""The fair generator's storage side: read its inputs, write its swaps (``oncall plan`` and the
"Plan fairly…" dialog share both, so they always agree).

:func:`propose` reads the team's plan, the members' trailing 90 days (ledger, pages, leave,
public holidays) and their risk at ``now``, and runs :func:`oncall.domain.planner.plan_rotation`.
:func:`add_plan_swaps` turns a proposal's changes into swaps (one per shift, note "fair
plan"); call it inside one ``ctx.edit`` so the ledger is re-materialised in the same
transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from oncall.db import commands, queries
from oncall.domain.bands import DEFAULT_SETTINGS, LoadSettings
from oncall.domain.model import Swap
from oncall.domain.planner import PlanSettings, Proposal, plan_rotation
from oncall.domain.risk import DEFAULT_RISK, RiskSettings, assess_team
from oncall.exchange.history import gather_for_risk

if TYPE_CHECKING:
    from sqlalchemy.orm import Session  # noqa: TID251  (a type only: the caller's session)

#: The note every swap the generator makes carries (how the ledger explains it).
PLAN_NOTE = "fair plan"


def propose(
    s: Session,
    team_id: int,
    rotation_id: int,
    start: datetime,
    end: datetime,
    now: datetime,
    *,
    risk: RiskSettings = DEFAULT_RISK,
    load: LoadSettings = DEFAULT_SETTINGS,
) -> Proposal:
    """A fair proposal for one rotation of a team over ``[start, end)`` at ``now``."""
    plan = queries.load_plan(s, team_id)
    found = gather_for_risk(s, now, team_id=team_id, settings=risk)
    assessed = assess_team(found.engineers, found.shifts, found.pages, found.leave,
                           found.holidays, now, risk, load, plan.team.zone,
                           found.since)  # fmt: skip
    settings = PlanSettings(load=load)
    years = range(start.year - 1, end.year + 2)
    from oncall.exchange.public_holidays import holiday_dates

    holidays = holiday_dates(plan.engineers, years)
    return plan_rotation(
        plan,
        rotation_id,
        start,
        end,
        history_shifts=found.shifts,
        pages=found.pages,
        assessments={a.engineer_id: a for a in assessed},
        holidays_by_engineer=holidays,
        now=now,
        settings=settings,
    )


def add_plan_swaps(s: Session, proposal: Proposal, now: datetime, reason: str = "") -> list[Swap]:
    """Record one swap per changed shift of ``proposal`` (made at ``now``; ``reason``: why it
    went ahead despite the planning guard's concerns); returns them."""
    return [
        commands.add_swap(
            s,
            Swap(0, proposal.rotation_id, a.shift.start, a.engineer_id, now, PLAN_NOTE, reason),
        )
        for a in proposal.changes
    ]


def delete_swaps(s: Session, swaps: Iterable[Swap]) -> None:
    """Remove swaps made by :func:`add_plan_swaps` (undo)."""
    for swap in swaps:
        commands.delete_swap(s, swap.id)
