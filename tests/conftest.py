"""Fixtures shared by every test.

Autouse (every test gets them without asking):
- ``data_dir``: a fresh folder (``tmp_path / "data"``) that ``ONCALL_DATA_DIR`` points at, so
  nothing touches the real home. ``oncall.paths.app_paths()`` resolves to it.
- ``memory_keyring``: an in-memory keyring backend (:class:`MemoryKeyring`), installed with
  ``keyring.set_keyring``; returned so a test can look at ``.secrets``.
- ``drain_thread_pool``: after a test that imported PySide6, waits for ``QThreadPool`` to
  finish, so no late signal reaches a dead widget. Pure tests never import Qt.

On request:
- ``now``: the fixed clock, Monday 2026-11-16 10:00 UTC (:data:`NOW`).
- ``backend``: ``"sqlite"`` (or ``ONCALL_TEST_BACKEND``); storage tests (``tests/db``,
  ``tests/exchange``) are parametrised over ``"sqlite"`` and ``"postgresql"``.
- ``engine``: an Engine on a real SQLite file ``data_dir / "oncall.sqlite"``, or on a fresh
  PostgreSQL database, migrated by the real migrations (never ``create_all``); disposed after.
- ``pg_cluster``: the test run's PostgreSQL (see ``tests/pg.py``); ``pg_database``: a factory
  ``pg_database(migrated=True) -> url`` of fresh databases on it, dropped after the test.
- ``sessions``: a ``sessionmaker`` on that engine; use ``with sessions.begin() as s:``.
- ``ctx``: an ``oncall.app.AppContext`` on that database, with ``clock`` returning ``NOW``,
  default settings (180-day horizon) and paths under ``data_dir``. No teams yet.
- ``seeded_team``: ``ctx`` plus the Payments team (see :class:`Seeded`), materialised.
"""

from __future__ import annotations

import os

# Before anything imports Qt (pytest-qt imports it lazily, tests and plugins may not).
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_SCALE_FACTOR", "1")
os.environ.setdefault("LANG", "C.UTF-8")
# Subprocesses (CLI tests) get a keyring that stores nothing rather than the real one.
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from oncall.app import AppContext
from oncall.domain.model import (
    CadenceUnit,
    Engineer,
    Role,
    Rotation,
    RotationVersion,
    Team,
)
from oncall.paths import app_paths
from oncall.settings import Settings

#: The tests' "now": a Monday, 10:00 UTC (10:00 in London, GMT), an hour after the weekly
#: handoff of the seeded primary rotation.
NOW = datetime(2026, 11, 16, 10, 0, tzinfo=UTC)


class MemoryKeyring(KeyringBackend):
    """A keyring that lives in a dict: tests can store and read secrets, never the real ones."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.secrets.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.secrets[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.secrets.pop((service, username), None) is None:
            raise PasswordDeleteError(f"no password for {username!r} in {service!r}")


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh data folder for this test; ``ONCALL_DATA_DIR`` points at it."""
    folder = tmp_path / "data"
    monkeypatch.setenv("ONCALL_DATA_DIR", str(folder))
    return folder


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    """An empty in-memory keyring installed for this test (the real one is never reached)."""
    import keyring

    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(MemoryKeyring())  # no secret outlives its test


@pytest.fixture(autouse=True)
def drain_thread_pool() -> Iterator[None]:
    """Wait for Qt worker threads after the test, but only if the test imported Qt."""
    yield
    if "PySide6.QtCore" in sys.modules:
        from PySide6.QtCore import QThreadPool

        QThreadPool.globalInstance().waitForDone(5000)


@pytest.fixture
def now() -> datetime:
    """The fixed clock of ``ctx``: Monday 2026-11-16 10:00 UTC."""
    return NOW


