"""The default checklist and the runner: every path ends, every lesson of triage.md section 7
has its step, and a run rebuilt from its events is the run that made them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from oncall.domain.incident import EventKind
from oncall.domain.model import Severity
from oncall.domain.triage import (
    KILLER_ITEMS,
    Checklist,
    Position,
    Runner,
    StepKind,
    validate,
    version_problems,
)
from oncall.exchange import checklists

T0 = datetime(2026, 11, 17, 2, 0, tzinfo=UTC)

#: Each lesson of reference/triage.md section 7 and the default checklist's step for it.
LESSONS = {
    "what changed, including things you don't control": "outside-changes",
    "compare a working and a failing environment": "compare",
    "turn off non-critical third-party scripts": "turn-off",
    "pin or self-host vendor scripts (follow-up)": "follow-ups",
    "post a status early": "status-first",
    "don't debug alone": "get-help",
    "it's not life or death": "breathe",
    "verify from the user's side, cold caches": "verify",
    "roll back if it began after a change, even if it can't be that": "change-before",
    "deploy when people are awake (follow-up)": "follow-ups",
    "all requests or some?": "scope",
    "same app and schema version on every node?": "walk-path",
    "drain the odd node": "drain",
    "pause before a risky change: downstream limits": "pause-before-change",
    "scale out only after checking downstream limits": "check-limits",
    "CDN, DNS and provider consoles": "outside-changes",
    "purge or bypass the cache": "purge-cache",
    "shared services and other tenants": "outside-changes",
    "check dependency health": "walk-path",
    "escalate to the owners": "get-help",
}
LESSON_WORDS = {
    "outside-changes": ["third-party", "CDN", "Shared databases"],
    "walk-path": ["schema version", "shared dependencies"],
    "check-limits": ["Database connections"],
    "follow-ups": ["Pin or self-host", "people are awake"],
}


@pytest.fixture(scope="module")
def default() -> Checklist:
    library = checklists.load_library(today=date(2026, 11, 20))
    assert library.problems == []
    return library.checklists["web-triage"]


def test_the_default_checklist_validates_without_warnings() -> None:
    text = (checklists.defaults_dir() / "web-service.yaml").read_text(encoding="utf-8")
    checklist, problems = checklists.parse(text, "web-service.yaml", today=date(2026, 11, 20))
    assert problems == []
    assert checklist is not None
    assert set(checklist.steps) >= KILLER_ITEMS


def test_every_lesson_appears_as_a_step(default: Checklist) -> None:
    for lesson, step_id in LESSONS.items():
        assert step_id in default.steps, lesson
    for step_id, words in LESSON_WORDS.items():
        step = default.step(step_id)
        said = " ".join((step.text, step.why, step.details, *step.confirm))
        for word in words:
            assert word in said, f"{step_id} should mention {word}"


def test_every_path_from_the_start_reaches_an_end(default: Checklist) -> None:
    """Explore every path that visits no step twice: each ends at an end step, or closes a
    loop that has a pause step in it (the diagnose loop's step back)."""
    ends: set[str] = set()
    loops: list[list[str]] = []
    stack: list[list[str]] = [[default.start]]
    explored = 0
    while stack:
        path = stack.pop()
        explored += 1
        step = default.step(path[-1])
        if step.kind is StepKind.END:
            ends.add(step.id)
            continue
        assert step.targets(), f"{step.id} leads nowhere"
        for target in step.targets():
            if target in path:
                loops.append(path[path.index(target) :])
            else:
                stack.append([*path, target])
    assert ends == {"done", "done-false-alarm"}
    assert explored > 100
    for loop in loops:
        assert any(default.step(i).kind is StepKind.PAUSE for i in loop), loop


def test_every_step_is_reachable(default: Checklist) -> None:
    seen, todo = {default.start}, [default.start]
    while todo:
        for target in default.step(todo.pop()).targets():
            if target not in seen:
                seen.add(target)
                todo.append(target)
    assert seen == set(default.steps)


def test_the_default_has_short_phases_each_with_a_pause(default: Checklist) -> None:
    for phase in default.phases:
        assert len(phase.step_ids) <= 7, phase.id
        kinds = {default.step(i).kind for i in phase.step_ids}
        assert kinds & {StepKind.PAUSE, StepKind.END}, phase.id


# ---------------------------------------------------------------------------------- runner


def _at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_a_walk_follows_the_answers(default: Checklist) -> None:
    run = Runner(default)
    events = run.start(T0, severity=Severity.HIGH)
    assert [e.kind for e in events] == [EventKind.OPENED, EventKind.STEP_SHOWN]
    assert run.step is not None
    assert run.step.id == "acknowledge"
    run.answer(0, _at(1))
    run.answer(0, _at(1.5))  # breathe
    run.answer(0, _at(2), value="Checkout returns 500 for card payments")
    assert run.state.fields["summary"] == "Checkout returns 500 for card payments"
    assert [c.label for c in run.choices()] == ["Yes", "No", "Not sure"]
    run.answer(1, _at(3))  # cannot see it -> is the alert broken?
    assert run.step.id == "alert-broken"
    run.answer(1, _at(4))  # no -> scope
    assert run.step.id == "scope"
    assert run.elapsed(_at(4)) == timedelta(minutes=4)


def test_going_back_and_answering_differently_takes_the_new_path(default: Checklist) -> None:
    run = Runner(default)
    run.start(T0)
    for minute in (1, 2):
        run.answer(0, _at(minute))
    run.answer(0, _at(3), value="Logins fail")
    run.answer(0, _at(4))  # see-it: yes -> scope
    assert run.step.id == "scope"
    run.back(_at(5))
    assert run.step.id == "see-it"
    assert run.given().label == "Yes"  # the earlier answer is shown until replaced
    run.answer(1, _at(6))  # no -> alert-broken
    assert run.step.id == "alert-broken"
    assert run.given(Position("web-triage", "see-it")).label == "No"
    answers = [
        e.data["label"]
        for e in run.events
        if e.kind is EventKind.ANSWER and e.data["step"] == "see-it"
    ]
    assert answers == ["Yes", "No"], "the timeline keeps both answers"
    # Back twice returns to where we were before see-it.
    run.back(_at(7))
    run.back(_at(8))
    assert run.step.id == "one-line"


def test_replaying_the_events_rebuilds_the_same_state(default: Checklist) -> None:
    run = Runner(default)
    run.start(T0, severity=Severity.MEDIUM)
    run.answer(0, _at(1))
    run.note("Grafana shows 5xx since 01:52", _at(1.2))
    run.answer(0, _at(2))
    run.answer(0, _at(3), value="Search is slow")
    run.answer(0, _at(4))
    run.back(_at(5))
    run.answer(0, _at(6))
    run.answer(1, _at(7))  # only some
    run.answer(0, _at(8), value="Only eu-west")
    run.answer(0, _at(9), value="critical")
    run.call_for_help(_at(10), name="Dev Patel", role="secondary")
    run.note("TODO: alert on eu-west separately", _at(11))
    replayed = Runner.replay(default, list(run.events))
    assert replayed.state == run.state
    assert replayed.step == run.step
    assert replayed.state.severity is Severity.CRITICAL
    assert [n.text for n in replayed.state.notes][1] == "TODO: alert on eu-west separately"
    assert replayed.state.notes[1].data["follow_up"] is True


def test_a_status_update_sets_a_gentle_reminder(default: Checklist) -> None:
    run = Runner(default)
    run.start(T0)
    assert run.status_due is None
    for minute, value in ((1, ""), (2, ""), (3, "Pay fails"), (4, ""), (5, ""), (6, "high")):
        run.answer(0, _at(minute), value=value)
    run.answer(0, _at(7))  # triage-check
    assert run.step.id == "customers-feel"
    run.answer(0, _at(8))  # yes -> status-first
    assert run.step.kind is StepKind.COMMS
    made = run.answer(0, _at(9))
    update = next(e for e in made if e.kind is EventKind.STATUS_UPDATE)
    assert update.text.startswith("We're looking into a problem affecting")
    assert "Next update by 02:39 UTC" in update.text
    assert run.status_due == _at(39)
    run.status_update("Still looking; next update 03:15", _at(30))
    assert run.status_due == _at(60)


def test_a_step_whose_condition_is_false_is_skipped_and_recorded() -> None:
    tree = checklists.parse_tree(
        """schema: oncall-checklist/1
id: cond
title: Conditions
version: 1
start: first
phases:
  - id: only
    steps:
      - {id: first, kind: action, text: Look at the graphs., why: Facts first., next: tell}
      - {id: tell, kind: comms, text: Tell customers., why: They notice.,
         when: {severity_at_least: high}, next: pause}
      - {id: pause, kind: pause, text: Breathe out., why: It helps., next: done}
      - {id: done, kind: end}
"""
    )[0]
    assert tree is not None
    checklist, problems = validate(tree)
    assert problems == []
    assert checklist is not None
    low = Runner(checklist)
    low.start(T0, severity=Severity.LOW)
    made = low.answer(0, _at(1))
    assert [e.kind for e in made] == [EventKind.ANSWER, EventKind.SKIPPED, EventKind.STEP_SHOWN]
    assert low.step.id == "pause"
    low.back(_at(2))
    assert low.step.id == "first", "back skips the step that did not apply"
    high = Runner(checklist)
    high.start(T0, severity=Severity.CRITICAL)
    high.answer(0, _at(1))
    assert high.step.id == "tell"


def test_a_changed_flow_needs_a_new_version(default: Checklist) -> None:
    from dataclasses import replace

    steps = dict(default.steps)
    steps["scope"] = replace(steps["scope"], answers=steps["scope"].answers[:1] * 2)
    changed = replace(default, steps=steps)
    assert [p.rule for p in version_problems(default, changed)] == ["version"]
    assert version_problems(default, replace(changed, version=default.version + 1)) == []
    reworded = replace(default, title="Reworded")
    assert version_problems(default, reworded) == []
