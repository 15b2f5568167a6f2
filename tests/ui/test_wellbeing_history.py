"""Wellbeing's "partial history" label means what burnout.md 9.6 says (less than 28 days of
history, from the first shift or page ever), whatever window the risk readers gather."""

from __future__ import annotations

from datetime import timedelta

from pytestqt.qtbot import QtBot

from oncall.ui.wellbeing_view import PARTIAL, WellbeingView
from tests.ui.test_wellbeing_view import at_high, night_pages


def open_view(qtbot: QtBot, seeded_team) -> WellbeingView:
    w = WellbeingView(seeded_team.ctx, None)
    qtbot.addWidget(w)
    w.resize(1000, 800)
    w.show()
    return w


def test_a_short_history_is_partial_and_says_so(qtbot: QtBot, seeded_team) -> None:
    dev = at_high(seeded_team)  # the seeded team's history starts two weeks ago
    card = open_view(qtbot, seeded_team).card_for(dev)
    assert card is not None
    assert card.partial_label is not None
    assert card.partial_label.text() == PARTIAL


def test_a_page_long_before_the_gathered_window_makes_history_whole(
    qtbot: QtBot, seeded_team
) -> None:
    dev = at_high(seeded_team)
    now = seeded_team.ctx.clock()
    # Paged 200 days ago: far outside the 92 days risk gathers, so only the start of
    # history read on its own tells that this is not a newcomer.
    night_pages(seeded_team.ctx, dev, [now - timedelta(days=200)])
    card = open_view(qtbot, seeded_team).card_for(dev)
    assert card is not None
    assert card.partial_label is None
    assert not card.assessment.partial
    assert card.assessment.rule("C2").outcome != "insufficient_data"
    # The trend reads the same start of history: its point for now is the card's level.
    assert card.trend.weeks[-1][1] == card.assessment.level
