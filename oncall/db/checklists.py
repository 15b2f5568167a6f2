"""Reads and writes of the last imported copy of each team checklist (``checklist_models``).

Functions of a Session run inside the caller's transaction. :func:`checklist_copies` and
:func:`save_checklist_copy` are what rule 17 compares against and keeps up to date;
:func:`with_copies` runs both in one transaction and turns a database that cannot be
reached (or refuses) into None, because checking a checklist's version must never stop an
incident from starting.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from oncall.db import mapping
from oncall.db.checklist_models import ChecklistCopyRow

_T = TypeVar("_T")
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ChecklistCopy:
    """A team checklist file as last imported: its id, version, whole text, where it came
    from and when (aware, UTC)."""

    checklist_id: str
    version: int
    text: str
    source: str
    imported_at: datetime


def checklist_copies(s: Session) -> dict[str, ChecklistCopy]:
    """Every stored copy, by checklist id."""
    return {
        r.checklist_id: ChecklistCopy(
            r.checklist_id, r.version, r.text, r.source, r.imported_at.astimezone(UTC)
        )
        for r in s.scalars(select(ChecklistCopyRow))
    }


def save_checklist_copy(s: Session, copy: ChecklistCopy) -> None:
    """Make ``copy`` the last imported copy of its checklist (replacing the one before)."""
    row = s.get(ChecklistCopyRow, copy.checklist_id)
    if row is None:
        row = ChecklistCopyRow(checklist_id=copy.checklist_id)
        s.add(row)
    row.version, row.text, row.source = copy.version, copy.text, copy.source
    row.imported_at = mapping.require_aware(copy.imported_at, "imported_at")
    s.flush()


def with_copies(
    sessions: sessionmaker[Session],
    work: Callable[[dict[str, ChecklistCopy]], tuple[_T, Sequence[ChecklistCopy]]],
    *,
    record: bool,
) -> _T | None:
    """Run ``work(stored copies)`` in one transaction. It returns a result and the copies to
    keep as the new last imported ones, saved when ``record``. A database error (server away,
    refused, a schema before revision 0008) is logged and gives None; nothing is saved then."""
    try:
        with sessions.begin() as s:
            result, keep = work(checklist_copies(s))
            if record:
                for copy in keep:
                    save_checklist_copy(s, copy)
            return result
    except SQLAlchemyError:
        log.warning("Could not compare the team checklists with their last imported copies",
                    exc_info=True)  # fmt: skip
        return None
