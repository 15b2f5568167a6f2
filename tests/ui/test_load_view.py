"""The Load screen: numbers per engineer from a handful of pages, sorting, drill-down, undo, export.

The seeded team's week before ``now`` (Mon 16 Nov 10:00 UTC; London is on GMT): Ada holds the
daily secondary on Mon 9 Nov (from the range's start at 10:00 to Tue 09:00) and Fri 13 Nov
(09:00 to Sat 09:00), so in "Last 7 days" she is on call 47 h: business 8+1+9 = 18 h,
off-hours 4+4+1 = 9 h, sleep 10+10 = 20 h, of which 9 h on Saturday (weekend).
"""

from __future__ import annotations

import csv
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QApplication

from oncall.db import pages as page_store
from oncall.domain.model import Channel, Page, Severity, Urgency
from oncall.ui import theme
from oncall.ui.load_view import COLUMNS, NOTE, LoadView, column_words

COL = {column_words(n): n for n in range(len(COLUMNS))}


def _page(engineer_id: int, at: datetime, **kw) -> Page:
    return Page(0, "csv", f"p-{at.isoformat()}-{kw.get('channel')}", engineer_id, at, **kw)


@pytest.fixture
def paged(seeded_team):
    """Four pages to Ada: a night page at Tue 03:10 and its SMS 40 s later (one interruption),
    an email that does not interrupt, an evening push (off-hours)."""
    ada = seeded_team.engineer("ada").id
    night = datetime(2026, 11, 10, 3, 10, tzinfo=UTC)
    pages = [
        _page(ada, night, channel=Channel.PHONE, urgency=Urgency.HIGH, incident_key="A",
              acknowledged_at=night.replace(minute=12), resolved_at=night.replace(minute=40),
              title="Ledger lag"),
        _page(ada, night.replace(second=40), channel=Channel.SMS, urgency=Urgency.HIGH,
              incident_key="A", title="Ledger lag"),
        _page(ada, datetime(2026, 11, 11, 14, 0, tzinfo=UTC), channel=Channel.EMAIL,
              urgency=Urgency.LOW, title="Disk 75%"),
        _page(ada, datetime(2026, 11, 12, 20, 0, tzinfo=UTC), channel=Channel.PUSH,
              urgency=Urgency.HIGH, severity=Severity.HIGH, incident_key="B",
              resolved_at=datetime(2026, 11, 12, 20, 20, tzinfo=UTC), title="Checkout 5xx"),
    ]  # fmt: skip
    with seeded_team.ctx.sessions.begin() as s:
        for p in pages:
            page_store.upsert_page(s, p)
    return seeded_team


@pytest.fixture
def view(qtbot, paged):
    ctx = paged.ctx
    ctx.settings = ctx.settings.with_(viewer_zone="America/New_York")
    widget = LoadView(ctx, QUndoStack())
    qtbot.addWidget(widget)
    widget.resize(1200, 900)
    widget.show()
    widget.set_range("7d")
    return widget


def cell(view: LoadView, name: str, column: str) -> str:
    proxy = view.proxy
    for row in range(proxy.rowCount()):
        if proxy.index(row, 0).data().startswith(name):
            return proxy.index(row, COL[column]).data()
    raise LookupError(name)


def index_of(view: LoadView, name: str, column: str):
    proxy = view.proxy
    row = next(r for r in range(proxy.rowCount()) if proxy.index(r, 0).data().startswith(name))
    return proxy.index(row, COL[column])


def test_the_table_shows_hand_counted_numbers(view):
    assert cell(view, "Ada", "Pages") == "4"
    assert cell(view, "Ada", "Interruptions") == "2"  # SMS merged, the email does not count
    assert cell(view, "Ada", "Night pages") == "1"
    assert cell(view, "Ada", "Interrupted nights") == "1"
    assert cell(view, "Ada", "Rest-deficit nights") == "–"  # 22:00-03:10 is over 5 h of rest
    assert cell(view, "Ada", "Engaged hours") == "0.8 h"  # 03:10-03:40 and 20:00-20:20
    assert cell(view, "Ada", "Business hours") == "18 h"
    assert cell(view, "Ada", "Off-hours hours") == "9 h"
    assert cell(view, "Ada", "Sleep hours") == "20 h"
    assert cell(view, "Ada", "Weekend hours") == "9 h"
    assert cell(view, "Dev", "Pages") == "–"
    assert view.note.text() == NOTE
    assert view.note.isVisible()
    assert "4 pages" in view.summary.text()


def test_sorting_is_by_number_not_text(view, qtbot):
    view.table.sortByColumn(COL["Sleep hours"], Qt.SortOrder.AscendingOrder)
    values = [view.proxy.index(r, COL["Sleep hours"]).data() for r in range(view.proxy.rowCount())]
    hours = [0.0 if v == "–" else float(v.split()[0]) for v in values]
    assert hours == sorted(hours)
    assert len(set(hours)) > 2
    view.table.sortByColumn(COL["Pages"], Qt.SortOrder.DescendingOrder)
    assert view.proxy.index(0, 0).data().startswith("Ada")


def test_clicking_a_number_lists_the_pages_behind_it(view, qtbot):
    dialog = view.open_drill_down(index_of(view, "Ada", "Pages"))
    assert dialog is not None
    assert dialog.table.rowCount() == 4
    titles = {dialog.table.item(r, 5).text() for r in range(4)}
    assert titles == {"Ledger lag", "Disk 75%", "Checkout 5xx"}
    night = view.open_drill_down(index_of(view, "Ada", "Night pages"))
    row = [night.table.item(0, c).text() for c in range(night.table.columnCount())]
    # Her time (London) and the viewer's (New York, five hours behind)
    assert row[:3] == ["Tue 10 Nov 03:10", "Mon 9 Nov 22:10", "2"]


