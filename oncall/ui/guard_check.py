"""The planning guard in the editing screens: the concerns of an edit and the preview that asks
why it is OK (issue 5 item 3; the rules are :mod:`oncall.domain.guard`).

``change_concerns(ctx, before, after, start, end)`` resolves both plans over the window the
rules need (a fortnight before the change or now to 28 days ahead), reads the team's risk
from the shared cache, the last days' pages and everyone's leave, and runs ``check_change``.
``preview_change(parent, ctx, before, after, start, end)`` shows the per-person change with
those concerns (through ``ChangePreviewDialog.ask``); it returns None when cancelled, else
the reason written ("" if none was needed), which the caller stores with the change.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from oncall.domain.guard import SHARE_WINDOW, Concern, check_change
from oncall.domain.model import TeamPlan

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from oncall.app import AppContext

log = logging.getLogger(__name__)

#: How far either side of a change runs of days on call are read (C3's High threshold).
AROUND = timedelta(days=15)
#: How far back pages are read for engaged night work (its rest reaches a day ahead at most).
RECENT_PAGES = timedelta(days=3)


def guard_window(now: datetime, start: datetime, end: datetime) -> tuple[datetime, datetime]:
    """The span the guard reads: runs around the change and the coming 28 days from now."""
    return min(start, now) - AROUND, max(end + AROUND, now + SHARE_WINDOW)


def change_concerns(
    ctx: AppContext, before: TeamPlan, after: TeamPlan, start: datetime, end: datetime
) -> list[Concern]:
    """The guard's concerns about changing ``before`` into ``after`` (the change touches
    ``[start, end)``); [] if anything needed cannot be read (logged, never in the way)."""
    from oncall.db import pages as page_store
    from oncall.domain.schedule import resolve
    from oncall.ui.risk_badge import risk_settings, team_risk

    try:
        now = ctx.clock()
        lo, hi = guard_window(now, start, end)
        people = {e.id: e for e in (*before.engineers, *after.engineers)}
        with ctx.sessions() as s:
            pages = page_store.list_pages(
                s, engineer_ids=list(people), start=now - RECENT_PAGES, end=now
            )
        return check_change(
            resolve(before, lo, hi).shifts,
            resolve(after, lo, hi).shifts,
            list(people.values()),
            team_risk(ctx, after.team.id, now),
            now=now,
            leave=after.leave,
            pages=pages,
            settings=risk_settings(ctx),
            load_settings=ctx.settings.load_metrics(),
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
