"""The demo a newcomer opens with ``oncall --demo``: alive, complete, built once, kept apart."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event

from oncall import demo
from oncall.app import AppContext, open_context
from oncall.db import commands, queries
from oncall.domain.model import COVERED_ROLES, LeaveKind, Role, SourceKind
from oncall.domain.schedule import resolve

# A Sunday in November: the "next Monday" arithmetic and GMT, plus two dates that stress the
# follow-the-sun layers (London and New York on different offsets in March) and a Friday.
NOW = datetime(2026, 11, 22, 23, 30, tzinfo=UTC)
OTHER_NOWS = (
    datetime(2027, 3, 19, 7, 15, tzinfo=UTC),  # Friday morning, US on summer time, UK not
    datetime(2027, 7, 3, 12, 0, tzinfo=UTC),  # Saturday, both on summer time
    datetime(2027, 1, 4, 7, 30, tzinfo=UTC),  # Monday before the 09:00 handoff
    datetime(2027, 10, 29, 19, 0, tzinfo=UTC),  # Friday evening, UK on summer time, clocks apart
)


def open_demo(data_dir: Path, now: datetime) -> AppContext:
    return open_context(data_dir, demo=True, clock=lambda: now)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Callable[[datetime], AppContext]:
    """Demos built once per clock, shared by the read-only tests of this module."""
    cache: dict[datetime, AppContext] = {}

    def at(now: datetime) -> AppContext:
        if now not in cache:
            cache[now] = open_demo(tmp_path_factory.mktemp("demo"), now)
        return cache[now]

    return at


@pytest.fixture
def demo_ctx(built: Callable[[datetime], AppContext]) -> AppContext:
    """The demo as opened on :data:`NOW`."""
    return built(NOW)


def everything(ctx: AppContext) -> dict[str, object]:
    """What the demo holds, as plain data, to compare before and after."""
    now = ctx.clock()
    with ctx.sessions() as s:
        teams = queries.list_teams(s)
        plans = [queries.load_plan(s, t.id) for t in teams]
        return {
            "teams": teams,
            "engineers": queries.list_engineers(s, include_inactive=True),
            "rotations": [p.rotations for p in plans],
            "overrides": [p.overrides for p in plans],
            "swaps": [p.swaps for p in plans],
            "leave": [p.leave for p in plans],
            "ledger": queries.ledger(s, None, now - timedelta(days=800), now + timedelta(days=800)),
        }


def coming_two_weeks(ctx: AppContext):
    now = ctx.clock()
    with ctx.sessions() as s:
        plans = [queries.load_plan(s, t.id) for t in queries.list_teams(s)]
    return [(p, resolve(p, now, now + timedelta(days=14))) for p in plans]


def test_two_teams_of_real_people_across_zones(demo_ctx: AppContext) -> None:
    data = everything(demo_ctx)
    assert {t.name for t in data["teams"]} == {"Payments", "Platform"}
    engineers = data["engineers"]
    assert 8 <= len(engineers) <= 12
    assert len({e.zone for e in engineers}) >= 3
    assert len({e.handle for e in engineers}) == len(engineers)
    for e in engineers:
        assert e.email.endswith("@example.com"), e
        assert e.phone.startswith("+"), e
        assert e.country, f"{e.name} has no country for public holidays"
        assert " " in e.name
    with demo_ctx.sessions() as s:
        for team in data["teams"]:
            assert len(queries.team_engineers(s, team.id)) >= 4


def test_payments_has_primary_secondary_and_a_restricted_shadow(demo_ctx: AppContext) -> None:
    with demo_ctx.sessions() as s:
        plan = queries.load_plan(s, queries.find_team(s, "Payments").id)
    roles = {v.role for r in plan.rotations for v in r.versions}
    assert {Role.PRIMARY, Role.SECONDARY, Role.SHADOW} <= roles
    primary = next(r for r in plan.rotations if r.current.role is Role.PRIMARY)
    assert primary.current.zone == "Europe/London"
    assert (primary.current.anchor.weekday(), primary.current.anchor.hour) == (0, 9)
    shadow = next(r for r in plan.rotations if r.current.role is Role.SHADOW)
    assert shadow.current.restrictions, "the shadow layer keeps to business hours"


def test_platform_follows_the_sun_with_priorities(demo_ctx: AppContext) -> None:
    with demo_ctx.sessions() as s:
        plan = queries.load_plan(s, queries.find_team(s, "Platform").id)
    layers = [r.current for r in plan.rotations]
    assert len({v.zone for v in layers}) >= 2
    assert all(v.restrictions for v in layers)
    assert len({v.priority for v in layers}) == len(layers)
    now = demo_ctx.clock()
    week = resolve(plan, now, now + timedelta(days=7))
    # Two layers take turns: the final schedule is never one person for the whole week.
    assert {s.source.rotation_id for s in week.shifts} >= {r.id for r in plan.rotations}
    assert not week.gaps


def test_rotations_have_a_history_of_versions(demo_ctx: AppContext) -> None:
    now = demo_ctx.clock()
    rotations = [r for team in everything(demo_ctx)["rotations"] for r in team]
    first = min(r.versions[0].effective_from for r in rotations)
    assert now - first >= timedelta(days=365)
    edited = [r for r in rotations if len(r.versions) >= 2]
    assert len(edited) >= 2
    for r in edited:
        assert r.versions[-1].effective_from < now
    # A new member joined, and a cadence changed, during the year.
    assert any(len(r.versions[-1].members) > len(r.versions[0].members) for r in edited)
    assert any(
        (r.versions[-1].cadence_unit, r.versions[-1].cadence_count)
        != (r.versions[0].cadence_unit, r.versions[0].cadence_count)
        for r in edited
    )


def test_a_year_of_frozen_history_and_the_horizon_ahead(demo_ctx: AppContext) -> None:
    now = demo_ctx.clock()
    ledger = everything(demo_ctx)["ledger"]
    frozen = [s for s in ledger if s.frozen]
    assert min(s.start for s in frozen) <= now - timedelta(days=365)
    assert all(s.end <= now for s in frozen)
    assert not any(s.frozen for s in ledger if s.end > now)
    horizon = now + timedelta(days=demo_ctx.settings.horizon_days)
    assert max(s.end for s in ledger) >= horizon - timedelta(days=1)
    # History shows what really happened: covers and swaps, not only rotations.
    kinds = {s.source.kind for s in frozen}
    assert kinds == {SourceKind.ROTATION, SourceKind.OVERRIDE, SourceKind.SWAP}


def test_leave_overrides_and_swaps_in_past_and_future(demo_ctx: AppContext) -> None:
    now = demo_ctx.clock()
    data = everything(demo_ctx)
    leave = [item for team in data["leave"] for item in team]
    overrides = [o for team in data["overrides"] for o in team]
    swaps = [w for team in data["swaps"] for w in team]
    assert any(item.kind is LeaveKind.SICK and item.end <= now for item in leave)
    assert any(item.kind is LeaveKind.VACATION and item.start > now for item in leave)
    assert any(o.end <= now for o in overrides)
    assert any(o.start > now for o in overrides)
    assert any(w.shift_start < now for w in swaps)
    assert any(w.shift_start > now for w in swaps)
    assert all(o.created_at <= now and w.created_at <= now for o in overrides for w in swaps)
    assert any(o.role is Role.SECONDARY for o in overrides)


@pytest.mark.parametrize("now", [NOW, *OTHER_NOWS], ids=lambda d: d.strftime("%a-%Y-%m-%d"))
def test_a_gap_and_a_leave_conflict_in_the_coming_two_weeks(now: datetime, tmp_path: Path) -> None:
    ctx = open_demo(tmp_path, now)
    resolved = coming_two_weeks(ctx)
    gaps = [g for _, r in resolved for g in r.gaps]
    conflicts = [c for _, r in resolved for c in r.conflicts]
    assert gaps, "the demo shows what an uncovered window looks like"
    assert all(g.role in COVERED_ROLES for g in gaps)
    # Within about a week, so the Now screen's "next 7 days" usually shows it too.
    assert all(now < g.start < now + timedelta(days=8) for g in gaps)
    assert len(gaps) == 1, f"only the intended gap: {gaps}"
    # One vacation, nobody covering it yet: it meets a primary week (and, for a learner, the
    # shadow days of that week too).
    assert len({c.leave for c in conflicts}) == 1, f"only the intended leave: {conflicts}"
    assert conflicts[0].leave.kind is LeaveKind.VACATION
    assert any(c.shift.role is Role.PRIMARY for c in conflicts)
    assert all(c.shift.engineer_id == c.leave.engineer_id for c in conflicts)


@pytest.mark.parametrize("now", [NOW, *OTHER_NOWS], ids=lambda d: d.strftime("%a-%Y-%m-%d"))
def test_the_whole_history_has_no_conflict_or_gap_but_the_intended(
    now: datetime, built: Callable[[datetime], AppContext]
) -> None:
    ctx = built(now)
    with ctx.sessions() as s:
        plans = [queries.load_plan(s, t.id) for t in queries.list_teams(s)]
    for plan in plans:
        start = min(r.versions[0].effective_from for r in plan.rotations)
        whole = resolve(plan, start, now + timedelta(days=120))
        assert not whole.orphan_swaps
        assert all(c.leave.start > now - timedelta(days=3) for c in whole.conflicts)
        assert all(now < g.start < now + timedelta(days=14) for g in whole.gaps)


def test_me_is_set_and_has_a_shift_coming(demo_ctx: AppContext) -> None:
    me = demo_ctx.settings.me_engineer_id
    assert me is not None
    with demo_ctx.sessions() as s:
        assert queries.find_engineer(s, me) is not None
        assert queries.next_shifts(s, me, demo_ctx.clock())
        # "Me" holds the Payments pager when the demo opens, so the tray has news.
        on_call = queries.on_call_at(s, demo_ctx.clock())
    assert me in {shift.engineer_id for shift in on_call if shift.role is Role.PRIMARY}


def test_opening_again_adds_nothing_and_costs_one_query(tmp_path: Path) -> None:
    first = open_demo(tmp_path, NOW)
    before = everything(first)
    later = NOW + timedelta(days=3)
    again = open_demo(tmp_path, later)
    statements: list[str] = []
    engine = again.sessions.kw["bind"]
    event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    demo.ensure_demo(again)
    assert len(statements) == 1, statements
    again.clock = first.clock
    assert everything(again) == before
    assert again.settings.me_engineer_id == first.settings.me_engineer_id


def test_demo_keeps_to_its_own_database(data_dir: Path) -> None:
    real = open_context()  # the user's database, in ONCALL_DATA_DIR
    with real.sessions.begin() as s:
        commands.add_team(s, queries_team("Mine"))
    demo_ctx = open_context(demo=True, clock=lambda: NOW)
    assert demo_ctx.paths.database != real.paths.database
    assert data_dir in demo_ctx.paths.database.parents
    assert demo_ctx.paths.settings_file != real.paths.settings_file
    with real.sessions() as s:
        assert [t.name for t in queries.list_teams(s)] == ["Mine"]
        assert queries.list_engineers(s) == []
    assert real.settings.me_engineer_id is None
    with demo_ctx.sessions() as s:
        assert "Mine" not in {t.name for t in queries.list_teams(s)}


def test_a_failed_build_leaves_no_partial_demo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(commands, "add_swap", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        open_demo(tmp_path, NOW)
    monkeypatch.undo()
    ctx = open_demo(tmp_path, NOW)  # the next start builds it whole
    data = everything(ctx)
    assert len(data["teams"]) == 2
    assert len(data["engineers"]) == len(demo.PAYMENTS) + len(demo.PLATFORM)


def queries_team(name: str):
    from oncall.domain.model import Team

    return Team(0, name, "Europe/London")


def test_each_team_has_one_of_its_members_as_lead_with_contact_details(
    demo_ctx: AppContext,
) -> None:
    with demo_ctx.sessions() as s:
        leads = {}
        for team in queries.list_teams(s):
            assert team.lead_engineer_id is not None
            members = {e.id: e for e in queries.team_engineers(s, team.id)}
            lead = members[team.lead_engineer_id]  # a member, so the team file exports them
            assert lead.phone
            assert lead.email
            leads[team.name] = lead.name
    assert leads == {"Payments": "Sofia Marchetti", "Platform": "Oliver Grant"}


# --- incidents --------------------------------------------------------------------------------


def demo_incidents(ctx: AppContext):
    """The demo's incidents, oldest first, each with its timeline, its engineer and people."""
    from oncall.db import incidents

    with ctx.sessions() as s:
        people = {e.id: e for e in queries.list_engineers(s, include_inactive=True)}
    found = sorted(incidents.list_incidents(ctx.sessions), key=lambda i: i.opened_at)
    return [
        (i, incidents.timeline(ctx.sessions, i.id), people[i.engineer_id]) for i in found
    ], people


