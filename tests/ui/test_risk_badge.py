"""The load risk badge: a word and a shape (never colour alone), calm colours, the reason on
hover, and the badge wherever a person appears (Now, Schedule, Team, Load)."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QUndoStack
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from oncall.ui import theme
from oncall.ui.risk_badge import GLYPHS, RiskBadge, badge_text, level_colour, team_risk
from tests.ui.test_wellbeing_view import at_high


def _out(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("ONCALL_SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_levels_differ_by_word_and_shape_not_only_colour() -> None:
    assert badge_text("high") == "● High"
    assert badge_text("elevated") == "◐ Elevated"
    assert badge_text("low") == "○ Low"
    assert len(set(GLYPHS.values())) == 3


def test_high_is_warm_never_alarm_red(qapp) -> None:
    for look in (theme.SYSTEM, theme.NIGHT):
        palette = theme.night_palette() if look == theme.NIGHT else QApplication.palette()
        high = level_colour("high", palette)
        hue = high.hsvHue()
        assert 15 <= hue <= 45, f"High should be amber-brown, got hue {hue}"
        assert high != QColor("red")


def test_badge_says_the_level_and_the_headline(qtbot: QtBot, seeded_team) -> None:
    dev = at_high(seeded_team)
    found = team_risk(seeded_team.ctx, seeded_team.team.id, seeded_team.now)[dev]
    badge = RiskBadge(found)
    qtbot.addWidget(badge)
    assert badge.text() == "High"
    assert "3 nights interrupted in the last 7 days" in badge.toolTip()
    assert badge.accessibleName() == "On-call load risk: High"
    assert badge.sizeHint().width() > badge.fontMetrics().horizontalAdvance("High")


def test_badge_on_now_card_of_the_person_on_call(qtbot: QtBot, seeded_team, tmp_path) -> None:
    from oncall.ui.now_view import NowView

    at_high(seeded_team)  # dev holds the secondary shift at "now"
    seeded_team.ctx.settings = seeded_team.ctx.settings.with_(viewer_zone="Europe/London")
    view = NowView(seeded_team.ctx)
    qtbot.addWidget(view)
    view.resize(1000, 760)
    view.show()
    qtbot.waitExposed(view)
    badges = [b for b in view.findChildren(RiskBadge) if b.isVisibleTo(view)]
    words = {b.text() for b in badges}
    assert "High" in words
    high = next(b for b in badges if b.text() == "High")
    assert "Checkout" not in high.toolTip()  # the reason, not the page title
    assert "nights interrupted" in high.toolTip()
    QApplication.processEvents()
    assert view.grab().toImage().save(str(_out(tmp_path) / "risk-badges-now.png"))


def test_badge_in_schedule_person_rows(qtbot: QtBot, seeded_team) -> None:
    from oncall.ui.schedule_view import FINAL, ScheduleView

    dev = at_high(seeded_team)
    view = ScheduleView(seeded_team.ctx, QUndoStack())
    qtbot.addWidget(view)
    view.set_mode(FINAL)
    rows = {r.key: r for r in view.timeline.rows}
    assert rows[dev].sublabel.startswith("● High load")


def test_team_table_has_a_risk_column_that_sorts_by_level(qtbot: QtBot, seeded_team) -> None:
    from oncall.ui.team_view import TeamView

    at_high(seeded_team)
    view = TeamView(seeded_team.ctx, QUndoStack())
    qtbot.addWidget(view)
    column = view.engineer_model.RISK_COLUMN
    assert view.engineer_model.headerData(column, Qt.Orientation.Horizontal) == "Load risk"
    view.engineer_table.sortByColumn(column, Qt.SortOrder.DescendingOrder)
    proxy = view.engineer_proxy
    first = proxy.index(0, 0).data()
    assert first == "Dev Patel"
    assert proxy.index(0, column).data() == "● High"
    assert "nights interrupted" in proxy.index(0, column).data(Qt.ItemDataRole.ToolTipRole)
    view.engineer_table.sortByColumn(column, Qt.SortOrder.AscendingOrder)
    assert proxy.index(proxy.rowCount() - 1, 0).data() == "Dev Patel"


def test_load_table_has_a_risk_column(qtbot: QtBot, seeded_team) -> None:
    from oncall.ui.load_view import RISK_COLUMN, LoadView

    dev = at_high(seeded_team)
    view = LoadView(seeded_team.ctx, QUndoStack())
    qtbot.addWidget(view)
    model = view.model
    row = next(i for i, r in enumerate(model.rows()) if r.engineer.id == dev)
    assert model.index(row, RISK_COLUMN).data() == "● High"
    assert view.drill(view.proxy.mapFromSource(model.index(row, RISK_COLUMN))) is None
