"""Long work as plain generators that yield Progress; the UI runs them on its one Worker."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only: jobs is imported on the way to the window
    from sqlalchemy.orm import Session, sessionmaker


@dataclass(frozen=True, slots=True)
class Progress:
    """How far a job has come: ``done`` of ``total`` steps, and what it is doing now."""

    done: int
    total: int
    message: str = ""

    @property
    def fraction(self) -> float:
        """Share done, 0.0 to 1.0 (1.0 for a job with nothing to do)."""
        return 1.0 if self.total <= 0 else min(1.0, self.done / self.total)


def refresh_ledgers(
    sessions: sessionmaker[Session], now: datetime, horizon: timedelta
) -> Iterator[Progress]:
    """Re-materialise every team's ledger up to ``now + horizon``, one transaction per team.

    Run at start-up and on a timer, so the ledger keeps reaching ``horizon`` ahead and shifts
    that have ended since the last run are frozen.
    """
    from oncall.db import commands, queries

    with sessions() as s:
        teams = queries.list_teams(s)
    yield Progress(0, len(teams), "Updating schedules")
    for done, team in enumerate(teams, 1):
        with sessions.begin() as s:
            commands.materialise(s, team.id, now, horizon)
        yield Progress(done, len(teams), f"Updated {team.name}")
