"""``oncall db ...`` (docs/cli.md "Team database"): which database the app uses and whether it
answers (``db status``, ``db test``); schema upgrades (``db upgrade``) and copying data
(``db copy``) are added in their own sections below.

Each action adds its parser in a function of its own, called from :func:`add_parsers`, and its
runner to :data:`RUNNERS` under ``"db ACTION"``: edit this file with small additions only.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from oncall.cli.common import (
    EXIT_FAILURE,
    EXIT_OK,
    CliError,
    Clock,
    Runner,
    location,
    print_json,
)

DB_STATUS_SCHEMA = "oncall.db.status/1"


def add_parsers(commands: Any, imports: Any, exports: Any, common: argparse.ArgumentParser) -> None:
    """The ``db`` group and its actions."""
    db = commands.add_parser(
        "db", parents=[common], help="the database: which one, test it, upgrade, copy"
    )
    actions = db.add_subparsers(dest="action", required=True, metavar="ACTION")
    _add_status_parsers(actions, common)
    # Other actions (upgrade, copy) add their parsers here, one call each.
    _add_copy_parser(actions, common)
    _add_upgrade_parser(actions, common)


# ---------------------------------------------------------------------- db status, db test


def _add_status_parsers(actions: Any, common: argparse.ArgumentParser) -> None:
    status = actions.add_parser(
        "status",
        parents=[common],
        help="which database is used (password hidden), its schema revision, whether it answers",
    )
    status.add_argument("--json", action="store_true", help=f"print JSON ({DB_STATUS_SCHEMA})")
    actions.add_parser(
        "test", parents=[common], help="connect to the database and say what happened"
    )


@dataclass(frozen=True)
class _Chosen:
    """The database the app would open, how it was chosen, and its URL (with password)."""

    url: str
    source: str  # "environment", "settings" or "default"
    local_file: Path


def _chosen(args: argparse.Namespace) -> _Chosen:
    import os

    from oncall.app import prepare_context
    from oncall.db.server import DATABASE_URL_ENV

    data_dir, demo = location(args)
    ctx = prepare_context(data_dir, demo=demo)
    if not demo and os.environ.get(DATABASE_URL_ENV, "").strip():
        source = "environment"
    elif ctx.settings.database == "server" and ctx.is_shared:
        source = "settings"
    else:
        source = "default"
    return _Chosen(ctx.database_url, source, ctx.paths.database)


def _local_revision(path: Path) -> str | None:
    """The SQLite file's schema revision, read-only (None: no file, or never migrated)."""
    import sqlite3

    from oncall.db.revisions import VERSION_TABLE

    if not path.exists():
        return None
    conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    try:
        rows = conn.execute(f"SELECT version_num FROM {VERSION_TABLE}").fetchall()
    except sqlite3.Error:
        return None
    finally:
        conn.close()
    return ",".join(sorted(str(r[0]) for r in rows)) or None


def _schema_state(revision: str | None, head: str) -> str:
    from oncall.db.revisions import known_revisions

    if revision is None:
        return "empty"
    if revision == head:
        return "current"
    return "behind" if revision in known_revisions() else "newer"


_SCHEMA_WORDS = {
    "empty": "no oncall tables yet",
    "current": "up to date",
    "behind": "older than this oncall (upgrade needed)",
    "newer": "written by a newer oncall",
}


def _status(args: argparse.Namespace, clock: Clock) -> int:
    """``db status``: which database, how it was chosen, its schema and whether it answers;
    exit 1 when it does not."""
    from oncall.db import server
    from oncall.db.revisions import head_revision

    chosen = _chosen(args)
    shared = server.is_postgresql(chosen.url)
    problem: server.ConnectionProblem | None = None
    info: server.ServerInfo | None = None
    if shared:
        try:
            info = server.check_connection(chosen.url)
        except server.ConnectionProblem as error:
            problem = error
        revision = info.revision if info else None
        reachable = info is not None
    else:
        revision = _local_revision(chosen.local_file)
        reachable = True  # a missing file is made on first use
    head = head_revision()
    state = _schema_state(revision, head) if reachable else "unknown"
    if args.json:
        print_json(
            {
                "schema": DB_STATUS_SCHEMA,
                "database": "server" if shared else "local",
                "source": chosen.source,
                "label": server.database_label(chosen.url),
                "url": server.redact(chosen.url),
                "reachable": reachable,
                "revision": revision,
                "app_revision": head,
                "schema_state": state,
                "server_version": info.version if info else None,
                "tls": info.tls if info else None,
                "problem": {"kind": problem.kind, "message": problem.message} if problem else None,
            }
        )
        return EXIT_OK if reachable else EXIT_FAILURE
    source = {"environment": f"from ${server.DATABASE_URL_ENV}", "settings": "from Settings",
              "default": "the default"}[chosen.source]  # fmt: skip
    print(f"Database: {server.database_label(chosen.url)} ({source})")
    print(f"URL:      {server.redact(chosen.url)}")
    if problem is not None:
        print(f"Answers:  no ({problem.kind}): {problem.message}")
        return EXIT_FAILURE
    if info is not None:
        print(f"Answers:  yes, PostgreSQL {info.version}, {'TLS' if info.tls else 'no TLS'}")
    elif not chosen.local_file.exists():
        print("File:     not made yet (oncall makes it when it first opens)")
    words = _SCHEMA_WORDS[state]
    if state == "empty":  # a local file is made on first use; a team server is upgraded
        words += " (`oncall db upgrade` makes them)" if shared else " (made on first use)"
    print(f"Schema:   {revision or 'none'} (this oncall: {head}): {words}")
    return EXIT_OK


