"""The calm triage runner: one checklist step per screen, full window, for an engineer woken
at 02:00 (reference/triage.md sections 4 and 5.3; issue 6).

- :mod:`.incident_run`: :class:`IncidentRun` wraps the domain
  :class:`~oncall.domain.runner.Runner` of one incident and writes every event it makes to the
  database the moment it happens: a crash loses nothing shown. :func:`start_run`,
  :func:`open_run`, and the header's words (:func:`status_reminder`, :func:`elapsed_text`).
- :mod:`.view`: :class:`RunnerView` is the screen: a calm header (elapsed time in minutes,
  severity as a word, a gentle status-update reminder, **Call for help**), the step, and a
  quick note (key N). :mod:`.step_page` builds one step (title at least 20 px, its why,
  details, links, commands and messages to copy, 2-4 big answer buttons with number keys).
  :mod:`.looks`: a dim, low-glare palette (theme.py's Night colours); red only for
  irreversible actions.
- :mod:`.host`: :class:`RunnerHost` puts the runner in a main window in place of its screens
  ("I've been paged", resume at start-up, ``--resume-incident ID``) and puts the screens back.
- :mod:`.key_script`: a test-only key script for the crash-safety test.

Nothing here reads the wall clock: every time comes from ``ctx.clock`` (tests inject it).
This package gathers the public names, so ``from oncall.ui.runner import ...`` keeps working.
"""

from __future__ import annotations

from oncall.ui.runner.host import DEFAULT_CHECKLIST, RunnerHost, pick_checklist
from oncall.ui.runner.incident_run import (
    FIRST_UPDATE,
    IncidentRun,
    Reminder,
    closed_text,
    elapsed_minutes,
    elapsed_text,
    load_checklists,
    me_handle,
    open_run,
    start_run,
    status_reminder,
)
from oncall.ui.runner.key_script import KEY_SCRIPT_ENV, run_key_script
from oncall.ui.runner.looks import (
    MIN_BUTTON_PX,
    MIN_STEP_PX,
    OnEnter,
    button,
    copy_text,
    escape,
    is_text_widget,
    label,
    night_colours,
    runner_sheet,
    step_font,
)
from oncall.ui.runner.step_page import (
    KIND_WORDS,
    SEVERITY_CHOICES,
    StepPage,
    asks_severity,
    default_severity,
)
from oncall.ui.runner.view import TICK_MS, RunnerView

__all__ = [
    "DEFAULT_CHECKLIST",
    "FIRST_UPDATE",
    "KEY_SCRIPT_ENV",
    "KIND_WORDS",
    "MIN_BUTTON_PX",
    "MIN_STEP_PX",
    "SEVERITY_CHOICES",
    "TICK_MS",
    "IncidentRun",
    "OnEnter",
    "Reminder",
    "RunnerHost",
    "RunnerView",
    "StepPage",
    "asks_severity",
    "button",
    "closed_text",
    "copy_text",
    "default_severity",
    "elapsed_minutes",
    "elapsed_text",
    "escape",
    "is_text_widget",
    "label",
    "load_checklists",
    "me_handle",
    "night_colours",
    "open_run",
    "pick_checklist",
    "run_key_script",
    "runner_sheet",
    "start_run",
    "status_reminder",
    "step_font",
]
