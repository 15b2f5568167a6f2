"""The hour-of-week heatmap: pages land in their engineer's local weekday and hour."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from oncall.domain.load import hour_of_week_heatmap
from oncall.domain.model import Engineer, Page
from oncall.ui.heatmap import HeatmapWidget, cell_colour

LUKAS = Engineer(7, "Lukas Becker", "lukas", "Europe/Berlin", "lukas@example.com")


def test_a_page_at_0310_berlin_lands_on_its_local_weekday_and_hour(qtbot, tmp_path):
    # Tue 10 Nov 2026 02:10 UTC is 03:10 in Berlin (CET, UTC+1): Tuesday, hour 3.
    page = Page(1, "csv", "x", LUKAS.id, datetime(2026, 11, 10, 2, 10, tzinfo=UTC))
    grid = hour_of_week_heatmap([page], {LUKAS.id: LUKAS})
    widget = HeatmapWidget()
    qtbot.addWidget(widget)
    widget.resize(900, widget.sizeHint().height())
    widget.set_grid(grid)
    widget.show()
    assert widget.count(1, 3) == 1
    assert sum(map(sum, widget.grid)) == 1
    centre = widget.cell_rect(1, 3).center().toPoint()
    assert widget.cell_at(centre) == (1, 3)
    assert widget.cell_text(1, 3) == "Tuesday 03:00–04:00: 1 page"
    image = widget.grab().toImage()
    busy = image.pixelColor(centre)
    quiet = image.pixelColor(widget.cell_rect(1, 4).center().toPoint())
    assert busy != quiet  # the busy hour is painted darker than its neighbour
    assert busy == cell_colour(1, 1, widget.palette())
    folder = Path(os.environ.get("ONCALL_SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    assert image.save(str(folder / "heatmap.png"))


def test_the_grid_must_be_a_week_of_hours(qtbot):
    widget = HeatmapWidget()
    qtbot.addWidget(widget)
    try:
        widget.set_grid([[0] * 24] * 6)
    except ValueError:
        return
    raise AssertionError("a 6-day grid was accepted")
