"""The planning guard in the editing screens: the concerns of an edit and the preview that asks
why it is OK (issue 5 item 3; the rules are :mod:`oncall.domain.guard`).

``change_concerns(ctx, before, after, start, end)`` runs :func:`oncall.exchange.guarding.
change_concerns` (both plans resolved over the window the rules need, the last days' pages,
everyone's leave, each person's shifts on their other teams) with the team's risk from the
shared cache.
``preview_change(parent, ctx, before, after, start, end)`` shows the per-person change with
those concerns (through ``ChangePreviewDialog.ask``); it returns None when cancelled, else
the reason written ("" if none was needed), which the caller stores with the change.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from oncall.domain.guard import Concern
from oncall.domain.model import TeamPlan
from oncall.exchange.guarding import AROUND, RECENT_PAGES, guard_window

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from oncall.app import AppContext

log = logging.getLogger(__name__)

__all__ = ["AROUND", "RECENT_PAGES", "change_concerns", "guard_window", "preview_change"]


def change_concerns(
    ctx: AppContext, before: TeamPlan, after: TeamPlan, start: datetime, end: datetime
) -> list[Concern]:
    """The guard's concerns about changing ``before`` into ``after`` (the change touches
    ``[start, end)``); [] if anything needed cannot be read (logged, never in the way)."""
    from oncall.exchange import guarding
    from oncall.ui.risk_badge import risk_settings, team_risk

    try:
        now = ctx.clock()
        assessments = team_risk(ctx, after.team.id, now)  # the screens' shared cache
        with ctx.sessions() as s:
            return guarding.change_concerns(
                s,
                before,
                after,
                start,
                end,
                now,
                assessments=assessments,
                risk=risk_settings(ctx),
                load=ctx.settings.load_metrics(),
            )
    except Exception:  # the guard advises; a failure to read must not block an edit
        log.exception("planning guard failed for team %s", after.team.id)
        return []


def preview_change(
    parent: QWidget | None,
    ctx: AppContext,
    before: TeamPlan,
    after: TeamPlan,
    start: datetime,
    end: datetime,
    **options: object,
) -> str | None:
    """The change preview over ``[start, end)`` ± a day with the guard's concerns: None when
    cancelled, else the reason written ("" when there was nothing to answer)."""
    from oncall.domain.diff import diff_schedules
    from oncall.domain.schedule import resolve
    from oncall.exchange.public_holidays import holiday_dates
    from oncall.ui.change_preview import ChangePreviewDialog

    a, b = start - timedelta(days=1), end + timedelta(days=1)
    people = list({e.id: e for e in (*before.engineers, *after.engineers)}.values())
    diffs = diff_schedules(
        resolve(before, a, b).shifts,
        resolve(after, a, b).shifts,
        people,
        holiday_dates(people, range(a.year, b.year + 1)),
    )
    concerns = change_concerns(ctx, before, after, start, end)
    return ChangePreviewDialog.ask_with_reason(
        parent, diffs, {e.id: e for e in people}, concerns=concerns, **options
    )
