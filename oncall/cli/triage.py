"""``oncall checklist validate FILE...``, ``oncall checklist list``,
``oncall page [--checklist ID]`` (issue 6). ``page`` starts the incident in the database,
then replaces this process with the window opened on the runner:
``python -m oncall --resume-incident ID`` (the window's flag)."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date
from pathlib import Path
from typing import Any

from oncall.cli.common import (
    EXIT_OK,
    EXIT_USAGE,
    CliError,
    Clock,
    Runner,
    location,
    open_context,
    print_table,
    real_clock,
    utc_text,
)

RESUME_FLAG = "--resume-incident"


def add_parsers(commands: Any, imports: Any, exports: Any, common: argparse.ArgumentParser) -> None:
    """``checklist`` and its actions, and ``page``."""
    checklist = commands.add_parser(
        "checklist", parents=[common], help="validate or list triage checklists"
    )
    actions = checklist.add_subparsers(dest="action", required=True, metavar="ACTION")
    validate = actions.add_parser(
        "validate", parents=[common], help="check checklist files (see docs/checklists.md)"
    )
    validate.add_argument("files", nargs="+", metavar="FILE", help="checklist YAML files")
    actions.add_parser(
        "list", parents=[common], help="the checklists the runner offers (shipped and team)"
    )
    page = commands.add_parser(
        "page", parents=[common], help="I've been paged: start an incident and open the runner"
    )
    page.add_argument(
        "--checklist", metavar="ID", default="web-triage", help="checklist id (default web-triage)"
    )
    page.add_argument(
        "--no-window",
        action="store_true",
        help="only start (or find) the incident and print its id; do not open the window",
    )


def _today(clock: Clock) -> date:
    return real_clock(clock)().date()


def _checklist_library(args: argparse.Namespace, clock: Clock, *, record: bool = False) -> Any:
    """The shipped and team checklists, the team's held to rule 17 against the last imported
    copies in the database (``record``: the files that pass become the new copies)."""
    from oncall.exchange import checklists

    ctx = open_context(args, clock)
    settings = ctx.settings
    folder = Path(settings.checklist_dir).expanduser() if settings.checklist_dir else None
    now = ctx.clock()
    return checklists.load_library(folder, today=now.date(), sessions=ctx.sessions, now=now,
                                   record=record and ctx.read_only_reason is None)  # fmt: skip


def _checklist_validate(args: argparse.Namespace, clock: Clock) -> int:
    from oncall.exchange import checklists

    shipped = checklists.load_library(today=_today(clock))
    shipped.problems.clear()  # only the files asked about are reported
    files = [Path(f) for f in args.files]
    library = checklists.load_files(files, today=_today(clock), base=shipped)
    # Rule 17: compared with the last imported copies (nothing is kept: this only checks).
    ctx = open_context(args, clock)
    library = checklists.hold_to_copies(library, ctx.sessions, ctx.clock())
    for problem in library.problems:
        print(problem)
    bad = {p.path for p in library.problems if not p.warning}
    for name in args.files:
        if name not in bad:
            print(f"{name}: ok")
    if bad:
        print(f"{len(bad)} of {len(args.files)} file(s) have errors and would not load",
              file=sys.stderr)  # fmt: skip
        return EXIT_USAGE
    return EXIT_OK


def _checklist_list(args: argparse.Namespace, clock: Clock) -> int:
    from oncall.exchange.checklists import defaults_dir

    library = _checklist_library(args, clock)
    shipped = defaults_dir()
    rows = []
    for checklist_id, checklist in sorted(library.checklists.items()):
        source = library.sources.get(checklist_id)
        where = "shipped" if source is not None and source.parent == shipped else str(source)
        rows.append((checklist_id, str(checklist.version), str(len(checklist.steps)),
                     checklist.title, where))  # fmt: skip
    print_table(("ID", "VERSION", "STEPS", "TITLE", "FROM"), rows)
    for problem in library.errors:
        print(f"oncall: not loaded: {problem}", file=sys.stderr)
    return EXIT_OK


def _page(args: argparse.Namespace, clock: Clock) -> int:
    from oncall.db import incidents

    library = _checklist_library(args, clock, record=True)
    checklist = library.get(args.checklist)
    if checklist is None:
        known = ", ".join(sorted(library.checklists)) or "none"
        raise CliError(f'no checklist "{args.checklist}" (checklists: {known})')
    ctx = open_context(args, clock)
    incident = incidents.open_incident(ctx.sessions)
    if incident is not None:
        print(f"incident {incident.id} is still open (since {utc_text(incident.opened_at)}); "
              "resuming it")  # fmt: skip
    else:
        me = ctx.settings.me_engineer_id
        incident, _runner = incidents.start_incident(
            ctx.sessions, checklist, ctx.clock(), library=library.checklists, engineer_id=me
        )
        print(f"incident {incident.id} started with {checklist.id} v{checklist.version}")
    if args.no_window:
        print(incident.id)
        return EXIT_OK
    data_dir, demo = location(args)
    argv = [sys.executable, "-m", "oncall", RESUME_FLAG, str(incident.id)]
    if data_dir:
        argv += ["--data-dir", data_dir]
    if demo:
        argv.append("--demo")
    sys.stdout.flush()
    os.execv(sys.executable, argv)  # the window takes over this process
    return EXIT_OK  # only reached when execv is replaced (tests)


RUNNERS: dict[str, Runner] = {
    "checklist validate": _checklist_validate,
    "checklist list": _checklist_list,
    "page": _page,
}
