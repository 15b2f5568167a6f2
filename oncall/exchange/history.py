"""Everything the load and risk calculations need from storage, gathered in one place.

:func:`gather` reads the engineers (a team's members, given ones, or every active one), their
ledger shifts, pages, leave and public holidays for a range; ``oncall report load``, the pay
export (:func:`oncall.exchange.pay_csv.load_rows`) and ``oncall report risk`` all use it, so
they always see the same inputs. :func:`gather_for_risk` is the range risk needs at ``now``:
the 90-day baseline (and a margin) up to a week ahead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from oncall.db import pages as page_store
from oncall.db import queries
from oncall.db.risk_history import first_seen
from oncall.domain.model import Engineer, Leave, Page, Shift
from oncall.domain.risk import DEFAULT_RISK, RiskSettings
from oncall.exchange.public_holidays import holiday_dates

if TYPE_CHECKING:
    from sqlalchemy.orm import Session  # noqa: TID251  (a type only: the caller's session)

#: Pages this long before a range still shape its first night (the load module's look-back).
PAGE_LOOKBACK = timedelta(days=1)
#: How far past ``now`` risk gathers shifts (the coming week, for planning and badges).
AHEAD = timedelta(days=7)


@dataclass(frozen=True)
class History:
    """The inputs of load and risk for some engineers over ``[start, end)``: engineers by
    name; shifts meeting the range; pages triggered from ``start - PAGE_LOOKBACK`` to ``end``
    (oldest first); leave meeting the range; public holidays by engineer id; ``since``: each
    engineer's first shift or page ever (where their history starts, for "partial" and T1,
    which the range alone would put no earlier than ``start``)."""

    start: datetime
    end: datetime
    engineers: Sequence[Engineer]
    shifts: Sequence[Shift]
    pages: Sequence[Page]
    leave: Sequence[Leave]
    holidays: Mapping[int, frozenset[date]]
    since: Mapping[int, datetime] = field(default_factory=dict)


def gather(
    s: Session,
    start: datetime,
    end: datetime,
    *,
    team_id: int | None = None,
    engineers: Sequence[Engineer] | None = None,
    all_teams_shifts: bool = False,
) -> History:
    """Read everything load and risk need over ``[start, end)``: a team's members
    (``team_id``), or ``engineers``, or every active engineer. Shifts are the team's own
    unless ``all_teams_shifts`` (risk counts someone's on-call time on every team)."""
    if engineers is None:
        engineers = (
            queries.team_engineers(s, team_id) if team_id is not None else queries.list_engineers(s)
        )
    people = sorted(engineers, key=lambda e: (e.name.lower(), e.id))
    ids = [e.id for e in people]
    wanted = set(ids)
    ledger_team = None if all_teams_shifts else team_id
    shifts = [x for x in queries.ledger(s, ledger_team, start, end) if x.engineer_id in wanted]
    pages = page_store.list_pages(s, engineer_ids=ids, start=start - PAGE_LOOKBACK, end=end)
    leave = queries.list_leave(s, ids, start, end)
    holidays = holiday_dates(people, range(start.year - 1, end.year + 2))
    since = first_seen(s, ids)
    return History(start, end, people, shifts, pages, leave, holidays, since)


def gather_for_risk(
    s: Session,
    now: datetime,
    *,
    team_id: int | None = None,
    engineers: Sequence[Engineer] | None = None,
    settings: RiskSettings = DEFAULT_RISK,
) -> History:
    """Everything needed to assess a team (or ``engineers``, or everyone) at ``now``: the
    baseline window and two days more (so 90 days of history can be seen as 90 days across a
    DST change) up to a week ahead, with every team's shifts of those engineers."""
    start = now - timedelta(days=settings.baseline_days + 2)
    return gather(s, start, now + AHEAD, team_id=team_id, engineers=engineers,
                  all_teams_shifts=True)  # fmt: skip
