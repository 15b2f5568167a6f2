"""Where each engineer's history starts: the first ledger shift or page ever (risk's "partial")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from oncall.db import pages as page_store
from oncall.db.risk_history import first_seen
from oncall.domain.model import Channel, Page, Urgency


def test_first_shift_or_first_page_whichever_is_earlier(seeded_team) -> None:
    ctx = seeded_team.ctx
    ada, dev = seeded_team.engineer("ada").id, seeded_team.engineer("dev").id
    long_ago = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
    with ctx.sessions.begin() as s:
        page = Page(0, "manual", "", dev, long_ago, resolved_at=long_ago + timedelta(minutes=9),
                    urgency=Urgency.HIGH, channel=Channel.PHONE, title="Disk full")  # fmt: skip
        page_store.log_page(s, page, now=long_ago + timedelta(hours=1))
    with ctx.sessions() as s:
        found = first_seen(s, [ada, dev, 999_999])
    # The seeded rotations began on Monday 2 November, 09:00 London.
    assert found[ada] == datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    assert found[dev] == long_ago
    assert 999_999 not in found
    with ctx.sessions() as s:
        assert first_seen(s, []) == {}
