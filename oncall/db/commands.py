"""Every write to the database: functions of a Session that take and return domain dataclasses.

Each runs inside the caller's transaction (``with sessions.begin() as s:``), so one user action
commits or rolls back whole. Ids of new objects are ignored on input (pass 0) and set on output.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from oncall.domain.model import (
    Engineer,
    Leave,
    Override,
    Resolution,
    Rotation,
    RotationVersion,
    Swap,
    Team,
)


def add_team(s: Session, team: Team) -> Team:
    """Create a team."""
    raise NotImplementedError


def update_team(s: Session, team: Team) -> Team:
    """Change a team's name, zone or description."""
    raise NotImplementedError


def add_engineer(s: Session, engineer: Engineer, team_ids: tuple[int, ...] = ()) -> Engineer:
    """Create an engineer, optionally as a member of some teams."""
    raise NotImplementedError


def update_engineer(s: Session, engineer: Engineer) -> Engineer:
    """Change an engineer's details (name, handle, zone, contact, country, region, active)."""
    raise NotImplementedError


def set_team_members(s: Session, team_id: int, engineer_ids: tuple[int, ...]) -> None:
    """Make exactly these engineers the team's members."""
    raise NotImplementedError


def add_rotation(s: Session, team_id: int, name: str, first: RotationVersion) -> Rotation:
    """Create a rotation whose first version is ``first`` (its ``version`` is set to 1)."""
    raise NotImplementedError


def edit_rotation(s: Session, rotation_id: int, version: RotationVersion, name: str | None = None) -> Rotation:
    """Add a new version, in force from ``version.effective_from`` (normally now): the past keeps
    the old rules. A pending version that starts at or after the new one is replaced."""
    raise NotImplementedError


def undo_rotation_version(s: Session, rotation_id: int, version: int) -> Rotation:
    """Remove one version (the undo of an edit); the earlier version is in force again."""
    raise NotImplementedError


def end_rotation(s: Session, rotation_id: int, at: datetime | None) -> Rotation:
    """Stop a rotation at ``at`` (its past shifts stay in the ledger); ``None`` restarts it."""
    raise NotImplementedError


def add_override(s: Session, override: Override) -> Override:
    """Record an override."""
    raise NotImplementedError


def delete_override(s: Session, override_id: int) -> None:
    """Remove an override."""
    raise NotImplementedError


def add_swap(s: Session, swap: Swap) -> Swap:
    """Record a swap of one shift."""
    raise NotImplementedError


def delete_swap(s: Session, swap_id: int) -> None:
    """Remove a swap."""
    raise NotImplementedError


def add_leave(s: Session, leave: Leave) -> Leave:
    """Record leave."""
    raise NotImplementedError


def delete_leave(s: Session, leave_id: int) -> None:
    """Remove leave."""
    raise NotImplementedError


def materialise(s: Session, team_id: int, now: datetime, horizon: timedelta) -> Resolution:
    """Rewrite the team's ledger from ``now`` to ``now + horizon`` from the current plan.

    Ledger shifts that ended at or before ``now`` are frozen and never touched; a shift in
    progress keeps its start. Returns the resolution it wrote (gaps and conflicts included).
    """
    raise NotImplementedError
