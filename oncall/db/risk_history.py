"""How far back each engineer's on-call history goes: their first shift or page ever.

Risk (burnout.md 9.6) marks an assessment "partial" when less than 28 days of history exist
and needs 90 days for the trend rule T1. The risk readers gather only a window (the 90-day
baseline), so the start of someone's history is read here, once, with two grouped queries.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from oncall.db.models import LedgerShiftRow
from oncall.db.page_models import PageRow


def first_seen(s: Session, engineer_ids: Iterable[int]) -> dict[int, datetime]:
    """Engineer id -> the start of their first ledger shift (any team, any role) or their
    first page, whichever is earlier; engineers with neither are left out."""
    ids = sorted(set(engineer_ids))
    if not ids:
        return {}
    found: dict[int, datetime] = {}
    for column, owner in (
        (LedgerShiftRow.starts_at, LedgerShiftRow.engineer_id),
        (PageRow.triggered_at, PageRow.engineer_id),
    ):
        rows = s.execute(
            select(owner, func.min(column)).where(owner.in_(ids)).group_by(owner)
        ).all()
        for engineer_id, first in rows:
            if first is not None and (engineer_id not in found or first < found[engineer_id]):
                found[engineer_id] = first
    return found
