"""Moving data between databases: this computer's SQLite file to a team server, a team server
to a backup file, any oncall database into an empty one.

:func:`copy_database` is a long job (a generator yielding :class:`CopyProgress`, like the jobs
in ``oncall.jobs``; ``oncall.db`` sits below ``oncall.jobs``, so it has its own progress type
with the same ``done``, ``total``, ``message`` and ``fraction``). It

1. checks the source is at this build's schema head and the target holds no rows (a target
   with rows is refused, naming a table that has some: nothing is ever overwritten);
2. migrates the target to head with the real migrations (an empty, migrated database is what
   is left behind if anything later fails);
3. copies every table in foreign-key order, in batches (server-side cursors on the way in;
   on the way out ``COPY FROM STDIN`` into PostgreSQL, about four times faster than a
   row-by-row ``executemany``, and ``executemany`` into SQLite: memory stays bounded for a
   million pages), inside ONE transaction on the target, keeping primary keys and
   ``row_version`` values as they are;
4. moves PostgreSQL's sequences past the copied ids, so the next insert gets a fresh one;
5. counts every table on both sides before committing: a mismatch raises and rolls back.

Stopping the generator early (a cancel) or any error rolls the target's transaction back.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from sqlalchemy import Connection, Engine, Table, func, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from oncall.db import migrate
from oncall.db.engine import make_engine, sqlite_url
from oncall.db.models import Base
from oncall.domain.progress import Progress

__all__ = [
    "BATCH_ROWS",
    "BOOKKEEPING_TABLES",
    "ConnectionLostError",
    "CopyProgress",
    "CopyReport",
    "CountMismatchError",
    "SourceNotReadyError",
    "TargetExistsError",
    "TargetNotEmptyError",
    "TransferError",
    "UnreachableError",
    "backup_to_file",
    "check_reachable",
    "copied_tables",
    "copy_between",
    "copy_database",
    "location_url",
    "place_label",
    "sqlite_path",
]

#: Rows read and written per batch: big enough for speed, small enough that a million-row
#: paging history never sits in memory at once.
BATCH_ROWS = 5000

#: Tables that triggers fill (a change feed): they are never copied, nor counted, nor looked
#: at when deciding whether a target is empty. A model can also mark its table with
#: ``__table_args__ = {"info": {"bookkeeping": True}}``.
BOOKKEEPING_TABLES = frozenset({"change_feed", "change_log", "changes"})


class TransferError(RuntimeError):
    """A copy that cannot start or did not finish; the message is for the user.

    ``refused`` is True for the errors raised before anything was written (a source or a
    target that cannot be used: the command line exits 2 for these)."""

    refused: ClassVar[bool] = False


class SourceNotReadyError(TransferError):
    """The source is not an oncall database at this build's schema."""

    refused = True


class UnreachableError(TransferError):
    """A database server could not be reached (the message says what to do)."""

    refused = True


class TargetExistsError(TransferError):
    """A backup file would replace an existing file."""

    refused = True


class ConnectionLostError(TransferError):
    """A server went away during the copy; the target was left as it was."""


class TargetNotEmptyError(TransferError):
    """The target already holds rows: ``table`` is the table with the most, ``rows`` how
    many, ``others`` how many more tables hold some."""

    refused = True

    def __init__(self, table: str, rows: int, others: int = 0) -> None:
        more = f" (and {others} more table{'' if others == 1 else 's'})" if others else ""
        super().__init__(
            f"The target database is not empty: table {table} has {rows:,} row"
            f"{'' if rows == 1 else 's'}{more}. Copy into a new, empty database; nothing was "
            "changed."
        )
        self.table, self.rows, self.others = table, rows, others


class CountMismatchError(TransferError):
    """After copying, a table's row count on the target differs from the source's."""

    def __init__(self, table: str, expected: int, found: int) -> None:
        super().__init__(
            f"Table {table}: the source has {expected:,} rows but the copy has {found:,}; "
            "the copy was undone and the target left empty."
        )
        self.table, self.expected, self.found = table, expected, found


