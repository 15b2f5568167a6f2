"""The Wellbeing screen: level words, reasons with numbers, sources on hover, partial history,
the 2x-median marker, the empty state and the Settings → Wellbeing tab."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pytestqt.qtbot import QtBot

from oncall.db import pages as page_store
from oncall.domain.model import Channel, Page, Urgency
from oncall.ui.risk_badge import invalidate_risk
from oncall.ui.wellbeing_view import NOTE, PARTIAL, WellbeingView


def night_pages(ctx, engineer_id: int, nights: list[datetime]) -> None:
    """One interrupting phone page at each instant (worked for 20 minutes)."""
    with ctx.sessions.begin() as s:
        for at in nights:
            page = Page(
                0,
                "manual",
                "",
                engineer_id,
                at,
                acknowledged_at=at + timedelta(minutes=2),
                resolved_at=at + timedelta(minutes=20),
                urgency=Urgency.HIGH,
                channel=Channel.PHONE,
                title="Checkout errors",
            )
            page_store.log_page(s, page, now=at + timedelta(hours=1))
    invalidate_risk()


def at_high(seeded_team) -> int:
    """Dev woken at 02:00 London on 3 of the last 7 nights: N1 at High."""
    dev = seeded_team.engineer("dev").id
    night_pages(
        seeded_team.ctx,
        dev,
        [datetime(2026, 11, d, 2, 0, tzinfo=UTC) for d in (12, 13, 15)],
    )
    return dev


@pytest.fixture
def view(qtbot: QtBot, seeded_team) -> WellbeingView:
    at_high(seeded_team)
    w = WellbeingView(seeded_team.ctx, None)
    qtbot.addWidget(w)
    w.resize(1000, 800)
    w.show()
    return w


def test_level_word_and_reason_with_numbers(view: WellbeingView, seeded_team) -> None:
    dev = seeded_team.engineer("dev").id
    card = view.card_for(dev)
    assert card is not None
    assert card.badge.text() == "High"
    texts = " | ".join(card.texts())
    assert "3 nights interrupted in the last 7 days" in texts
    assert "high at 3" in texts
    assert view.cards[0] is card, "the person at High comes first"
    assert NOTE in view.note.text()


def test_reason_source_on_hover(view: WellbeingView, seeded_team) -> None:
    card = view.card_for(seeded_team.engineer("dev").id)
    assert card is not None
    night = next(lbl for lbl in card.reason_labels if "nights interrupted" in lbl.text())
    assert night.toolTip().startswith("Source: ")
    assert "PagerDuty" in night.toolTip()
    assert "3 nights" in card.badge.toolTip()
    assert "not a medical assessment" in card.badge.toolTip()


def test_partial_history_is_said(view: WellbeingView, seeded_team) -> None:
    # the seeded team's history starts on 2 November: two weeks, less than 28 days
    card = view.card_for(seeded_team.engineer("dev").id)
    assert card is not None
    assert card.assessment.partial
    assert card.partial_label is not None
    assert PARTIAL in card.partial_label.text()


def test_trend_has_a_week_per_point(view: WellbeingView, seeded_team) -> None:
    card = view.card_for(seeded_team.engineer("dev").id)
    assert card is not None
    assert len(card.trend.weeks) == 26
    assert card.trend.weeks[-1][1] == "high"
    assert "1 high" in card.trend.summary()


def test_empty_state_points_to_import(qtbot: QtBot, seeded_team) -> None:
    w = WellbeingView(seeded_team.ctx, None)
    qtbot.addWidget(w)
    assert w.stack.currentWidget() is w.empty
    assert "Load → Import" in w.empty_text.text()
    assert w.empty_import.isVisibleTo(w)
