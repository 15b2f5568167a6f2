"""The team lead on screen: chosen on the Team screen (undoable), offered by the runner's
"Call for help" with local time, phone and email to copy, and a call to them recorded."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QApplication, QLabel, QPushButton
from pytestqt.qtbot import QtBot

from oncall.db import commands, incidents, queries
from oncall.domain.incident import EventKind
from oncall.ui.runner import RunnerView, load_checklists, start_run
from oncall.ui.team_view import TeamView

#: 02:14 in London: carmen holds the primary (and runs the incident), dev the secondary.
NIGHT = datetime(2026, 11, 17, 2, 14, tzinfo=UTC)


def _lead_id(seeded_team) -> int | None:
    with seeded_team.ctx.sessions.begin() as s:
        team = queries.get_team(s, seeded_team.team.id)
        assert team is not None
        return team.lead_engineer_id


def _make_lead(seeded_team, handle: str | None) -> None:
    lead = seeded_team.engineer(handle).id if handle else None
    with seeded_team.ctx.sessions.begin() as s:
        commands.update_team(s, replace(seeded_team.team, lead_engineer_id=lead))


# ---------------------------------------------------------------------------- Team screen


@pytest.fixture
def team_view(qtbot: QtBot, seeded_team) -> TeamView:
    seeded_team.ctx.settings = seeded_team.ctx.settings.with_(viewer_zone="Europe/London")
    view = TeamView(seeded_team.ctx, QUndoStack())
    qtbot.addWidget(view)
    view.resize(1200, 800)
    view.show()
    qtbot.waitExposed(view)
    return view


def test_lead_picker_offers_no_lead_and_the_team_s_engineers(team_view: TeamView) -> None:
    pick = team_view.lead_pick
    assert pick.isVisible()
    assert [pick.itemText(i) for i in range(pick.count())] == [
        "No lead", "Ada Lovelace", "Bao Nguyen", "Carmen Diaz", "Dev Patel",
    ]  # fmt: skip
    assert pick.currentText() == "No lead"


def test_choosing_the_lead_saves_it_and_undo_clears_it(
    qtbot: QtBot, team_view: TeamView, seeded_team
) -> None:
    pick = team_view.lead_pick
    with qtbot.waitSignal(team_view.changed):
        pick.setFocus()
        pick.setCurrentIndex(pick.findText("Bao Nguyen"))
        pick.activated.emit(pick.currentIndex())  # what a user's choice in the list sends
    assert _lead_id(seeded_team) == seeded_team.engineer("bao").id
    assert pick.currentText() == "Bao Nguyen"  # still shown after the screen refreshed
    assert team_view.undo.undoText() == "Make Bao Nguyen the lead"

    with qtbot.waitSignal(team_view.changed):
        team_view.undo.undo()
    assert _lead_id(seeded_team) is None
    assert pick.currentText() == "No lead"

    with qtbot.waitSignal(team_view.changed):
        team_view.undo.redo()
    assert _lead_id(seeded_team) == seeded_team.engineer("bao").id


def test_clearing_the_lead_is_one_undo_step(team_view: TeamView, seeded_team) -> None:
    _make_lead(seeded_team, "ada")
    team_view.refresh()
    assert team_view.lead_pick.currentText() == "Ada Lovelace"
    assert team_view.set_lead(None) is None
    assert _lead_id(seeded_team) is None
    assert team_view.undo.undoText() == "Clear the team lead"
    team_view.undo.undo()
    assert _lead_id(seeded_team) == seeded_team.engineer("ada").id
    assert team_view.lead_pick.currentText() == "Ada Lovelace"


def test_a_refused_lead_is_shown_and_leaves_no_undo_step(team_view: TeamView, seeded_team) -> None:
    error = team_view.set_lead(9999)
    assert error is not None
    assert "no engineer with id 9999" in error
    assert team_view.error.isVisible()
    assert team_view.undo.count() == 0
    assert _lead_id(seeded_team) is None
    assert team_view.lead_pick.currentText() == "No lead"


# ---------------------------------------------------------------------------- Call for help


@pytest.fixture
def night(seeded_team):
    """``seeded_team`` at 02:14 at night, the viewer in London."""
    seeded_team.ctx.clock = lambda: NIGHT
    seeded_team.ctx.settings = seeded_team.ctx.settings.with_(viewer_zone="Europe/London")
    return seeded_team


def _help(qtbot: QtBot, ctx):
    library = load_checklists(ctx)
    view = RunnerView(ctx, start_run(ctx, library.get("web-triage"), library))
    qtbot.addWidget(view)
    view.resize(1100, 760)
    view.show()
    qtbot.waitExposed(view)
    view.activateWindow()
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_H)
    assert view.side.isVisible()
    return view, view.help_panel


def _texts(panel) -> list[str]:
    return [w.text() for w in panel.findChildren(QLabel)]


def _box(panel, why: str):
    """The card of the person shown with ``why`` above their name."""
    label = next(w for w in panel.findChildren(QLabel) if w.text() == why)
    return label.parentWidget()


def test_help_offers_the_lead_after_the_secondary_with_contact_details(qtbot: QtBot, night) -> None:
    _make_lead(night, "bao")
    view, panel = _help(qtbot, night.ctx)
    assert [(h.engineer.handle, h.why) for h in panel.helpers[:2]] == [
        ("dev", "Secondary on call now"),
        ("bao", "Team lead of Payments"),
    ]
    box = _box(panel, "Team lead of Payments")
    shown = _texts(box)
    assert "Bao Nguyen" in shown
    assert "Email: bao@example.com" in shown
    assert "10:14 where they are (Singapore)" in shown  # 02:14 UTC is 10:14 in Singapore
    assert not any("No team lead is recorded" in t for t in _texts(panel))
    copy = next(b for b in box.findChildren(QPushButton) if b.text() == "Copy email")
    copy.click()
    assert QApplication.clipboard().text() == "bao@example.com"

    call = next(b for b in box.findChildren(QPushButton) if b.text() == "I'm calling Bao")
    with qtbot.waitSignal(panel.called) as called:
        call.click()
    assert called.args == ["Bao Nguyen"]
    events = incidents.timeline(night.ctx.sessions, view.run.incident.id)
    helps = [e for e in events if e.kind is EventKind.HELP_CALL]
    assert len(helps) == 1
    assert helps[0].data["name"] == "Bao Nguyen"
    assert helps[0].data["role"] == "team lead"
    assert helps[0].data["engineer_id"] == night.engineer("bao").id
    assert helps[0].at == NIGHT
    assert "you called Bao Nguyen" in panel.recorded.text()


def test_a_lead_who_is_on_call_is_listed_once_and_named_as_lead(qtbot: QtBot, night) -> None:
    _make_lead(night, "dev")
    _view, panel = _help(qtbot, night.ctx)
    handles = [h.engineer.handle for h in panel.helpers]
    assert handles.count("dev") == 1
    assert panel.helpers[0].why == "Secondary on call now, and team lead"


def test_without_a_lead_the_panel_says_so_calmly_and_where_to_set_one(qtbot: QtBot, night) -> None:
    _view, panel = _help(qtbot, night.ctx)
    assert all(h.role != "team lead" for h in panel.helpers)
    hint = next(t for t in _texts(panel) if "No team lead is recorded for Payments yet" in t)
    assert "Team screen" in hint


def test_the_lead_s_phone_is_shown_to_copy_in_their_own_time(qtbot: QtBot, night) -> None:
    with night.ctx.sessions.begin() as s:
        commands.update_engineer(s, replace(night.engineer("ada"), phone="+44 20 7946 0000"))
    _make_lead(night, "ada")
    night.ctx.clock = lambda: NIGHT + timedelta(hours=1)
    _view, panel = _help(qtbot, night.ctx)
    box = _box(panel, "Team lead of Payments")
    shown = _texts(box)
    assert "Ada Lovelace" in shown
    assert "Phone: +44 20 7946 0000" in shown
    assert "03:14 where they are (London)" in shown
    copy = next(b for b in box.findChildren(QPushButton) if b.text() == "Copy phone")
    copy.click()
    assert QApplication.clipboard().text() == "+44 20 7946 0000"
