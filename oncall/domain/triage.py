"""Triage checklists (schema ``oncall-checklist/1``): the model, its validation, and the runner.

Three parts, all pure (no YAML, no clock, no I/O; reference/triage.md sections 4, 8 and 9):

- **Tree**: :class:`Node` is a parsed YAML document with the line of every value and key.
  ``oncall.exchange.checklists`` makes it from a file; tests can build one by hand.
- **Validation**: :func:`validate` checks every rule of triage.md 9.2 and returns the
  :class:`Checklist` (when there is no error) and every :class:`Problem` (line, rule, message,
  warning or error). Rule names are listed in :data:`RULES` (docs/checklists.md explains each).
- **Runner**: :class:`Runner` walks a checklist one step at a time. Every transition is an
  :class:`~oncall.domain.incident.Event`; the runner's state is a fold of its events
  (:func:`apply`), so replaying a stored timeline rebuilds exactly the state it had: that is
  how an incident resumes after a crash.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from oncall.domain.incident import Event, EventKind, Marker, Outcome, event, is_follow_up
from oncall.domain.model import Severity

SCHEMA = "oncall-checklist/1"

#: Every rule name a :class:`Problem` can carry, with its number in triage.md 9.2.
RULES: dict[str, int] = {
    "yaml": 16, "unsafe-yaml": 16, "schema": 1, "unknown-key": 1, "duplicate-key": 1,
    "missing-key": 1, "bad-value": 1,
    "id-format": 2, "duplicate-id": 2, "start": 2,
    "target": 3, "unreachable": 4, "no-end": 5, "loop-guard": 5,
    "answers": 6, "next": 6, "when": 7,
    "phase-length": 8, "confirm-length": 8,
    "text-length": 9, "imperative": 9, "why": 9, "all-caps": 9,
    "risk-confirm": 10, "risk-pause": 10, "memory-phase": 11, "phase-pause": 12,
    "secret": 13, "link": 14, "template": 15, "placeholder": 15, "template-length": 15,
    "version": 17, "stale": 18, "killer-items": 19,
}  # fmt: skip


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


@dataclass(frozen=True, slots=True)
class Problem:
    """A rule a checklist breaks, on a line; warnings do not stop it from loading."""

    line: int
    rule: str
    message: str
    warning: bool = False


# ---------------------------------------------------------------------------------- vocabulary

SLUG = re.compile(r"[a-z0-9-]{1,40}")
_TOP_KEYS = (
    "schema", "id", "title", "version", "owner", "reviewed", "review_every_days", "applies_to",
    "links", "templates", "vars", "start", "phases", "description",
)  # fmt: skip
_PHASE_KEYS = ("id", "title", "mode", "steps")
_STEP_KEYS = (
    "id", "kind", "text", "why", "next", "goto", "answers", "details", "links", "runbook",
    "timebox_min", "risk", "confirm", "show_command", "template", "when", "record", "private",
    "skippable", "seconds", "field", "outcome", "marks",
)  # fmt: skip
_ANSWER_KEYS = ("label", "next", "marks", "value")
_WHEN_KEYS = ("severity", "severity_at_least", "service", "customer_visible")

#: Incident fields an input step can fill and a template can name.
INCIDENT_FIELDS: frozenset[str] = frozenset(
    {
        "summary", "affected", "severity", "customer_visible", "service", "impact",
        "data_loss_note", "follow_up", "hypothesis", "handoff", "title",
    }
)  # fmt: skip
#: Placeholders the runner fills itself (beside the incident fields).
DERIVED_PLACEHOLDERS: frozenset[str] = frozenset(
    {"next_update", "resolved_at", "started_at", "now", "incident_id", "checklist"}
)
#: Steps a team's copy of a shipped checklist must keep (triage.md 9.2 rule 19, "killer items").
KILLER_ITEMS: frozenset[str] = frozenset(
    {"acknowledge", "breathe", "one-line", "pause-before-change", "post-resolved"}
)

_SEVERITY_RANK = {s: i for i, s in enumerate(reversed(list(Severity)))}  # info 0 .. critical 4
_YES_NO_STARTERS = frozenset(
    [
        "is",
        "are",
        "am",
        "was",
        "were",
        "do",
        "does",
        "did",
        "can",
        "could",
        "will",
        "would",
        "should",
        "shall",
        "has",
        "have",
        "had",
        "may",
        "might",
        "must",
        "any",
        "anyone",
        "anything",
    ]
)
_NOT_IMPERATIVE = frozenset(
    [
        "the",
        "a",
        "an",
        "this",
        "that",
        "these",
        "those",
        "it",
        "its",
        "we",
        "our",
        "you",
        "your",
        "i",
        "my",
        "he",
        "she",
        "they",
        "their",
        "there",
        "here",
        "if",
        "when",
        "maybe",
        "perhaps",
        "please",
        "someone",
        "something",
        "everything",
        "nothing",
        "all",
        "some",
        "what",
        "which",
        "who",
        "why",
        "how",
        "where",
    ]
)
_ED_VERBS = frozenset(
    [
        "need",
        "feed",
        "shed",
        "seed",
        "speed",
        "embed",
        "bleed",
        "proceed",
        "exceed",
        "succeed",
        "heed",
        "breed",
    ]
)
_ING_VERBS = frozenset(["bring", "ring", "sing", "string", "swing", "sting", "wing"])
_SECRETS = (
    re.compile(r"(?i)\b(password|passwd|pwd|secret|token|api[_-]?key)\s*[=:]\s*\S+"),
    re.compile(r"\bAKIA[0-9A-Z]{16}\b"),
    re.compile(r"\bgh[pousr]_[A-Za-z0-9]{30,}\b"),
    re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}"),
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/-]{20,}"),
)
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_CAPS_WORD = re.compile(r"\b[A-Z]{5,}\b")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_CHOICE_LABELS = {
    StepKind.ACTION: "Done",
    StepKind.PAUSE: "Continue",
    StepKind.INPUT: "Save",
    StepKind.COMMS: "Posted",
    StepKind.GOTO: "Go on",
}


# ---------------------------------------------------------------------------------- validation


class _Checker:
    """Reads a :class:`Node` tree into a checklist, collecting every problem on the way."""

    def __init__(self, library: Mapping[str, frozenset[str]], today: date | None) -> None:
        self.library = library
        self.today = today
        self.problems: list[Problem] = []

    def err(self, line: int, rule: str, message: str) -> None:
        self.problems.append(Problem(line, rule, message))

    def warn(self, line: int, rule: str, message: str) -> None:
        self.problems.append(Problem(line, rule, message, warning=True))

    # ---- shapes

    def mapping(self, node: Node, keys: tuple[str, ...], what: str) -> dict[str, Node] | None:
        if not isinstance(node.value, dict):
            self.err(node.line, "bad-value", f"{what} must be a mapping (key: value)")
            return None
        for key in node.value:
            if key not in keys:
                hint = _close(key, keys)
                self.err(node.key_lines.get(key, node.line), "unknown-key",
                         f'unknown key "{key}" in {what}{hint}')  # fmt: skip
        return {k: v for k, v in node.value.items() if k in keys and v.tag != "null"}

    def sequence(self, node: Node | None, what: str) -> list[Node]:
        if node is None:
            return []
        if not isinstance(node.value, list):
            self.err(node.line, "bad-value", f"{what} must be a list")
            return []
        return node.value

    def text(self, entries: dict[str, Node], key: str, parent: Node, what: str,
             *, required: bool = False) -> str:  # fmt: skip
        node = entries.get(key)
        if node is None:
            if required:
                self.err(parent.line, "missing-key", f'{what} needs "{key}"')
            return ""
        if not isinstance(node.value, str):
            self.err(node.line, "bad-value", f'{what}: "{key}" must be a single value')
            return ""
        if required and not node.value.strip():
            self.err(node.line, "missing-key", f'{what}: "{key}" must not be empty')
        return node.value

    def integer(self, entries: dict[str, Node], key: str, what: str, *, minimum: int = 1
                ) -> int | None:  # fmt: skip
        node = entries.get(key)
        if node is None:
            return None
        if node.tag != "int" or not isinstance(node.value, str):
            self.err(node.line, "bad-value", f'{what}: "{key}" must be a whole number')
            return None
        value = int(node.value.replace("_", ""), 0)
        if value < minimum:
            self.err(node.line, "bad-value", f'{what}: "{key}" must be at least {minimum}')
            return None
        return value

    def boolean(self, entries: dict[str, Node], key: str, what: str, default: bool) -> bool:
        node = entries.get(key)
        if node is None:
            return default
        if node.tag != "bool" or not isinstance(node.value, str):
            self.err(node.line, "bad-value", f'{what}: "{key}" must be true or false')
            return default
        return node.value.lower() in ("true", "yes", "on", "y")

    def choice(self, entries: dict[str, Node], key: str, what: str, enum: type[StrEnum]
               ) -> Any:  # fmt: skip
        node = entries.get(key)
        if node is None or not isinstance(node.value, str):
            return None
        raw = "goto" if enum is StepKind and node.value == "go-to" else node.value
        try:
            return enum(raw)
        except ValueError:
            allowed = ", ".join(m.value for m in enum)  # type: ignore[attr-defined]
            self.err(node.line, "bad-value", f'{what}: "{node.value}" is not one of {allowed}')
            return None

    def string_map(self, node: Node | None, what: str) -> dict[str, tuple[str, int]]:
        """A mapping of names to one-line strings (links, templates, vars)."""
        if node is None:
            return {}
        if not isinstance(node.value, dict):
            self.err(node.line, "bad-value", f"{what} must be a mapping of names to text")
            return {}
        out: dict[str, tuple[str, int]] = {}
        for key, value in node.value.items():
            if not isinstance(value.value, str):
                self.err(value.line, "bad-value", f'{what}: "{key}" must be text')
                continue
            out[key] = (value.value, value.line)
        return out

    # ---- the document

    def check(self, root: Node) -> Checklist | None:
        self.content_safety(root)
        top = self.mapping(root, _TOP_KEYS, "the checklist")
        if top is None:
            return None
        schema = self.text(top, "schema", root, "the checklist", required=True)
        if schema and schema != SCHEMA:
            self.err(top["schema"].line, "schema",
                     f'unknown schema "{schema}"; this app reads "{SCHEMA}"')  # fmt: skip
            return None
        checklist_id = self.text(top, "id", root, "the checklist", required=True)
        if checklist_id and not SLUG.fullmatch(checklist_id):
            self.err(top["id"].line, "id-format", _slug_message("checklist id", checklist_id))
        title = self.text(top, "title", root, "the checklist", required=True)
        if "version" not in top:
            self.err(root.line, "missing-key", 'the checklist needs "version"')
        version = self.integer(top, "version", "the checklist") or 0
        owner = self.text(top, "owner", root, "the checklist")
        reviewed = self.reviewed(top)
        every = self.integer(top, "review_every_days", "the checklist")
        if reviewed and every and self.today and (self.today - reviewed).days > every:
            self.warn(top["reviewed"].line, "stale",
                      f"last reviewed {reviewed.isoformat()}, more than {every} days ago")  # fmt: skip  # noqa: E501
        links = self.links(top.get("links"), "links")
        templates = self.string_map(top.get("templates"), "templates")
        variables = self.string_map(top.get("vars"), "vars")
        start = self.text(top, "start", root, "the checklist", required=True)

        phases: list[Phase] = []
        steps: dict[str, Step] = {}
        first_line: dict[str, int] = {}
        phase_nodes = self.sequence(top.get("phases"), "phases")
        if "phases" not in top:
            self.err(root.line, "missing-key", 'the checklist needs "phases"')
        phase_ids: dict[str, int] = {}
        for phase_node in phase_nodes:
            phase = self.phase(phase_node, steps, first_line, phase_ids)
            if phase is not None:
                phases.append(phase)
        if start and start not in steps and "start" in top:
            self.err(top["start"].line, "start", f'start step "{start}" does not exist')

        names = {k: v for k, (v, _line) in templates.items()}
        self.templates(templates, variables)
        for step in steps.values():
            self.step_rules(step, steps, names, variables)
        self.graph(start if start in steps else None, steps, phases)
        if any(not p.warning for p in self.problems):
            return None
        return Checklist(
            id=checklist_id, title=title, version=version, start=start, phases=tuple(phases),
            steps=steps, owner=owner, reviewed=reviewed, review_every_days=every, links=links,
            templates=names, vars={k: v for k, (v, _line) in variables.items()},
            description=self.text(top, "description", root, "the checklist"),
        )  # fmt: skip

    def reviewed(self, top: dict[str, Node]) -> date | None:
        node = top.get("reviewed")
        if node is None or not isinstance(node.value, str):
            return None
        try:
            return date.fromisoformat(node.value.strip())
        except ValueError:
            self.err(node.line, "bad-value", f'reviewed: "{node.value}" is not a date (YYYY-MM-DD)')
            return None

    def links(self, node: Node | None, what: str) -> tuple[tuple[str, str], ...]:
        """Links as a mapping (label: url) or a list of urls; rule 14 on each."""
        if node is None:
            return ()
        pairs: list[tuple[str, str, int]] = []
        if isinstance(node.value, list):
            for item in node.value:
                if isinstance(item.value, str):
                    pairs.append((item.value, item.value, item.line))
                else:
                    self.err(item.line, "bad-value", f"{what}: each link must be text")
        else:
            pairs = [(k, v, line) for k, (v, line) in self.string_map(node, what).items()]
        for _label, url, line in pairs:
            self.link(url, line)
        return tuple((label, url) for label, url, _line in pairs)

    def link(self, url: str, line: int) -> None:
        if url.startswith("https://"):
            return
        if _SCHEME.match(url) or url.startswith(("/", "\\", "//")) or ".." in url.split("/"):
            self.err(line, "link", f'"{url}" must be an https:// link or a relative path')

    def phase(self, node: Node, steps: dict[str, Step], first_line: dict[str, int],
              phase_ids: dict[str, int]) -> Phase | None:  # fmt: skip
        entries = self.mapping(node, _PHASE_KEYS, "a phase")
        if entries is None:
            return None
        phase_id = self.text(entries, "id", node, "a phase", required=True)
        if phase_id and not SLUG.fullmatch(phase_id):
            self.err(entries["id"].line, "id-format", _slug_message("phase id", phase_id))
        elif phase_id in phase_ids:
            self.err(entries["id"].line, "duplicate-id",
                     f'phase id "{phase_id}" is used twice (first on line {phase_ids[phase_id]})')  # fmt: skip  # noqa: E501
        phase_ids.setdefault(phase_id, entries["id"].line if "id" in entries else node.line)
        mode = self.choice(entries, "mode", f"phase {phase_id}", PhaseMode) or PhaseMode.READ_DO
        step_nodes = self.sequence(entries.get("steps"), f"phase {phase_id}: steps")
        if not step_nodes:
            self.err(node.line, "missing-key", f"phase {phase_id} needs at least one step")
        ids: list[str] = []
        for step_node in step_nodes:
            step = self.step(step_node, phase_id)
            if step is None:
                continue
            if step.id in first_line:
                self.err(step.line, "duplicate-id",
                         f'step id "{step.id}" is used twice (first on line {first_line[step.id]})')  # fmt: skip  # noqa: E501
                continue
            first_line[step.id] = step.line
            steps[step.id] = step
            ids.append(step.id)
        # Rules 8, 11, 12: phases short enough to run at a pause point, ending at one.
        count = len(step_nodes)
        if count > 9:
            self.err(node.line, "phase-length", f"phase {phase_id} has {count} steps; at most 9")
        elif count > 7:
            self.warn(
                node.line,
                "phase-length",
                f"phase {phase_id} has {count} steps; 7 or fewer read best",
            )
        if mode is PhaseMode.MEMORY and count > 4:
            self.warn(node.line, "memory-phase",
                      f"memory phase {phase_id} has {count} steps; nobody remembers more than 4")  # fmt: skip  # noqa: E501
        kinds = {steps[i].kind for i in ids}
        if ids and not kinds & {StepKind.PAUSE, StepKind.END}:
            self.warn(node.line, "phase-pause", f"phase {phase_id} has no pause step")
        return Phase(phase_id, self.text(entries, "title", node, "a phase") or phase_id, mode,
                     tuple(ids), node.line)  # fmt: skip

    def step(self, node: Node, phase_id: str) -> Step | None:
        entries = self.mapping(node, _STEP_KEYS, "a step")
        if entries is None:
            return None
        step_id = self.text(entries, "id", node, "a step", required=True)
        what = f"step {step_id}" if step_id else "a step"
        line = entries["id"].line if "id" in entries else node.line
        if step_id and not SLUG.fullmatch(step_id):
            self.err(line, "id-format", _slug_message("step id", step_id))
        kind = self.choice(entries, "kind", what, StepKind)
        if "kind" not in entries:
            self.err(node.line, "missing-key", f'{what} needs "kind"')
        if kind is None:
            return None
        needs_words = kind not in (StepKind.END, StepKind.GOTO)
        text = self.text(entries, "text", node, what, required=needs_words)
        why = self.text(entries, "why", node, what)
        if needs_words and "why" not in entries:
            self.err(node.line, "why", f"{what} needs a one-line why")
        answers = self.answers(entries.get("answers"), what) if "answers" in entries else ()
        target = self.text(entries, "goto" if kind is StepKind.GOTO else "next", node, what)
        self.next_rules(kind, entries, answers, node, what)
        confirm = tuple(
            item.value if isinstance(item.value, str) else ""
            for item in self.sequence(entries.get("confirm"), f"{what}: confirm")
        )
        when = self.when(entries.get("when"), what)
        return Step(
            id=step_id, kind=kind, text=text, why=why, next=target or None, answers=answers,
            details=self.text(entries, "details", node, what),
            links=self.links(entries.get("links"), f"{what}: links"),
            runbook=self.runbook(entries), timebox_min=self.integer(entries, "timebox_min", what),
            risk=self.choice(entries, "risk", what, Risk) or Risk.SAFE, confirm=confirm,
            show_command=self.text(entries, "show_command", node, what),
            template=self.text(entries, "template", node, what), when=when,
            record=self.boolean(entries, "record", what, True),
            private=self.boolean(entries, "private", what, kind is StepKind.PAUSE),
            skippable=self.boolean(entries, "skippable", what, True),
            seconds=self.integer(entries, "seconds", what),
            field=self.text(entries, "field", node, what),
            outcome=self.choice(entries, "outcome", what, Outcome),
            marks=self.choice(entries, "marks", what, Marker), phase=phase_id, line=line,
        )  # fmt: skip

    def runbook(self, entries: dict[str, Node]) -> str:
        node = entries.get("runbook")
        if node is None or not isinstance(node.value, str):
            return ""
        self.link(node.value, node.line)
        return node.value

    def answers(self, node: Node | None, what: str) -> tuple[Answer, ...]:
        out: list[Answer] = []
        seen: dict[str, int] = {}
        for item in self.sequence(node, f"{what}: answers"):
            entries = self.mapping(item, _ANSWER_KEYS, f"{what}: an answer")
            if entries is None:
                continue
            label = self.text(entries, "label", item, f"{what}: an answer", required=True)
            target = self.text(entries, "next", item, f"{what}: answer {label!r}", required=True)
            if label.casefold() in seen:
                self.err(
                    item.line,
                    "answers",
                    f'{what}: answer "{label}" is given twice (first on line {seen[label.casefold()]})',  # noqa: E501
                )
            seen.setdefault(label.casefold(), item.line)
            marks = self.choice(entries, "marks", f"{what}: answer {label!r}", Marker)
            value = self.text(entries, "value", item, f"{what}: answer {label!r}")
            out.append(Answer(label, target, marks, value))
        if node is not None and not 2 <= len(out) <= 4:
            self.err(node.line, "answers", f"{what} has {len(out)} answers; give 2 to 4")
        return tuple(out)

    def next_rules(self, kind: StepKind, entries: dict[str, Node], answers: tuple[Answer, ...],
                   node: Node, what: str) -> None:  # fmt: skip
        """Rule 6: decisions branch through answers; other steps have exactly one next."""
        if kind is StepKind.DECISION:
            if "answers" not in entries:
                self.err(node.line, "answers", f"{what} is a decision and needs 2 to 4 answers")
            if "next" in entries:
                self.err(entries["next"].line, "next", f"{what}: a decision uses answers, not next")
            return
        if "answers" in entries:
            self.err(entries["answers"].line, "answers", f"{what}: only decisions have answers")
        if kind is StepKind.END:
            for key in ("next", "goto"):
                if key in entries:
                    self.err(entries[key].line, "next", f"{what}: an end step leads nowhere")
            return
        own, other = ("goto", "next") if kind is StepKind.GOTO else ("next", "goto")
        if other in entries:
            self.err(entries[other].line, "next", f'{what}: use "{own}", not "{other}"')
        if own not in entries:
            self.err(node.line, "next", f'{what} needs exactly one "{own}"')

    def when(self, node: Node | None, what: str) -> dict[str, str]:
        """Rule 7: one level of conditions on known fields."""
        if node is None:
            return {}
        if not isinstance(node.value, dict):
            self.err(node.line, "when", f"{what}: when must be a mapping of field: value")
            return {}
        out: dict[str, str] = {}
        for key, value in node.value.items():
            line = node.key_lines.get(key, node.line)
            if key not in _WHEN_KEYS and not key.startswith("alert_label."):
                allowed = ", ".join((*_WHEN_KEYS, "alert_label.NAME"))
                self.err(line, "when", f'{what}: "{key}" is not a condition; use one of {allowed}')
                continue
            if not isinstance(value.value, str):
                self.err(value.line, "when",
                         f"{what}: when {key} must be one value (no nested and/or)")  # fmt: skip
                continue
            if key in ("severity", "severity_at_least") and value.value not in set(Severity):
                known = ", ".join(Severity)
                self.err(value.line, "when", f'{what}: "{value.value}" is not a severity ({known})')
                continue
            out[key] = value.value
        return out

    def templates(self, templates: dict[str, tuple[str, int]],
                  variables: dict[str, tuple[str, int]]) -> None:  # fmt: skip
        """Rule 15: placeholders known or declared; templates short enough for a status page."""
        known = INCIDENT_FIELDS | DERIVED_PLACEHOLDERS | set(variables)
        for name, (text, line) in templates.items():
            for placeholder in _PLACEHOLDER.findall(text):
                if placeholder not in known:
                    self.err(line, "placeholder",
                             f'template {name}: "{{{placeholder}}}" is not an incident field; '
                             "declare it under vars")  # fmt: skip
            if len(text) > 280:
                self.warn(
                    line,
                    "template-length",
                    f"template {name} is {len(text)} characters; keep it under 280",
                )

    def step_rules(self, step: Step, steps: Mapping[str, Step], templates: Mapping[str, str],
                   variables: Mapping[str, tuple[str, int]]) -> None:  # fmt: skip
        what = f"step {step.id}"
        # Rule 3: every target resolves.
        for target in step.targets():
            self.target(step, target, steps)
        # Rule 9: short imperative text or a yes/no question, one-line why.
        if step.text:
            self.wording(step, what)
        if "\n" in step.why.strip():
            self.err(step.line, "why", f"{what}: why must be one line")
        elif len(step.why) > 140:
            self.err(step.line, "why", f"{what}: why is {len(step.why)} characters; at most 140")
        # Rule 8 (confirm lists) and rule 10 (risky steps).
        if len(step.confirm) > 7:
            self.err(
                step.line, "confirm-length", f"{what}: {len(step.confirm)} confirm items; at most 7"
            )
        elif len(step.confirm) > 5:
            self.warn(
                step.line,
                "confirm-length",
                f"{what}: {len(step.confirm)} confirm items; 5 or fewer",
            )
        if step.risk is not Risk.SAFE and len(step.confirm) < 2:
            self.err(step.line, "risk-confirm",
                     f"{what} is {step.risk.value} and needs a confirm list of at least 2 items")  # fmt: skip  # noqa: E501
        # Rule 15: template references; input fields are incident fields or declared vars.
        if step.template and step.template not in templates:
            self.err(step.line, "template", f'{what}: template "{step.template}" does not exist')
        if step.field and step.field not in INCIDENT_FIELDS and step.field not in variables:
            self.err(step.line, "bad-value",
                     f'{what}: field "{step.field}" is not an incident field or a declared var')  # fmt: skip  # noqa: E501
        if step.kind is StepKind.INPUT and not step.field:
            self.err(step.line, "missing-key", f'{what} is an input and needs "field"')

    def target(self, step: Step, target: str, steps: Mapping[str, Step]) -> None:
        if "#" in target:
            file_id, _, step_id = target.partition("#")
            if step_id in self.library.get(file_id, frozenset()):
                return
            self.err(
                step.line, "target", f'step {step.id}: "{target}" is not a step in the library'
            )
        elif target not in steps:
            hint = _close(target, tuple(steps))
            self.err(
                step.line,
                "target",
                f'step {step.id} leads to "{target}", which does not exist{hint}',
            )

    def wording(self, step: Step, what: str) -> None:
        text = step.text.strip()
        if len(text) > 90:
            self.err(
                step.line, "text-length", f"{what}: text is {len(text)} characters; at most 90"
            )
        elif len(text) > 70:
            self.warn(
                step.line,
                "text-length",
                f"{what}: text is {len(text)} characters; 70 or fewer read best",
            )
        first = re.sub(r"[^\w'-]", "", text.split()[0]).lower() if text.split() else ""
        if text.endswith("?"):
            if first not in _YES_NO_STARTERS:
                self.err(step.line, "imperative",
                         f'{what}: "{text}" should be a yes/no question (Is..., Can..., Did...) '
                         "or start with a verb")  # fmt: skip
        elif (
            first in _NOT_IMPERATIVE
            or (first.endswith("ed") and first not in _ED_VERBS)
            or (first.endswith("ing") and first not in _ING_VERBS)
        ):
            self.err(step.line, "imperative", f'{what}: "{text}" should start with a verb')
        for word in _CAPS_WORD.findall(step.text):
            self.warn(step.line, "all-caps", f'{what}: "{word}" in capitals reads as shouting')

    def graph(self, start: str | None, steps: Mapping[str, Step], phases: Sequence[Phase]
              ) -> None:  # fmt: skip
        """Rules 4, 5 and 10 (reached through a pause): the shape of the flow."""
        local = {
            s.id: [t for t in s.targets() if "#" not in t and t in steps] for s in steps.values()
        }
        if start is None:
            return
        reached = _reachable(start, local)
        for step in steps.values():
            if step.id not in reached:
                self.warn(
                    step.line, "unreachable", f"step {step.id} cannot be reached from {start}"
                )
        # Termination: every reachable step can still reach an end (or another file). A
        # step with a broken target counts as an exit here: rule 3 already reports it.
        exits = {
            s.id
            for s in steps.values()
            if s.kind is StepKind.END or any("#" in t or t not in steps for t in s.targets())
        }
        reverse: dict[str, list[str]] = {k: [] for k in local}
        for source, targets in local.items():
            for t in targets:
                reverse[t].append(source)
        finishing = _reachable_many(exits, reverse)
        for step in steps.values():
            if step.id in reached and step.id not in finishing:
                self.err(step.line, "no-end", f"from step {step.id} no path reaches an end step")
        # Loops need a guard: a pause or a time-box inside the loop.
        for component in _cycles(local):
            if not any(steps[i].kind is StepKind.PAUSE or steps[i].timebox_min for i in component):
                first = min(component, key=lambda i: steps[i].line)
                names = ", ".join(sorted(component, key=lambda i: steps[i].line))
                self.err(steps[first].line, "loop-guard",
                         f"steps {names} form a loop with no pause step or timebox_min in it")  # fmt: skip  # noqa: E501
        for step in steps.values():
            if step.risk is Risk.SAFE:
                continue
            if not _after_pause(step.id, steps, reverse):
                self.warn(
                    step.line,
                    "risk-pause",
                    f"step {step.id} is {step.risk.value}; reach it through a pause step",
                )

    def content_safety(self, root: Node) -> None:
        """Rules 13 and 16 over every value: no secrets, no custom YAML tags."""
        for node in _walk(root):
            if node.tag not in ("str", "int", "bool", "float", "null", "timestamp", "map", "seq"):
                self.err(node.line, "unsafe-yaml", f"YAML tag {node.tag} is not allowed here")
            if isinstance(node.value, str) and any(p.search(node.value) for p in _SECRETS):
                self.err(node.line, "secret",
                         "this looks like a secret (a password, token or key); never put one in "
                         "a checklist")  # fmt: skip


def _walk(node: Node) -> Iterable[Node]:
    yield node
    if isinstance(node.value, list):
        for item in node.value:
            yield from _walk(item)
    elif isinstance(node.value, dict):
        for item in node.value.values():
            yield from _walk(item)


def _after_pause(step_id: str, steps: Mapping[str, Step], reverse: Mapping[str, list[str]]) -> bool:
    """Whether a pause comes just before ``step_id`` on some path, with only decisions and
    go-to steps (which change nothing) between them."""
    seen = {step_id}
    todo = list(reverse.get(step_id, []))
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        kind = steps[current].kind
        if kind is StepKind.PAUSE:
            return True
        if kind in (StepKind.DECISION, StepKind.GOTO):
            todo.extend(reverse.get(current, []))
    return False


def _close(word: str, choices: tuple[str, ...]) -> str:
    import difflib

    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f'; did you mean "{close[0]}"?' if close else ""


def _slug_message(what: str, value: str) -> str:
    return f'{what} "{value}" must be 1-40 lower-case letters, digits or dashes'


def _reachable(start: str, graph: Mapping[str, list[str]]) -> set[str]:
    return _reachable_many({start}, graph)


def _reachable_many(starts: set[str], graph: Mapping[str, list[str]]) -> set[str]:
    seen = set(starts)
    todo = list(starts)
    while todo:
        for nxt in graph.get(todo.pop(), []):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def _cycles(graph: Mapping[str, list[str]]) -> list[set[str]]:
    """Strongly connected components that hold a loop (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    out: list[set[str]] = []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            targets = graph[node]
            if i < len(targets):
                work.append((node, i + 1))
                nxt = targets[i]
                if nxt not in index:
                    work.append((nxt, 0))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            if low[node] == index[node]:
                component: set[str] = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1 or node in graph[node]:
                    out.append(component)
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return out


def validate(
    tree: Node,
    *,
    library: Mapping[str, frozenset[str]] | None = None,
    today: date | None = None,
) -> tuple[Checklist | None, list[Problem]]:
    """Check a parsed checklist against every rule of triage.md 9.2.

    ``library`` maps the other checklists' ids to their step ids (for ``file#step`` targets);
    ``today`` enables the stale-review warning (rule 18). Returns the checklist (None when
    any problem is an error) and every problem, in the order found.
    """
    checker = _Checker(library or {}, today)
    checklist = checker.check(tree)
    problems = sorted(checker.problems, key=lambda p: p.line)
    return checklist, problems


def version_problems(previous: Checklist, current: Checklist) -> list[Problem]:
    """Rule 17: a checklist whose steps or branches changed must raise its version."""
    if previous.fingerprint() != current.fingerprint() and current.version <= previous.version:
        return [
            Problem(
                1,
                "version",
                f"steps or branches changed since version {previous.version}; "
                f"raise version above {previous.version}",
            )
        ]
    return []


def killer_item_problems(default: Checklist, team_copy: Checklist) -> list[Problem]:
    """Rule 19: a team's checklist that replaces a shipped one keeps its killer items."""
    missing = sorted(i for i in KILLER_ITEMS if i in default.steps and i not in team_copy.steps)
    if not missing:
        return []
    return [
        Problem(
            1,
            "killer-items",
            f"this replaces the shipped {default.id} but drops the steps it must keep: "
            + ", ".join(missing),
        )
    ]


# ---------------------------------------------------------------------------------- runner


@dataclass(frozen=True, slots=True)
class Position:
    """Where a run is: a step of a checklist (cross-file go-to steps change the checklist)."""

    checklist: str
    step: str


@dataclass(frozen=True, slots=True)
class Choice:
    """A button the runner offers for the current step; ``primary`` is the one Enter picks."""

    index: int
    label: str
    next: str | None
    primary: bool = False


@dataclass(frozen=True, slots=True)
class Given:
    """The latest answer at a position (a later answer at the same step replaces it)."""

    index: int
    label: str
    at: datetime
    value: str = ""
    skipped: bool = False


@dataclass(frozen=True, slots=True)
class RunState:
    """The runner's whole state; :func:`apply` folds one event into it."""

    position: Position | None = None
    trail: tuple[Position, ...] = ()  # where Back goes, most recent last
    shown_at: datetime | None = None
    started_at: datetime | None = None
    answers: Mapping[Position, Given] = field(default_factory=dict)
    fields: Mapping[str, str] = field(default_factory=dict)
    severity: Severity | None = None
    notes: tuple[Event, ...] = ()
    helpers: tuple[Event, ...] = ()
    last_status_at: datetime | None = None
    closed_at: datetime | None = None
    outcome: Outcome | None = None
    alert_labels: Mapping[str, str] = field(default_factory=dict)


def _position(data: Mapping[str, Any]) -> Position:
    return Position(str(data["checklist"]), str(data["step"]))


def apply(state: RunState, e: Event) -> RunState:
    """The state after one event. The one place state changes: live runs and replays agree."""
    kind = e.kind
    if kind is EventKind.OPENED:
        sev = e.data.get("severity")
        return replace(
            state,
            started_at=e.at,
            severity=Severity(sev) if sev else state.severity,
            alert_labels=dict(e.data.get("alert_labels") or {}),
        )
    if kind is EventKind.STEP_SHOWN:
        return replace(state, position=_position(e.data), shown_at=e.at)
    if kind in (EventKind.ANSWER, EventKind.SKIPPED):
        here = _position(e.data)
        answers = dict(state.answers)
        answers[here] = Given(
            int(e.data.get("index", -1)),
            str(e.data.get("label", "")),
            e.at,
            str(e.data.get("value", "")),
            kind is EventKind.SKIPPED,
        )
        # Steps passed over because their condition was false are not a place to go back to.
        trail = state.trail if e.data.get("auto") else (*state.trail, here)
        return replace(state, answers=answers, trail=trail)
    if kind is EventKind.BACK:
        if not state.trail:
            return state
        return replace(state, position=state.trail[-1], trail=state.trail[:-1], shown_at=e.at)
    if kind is EventKind.NOTE:
        return replace(state, notes=(*state.notes, e))
    if kind is EventKind.HELP_CALL:
        return replace(state, helpers=(*state.helpers, e))
    if kind is EventKind.STATUS_UPDATE:
        return replace(state, last_status_at=max(e.at, state.last_status_at or e.at))
    if kind is EventKind.SEVERITY:
        new = e.data.get("new")
        return replace(state, severity=Severity(new) if new else None)
    if kind is EventKind.FIELD:
        fields = dict(state.fields)
        fields[str(e.data["field"])] = str(e.data.get("value", ""))
        return replace(state, fields=fields)
    if kind is EventKind.CLOSED:
        outcome = e.data.get("outcome")
        return replace(state, closed_at=e.at, outcome=Outcome(outcome) if outcome else None)
    return state  # markers and anything newer change no runner state


class Runner:
    """Walks one checklist (and the library's, for cross-file go-to steps).

    Every action returns the events it made, already applied: the caller stores them at
    once (``oncall.db.incidents.append_event``). ``Runner.replay`` rebuilds a runner from
    stored events, so a crashed run resumes at the same step with the same answers and notes.
    Nothing here reads the clock: every action takes ``at``.
    """

    def __init__(
        self,
        checklist: Checklist,
        library: Mapping[str, Checklist] | None = None,
        *,
        status_every: timedelta = timedelta(minutes=30),
        actor: str = "",
    ) -> None:
        self.checklist = checklist
        self.library = {**(library or {}), checklist.id: checklist}
        self.status_every = status_every
        self.actor = actor
        self.state = RunState()
        self.events: list[Event] = []

    # ---- replay

    @classmethod
    def replay(
        cls,
        checklist: Checklist,
        events: Iterable[Event],
        library: Mapping[str, Checklist] | None = None,
        *,
        status_every: timedelta = timedelta(minutes=30),
        actor: str = "",
    ) -> Runner:
        """A runner in the state its stored events describe."""
        runner = cls(checklist, library, status_every=status_every, actor=actor)
        for e in events:
            runner.apply(e)
        return runner

    def apply(self, e: Event) -> None:
        """Fold one event into the state (and keep it in :attr:`events`)."""
        self.state = apply(self.state, e)
        self.events.append(e)

    def _emit(self, made: list[Event], e: Event) -> None:
        self.apply(e)
        made.append(e)

    def _event(self, kind: EventKind, at: datetime, text: str = "", **data: Any) -> Event:
        return event(kind, at, text, actor=self.actor, **data)

    # ---- questions the UI asks

    @property
    def position(self) -> Position | None:
        """Where the run is (None before :meth:`start`)."""
        return self.state.position

    @property
    def step(self) -> Step | None:
        """The step on screen (None before :meth:`start`)."""
        p = self.state.position
        return None if p is None else self.library[p.checklist].step(p.step)

    @property
    def at_end(self) -> bool:
        """Whether the run has reached an end step."""
        step = self.step
        return step is not None and step.kind is StepKind.END

    @property
    def can_go_back(self) -> bool:
        """Whether Back has somewhere to go."""
        return bool(self.state.trail)

    def choices(self) -> tuple[Choice, ...]:
        """The buttons for the current step: a decision's answers, else one "Done"-like
        button (none on an end step). The first is the primary one (Enter)."""
        step = self.step
        if step is None or step.kind is StepKind.END:
            return ()
        if step.kind is StepKind.DECISION:
            return tuple(Choice(i, a.label, a.next, i == 0) for i, a in enumerate(step.answers))
        return (Choice(0, _CHOICE_LABELS[step.kind], step.next, True),)

    def given(self, position: Position | None = None) -> Given | None:
        """The latest answer at a position (default: the current step), if any."""
        return self.state.answers.get(position or self.state.position)  # type: ignore[arg-type]

    def elapsed(self, now: datetime) -> timedelta:
        """Time since the incident was opened."""
        return now - (self.state.started_at or now)

    @property
    def status_due(self) -> datetime | None:
        """When the next status update is due: ``status_every`` after the last one posted
        (None until the first one; a gentle reminder, not a deadline)."""
        last = self.state.last_status_at
        return None if last is None else last + self.status_every

    @property
    def timebox_due(self) -> datetime | None:
        """When the current step's time-box runs out (its ``timebox_min``), if it has one."""
        step = self.step
        if step is None or not step.timebox_min or self.state.shown_at is None:
            return None
        return self.state.shown_at + timedelta(minutes=step.timebox_min)

    def render(self, template: str, now: datetime, **extra: str) -> str:
        """A template of the checklist filled from the incident's fields; unknown
        placeholders stay as ``{name}`` for the responder to fill in."""
        text = self.checklist.templates.get(template, template)
        values: dict[str, str] = {**self.checklist.vars, **self.state.fields}
        if self.state.severity is not None:
            values["severity"] = self.state.severity.value
        due = now + self.status_every
        values.setdefault("next_update", due.strftime("%H:%M UTC"))
        values.setdefault("resolved_at", now.strftime("%H:%M UTC"))
        if self.state.started_at is not None:
            values.setdefault("started_at", self.state.started_at.strftime("%H:%M UTC"))
        values.setdefault("checklist", self.checklist.title)
        values.update(extra)
        return _PLACEHOLDER.sub(lambda m: values.get(m.group(1)) or m.group(0), text)

    # ---- actions

    def start(
        self,
        at: datetime,
        *,
        severity: Severity | None = None,
        alert_labels: Mapping[str, str] | None = None,
        text: str = "",
    ) -> list[Event]:
        """Open the run: an ``incident-opened`` event and the first step shown."""
        if self.state.started_at is not None:
            raise RuntimeError("this run has already started")
        made: list[Event] = []
        opened = self._event(
            EventKind.OPENED,
            at,
            text or f"Incident opened with {self.checklist.title}",
            checklist=self.checklist.id,
            version=self.checklist.version,
            severity=severity.value if severity else None,
            alert_labels=dict(alert_labels or {}),
        )
        self._emit(made, opened)
        self._arrive(made, self._resolve(self.checklist.id, self.checklist.start), at)
        return made

    def answer(self, index: int, at: datetime, value: str = "") -> list[Event]:
        """Answer the current step with choice ``index`` (see :meth:`choices`); an input
        step's text goes in ``value``. Moves on to the next step."""
        step, here = self._current()
        options = self.choices()
        if not 0 <= index < len(options):
            raise ValueError(f"step {step.id} has no answer {index}")
        choice = options[index]
        made: list[Event] = []
        if step.kind is StepKind.INPUT and step.field == "severity":
            Severity(value)  # refuses an unknown severity before anything is recorded
        self._emit(
            made,
            self._event(
                EventKind.ANSWER, at, f"{step.text} — {choice.label}" + (f": {value}" if value else ""),  # noqa: E501
                checklist=here.checklist, step=step.id, index=index, label=choice.label,
                next=choice.next, value=value, private=step.private,
            ),
        )  # fmt: skip
        answer = step.answers[index] if step.kind is StepKind.DECISION else None
        stored = value or (answer.value if answer else "") or (answer.label if answer else "")
        if step.field and stored:
            self._set_field(made, step.field, stored, at)
        for marker in (step.marks, answer.marks if answer else None):
            if marker is not None:
                self._emit(made, self._event(EventKind.MARKER, at, _MARKER_TEXT[marker],
                                             marker=marker.value))  # fmt: skip
        if step.kind is StepKind.COMMS:
            message = value or (self.render(step.template, at) if step.template else step.text)
            self._emit(made, self._event(EventKind.STATUS_UPDATE, at, message,
                                         template=step.template))  # fmt: skip
        if choice.next is not None:
            self._arrive(made, self._resolve(here.checklist, choice.next), at)
        return made

    def skip(self, at: datetime, reason: str = "") -> list[Event]:
        """Pass over the current step (not applicable, off-script): recorded, never blocked.
        A decision skipped takes its first answer's path."""
        step, here = self._current()
        target = step.answers[0].next if step.kind is StepKind.DECISION else step.next
        made: list[Event] = []
        self._emit(made, self._event(EventKind.SKIPPED, at, f"Skipped: {step.text}" + (f" ({reason})" if reason else ""),  # noqa: E501
                                     checklist=here.checklist, step=step.id, reason=reason))  # fmt: skip  # noqa: E501
        if target is not None:
            self._arrive(made, self._resolve(here.checklist, target), at)
        return made

    def back(self, at: datetime) -> list[Event]:
        """Go back one step; the earlier answer stays in the timeline until a new one."""
        if not self.state.trail:
            return []
        to = self.state.trail[-1]
        made: list[Event] = []
        step = self.library[to.checklist].step(to.step)
        self._emit(made, self._event(EventKind.BACK, at, f"Went back to: {step.text}",
                                     checklist=to.checklist, step=to.step))  # fmt: skip
        return made

    def note(self, text: str, at: datetime, *, follow_up: bool | None = None) -> list[Event]:
        """A quick note; ``TODO:`` at the start (or ``follow_up``) marks it a follow-up."""
        up = is_follow_up(text) if follow_up is None else follow_up
        where = self.state.position
        data = {"follow_up": up, "step": where.step if where else None}
        made: list[Event] = []
        self._emit(made, self._event(EventKind.NOTE, at, text.strip(), **data))
        return made

    def status_update(self, text: str, at: datetime, *, template: str = "") -> list[Event]:
        """A status message posted outside a comms step (resets the reminder)."""
        made: list[Event] = []
        self._emit(made, self._event(EventKind.STATUS_UPDATE, at, text, template=template))
        return made

    def call_for_help(
        self, at: datetime, *, name: str, role: str = "", engineer_id: int | None = None,
        contact: str = "",
    ) -> list[Event]:  # fmt: skip
        """Record that someone was called for help (who, as what, how)."""
        made: list[Event] = []
        text = (
            f"Called {name}"
            + (f" ({role})" if role else "")
            + (f" on {contact}" if contact else "")
        )
        self._emit(made, self._event(EventKind.HELP_CALL, at, text, name=name, role=role,
                                     engineer_id=engineer_id, contact=contact))  # fmt: skip
        return made

    def set_severity(self, severity: Severity, at: datetime) -> list[Event]:
        """Change the severity (the old and new values are both kept)."""
        made: list[Event] = []
        old = self.state.severity
        if old == severity:
            return made
        text = f"Severity {old.value if old else 'unset'} → {severity.value}"
        self._emit(made, self._event(EventKind.SEVERITY, at, text,
                                     old=old.value if old else None, new=severity.value))  # fmt: skip  # noqa: E501
        return made

    def backfill(
        self, text: str, refers_to: datetime, at: datetime, *, marker: Marker | None = None
    ) -> list[Event]:
        """An entry written now about an earlier time (e.g. "impact began 01:40"); with
        ``marker`` it sets an impact marker at that time."""
        from oncall.domain.incident import backfilled

        kind = EventKind.MARKER if marker else EventKind.NOTE
        data: dict[str, Any] = {"marker": marker.value} if marker else {"follow_up": False}
        made: list[Event] = []
        e = backfilled(kind, refers_to, at, text, **data)
        self._emit(made, replace(e, actor=self.actor))
        return made

    # ---- internals

    def _current(self) -> tuple[Step, Position]:
        step, here = self.step, self.state.position
        if step is None or here is None:
            raise RuntimeError("the run has not started")
        if self.state.closed_at is not None:
            raise RuntimeError("the incident is closed")
        return step, here

    def _resolve(self, checklist_id: str, target: str) -> Position:
        if "#" in target:
            file_id, _, step_id = target.partition("#")
            return Position(file_id, step_id)
        return Position(checklist_id, target)

    def _set_field(self, made: list[Event], name: str, value: str, at: datetime) -> None:
        if name == "severity":
            made.extend(self.set_severity(Severity(value), at))
            return
        self._emit(made, self._event(EventKind.FIELD, at, f"{name}: {value}", field=name,
                                     value=value))  # fmt: skip

    def _arrive(self, made: list[Event], to: Position, at: datetime) -> None:
        """Show ``to``, first passing over steps whose ``when`` is false (each recorded)."""
        for _ in range(len(self.library[to.checklist].steps) + 1):
            step = self.library[to.checklist].step(to.step)
            if not step.when or self._holds(step.when):
                break
            self._emit(made, self._event(EventKind.SKIPPED, at, f"Skipped (does not apply): {step.text}",  # noqa: E501
                                         checklist=to.checklist, step=step.id,
                                         reason="when", auto=True))  # fmt: skip
            target = step.answers[0].next if step.kind is StepKind.DECISION else step.next
            if target is None:
                break
            to = self._resolve(to.checklist, target)
        step = self.library[to.checklist].step(to.step)
        self._emit(made, self._event(EventKind.STEP_SHOWN, at, step.text or step.id,
                                     checklist=to.checklist, step=to.step,
                                     step_kind=step.kind.value))  # fmt: skip

    def _holds(self, when: Mapping[str, str]) -> bool:
        """Whether a step's conditions hold; a field nobody has set yet counts as holding
        (better to show a step than to hide it on a guess)."""
        state = self.state
        for key, want in when.items():
            if key == "severity":
                if state.severity is not None and state.severity.value != want:
                    return False
            elif key == "severity_at_least":
                have = state.severity
                if have is not None and _SEVERITY_RANK[have] < _SEVERITY_RANK[Severity(want)]:
                    return False
            elif key.startswith("alert_label."):
                label = state.alert_labels.get(key.removeprefix("alert_label."))
                if label is not None and label != want:
                    return False
            else:  # service, customer_visible: compared as words (yes/true/y are one)
                have_value = state.fields.get(key)
                if have_value is not None and _truthy(have_value) != _truthy(want):
                    return False
        return True


def _truthy(text: str) -> str:
    lowered = text.strip().lower()
    if lowered in ("yes", "true", "y", "on", "1"):
        return "yes"
    if lowered in ("no", "false", "n", "off", "0"):
        return "no"
    return lowered


_MARKER_TEXT = {
    Marker.IMPACT_BEGAN: "Impact began",
    Marker.DETECTED: "Problem detected",
    Marker.ACKNOWLEDGED: "Page acknowledged",
    Marker.MITIGATED: "Impact mitigated",
    Marker.RESOLVED: "Resolved",
}


def replay(
    checklist: Checklist,
    events: Iterable[Event],
    library: Mapping[str, Checklist] | None = None,
) -> Runner:
    """Shorthand for :meth:`Runner.replay`."""
    return Runner.replay(checklist, events, library)
