"""Every read of the database: functions of a Session that return domain dataclasses.

Callers open one ``with sessions.begin() as s:`` per user action and pass ``s`` in.
Nothing here returns an ORM object. Instants passed in must be timezone-aware (ValueError
otherwise); instants returned are aware, in UTC.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, selectinload

from oncall.db import mapping
from oncall.db.models import (
    EngineerRow,
    LeaveRow,
    LedgerShiftRow,
    OverrideRow,
    RotationMemberRow,
    RotationRow,
    RotationVersionRow,
    SwapRow,
    TeamMemberRow,
    TeamRow,
)
from oncall.domain.model import (
    Engineer,
    Leave,
    Override,
    Rotation,
    Shift,
    Swap,
    Team,
    TeamPlan,
)


def list_teams(s: Session) -> list[Team]:
    """All teams, by name."""
    rows = s.scalars(select(TeamRow).order_by(func.lower(TeamRow.name), TeamRow.id))
    return [mapping.team(r) for r in rows]


def get_team(s: Session, team_id: int) -> Team | None:
    """The team with this id, if any."""
    row = s.get(TeamRow, team_id)
    return mapping.team(row) if row else None


def find_team(s: Session, name_or_id: str | int) -> Team | None:
    """A team by id, or by name (case-insensitive); a string of digits that names no team is
    tried as an id (so ``--team 3`` works)."""
    if isinstance(name_or_id, int):
        return get_team(s, name_or_id)
    key = name_or_id.strip()
    row = s.scalars(select(TeamRow).where(func.lower(TeamRow.name) == key.lower())).first()
    if row:
        return mapping.team(row)
    return get_team(s, int(key)) if key.isdigit() else None


def list_engineers(s: Session, *, include_inactive: bool = False) -> list[Engineer]:
    """Engineers by name."""
    query = select(EngineerRow).order_by(func.lower(EngineerRow.name), EngineerRow.id)
    if not include_inactive:
        query = query.where(EngineerRow.active.is_(True))
    return [mapping.engineer(r) for r in s.scalars(query)]


def get_engineer(s: Session, engineer_id: int) -> Engineer | None:
    """The engineer with this id, if any (active or not)."""
    row = s.get(EngineerRow, engineer_id)
    return mapping.engineer(row) if row else None


def find_engineer(s: Session, key: str | int) -> Engineer | None:
    """An engineer by id, handle or email (case-insensitive); a string of digits that is
    nobody's handle is tried as an id."""
    if isinstance(key, int):
        return get_engineer(s, key)
    text = key.strip().lower()
    if not text:
        return None
    row = s.scalars(
        select(EngineerRow)
        .where(or_(func.lower(EngineerRow.handle) == text, func.lower(EngineerRow.email) == text))
        .order_by(func.lower(EngineerRow.handle) != text, EngineerRow.id)  # handle wins
    ).first()
    if row:
        return mapping.engineer(row)
    return get_engineer(s, int(text)) if text.isdigit() else None


def team_engineers(s: Session, team_id: int) -> list[Engineer]:
    """The engineers who belong to a team (team membership), by name."""
    rows = s.scalars(
        select(EngineerRow)
        .join(TeamMemberRow, TeamMemberRow.engineer_id == EngineerRow.id)
        .where(TeamMemberRow.team_id == team_id)
        .order_by(func.lower(EngineerRow.name), EngineerRow.id)
    )
    return [mapping.engineer(r) for r in rows]


def engineer_teams(s: Session, engineer_id: int) -> list[Team]:
    """The teams an engineer belongs to, by name."""
    rows = s.scalars(
        select(TeamRow)
        .join(TeamMemberRow, TeamMemberRow.team_id == TeamRow.id)
        .where(TeamMemberRow.engineer_id == engineer_id)
        .order_by(func.lower(TeamRow.name), TeamRow.id)
    )
    return [mapping.team(r) for r in rows]


def _rotations_query() -> Select[tuple[RotationRow]]:
    versions = selectinload(RotationRow.versions)
    return select(RotationRow).options(
        versions.selectinload(RotationVersionRow.members),
        versions.selectinload(RotationVersionRow.restrictions),
    )


def list_rotations(s: Session, team_id: int) -> list[Rotation]:
    """A team's rotations (ended ones included) with all their versions, oldest first."""
    rows = s.scalars(
        _rotations_query().where(RotationRow.team_id == team_id).order_by(RotationRow.id)
    )
    return [mapping.rotation(r) for r in rows]


def get_rotation(s: Session, rotation_id: int) -> Rotation | None:
    """One rotation with all its versions, if it exists."""
    row = s.scalars(_rotations_query().where(RotationRow.id == rotation_id)).first()
    return mapping.rotation(row) if row else None


def list_overrides(
    s: Session, team_id: int, start: datetime | None = None, end: datetime | None = None
) -> list[Override]:
    """A team's overrides, by start; only those meeting ``[start, end)`` when given."""
    query = select(OverrideRow).where(OverrideRow.team_id == team_id)
    if start is not None:
        query = query.where(OverrideRow.ends_at > mapping.require_aware(start, "start"))
    if end is not None:
        query = query.where(OverrideRow.starts_at < mapping.require_aware(end, "end"))
    rows = s.scalars(query.order_by(OverrideRow.starts_at, OverrideRow.id))
    return [mapping.override(r) for r in rows]


