"""The parser, :func:`main` and the dispatch: every area module (team, schedule, pagerduty,
pages, calendar, triage) adds its subcommands with ``add_parsers`` and runs them through its
``RUNNERS`` table, keyed by the command's words ("team import", "who")."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from oncall.cli import calendar, database, pagerduty, pages, plan, schedule, team, triage
from oncall.cli.common import (
    EXIT_FAILURE,
    EXIT_OK,
    EXIT_USAGE,
    CliError,
    Clock,
    Runner,
    close_contexts,
)

_AREAS = (team, schedule, pagerduty, pages, calendar, triage, plan, database)
#: Every command, by its words; an area adds its own (no two areas share a key).
RUNNERS: dict[str, Runner] = {k: v for area in _AREAS for k, v in area.RUNNERS.items()}
SUBCOMMANDS: frozenset[str] = frozenset(key.split()[0] for key in RUNNERS)
assert len(RUNNERS) == sum(len(area.RUNNERS) for area in _AREAS), "two areas run one command"

# The order --help lists commands in (and argparse's "choose from" after a typo), as before
# the CLI was split into areas; a command missing here is listed after these.
_HELP_ORDER = (
    *("team", "schedule", "who", "plan", "import", "report", "export", "log-page", "publish"),
    *("credentials", "checklist", "page", "db"),
    *("pagerduty", "pages", "leave"),  # import SOURCE
    *("ical", "pay"),  # export EXPORT
)


def _parser() -> argparse.ArgumentParser:
    # The global options are accepted before and after the subcommand: each subparser knows
    # them too, with SUPPRESS defaults so a subparser never overwrites a value given earlier.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--data-dir",
        metavar="DIR",
        default=argparse.SUPPRESS,
        help="keep every file in this folder (default: $ONCALL_DATA_DIR, else the platform's)",
    )
    common.add_argument(
        "--demo",
        action="store_true",
        default=argparse.SUPPRESS,
        help="use the demo database (created on first use)",
    )
    parser = argparse.ArgumentParser(
        prog="oncall",
        parents=[common],
        description="On-call rotations from the command line. Without a command the window opens.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    # `import` and `export` take sources and formats from several areas.
    imports = commands.add_parser(
        "import", parents=[common], help="import paging history (CSV, PagerDuty) or leave (.ics)"
    ).add_subparsers(dest="action", required=True, metavar="SOURCE")
    exports = commands.add_parser(
        "export", parents=[common], help="exports (pay and time off CSV, iCal calendars)"
    ).add_subparsers(dest="action", required=True, metavar="EXPORT")
    for area in _AREAS:
        area.add_parsers(commands, imports, exports, common)
    for group in (commands, imports, exports):
        _in_help_order(group)
    return parser


def _in_help_order(group: Any) -> None:
    """Sorts a subparsers group's commands into :data:`_HELP_ORDER`."""
    rank = {name: i for i, name in enumerate(_HELP_ORDER)}
    ordered = sorted(group.choices.items(), key=lambda item: rank.get(item[0], len(rank)))
    group.choices.clear()
    group.choices.update(ordered)
    # The help's listing is kept apart from the choices (argparse has no public way to order it).
    group._choices_actions.sort(key=lambda action: rank.get(action.dest, len(rank)))


def main(argv: Sequence[str], *, clock: Callable[[], datetime] | None = None) -> int:
    """Run one command; returns the exit code. ``clock`` replaces the real one (tests)."""
    parser = _parser()
    try:
        args = parser.parse_args(list(argv))
    except SystemExit as exit_:  # argparse has printed the usage or the help
        return int(exit_.code or 0)
    try:
        return _run(args, clock)
    except CliError as error:
        for line in str(error).splitlines():
            print(f"oncall: {line}", file=sys.stderr)
        return error.code
    except BrokenPipeError:  # `oncall schedule ... | head`
        return EXIT_OK
    except Exception as error:  # the last resort: say what happened, never a traceback
        from oncall.app import ReadOnlyDatabase
        from oncall.db.migrate import DatabaseTooNew, SchemaBehind
        from oncall.db.server import ConnectionProblem

        if isinstance(error, SchemaBehind):  # a team database: upgraded only when asked
            if error.engine is not None:
                error.engine.dispose()
            print(f"oncall: {error} Run `oncall db upgrade` to upgrade it (this changes it "
                  "for everyone on the team). Nothing was changed.", file=sys.stderr)  # fmt: skip
            return EXIT_USAGE
        if isinstance(error, DatabaseTooNew | ConnectionProblem | ReadOnlyDatabase):
            print(f"oncall: {error}", file=sys.stderr)
        else:
            print(f"oncall: error: {type(error).__name__}: {error}", file=sys.stderr)
        return EXIT_FAILURE
    finally:
        close_contexts()


def _run(args: argparse.Namespace, clock: Clock) -> int:
    # A command with actions (team import, export ical...) keeps its action in args.action.
    words = [args.command, *([args.action] if hasattr(args, "action") else [])]
    return RUNNERS[" ".join(words)](args, clock)
