"""``oncall plan`` (docs/cli.md "Fair planning"): a fair proposal for one rotation's coming
shifts, with each person's burden before and after; a dry run unless ``--apply``.

The planning guard (burnout.md 9.8) judges the proposal like any other edit: its concerns
(High, rest, a share above 25% or too many days in a row over all of a person's teams,
leave) are printed, and ``--apply`` refuses to save while there are any unless
``--reason "..."`` says why it is OK; the reason is kept with each swap."""

from __future__ import annotations

import argparse
import math
from typing import TYPE_CHECKING, Any

from oncall.cli.common import (
    EXIT_OK,
    CliError,
    Clock,
    Runner,
    find_team,
    instant_window,
    open_context,
    print_json,
    print_table,
    span_json,
    team_json,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy.orm import Session  # noqa: TID251

    from oncall.domain.guard import Concern
    from oncall.domain.model import Rotation, Team
    from oncall.domain.planner import Burden, Fairness, Proposal

PLAN_SCHEMA = "oncall.plan/1"


def add_parsers(commands: Any, imports: Any, exports: Any, common: argparse.ArgumentParser) -> None:
    """``plan``."""
    plan = commands.add_parser(
        "plan", parents=[common], help="a fair plan for a rotation's coming shifts (dry run)"
    )
    plan.add_argument("--rotation", metavar="R", required=True, help="rotation name or id")
    plan.add_argument("--team", metavar="T", help="team name or id (when names repeat)")
    plan.add_argument("--from", dest="start", metavar="DATE", required=True,
                      help="first day (or an ISO 8601 instant), inclusive")  # fmt: skip
    plan.add_argument("--to", dest="end", metavar="DATE", required=True,
                      help="last day, inclusive (or an ISO 8601 instant, exclusive)")  # fmt: skip
    plan.add_argument("--apply", action="store_true", help="save the changes as swaps")
    plan.add_argument(
        "--reason",
        metavar="TEXT",
        default="",
        help="why applying is OK despite the planning guard's concerns "
        "(needed with --apply when there are any; kept with the swaps)",
    )
    plan.add_argument("--json", action="store_true", help=f"print JSON ({PLAN_SCHEMA})")


def _find_rotation(s: Session, wanted: str, team: Team | None) -> tuple[Team, Rotation]:
    from oncall.db import queries

    teams = [team] if team is not None else queries.list_teams(s)
    found = [
        (t, r)
        for t in teams
        for r in queries.list_rotations(s, t.id)
        if (wanted.isdigit() and r.id == int(wanted)) or r.name.lower() == wanted.lower()
    ]
    if not found:
        names = ", ".join(r.name for t in teams for r in queries.list_rotations(s, t.id))
        raise CliError(f'no rotation named "{wanted}"; rotations: {names or "none"}')
    if len(found) > 1:
        where = ", ".join(t.name for t, _ in found)
        raise CliError(f'"{wanted}" names a rotation of several teams ({where}); add --team')
    return found[0]


def _num(value: float) -> float | None:
    return None if math.isinf(value) else round(value, 4)


def _fair_json(f: Fairness) -> dict[str, Any]:
    return {"balance": round(f.balance, 4), "max_min_ratio": _num(f.ratio)}


def _burden_json(b: Burden) -> dict[str, Any]:
    return {
        "score": round(b.score, 2),
        "out_of_hours_hours": round(b.out_of_hours, 2),
        "on_call_hours": round(b.total, 2),
        "weekend_hours": round(b.weekend, 2),
        "holiday_hours": round(b.holiday, 2),
        "shifts": b.shifts,
        "interruptions": b.interruptions,
    }


def _ratio_text(f: Fairness) -> str:
    ratio = "∞" if math.isinf(f.ratio) else f"{f.ratio:.2f}"
    return f"balance {f.balance:.2f}, max/min {ratio}"


def _plan(args: argparse.Namespace, clock: Clock) -> int:
    from oncall.db import queries
    from oncall.exchange.guarding import proposal_concerns
    from oncall.exchange.planning import add_plan_swaps, propose

    ctx = open_context(args, clock)
    now = ctx.clock()
    risk, load = ctx.settings.risk, ctx.settings.load_metrics()
    reason = args.reason.strip()
    with ctx.sessions.begin() as s:
        team = find_team(s, args.team) if args.team else None
        team, rotation = _find_rotation(s, args.rotation, team)
        zone = rotation.current.zone
        start, end = instant_window(args, zone)
        proposal = propose(s, team.id, rotation.id, start, end, now, risk=risk, load=load)
        plan = queries.load_plan(s, team.id)
        plan_names = {e.id: e.name for e in plan.engineers}
        concerns = (
            proposal_concerns(s, plan, proposal, now, risk=risk, load=load)
            if proposal.changes
            else []
        )
    refused = bool(args.apply and concerns and not reason)
    applied = []
    if args.apply and proposal.changes and not refused:
        applied = ctx.edit(team.id, lambda s: add_plan_swaps(s, proposal, now, reason))
    if args.json:
        print_json(_document(proposal, team, rotation, plan_names, args.apply and not refused,
                             applied, concerns, reason))  # fmt: skip
    else:
        _print(proposal, rotation, plan_names, args.apply and not refused, len(applied),
               concerns, refused)  # fmt: skip
    if refused:
        raise CliError(
            f"not applied: the planning guard has {len(concerns)} "
            f"concern{'s' if len(concerns) != 1 else ''} (listed above); "
            'say why it is OK with --reason "..." to apply anyway (the reason is kept)'
        )
    return EXIT_OK


def _document(
    p: Proposal,
    team: Team,
    rotation: Rotation,
    names: dict[int, str],
    apply: bool,
    applied: list,
    concerns: Sequence[Concern] = (),
    reason: str = "",
) -> dict[str, Any]:
    def who(eid: int) -> dict[str, Any]:
        return {"id": eid, "name": names.get(eid, f"#{eid}")}

    return {
        "schema": PLAN_SCHEMA,
        "team": team_json(team),
        "rotation": {"id": rotation.id, "name": rotation.name, "zone": p.zone},
        "window": span_json(p.start, p.end, p.zone),
        "applied": apply,
        "swaps_created": [w.id for w in applied],
        "fairness": {"before": _fair_json(p.before), "after": _fair_json(p.after)},
        "assignments": [
            {
                "shift": span_json(a.shift.start, a.shift.end, p.zone),
                "current": who(a.shift.current),
                "proposed": who(a.engineer_id),
                "changed": a.changed,
            }
            for a in p.assignments
        ],
        "people": [
            {
                "engineer": who(x.engineer_id),
                "before": _burden_json(x.before),
                "after": _burden_json(x.after),
            }
            for x in p.people
        ],
        "unmet": [
            {
                "shift": span_json(u.start, u.end, p.zone),
                "text": u.text,
                "reasons": [{"engineer": who(i), "reason": r} for i, r in u.reasons],
            }
            for u in p.unmet
        ],
        "concerns": [
            {"engineer": who(c.engineer_id), "rule": c.rule.value, "text": c.text} for c in concerns
        ],
        "reason": reason if apply and applied else "",
    }


def _print(
    p: Proposal,
    rotation: Rotation,
    names: dict[int, str],
    apply: bool,
    applied: int,
    concerns: Sequence[Concern] = (),
    refused: bool = False,
) -> None:
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(p.zone)
    print(f"fair plan for {rotation.name} ({p.zone}): {len(p.assignments)} shifts, "
          f"{len(p.changes)} changed")  # fmt: skip
    print(f"fairness before: {_ratio_text(p.before)}; after: {_ratio_text(p.after)}")
    rows = [
        (
            f"{a.shift.start.astimezone(tz):%a %d %b %H:%M} - "
            f"{a.shift.end.astimezone(tz):%a %d %b %H:%M}",
            names.get(a.shift.current, "?"),
            names.get(a.engineer_id, "?") + ("  (changed)" if a.changed else ""),
        )
        for a in p.assignments
    ]
    print()
    print_table(("SHIFT", "NOW", "PROPOSED"), rows, empty="no coming shifts in the range")
    print()
    rows = []
    for x in p.people:
        delta = x.after.score - x.before.score
        mark = "▲ more" if delta > 0.05 else "▼ less" if delta < -0.05 else "= same"
        rows.append((x.name, f"{x.before.score:.0f}", f"{x.after.score:.0f}", mark))
    print_table(("ENGINEER", "BURDEN BEFORE", "AFTER", "CHANGE"), rows, empty="no members")
    for u in p.unmet:
        print(f"unmet: {u.text}")
    for c in concerns:
        print(f"concern ({c.rule.value}): {c.text}")
    if apply:
        print(f"applied: {applied} swaps saved (note 'fair plan')")
    elif refused:
        print("not applied: nothing saved")
    else:
        print("dry run: nothing saved (add --apply to save the changes as swaps)")


RUNNERS: dict[str, Runner] = {"plan": _plan}
