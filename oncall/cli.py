"""``oncall COMMAND``: the app's use cases for scripts and cron, without a window.

``oncall/__main__.py`` calls :func:`main` when the arguments hold one of :data:`SUBCOMMANDS`.
Exit codes: 0 done, 2 a usage or input error (bad option, unknown team, bad file: nothing
changed), 1 anything else. JSON output is documented in docs/cli.md and stable.

Imports stay light: the database, the engine and YAML are loaded only by the command that
needs them, and Qt never.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from sqlalchemy.orm import Session  # noqa: TID251  (a type only)

    from oncall.app import AppContext
    from oncall.domain.model import Engineer, Gap, Provenance, Shift, Team, TeamPlan

SUBCOMMANDS: frozenset[str] = frozenset(
    {"team", "schedule", "who", "import", "credentials", "checklist", "page"}
    | {"report", "export", "log-page"}
    | {"publish"}
)
SCHEDULE_SCHEMA = "oncall.schedule/1"
WHO_SCHEMA = "oncall.who/1"
EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2


class CliError(Exception):
    """A problem to report on stderr as one or more lines, with an exit code (2: the input)."""

    def __init__(self, message: str, code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.code = code


# ---------------------------------------------------------------------------------- arguments


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

    team = commands.add_parser(
        "team", parents=[common], help="import, export or list teams (team files)"
    )
    team_commands = team.add_subparsers(dest="team_command", required=True, metavar="ACTION")
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

    sched = commands.add_parser(
        "schedule", parents=[common], help="final shifts and gaps of a team over dates"
    )
    sched.add_argument("--team", metavar="T", required=True, help="team name or id")
    sched.add_argument(
        "--from",
        dest="start",
        metavar="DATE",
        required=True,
        help="first day (or an ISO 8601 instant), inclusive",
    )
    sched.add_argument(
        "--to",
        dest="end",
        metavar="DATE",
        required=True,
        help="last day, inclusive (or an ISO 8601 instant, exclusive)",
    )
    sched.add_argument("--tz", metavar="ZONE", help="show times in this IANA zone")
    sched.add_argument("--json", action="store_true", help=f"print JSON ({SCHEDULE_SCHEMA})")

    who = commands.add_parser("who", parents=[common], help="who is on call, per team and role")
    who.add_argument("--at", metavar="INSTANT", help="ISO 8601 instant (default: now)")
    who.add_argument("--team", metavar="T", help="only this team (name or id)")
    who.add_argument("--tz", metavar="ZONE", help="show times in this IANA zone")
    who.add_argument("--json", action="store_true", help=f"print JSON ({WHO_SCHEMA})")

    imports = commands.add_parser(
        "import", parents=[common], help="import paging history (a CSV file, PagerDuty)"
    )
    import_sources = imports.add_subparsers(dest="import_source", required=True, metavar="SOURCE")
    _add_import_pagerduty(import_sources, common)
    _add_pages(commands, import_sources, common)
    _add_calendar(commands, import_sources, common)
    _add_credentials(commands, common)
    _add_triage(commands, common)
    return parser


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
        from oncall.db.migrate import DatabaseTooNew

        if isinstance(error, DatabaseTooNew):
            print(f"oncall: {error}", file=sys.stderr)
        else:
            print(f"oncall: error: {type(error).__name__}: {error}", file=sys.stderr)
        return EXIT_FAILURE


def _run(args: argparse.Namespace, clock: Callable[[], datetime] | None) -> int:
    if args.command == "credentials":
        return _credentials(args)  # the keyring only: no database
    if args.command in ("checklist", "page"):
        return _triage(args, clock)
    if _calendar_command(args):
        return _calendar(args, clock)
    if _pages_command(args):
        return _pages(args, clock)
    if args.command == "import" and args.import_source == "pagerduty":
        return _import_pagerduty(args, clock)
    if args.command == "team" and args.team_command == "import":
        # A bad file is reported before the database is opened (or created).
        return _team_import(args, clock)
    ctx = _open(args, clock)
    if args.command == "team":
        return _team_export(ctx, args) if args.team_command == "export" else _team_list(ctx)
    if args.command == "schedule":
        return _schedule(ctx, args)
    return _who(ctx, args)


def _open(args: argparse.Namespace, clock: Callable[[], datetime] | None) -> AppContext:
    from oncall.app import open_context, utc_now

    # Missing when not given anywhere (the options' defaults are SUPPRESS, see _parser).
    data_dir, demo = getattr(args, "data_dir", None), getattr(args, "demo", False)
    return open_context(data_dir, demo=demo, clock=clock or utc_now)


# ---------------------------------------------------------------------------------- values


def machine_zone() -> str:
    """The machine's IANA zone: ``$TZ``, else /etc/localtime's link, else /etc/timezone, else
    UTC. Read only here, at the edge; the rest of the app takes zones as arguments."""
    candidates = [os.environ.get("TZ", "").removeprefix(":")]
    try:
        target = str(Path("/etc/localtime").resolve())
        if "zoneinfo/" in target:
            candidates.append(target.split("zoneinfo/", 1)[1])
    except OSError:
        pass
    with contextlib.suppress(OSError):
        candidates.append(Path("/etc/timezone").read_text(encoding="utf-8").strip())
    from oncall.exchange.teamfile import zone_problem

    return next((z for z in candidates if z and zone_problem(z) is None), "UTC")


def _zone(ctx: AppContext, wanted: str | None) -> str:
    """The zone to show times in: ``--tz``, else the viewer's setting, else the machine's."""
    from oncall.exchange.teamfile import zone_problem

    if wanted:
        problem = zone_problem(wanted)
        if problem:
            raise CliError(f"--tz: {problem}")
        return wanted
    return ctx.settings.viewer_zone or machine_zone()


def _instant(text: str, zone: str, option: str, *, day_end: bool = False) -> datetime:
    """An ISO 8601 date or date-time; a naive one is read in ``zone``. A bare date is that
    day's start, or with ``day_end`` the start of the next day (an inclusive last day)."""
    raw = text.strip()
    try:
        if len(raw) == 10:
            day = date.fromisoformat(raw)
            value = datetime.combine(day + timedelta(days=1 if day_end else 0), time())
        else:
            value = datetime.fromisoformat(raw)
    except (ValueError, OverflowError):
        raise CliError(
            f'{option}: "{text}" is not a date; write e.g. 2026-11-16, "2026-11-16 09:00" or '
            "2026-11-16T09:00Z"
        ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(zone))  # fold=0: DESIGN.md's rule for odd times
    return value.astimezone(UTC)


