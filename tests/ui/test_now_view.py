"""Now: the right people for the fixed clock, gaps in words, your next shift, empty state."""

from __future__ import annotations

from datetime import time

from pytestqt.qtbot import QtBot

from oncall.domain.model import Restriction
from oncall.ui.now_view import NowView


def _view(qtbot: QtBot, ctx) -> NowView:
    view = NowView(ctx)
    qtbot.addWidget(view)
    view.resize(1100, 800)
    view.show()
    return view


def test_shows_who_is_on_call_now_and_next(qtbot: QtBot, seeded_team, london) -> None:
    view = _view(qtbot, london)
    texts = view.texts()
    # Monday 10:00: week 3 of the primary roster (carmen); day 15 of the secondary (dev)
    assert "Carmen Diaz" in texts
    assert "Dev Patel" in texts
    assert "until Mon 23 Nov 09:00 (your time) · 04:00 in New York" in texts
    assert "until Tue 09:00 (your time)" in texts
    assert "Next: Ada Lovelace from Tue 09:00" in texts
    assert "No gaps in the next 7 days." in texts


def test_gap_is_said_in_words(qtbot: QtBot, seeded_team, london) -> None:
    from oncall.db import commands

    every_day_but_2_to_6 = Restriction(frozenset(range(7)), time(6, 0), time(2, 0))
    version = seeded_team.secondary.current
    new = type(version)(
        version=0,
        effective_from=seeded_team.now,
        members=version.members,
        cadence_unit=version.cadence_unit,
        cadence_count=version.cadence_count,
        anchor=version.anchor,
        zone=version.zone,
        restrictions=(every_day_but_2_to_6,),
        priority=version.priority,
        role=version.role,
    )
    london.edit(
        seeded_team.team.id,
        lambda s: commands.edit_rotation(s, seeded_team.secondary.id, new),
    )
    view = _view(qtbot, london)
    gaps = [t for t in view.texts() if t.startswith("● Nobody")]
    assert gaps[0] == "● Nobody is on call for Payments secondary from Tue 02:00 to 06:00"
    assert len(gaps) == 7  # one a night for the coming week


def test_your_next_shift(qtbot: QtBot, seeded_team, london) -> None:
    london.settings = london.settings.with_(me_engineer_id=seeded_team.engineer("ada").id)
    view = _view(qtbot, london)
    texts = view.texts()
    assert "Your next shift, Ada Lovelace" in texts
    assert "Payments secondary · Tue 09:00 → Wed 09:00" in texts


def test_you_are_on_call_now(qtbot: QtBot, seeded_team, london) -> None:
    london.settings = london.settings.with_(me_engineer_id=seeded_team.engineer("carmen").id)
    texts = _view(qtbot, london).texts()
    assert "You are on call now, Carmen Diaz" in texts
    assert "Payments primary until Mon 23 Nov 09:00" in texts


def test_who_am_i_prompt_asks_for_settings(qtbot: QtBot, seeded_team, london) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QPushButton

    view = _view(qtbot, london)
    button = next(b for b in view.findChildren(QPushButton) if b.text() == "Choose who you are…")
    with qtbot.waitSignal(view.settings_requested, timeout=2000):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_no_teams_shows_a_way_forward(qtbot: QtBot, london) -> None:
    from PySide6.QtCore import Qt

    view = _view(qtbot, london)
    assert "No teams yet" in view.texts()
    assert any("oncall team import" in t for t in view.texts())
    assert view.empty.button is not None
    with qtbot.waitSignal(view.team_screen_requested, timeout=2000):
        qtbot.mouseClick(view.empty.button, Qt.MouseButton.LeftButton)


def test_time_passing_moves_the_board(qtbot: QtBot, seeded_team, london) -> None:
    from datetime import timedelta

    view = _view(qtbot, london)
    assert "Dev Patel" in view.texts()
    later = seeded_team.now + timedelta(days=1)
    london.clock = lambda: later
    view.timer.timeout.emit()  # what the minute timer does
    texts = view.texts()
    assert "Ada Lovelace" in texts  # Tuesday's secondary
    assert "Dev Patel" not in texts
