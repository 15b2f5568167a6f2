"""``oncall import pages``, ``oncall report load``, ``oncall export pay``, ``oncall log-page``
(docs/cli.md "Paging history"). ``oncall import pagerduty`` is in pagerduty.py."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from oncall.cli import risk
from oncall.cli.common import (
    EXIT_OK,
    CliError,
    Clock,
    Runner,
    day_range,
    engineer_of,
    find_team,
    import_verb,
    instant,
    not_imported,
    open_context,
    optional_utc,
    person_json,
    person_text,
    print_dry_run,
    print_json,
    print_table,
    require_file,
    table_time,
    team_json,
    utc_text,
    viewer_zone,
    writing,
)

PAGES_IMPORT_SCHEMA = "oncall.import.pages/1"
LOAD_SCHEMA = "oncall.load/1"
LOG_PAGE_SCHEMA = "oncall.page/1"
#: Exit code of an import (or dry run) in which some rows were rejected: the valid rows were
#: imported (formats.md 4.3: all valid rows commit in one transaction), the rejected listed.
EXIT_REJECTED = 3
_ERRORS_SHOWN = 50


def add_parsers(commands: Any, imports: Any, exports: Any, common: argparse.ArgumentParser) -> None:
    """``import pages``, ``report load``, ``export pay`` and ``log-page``."""
    pages = imports.add_parser(
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

    report = commands.add_parser(
        "report", parents=[common], help="reports (on-call load, load risk)"
    )
    kinds = report.add_subparsers(dest="action", required=True, metavar="REPORT")
    load = kinds.add_parser(
        "load", parents=[common], help="per engineer: on-call hours by band, pages, nights"
    )
    _add_range(load, default_days=28)
    load.add_argument("--team", metavar="T", help="only this team's members (name or id)")
    load.add_argument("--json", action="store_true", help=f"print JSON ({LOAD_SCHEMA})")
    risk.add_report_parser(kinds, common)  # report risk (oncall/cli/risk.py)

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


# ---------------------------------------------------------------------------------- import pages


def _import_pages(args: argparse.Namespace, clock: Clock) -> int:
    import time as clock_time

    from oncall.exchange.pages_csv import PagesFileError
    from oncall.jobs import import_pages

    require_file(args.file)
    ctx = open_context(args, clock)
    with ctx.sessions.begin() as s:
        engineer_map = {}
        for item in args.map:
            value, sep, who = item.rpartition("=")
            if not sep or not value.strip():
                raise CliError(f'--map "{item}": write VALUE=ENGINEER, e.g. "Ada L=ada"')
            engineer_map[value.strip()] = engineer_of(s, who).id
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
        raise not_imported(args.file, f"{args.file}: {error} [{error.code}]") from None
    assert report is not None
    if args.json:
        print_json({"schema": PAGES_IMPORT_SCHEMA, **report.to_json()})
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
        print(f"{args.file}: {import_verb(args.dry_run)} {report.rows} rows: {report.summary()}")
        print_dry_run(args.dry_run)
    return EXIT_REJECTED if report.rejected else EXIT_OK


# ---------------------------------------------------------------------------------- report load


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
        "engineer": person_json(e, e.id),
        "oncall_hours": hours(load.oncall),
        "days_on_call": len(load.days_on_call),
        "pages": load.page_count,
        "interruptions": load.interruption_count,
        "night_pages": load.night_page_count,
        "interrupted_nights": load.interrupted_night_count,
        "rest_deficit_nights": load.rest_deficit_night_count,
        "engaged_hours": hours(load.engaged),
    }


def _report_load(args: argparse.Namespace, clock: Clock) -> int:
    from oncall.domain.load import date_range
    from oncall.exchange.pay_csv import load_rows

    ctx = open_context(args, clock)
    zone = viewer_zone(ctx, args.tz)
    first, last = day_range(args, ctx.clock().astimezone(ZoneInfo(zone)).date(), 28)
    start, end = date_range(first, last, zone)
    with ctx.sessions.begin() as s:
        team = find_team(s, args.team) if args.team else None
        rows = load_rows(s, start, end, team_id=team.id if team else None)
    if args.json:
        print_json(
            {
                "schema": LOAD_SCHEMA,
                "team": team_json(team) if team else None,
                "zone": zone,
                "from": utc_text(start),
                "to": utc_text(end),
                "engineers": [_load_json(r) for r in rows],
            }
        )
        return EXIT_OK
    title = team.name if team else "all engineers"
    print(f"on-call load, {title}: {first} to {last} ({zone}; hours in each engineer's zone)")
    table = [
        (
            person_text(r.engineer, r.engineer.id),
            f"{r.oncall.total:.1f}",
            f"{r.oncall.business:.1f}",
            f"{r.oncall.off_hours:.1f}",
            f"{r.oncall.sleep:.1f}",
            str(r.page_count),
            str(r.interruption_count),
            str(r.night_page_count),
            str(r.interrupted_night_count),
            str(r.rest_deficit_night_count),
            f"{r.engaged.total:.1f}",
        )
        for r in rows
    ]
    header = (
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
    )
    print_table(header, table, empty="no engineers")
    return EXIT_OK


# ---------------------------------------------------------------------------------- export pay


def _export_pay(args: argparse.Namespace, clock: Clock) -> int:
    from oncall.exchange.pay_csv import pay_rows, write_pay_csv

    ctx = open_context(args, clock)
    zone = viewer_zone(ctx, args.tz)
    first, last = day_range(args, ctx.clock().astimezone(ZoneInfo(zone)).date(), 28)
    with ctx.sessions.begin() as s:
        team = find_team(s, args.team) if args.team else None
        rows = pay_rows(s, first, last, period=args.period, team_id=team.id if team else None)
    with writing(args.out):
        write_pay_csv(Path(args.out), rows)
    print(f"wrote {len(rows)} rows ({args.period}s, {first} to {last}) to {args.out}",
          file=sys.stderr)  # fmt: skip
    return EXIT_OK


# ---------------------------------------------------------------------------------- log-page


def _log_page(args: argparse.Namespace, clock: Clock) -> int:
    from oncall.db import pages
    from oncall.domain.model import Channel, Page, Severity, Urgency

    ctx = open_context(args, clock)
    zone = viewer_zone(ctx, args.tz)
    with ctx.sessions.begin() as s:
        engineer = engineer_of(s, args.engineer)
        page = Page(
            id=0,
            source=pages.MANUAL_SOURCE,
            source_id="",
            engineer_id=engineer.id,
            triggered_at=instant(args.at, zone, "--at"),
            acknowledged_at=instant(args.ack, zone, "--ack") if args.ack else None,
            resolved_at=instant(args.resolved, zone, "--resolved") if args.resolved else None,
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
        print_json(
            {
                "schema": LOG_PAGE_SCHEMA,
                "id": stored.id,
                "source": stored.source,
                "source_id": stored.source_id,
                "engineer": person_json(engineer, engineer.id),
                "triggered_at": utc_text(stored.triggered_at),
                "acknowledged_at": optional_utc(stored.acknowledged_at),
                "resolved_at": optional_utc(stored.resolved_at),
                "incident_key": stored.incident_key,
                "severity": stored.severity.value if stored.severity else None,
                "urgency": stored.urgency.value if stored.urgency else None,
                "channel": stored.channel.value if stored.channel else None,
                "service": stored.service,
                "title": stored.title,
            }
        )
        return EXIT_OK
    when = table_time(stored.triggered_at, zone)
    print(f"logged page #{stored.id} for {engineer.name} at {when} ({zone})")
    return EXIT_OK


RUNNERS: dict[str, Runner] = {
    "import pages": _import_pages,
    "report load": _report_load,
    "report risk": risk.report_risk,
    "export pay": _export_pay,
    "log-page": _log_page,
}