def _find_team(s: Session, wanted: str) -> Team:
    from oncall.db import queries

    team = queries.find_team(s, int(wanted) if wanted.isdigit() else wanted)
    if team is None and wanted.isdigit():
        team = queries.find_team(s, wanted)
    if team is None:
        names = ", ".join(t.name for t in queries.list_teams(s))
        known = f"teams: {names}" if names else "there are no teams yet (oncall team import FILE)"
        raise CliError(f'no team named "{wanted}"; {known}')
    return team


def _utc_text(value: datetime) -> str:
    """ISO 8601 in UTC with a ``Z``: ``2026-11-16T09:00:00Z``."""
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def _local_text(value: datetime, zone: str) -> str:
    """ISO 8601 wall-clock time in ``zone`` with its offset."""
    return value.astimezone(ZoneInfo(zone)).isoformat(timespec="seconds")


def _table_time(value: datetime, zone: str) -> str:
    return value.astimezone(ZoneInfo(zone)).strftime("%a %Y-%m-%d %H:%M")


def _print_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    widths = [max(len(str(c)) for c in column) for column in zip(header, *rows, strict=True)]
    for row in (header, *rows):
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


# ---------------------------------------------------------------------------------- team


def _team_import(args: argparse.Namespace, clock: Callable[[], datetime] | None) -> int:
    from oncall.exchange import teamfile

    path = Path(args.file)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise CliError(f"cannot read {args.file}: {error}") from None
    try:
        document = teamfile.parse(text, args.file)
    except teamfile.TeamFileError as error:
        raise CliError(f"{error}\n{args.file}: not imported; nothing was changed") from None

    ctx = _open(args, clock)
    now = ctx.clock()
    horizon = timedelta(days=ctx.settings.horizon_days)
    s = ctx.sessions()
    try:
        with s.begin():
            try:
                report = teamfile.apply(s, document, now, horizon)
            except ValueError as error:  # a rule of the database (the transaction rolls back)
                raise CliError(
                    f"{args.file}: {error}\n{args.file}: not imported; nothing was changed"
                ) from None
            if args.dry_run:
                s.rollback()
    finally:
        s.close()

    for change in report.changes:
        if change.action != "unchanged":
            print(f"  {change}")
    verb = "would import" if args.dry_run else "imported"
    print(f"{args.file}: {verb} team {document.name}: {report.summary()}")
    if args.dry_run:
        print("dry run: nothing was saved")
    return EXIT_OK


def _team_export(ctx: AppContext, args: argparse.Namespace) -> int:
    from oncall.db import queries
    from oncall.exchange import teamfile

    with ctx.sessions.begin() as s:
        if args.team:
            team = _find_team(s, args.team)
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
    try:
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(out)  # atomic: a reader sees the old file or the new one, never half
    except OSError as error:
        tmp.unlink(missing_ok=True)
        raise CliError(f"cannot write {args.out}: {error}", EXIT_FAILURE) from None
    print(f"wrote team {team.name} to {args.out}", file=sys.stderr)
    return EXIT_OK


def _team_list(ctx: AppContext) -> int:
    from oncall.db import queries

    rows = []
    with ctx.sessions.begin() as s:
        for team in queries.list_teams(s):
            plan = queries.load_plan(s, team.id)
            members = len(queries.team_engineers(s, team.id))
            rows.append((team.name, team.zone, str(members), str(len(plan.rotations))))
    if not rows:
        print("no teams yet; import one with: oncall team import FILE")
        return EXIT_OK
    _print_table(("TEAM", "ZONE", "ENGINEERS", "ROTATIONS"), rows)
    return EXIT_OK


# ---------------------------------------------------------------------------------- schedule


def _provenance(source: Provenance, plan: TeamPlan) -> dict[str, Any]:
    names = {r.id: r.name for r in plan.rotations}
    rotation_id = source.rotation_id
    return {
        "kind": source.kind.value,
        "rotation": names.get(rotation_id) if rotation_id is not None else None,
        "rotation_id": rotation_id,
        "rotation_version": source.rotation_version,
        "override_id": source.override_id,
        "swap_id": source.swap_id,
    }


def _provenance_text(source: Provenance, plan: TeamPlan) -> str:
    p = _provenance(source, plan)
    rotation = f"{p['rotation']} v{p['rotation_version']}" if p["rotation"] else ""
    if p["kind"] == "override":
        return f"override #{p['override_id']}"
    if p["kind"] == "swap":
        return f"swap #{p['swap_id']} in {rotation}" if rotation else f"swap #{p['swap_id']}"
    return rotation or "rotation"


def _person(engineer: Engineer | None, engineer_id: int) -> dict[str, Any]:
    if engineer is None:
        return {"id": engineer_id, "handle": None, "name": None, "zone": None}
    return {
        "id": engineer.id,
        "handle": engineer.handle,
        "name": engineer.name,
        "zone": engineer.zone,
    }