def _test(args: argparse.Namespace, clock: Clock) -> int:
    """``db test``: connect once and say what happened (exit 1 with the reason if not)."""
    from oncall.db import server
    from oncall.db.revisions import head_revision

    chosen = _chosen(args)
    if not server.is_postgresql(chosen.url):
        revision = _local_revision(chosen.local_file)
        where = chosen.local_file if chosen.local_file.exists() else f"{chosen.local_file} (new)"
        print(f"This computer: {where}; schema {revision or 'none'} (this oncall: "
              f"{head_revision()})")  # fmt: skip
        return EXIT_OK
    try:
        info = server.check_connection(chosen.url)
    except server.ConnectionProblem as error:
        raise CliError(error.message, EXIT_FAILURE) from None
    print(info.summary())
    return EXIT_OK


#: ``oncall credentials set database-password``: the team server's own keyring entry.
DATABASE_PASSWORD = "database-password"


def database_secret_name(args: argparse.Namespace, name: str) -> str:
    """``name``, or for :data:`DATABASE_PASSWORD` the keyring entry of the team server the
    app uses (``database:user@host:port/db``); a CliError when no team server is chosen."""
    from oncall.db import server

    if name != DATABASE_PASSWORD:
        return name
    found = server.server_of(_chosen(args).url)
    if found is None:
        raise CliError(
            "No team server is chosen, so there is no database password to keep. Choose one "
            f"in Settings → Database, or set ${server.DATABASE_URL_ENV} (without the password)."
        )
    return found.keyring_name


# ---------------------------------------------------------------------- db copy


def _add_copy_parser(actions: Any, common: argparse.ArgumentParser) -> None:
    copy = actions.add_parser(
        "copy",
        parents=[common],
        help="copy every row into an empty team server, or into a new backup file",
        description="Copy all data into an empty database (a team server's URL) or a new "
        "SQLite file, in one transaction, then check every table's row count. A target that "
        "holds data is refused and left as it was.",
    )
    copy.add_argument(
        "--to",
        dest="copy_to",
        required=True,
        metavar="URL_OR_FILE",
        help="an empty database (postgresql://user@host:5432/db; the password may come from "
        "the keyring) or a new .sqlite file",
    )
    copy.add_argument(
        "--from",
        dest="copy_from",
        metavar="URL_OR_FILE",
        help="the database to copy (default: the one the app uses)",
    )
    copy.add_argument(
        "--replace", action="store_true", help="a backup file may replace an existing file"
    )


def _copy(args: argparse.Namespace, clock: Clock) -> int:
    """``db copy``: the source's every row into an empty target, counts checked."""
    import sys

    from oncall.cli.common import EXIT_USAGE, location
    from oncall.db import transfer

    if args.copy_from:
        source_url = transfer.location_url(args.copy_from)
    else:
        from oncall import app

        data_dir, demo = location(args)
        source_url = app.prepare_context(data_dir, demo=demo).database_url
    target_url = transfer.location_url(args.copy_to)
    print(f"Copying {transfer.place_label(source_url)} to {transfer.place_label(target_url)}",
          file=sys.stderr)  # fmt: skip
    say = _progress_line(sys.stderr)
    report = None
    try:
        for step in transfer.copy_between(source_url, target_url, overwrite=args.replace):
            say(step)
            report = step.report or report
    except transfer.TransferError as error:
        raise CliError(str(error), EXIT_USAGE if error.refused else EXIT_FAILURE) from None
    finally:
        say(None)
    assert report is not None
    for line in report.table_lines():
        print(line)
    print(report.summary())
    return EXIT_OK


