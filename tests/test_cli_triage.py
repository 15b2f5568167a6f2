"""`oncall checklist validate|list` and `oncall page --no-window`: output and exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest

from oncall import cli
from oncall.exchange.checklists import defaults_dir

DATA = Path(__file__).resolve().parent / "data" / "checklists"


def test_validate_a_good_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["checklist", "validate", str(DATA / "good.yaml")]) == 0
    assert capsys.readouterr().out == f"{DATA / 'good.yaml'}: ok\n"


def test_validate_prints_file_line_rule_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    bad = DATA / "bad-duplicate-id.yaml"
    good = DATA / "good.yaml"
    code = cli.main(["checklist", "validate", str(bad), str(good)])
    out, err = capsys.readouterr()
    assert code == 2
    assert f'{bad}:29: duplicate-id: step id "look" is used twice (first on line 22)' in out
    assert f"{good}: ok" in out
    assert "1 of 2 file(s) have errors" in err


def test_warnings_alone_exit_0(capsys: pytest.CaptureFixture[str]) -> None:
    path = DATA / "bad-unreachable.yaml"
    assert cli.main(["checklist", "validate", str(path)]) == 0
    out = capsys.readouterr().out
    assert ": unreachable: warning: step orphan cannot be reached from ack" in out
    assert f"{path}: ok" in out


def test_the_shipped_default_validates(capsys: pytest.CaptureFixture[str]) -> None:
    path = defaults_dir() / "web-service.yaml"
    assert cli.main(["checklist", "validate", str(path)]) == 0
    assert capsys.readouterr().out == f"{path}: ok\n"


def test_list_shows_shipped_and_team_checklists(
    tmp_path: Path, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from oncall.settings import Settings, save_settings

    team = tmp_path / "team"
    team.mkdir()
    (team / "good.yaml").write_text((DATA / "good.yaml").read_text(encoding="utf-8"))
    (team / "bad.yaml").write_text((DATA / "bad-start.yaml").read_text(encoding="utf-8"))
    save_settings(Settings(checklist_dir=str(team)), data_dir / "config" / "settings.toml")
    assert cli.main(["checklist", "list"]) == 0
    out, err = capsys.readouterr()
    assert "web-triage  1        49" in out
    assert "shipped" in out
    assert f"good        2        5      A small good checklist        {team / 'good.yaml'}" in out
    assert "not loaded" in err
    assert "bad.yaml" in err
    assert "start" in err


def test_page_starts_an_incident_and_then_resumes_it(
    seeded_team, capsys: pytest.CaptureFixture[str]
) -> None:
    clock = seeded_team.ctx.clock
    assert cli.main(["page", "--no-window"], clock=clock) == 0
    out = capsys.readouterr().out
    assert out == "incident 1 started with web-triage v1\n1\n"
    assert cli.main(["page", "--no-window"], clock=clock) == 0
    assert "incident 1 is still open" in capsys.readouterr().out
    from oncall.db import incidents

    incident = incidents.get_incident(seeded_team.ctx.sessions, 1)
    assert incident is not None
    assert incident.primary_id == seeded_team.engineer("carmen").id


def test_page_execs_the_window_on_the_runner(
    seeded_team, monkeypatch: pytest.MonkeyPatch, data_dir: Path
) -> None:
    calls: list[list[str]] = []
    monkeypatch.setattr("oncall.cli.triage.os.execv", lambda exe, argv: calls.append(argv))
    assert cli.main(["page", "--data-dir", str(data_dir)], clock=seeded_team.ctx.clock) == 0
    assert calls[0][1:] == ["-m", "oncall", "--resume-incident", "1", "--data-dir", str(data_dir)]


def test_page_with_an_unknown_checklist_is_a_usage_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli.main(["page", "--checklist", "nope", "--no-window"]) == 2
    assert 'no checklist "nope" (checklists: web-triage)' in capsys.readouterr().err
