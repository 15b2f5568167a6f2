"""The checklist runner: walks a :class:`~oncall.domain.checklist.Checklist` one step at a time.

Every transition is an :class:`~oncall.domain.incident.Event`; the runner's state is a fold of
its events (:func:`oncall.domain.run_state.apply`), so replaying a stored timeline rebuilds
exactly the state it had: that is how an incident resumes after a crash. Pure: no clock, no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from oncall.domain.checklist import PLACEHOLDER, Checklist, Step, StepKind
from oncall.domain.incident import Event, EventKind, Marker, event, is_follow_up
from oncall.domain.model import Severity
from oncall.domain.run_state import Given, Position, RunState, apply

_SEVERITY_RANK = {s: i for i, s in enumerate(reversed(list(Severity)))}  # info 0 .. critical 4
_CHOICE_LABELS = {
    StepKind.ACTION: "Done",
    StepKind.PAUSE: "Continue",
    StepKind.INPUT: "Save",
    StepKind.COMMS: "Posted",
    StepKind.GOTO: "Go on",
}


@dataclass(frozen=True, slots=True)
class Choice:
    """A button the runner offers for the current step; ``primary`` is the one Enter picks."""

    index: int
    label: str
    next: str | None
    primary: bool = False


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

    def _one(self, e: Event) -> list[Event]:
        """Apply ``e`` and return it as everything an action made."""
        self.apply(e)
        return [e]

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
        values.setdefault("next_update", _utc_clock(due))
        values.setdefault("resolved_at", _utc_clock(now))
        if self.state.started_at is not None:
            values.setdefault("started_at", _utc_clock(self.state.started_at))
        values.setdefault("checklist", self.checklist.title)
        values.update(extra)
        return PLACEHOLDER.sub(lambda m: values.get(m.group(1)) or m.group(0), text)

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
        target = step.skip_target()
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
        step = self.library[to.checklist].step(to.step)
        return self._one(self._event(EventKind.BACK, at, f"Went back to: {step.text}",
                                     checklist=to.checklist, step=to.step))  # fmt: skip

    def note(self, text: str, at: datetime, *, follow_up: bool | None = None) -> list[Event]:
        """A quick note; ``TODO:`` at the start (or ``follow_up``) marks it a follow-up."""
        up = is_follow_up(text) if follow_up is None else follow_up
        where = self.state.position
        data = {"follow_up": up, "step": where.step if where else None}
        return self._one(self._event(EventKind.NOTE, at, text.strip(), **data))

    def status_update(self, text: str, at: datetime, *, template: str = "") -> list[Event]:
        """A status message posted outside a comms step (resets the reminder)."""
        return self._one(self._event(EventKind.STATUS_UPDATE, at, text, template=template))

    def call_for_help(
        self, at: datetime, *, name: str, role: str = "", engineer_id: int | None = None,
        contact: str = "",
    ) -> list[Event]:  # fmt: skip
        """Record that someone was called for help (who, as what, how)."""
        text = (
            f"Called {name}"
            + (f" ({role})" if role else "")
            + (f" on {contact}" if contact else "")
        )
        return self._one(self._event(EventKind.HELP_CALL, at, text, name=name, role=role,
                                     engineer_id=engineer_id, contact=contact))  # fmt: skip

    def set_severity(self, severity: Severity, at: datetime) -> list[Event]:
        """Change the severity (the old and new values are both kept)."""
        old = self.state.severity
        if old == severity:
            return []
        text = f"Severity {old.value if old else 'unset'} → {severity.value}"
        return self._one(self._event(EventKind.SEVERITY, at, text,
                                     old=old.value if old else None, new=severity.value))  # fmt: skip  # noqa: E501

    def backfill(
        self, text: str, refers_to: datetime, at: datetime, *, marker: Marker | None = None
    ) -> list[Event]:
        """An entry written now about an earlier time (e.g. "impact began 01:40"); with
        ``marker`` it sets an impact marker at that time."""
        from oncall.domain.incident import backfilled

        kind = EventKind.MARKER if marker else EventKind.NOTE
        data: dict[str, Any] = {"marker": marker.value} if marker else {"follow_up": False}
        e = backfilled(kind, refers_to, at, text, **data)
        return self._one(replace(e, actor=self.actor))

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
            target = step.skip_target()
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


def _utc_clock(instant: datetime) -> str:
    """``14:05 UTC`` for any aware instant (status messages go to people in many zones)."""
    return instant.astimezone(UTC).strftime("%H:%M UTC")