def list_swaps(s: Session, team_id: int) -> list[Swap]:
    """The swaps of a team's rotations, by shift start."""
    rows = s.scalars(
        select(SwapRow)
        .join(RotationRow, RotationRow.id == SwapRow.rotation_id)
        .where(RotationRow.team_id == team_id)
        .order_by(SwapRow.shift_start, SwapRow.id)
    )
    return [mapping.swap(r) for r in rows]


def list_leave(
    s: Session,
    engineer_ids: Iterable[int] | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> list[Leave]:
    """Leave, by start: of these engineers (everyone when None), meeting ``[start, end)``."""
    query = select(LeaveRow)
    if engineer_ids is not None:
        query = query.where(LeaveRow.engineer_id.in_(list(engineer_ids)))
    if start is not None:
        query = query.where(LeaveRow.ends_at > mapping.require_aware(start, "start"))
    if end is not None:
        query = query.where(LeaveRow.starts_at < mapping.require_aware(end, "end"))
    rows = s.scalars(query.order_by(LeaveRow.starts_at, LeaveRow.id))
    return [mapping.leave(r) for r in rows]


def load_plan(s: Session, team_id: int) -> TeamPlan:
    """Everything the engine needs to resolve one team: the team, its engineers, rotations with
    all their versions, overrides, swaps and the leave of its engineers.

    "Its engineers" are the team's members plus anyone its rotations, overrides or swaps
    name, so every shift can be explained. Raises ValueError for an unknown team.
    """
    team_row = s.get(TeamRow, team_id)
    if team_row is None:
        raise ValueError(f"There is no team with id {team_id}.")
    rotations = list_rotations(s, team_id)
    overrides = list_overrides(s, team_id)
    swaps = list_swaps(s, team_id)
    members = set(
        s.scalars(select(TeamMemberRow.engineer_id).where(TeamMemberRow.team_id == team_id))
    )
    members.update(
        s.scalars(
            select(RotationMemberRow.engineer_id)
            .join(RotationVersionRow, RotationVersionRow.id == RotationMemberRow.version_id)
            .join(RotationRow, RotationRow.id == RotationVersionRow.rotation_id)
            .where(RotationRow.team_id == team_id)
        )
    )
    members.update(o.engineer_id for o in overrides)
    members.update(w.engineer_id for w in swaps)
    engineers = s.scalars(
        select(EngineerRow).where(EngineerRow.id.in_(members)).order_by(EngineerRow.id)
    )
    return TeamPlan(
        team=mapping.team(team_row),
        engineers=tuple(mapping.engineer(e) for e in engineers),
        rotations=tuple(rotations),
        overrides=tuple(overrides),
        swaps=tuple(swaps),
        leave=tuple(list_leave(s, members)),
    )


def ledger(s: Session, team_id: int | None, start: datetime, end: datetime) -> list[Shift]:
    """Materialised final shifts meeting ``[start, end)`` (all teams when ``team_id`` is None),
    by start; ``frozen`` is set on shifts that had ended when they were last materialised."""
    query = _ledger_rows().where(
        LedgerShiftRow.starts_at < mapping.require_aware(end, "end"),
        LedgerShiftRow.ends_at > mapping.require_aware(start, "start"),
    )
    if team_id is not None:
        query = query.where(LedgerShiftRow.team_id == team_id)
    return _shifts(s, query)


def on_call_at(s: Session, at: datetime) -> list[Shift]:
    """The ledger shifts that contain ``at``, every team and role."""
    at = mapping.require_aware(at, "at")
    return _shifts(
        s, _ledger_rows().where(LedgerShiftRow.starts_at <= at, LedgerShiftRow.ends_at > at)
    )


def next_shifts(s: Session, engineer_id: int, after: datetime, limit: int = 5) -> list[Shift]:
    """An engineer's coming ledger shifts (ones in progress at ``after`` included), by start."""
    query = (
        _ledger_rows()
        .where(
            LedgerShiftRow.engineer_id == engineer_id,
            LedgerShiftRow.ends_at > mapping.require_aware(after, "after"),
        )
        .limit(limit)
    )
    return _shifts(s, query)


def engineer_ledger(s: Session, engineer_id: int, start: datetime, end: datetime) -> list[Shift]:
    """One engineer's ledger shifts meeting ``[start, end)``, every team, by start."""
    return _shifts(
        s,
        _ledger_rows().where(
            LedgerShiftRow.engineer_id == engineer_id,
            LedgerShiftRow.starts_at < mapping.require_aware(end, "end"),
            LedgerShiftRow.ends_at > mapping.require_aware(start, "start"),
        ),
    )


def _ledger_rows() -> Select[Any]:
    # Plain rows, not ORM objects: the timeline reads thousands of shifts at a time.
    return select(*LedgerShiftRow.__table__.columns)


def _shifts(s: Session, query: Select[Any]) -> list[Shift]:
    # Order is part of every ledger query's contract: by start, then team, role, id.
    query = query.order_by(
        LedgerShiftRow.starts_at, LedgerShiftRow.team_id, LedgerShiftRow.role, LedgerShiftRow.id
    )
    return [mapping.shift(r) for r in s.execute(query)]
