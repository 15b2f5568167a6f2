"""The team database's mirror: a read-only copy on this computer, for when the server is away.

While the app is open on a team server it keeps a copy of the whole team database in the
cache folder (:func:`mirror_path`: one file per server and database), refreshed in the
background with :func:`refresh` (``oncall.ui.mirror`` decides when). The copy is
``transfer.backup_to_file``: one consistent snapshot of the server (a ``REPEATABLE READ``,
read-only transaction), written to ``<name>.partial`` and renamed over the mirror only once
complete and its counts checked, so the mirror is always a whole copy from one moment.

When the app starts and the server can't be reached, :func:`open_mirror` opens that copy
read-only (SQLite ``mode=ro`` and ``PRAGMA query_only``): every screen reads it; nothing can
write it. Its file's modification time is the moment its snapshot was taken
(:func:`taken_at`), which the banner names.

The mirror is a convenience: a refresh that fails leaves the previous copy as it was.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker

from oncall.db import migrate, transfer

log = logging.getLogger(__name__)

#: How the mirror files are named in the cache folder: ``team-server-<hash>.sqlite``.
PREFIX = "team-server-"

#: The key in a mirror session factory's ``info`` (``sessionmaker(..., info=...)``) that
#: holds its :class:`Offline` (see :func:`offline_of`).
INFO_KEY = "oncall_offline"


def server_identity(url: str) -> str:
    """Which server and database ``url`` names, for people and file names: the URL without
    its password and driver (``postgresql://ana@db.example:5432/oncall``), so the same
    database gives the same name whether or not the password came with the URL."""
    parsed = make_url(url)
    bare = URL.create(
        parsed.get_backend_name(),
        username=parsed.username,
        host=parsed.host,
        port=parsed.port,
        database=parsed.database,
    )
    return bare.render_as_string(hide_password=True)


def mirror_path(cache: Path, url: str) -> Path:
    """The mirror file of the team database at ``url`` in ``cache`` (``AppPaths.cache``)."""
    digest = hashlib.sha256(server_identity(url).encode()).hexdigest()[:16]
    return Path(cache) / f"{PREFIX}{digest}.sqlite"


@dataclass(frozen=True)
class Refreshed:
    """One finished refresh: where, the snapshot's moment, rows copied and seconds taken."""

    path: Path
    taken_at: datetime
    rows: int
    tables: int
    seconds: float


def refresh(
    source: Engine, path: Path, *, clock: Callable[[], datetime] | None = None
) -> Refreshed:
    """Copy the team database behind ``source`` into the mirror at ``path`` in one snapshot
    (``transfer.backup_to_file``: a partial file, renamed over the mirror when complete and
    counted). Raises what the copy raised; the previous mirror is then left as it was. Run it
    off the GUI thread (a pool thread: it takes its own connection from ``source``)."""
    for step in refreshing(source, path, clock=clock):
        if isinstance(step, Refreshed):
            return step
    raise AssertionError("refreshing always ends with its Refreshed")  # pragma: no cover


def refreshing(
    source: Engine, path: Path, *, clock: Callable[[], datetime] | None = None
) -> Iterator[transfer.CopyProgress | Refreshed]:
    """:func:`refresh` as a job (``oncall.jobs`` style): the copy's progress, then the
    :class:`Refreshed`. Closing it early (a cancel) removes the partial file."""
    began = time.perf_counter()
    taken = (clock or _utc_now)()  # the snapshot starts right after: a safe lower bound
    path.parent.mkdir(parents=True, exist_ok=True)
    report = None
    for step in transfer.backup_to_file(source, path, overwrite=True):
        if step.report is not None:
            report = step.report
        else:
            yield step
    assert report is not None  # backup_to_file always ends with its report
    stamp = taken.timestamp()
    os.utime(path, (stamp, stamp))  # the file's time says when its data is from
    yield Refreshed(path, taken, report.rows, len(report.counts), time.perf_counter() - began)


def taken_at(path: Path) -> datetime | None:
    """When the mirror at ``path`` was taken (UTC), or None when there is none."""
    try:
        return datetime.fromtimestamp(Path(path).stat().st_mtime, UTC)
    except OSError:
        return None


@dataclass(frozen=True)
class Offline:
    """What a session factory opened on a mirror knows: the team server it stands in for
    (``server_url``, password included: never show it) and when its copy was taken."""

    server_url: str
    mirror: Path
    taken_at: datetime


def open_mirror(path: Path, server_url: str) -> sessionmaker[Session] | None:
    """Session factory reading the mirror at ``path`` read-only, standing in for the team
    server at ``server_url``; None when there is no usable mirror (missing, unreadable, or
    from another schema than this oncall's). Its ``kw["info"]`` holds an :class:`Offline`
    (:func:`offline_of`): the outbox keys entries by the real server through it."""
    when = taken_at(path)
    if when is None:
        return None
    engine = create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    event.listen(engine, "connect", _read_only)
    try:
        revision = migrate.current_revision(engine)
    except Exception as exc:  # a damaged file: as good as none
        log.warning("The team server's copy on this computer can't be read: %s", exc)
        engine.dispose()
        return None
    if revision != migrate.head_revision():
        log.warning("The team server's copy is at schema %s, not %s: not used",
                    revision, migrate.head_revision())  # fmt: skip
        engine.dispose()
        return None
    info = {INFO_KEY: Offline(server_url, Path(path), when)}
    return sessionmaker(engine, expire_on_commit=False, info=info)


def offline_of(sessions: Any) -> Offline | None:
    """The :class:`Offline` of a session factory made by :func:`open_mirror`, else None."""
    kw = getattr(sessions, "kw", None)
    if not isinstance(kw, dict):
        return None
    found = (kw.get("info") or {}).get(INFO_KEY)
    return found if isinstance(found, Offline) else None


def _read_only(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA query_only = ON")  # even a bug cannot write the copy
        cursor.execute("PRAGMA foreign_keys = ON")
    finally:
        cursor.close()


def _utc_now() -> datetime:
    return datetime.now(UTC)
