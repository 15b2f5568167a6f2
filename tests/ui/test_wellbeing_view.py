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


def test_twice_the_median_is_marked_in_words(qtbot: QtBot, seeded_team) -> None:
    ctx = seeded_team.ctx
    ids = {h: seeded_team.engineer(h).id for h in ("ada", "bao", "carmen", "dev")}
    # a daytime page 40 days ago gives everyone 28 days of history (C1 is then counted)
    old = datetime(2026, 10, 7, 12, 0, tzinfo=UTC)
    for engineer_id in ids.values():
        night_pages(ctx, engineer_id, [old])
    # one out-of-hours interruption each; dev three (02:00 London on 3 nights)
    night_pages(ctx, ids["ada"], [datetime(2026, 11, 10, 20, 0, tzinfo=UTC)])
    night_pages(ctx, ids["bao"], [datetime(2026, 11, 10, 14, 0, tzinfo=UTC)])  # 22:00 SG
    night_pages(ctx, ids["carmen"], [datetime(2026, 11, 11, 2, 0, tzinfo=UTC)])  # 21:00 NY
    at_high(seeded_team)
    w = WellbeingView(ctx, None)
    qtbot.addWidget(w)
    assert w.spread.median == 1
    lines = w.spread.texts()
    assert "Dev Patel: 3 — 2× the team median (1) or more" in lines
    assert "Ada Lovelace: 1" in lines
    assert "At 2× the median or more: Dev Patel." in w.spread_text.text()


def test_settings_tab_validates_inline_and_saves(qtbot: QtBot, seeded_team) -> None:
    from oncall.settings import load_settings
    from oncall.ui.settings_dialog import SettingsDialog

    ctx = seeded_team.ctx
    dialog = SettingsDialog(ctx)
    qtbot.addWidget(dialog)
    tab = dialog.wellbeing
    elevated, high = tab.spins["N1"]
    assert "default 2 / 3" in {lbl.text() for lbl in tab.findChildren(type(tab.problem_label))}
    elevated.setValue(4)  # above high at 3
    assert tab.problem_label.isVisibleTo(tab)
    assert "N1: elevated at 4 must be at most high at 3." in tab.problem_label.text()
    dialog.accept()
    assert dialog.result() != dialog.DialogCode.Accepted  # refused while wrong
    high.setValue(5)
    assert not tab.problem_label.isVisibleTo(tab)
    dialog.accept()
    chosen = dialog.settings()
    ctx.save_settings(chosen)
    assert load_settings(ctx.paths.settings_file).risk.threshold("N1") == (4, 5)
    tab.reset()
    assert tab.risk().threshold("N1") == (2, 3)
    c2_elevated, _ = tab.spins["C2"]
    assert c2_elevated.value() == 25  # shown as percent, stored as a fraction
    assert tab.risk().threshold("C2") == (0.25, 0.5)


def test_higher_threshold_lowers_the_level_on_the_screen(qtbot: QtBot, seeded_team) -> None:
    from oncall.domain.risk import RiskSettings

    ctx = seeded_team.ctx
    dev = at_high(seeded_team)
    ctx.settings = ctx.settings.with_(
        risk=RiskSettings(thresholds={"N1": (2, 4), "N2": (2, 4), "N4": (5, None)})
    )
    invalidate_risk()
    w = WellbeingView(ctx, None)
    qtbot.addWidget(w)
    card = w.card_for(dev)
    assert card is not None
    assert card.badge.text() == "Elevated"


def _out(tmp_path):
    import os
    from pathlib import Path

    folder = Path(os.environ.get("ONCALL_SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.mark.parametrize("look", ["normal", "night", "2x"])
def test_demo_wellbeing_screenshot(qtbot: QtBot, ctx, tmp_path, look) -> None:
    from PySide6.QtGui import QFont
    from PySide6.QtWidgets import QApplication

    from oncall import demo
    from oncall.ui import theme

    demo.ensure_demo(ctx)
    invalidate_risk()
    app = QApplication.instance()
    font = QFont(app.font())
    if look == "night":
        theme.apply_theme(app, theme.NIGHT)
    if look == "2x":
        big = QFont(font)
        big.setPointSizeF(font.pointSizeF() * 2)
        app.setFont(big)
    try:
        ctx.settings = ctx.settings.with_(viewer_zone="Europe/London")
        w = WellbeingView(ctx, None)
        qtbot.addWidget(w)
        w.resize(1280, 1000)
        w.show()
        qtbot.waitExposed(w)
        assert w.stack.currentWidget() is w.scroll
        # The demo puts one person at High (Payments: last week's primary, woken night after
        # night) and one at Elevated (Platform: paged on seven evenings); everyone else Low,
        # with a year of history behind them (no "partial").
        assert w.team().name == "Payments"
        levels = [c.badge.text() for c in w.cards]
        assert levels == ["High"] + ["Low"] * 5
        high = w.cards[0]
        assert any("nights interrupted in the last 7 days" in lbl.text()
                   for lbl in high.reason_labels)  # fmt: skip
        assert not [c for c in w.cards if c.partial_label is not None]
        QApplication.processEvents()
        assert w.grab().toImage().save(str(_out(tmp_path) / f"wellbeing-{look}.png"))
        platform = next(t for t in w.teams if t.name == "Platform")
        with qtbot.waitSignal(w.team_box.currentIndexChanged):
            w.set_team(platform.id)
        assert [c.badge.text() for c in w.cards] == ["Elevated"] + ["Low"] * 5
        assert any("7 out-of-hours interruptions in the last 28 days" in lbl.text()
                   for lbl in w.cards[0].reason_labels)  # fmt: skip
        QApplication.processEvents()
        assert w.grab().toImage().save(str(_out(tmp_path) / f"wellbeing-platform-{look}.png"))
    finally:
        app.setFont(font)
