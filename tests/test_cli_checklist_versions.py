"""`oncall page` keeps the team checklists it loads as their last imported copies, and
`oncall checklist validate` holds a file to rule 17 against that copy (keeping nothing)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from oncall import app, cli
from oncall.db import checklists as stored
from oncall.settings import Settings, save_settings

DATA = Path(__file__).resolve().parent / "data" / "checklists"
NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
GOOD = (DATA / "good.yaml").read_text(encoding="utf-8")
REBRANCHED = GOOD.replace('{label: "No", next: done}', '{label: "No", next: tell}')


def _copies(data_dir: Path) -> dict[str, stored.ChecklistCopy]:
    ctx = app.open_context(data_dir)
    with ctx.sessions.begin() as s:
        return stored.checklist_copies(s)


def test_page_keeps_the_copy_and_validate_compares_with_it(
    tmp_path: Path, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    team = tmp_path / "team"
    team.mkdir()
    (team / "good.yaml").write_text(GOOD, encoding="utf-8")
    config = app.prepare_context(data_dir).paths.settings_file
    save_settings(Settings(checklist_dir=str(team)), config)
    clock = lambda: NOW  # noqa: E731
    assert cli.main(["page", "--checklist", "good", "--no-window"], clock=clock) == 0
    assert _copies(data_dir)["good"].text == GOOD
    capsys.readouterr()

    changed = tmp_path / "changed.yaml"
    changed.write_text(REBRANCHED, encoding="utf-8")
    assert cli.main(["checklist", "validate", str(changed)], clock=clock) == 2
    out = capsys.readouterr().out
    assert f"{changed}:4: version: steps or branches changed since version 2" in out
    assert _copies(data_dir)["good"].text == GOOD  # validating keeps nothing
    changed.write_text(REBRANCHED.replace("version: 2", "version: 3"), encoding="utf-8")
    assert cli.main(["checklist", "validate", str(changed)], clock=clock) == 0
    assert capsys.readouterr().out == f"{changed}: ok\n"
