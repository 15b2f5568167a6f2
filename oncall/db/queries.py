"""Every read of the database: functions of a Session that return domain dataclasses.

Callers open one ``with sessions.begin() as s:`` per user action and pass ``s`` in.
Nothing here returns an ORM object.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from oncall.domain.model import Engineer, Shift, Team, TeamPlan


def list_teams(s: Session) -> list[Team]:
    """All teams, by name."""
    raise NotImplementedError


def find_team(s: Session, name_or_id: str | int) -> Team | None:
    """A team by id, or by name (case-insensitive)."""
    raise NotImplementedError


def list_engineers(s: Session, *, include_inactive: bool = False) -> list[Engineer]:
    """Engineers by name."""
    raise NotImplementedError


def find_engineer(s: Session, key: str | int) -> Engineer | None:
    """An engineer by id, handle or email (case-insensitive)."""
    raise NotImplementedError


def team_engineers(s: Session, team_id: int) -> list[Engineer]:
    """The engineers who belong to a team (team membership), by name."""
    raise NotImplementedError


def load_plan(s: Session, team_id: int) -> TeamPlan:
    """Everything the engine needs to resolve one team: the team, its engineers, rotations with
    all their versions, overrides, swaps and the leave of its engineers."""
    raise NotImplementedError


def ledger(s: Session, team_id: int | None, start: datetime, end: datetime) -> list[Shift]:
    """Materialised final shifts meeting ``[start, end)`` (all teams when ``team_id`` is None),
    by start; ``frozen`` is set on shifts that had ended when they were last materialised."""
    raise NotImplementedError


def on_call_at(s: Session, at: datetime) -> list[Shift]:
    """The ledger shifts that contain ``at``, every team and role."""
    raise NotImplementedError


def next_shifts(s: Session, engineer_id: int, after: datetime, limit: int = 5) -> list[Shift]:
    """An engineer's coming ledger shifts (ones in progress at ``after`` included), by start."""
    raise NotImplementedError
