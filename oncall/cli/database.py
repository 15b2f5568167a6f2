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

RUNNERS: dict[str, Runner] = {
    "db status": _status,
    "db test": _test,
    # Other actions add "db ACTION": runner lines here.
}
