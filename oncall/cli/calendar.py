"""``oncall export ical``, ``oncall publish``, ``oncall import leave`` (docs/calendar.md)."""

from __future__ import annotations

import argparse
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

from oncall.cli.common import (
    EXIT_FAILURE,
    EXIT_OK,
    CliError,
    Clock,
    Runner,
    engineer_of,
    find_team,
    import_verb,
    instant_window,
    not_imported,
    open_context,
    print_dry_run,
    require_file,
    table_time,
    viewer_zone,
    writing,
)


def add_parsers(commands: Any, imports: Any, exports: Any, common: argparse.ArgumentParser) -> None:
    """``export ical``, ``publish`` and ``import leave``."""
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

    commands.add_parser(
        "publish",
        parents=[common],
        help="refresh the published calendars (folder and CalDAV, per Settings); for cron",
    )
    leave = imports.add_parser(
        "leave", parents=[common], help="import leave from an .ics file (Google, Outlook)"
    )
    leave.add_argument("file", metavar="FILE", help="an iCalendar (.ics) export")
    leave.add_argument(
        "--engineer", metavar="E", help="whose leave (default: matched by attendee email)"
    )
    leave.add_argument("--dry-run", action="store_true", help="show the preview; save nothing")


def _export_ical(args: argparse.Namespace, clock: Clock) -> int:
    from oncall.exchange import ical_export

    ctx = open_context(args, clock)
    now = ctx.clock()
    zone = viewer_zone(ctx, args.tz)
    default = ical_export.horizon(
        now, ctx.settings.calendar_days_back, ctx.settings.calendar_days_ahead
    )
    start, end = instant_window(args, zone, default)
    with ctx.sessions.begin() as s:
        if args.team:
            team = find_team(s, args.team)
            feed = ical_export.load_team_feed(s, team.id, start, end, now)
        else:
            engineer = engineer_of(s, args.engineer)
            feed = ical_export.load_engineer_feed(s, engineer.id, start, end, now)
        text = ical_export.export_feed(s, feed, now)
    with writing(args.out):
        ical_export.write_atomic(Path(args.out), text)
    print(f"wrote {feed.name} ({len(feed.events)} shifts) to {args.out}", file=sys.stderr)
    return EXIT_OK


def _publish(args: argparse.Namespace, clock: Clock) -> int:
    from oncall.exchange import caldav_publish, ical_export

    ctx = open_context(args, clock)
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


def _import_leave(args: argparse.Namespace, clock: Clock) -> int:
    from oncall.exchange.ical_leave import LeaveFileError, import_leave_file

    require_file(args.file)
    ctx = open_context(args, clock)
    engineer_id = None
    if args.engineer:
        with ctx.sessions.begin() as s:
            engineer_id = engineer_of(s, args.engineer).id
    try:
        preview = import_leave_file(
            ctx.sessions, args.file, ctx.clock(), engineer_id=engineer_id, dry_run=args.dry_run,
            days_back=ctx.settings.calendar_days_back,
            horizon=timedelta(days=ctx.settings.horizon_days),
        )  # fmt: skip
    except LeaveFileError as error:
        raise not_imported(args.file, error) from None
    zone = viewer_zone(ctx, None)
    for row in preview.rows:
        who = row.engineer.handle if row.engineer else "?"
        if row.leave is not None:
            when = f"{table_time(row.leave.start, zone)} to {table_time(row.leave.end, zone)}"
        else:
            when = ", ".join(row.event.emails) or "no attendee"
        why = f" ({row.reason})" if row.reason else ""
        print(f"  {row.action:<9} {who:<10} {when}  {row.event.summary}{why}")
    for reason in preview.skipped:
        print(f"  skipped   {reason}")
    if preview.unmatched_emails:
        print(f"unmatched (give --engineer): {', '.join(preview.unmatched_emails)}")
    print(f"{args.file}: {import_verb(args.dry_run)}: {preview.summary()}")
    print_dry_run(args.dry_run)
    return EXIT_OK


RUNNERS: dict[str, Runner] = {
    "export ical": _export_ical,
    "publish": _publish,
    "import leave": _import_leave,
}