BACKENDS = ("sqlite", "postgresql")


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """Which database the storage fixtures use (parametrised for storage tests)."""
    return str(getattr(request, "param", os.environ.get("ONCALL_TEST_BACKEND", "sqlite")))


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Storage tests run on both databases: every test under tests/db and tests/exchange
    that uses the database fixtures gets a ``[sqlite]`` and a ``[postgresql]`` run."""
    path = Path(str(metafunc.definition.path))
    storage = path.parent.name in ("db", "exchange") and path.parent.parent.name == "tests"
    sqlite_only = metafunc.definition.get_closest_marker("sqlite_only") is not None
    if storage and not sqlite_only and "backend" in metafunc.fixturenames:
        metafunc.parametrize("backend", BACKENDS, indirect=True)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[object]:
    """The run's PostgreSQL: ``ONCALL_TEST_POSTGRES_URL`` (started by ``.ci/run``) or a private
    cluster started here. Skipped when there is no server, unless ``ONCALL_REQUIRE_POSTGRES``
    (set by CI, where a missing server must fail, not skip)."""
    from tests.pg import Cluster, postgres_bin

    admin = os.environ.get("ONCALL_TEST_POSTGRES_URL")
    if admin:
        yield _External(admin)
        return
    if postgres_bin() is None:
        if os.environ.get("ONCALL_REQUIRE_POSTGRES"):
            pytest.fail("PostgreSQL is required (ONCALL_REQUIRE_POSTGRES) but not installed")
        pytest.skip("no PostgreSQL server here (apt install postgresql)")
    cluster = Cluster.create()
    cluster.start()
    yield cluster
    cluster.destroy()


@dataclass
class _External:
    """A server somebody else started: only its superuser URL is known."""

    admin_url: str

    def url(self, database: str = "postgres", *, password: str | None = None) -> str:
        """The superuser URL for ``database`` (``password`` replaces the known one)."""
        from sqlalchemy.engine import make_url

        url = make_url(self.admin_url).set(database=database)
        if password is not None:
            url = url.set(password=password)
        return url.render_as_string(False)


_TEMPLATE = "oncall_template"
_template_ready: list[bool] = []


@pytest.fixture
def pg_database(pg_cluster: object) -> Iterator[object]:
    """A factory of fresh PostgreSQL databases for this test: ``pg_database()`` is migrated
    to head (cloned from a template migrated once per run), ``pg_database(migrated=False)``
    is empty. Returns the database's URL (with the password); all are dropped after."""
    import uuid

    from sqlalchemy import create_engine, text

    admin = create_engine(pg_cluster.url("postgres"), isolation_level="AUTOCOMMIT")  # type: ignore[attr-defined]
    made: list[str] = []

    def make(migrated: bool = True) -> str:
        with admin.connect() as conn:
            if migrated and not _template_ready:
                conn.execute(text(f"DROP DATABASE IF EXISTS {_TEMPLATE}"))
                conn.execute(text(f"CREATE DATABASE {_TEMPLATE}"))
                from oncall.db import migrate
                from oncall.db.engine import make_engine

                tmpl = make_engine(pg_cluster.url(_TEMPLATE))  # type: ignore[attr-defined]
                migrate.upgrade(tmpl)
                tmpl.dispose()
                _template_ready.append(True)
            name = f"t_{uuid.uuid4().hex[:12]}"
            template = f" TEMPLATE {_TEMPLATE}" if migrated else ""
            conn.execute(text(f"CREATE DATABASE {name}{template}"))
        made.append(name)
        return pg_cluster.url(name)  # type: ignore[attr-defined,no-any-return]

    yield make
    with admin.connect() as conn:
        for name in made:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


@pytest.fixture
def engine(data_dir: Path, backend: str, request: pytest.FixtureRequest) -> Iterator[Engine]:
    """An engine migrated to head by the real migrations: on ``data_dir / "oncall.sqlite"``,
    or (``backend == "postgresql"``) on a fresh PostgreSQL database."""
    from oncall.db import migrate
    from oncall.db.engine import make_engine, sqlite_url

    paths = app_paths(data_dir).create()
    if backend == "postgresql":
        eng = make_engine(request.getfixturevalue("pg_database")())
    else:
        eng = make_engine(sqlite_url(paths.database))
        migrate.check_and_upgrade(eng, paths.backups)
    yield eng
    eng.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    """Sessions on the migrated test database (``with sessions.begin() as s:``)."""
    from oncall.db.engine import make_session_factory

    return make_session_factory(engine)


