"""``oncall db ...`` (docs/cli.md "Team database"): which database the app uses and whether it
answers (``db status``, ``db test``); schema upgrades (``db upgrade``) and copying data
(``db copy``) are added in their own sections below.

Each action adds its parser in a function of its own, called from :func:`add_parsers`, and its
runner to :data:`RUNNERS` under ``"db ACTION"``: edit this file with small additions only.
"""

from __future__ import annotations

import argparse
from typing import Any

from oncall.cli.common import EXIT_FAILURE, EXIT_OK, CliError, Clock, Runner, print_json

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


def _status(args: argparse.Namespace, clock: Clock) -> int:
    """``db status``: being implemented."""
    raise CliError("oncall db status is not available yet", EXIT_FAILURE)


def _test(args: argparse.Namespace, clock: Clock) -> int:
    """``db test``: being implemented."""
    raise CliError("oncall db test is not available yet", EXIT_FAILURE)


_ = (EXIT_OK, print_json)  # used by the runners being written

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


RUNNERS: dict[str, Runner] = {
    "db status": _status,
    "db test": _test,
    # Other actions add "db ACTION": runner lines here.
    "db copy": _copy,
}
