"""The demo's paging history: a year of it, alive on the Load screen, the same for one clock."""

from __future__ import annotations

import statistics
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from oncall.app import AppContext, open_context
from oncall.db import pages as page_store
from oncall.db import queries
from oncall.domain.load import period
from oncall.domain.model import Channel, Urgency
from oncall.exchange.pay_csv import load_rows

NOW = datetime(2026, 11, 22, 23, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> AppContext:
    started = time.perf_counter()
    ctx = open_context(tmp_path_factory.mktemp("demo"), demo=True, clock=lambda: NOW)
    assert time.perf_counter() - started < 3.0  # the whole demo, paging history included
    return ctx


def all_pages(ctx: AppContext) -> list:
    with ctx.sessions() as s:
        return page_store.list_pages(s)


def test_a_year_of_pages_before_now(demo: AppContext) -> None:
    pages = all_pages(demo)
    assert len(pages) > 500
    assert min(p.triggered_at for p in pages) < NOW - timedelta(days=330)
    assert max(p.triggered_at for p in pages) < NOW
    kinds = Counter(p.source for p in pages)
    assert kinds["manual"] >= 5  # some were logged by hand
    assert sum(p.channel is Channel.EMAIL and p.urgency is Urgency.LOW for p in pages) > 50
    keys = Counter(p.incident_key for p in pages if p.incident_key)
    assert max(keys.values()) >= 3  # an incident that re-paged


def test_weeks_vary_from_quiet_to_heavy(demo: AppContext) -> None:
    weeks = Counter((NOW - p.triggered_at).days // 7 for p in all_pages(demo))
    counts = [weeks.get(w, 0) for w in range(52)]
    assert min(counts) * 4 < max(counts)
    # The last four weeks are busy, not heavy: their routine incidents fall in office hours
    # (the risk story), so Load's default 28 days show more than a median week, calmly.
    assert max(counts[:4]) > statistics.median(counts)


def test_someone_had_several_night_pages_last_week(demo: AppContext) -> None:
    with demo.sessions() as s:
        team = next(t for t in queries.list_teams(s) if t.name == "Payments")
        start, end = period("7d", NOW, team.zone)
        rows = load_rows(s, start, end, team_id=team.id)
    assert max(len(r.interrupted_nights) for r in rows) >= 3


def test_nights_cluster_after_tuesday_and_thursday_deploys(demo: AppContext) -> None:
    from zoneinfo import ZoneInfo

    london = ZoneInfo("Europe/London")
    evenings = Counter()
    for p in all_pages(demo):
        local = p.triggered_at.astimezone(london)
        if local.hour >= 19:
            evenings[local.weekday()] += 1
    assert evenings[1] + evenings[3] > 1.5 * (evenings[0] + evenings[2])


def test_the_same_clock_gives_the_same_history(demo: AppContext, tmp_path: Path) -> None:
    again = open_context(tmp_path / "again", demo=True, clock=lambda: NOW)

    def shape(ctx: AppContext) -> list:
        return [(p.source_id, p.triggered_at, p.channel, p.title) for p in all_pages(ctx)]

    assert shape(again) == shape(demo)


# --- the risk story (issue 5): one engineer at High, one at Elevated, for readable reasons ---


def _risk(ctx: AppContext, now: datetime) -> list:
    from oncall.domain.risk import assess_team
    from oncall.exchange.history import gather_for_risk

    with ctx.sessions() as s:
        found = gather_for_risk(s, now)
        teams = {
            e.id: t.name for t in queries.list_teams(s) for e in queries.team_engineers(s, t.id)
        }
    assessed = assess_team(found.engineers, found.shifts, found.pages, found.leave,
                           found.holidays, now, since=found.since)  # fmt: skip
    return [(teams[a.engineer_id], a) for a in assessed]


@pytest.mark.parametrize(
    "now",
    [
        NOW,  # Sunday night
        datetime(2026, 11, 26, 14, 30, tzinfo=UTC),  # Thursday afternoon
        datetime(2027, 1, 4, 7, 30, tzinfo=UTC),  # Monday before the 09:00 handoff
        datetime(2027, 3, 23, 19, 30, tzinfo=UTC),  # Tuesday evening, New York on summer time
        datetime(2027, 4, 5, 8, 30, tzinfo=UTC),  # a week after the UK's clocks went forward
    ],
    ids=lambda d: d.strftime("%a-%Y-%m-%d"),
)
def test_one_engineer_is_high_and_one_elevated_for_reasons_a_newcomer_can_read(
    demo: AppContext, now: datetime, tmp_path: Path
) -> None:
    ctx = demo if now == NOW else open_context(tmp_path, demo=True, clock=lambda: now)
    assessed = _risk(ctx, now)
    assert Counter(str(a.level) for _, a in assessed) == {"high": 1, "elevated": 1, "low": 10}
    # High: last week's Payments primary, woken night after night.
    team, a = next((team, a) for team, a in assessed if a.level == "high")
    assert team == "Payments"
    assert {"N1", "N2"} <= {r.rule for r in a.reasons if r.outcome == "high"}
    assert "nights interrupted in the last 7 days (elevated at 2, high at 3)" in a.headline
    # Elevated: a Platform engineer paged on seven evenings, one family of rules only.
    team, a = next((team, a) for team, a in assessed if a.level == "elevated")
    assert team == "Platform"
    assert a.headline == (
        "7 out-of-hours interruptions in the last 28 days (elevated at 7, high at 19)"
    )
    assert {r.family for r in a.reasons} == {"chronic"}
    # The rota raises nobody: every on-call share is within the SRE book's 25%, no run of
    # days on call reaches 8, and everyone has a year of history (nobody is "partial").
    assert all(a.rule("C2").outcome == "ok" for _, a in assessed)
    assert all(a.rule("C2").value <= 0.25 for _, a in assessed)
    assert all(a.rule("C3").outcome == "ok" for _, a in assessed)
    assert not [a.engineer_id for _, a in assessed if a.partial]
