"""Data for the copy tests: rows in every table the copy moves, and a way to read them back.

:func:`fill_every_table` adds, on top of ``seeded_team``, what a team that has used oncall for a
while holds: a team lead, a restriction, an override, a swap, leave (one imported from a
calendar), pages (one re-imported, so it has a revision) from an import batch, an incident with
its timeline (closed, so its engaged time is a page too), calendar publishing state and a
team checklist's last imported copy.
Values that are easy to get wrong on the way are included: NULLs, microseconds, non-ASCII text,
an inactive engineer, a row_version above 1.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import Engine, select, update

from oncall.db import commands, incidents, pages
from oncall.db.calendar_models import (
    CalDAVItemRow,
    CalendarEventStateRow,
    ImportedLeaveRow,
    PublishStatusRow,
)
from oncall.db.checklists import ChecklistCopy, save_checklist_copy
from oncall.db.models import EngineerRow, RestrictionRow, RotationVersionRow, TeamRow
from oncall.db.page_models import ImportBatchRow
from oncall.db.transfer import copied_tables
from oncall.domain.model import Leave, LeaveKind, Override, Page, Role, Severity, Swap


def fill_every_table(seeded: Any, extra_pages: int = 0) -> None:
    """Rows in every table :func:`copied_tables` lists, on ``seeded_team``'s database."""
    from oncall.exchange import checklists

    ctx, now = seeded.ctx, seeded.now
    ada, bao, carmen, dev = (seeded.engineer(h) for h in ("ada", "bao", "carmen", "dev"))
    with ctx.sessions.begin() as s:
        s.execute(
            update(TeamRow).values(lead_engineer_id=ada.id, row_version=TeamRow.row_version + 2)
        )
        s.execute(update(EngineerRow).where(EngineerRow.id == dev.id).values(active=False))
        version_id = s.scalars(select(RotationVersionRow.id)).first()
        s.add(
            RestrictionRow(
                version_id=version_id, weekdays=0b0011111, start_time=time(9), end_time=time(17, 30)
            )
        )
        commands.add_override(
            s,
            Override(
                0,
                seeded.team.id,
                bao.id,
                now + timedelta(days=2),
                now + timedelta(days=2, hours=8),
                now,
                Role.PRIMARY,
                "Zoë covers ☕",
                "guard: fine",
            ),
        )
        commands.add_swap(
            s,
            Swap(0, seeded.primary.id, datetime(2026, 11, 23, 9, tzinfo=UTC), dev.id, now, "trade"),
        )
        leave = commands.add_leave(
            s,
            Leave(
                0, carmen.id, now + timedelta(days=30), now + timedelta(days=37), LeaveKind.VACATION
            ),
        )
        s.add(
            ImportedLeaveRow(
                leave_id=leave.id,
                engineer_id=carmen.id,
                uid="abc@cal",
                summary="Holiday",
                source="https://cal.example/x.ics",
                imported_at=now,
            )
        )
        batch = ImportBatchRow(
            source="csv",
            file_name="pages.csv",
            zone=None,
            started_at=now,
            finished_at=now + timedelta(microseconds=123456),
            total_rows=2,
        )
        s.add(batch)
        s.flush()
        first = Page(
            0,
            "csv",
            "P-1",
            ada.id,
            now - timedelta(days=3, microseconds=7),
            now - timedelta(days=3) + timedelta(minutes=4),
            None,
            "INC-1",
            Severity.HIGH,
            service="checkout",
            title="Card auth 5xx — ünïcode",
        )
        pages.upsert_page(s, first, batch_id=batch.id, now=now)
        pages.upsert_page(
            s, replace(first, title="Card auth 5xx (edited)"), batch_id=batch.id, now=now
        )
        for n in range(extra_pages):
            at = now - timedelta(days=1 + n % 300, minutes=n % 1440)
            pages.upsert_page(s, Page(0, "csv", f"X-{n}", bao.id, at, title=f"page {n}"), now=now)
        s.add(
            CalendarEventStateRow(
                uid="shift-1@oncall",
                content_hash="h" * 64,
                sequence=3,
                changed_at=now,
                last_exported_at=now,
            )
        )
        s.add(
            CalDAVItemRow(
                collection="https://dav.example/cal/",
                uid="shift-1@oncall",
                href="/cal/1.ics",
                content_hash="h" * 64,
                sequence=3,
                starts_at=now,
                pushed_at=now,
            )
        )
        s.add(
            PublishStatusRow(
                target="folder",
                at=now,
                ok=True,
                message="3 written",
                destination="/tmp/cal",
                written=3,
            )
        )
        # The last imported copy of a team checklist (rule 17), non-ASCII text included.
        save_checklist_copy(s, ChecklistCopy("ours", 3, "title: Café checklist\n",
                                             "/srv/team/ours.yaml", now))  # fmt: skip
    library = checklists.load_library(today=now.date()).checklists
    checklist = next(iter(library.values()))
    opened = now - timedelta(hours=2)
    incident, _runner = incidents.start_incident(
        ctx.sessions, checklist, opened, library=library, title="Checkout down", actor="ada"
    )
    incidents.close_incident(ctx.sessions, incident.id, now - timedelta(hours=1), actor="ada")


def every_row(engine: Engine) -> dict[str, list[tuple]]:
    """Every row of every copied table, in primary-key order, all columns, as Python values."""
    with engine.connect() as conn:
        return {
            t.name: [tuple(r) for r in conn.execute(select(t).order_by(*t.primary_key.columns))]
            for t in copied_tables()
        }