@dataclass(frozen=True, slots=True)
class CopyReport:
    """What a finished copy checked: each table's rows, in copy order (source == target)."""

    counts: tuple[tuple[str, int], ...]

    @property
    def rows(self) -> int:
        """All rows copied."""
        return sum(n for _, n in self.counts)

    def summary(self) -> str:
        """One line for people: "Checked: 20 tables, 104,233 rows, counts match"."""
        return f"Checked: {len(self.counts)} tables, {self.rows:,} rows, counts match"

    def table_lines(self) -> list[str]:
        """Each table's count on a line, names aligned: for the CLI and the dialog."""
        width = max((len(name) for name, _ in self.counts), default=0)
        return [f"{name:<{width}}  {n:>12,}" for name, n in self.counts]


@dataclass(frozen=True, slots=True)
class CopyProgress(Progress):
    """How far a copy has come, in rows; the last value a copy yields (only) carries the
    ``report``."""

    report: CopyReport | None = None


def copied_tables() -> list[Table]:
    """The tables a copy moves, parents before children (``alembic_version`` and trigger-kept
    bookkeeping excluded)."""
    return [
        t
        for t in Base.metadata.sorted_tables
        if t.name != migrate.VERSION_TABLE
        and t.name not in BOOKKEEPING_TABLES
        and not t.info.get("bookkeeping")
    ]


def copy_database(
    source: Engine, target: Engine, *, batch_rows: int = BATCH_ROWS
) -> Iterator[CopyProgress]:
    """Copy every row of ``source`` into the empty ``target`` (see the module docstring).

    Raises :class:`SourceNotReadyError`, :class:`TargetNotEmptyError` (before anything is written),
    :class:`CountMismatchError`, or :class:`TransferError` for a row the target refused (the table
    is named). The last value yielded carries the :class:`CopyReport`.
    """
    if _same_database(source, target):
        raise TransferError("The source and the target are the same database.")
    yield CopyProgress(0, 0, "Checking the source")
    _check_source(source)
    yield CopyProgress(0, 0, "Checking the target")
    _check_target_empty(target)
    yield CopyProgress(0, 0, "Preparing the target's tables")
    _upgrade(target)
    _check_target_empty(target)  # another client could have written meanwhile
    tables = copied_tables()
    with _snapshot(source) as src:
        expected = {t.name: _count(src, t) for t in tables}
        total = sum(expected.values())
        done = 0
        yield CopyProgress(0, total, "Copying")
        with target.begin() as dst:  # ONE transaction: a cancel or an error undoes it all
            for table in tables:
                for batch in _batches(src, table, batch_rows):
                    _insert(dst, table, batch)
                    done += len(batch)
                    yield CopyProgress(done, total, f"Copying {table.name}")
            if dst.dialect.name == "postgresql":
                _reset_sequences(dst, tables)
            yield CopyProgress(done, total, "Checking counts")
            for table in tables:
                found = _count(dst, table)
                if found != expected[table.name]:
                    raise CountMismatchError(table.name, expected[table.name], found)
    report = CopyReport(tuple((t.name, expected[t.name]) for t in tables))
    yield CopyProgress(total, total, report.summary(), report)