@pytest.mark.parametrize("now", [NOW, *OTHER_NOWS], ids=lambda d: d.strftime("%a-%Y-%m-%d"))
def test_two_closed_incidents_walked_through_the_default_checklist(
    now: datetime, built: Callable[[datetime], AppContext]
) -> None:
    from oncall.domain.incident import EventKind, Outcome
    from oncall.domain.triage import Runner
    from oncall.exchange.checklists import load_library

    ctx = built(now)
    found, _ = demo_incidents(ctx)
    assert len(found) == 2
    library = load_library(today=now.date()).checklists
    (day, _, day_engineer), (night, night_events, night_engineer) = found
    for incident, events, _engineer in found:
        assert not incident.is_open
        assert incident.outcome is Outcome.RESOLVED
        assert incident.checklist_id == "web-triage"
        kinds = [e.kind for e in events]
        assert kinds[0] is EventKind.OPENED
        assert kinds[-1] is EventKind.CLOSED
        for kind in (EventKind.ANSWER, EventKind.NOTE, EventKind.HELP_CALL):
            assert kind in kinds, kind
        assert kinds.count(EventKind.STATUS_UPDATE) >= 2
        # Real runner events: replaying the timeline reaches the checklist's end step.
        replayed = Runner.replay(library[incident.checklist_id], events, library)
        assert replayed.at_end
        assert replayed.state.fields["summary"] == incident.summary
        assert all(e.at <= now for e in events)

    # About three weeks ago, at 02:14 on the primary's own clock, for the Payments primary.
    local = night.opened_at.astimezone(ZoneInfo(night_engineer.zone))
    assert (local.hour, local.minute) == (2, 14)
    closed = night.closed_at.astimezone(ZoneInfo(night_engineer.zone))
    assert (closed.hour, closed.minute) == (3, 40)
    assert timedelta(days=17) <= now - night.opened_at <= timedelta(days=26)
    with ctx.sessions() as s:
        payments = queries.find_team(s, "Payments")
        on_call = queries.on_call_at(s, night.opened_at)
    held = {(x.team_id, x.role): x.engineer_id for x in on_call}
    assert night.team_id == payments.id
    assert night.engineer_id == held[(payments.id, Role.PRIMARY)]
    # Payments had no secondary then (six people carry the primary alone): the lead is called,
    # or a teammate when the lead holds the pager.
    assert (payments.id, Role.SECONDARY) not in held
    assert night.secondary_id is None
    help_calls = [e for e in night_events if e.kind is EventKind.HELP_CALL]
    assert len(help_calls) == 1
    helper = help_calls[0].data["engineer_id"]
    assert helper != night.engineer_id
    if night.engineer_id != payments.lead_engineer_id:
        assert helper == payments.lead_engineer_id
    assert any(e.data.get("follow_up") for e in night_events if e.kind is EventKind.NOTE)
    assert "vendor analytics script" in night.title
    # About two months ago, in the engineer's working day, and shorter.
    local = day.opened_at.astimezone(ZoneInfo(day_engineer.zone))
    assert local.weekday() < 5
    assert 9 <= local.hour < 17
    assert timedelta(days=50) <= now - day.opened_at <= timedelta(days=70)
    assert day.closed_at - day.opened_at < night.closed_at - night.opened_at


