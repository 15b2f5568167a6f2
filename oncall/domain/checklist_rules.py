"""Checklist validation: every rule of reference/triage.md 9.2 over a parsed :class:`Node` tree.

:func:`validate` returns the :class:`Checklist` (when there is no error) and every
:class:`Problem` (line, rule, message, warning or error). Rule names are listed in
:data:`RULES` (docs/checklists.md explains each). :func:`version_problems` (rule 17) and
:func:`killer_item_problems` (rule 19) compare two checklists.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

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
)
from oncall.domain.checklist_graph import after_pause, cycles, reachable, reachable_many
from oncall.domain.checklist_words import (
    CAPS_WORD,
    ED_VERBS,
    ING_VERBS,
    NOT_IMPERATIVE,
    SECRETS,
    YES_NO_STARTERS,
)
from oncall.domain.incident import Marker, Outcome
from oncall.domain.model import Severity

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

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


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
            for placeholder in PLACEHOLDER.findall(text):
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
            if first not in YES_NO_STARTERS:
                self.err(step.line, "imperative",
                         f'{what}: "{text}" should be a yes/no question (Is..., Can..., Did...) '
                         "or start with a verb")  # fmt: skip
        elif (
            first in NOT_IMPERATIVE
            or (first.endswith("ed") and first not in ED_VERBS)
            or (first.endswith("ing") and first not in ING_VERBS)
        ):
            self.err(step.line, "imperative", f'{what}: "{text}" should start with a verb')
        for word in CAPS_WORD.findall(step.text):
            self.warn(step.line, "all-caps", f'{what}: "{word}" in capitals reads as shouting')

    def graph(self, start: str | None, steps: Mapping[str, Step], phases: Sequence[Phase]
              ) -> None:  # fmt: skip
        """Rules 4, 5 and 10 (reached through a pause): the shape of the flow."""
        local = {
            s.id: [t for t in s.targets() if "#" not in t and t in steps] for s in steps.values()
        }
        if start is None:
            return
        reached = reachable(start, local)
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
        finishing = reachable_many(exits, reverse)
        for step in steps.values():
            if step.id in reached and step.id not in finishing:
                self.err(step.line, "no-end", f"from step {step.id} no path reaches an end step")
        # Loops need a guard: a pause or a time-box inside the loop.
        for component in cycles(local):
            if not any(steps[i].kind is StepKind.PAUSE or steps[i].timebox_min for i in component):
                first = min(component, key=lambda i: steps[i].line)
                names = ", ".join(sorted(component, key=lambda i: steps[i].line))
                self.err(steps[first].line, "loop-guard",
                         f"steps {names} form a loop with no pause step or timebox_min in it")  # fmt: skip  # noqa: E501
        for step in steps.values():
            if step.risk is Risk.SAFE:
                continue
            if not after_pause(step.id, steps, reverse):
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
            if isinstance(node.value, str) and any(p.search(node.value) for p in SECRETS):
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


def _close(word: str, choices: tuple[str, ...]) -> str:
    import difflib

    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f'; did you mean "{close[0]}"?' if close else ""


def _slug_message(what: str, value: str) -> str:
    return f'{what} "{value}" must be 1-40 lower-case letters, digits or dashes'


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
