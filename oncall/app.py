"""Composition root: opens the database and builds what the CLI and the window share. No logic."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

from oncall.paths import AppPaths, app_paths
from oncall.settings import Settings, load_settings, save_settings

if TYPE_CHECKING:  # annotations only: importing SQLAlchemy costs ~0.4 s of start-up
    from sqlalchemy.orm import Session, sessionmaker  # noqa: TID251

    from oncall.db.fastread import Reader, Snapshot

T = TypeVar("T")


class DatabaseNotOpen(RuntimeError):  # noqa: N818 (it says what the state is)
    """The context's database is still being opened (see :func:`prepare_context`)."""


class ReadOnlyDatabase(RuntimeError):  # noqa: N818 (it says what the state is)
    """An edit was asked of a context whose database is open read-only; nothing was written.

    The message is the context's ``read_only_reason``, written for the user."""


class _NotOpen:
    """``AppContext.sessions`` until :func:`open_database` ran: any use says so loudly."""

    def __call__(self, *_args: Any, **_kwargs: Any) -> Any:
        raise DatabaseNotOpen("The database is not open yet.")

    def __getattr__(self, name: str) -> Any:
        raise DatabaseNotOpen(f"The database is not open yet (sessions.{name}).")

    def __repr__(self) -> str:
        return "<database not open yet>"


NOT_OPEN = cast("sessionmaker[Session]", _NotOpen())


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
    #: a read-only first frame while the database opens (see ``oncall.db.fastread``)
    snapshot: Snapshot | None = None
    #: why changes are off (a team database written by a newer oncall), or None when they
    #: are on; the server refuses writes too (``migrate.make_read_only``)
    read_only_reason: str | None = None
    #: the SQLAlchemy URL of the database, password included (``oncall.db.server``): never
    #: show it; people see :attr:`database_label`, logs ``server.redact(url)``. Left empty,
    #: it is read from ``sessions`` (a context built around an engine, as tests do).
    database_url: str = field(default="", repr=False)

    def __post_init__(self) -> None:
        if not self.database_url and self.is_open:
            bind = self.sessions.kw.get("bind")
            if bind is not None:
                self.database_url = bind.url.render_as_string(hide_password=False)

    @property
    def is_shared(self) -> bool:
        """Whether the database is a team server (PostgreSQL) that others use too."""
        from oncall.db.server import is_postgresql

        return is_postgresql(self.database_url)

    @property
    def database_label(self) -> str:
        """Where the data lives, for the UI, without the password: "Team server
        db.example/oncall" or "This computer"."""
        from oncall.db.server import database_label

        return database_label(self.database_url)

    @property
    def is_open(self) -> bool:
        """Whether ``sessions`` works (False between ``prepare_context`` and ``open_database``)."""
        return not isinstance(self.sessions, _NotOpen)

    @contextmanager
    def reader(self) -> Iterator[Reader]:
        """The start-up screens' reads (Now, tray): one session when the database is open,
        else the read-only snapshot. Raises :class:`DatabaseNotOpen` when there is neither."""
        from oncall.db.fastread import SessionReader

        if self.is_open:
            with self.sessions.begin() as s:
                yield SessionReader(s)
        elif self.snapshot is not None:
            yield self.snapshot
        else:
            raise DatabaseNotOpen("The database is not open yet.")

    def close(self) -> None:
        """Close the database's connections (and a snapshot); the context is not open after.
        A command-line run calls it before exiting, so no connection outlives its command."""
        if self.is_open:
            bind = self.sessions.kw.get("bind")
            if bind is not None:
                bind.dispose()
            self.sessions = NOT_OPEN
        if self.snapshot is not None:
            self.snapshot.close()
            self.snapshot = None

    def save_settings(self, settings: Settings) -> None:
        """Keep new preferences in memory and on disk."""
        self.settings = settings
        save_settings(settings, self.paths.settings_file)

    def edit(self, team_id: int, action: Callable[[Session], T]) -> T:
        """Run one user edit of a team and re-materialise its ledger, in one transaction.

        Raises :class:`ReadOnlyDatabase` (before touching the database) when changes are off.
        """
        from oncall.db import commands

        if self.read_only_reason is not None:
            raise ReadOnlyDatabase(self.read_only_reason)
        with self.sessions.begin() as s:
            result = action(s)
            commands.materialise(
                s, team_id, self.clock(), timedelta(days=self.settings.horizon_days)
            )
        return result


def prepare_context(
    data_dir: str | Path | None = None,
    *,
    demo: bool = False,
    clock: Callable[[], datetime] = utc_now,
    database_url: str | None = None,
) -> AppContext:
    """The context's folders (created), preferences and database URL, without opening the
    database: cheap, and no SQLAlchemy for a local database. ``sessions`` fails with
    :class:`DatabaseNotOpen` until :func:`open_database`.

    The database is ``database_url`` when given, else ``$ONCALL_DATABASE_URL``, else the
    settings' team server, else this computer's SQLite file
    (``oncall.db.server.resolve_database_url``). With ``demo`` the data lives in a ``demo``
    folder of its own, always SQLite, so exploring never touches real data.
    """
    from oncall.db.server import resolve_database_url

    paths = app_paths(data_dir)
    if demo:
        root = paths.data / "demo"
        paths = AppPaths(root, root / "config", root / "state", root / "cache")
    paths.create()
    settings = load_settings(paths.settings_file)
    if database_url is None:
        env = {} if demo else os.environ
        database_url = resolve_database_url(settings if not demo else Settings(), env, paths)
    return AppContext(
        paths=paths,
        sessions=NOT_OPEN,
        settings=settings,
        clock=clock,
        demo=demo,
        database_url=database_url,
    )


