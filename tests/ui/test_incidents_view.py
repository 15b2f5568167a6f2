"""The Incidents screen: open first, timelines in local time, backfilled entries marked."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtGui import QUndoStack
from pytestqt.qtbot import QtBot

from oncall.db import incidents
from oncall.domain.incident import EventKind, Marker
from oncall.ui.incidents_view import IncidentsView
from oncall.ui.runner import load_checklists, start_run

FIRST = datetime(2026, 11, 10, 1, 5, tzinfo=UTC)
SECOND = datetime(2026, 11, 16, 2, 14, tzinfo=UTC)


@pytest.fixture
def two_incidents(seeded_team):
    """A closed incident (10 Nov 01:05, 40 min) and an open one (16 Nov 02:14, a note)."""
    ctx = seeded_team.ctx
    ctx.settings = ctx.settings.with_(viewer_zone="Europe/London")
    library = load_checklists(ctx)
    checklist = library.get("web-triage")
    ctx.clock = lambda: FIRST
    first = start_run(ctx, checklist, library)
    first.answer(0)
    ctx.clock = lambda: FIRST + timedelta(minutes=40)
    first.close()
    ctx.clock = lambda: SECOND
    second = start_run(ctx, checklist, library)
    second.note("errors on checkout")
    ctx.clock = lambda: SECOND + timedelta(minutes=20)
    return ctx, first.incident, second.incident


def _view(qtbot: QtBot, ctx) -> IncidentsView:
    view = IncidentsView(ctx, QUndoStack())
    qtbot.addWidget(view)
    view.resize(1200, 700)
    view.show()
    qtbot.waitExposed(view)
    return view


def _row(view: IncidentsView, index: int) -> list[str]:
    item = view.list.topLevelItem(index)
    return [item.text(c) for c in range(view.list.columnCount())]


def test_lists_incidents_open_first(qtbot: QtBot, two_incidents) -> None:
    ctx, _closed, opened = two_incidents
    view = _view(qtbot, ctx)
    assert view.list.topLevelItemCount() == 2
    assert _row(view, 0) == [
        "Open",
        "Mon 16 Nov 02:14",
        "20 min",
        "Bao Nguyen",
        "not set",
        "web-triage",
    ]
    assert _row(view, 1) == [
        "Closed",
        "Tue 10 Nov 01:05",
        "40 min",
        "Bao Nguyen",
        "not set",
        "web-triage",
    ]
    # the open one is selected first: it can be resumed and backfilled, not written up yet
    assert view.selected.id == opened.id
    assert view.resume_button.isEnabled()
    assert view.backfill_button.isEnabled()
    assert not view.postmortem_button.isEnabled()
    with qtbot.waitSignal(view.resume_requested) as signal:
        view.resume_button.click()
    assert signal.args == [opened.id]


def test_selecting_shows_the_timeline(qtbot: QtBot, two_incidents, tmp_path: Path) -> None:
    ctx, closed, _opened = two_incidents
    view = _view(qtbot, ctx)
    view.select(closed.id)
    rows = view.timeline_rows()
    assert rows[0][:2] == ("10 Nov 01:05", "Opened")
    assert ("10 Nov 01:05", "Step", "Acknowledge the page.") in rows
    assert rows[-1][:2] == ("10 Nov 01:45", "Closed")
    assert not view.resume_button.isEnabled()
    assert not view.backfill_button.isEnabled()
    assert view.postmortem_button.isEnabled()
    folder = Path(os.environ.get("ONCALL_SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    assert view.grab().save(str(folder / "incidents-timeline.png"))  # for a person to look at
    text = view.postmortem_text()
    assert text.startswith("# ")
    assert "Acknowledge the page." in text


def test_backfilled_entry_is_marked(qtbot: QtBot, two_incidents) -> None:
    ctx, _closed, opened = two_incidents
    view = _view(qtbot, ctx)
    with qtbot.waitSignal(view.changed):
        stored = view.backfill("First 502s in the logs", SECOND - timedelta(minutes=34), True)
    assert stored.backfilled
    assert stored.kind is EventKind.MARKER
    assert stored.data["marker"] == Marker.IMPACT_BEGAN.value
    rows = view.timeline_rows()
    # sorted by when it happened: first, though written last
    assert rows[0] == (
        "16 Nov 01:40",
        "Marker",
        "First 502s in the logs  (backfilled, written 16 Nov 02:34)",
    )
    events = incidents.timeline(ctx.sessions, opened.id)
    assert events[-1].backfilled
    assert events[-1].recorded_at == SECOND + timedelta(minutes=20)


def test_empty_state_without_incidents(qtbot: QtBot, ctx) -> None:
    view = _view(qtbot, ctx)
    assert view.empty.isVisible()
    assert not view.content.isVisible()