def test_enter_on_a_cell_opens_its_drill_down(view, qtbot):
    view.table.setFocus()
    view.table.setCurrentIndex(index_of(view, "Ada", "Interrupted nights"))
    qtbot.keyClick(view.table, Qt.Key.Key_Return)
    assert view.last_drill is not None
    assert view.last_drill.drill.title == "Ada Lovelace: interrupted nights"
    assert view.last_drill.table.item(0, 0).text() == "Mon 9 Nov"


def test_sleep_hours_drill_down_lists_the_shifts(view):
    dialog = view.open_drill_down(index_of(view, "Ada", "Sleep hours"))
    assert [dialog.table.item(r, 4).text() for r in range(dialog.table.rowCount())] == [
        "10 h",
        "10 h",
    ]


def test_no_paging_history_shows_the_empty_state(qtbot, seeded_team):
    view = LoadView(seeded_team.ctx, QUndoStack())
    qtbot.addWidget(view)
    view.show()
    assert view.stack.currentWidget() is view.empty
    assert view.empty_import.isVisible()
    assert view.empty_log.isVisible()


def test_log_a_page_then_undo_and_redo(view, paged, qtbot):
    undo = view.undo
    dev = paged.engineer("dev").id
    at = datetime(2026, 11, 15, 2, 0, tzinfo=UTC)
    with qtbot.waitSignal(view.changed):
        assert view.save_page(Page(0, "", "", dev, at, channel=Channel.PHONE, title="By hand"))
    assert cell(view, "Dev", "Pages") == "1"
    with paged.ctx.sessions() as s:
        assert [p.source for p in page_store.list_pages(s, engineer_ids=[dev])] == ["manual"]
    undo.undo()
    assert cell(view, "Dev", "Pages") == "–"
    with paged.ctx.sessions() as s:
        assert page_store.list_pages(s, engineer_ids=[dev]) == []
    undo.redo()
    assert cell(view, "Dev", "Pages") == "1"


def test_pay_export_runs_on_the_worker(view, qtbot, tmp_path, monkeypatch):
    target = tmp_path / "pay.csv"
    monkeypatch.setattr(view, "ask_export_path", lambda: target)
    assert view.export_pay_csv()
    qtbot.waitUntil(lambda: view.worker is None, timeout=10_000)
    with target.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    ada = [r for r in rows if r["handle"] == "ada"]
    assert ada
    assert sum(int(r["pages"]) for r in ada) == 4
    assert "Saved" in view.status.text()


def _out(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("ONCALL_SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.mark.parametrize("look", [theme.SYSTEM, theme.NIGHT])
def test_load_screen_on_the_demo_screenshot(qtbot, ctx, tmp_path, look):
    from oncall import demo

    demo.ensure_demo(ctx)
    theme.apply_theme(QApplication.instance(), look)
    ctx.settings = ctx.settings.with_(viewer_zone="Europe/London")
    view = LoadView(ctx, QUndoStack())
    qtbot.addWidget(view)
    view.resize(1280, 1000)
    view.show()
    qtbot.waitExposed(view)
    assert view.stack.currentIndex() == 0  # alive: not the empty state
    assert sum(r.load.night_page_count for r in view.rows) > 0
    suffix = "" if look == theme.SYSTEM else "-night"
    QApplication.processEvents()  # let the scroll area settle its layout before the grab
    image = view.grab().toImage()
    assert image.save(str(_out(tmp_path) / f"load-screen{suffix}.png"))


def test_interrupting_only_leaves_out_the_pages_that_do_not_interrupt(view, qtbot):
    # Ada (London, GMT in November): phone and SMS at Tue 03:10 (both interrupt), an email of
    # low urgency at Wed 14:00 (does not, D2), a push at Thu 20:00.
    heat = view.heatmap
    assert not view.interrupting_box.isChecked()
    assert sum(map(sum, heat.grid)) == 4
    assert heat.count(2, 14) == 1
    qtbot.mouseClick(view.interrupting_box, Qt.MouseButton.LeftButton)
    assert view.interrupting_box.isChecked()
    assert sum(map(sum, heat.grid)) == 3
    assert heat.count(2, 14) == 0  # the email is gone
    assert heat.count(1, 3) == 2
    assert heat.count(3, 20) == 1
    assert heat.cell_text(1, 3) == "Tuesday 03:00–04:00: 2 interrupting pages"
    assert heat.cell_text(3, 20) == "Thursday 20:00–21:00: 1 interrupting page"
    assert view.heatmap_note.text().startswith("Interrupting pages")
    view.set_range("28d")  # a new range keeps the switch
    assert sum(map(sum, heat.grid)) == 3
    qtbot.mouseClick(view.interrupting_box, Qt.MouseButton.LeftButton)
    assert sum(map(sum, heat.grid)) == 4
    assert heat.cell_text(2, 14) == "Wednesday 14:00–15:00: 1 page"


def test_interrupting_only_on_the_demo_screenshot(qtbot, ctx, tmp_path):
    from oncall import demo
    from tests.ui.shots import save_png

    demo.ensure_demo(ctx)
    ctx.settings = ctx.settings.with_(viewer_zone="Europe/London")
    view = LoadView(ctx, QUndoStack())
    qtbot.addWidget(view)
    view.resize(1280, 1000)
    view.show()
    qtbot.waitExposed(view)
    everything = sum(map(sum, view.heatmap.grid))
    view.interrupting_box.setChecked(True)
    interrupting = sum(map(sum, view.heatmap.grid))
    assert 0 < interrupting < everything  # the demo has email and low-urgency pages too
    QApplication.processEvents()
    save_png(view.heatmap.parentWidget(), "load-heatmap-interrupting.png", tmp_path)
