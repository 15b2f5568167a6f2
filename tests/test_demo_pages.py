"""The demo's paging history: a year of it, alive on the Load screen, the same for one clock."""

from __future__ import annotations

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
    assert max(counts[:4]) >= sorted(counts)[-8]  # a heavy week in the last four


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