def backup_to_file(
    source: Engine, path: Path, *, overwrite: bool = False, batch_rows: int = BATCH_ROWS
) -> Iterator[CopyProgress]:
    """Copy ``source`` into a new SQLite file at ``path`` (a generator, as :func:`copy_database`).

    An existing ``path`` is refused unless ``overwrite``. The copy is written next to it as
    ``<name>.partial`` and only renamed to ``path`` once complete and checked, so ``path``
    never holds half a backup; a cancel or an error removes the partial file.
    """
    path = Path(path)
    if path.exists() and not overwrite:
        raise TargetExistsError(
            f"{path} already exists; choose another name (nothing was changed)."
        )
    if not path.parent.is_dir():
        raise TransferError(f"The folder {path.parent} does not exist.")
    partial = path.with_name(path.name + ".partial")
    _remove_sqlite(partial)  # a crashed earlier attempt's leftovers
    engine = make_engine(sqlite_url(partial))
    finished = False
    try:
        last = None
        for step in copy_database(source, engine, batch_rows=batch_rows):
            if step.report is not None:
                last = step  # said only once the file has its final name
                continue
            yield step
        engine.dispose()  # every pooled connection closed: the journal mode can change
        # One self-contained file: fold the write-ahead log in and stop using it.
        with contextlib.closing(sqlite3.connect(partial)) as conn:
            conn.execute("PRAGMA journal_mode=DELETE")
        partial.replace(path)
        finished = True
    finally:
        engine.dispose()
        if not finished:
            _remove_sqlite(partial)
    assert last is not None  # copy_database always ends with its report
    yield last


# ---------------------------------------------------------------------------------- places


def location_url(where: str) -> str:
    """What ``oncall db copy --to/--from`` take, as a SQLAlchemy URL: a URL as given (a
    PostgreSQL one gets the psycopg driver, and the keyring's password when it has none),
    anything else a SQLite file's path. The result may hold a password: show it only through
    :func:`place_label`."""
    from oncall.db import server

    where = where.strip()
    if "://" not in where:
        return sqlite_url(Path(where).expanduser().absolute())
    if not server.is_postgresql(where):
        return where
    url = make_url(where).set(drivername=server.DRIVER)
    info = server.server_of(where)
    if info is not None and url.password is None:
        password = server.password_from_keyring(info)
        if password:
            url = url.set(password=password.reveal())
    return url.render_as_string(hide_password=False)


def place_label(url: str) -> str:
    """A database for people: a SQLite file's path, else the URL without its password."""
    from oncall.db import server

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database:
        return parsed.database
    return server.redact(url)


