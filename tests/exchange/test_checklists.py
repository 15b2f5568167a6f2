"""Checklist files: every validation rule of triage.md 9.2 against a file that breaks it,
with the line named; bad files are left out of the library while the others load."""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import pytest

from oncall.domain.triage import RULES
from oncall.exchange import checklists

DATA = Path(__file__).resolve().parent.parent / "data" / "checklists"
TODAY = date(2026, 11, 20)
WARNINGS = {
    "unreachable", "all-caps", "risk-pause", "memory-phase", "phase-pause", "template-length",
    "stale",
}  # fmt: skip
BAD_FILES = sorted(DATA.glob("bad-*.yaml"))


def _expectation(path: Path) -> tuple[str, int]:
    """The rule a bad file breaks (its first line) and the line marked ``# <- here``."""
    lines = path.read_text(encoding="utf-8").splitlines()
    rule = re.fullmatch(r"# expect: (\S+)", lines[0]).group(1)  # type: ignore[union-attr]
    marked = [n for n, line in enumerate(lines, start=1) if line.endswith("# <- here")]
    assert len(marked) == 1, f"{path.name}: mark exactly one line"
    return rule, marked[0]


def test_the_good_file_loads_without_a_problem() -> None:
    checklist, problems = checklists.parse(
        (DATA / "good.yaml").read_text(encoding="utf-8"), "good.yaml", today=TODAY
    )
    assert problems == []
    assert checklist is not None
    assert checklist.id == "good"
    assert list(checklist.steps) == ["ack", "look", "tell", "check", "done"]
    assert checklist.step("look").answers[1].next == "done"


def test_there_is_a_bad_file_for_every_rule_checked_in_files() -> None:
    covered = {_expectation(p)[0] for p in BAD_FILES}
    # version (17) compares two copies and killer-items (19) a team copy with the shipped
    # one: both are tested below without a single bad file.
    assert covered | {"version", "killer-items"} == set(RULES)


@pytest.mark.parametrize("path", BAD_FILES, ids=lambda p: p.stem)
def test_a_bad_file_names_its_rule_and_line(path: Path) -> None:
    rule, line = _expectation(path)
    checklist, problems = checklists.parse(path.read_text(encoding="utf-8"), str(path), today=TODAY)
    found = [(p.rule, p.line) for p in problems]
    assert (rule, line) in found, f"expected {rule} on line {line}, got {found}"
    match = next(p for p in problems if (p.rule, p.line) == (rule, line))
    assert str(match).startswith(f"{path}:{line}: {rule}: ")
    if rule in WARNINGS:
        assert match.warning
        assert checklist is not None, "a warning alone does not stop a checklist loading"
    else:
        assert not match.warning
        assert checklist is None, "a file with an error is not loaded"


def test_a_bad_team_file_is_skipped_and_the_others_load(tmp_path: Path) -> None:
    shutil.copy(DATA / "good.yaml", tmp_path / "good.yaml")
    shutil.copy(DATA / "bad-target.yaml", tmp_path / "broken.yaml")
    library = checklists.load_library(tmp_path, today=TODAY)
    assert set(library.checklists) == {"web-triage", "good"}
    assert [(Path(e.path).name, e.rule) for e in library.errors] == [("broken.yaml", "target")]


def test_a_team_copy_of_the_default_must_keep_its_killer_items(tmp_path: Path) -> None:
    shipped = (checklists.defaults_dir() / "web-service.yaml").read_text(encoding="utf-8")
    # A copy that walks straight past the pause before a change.
    copy = shipped.replace("next: pause-before-change", "next: rollback").replace(
        '{label: "Yes, roll back", next: pause-before-change}',
        '{label: "Yes, roll back", next: rollback}',
    )
    start = copy.index("      - id: pause-before-change")
    end = copy.index("      - id: rollback")
    (tmp_path / "web.yaml").write_text(copy[:start] + copy[end:], encoding="utf-8")
    library = checklists.load_library(tmp_path, today=TODAY)
    assert [e.rule for e in library.errors] == ["killer-items"]
    assert "pause-before-change" in library.errors[0].message
    # The shipped checklist is still there, whole.
    assert "pause-before-change" in library.checklists["web-triage"].steps


def test_a_team_copy_that_keeps_the_killer_items_replaces_the_default(tmp_path: Path) -> None:
    shipped = (checklists.defaults_dir() / "web-service.yaml").read_text(encoding="utf-8")
    (tmp_path / "web.yaml").write_text(
        shipped.replace("title: Web service — first response", "title: Our web service"),
        encoding="utf-8",
    )
    library = checklists.load_library(tmp_path, today=TODAY)
    assert library.errors == []
    assert library.checklists["web-triage"].title == "Our web service"
    assert library.sources["web-triage"] == tmp_path / "web.yaml"


def test_a_go_to_another_file_resolves_through_the_library(tmp_path: Path) -> None:
    (tmp_path / "db.yaml").write_text(
        """schema: oncall-checklist/1
id: db-first
title: Database first steps
version: 1
start: hand
phases:
  - id: only
    steps:
      - {id: hand, kind: pause, text: Check the database graphs., why: Start with the facts.,
         next: to-web}
      - {id: to-web, kind: goto, goto: "web-triage#compare"}
      - {id: to-nowhere, kind: goto, goto: "web-triage#no-such-step"}
""",
        encoding="utf-8",
    )
    library = checklists.load_library(tmp_path, today=TODAY)
    assert [(e.rule, e.line) for e in library.errors] == [("target", 12)]


def test_yaml_errors_and_empty_files_have_a_line() -> None:
    _, problems = checklists.parse("schema: [x\nid: y\n", "f.yaml")
    assert [(p.rule, p.line) for p in problems] == [("yaml", 1)]
    _, problems = checklists.parse("", "f.yaml")
    assert [(p.rule, p.line) for p in problems] == [("missing-key", 1)]
