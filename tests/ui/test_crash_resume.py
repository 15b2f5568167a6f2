"""Crash safety: a real app process is driven into an incident, killed with SIGKILL, and the
reopened app resumes at the same step with every event.

The process is ``python -m oncall page --data-dir D``: the CLI starts the incident and execs
the window with ``--resume-incident ID``; ``$ONCALL_RUNNER_KEY_SCRIPT`` types keys into the
runner (the same key handling a user's keys meet) and then prints ``ready-to-kill``. The test
waits for that line (no sleeps), kills the process, and reopens the incident in-process.
"""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from oncall.db import incidents
from oncall.domain.incident import EventKind
from oncall.ui.runner import KEY_SCRIPT_ENV, RunnerView

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")

#: acknowledge (Enter), breathe (Enter), one line (typed, Ctrl+Enter), see-it "No" (2),
#: a quick note (N, typed, Enter), alert-broken "No or not sure" (2): ends on "scope".
SCRIPT = "Return|Return|=Checkout is down|Ctrl+Return|2|N|=graphs look odd|Return|2"


def _wait_for_line(proc: subprocess.Popen[str], prefix: str, timeout: float = 90) -> str:
    """The first stdout line starting with ``prefix``; fails if the process ends first."""
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    seen: list[str] = []
    with selectors.DefaultSelector() as selector:
        selector.register(proc.stdout, selectors.EVENT_READ)
        while time.monotonic() < deadline:
            if not selector.select(timeout=deadline - time.monotonic()):
                break
            line = proc.stdout.readline()
            if not line:  # the process ended
                break
            seen.append(line)
            if line.startswith(prefix):
                return line.strip()
    raise AssertionError(f"no {prefix!r} line; the process said: {''.join(seen)!r}")


def test_killed_mid_incident_resumes_at_the_same_step(
    qtbot: QtBot, seeded_team, data_dir: Path, tmp_path: Path
) -> None:
    env = dict(os.environ)
    env.update({"QT_QPA_PLATFORM": "offscreen", KEY_SCRIPT_ENV: SCRIPT, "PYTHONUNBUFFERED": "1"})
    stderr = (tmp_path / "app-stderr.txt").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "oncall", "page", "--data-dir", str(data_dir)],
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
        env=env,
    )
    try:
        line = _wait_for_line(proc, "ready-to-kill")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        assert proc.stdout is not None
        proc.stdout.close()
        stderr.close()
    assert proc.returncode == -signal.SIGKILL
    _, incident_id, step, count = line.split()
    assert step == "scope"

    ctx = seeded_team.ctx
    incident = incidents.open_incident(ctx.sessions)
    assert incident is not None
    assert incident.id == int(incident_id)
    events = incidents.timeline(ctx.sessions, incident.id)
    assert len(events) == int(count)  # nothing written after the line, nothing lost before
    shown = [e.data["step"] for e in events if e.kind is EventKind.STEP_SHOWN]
    assert shown == ["acknowledge", "breathe", "one-line", "see-it", "alert-broken", "scope"]
    assert [e.text for e in events if e.kind is EventKind.NOTE] == ["graphs look odd"]
    assert incident.summary == "Checkout is down"

    # reopen: the app offers to resume, and resumes at the same step with everything there
    from oncall.ui.main_window import MainWindow

    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.context_attached.emit()
    qtbot.waitUntil(lambda: window.runner_host().offer is not None)
    box = window.runner_host().offer
    assert box is not None
    next(b for b in box.buttons() if b.text() == "Resume").click()
    view = window.centralWidget()
    assert isinstance(view, RunnerView)
    assert view.runner.position is not None
    assert view.runner.position.step == "scope"
    assert view.runner.state.fields["summary"] == "Checkout is down"
    assert [n.text for n in view.runner.state.notes] == ["graphs look odd"]
    assert view.runner.events == events
    assert "Is it failing for everyone, or only for some requests?" in view.texts()