def open_database(ctx: AppContext) -> AppContext:
    """Open (creating and migrating as needed) the context's database, in place; returns ctx.

    A demo context is filled with the demo team on first use. Raises
    ``migrate.DatabaseTooNew`` when this computer's database was written by a newer oncall
    (nothing is written then); a team database from a newer oncall opens read-only instead
    (``ctx.read_only_reason`` says why). A team database that is behind or empty raises
    ``migrate.SchemaBehind`` (its ``engine`` attribute is the open engine): upgrading it is
    the user's choice (``migrate.upgrade_shared``). A snapshot the context held is closed:
    the sessions take over.
    """
    from oncall.db import migrate
    from oncall.db.engine import make_engine, make_session_factory

    engine = make_engine(ctx.database_url)
    try:
        migrate.check_and_upgrade(engine, ctx.paths.backups)
    except migrate.DatabaseTooNew as too_new:
        if not migrate.is_shared(engine):
            raise  # this computer's own file from a newer oncall: refused, untouched
        # A team database from a newer oncall: look, never write (the server refuses too).
        migrate.make_read_only(engine)
        ctx.read_only_reason = too_new.read_only_reason
    except migrate.SchemaBehind:
        raise  # a team database behind or empty: upgrading it is the user's choice
    except Exception as error:
        _explain_connection_failure(ctx, error)
        raise
    else:
        ctx.read_only_reason = None
    ctx.sessions = make_session_factory(engine)
    if ctx.snapshot is not None:
        ctx.snapshot.close()
        ctx.snapshot = None
    if ctx.demo:
        from oncall import demo as demo_data

        demo_data.ensure_demo(ctx)
    return ctx


def open_offline(ctx: AppContext, reason: Callable[[datetime], str]) -> bool:
    """The team server can't be reached at start-up: open its mirror on this computer
    (``oncall.db.mirror``) read-only instead, in place; returns False when there is none.

    ``ctx.read_only_reason`` becomes ``reason(when the copy was taken)``; the database URL
    stays the server's, so the outbox keeps entries for it and :func:`reopen_server` can
    switch over once it answers."""
    from oncall.db import mirror

    path = mirror.mirror_path(ctx.paths.cache, ctx.database_url)
    sessions = mirror.open_mirror(path, ctx.database_url)
    offline = mirror.offline_of(sessions)
    if sessions is None or offline is None:
        return False
    ctx.sessions = sessions
    ctx.read_only_reason = reason(offline.taken_at)
    return True


def is_offline(ctx: AppContext) -> bool:
    """Whether ``ctx`` reads the team server's mirror (see :func:`open_offline`)."""
    from oncall.db import mirror

    return ctx.is_open and mirror.offline_of(ctx.sessions) is not None


def reopen_server(ctx: AppContext) -> None:
    """The team server answers again: open it in place of its mirror (as
    :func:`open_database`: the schema is checked, changes come back on, or stay off for a
    database from a newer oncall). Raises what opening raised, leaving the mirror open."""
    if not is_offline(ctx):
        return
    mirrored = ctx.sessions
    ctx.sessions = NOT_OPEN
    try:
        open_database(ctx)
    except BaseException:
        ctx.sessions = mirrored
        raise
    mirrored.kw["bind"].dispose()


def _explain_connection_failure(ctx: AppContext, error: Exception) -> None:
    """Raise ``server.ConnectionProblem`` (what went wrong and what to do, no password) when
    ``error`` is a team server refusing or missing the connection; else return."""
    from sqlalchemy.exc import OperationalError  # noqa: TID251  (the engine is open already)

    from oncall.db import server

    where = server.server_of(ctx.database_url)
    if where is None or not isinstance(error, OperationalError) or error.orig is None:
        return
    password = server.password_of(ctx.database_url)
    raise server.classify(error.orig, where, password) from None


def open_context(
    data_dir: str | Path | None = None,
    *,
    demo: bool = False,
    clock: Callable[[], datetime] = utc_now,
    database_url: str | None = None,
) -> AppContext:
    """Open (creating and migrating as needed) the database and return the app's context:
    :func:`prepare_context` then :func:`open_database` (``database_url`` as there).

    With ``demo`` the data lives in a ``demo`` folder of its own, filled with the demo team
    on first use, so exploring never touches real data. Raises ``migrate.DatabaseTooNew``
    when the database was written by a newer oncall.
    """
    return open_database(
        prepare_context(data_dir, demo=demo, clock=clock, database_url=database_url)
    )
