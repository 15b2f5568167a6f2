"""Screenshots of the triage runner: a decision step, an input step, the help panel, and
after-care, at normal size and with a 2x font (the 200% stand-in the other screenshot tests
use). Saved to ``$ONCALL_SCREENSHOT_DIR`` (or the test's folder) for a person to look at;
asserted only not blank, dim, and with the step text big enough.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontInfo, QImage
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from oncall.ui.runner import MIN_BUTTON_PX, MIN_STEP_PX, RunnerView, load_checklists, start_run

NIGHT = datetime(2026, 11, 17, 2, 14, tzinfo=UTC)


def _out(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("ONCALL_SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(params=["", "-200"])
def suffix(request: pytest.FixtureRequest) -> Iterator[str]:
    """The file suffix: empty at the normal font; "-200" with the application font doubled."""
    app = QApplication.instance()
    original = QFont(app.font())
    if request.param:
        bigger = QFont(original)
        bigger.setPointSizeF(original.pointSizeF() * 2)
        app.setFont(bigger)
    yield request.param
    app.setFont(original)


def _save(widget: QWidget, folder: Path, name: str) -> QImage:
    QApplication.processEvents()  # pending layouts (new words in the header) settle first
    image = widget.grab().toImage()
    sampled = {
        image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)
    }
    assert len(sampled) > 20, f"{name} rendered (nearly) blank"
    assert image.save(str(folder / f"{name}.png"))
    return image


def test_runner_screenshots(qtbot: QtBot, seeded_team, tmp_path: Path, suffix: str) -> None:
    ctx = seeded_team.ctx
    now = [NIGHT]
    ctx.clock = lambda: now[0]
    ctx.settings = ctx.settings.with_(
        viewer_zone="Europe/London", me_engineer_id=seeded_team.engineer("ada").id
    )
    folder = _out(tmp_path)
    library = load_checklists(ctx)
    run = start_run(ctx, library.get("web-triage"), library)
    view = RunnerView(ctx, run)
    qtbot.addWidget(view)
    view.resize(1280, 800)
    view.show()
    qtbot.waitExposed(view)

    run.answer(0)  # acknowledged
    run.answer(0)  # breathed
    view.render()
    assert view.input_box is not None
    view.input_box.setPlainText("Checkout returns 502 for about a third of requests")
    now[0] += timedelta(minutes=3)
    view.note_saved.setText("Note saved at 02:16: graphs show errors since 01:58")
    view.tick()
    _save(view, folder, f"runner-input{suffix}")

    qtbot.keyClick(view.input_box, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert run.runner.position.step == "see-it"
    now[0] += timedelta(minutes=9)  # 02:26: the first status update is due
    view.tick()
    image = _save(view, folder, f"runner-decision{suffix}")
    assert image.pixelColor(image.width() // 2, image.height() - 140).lightnessF() < 0.3  # dim
    title = view.findChild(QWidget, "stepTitle")
    assert QFontInfo(title.font()).pixelSize() >= MIN_STEP_PX
    assert all(b.height() >= MIN_BUTTON_PX for b in view.answer_buttons)

    view.show_help()
    _save(view, folder, f"runner-help{suffix}")
    view.hide_help()

    run.answer(0)  # see-it: yes
    for _ in range(40):  # the shortest safe walk to the end: primary answers
        if run.runner.at_end:
            break
        step = run.runner.step
        value = "high" if step.field == "severity" else ("x" if step.kind == "input" else "")
        now[0] += timedelta(minutes=4)
        run.answer(1 if step.id in ("change-before", "fix-temporary") else 0, value)
    run.note("TODO: pin the CDN config in git")
    view.render()
    assert view.aftercare is not None
    _save(view, folder, f"runner-aftercare{suffix}")
    view.aftercare.close_incident()
    _save(view, folder, f"runner-aftercare-closed{suffix}")