def _schedule(ctx: AppContext, args: argparse.Namespace) -> int:
    from oncall.db import queries
    from oncall.domain.ledger import final_schedule

    zone = _zone(ctx, args.tz)
    start = _instant(args.start, zone, "--from")
    end = _instant(args.end, zone, "--to", day_end=True)
    if end <= start:
        raise CliError(f"--to ({args.end}) must come after --from ({args.start})")
    now = ctx.clock()
    with ctx.sessions.begin() as s:
        team = _find_team(s, args.team)
        plan = queries.load_plan(s, team.id)
        ledger = queries.ledger(s, team.id, start, end)
        people = {e.id: e for e in queries.list_engineers(s, include_inactive=True)}
    final = final_schedule(plan, ledger, start, end, now)

    if args.json:
        shifts = [
            {
                "team": team.name,
                "role": x.role.value,
                "start": _utc_text(x.start),
                "end": _utc_text(x.end),
                "local_start": _local_text(x.start, zone),
                "local_end": _local_text(x.end, zone),
                "engineer": _person(people.get(x.engineer_id), x.engineer_id),
                "provenance": _provenance(x.source, plan),
                "frozen": x.end <= now,
            }
            for x in final.shifts
        ]
        gaps = [
            {
                "team": team.name,
                "role": g.role.value,
                "start": _utc_text(g.start),
                "end": _utc_text(g.end),
                "local_start": _local_text(g.start, zone),
                "local_end": _local_text(g.end, zone),
            }
            for g in final.gaps
        ]
        document = {
            "schema": SCHEDULE_SCHEMA,
            "team": {"id": team.id, "name": team.name, "zone": team.zone},
            "zone": zone,
            "from": _utc_text(start),
            "to": _utc_text(end),
            "shifts": shifts,
            "gaps": gaps,
        }
        print(json.dumps(document, indent=2, ensure_ascii=False))
        return EXIT_OK

    print(f"{team.name}: {_table_time(start, zone)} to {_table_time(end, zone)} ({zone})")
    rows = []
    for x in final.shifts:
        person = people.get(x.engineer_id)
        who = f"{person.name} ({person.handle})" if person else f"engineer #{x.engineer_id}"
        rows.append(
            (
                x.role.value,
                _table_time(x.start, zone),
                _table_time(x.end, zone),
                who,
                _provenance_text(x.source, plan),
            )
        )
    if rows:
        _print_table(("ROLE", "START", "END", "ON CALL", "FROM"), rows)
    else:
        print("no shifts in this window")
    if final.gaps:
        print(f"\n{len(final.gaps)} gap(s) with nobody on call:")
        _print_table(
            ("ROLE", "START", "END"),
            [
                (g.role.value, _table_time(g.start, zone), _table_time(g.end, zone))
                for g in final.gaps
            ],
        )
    else:
        print("\nno gaps")
    return EXIT_OK


# ---------------------------------------------------------------------------------- who


def _who(ctx: AppContext, args: argparse.Namespace) -> int:
    from oncall.db import queries
    from oncall.domain.ledger import final_schedule
    from oncall.domain.model import COVERED_ROLES

    zone = _zone(ctx, args.tz)
    now = ctx.clock()
    at = _instant(args.at, zone, "--at") if args.at else now
    window = (at, at + timedelta(seconds=1))
    on_call: list[tuple[Team, TeamPlan, Shift]] = []
    uncovered: list[tuple[Team, Gap]] = []
    with ctx.sessions.begin() as s:
        teams = [_find_team(s, args.team)] if args.team else queries.list_teams(s)
        people = {e.id: e for e in queries.list_engineers(s, include_inactive=True)}
        for team in teams:
            plan = queries.load_plan(s, team.id)
            # The shifts that hold ``at``, whole (not clipped to the one-second window).
            held = [x for x in queries.ledger(s, team.id, *window) if x.start <= at < x.end]
            final = final_schedule(plan, held, *window, now)
            whole = {(x.role, x.engineer_id, x.source): x for x in held}
            for x in final.shifts:
                full = whole.get((x.role, x.engineer_id, x.source))
                on_call.append((team, plan, full or _whole_live_shift(plan, x)))
            uncovered += [(team, g) for g in final.gaps if g.role in COVERED_ROLES]

    if args.json:
        document = {
            "schema": WHO_SCHEMA,
            "at": _utc_text(at),
            "zone": zone,
            "on_call": [
                {
                    "team": team.name,
                    "role": x.role.value,
                    "engineer": _person(people.get(x.engineer_id), x.engineer_id),
                    "local_time": _engineer_local(people.get(x.engineer_id), at),
                    "start": _utc_text(x.start),
                    "end": _utc_text(x.end),
                    "local_start": _local_text(x.start, zone),
                    "local_end": _local_text(x.end, zone),
                    "provenance": _provenance(x.source, plan),
                }
                for team, plan, x in on_call
            ],
            "gaps": [{"team": team.name, "role": g.role.value} for team, g in uncovered],
        }
        print(json.dumps(document, indent=2, ensure_ascii=False))
        return EXIT_OK

    print(f"on call at {_table_time(at, zone)} ({zone})")
    rows = []
    for team, _plan, x in on_call:
        person = people.get(x.engineer_id)
        who = f"{person.name} ({person.handle})" if person else f"engineer #{x.engineer_id}"
        local = (
            f"{at.astimezone(ZoneInfo(person.zone)).strftime('%a %H:%M')} {person.zone}"
            if person
            else ""
        )
        rows.append((team.name, x.role.value, who, local, _table_time(x.end, zone)))
    rows += [(team.name, g.role.value, "NOBODY (gap)", "", "") for team, g in uncovered]
    if rows:
        _print_table(("TEAM", "ROLE", "ON CALL", "THEIR TIME", "UNTIL"), rows)
    else:
        print("nobody is on call (no teams with rotations)")
    return EXIT_OK


def _engineer_local(engineer: Engineer | None, at: datetime) -> str | None:
    return _local_text(at, engineer.zone) if engineer is not None else None


def _whole_live_shift(plan: TeamPlan, piece: Shift) -> Shift:
    """The whole live-resolved shift a one-second piece belongs to (for its start and end)."""
    from oncall.domain.schedule import resolve

    # A week either side holds any shift of a daily or weekly cadence; longer cadences show
    # the part of the shift inside these two weeks.
    span = resolve(plan, piece.start - timedelta(days=7), piece.end + timedelta(days=7))
    for x in span.shifts:
        same = (x.role, x.engineer_id, x.source) == (piece.role, piece.engineer_id, piece.source)
        if same and x.start <= piece.start < x.end:
            return x
    return piece


# ---------------------------------------------------------------------------------- PagerDuty
# `oncall import pagerduty` and `oncall credentials` (docs/pagerduty.md). The token is read
# from the keyring (or typed, without echo) and never printed.

PAGERDUTY_SCHEMA = "oncall.import.pagerduty/1"
PAGERDUTY_TOKEN = "pagerduty-token"
_NO_KEYRING = (
    "On-call keeps passwords in your system keyring, and none is available right now.\n"
    "Install or unlock GNOME Keyring or KWallet (any Secret Service provider), then try again."
)