@pytest.fixture
def ctx(data_dir: Path, sessions: sessionmaker[Session]) -> AppContext:
    """The app's context on the test database, with the clock fixed at :data:`NOW`."""
    return AppContext(
        paths=app_paths(data_dir).create(),
        sessions=sessions,
        settings=Settings(),
        clock=lambda: NOW,
    )


@dataclass(frozen=True)
class Seeded:
    """What ``seeded_team`` made (all domain dataclasses, ids as stored).

    - ``team``: "Payments", zone Europe/London.
    - ``engineers``: four members, in three zones, in this order:
      Ada Lovelace (``ada``, Europe/London, GB/ENG), Bao Nguyen (``bao``, Asia/Singapore, SG),
      Carmen Diaz (``carmen``, America/New_York, US/NY), Dev Patel (``dev``, Europe/London, GB/ENG).
    - ``primary``: "Primary", weekly, handoff Monday 09:00 Europe/London, anchor Monday
      2026-11-02 09:00, roster ada, bao, carmen, dev (so ada had the week of Nov 2, bao the
      week of Nov 9, carmen holds the shift in progress at ``now``, from Nov 16 09:00 UTC).
    - ``secondary``: "Secondary", daily at 09:00 Europe/London from the same anchor, roster
      bao, carmen, dev, ada (bao Nov 2, carmen Nov 3, dev Nov 4, ada Nov 5, ...; the shift in
      progress at ``now`` is dev's, Nov 16 09:00 to Nov 17 09:00 UTC).
    - ``now``: :data:`NOW`.

    The ledger was materialised first at the anchor (2026-11-02 09:00 UTC) and then at ``now``
    with the settings' 180-day horizon, so shifts before ``now`` are frozen history and the
    ledger runs to ``now + 180 days``. No overrides, swaps or leave.
    """

    ctx: AppContext
    team: Team
    engineers: tuple[Engineer, ...]
    primary: Rotation
    secondary: Rotation
    now: datetime

    def engineer(self, handle: str) -> Engineer:
        """One of the four by handle: ``seeded_team.engineer("ada")``."""
        return next(e for e in self.engineers if e.handle == handle)


@pytest.fixture
def seeded_team(ctx: AppContext) -> Seeded:
    """The Payments team with two materialised rotations (see :class:`Seeded`)."""
    from oncall.db import commands

    anchor_local = datetime(2026, 11, 2, 9, 0)
    anchor_utc = anchor_local.replace(tzinfo=UTC)  # London is on GMT in November
    horizon = timedelta(days=ctx.settings.horizon_days)
    people = [
        Engineer(0, "Ada Lovelace", "ada", "Europe/London", "ada@example.com", "", "GB", "ENG"),
        Engineer(0, "Bao Nguyen", "bao", "Asia/Singapore", "bao@example.com", "", "SG", ""),
        Engineer(
            0, "Carmen Diaz", "carmen", "America/New_York", "carmen@example.com", "", "US", "NY"
        ),
        Engineer(0, "Dev Patel", "dev", "Europe/London", "dev@example.com", "", "GB", "ENG"),
    ]
    with ctx.sessions.begin() as s:
        team = commands.add_team(s, Team(0, "Payments", "Europe/London", "Card payments"))
        engineers = tuple(commands.add_engineer(s, p, (team.id,)) for p in people)
        ada, bao, carmen, dev = (e.id for e in engineers)

        def version(members: tuple[int, ...], unit: CadenceUnit, role: Role) -> RotationVersion:
            return RotationVersion(
                version=1,
                effective_from=anchor_utc,
                members=members,
                cadence_unit=unit,
                cadence_count=1,
                anchor=anchor_local,
                zone="Europe/London",
                priority=0,
                role=role,
            )

        primary = commands.add_rotation(
            s, team.id, "Primary", version((ada, bao, carmen, dev), CadenceUnit.WEEKS, Role.PRIMARY)
        )
        secondary = commands.add_rotation(
            s,
            team.id,
            "Secondary",
            version((bao, carmen, dev, ada), CadenceUnit.DAYS, Role.SECONDARY),
        )
        commands.materialise(s, team.id, anchor_utc, horizon)
        commands.materialise(s, team.id, NOW, horizon)
    return Seeded(ctx, team, engineers, primary, secondary, NOW)