def test_the_incidents_postmortem_drafts_show_the_computed_times(demo_ctx: AppContext) -> None:
    from oncall.domain.postmortem import draft

    found, people = demo_incidents(demo_ctx)
    (day, day_events, day_engineer), (night, night_events, night_engineer) = found
    text = draft(night, night_events, zone=night_engineer.zone, people=people)
    opened = night.opened_at.astimezone(ZoneInfo(night_engineer.zone))
    # Impact began 01:58 (written later), paged 02:14, acknowledged 02:17, rolled back and
    # better at 03:14, resolved message at 03:35, closed 03:40.
    assert f"| Impact began | {opened:%Y-%m-%d} 01:58" in text
    assert f"| Detected | {opened:%Y-%m-%d} 02:14" in text
    assert "- Time to detect: 16 min" in text
    assert "- Time to acknowledge: 3 min" in text
    assert "- Time to mitigate: 1 h 16 min" in text
    assert "- Time to resolve: 1 h 37 min" in text
    from oncall.domain.incident import EventKind

    call = next(e for e in night_events if e.kind is EventKind.HELP_CALL)
    helper = people[call.data["engineer_id"]]
    role = "team lead" if helper.name == "Sofia Marchetti" else "teammate"
    assert f"Called {helper.name} ({role}) on {helper.phone}" in text
    assert "| self-host the analytics script and load it off the checkout path |" in text
    assert "Revert the most recent change, including script versions. — Done" in text
    assert f"{night_engineer.name} (responder)" in text

    text = draft(day, day_events, zone=day_engineer.zone, people=people)
    assert "- Time to acknowledge: 1 min" in text
    assert "- Time to mitigate: 29 min" in text
    assert "- Time to resolve: 42 min" in text
    assert "Drain or fail over the odd node, replica or region. — Done" in text