def _add_import_pagerduty(sources: Any, common: argparse.ArgumentParser) -> None:
    pd = sources.add_parser(
        "pagerduty",
        parents=[common],
        help="import who was paged from PagerDuty (REST API v2, token from the keyring)",
    )
    pd.add_argument("--since", metavar="DATE", required=True, help="first day, inclusive")
    pd.add_argument("--until", metavar="DATE", required=True, help="last day, inclusive")
    pd.add_argument("--tz", metavar="ZONE", help="read the dates in this IANA zone")
    pd.add_argument(
        "--map",
        metavar="USER=ENGINEER",
        action="append",
        default=[],
        help="page PagerDuty user (id or email) as this engineer (handle, email or id); repeat",
    )
    pd.add_argument("--dry-run", action="store_true", help="show the outcome and save nothing")
    pd.add_argument("--json", action="store_true", help=f"print JSON ({PAGERDUTY_SCHEMA})")
    pd.add_argument("--base-url", metavar="URL", help=argparse.SUPPRESS)  # a proxy; tests


def _add_credentials(commands: Any, common: argparse.ArgumentParser) -> None:
    cred = commands.add_parser(
        "credentials", parents=[common], help="store or delete a secret in the system keyring"
    )
    actions = cred.add_subparsers(dest="credentials_action", required=True, metavar="ACTION")
    for action, text in (
        ("set", "store NAME's secret, read from the terminal without echo (or from stdin)"),
        ("delete", "remove NAME's secret"),
        ("status", "where secrets are kept and whether NAME is stored"),
    ):
        sub = actions.add_parser(action, parents=[common], help=text)
        sub.add_argument("name", metavar="NAME", help=f"e.g. {PAGERDUTY_TOKEN}")


def _credentials(args: argparse.Namespace) -> int:
    from oncall import credentials

    name = args.name.strip()
    if not name or any(c.isspace() for c in name):
        raise CliError(f'"{args.name}" is not a secret name; e.g. {PAGERDUTY_TOKEN}')
    try:
        if args.credentials_action == "status":
            print(f"Passwords are stored in: {credentials.backend_name()}")
            if credentials.backend_is_secure():
                stored = credentials.get_secret(name) is not None
                print(f"{name}: {'stored' if stored else 'not stored'}")
            return EXIT_OK
        if args.credentials_action == "delete":
            removed = credentials.delete_secret(name)
            print(f"{name}: deleted" if removed else f"{name}: there was none")
            return EXIT_OK
        value = _read_secret(f"{name}: ")
        if not value:
            raise CliError(f"{name}: nothing entered; nothing was stored")
        credentials.set_secret(name, value)
    except credentials.SecretStoreUnavailable as error:
        raise CliError(f"{_NO_KEYRING}\n({error})", EXIT_FAILURE) from None
    print(f"{name}: stored in {credentials.backend_name()}")
    return EXIT_OK


def _read_secret(prompt: str) -> str:
    """A secret from the terminal without echo, or the first line of a pipe."""
    import getpass

    if sys.stdin is not None and sys.stdin.isatty():
        return getpass.getpass(prompt).strip()
    return (sys.stdin.readline() if sys.stdin is not None else "").strip()


def _pagerduty_token() -> Any:
    from oncall import credentials

    try:
        token = credentials.get_secret(PAGERDUTY_TOKEN)
    except credentials.SecretStoreUnavailable:
        if sys.stdin is None or not sys.stdin.isatty():
            raise CliError(
                f"{_NO_KEYRING}\nUntil then, run this command in a terminal: it asks for the "
                "token and uses it for this run only.",
                EXIT_FAILURE,
            ) from None
        token = _read_secret("PagerDuty API token (used for this run only): ")
        return credentials.Secret(token) if token else None
    if token is None:
        raise CliError(
            "no PagerDuty API token is stored; store one (it is read without echo) with:\n"
            f"  oncall credentials set {PAGERDUTY_TOKEN}"
        )
    return token


def _import_pagerduty(args: argparse.Namespace, clock: Callable[[], datetime] | None) -> int:
    from oncall.db import queries
    from oncall.exchange import pagerduty
    from oncall.jobs import import_pagerduty

    ctx = _open(args, clock)
    zone = _zone(ctx, args.tz)
    since = _instant(args.since, zone, "--since")
    until = _instant(args.until, zone, "--until", day_end=True)
    if until <= since:
        raise CliError("--until: the range is empty; it must end after --since")
    engineer_map: dict[str, int] = {}
    with ctx.sessions() as s:
        for item in args.map:
            user, sep, who = item.partition("=")
            engineer = queries.find_engineer(s, who.strip()) if sep else None
            if not user.strip() or engineer is None:
                raise CliError(f'--map: "{item}" must be PAGERDUTY_USER=ENGINEER (a known one)')
            engineer_map[user.strip()] = engineer.id
    token = _pagerduty_token()
    if token is None:
        raise CliError("no token entered; nothing was imported")
    report = None
    try:
        for value in import_pagerduty(
            ctx.sessions,
            token,
            since,
            until,
            base_url=args.base_url,
            engineer_map=engineer_map,
            dry_run=args.dry_run,
            now=ctx.clock(),
        ):
            report = getattr(value, "report", None) or report
    except pagerduty.TokenRefusedError as error:
        raise CliError(
            str(error).replace("Settings → PagerDuty", f"oncall credentials set {PAGERDUTY_TOKEN}")
        ) from None
    except pagerduty.PagerDutyError as error:
        raise CliError(f"{error}\nnothing was imported", EXIT_FAILURE) from None
    assert report is not None  # the job's last value
    if args.json:
        print(json.dumps(_pagerduty_json(report), indent=2, ensure_ascii=False))
        return EXIT_OK
    print(
        f"PagerDuty {_utc_text(since)} to {_utc_text(until)}: {report.rows} notifications: "
        f"{report.summary()}"
    )
    for user in report.unmatched:
        print(
            f"  not an engineer here: {user.name or user.user_id} <{user.email or 'no email'}> "
            f"({user.pages} page{'s' if user.pages != 1 else ''}); "
            f"add --map {user.user_id}=HANDLE"
        )
    for rejected in report.rejected:
        print(f"  rejected {rejected.source_id}: {rejected.reason}")
    if report.dry_run:
        print("dry run: nothing was saved")
    return EXIT_OK


