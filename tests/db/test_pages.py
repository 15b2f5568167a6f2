"""Page storage: aware instants, reads by engineer and range, upsert outcomes, manual pages."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from oncall.db import pages
from oncall.domain.model import Channel, Page, Severity, Urgency
from tests.conftest import NOW, Seeded


def page(engineer_id: int, at: datetime, source_id: str = "p1", **fields: object) -> Page:
    return Page(0, "pagerduty", source_id, engineer_id, at, **fields)  # type: ignore[arg-type]


def test_a_page_comes_back_aware_in_utc_with_its_values(seeded_team: Seeded) -> None:
    ada = seeded_team.engineer("ada").id
    berlin = datetime(2026, 11, 10, 0, 30, tzinfo=ZoneInfo("Europe/Berlin"))
    wanted = page(
        ada, berlin, acknowledged_at=berlin + timedelta(minutes=2), incident_key="INC-9",
        severity=Severity.HIGH, urgency=Urgency.HIGH, channel=Channel.PUSH,
        service="checkout", title="p99 latency",
    )  # fmt: skip
    with seeded_team.ctx.sessions.begin() as s:
        stored, outcome = pages.upsert_page(s, wanted)
    with seeded_team.ctx.sessions() as s:
        again = pages.get_page(s, stored.id)
    assert outcome == "inserted"
    # Equal instants compare equal across zones; the tzinfo check below is the UTC promise.
    assert again == replace(wanted, id=stored.id)
    assert again is not None
    assert again.triggered_at.tzinfo is UTC
    assert again.triggered_at == datetime(2026, 11, 9, 23, 30, tzinfo=UTC)


def test_list_pages_by_engineer_and_half_open_range(seeded_team: Seeded) -> None:
    ada, bao = seeded_team.engineer("ada").id, seeded_team.engineer("bao").id
    t0 = datetime(2026, 11, 10, 8, 0, tzinfo=UTC)
    with seeded_team.ctx.sessions.begin() as s:
        for i, (who, hours) in enumerate([(ada, 0), (ada, 1), (bao, 1), (ada, 2)]):
            pages.upsert_page(s, page(who, t0 + timedelta(hours=hours), f"p{i}"))
    with seeded_team.ctx.sessions() as s:
        mine = pages.list_pages(s, engineer_ids=[ada], start=t0, end=t0 + timedelta(hours=2))
        grouped = pages.pages_by_engineer(s, [ada, bao, 99], t0, t0 + timedelta(days=1))
        nobody = pages.list_pages(s, engineer_ids=[])
    assert [p.source_id for p in mine] == ["p0", "p1"]  # the page at the end is outside
    assert {k: len(v) for k, v in grouped.items()} == {ada: 3, bao: 1, 99: 0}
    assert nobody == []


def test_upsert_is_unchanged_for_the_same_content_and_audits_an_update(
    seeded_team: Seeded,
) -> None:
    ada = seeded_team.engineer("ada").id
    first = page(ada, datetime(2026, 11, 10, 8, 0, tzinfo=UTC), title="disk full")
    with seeded_team.ctx.sessions.begin() as s:
        stored, _ = pages.upsert_page(s, first)
        # The same instant written in another zone is the same content.
        same = replace(first, triggered_at=first.triggered_at.astimezone(ZoneInfo("Asia/Tokyo")))
        assert pages.upsert_page(s, same)[1] == "unchanged"
        updated, outcome = pages.upsert_page(s, replace(first, title="disk full (again)"),
                                             now=NOW)  # fmt: skip
        assert outcome == "updated"
        (revision,) = pages.page_revisions(s, stored.id)
    assert updated.title == "disk full (again)"
    assert revision.content["title"] == "disk full"
    assert revision.replaced_at == NOW


def test_log_page_stores_a_manual_page_with_a_new_source_id(seeded_team: Seeded) -> None:
    ada = seeded_team.engineer("ada").id
    at = NOW - timedelta(hours=3)
    with seeded_team.ctx.sessions.begin() as s:
        one = pages.log_page(s, page(ada, at, source_id="ignored"), now=NOW)
        two = pages.log_page(s, page(ada, at), now=NOW)
    assert one.source == two.source == pages.MANUAL_SOURCE
    assert one.source_id != two.source_id
    assert len(one.source_id) == 36  # a uuid


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"engineer_id": 999}, "no engineer with id 999"),
        ({"triggered_at": datetime(2026, 11, 10, 8, 0)}, "has no time zone"),
        ({"acknowledged_at": NOW - timedelta(hours=4)}, "acknowledged before"),
        ({"resolved_at": NOW - timedelta(hours=5)}, "resolved before the page"),
        ({"triggered_at": NOW + timedelta(hours=1)}, "in the future"),
        ({"title": "x" * 1001}, "title is 1001 characters long"),
        ({"service": "a\x00b"}, "service holds control characters"),
    ],
)
def test_log_page_refuses_bad_pages_in_plain_words(
    seeded_team: Seeded, change: dict[str, object], words: str
) -> None:
    ada = seeded_team.engineer("ada").id
    bad = replace(page(ada, NOW - timedelta(hours=3)), **change)  # type: ignore[arg-type]
    with seeded_team.ctx.sessions.begin() as s, pytest.raises(ValueError, match=words):
        pages.log_page(s, bad, now=NOW)


def test_only_hand_logged_pages_can_be_deleted(seeded_team: Seeded) -> None:
    ada = seeded_team.engineer("ada").id
    with seeded_team.ctx.sessions.begin() as s:
        manual = pages.log_page(s, page(ada, NOW - timedelta(hours=1)), now=NOW)
        imported, _ = pages.upsert_page(s, page(ada, NOW - timedelta(hours=2)))
    with seeded_team.ctx.sessions.begin() as s:
        pages.delete_page(s, manual.id)
        with pytest.raises(ValueError, match="imported from pagerduty"):
            pages.delete_page(s, imported.id)
    with seeded_team.ctx.sessions() as s:
        assert pages.get_page(s, manual.id) is None
        assert pages.get_page(s, imported.id) == imported