def test_the_incidents_engaged_time_counts_as_pages_of_the_engineer(demo_ctx: AppContext) -> None:
    from oncall.db import incidents, pages
    from oncall.domain.load import engineer_load

    found, _ = demo_incidents(demo_ctx)
    for incident, _events, engineer in found:
        start = incident.opened_at - timedelta(hours=1)
        end = incident.closed_at + timedelta(hours=1)
        with demo_ctx.sessions() as s:
            theirs = pages.pages_by_engineer(s, [engineer.id], start, end)[engineer.id]
            shifts = queries.ledger(s, None, start, end)
        logged = [p for p in theirs if p.source == incidents.PAGE_SOURCE]
        assert [p.source_id for p in logged] == [str(incident.id)]
        page = logged[0]
        assert (page.triggered_at, page.resolved_at) == (incident.opened_at, incident.closed_at)
        load = engineer_load(engineer, shifts, theirs, (), set(), start, end)
        assert page in load.pages
        assert any(
            a <= incident.opened_at and incident.closed_at <= b for a, b in load.engaged_spans
        )


def test_a_failure_while_writing_the_incidents_leaves_no_demo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from oncall.db import incidents, pages

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    ctx = open_context(tmp_path, clock=lambda: NOW)  # an empty database of its own
    monkeypatch.setattr(incidents, "close_incident_in", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        demo.build_demo(ctx.sessions, NOW)
    with ctx.sessions() as s:
        assert queries.list_teams(s) == []
        assert queries.list_engineers(s, include_inactive=True) == []
        assert pages.list_pages(s) == []
    assert incidents.list_incidents(ctx.sessions) == []
    monkeypatch.undo()
    demo.build_demo(ctx.sessions, NOW)  # the next try builds it whole
    assert [i.is_open for i in incidents.list_incidents(ctx.sessions)] == [False, False]
