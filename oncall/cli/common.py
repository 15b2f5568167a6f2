"""What every command area shares: errors and exit codes, the context, zones and instants,
lookups, JSON pieces and tables.

Imports stay light here too: the database and the file formats are imported inside the
functions that need them.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from sqlalchemy.orm import Session  # noqa: TID251  (a type only)

    from oncall.app import AppContext
    from oncall.domain.model import Engineer, Team

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2

#: The clock a command reads ``now`` from; ``None`` is the real one (tests pass their own).
Clock = Callable[[], datetime] | None
#: What runs one command: the parsed arguments and the clock in, the exit code out.
Runner = Callable[[argparse.Namespace, Clock], int]


class CliError(Exception):
    """A problem to report on stderr as one or more lines, with an exit code (2: the input)."""

    def __init__(self, message: str, code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.code = code


# ---------------------------------------------------------------------------------- context


def location(args: argparse.Namespace) -> tuple[str | None, bool]:
    """``--data-dir`` and ``--demo``; missing when not given anywhere (their defaults are
    SUPPRESS so a subcommand never overwrites a value given before it, see app.py)."""
    return getattr(args, "data_dir", None), getattr(args, "demo", False)


def real_clock(clock: Clock) -> Callable[[], datetime]:
    """``clock``, else the machine's (UTC)."""
    from oncall.app import utc_now

    return clock or utc_now


def open_context(args: argparse.Namespace, clock: Clock) -> AppContext:
    """The app's context on the chosen data folder (migrating or creating the database)."""
    from oncall import app

    data_dir, demo = location(args)
    ctx = app.open_context(data_dir, demo=demo, clock=real_clock(clock))
    _opened.append(ctx)
    return ctx


_opened: list[AppContext] = []


def close_contexts() -> None:
    """Close every context :func:`open_context` opened (``main`` calls it as a command ends):
    a team server's connections are closed, not left to the garbage collector."""
    while _opened:
        _opened.pop().close()


# ---------------------------------------------------------------------------------- instants


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


def viewer_zone(ctx: AppContext, wanted: str | None) -> str:
    """The zone to show times in: ``--tz``, else the viewer's setting, else the machine's."""
    from oncall.exchange.teamfile import zone_problem

    if wanted:
        problem = zone_problem(wanted)
        if problem:
            raise CliError(f"--tz: {problem}")
        return wanted
    return ctx.settings.viewer_zone or machine_zone()


def instant(text: str, zone: str, option: str, *, day_end: bool = False) -> datetime:
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


def instant_window(
    args: argparse.Namespace, zone: str, default: tuple[datetime, datetime] | None = None
) -> tuple[datetime, datetime]:
    """``--from`` and ``--to`` (``args.start``, ``args.end``) as a half-open window of instants:
    the last day is inclusive, an instant exclusive. A missing end takes ``default``'s."""
    lo, hi = default if default is not None else (None, None)
    start = instant(args.start, zone, "--from") if args.start else lo
    end = instant(args.end, zone, "--to", day_end=True) if args.end else hi
    assert start is not None  # a required option, or a default
    assert end is not None
    if end <= start:
        raise CliError(f"--to ({args.end}) must come after --from ({args.start})")
    return start, end


def day_range(args: argparse.Namespace, today: date, days: int) -> tuple[date, date]:
    """``--from`` and ``--to`` as whole days (both inclusive; reports count days, not
    instants); by default the ``days`` days before ``today``."""
    try:
        last = date.fromisoformat(args.end) if args.end else today - timedelta(days=1)
        first = date.fromisoformat(args.start) if args.start else last - timedelta(days=days - 1)
    except ValueError:
        raise CliError("--from and --to take dates such as 2026-11-16") from None
    if last < first:
        raise CliError(f"--to ({last}) must not come before --from ({first})")
    return first, last


# ---------------------------------------------------------------------------------- lookups