def _pagerduty_json(report: Any) -> dict[str, Any]:
    return {"schema": PAGERDUTY_SCHEMA, **report.to_json()}


# ---------------------------------------------------------------------------------- triage
# `oncall checklist validate FILE...`, `oncall checklist list`, `oncall page [--checklist ID]`
# (issue 6). `page` starts the incident in the database, then replaces this process with the
# window opened on the runner: `python -m oncall --resume-incident ID` (the window's flag).

RESUME_FLAG = "--resume-incident"


def _add_triage(commands: Any, common: argparse.ArgumentParser) -> None:
    checklist = commands.add_parser(
        "checklist", parents=[common], help="validate or list triage checklists"
    )
    actions = checklist.add_subparsers(dest="checklist_command", required=True, metavar="ACTION")
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


def _triage(args: argparse.Namespace, clock: Callable[[], datetime] | None) -> int:
    if args.command == "checklist" and args.checklist_command == "validate":
        return _checklist_validate(args, clock)
    if args.command == "checklist":
        return _checklist_list(args, clock)
    return _page(args, clock)


def _today(clock: Callable[[], datetime] | None) -> date:
    from oncall.app import utc_now

    return (clock or utc_now)().date()


def _checklist_library(args: argparse.Namespace, clock: Callable[[], datetime] | None) -> Any:
    from oncall.app import prepare_context
    from oncall.exchange import checklists

    settings = prepare_context(
        getattr(args, "data_dir", None), demo=getattr(args, "demo", False)
    ).settings
    folder = Path(settings.checklist_dir).expanduser() if settings.checklist_dir else None
    return checklists.load_library(folder, today=_today(clock))


def _checklist_validate(args: argparse.Namespace, clock: Callable[[], datetime] | None) -> int:
    from oncall.exchange import checklists

    shipped = checklists.load_library(today=_today(clock))
    shipped.problems.clear()  # only the files asked about are reported
    files = [Path(f) for f in args.files]
    library = checklists.load_files(files, today=_today(clock), base=shipped)
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


def _checklist_list(args: argparse.Namespace, clock: Callable[[], datetime] | None) -> int:
    from oncall.exchange.checklists import defaults_dir

    library = _checklist_library(args, clock)
    shipped = defaults_dir()
    rows = []
    for checklist_id, checklist in sorted(library.checklists.items()):
        source = library.sources.get(checklist_id)
        where = "shipped" if source is not None and source.parent == shipped else str(source)
        rows.append((checklist_id, str(checklist.version), str(len(checklist.steps)),
                     checklist.title, where))  # fmt: skip
    _print_table(("ID", "VERSION", "STEPS", "TITLE", "FROM"), rows)
    for problem in library.errors:
        print(f"oncall: not loaded: {problem}", file=sys.stderr)
    return EXIT_OK