def sqlite_path(url: str) -> Path | None:
    """The file a SQLite URL names (None for other databases and in-memory ones)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def check_reachable(url: str) -> None:
    """Connect once to a PostgreSQL ``url``: raises :class:`UnreachableError` (a sentence
    saying what to do, never the password) when that fails. Other databases pass."""
    from oncall.db import server

    if server.is_postgresql(url):
        try:
            server.check_connection(url)
        except server.ConnectionProblem as problem:
            raise UnreachableError(problem.message) from None


def copy_between(
    source_url: str, target_url: str, *, overwrite: bool = False, batch_rows: int = BATCH_ROWS
) -> Iterator[CopyProgress]:
    """Copy the database at ``source_url`` into ``target_url`` (URLs as :func:`location_url`
    makes them): into a new backup file for a SQLite target (:func:`backup_to_file`, with
    ``overwrite``), else into the empty database there (:func:`copy_database`).

    Opens and closes its own engines. Both servers are tried first (:class:`UnreachableError`);
    a connection lost midway raises :class:`ConnectionLostError`; no message holds a password.
    """
    source_file = sqlite_path(source_url)
    if source_file is not None and not source_file.is_file():
        raise SourceNotReadyError(f"There is no database at {source_file}.")
    for url in (source_url, target_url):
        check_reachable(url)
    target_file = sqlite_path(target_url)
    source = make_engine(source_url)
    target = None
    try:
        if target_file is not None:
            yield from backup_to_file(
                source, target_file, overwrite=overwrite, batch_rows=batch_rows
            )
        else:
            target = make_engine(target_url)
            yield from copy_database(source, target, batch_rows=batch_rows)
    except (OperationalError, InterfaceError, _driver_error()) as error:
        from oncall.db import server

        text = str(getattr(error, "orig", None) or error).strip()
        detail = text.splitlines()[0] if text else type(error).__name__
        for url in (source_url, target_url):
            detail = server.scrub(detail, make_url(url).password)
        raise ConnectionLostError(
            "Lost the connection to a database during the copy; the target was left as it "
            f"was. ({detail})"
        ) from None
    finally:
        source.dispose()
        if target is not None:
            target.dispose()


# ---------------------------------------------------------------------------------- checks


def _same_database(a: Engine, b: Engine) -> bool:
    return a.url.render_as_string(hide_password=True) == b.url.render_as_string(hide_password=True)


def _check_source(source: Engine) -> None:
    revision = migrate.current_revision(source)
    head = migrate.head_revision()
    if revision is None:
        raise SourceNotReadyError(
            "The source is not an oncall database (it has no schema version)."
        )
    if revision == head:
        return
    if any(r not in migrate.known_revisions() for r in revision.split(",")):
        raise SourceNotReadyError(
            f"The source is at schema {revision}, written by a newer oncall; this oncall "
            f"knows schemas up to {head}. Update oncall to copy it."
        )
    how = (
        "Upgrade it first (oncall db upgrade, or open it with oncall and accept the upgrade)"
        if source.dialect.name == "postgresql"
        else "Open it with oncall first (that upgrades it)"
    )
    raise SourceNotReadyError(
        f"The source is at schema {revision}, older than this oncall's {head}. {how}, then copy."
    )


def _check_target_empty(target: Engine) -> None:
    """Refuse a target that holds anything we would overwrite or cannot place."""
    with target.connect() as conn:
        present = set(inspect(conn).get_table_names())
        if not present:
            return
        if migrate.VERSION_TABLE not in present:
            other = sorted(present)[0]
            raise TransferError(
                f"The target database holds tables that are not oncall's (e.g. {other}); "
                "copy into a new, empty database. Nothing was changed."
            )
        revision = migrate.current_revision(target)
        known = migrate.known_revisions()
        if revision and any(r not in known for r in revision.split(",")):
            raise TransferError(
                f"The target database is at schema {revision}, written by a newer oncall; "
                "nothing was changed."
            )
        held = {t.name: _count(conn, t) for t in copied_tables() if t.name in present}
        held = {name: rows for name, rows in held.items() if rows}
        if held:
            most = max(held, key=lambda name: (held[name], name))
            raise TargetNotEmptyError(most, held[most], len(held) - 1)


def _upgrade(target: Engine) -> None:
    # The advisory-locked upgrade for shared servers, where this build has one.
    shared = getattr(migrate, "upgrade_shared", None)
    if shared is not None and target.dialect.name == "postgresql":
        shared(target)
    else:
        migrate.upgrade(target)


# ---------------------------------------------------------------------------------- copying


@contextlib.contextmanager
def _snapshot(source: Engine) -> Iterator[Connection]:
    """A connection that sees the source as of one moment, for every table (counts included)."""
    with source.connect() as conn:
        if conn.dialect.name == "sqlite":
            # The sqlite3 driver begins only before writes; an explicit BEGIN makes every
            # SELECT read one snapshot (WAL keeps writers going meanwhile).
            conn.exec_driver_sql("BEGIN")
        elif conn.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
            conn.exec_driver_sql("SET TRANSACTION READ ONLY")
        try:
            yield conn
        finally:
            try:
                conn.rollback()
            except DBAPIError:
                # The server went away mid-copy (the copy itself says so): it ended the
                # transaction already, and this connection is of no further use.
                conn.invalidate()


def _count(conn: Connection, table: Table) -> int:
    return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def _batches(conn: Connection, table: Table, size: int) -> Iterator[list[dict]]:
    """The table's rows in primary-key order, ``size`` at a time, streamed (a server-side
    cursor on PostgreSQL; SQLite's cursor steps through the file as rows are fetched)."""
    query = select(table).order_by(*table.primary_key.columns)
    result = conn.execution_options(stream_results=True, yield_per=size).execute(query)
    cursor = result.cursor
    try:
        for rows in result.partitions(size):
            yield [row._asdict() for row in rows]
    finally:
        result.close()
        # When the server has gone, closing a server-side cursor fails (SQLAlchemy logs it)
        # and leaves it marked open; by then the driver knows the connection is dead, so a
        # second close only marks it closed, and it is not reported as leaked later.
        with contextlib.suppress(Exception):
            cursor.close()