def find_team(s: Session, wanted: str) -> Team:
    """The team named ``wanted`` (an id first when it is digits); else a usage error."""
    from oncall.db import queries

    team = queries.find_team(s, int(wanted) if wanted.isdigit() else wanted)
    if team is None and wanted.isdigit():
        team = queries.find_team(s, wanted)
    if team is None:
        names = ", ".join(t.name for t in queries.list_teams(s))
        known = f"teams: {names}" if names else "there are no teams yet (oncall team import FILE)"
        raise CliError(f'no team named "{wanted}"; {known}')
    return team


def engineer_of(s: Session, wanted: str) -> Engineer:
    """The engineer with this handle, email or id (active or not); else a usage error."""
    from oncall.db import queries

    engineer = queries.find_engineer(s, wanted)
    if engineer is None:
        raise CliError(f'no engineer "{wanted}" (give a handle, email or id)')
    return engineer


# ---------------------------------------------------------------------------------- JSON


def print_json(document: dict[str, Any]) -> None:
    """One JSON document on stdout, as every ``--json`` prints it."""
    print(json.dumps(document, indent=2, ensure_ascii=False))


def utc_text(value: datetime) -> str:
    """ISO 8601 in UTC with a ``Z``: ``2026-11-16T09:00:00Z``."""
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def optional_utc(value: datetime | None) -> str | None:
    """:func:`utc_text`, or ``None`` (JSON null) for a missing instant."""
    return utc_text(value) if value is not None else None


def local_text(value: datetime, zone: str) -> str:
    """ISO 8601 wall-clock time in ``zone`` with its offset."""
    return value.astimezone(ZoneInfo(zone)).isoformat(timespec="seconds")


def span_json(start: datetime, end: datetime, zone: str) -> dict[str, str]:
    """A shift's or gap's ends, in UTC and in the viewer's zone."""
    return {
        "start": utc_text(start),
        "end": utc_text(end),
        "local_start": local_text(start, zone),
        "local_end": local_text(end, zone),
    }


def team_json(team: Team) -> dict[str, Any]:
    return {"id": team.id, "name": team.name, "zone": team.zone}


def person_json(engineer: Engineer | None, engineer_id: int) -> dict[str, Any]:
    """An engineer in JSON; only the id when the engineer is unknown here."""
    if engineer is None:
        return {"id": engineer_id, "handle": None, "name": None, "zone": None}
    return {
        "id": engineer.id,
        "handle": engineer.handle,
        "name": engineer.name,
        "zone": engineer.zone,
    }


# ---------------------------------------------------------------------------------- text


def person_text(engineer: Engineer | None, engineer_id: int) -> str:
    """``Ada Lovelace (ada)``, or ``engineer #3`` when the engineer is unknown here."""
    if engineer is None:
        return f"engineer #{engineer_id}"
    return f"{engineer.name} ({engineer.handle})"


def table_time(value: datetime, zone: str) -> str:
    return value.astimezone(ZoneInfo(zone)).strftime("%a %Y-%m-%d %H:%M")


def print_table(
    header: Sequence[str], rows: Sequence[Sequence[str]], *, empty: str | None = None
) -> None:
    """Columns padded to their widest cell; ``empty`` is printed instead of a table with no
    rows (without it, the header alone)."""
    if not rows and empty is not None:
        print(empty)
        return
    widths = [max(len(str(c)) for c in column) for column in zip(header, *rows, strict=True)]
    for row in (header, *rows):
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


# ---------------------------------------------------------------------------------- files


def require_file(name: str) -> None:
    """A usage error for a missing input file, checked before the database is opened (or
    created)."""
    if not Path(name).is_file():
        raise CliError(f"{name}: no such file; nothing was imported")


def not_imported(name: str, problem: object) -> CliError:
    """The error for an input file that was refused as a whole."""
    return CliError(f"{problem}\n{name}: not imported; nothing was changed")


@contextlib.contextmanager
def writing(name: str) -> Iterator[None]:
    """Turns a failure to write the output file ``name`` into an error (exit code 1)."""
    try:
        yield
    except OSError as error:
        raise CliError(f"cannot write {name}: {error}", EXIT_FAILURE) from None


def import_verb(dry_run: bool) -> str:
    return "would import" if dry_run else "imported"


def print_dry_run(dry_run: bool) -> None:
    if dry_run:
        print("dry run: nothing was saved")
