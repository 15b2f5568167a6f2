"""Composition root: opens the database and builds what the CLI and the window share. No logic."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from oncall.paths import AppPaths, app_paths
from oncall.settings import Settings, load_settings, save_settings

if TYPE_CHECKING:  # annotations only: importing SQLAlchemy costs ~0.4 s of start-up
    from sqlalchemy.orm import Session, sessionmaker  # noqa: TID251

T = TypeVar("T")


def utc_now() -> datetime:
    """The real clock, aware and in UTC; everything else takes ``now`` as an argument."""
    return datetime.now(UTC)


@dataclass
class AppContext:
    """What a front end needs: folders, preferences, a session factory and a clock."""

    paths: AppPaths
    sessions: sessionmaker[Session]
    settings: Settings = field(default_factory=Settings)
    clock: Callable[[], datetime] = utc_now
    demo: bool = False

    def save_settings(self, settings: Settings) -> None:
        """Keep new preferences in memory and on disk."""
        self.settings = settings
        save_settings(settings, self.paths.settings_file)

    def edit(self, team_id: int, action: Callable[[Session], T]) -> T:
        """Run one user edit of a team and re-materialise its ledger, in one transaction."""
        from oncall.db import commands

        with self.sessions.begin() as s:
            result = action(s)
            commands.materialise(
                s, team_id, self.clock(), timedelta(days=self.settings.horizon_days)
            )
        return result


def open_context(
    data_dir: str | Path | None = None,
    *,
    demo: bool = False,
    clock: Callable[[], datetime] = utc_now,
) -> AppContext:
    """Open (creating and migrating as needed) the database and return the app's context.

    With ``demo`` the data lives in a ``demo`` folder of its own, filled with the demo team
    on first use, so exploring never touches real data. Raises ``migrate.DatabaseTooNew``
    when the database was written by a newer oncall.
    """
    from oncall.db import migrate
    from oncall.db.engine import make_engine, make_session_factory, sqlite_url

    paths = app_paths(data_dir)
    if demo:
        root = paths.data / "demo"
        paths = AppPaths(root, root / "config", root / "state", root / "cache")
    paths.create()
    engine = make_engine(sqlite_url(paths.database))
    migrate.check_and_upgrade(engine, paths.backups)
    ctx = AppContext(
        paths=paths,
        sessions=make_session_factory(engine),
        settings=load_settings(paths.settings_file),
        clock=clock,
        demo=demo,
    )
    if demo:
        from oncall import demo as demo_data

        demo_data.ensure_demo(ctx)
    return ctx
