"""``oncall report risk`` (docs/cli.md "On-call load risk"): each engineer's level and every
rule with its value, thresholds and reason. The ``report`` group is made in pages.py, which
calls :func:`add_report_parser`; the runner is listed in pages.py's RUNNERS."""

from __future__ import annotations

import argparse
from typing import Any

from oncall.cli.common import (
    EXIT_OK,
    Clock,
    find_team,
    instant,
    open_context,
    person_json,
    person_text,
    print_json,
    print_table,
    team_json,
    utc_text,
    viewer_zone,
)

RISK_SCHEMA = "oncall.risk/1"
_MARK = {"low": "·", "elevated": "▲", "high": "▲▲"}  # a shape as well as the word


def add_report_parser(kinds: Any, common: argparse.ArgumentParser) -> None:
    """``report risk`` under the ``report`` group."""
    risk = kinds.add_parser(
        "risk",
        parents=[common],
        help="per engineer: on-call load risk (low/elevated/high) and why; not a medical one",
    )
    risk.add_argument("--at", metavar="INSTANT", help="assess at this ISO 8601 instant (now)")
    risk.add_argument("--team", metavar="T", help="only this team's members (name or id)")
    risk.add_argument("--tz", metavar="ZONE", help="read --at without an offset in this zone")
    risk.add_argument("--json", action="store_true", help=f"print JSON ({RISK_SCHEMA})")


def _rule_json(r: Any) -> dict[str, Any]:
    return {
        "rule": r.rule,
        "family": r.family,
        "outcome": r.outcome.value,
        "value": r.value,
        "elevated_at": r.elevated_at,
        "high_at": r.high_at,
        "window": r.window,
        "reason": r.reason,
        "source": r.source,
    }


def report_risk(args: argparse.Namespace, clock: Clock) -> int:
    """Assess every engineer (of ``--team``) at ``--at`` and print levels and reasons."""
    from oncall.domain.risk import assess_team, outliers
    from oncall.exchange.history import gather_for_risk

    ctx = open_context(args, clock)
    zone = viewer_zone(ctx, args.tz)
    at = instant(args.at, zone, "--at") if args.at else ctx.clock()
    risk, metrics = ctx.settings.risk, ctx.settings.load_metrics()
    with ctx.sessions.begin() as s:
        team = find_team(s, args.team) if args.team else None
        found = gather_for_risk(s, at, team_id=team.id if team else None, settings=risk)
    team_zone = team.zone if team else "UTC"
    assessed = assess_team(found.engineers, found.shifts, found.pages, found.leave,
                           found.holidays, at, risk, metrics, team_zone, found.since)  # fmt: skip
    marked = outliers(assessed)
    people = {e.id: e for e in found.engineers}
    if args.json:
        print_json(
            {
                "schema": RISK_SCHEMA,
                "team": team_json(team) if team else None,
                "at": utc_text(at),
                "note": "A load signal, not a medical assessment.",
                "engineers": [
                    {
                        "engineer": person_json(people.get(a.engineer_id), a.engineer_id),
                        "level": a.level.value,
                        "partial": a.partial,
                        "headline": a.headline,
                        "out_of_hours_outlier": a.engineer_id in marked,
                        "warnings": list(a.warnings),
                        "rules": [_rule_json(r) for r in a.rules],
                        "advisories": [_rule_json(r) for r in a.advisories],
                    }
                    for a in assessed
                ],
            }
        )
        return EXIT_OK
    title = team.name if team else "all engineers"
    print(f"on-call load risk, {title}, at {utc_text(at)} (a load signal, not a medical one)")
    table = [
        (
            person_text(people.get(a.engineer_id), a.engineer_id),
            f"{_MARK[a.level.value]} {a.level.value.upper()}" + (" (partial)" if a.partial else ""),
            a.headline + ("  [2x team median out of hours]" if a.engineer_id in marked else ""),
        )
        for a in assessed
    ]
    print_table(("ENGINEER", "LEVEL", "HEADLINE"), table, empty="no engineers")
    for a in assessed:
        print()
        print(f"{person_text(people.get(a.engineer_id), a.engineer_id)}: {a.level.value}")
        for w in a.warnings:
            print(f"  warning: {w}")
        for r in (*a.rules, *a.advisories):
            value = "-" if r.value is None else f"{r.value:g}"
            limits = f"E {_num(r.elevated_at)} / H {_num(r.high_at)}"
            print(f"  {r.rule} {r.outcome.value:<17} {value:>7}  {limits:<14} {r.reason}")
    return EXIT_OK


def _num(v: float | None) -> str:
    return "-" if v is None else f"{v:g}"
