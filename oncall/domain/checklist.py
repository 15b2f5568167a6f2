"""Triage checklists (schema ``oncall-checklist/1``): the parsed tree and the model.

- **Tree**: :class:`Node` is a parsed YAML document with the line of every value and key.
  ``oncall.exchange.checklists`` makes it from a file; tests can build one by hand.
- **Model**: a :class:`Checklist` of :class:`Phase` s and :class:`Step` s (kinds, risks,
  answers), what :func:`oncall.domain.checklist_rules.validate` returns from a tree and what
  :class:`oncall.domain.runner.Runner` walks (reference/triage.md section 9).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from oncall.domain.incident import Marker, Outcome

SCHEMA = "oncall-checklist/1"
#: A ``{placeholder}`` in a template or a step's text (rule 15 checks them, the runner fills them).
PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


# ---------------------------------------------------------------------------------- tree


@dataclass(frozen=True, slots=True)
class Node:
    """A parsed YAML value and the (1-based) line it starts on.

    ``value`` is the scalar's text (``str``), a list of nodes, or a dict of key -> node
    (``key_lines`` gives each key's own line). ``tag`` is ``str``, ``int``, ``bool``,
    ``float``, ``null``, ``timestamp``, ``map`` or ``seq``; anything else is a custom tag
    (refused by rule 16).
    """

    value: str | list[Node] | dict[str, Node]
    line: int
    tag: str = "str"
    key_lines: Mapping[str, int] = field(default_factory=dict)


def scalar(value: str, line: int, tag: str = "str") -> Node:
    """A scalar node (a helper for tests and callers building trees by hand)."""
    return Node(value, line, tag)


# ---------------------------------------------------------------------------------- model


class StepKind(StrEnum):
    """What a step asks of the responder (triage.md 9.1)."""

    ACTION = "action"
    DECISION = "decision"
    PAUSE = "pause"
    INPUT = "input"
    COMMS = "comms"
    GOTO = "goto"
    END = "end"


class Risk(StrEnum):
    """How much an action can hurt; risky and irreversible ones need a confirm list."""

    SAFE = "safe"
    RISKY = "risky"
    IRREVERSIBLE = "irreversible"


class PhaseMode(StrEnum):
    """How a phase is meant to be used (Gawande: read-do or do-confirm; memory items)."""

    MEMORY = "memory"
    READ_DO = "read-do"
    DO_CONFIRM = "do-confirm"


@dataclass(frozen=True, slots=True)
class Answer:
    """One answer of a decision: its button label, the step it leads to, and optionally an
    impact marker it sets (``marks``) and a value stored in the decision's ``field``."""

    label: str
    next: str
    marks: Marker | None = None
    value: str = ""


@dataclass(frozen=True, slots=True)
class Step:
    """One step. ``next`` is the following step for every kind but decisions (which use
    ``answers``) and ends (None); for a ``goto`` it is the target, maybe ``file#step``."""

    id: str
    kind: StepKind
    text: str
    why: str = ""
    next: str | None = None
    answers: tuple[Answer, ...] = ()
    details: str = ""
    links: tuple[tuple[str, str], ...] = ()  # (label, url or relative path)
    runbook: str = ""
    timebox_min: int | None = None
    risk: Risk = Risk.SAFE
    confirm: tuple[str, ...] = ()
    show_command: str = ""  # displayed and copied, never run
    template: str = ""  # a key of Checklist.templates
    when: Mapping[str, str] = field(default_factory=dict)
    record: bool = True
    private: bool = False
    skippable: bool = True
    seconds: int | None = None
    field: str = ""  # input (and decision) steps: the incident field the answer is stored in
    outcome: Outcome | None = None  # end steps
    marks: Marker | None = None  # an impact marker set when the step is done
    phase: str = ""
    line: int = 0

    def targets(self) -> tuple[str, ...]:
        """Every step this one can lead to."""
        if self.kind is StepKind.DECISION:
            return tuple(a.next for a in self.answers)
        return (self.next,) if self.next else ()

    def skip_target(self) -> str | None:
        """Where passing over this step leads: a decision takes its first answer's path."""
        return self.answers[0].next if self.kind is StepKind.DECISION else self.next


@dataclass(frozen=True, slots=True)
class Phase:
    """A group of at most nine steps, ideally ending at a pause point."""

    id: str
    title: str
    mode: PhaseMode
    step_ids: tuple[str, ...]
    line: int = 0


@dataclass(frozen=True, slots=True)
class Checklist:
    """A validated checklist: steps in file order, keyed by id."""

    id: str
    title: str
    version: int
    start: str
    phases: tuple[Phase, ...]
    steps: Mapping[str, Step]
    owner: str = ""
    reviewed: date | None = None
    review_every_days: int | None = None
    links: tuple[tuple[str, str], ...] = ()
    templates: Mapping[str, str] = field(default_factory=dict)
    vars: Mapping[str, str] = field(default_factory=dict)
    description: str = ""

    def step(self, step_id: str) -> Step:
        """The step with this (local) id; KeyError if there is none."""
        return self.steps[step_id]

    def fingerprint(self) -> tuple[Any, ...]:
        """What rule 17 compares: the steps and their branches (not wording or links)."""
        return tuple(
            (s.id, s.kind.value, s.targets(), tuple(a.label for a in s.answers))
            for s in self.steps.values()
        )