def _insert(conn: Connection, table: Table, rows: Sequence[dict]) -> None:
    try:
        if conn.dialect.name == "postgresql":
            _copy_in(conn, table, rows)
        else:
            conn.execute(table.insert(), list(rows))  # executemany, ids and versions as given
    except (DBAPIError, _driver_error()) as error:
        detail = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        if _lost(conn, error):
            raise ConnectionLostError(
                "Lost the connection to the target during the copy; the target was left as it "
                f"was. ({detail})"
            ) from None
        first = rows[0] if rows else {}
        key = ", ".join(f"{c.name}={first.get(c.name)!r}" for c in table.primary_key.columns)
        raise TransferError(
            f"The target refused a row of table {table.name} (batch from {key}): {detail}. "
            "The copy was undone and the target left empty."
        ) from error


def _copy_in(conn: Connection, table: Table, rows: Sequence[dict]) -> None:
    """PostgreSQL: the rows through ``COPY ... FROM STDIN`` on the transaction's connection,
    many times faster than a statement per row. Values go through the columns' own bind
    processing first (UTC instants, naive wall-clock times), as an INSERT's would."""
    if not rows:
        return
    quote = conn.dialect.identifier_preparer
    columns = list(table.columns)
    process = [c.type.bind_processor(conn.dialect) for c in columns]
    names = ", ".join(quote.quote(c.name) for c in columns)
    driver = conn.connection.driver_connection
    assert driver is not None
    with driver.cursor() as cursor:
        sql = f"COPY {quote.format_table(table)} ({names}) FROM STDIN"
        with cursor.copy(sql) as copy:
            for row in rows:
                values = [row[c.name] for c in columns]
                copy.write_row(
                    [v if p is None else p(v) for p, v in zip(process, values, strict=True)]
                )


def _lost(conn: Connection, error: Exception) -> bool:
    """Whether ``error`` means the connection itself is gone (not a refused row)."""
    if getattr(error, "connection_invalidated", False):
        return True
    try:
        driver = conn.connection.driver_connection
    except Exception:  # SQLAlchemy already gave the connection up
        return True
    return bool(getattr(driver, "closed", False) or getattr(driver, "broken", False))


def _driver_error() -> type[Exception]:
    """psycopg's base error (COPY goes around SQLAlchemy), or a class nothing raises."""
    try:
        import psycopg
    except ImportError:  # no PostgreSQL driver: no PostgreSQL target either
        return DBAPIError
    return psycopg.Error


def _reset_sequences(conn: Connection, tables: Sequence[Table]) -> None:
    """Move each serial/identity column's sequence to the highest copied id, so the next
    insert continues after it (copied rows kept their ids; sequences did not move)."""
    quote = conn.dialect.identifier_preparer
    for table in tables:
        for column in table.primary_key.columns:
            seq = conn.execute(
                text("SELECT pg_get_serial_sequence(:table, :column)"),
                {"table": quote.format_table(table), "column": column.name},
            ).scalar()
            if seq is None:
                continue  # not generated (a natural or composite key)
            top = conn.execute(select(func.max(column))).scalar()
            # setval(seq, n, false): the next value is n itself; an empty table restarts at 1.
            conn.execute(
                text("SELECT setval(CAST(:seq AS regclass), :next, false)"),
                {"seq": seq, "next": (top or 0) + 1},
            )


def _remove_sqlite(path: Path) -> None:
    for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        p.unlink(missing_ok=True)