def _progress_line(stream: Any) -> Any:
    """A progress line on ``stream``: rewritten in place on a terminal, else one line per
    step (so a log shows how far it got without a line per batch)."""
    live = stream.isatty()
    state = {"last": "", "width": 0}

    def say(step: Any) -> None:
        if step is None:  # done: end the line being rewritten
            if live and state["width"]:
                print(file=stream)
            return
        text = step.message
        if step.total and step.report is None:
            text = f"{step.message}: {step.done:,} of {step.total:,} rows ({step.fraction:.0%})"
        if live:
            print("\r" + text.ljust(state["width"]), end="", file=stream, flush=True)
            state["width"] = max(state["width"], len(text))
        elif step.message != state["last"]:
            print(text, file=stream)
        state["last"] = step.message

    return say


# ---------------------------------------------------------------------- db upgrade


def _add_upgrade_parser(actions: Any, common: argparse.ArgumentParser) -> None:
    from oncall.db.migrate import DEFAULT_LOCK_WAIT

    upgrade = actions.add_parser(
        "upgrade",
        parents=[common],
        help="upgrade the database's schema to this oncall's (a team server: for everyone)",
        description="Bring the database to this oncall's schema. A team server is never "
        "upgraded without this command (or the window's Upgrade now): it changes the database "
        "for everyone on the team, so everyone should update oncall. One oncall upgrades at a "
        "time; another one waits, saying so. All steps run in one transaction: a failure "
        "leaves the database as it was. Exit 0: up to date; 2: nothing changed (see the "
        "message).",
    )
    upgrade.add_argument(
        "--wait",
        type=float,
        default=DEFAULT_LOCK_WAIT,
        metavar="SECONDS",
        help="how long to wait while another oncall is upgrading (default: %(default).0f)",
    )


def _upgrade(args: argparse.Namespace, clock: Clock) -> int:
    """``db upgrade``: a team server to head under the schema lock (this computer's file:
    backed up, then upgraded); says what it does; exit 2 when nothing could be changed."""
    import sys

    from oncall.cli.common import EXIT_USAGE
    from oncall.db import migrate, server
    from oncall.db.engine import make_engine

    chosen = _chosen(args)
    label, head = server.database_label(chosen.url), migrate.head_revision()
    if server.is_postgresql(chosen.url):
        try:
            server.check_connection(chosen.url)  # its problems, said plainly
        except server.ConnectionProblem as error:
            raise CliError(f"{error.message} Nothing was changed.", EXIT_USAGE) from None
    engine = make_engine(chosen.url)
    try:
        before = migrate.current_revision(engine)
        if before is not None and before not in migrate.known_revisions():
            raise CliError(str(migrate.DatabaseTooNew(before, head)), EXIT_USAGE)
        if before == head:
            print(f"{label}: already at schema {head}; nothing to do.")
            return EXIT_OK
        if not migrate.is_shared(engine):  # this computer's own file: as at every start
            print(f"{label}: schema {before or 'none'}; upgrading to {head}…")
            backup = migrate.check_and_upgrade(engine, chosen.local_file.parent / "backups")
            if backup is not None:
                print(f"Backed up the database first: {backup}")
            print(f"Done: the database is at schema {head}.")
            return EXIT_OK
        if before is None:
            print(f"{label}: empty; creating oncall's tables (schema {head})…")
        else:
            print(f"{label}: schema {before}; upgrading to {head} for everyone on the team…")
        sys.stdout.flush()
        try:
            ran = migrate.upgrade_shared(
                engine, on_wait=lambda m: print(m, file=sys.stderr, flush=True), timeout=args.wait
            )
        except Exception as error:  # each said plainly; the upgrade rolled back
            raise CliError(migrate.describe_failure(error), EXIT_USAGE) from None
        if ran and before is None:  # a new database: nobody's oncall is behind it
            print(f"Done: oncall's tables are made (schema {head}); point everyone's oncall "
                  "at this database.")  # fmt: skip
        elif ran:
            print(f"Done: the team database is at schema {head}. Everyone on the team should "
                  "update oncall.")  # fmt: skip
        else:
            print(f"Another oncall upgraded it meanwhile: the team database is at schema {head}.")
        return EXIT_OK
    finally:
        engine.dispose()


RUNNERS: dict[str, Runner] = {
    "db status": _status,
    "db test": _test,
    # Other actions add "db ACTION": runner lines here.
    "db copy": _copy,
    "db upgrade": _upgrade,
}