def _page(args: argparse.Namespace, clock: Callable[[], datetime] | None) -> int:
    from oncall.db import incidents

    library = _checklist_library(args, clock)
    checklist = library.get(args.checklist)
    if checklist is None:
        known = ", ".join(sorted(library.checklists)) or "none"
        raise CliError(f'no checklist "{args.checklist}" (checklists: {known})')
    ctx = _open(args, clock)
    incident = incidents.open_incident(ctx.sessions)
    if incident is not None:
        print(f"incident {incident.id} is still open (since {_utc_text(incident.opened_at)}); "
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
    argv = [sys.executable, "-m", "oncall", RESUME_FLAG, str(incident.id)]
    if getattr(args, "data_dir", None):
        argv += ["--data-dir", args.data_dir]
    if getattr(args, "demo", False):
        argv.append("--demo")
    sys.stdout.flush()
    os.execv(sys.executable, argv)  # the window takes over this process
    return EXIT_OK  # only reached when execv is replaced (tests)


# ---------------------------------------------------------------------------------- paging history
# `oncall import pages`, `oncall report load`, `oncall export pay`, `oncall log-page`
# (docs/cli.md "Paging history"). `oncall import pagerduty` is the PagerDuty section's.

PAGES_IMPORT_SCHEMA = "oncall.import.pages/1"
LOAD_SCHEMA = "oncall.load/1"
LOG_PAGE_SCHEMA = "oncall.page/1"
#: Exit code of an import (or dry run) in which some rows were rejected: the valid rows were
#: imported (formats.md 4.3: all valid rows commit in one transaction), the rejected listed.
EXIT_REJECTED = 3
_ERRORS_SHOWN = 50


def _add_pages(commands: Any, import_sources: Any, common: argparse.ArgumentParser) -> None:
    pages = import_sources.add_parser(
        "pages",
        parents=[common],
        help="import paging history from a CSV file (PagerDuty exports import directly)",
    )
    pages.add_argument("file", metavar="FILE", help="a CSV file (docs/cli.md: columns)")
    pages.add_argument("--zone", metavar="ZONE", help="read times without an offset in this zone")
    pages.add_argument("--source", metavar="S", help="the source of rows without one (pagerduty…)")
    pages.add_argument(
        "--map",
        metavar="VALUE=ENGINEER",
        action="append",
        default=[],
        help="page the file's engineer VALUE as this engineer (handle, email or id); repeat",
    )
    pages.add_argument("--dry-run", action="store_true", help="show the outcome; save nothing")
    pages.add_argument("--rejected-out", metavar="FILE", help="write the rejected rows as CSV")
    pages.add_argument("--json", action="store_true", help=f"print JSON ({PAGES_IMPORT_SCHEMA})")

    report = commands.add_parser("report", parents=[common], help="reports (on-call load)")
    kinds = report.add_subparsers(dest="report_kind", required=True, metavar="REPORT")
    load = kinds.add_parser(
        "load", parents=[common], help="per engineer: on-call hours by band, pages, nights"
    )
    _add_range(load, default_days=28)
    load.add_argument("--team", metavar="T", help="only this team's members (name or id)")
    load.add_argument("--json", action="store_true", help=f"print JSON ({LOAD_SCHEMA})")

    export = commands.add_parser("export", parents=[common], help="exports (pay and time off)")
    exports = export.add_subparsers(dest="export_kind", required=True, metavar="EXPORT")
    _add_ical_export(exports, common)
    pay = exports.add_parser(
        "pay", parents=[common], help="CSV of on-call and engaged hours by band per period"
    )
    _add_range(pay, default_days=None)
    pay.add_argument("--period", choices=("week", "month"), default="month")
    pay.add_argument("--team", metavar="T", help="only this team's members (name or id)")
    pay.add_argument("--out", metavar="FILE", required=True, help="write the CSV here (atomic)")

    log_page = commands.add_parser(
        "log-page", parents=[common], help="log a page by hand (from a system we don't import)"
    )
    log_page.add_argument("--engineer", metavar="E", required=True, help="handle, email or id")
    log_page.add_argument("--at", metavar="INSTANT", required=True, help="when it was paged")
    log_page.add_argument("--ack", metavar="INSTANT", help="when it was acknowledged")
    log_page.add_argument("--resolved", metavar="INSTANT", help="when it was resolved")
    log_page.add_argument("--severity", choices=("critical", "high", "medium", "low", "info"))
    log_page.add_argument("--urgency", choices=("high", "low"))
    log_page.add_argument("--channel", choices=("phone", "sms", "push", "email", "chat", "other"))
    log_page.add_argument("--incident", metavar="KEY", default="", help="incident key")
    log_page.add_argument("--service", metavar="NAME", default="")
    log_page.add_argument("--title", metavar="TEXT", default="")
    log_page.add_argument("--tz", metavar="ZONE", help="read times without an offset here")
    log_page.add_argument("--json", action="store_true", help=f"print JSON ({LOG_PAGE_SCHEMA})")


def _add_range(parser: argparse.ArgumentParser, default_days: int | None) -> None:
    required = default_days is None
    last = "" if required else f" (default: the last {default_days} days)"
    parser.add_argument(
        "--from", dest="start", metavar="DATE", required=required, help=f"first day{last}"
    )
    parser.add_argument(
        "--to", dest="end", metavar="DATE", required=required, help="last day, inclusive"
    )
    parser.add_argument("--tz", metavar="ZONE", help="read the dates in this IANA zone")


def _pages_command(args: argparse.Namespace) -> bool:
    return (args.command == "import" and args.import_source == "pages") or args.command in (
        "report",
        "export",
        "log-page",
    )


def _pages(args: argparse.Namespace, clock: Callable[[], datetime] | None) -> int:
    if args.command == "import":
        if not Path(args.file).is_file():  # before the database is opened (or created)
            raise CliError(f"{args.file}: no such file; nothing was imported")
        ctx = _open(args, clock)
        return _import_pages(ctx, args)
    ctx = _open(args, clock)
    if args.command == "report":
        return _report_load(ctx, args)
    if args.command == "export":
        return _export_pay(ctx, args)
    return _log_page(ctx, args)


def _engineer_of(s: Session, wanted: str) -> Engineer:
    from oncall.db import queries

    key = wanted.strip().lower()
    for e in queries.list_engineers(s, include_inactive=True):
        if key in (str(e.id), e.handle.lower(), e.email.lower()):
            return e
    raise CliError(f'no engineer "{wanted}" (give a handle, email or id)')


def _import_pages(ctx: AppContext, args: argparse.Namespace) -> int:
    import time as clock_time

    from oncall.exchange.pages_csv import PagesFileError
    from oncall.jobs import import_pages

    with ctx.sessions.begin() as s:
        engineer_map = {}
        for item in args.map:
            value, sep, who = item.rpartition("=")
            if not sep or not value.strip():
                raise CliError(f'--map "{item}": write VALUE=ENGINEER, e.g. "Ada L=ada"')
            engineer_map[value.strip()] = _engineer_of(s, who).id
    name = Path(args.file).name
    last_print = 0.0
    report = None
    try:
        for progress in import_pages(
            ctx.sessions,
            args.file,
            zone=args.zone,
            dry_run=args.dry_run,
            engineer_map=engineer_map,
            source=args.source,
            now=ctx.clock(),
            rejected_out=args.rejected_out,
        ):
            if progress.report is not None:
                report = progress.report
                continue
            # Progress on stderr (stdout stays the result): the first lines at once, then
            # at most twice a second.
            tick = clock_time.monotonic()
            if tick - last_print >= 0.5 or "started" in progress.message or last_print < 1:
                percent = f" ({progress.fraction:.0%})" if progress.total else ""
                print(f"oncall: {name}: {progress.message}{percent}", file=sys.stderr, flush=True)
                last_print = max(tick, 1.0)
    except PagesFileError as error:
        raise CliError(
            f"{args.file}: {error} [{error.code}]\n{args.file}: not imported; nothing was changed"
        ) from None
    assert report is not None
    if args.json:
        print(json.dumps({"schema": PAGES_IMPORT_SCHEMA, **report.to_json()}, indent=2,
                         ensure_ascii=False))  # fmt: skip
    else:
        for e in report.errors[:_ERRORS_SHOWN]:
            where = f"{args.file}:{e.line}: record {e.record}"
            print(f"{where}: {e.column or '(row)'} {e.value!r}: {e.code}: {e.message}")
        more = len(report.errors) - _ERRORS_SHOWN + report.errors_not_kept
        if more > 0:
            print(f"... and {more} more errors (--rejected-out FILE writes them all)")
        if report.unmatched_engineers:
            values = ", ".join(sorted(report.unmatched_engineers))
            print(f"unknown engineers (add them, or --map VALUE=ENGINEER): {values}")
        if report.ignored_columns:
            print(f"ignored columns: {', '.join(report.ignored_columns)}")
        verb = "would import" if args.dry_run else "imported"
        print(f"{args.file}: {verb} {report.rows} rows: {report.summary()}")
        if args.dry_run:
            print("dry run: nothing was saved")
    return EXIT_REJECTED if report.rejected else EXIT_OK


def _range(ctx: AppContext, args: argparse.Namespace, zone: str, days: int) -> tuple[date, date]:
    today = ctx.clock().astimezone(ZoneInfo(zone)).date()
    try:
        last = date.fromisoformat(args.end) if args.end else today - timedelta(days=1)
        first = date.fromisoformat(args.start) if args.start else last - timedelta(days=days - 1)
    except ValueError:
        raise CliError("--from and --to take dates such as 2026-11-16") from None
    if last < first:
        raise CliError(f"--to ({last}) must not come before --from ({first})")
    return first, last


def _load_json(load: Any) -> dict[str, Any]:
    e = load.engineer

    def hours(b: Any) -> dict[str, float]:
        return {
            "total": round(b.total, 2),
            "business": round(b.business, 2),
            "off_hours": round(b.off_hours, 2),
            "sleep": round(b.sleep, 2),
            "weekend": round(b.weekend, 2),
            "holiday": round(b.holiday, 2),
        }

    return {
        "engineer": _person(e, e.id),
        "oncall_hours": hours(load.oncall),
        "days_on_call": len(load.days_on_call),
        "pages": load.page_count,
        "interruptions": load.interruption_count,
        "night_pages": load.night_page_count,
        "interrupted_nights": len(load.interrupted_nights),
        "rest_deficit_nights": len(load.rest_deficit_nights),
        "engaged_hours": hours(load.engaged),
    }


def _report_load(ctx: AppContext, args: argparse.Namespace) -> int:
    from oncall.domain.load import date_range
    from oncall.exchange.pay_csv import load_rows

    zone = _zone(ctx, args.tz)
    first, last = _range(ctx, args, zone, 28)
    start, end = date_range(first, last, zone)
    with ctx.sessions.begin() as s:
        team = _find_team(s, args.team) if args.team else None
        rows = load_rows(s, start, end, team_id=team.id if team else None)
    if args.json:
        document = {
            "schema": LOAD_SCHEMA,
            "team": {"id": team.id, "name": team.name, "zone": team.zone} if team else None,
            "zone": zone,
            "from": _utc_text(start),
            "to": _utc_text(end),
            "engineers": [_load_json(r) for r in rows],
        }
        print(json.dumps(document, indent=2, ensure_ascii=False))
        return EXIT_OK
    title = team.name if team else "all engineers"
    print(f"on-call load, {title}: {first} to {last} ({zone}; hours in each engineer's zone)")
    table = [
        (
            f"{r.engineer.name} ({r.engineer.handle})",
            f"{r.oncall.total:.1f}",
            f"{r.oncall.business:.1f}",
            f"{r.oncall.off_hours:.1f}",
            f"{r.oncall.sleep:.1f}",
            str(r.page_count),
            str(r.interruption_count),
            str(r.night_page_count),
            str(len(r.interrupted_nights)),
            str(len(r.rest_deficit_nights)),
            f"{r.engaged.total:.1f}",
        )
        for r in rows
    ]
    if not table:
        print("no engineers")
        return EXIT_OK
    _print_table(
        (
            "ENGINEER",
            "ON CALL H",
            "BUSINESS",
            "OFF-HOURS",
            "SLEEP",
            "PAGES",
            "INTERRUPTIONS",
            "NIGHT PAGES",
            "BROKEN NIGHTS",
            "REST DEFICIT",
            "ENGAGED H",
        ),
        table,
    )
    return EXIT_OK


def _export_pay(ctx: AppContext, args: argparse.Namespace) -> int:
    from oncall.exchange.pay_csv import pay_rows, write_pay_csv

    zone = _zone(ctx, args.tz)
    first, last = _range(ctx, args, zone, 28)
    with ctx.sessions.begin() as s:
        team = _find_team(s, args.team) if args.team else None
        rows = pay_rows(s, first, last, period=args.period, team_id=team.id if team else None)
    try:
        write_pay_csv(Path(args.out), rows)
    except OSError as error:
        raise CliError(f"cannot write {args.out}: {error}", EXIT_FAILURE) from None
    print(f"wrote {len(rows)} rows ({args.period}s, {first} to {last}) to {args.out}",
          file=sys.stderr)  # fmt: skip
    return EXIT_OK


def _log_page(ctx: AppContext, args: argparse.Namespace) -> int:
    from oncall.db import pages
    from oncall.domain.model import Channel, Page, Severity, Urgency

    zone = _zone(ctx, args.tz)
    with ctx.sessions.begin() as s:
        engineer = _engineer_of(s, args.engineer)
        page = Page(
            id=0,
            source=pages.MANUAL_SOURCE,
            source_id="",
            engineer_id=engineer.id,
            triggered_at=_instant(args.at, zone, "--at"),
            acknowledged_at=_instant(args.ack, zone, "--ack") if args.ack else None,
            resolved_at=_instant(args.resolved, zone, "--resolved") if args.resolved else None,
            incident_key=args.incident,
            severity=Severity(args.severity) if args.severity else None,
            urgency=Urgency(args.urgency) if args.urgency else None,
            channel=Channel(args.channel) if args.channel else None,
            service=args.service,
            title=args.title,
        )
        try:
            stored = pages.log_page(s, page, now=ctx.clock())
        except ValueError as error:
            raise CliError(f"page not logged: {error}") from None
    if args.json:
        document = {
            "schema": LOG_PAGE_SCHEMA,
            "id": stored.id,
            "source": stored.source,
            "source_id": stored.source_id,
            "engineer": _person(engineer, engineer.id),
            "triggered_at": _utc_text(stored.triggered_at),
            "acknowledged_at": _optional_utc(stored.acknowledged_at),
            "resolved_at": _optional_utc(stored.resolved_at),
            "incident_key": stored.incident_key,
            "severity": stored.severity.value if stored.severity else None,
            "urgency": stored.urgency.value if stored.urgency else None,
            "channel": stored.channel.value if stored.channel else None,
            "service": stored.service,
            "title": stored.title,
        }
        print(json.dumps(document, indent=2, ensure_ascii=False))
        return EXIT_OK
    when = _table_time(stored.triggered_at, zone)
    print(f"logged page #{stored.id} for {engineer.name} at {when} ({zone})")
    return EXIT_OK


def _optional_utc(value: datetime | None) -> str | None:
    return _utc_text(value) if value is not None else None


# ---------------------------------------------------------------------------------- calendar
# `oncall export ical`, `oncall publish`, `oncall import leave` (docs/calendar.md).


def _add_ical_export(exports: Any, common: argparse.ArgumentParser) -> None:
    ical = exports.add_parser(
        "ical", parents=[common], help="iCalendar file of a team's or an engineer's shifts"
    )
    who = ical.add_mutually_exclusive_group(required=True)
    who.add_argument("--team", metavar="T", help="the team's calendar (name or id)")
    who.add_argument("--engineer", metavar="E", help="one person's calendar (handle, email, id)")
    ical.add_argument("--out", metavar="FILE", required=True, help="write here (atomically)")
    ical.add_argument("--from", dest="start", metavar="DATE", help="first day (default: 15 ago)")
    ical.add_argument("--to", dest="end", metavar="DATE", help="last day (default: 180 ahead)")
    ical.add_argument("--tz", metavar="ZONE", help="read the dates in this IANA zone")


def _add_calendar(commands: Any, import_sources: Any, common: argparse.ArgumentParser) -> None:
    commands.add_parser(
        "publish",
        parents=[common],
        help="refresh the published calendars (folder and CalDAV, per Settings); for cron",
    )
    leave = import_sources.add_parser(
        "leave", parents=[common], help="import leave from an .ics file (Google, Outlook)"
    )
    leave.add_argument("file", metavar="FILE", help="an iCalendar (.ics) export")
    leave.add_argument(
        "--engineer", metavar="E", help="whose leave (default: matched by attendee email)"
    )
    leave.add_argument("--dry-run", action="store_true", help="show the preview; save nothing")


def _calendar_command(args: argparse.Namespace) -> bool:
    return (
        args.command == "publish"
        or (args.command == "export" and getattr(args, "export_kind", "") == "ical")
        or (args.command == "import" and getattr(args, "import_source", "") == "leave")
    )


def _calendar(args: argparse.Namespace, clock: Callable[[], datetime] | None) -> int:
    if args.command == "import" and not Path(args.file).is_file():
        raise CliError(f"{args.file}: no such file; nothing was imported")
    ctx = _open(args, clock)
    if args.command == "publish":
        return _publish(ctx)
    if args.command == "import":
        return _import_leave(ctx, args)
    return _export_ical(ctx, args)


def _export_ical(ctx: AppContext, args: argparse.Namespace) -> int:
    from oncall.exchange import ical_export

    now = ctx.clock()
    zone = _zone(ctx, args.tz)
    lo, hi = ical_export.horizon(
        now, ctx.settings.calendar_days_back, ctx.settings.calendar_days_ahead
    )
    start = _instant(args.start, zone, "--from") if args.start else lo
    end = _instant(args.end, zone, "--to", day_end=True) if args.end else hi
    if end <= start:
        raise CliError(f"--to ({args.end}) must come after --from ({args.start})")
    with ctx.sessions.begin() as s:
        if args.team:
            team = _find_team(s, args.team)
            feed = ical_export.load_team_feed(s, team.id, start, end, now)
        else:
            engineer = _engineer_of(s, args.engineer)
            feed = ical_export.load_engineer_feed(s, engineer.id, start, end, now)
        text = ical_export.export_feed(s, feed, now)
    try:
        ical_export.write_atomic(Path(args.out), text)
    except OSError as error:
        raise CliError(f"cannot write {args.out}: {error}", EXIT_FAILURE) from None
    print(f"wrote {feed.name} ({len(feed.events)} shifts) to {args.out}", file=sys.stderr)
    return EXIT_OK


def _publish(ctx: AppContext) -> int:
    from oncall.exchange import caldav_publish, ical_export

    settings, now = ctx.settings, ctx.clock()
    if not settings.publish_folder and not settings.caldav_url:
        raise CliError(
            "nothing to publish to: choose a folder or a CalDAV calendar in Settings "
            "(publish_folder, caldav_url in the settings file)"
        )
    results = []
    if settings.publish_folder:
        results.append(
            ical_export.publish_folder(
                ctx.sessions,
                settings.publish_folder,
                now,
                days_back=settings.calendar_days_back,
                days_ahead=settings.calendar_days_ahead,
            )
        )
    if settings.caldav_url:
        results.append(
            caldav_publish.publish_caldav(
                ctx.sessions,
                settings.caldav_url,
                settings.caldav_user,
                now,
                days_back=settings.calendar_days_back,
                days_ahead=settings.calendar_days_ahead,
            )
        )
    for status in results:
        word = "published" if status.ok else "FAILED"
        print(f"{status.target} {status.destination}: {word}: {status.message}")
    return EXIT_OK if all(r.ok for r in results) else EXIT_FAILURE


def _import_leave(ctx: AppContext, args: argparse.Namespace) -> int:
    from oncall.exchange.ical_leave import LeaveFileError, import_leave_file

    engineer_id = None
    if args.engineer:
        with ctx.sessions.begin() as s:
            engineer_id = _engineer_of(s, args.engineer).id
    try:
        preview = import_leave_file(
            ctx.sessions, args.file, ctx.clock(), engineer_id=engineer_id, dry_run=args.dry_run,
            days_back=ctx.settings.calendar_days_back,
        )  # fmt: skip
    except LeaveFileError as error:
        raise CliError(f"{error}\n{args.file}: not imported; nothing was changed") from None
    zone = _zone(ctx, None)
    for row in preview.rows:
        who = row.engineer.handle if row.engineer else "?"
        if row.leave is not None:
            when = f"{_table_time(row.leave.start, zone)} to {_table_time(row.leave.end, zone)}"
        else:
            when = ", ".join(row.event.emails) or "no attendee"
        print(f"  {row.action:<9} {who:<10} {when}  {row.event.summary}")
    for reason in preview.skipped:
        print(f"  skipped   {reason}")
    if preview.unmatched_emails:
        print(f"unmatched (give --engineer): {', '.join(preview.unmatched_emails)}")
    verb = "would import" if args.dry_run else "imported"
    print(f"{args.file}: {verb}: {preview.summary()}")
    if args.dry_run:
        print("dry run: nothing was saved")
    return EXIT_OK
