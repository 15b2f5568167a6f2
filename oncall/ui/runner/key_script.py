"""Test-only: type a script of keys into the runner (the crash-safety test drives a real
app process this way, then kills it)."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtGui import (
    QKeyEvent,
    QKeySequence,
)
from PySide6.QtWidgets import (
    QApplication,
    QWidget,
)

from oncall.db import incidents

if TYPE_CHECKING:
    from oncall.ui.runner.view import RunnerView


#: A test-only script of keys for the crash-safety test (see :func:`run_key_script`).
KEY_SCRIPT_ENV = "ONCALL_RUNNER_KEY_SCRIPT"


def run_key_script(view: RunnerView) -> None:
    """Test-only: when ``$ONCALL_RUNNER_KEY_SCRIPT`` is set, type its keys into the runner
    (tokens split by ``|``: a key sequence such as ``1``, ``Return``, ``Ctrl+Return``, or
    ``=text`` to type text), then print ``ready-to-kill <incident> <step> <events>`` and keep
    running. The crash-safety test kills the process there and checks the resume."""
    script = os.environ.get(KEY_SCRIPT_ENV)
    if not script:
        return

    def play() -> None:
        for token in script.split("|"):
            _send(view, token)
            QApplication.processEvents()
        step = view.runner.position.step if view.runner.position else "-"
        count = len(incidents.timeline(view.ctx.sessions, view.run.incident.id))
        print(f"ready-to-kill {view.run.incident.id} {step} {count}", flush=True)  # noqa: T201
        sys.stdout.flush()

    QTimer.singleShot(0, play)


def _send(view: RunnerView, token: str) -> None:
    def target() -> QWidget:  # asked afresh: a key may move the focus or rebuild the step
        focus = QApplication.focusWidget()
        if focus is not None and (focus is view or view.isAncestorOf(focus)):
            return focus
        return view.focusWidget() or view

    if token.startswith("="):
        for char in token[1:]:
            for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
                event = QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier, char)
                QApplication.sendEvent(target(), event)
        return
    combo = QKeySequence(token)[0]
    for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
        event = QKeyEvent(kind, combo.key(), combo.keyboardModifiers(), _key_text(combo))
        QApplication.sendEvent(target(), event)


def _key_text(combo: object) -> str:
    key = combo.key()  # type: ignore[attr-defined]
    if Qt.Key.Key_0 <= key <= Qt.Key.Key_9 or Qt.Key.Key_A <= key <= Qt.Key.Key_Z:
        return chr(int(key.value if hasattr(key, "value") else key)).lower()
    return ""
