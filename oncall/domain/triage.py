"""Triage checklists (schema ``oncall-checklist/1``): the model, its validation, and the runner.

Three parts, all pure (no YAML, no clock, no I/O; reference/triage.md sections 4, 8 and 9),
each in its own module; this one gathers their public names so ``oncall.domain.triage``
stays the one place to import them from:

- :mod:`oncall.domain.checklist`: the parsed :class:`Node` tree and the model
  (:class:`Checklist`, :class:`Phase`, :class:`Step`, :class:`Answer`, the kinds).
- :mod:`oncall.domain.checklist_rules`: :func:`validate` and every rule of triage.md 9.2
  (:data:`RULES`, :class:`Problem`, :func:`version_problems`, :func:`killer_item_problems`);
  :mod:`oncall.domain.checklist_graph` and :mod:`oncall.domain.checklist_words` hold what the
  flow and wording rules read.
- :mod:`oncall.domain.run_state` and :mod:`oncall.domain.runner`: the :class:`Runner`, whose
  state is a fold of its events (:func:`apply`), so replaying a stored timeline rebuilds
  exactly the state it had: that is how an incident resumes after a crash.
"""

from __future__ import annotations

from oncall.domain.checklist import (
    PLACEHOLDER,
    SCHEMA,
    Answer,
    Checklist,
    Node,
    Phase,
    PhaseMode,
    Risk,
    Step,
    StepKind,
    scalar,
)
from oncall.domain.checklist_rules import (
    DERIVED_PLACEHOLDERS,
    INCIDENT_FIELDS,
    KILLER_ITEMS,
    RULES,
    SLUG,
    Problem,
    killer_item_problems,
    validate,
    version_problems,
)
from oncall.domain.run_state import Given, Position, RunState, apply
from oncall.domain.runner import Choice, Runner, replay

__all__ = [
    "DERIVED_PLACEHOLDERS",
    "INCIDENT_FIELDS",
    "KILLER_ITEMS",
    "PLACEHOLDER",
    "RULES",
    "SCHEMA",
    "SLUG",
    "Answer",
    "Checklist",
    "Choice",
    "Given",
    "Node",
    "Phase",
    "PhaseMode",
    "Position",
    "Problem",
    "Risk",
    "RunState",
    "Runner",
    "Step",
    "StepKind",
    "apply",
    "killer_item_problems",
    "replay",
    "scalar",
    "validate",
    "version_problems",
]
