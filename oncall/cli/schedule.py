"""``oncall schedule`` (final shifts and gaps over dates) and ``oncall who`` (on call now)."""

from __future__ import annotations

import argparse
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from oncall.cli.common import (
    EXIT_OK,
    Clock,
    Runner,
    find_team,
    instant,
    instant_window,
    local_text,
    open_context,
    person_json,
    person_text,
    print_json,
    print_table,
    span_json,
    table_time,
    team_json,
    utc_text,
    viewer_zone,
)

if TYPE_CHECKING:
    from oncall.domain.model import Engineer, Gap, Provenance, Shift, Team, TeamPlan

SCHEDULE_SCHEMA = "oncall.schedule/1"
WHO_SCHEMA = "oncall.who/1"


def add_parsers(commands: Any, imports: Any, exports: Any, common: argparse.ArgumentParser) -> None:
    """``schedule`` and ``who``."""
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


# ---------------------------------------------------------------------------------- schedule


def _schedule(args: argparse.Namespace, clock: Clock) -> int:
    from oncall.db import queries
    from oncall.domain.ledger import final_schedule

    ctx = open_context(args, clock)
    zone = viewer_zone(ctx, args.tz)
    start, end = instant_window(args, zone)
    now = ctx.clock()
    with ctx.sessions.begin() as s:
        team = find_team(s, args.team)
        plan = queries.load_plan(s, team.id)
        ledger = queries.ledger(s, team.id, start, end)
        people = {e.id: e for e in queries.list_engineers(s, include_inactive=True)}
    final = final_schedule(plan, ledger, start, end, now)

    if args.json:
        shifts = [
            {
                "team": team.name,
                "role": x.role.value,
                **span_json(x.start, x.end, zone),
                "engineer": person_json(people.get(x.engineer_id), x.engineer_id),
                "provenance": _provenance(x.source, plan),
                "frozen": x.end <= now,
            }
            for x in final.shifts
        ]
        gaps = [
            {"team": team.name, "role": g.role.value, **span_json(g.start, g.end, zone)}
            for g in final.gaps
        ]
        print_json(
            {
                "schema": SCHEDULE_SCHEMA,
                "team": team_json(team),
                "zone": zone,
                "from": utc_text(start),
                "to": utc_text(end),
                "shifts": shifts,
                "gaps": gaps,
            }
        )
        return EXIT_OK

    print(f"{team.name}: {table_time(start, zone)} to {table_time(end, zone)} ({zone})")
    rows = [
        (
            x.role.value,
            table_time(x.start, zone),
            table_time(x.end, zone),
            person_text(people.get(x.engineer_id), x.engineer_id),
            _provenance_text(x.source, plan),
        )
        for x in final.shifts
    ]
    print_table(("ROLE", "START", "END", "ON CALL", "FROM"), rows, empty="no shifts in this window")
    if final.gaps:
        print(f"\n{len(final.gaps)} gap(s) with nobody on call:")
        print_table(
            ("ROLE", "START", "END"),
            [
                (g.role.value, table_time(g.start, zone), table_time(g.end, zone))
                for g in final.gaps
            ],
        )
    else:
        print("\nno gaps")
    return EXIT_OK


# ---------------------------------------------------------------------------------- who


def _who(args: argparse.Namespace, clock: Clock) -> int:
    from oncall.db import queries
    from oncall.domain.ledger import final_schedule
    from oncall.domain.model import COVERED_ROLES

    ctx = open_context(args, clock)
    zone = viewer_zone(ctx, args.tz)
    now = ctx.clock()
    at = instant(args.at, zone, "--at") if args.at else now
    on_call: list[tuple[Team, TeamPlan, Shift]] = []
    uncovered: list[tuple[Team, Gap]] = []
    with ctx.sessions.begin() as s:
        teams = [find_team(s, args.team)] if args.team else queries.list_teams(s)
        people = {e.id: e for e in queries.list_engineers(s, include_inactive=True)}
        for team in teams:
            plan = queries.load_plan(s, team.id)
            # Read far enough either side that the shifts holding ``at`` come out whole.
            reach = _longest_shift(plan)
            window = (at - reach, at + reach)
            final = final_schedule(plan, queries.ledger(s, team.id, *window), *window, now)
            on_call += [(team, plan, x) for x in final.shifts if x.start <= at < x.end]
            uncovered += [
                (team, g) for g in final.gaps if g.role in COVERED_ROLES and g.start <= at < g.end
            ]

    if args.json:
        print_json(
            {
                "schema": WHO_SCHEMA,
                "at": utc_text(at),
                "zone": zone,
                "on_call": [
                    {
                        "team": team.name,
                        "role": x.role.value,
                        "engineer": person_json(people.get(x.engineer_id), x.engineer_id),
                        "local_time": _engineer_local(people.get(x.engineer_id), at),
                        **span_json(x.start, x.end, zone),
                        "provenance": _provenance(x.source, plan),
                    }
                    for team, plan, x in on_call
                ],
                "gaps": [{"team": team.name, "role": g.role.value} for team, g in uncovered],
            }
        )
        return EXIT_OK

    print(f"on call at {table_time(at, zone)} ({zone})")
    rows = []
    for team, _plan, x in on_call:
        person = people.get(x.engineer_id)
        local = (
            f"{at.astimezone(ZoneInfo(person.zone)).strftime('%a %H:%M')} {person.zone}"
            if person
            else ""
        )
        rows.append(
            (
                team.name,
                x.role.value,
                person_text(person, x.engineer_id),
                local,
                table_time(x.end, zone),
            )
        )
    rows += [(team.name, g.role.value, "NOBODY (gap)", "", "") for team, g in uncovered]
    print_table(
        ("TEAM", "ROLE", "ON CALL", "THEIR TIME", "UNTIL"),
        rows,
        empty="nobody is on call (no teams with rotations)",
    )
    return EXIT_OK


def _engineer_local(engineer: Engineer | None, at: datetime) -> str | None:
    return local_text(at, engineer.zone) if engineer is not None else None


def _longest_shift(plan: TeamPlan) -> timedelta:
    """How long the plan's longest shift or override can be (a day more, for DST and joins)."""
    units = {"hours": timedelta(hours=1), "days": timedelta(days=1), "weeks": timedelta(weeks=1)}
    lengths = [
        units[v.cadence_unit.value] * v.cadence_count for r in plan.rotations for v in r.versions
    ]
    lengths += [o.end - o.start for o in plan.overrides]
    return max(lengths, default=timedelta()) + timedelta(days=1)


RUNNERS: dict[str, Runner] = {"schedule": _schedule, "who": _who}
