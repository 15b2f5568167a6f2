"""``oncall team import|export|list``: team files in and out (docs/team-file.md)."""

from __future__ import annotations

import argparse
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

from oncall.cli.common import (
    EXIT_OK,
    CliError,
    Clock,
    Runner,
    find_team,
    import_verb,
    not_imported,
    open_context,
    print_dry_run,
    print_table,
    writing,
)


def add_parsers(commands: Any, imports: Any, exports: Any, common: argparse.ArgumentParser) -> None:
    """``team`` and its actions."""
    team = commands.add_parser(
        "team", parents=[common], help="import, export or list teams (team files)"
    )
    team_commands = team.add_subparsers(dest="action", required=True, metavar="ACTION")
    imp = team_commands.add_parser(
        "import", parents=[common], help="create or update a team from a team file"
    )
    imp.add_argument("file", metavar="FILE", help="a team file (YAML, see docs/team-file.md)")
    imp.add_argument(
        "--dry-run", action="store_true", help="show what would change and save nothing"
    )
    exp = team_commands.add_parser("export", parents=[common], help="write a team file")
    exp.add_argument("--team", metavar="T", help="team name or id (needed when there are several)")
    exp.add_argument("--out", metavar="FILE", help="write to FILE (atomically) instead of stdout")
    team_commands.add_parser("list", parents=[common], help="list the teams")


def _team_import(args: argparse.Namespace, clock: Clock) -> int:
    from oncall.exchange import teamfile

    # A bad file is reported before the database is opened (or created).
    path = Path(args.file)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise CliError(f"cannot read {args.file}: {error}") from None
    try:
        document = teamfile.parse(text, args.file)
    except teamfile.TeamFileError as error:
        raise not_imported(args.file, error) from None

    ctx = open_context(args, clock)
    now = ctx.clock()
    horizon = timedelta(days=ctx.settings.horizon_days)
    s = ctx.sessions()
    try:
        with s.begin():
            try:
                report = teamfile.apply(s, document, now, horizon)
            except ValueError as error:  # a rule of the database (the transaction rolls back)
                raise not_imported(args.file, f"{args.file}: {error}") from None
            if args.dry_run:
                s.rollback()
    finally:
        s.close()

    for change in report.changes:
        if change.action != "unchanged":
            print(f"  {change}")
    print(f"{args.file}: {import_verb(args.dry_run)} team {document.name}: {report.summary()}")
    print_dry_run(args.dry_run)
    return EXIT_OK


def _team_export(args: argparse.Namespace, clock: Clock) -> int:
    from oncall.db import queries
    from oncall.exchange import teamfile

    ctx = open_context(args, clock)
    with ctx.sessions.begin() as s:
        if args.team:
            team = find_team(s, args.team)
        else:
            teams = queries.list_teams(s)
            if len(teams) != 1:
                names = ", ".join(t.name for t in teams) or "none yet"
                raise CliError(f"choose a team with --team (teams: {names})")
            team = teams[0]
        text = teamfile.dump(teamfile.export(s, team.id, ctx.clock()))
    if args.out is None:
        sys.stdout.write(text)
        return EXIT_OK
    out = Path(args.out)
    tmp = out.with_name(out.name + ".tmp")
    with writing(args.out):
        try:
            tmp.write_text(text, encoding="utf-8")
            tmp.replace(out)  # atomic: a reader sees the old file or the new one, never half
        except OSError:
            tmp.unlink(missing_ok=True)
            raise
    print(f"wrote team {team.name} to {args.out}", file=sys.stderr)
    return EXIT_OK


def _team_list(args: argparse.Namespace, clock: Clock) -> int:
    from oncall.db import queries

    ctx = open_context(args, clock)
    rows = []
    with ctx.sessions.begin() as s:
        for team in queries.list_teams(s):
            plan = queries.load_plan(s, team.id)
            members = len(queries.team_engineers(s, team.id))
            rows.append((team.name, team.zone, str(members), str(len(plan.rotations))))
    print_table(
        ("TEAM", "ZONE", "ENGINEERS", "ROTATIONS"),
        rows,
        empty="no teams yet; import one with: oncall team import FILE",
    )
    return EXIT_OK


RUNNERS: dict[str, Runner] = {
    "team import": _team_import,
    "team export": _team_export,
    "team list": _team_list,
}
