"""``oncall report risk``: levels, every rule with value, thresholds and reason, the JSON
shape ``oncall.risk/1`` (docs/cli.md), run against the demo."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from oncall import cli

DEMO_NOW = datetime(2026, 11, 22, 23, 30, tzinfo=UTC)


def run(capsys: pytest.CaptureFixture[str], data: Path, *argv: str) -> tuple[int, str, str]:
    code = cli.main(["--data-dir", str(data), "--demo", *argv], clock=lambda: DEMO_NOW)
    out, err = capsys.readouterr()
    return code, out, err


def test_report_risk_json_names_the_high_engineer_and_every_rule(capsys, tmp_path) -> None:
    code, out, err = run(capsys, tmp_path, "report", "risk", "--team", "Payments", "--json")
    assert (code, err) == (cli.EXIT_OK, "")
    document = json.loads(out)
    assert document["schema"] == "oncall.risk/1"
    assert document["team"]["name"] == "Payments"
    assert document["at"] == "2026-11-22T23:30:00Z"
    by_level = {e["engineer"]["handle"]: e["level"] for e in document["engineers"]}
    assert list(by_level.values()).count("high") == 1
    high = next(e for e in document["engineers"] if e["level"] == "high")
    assert set(high) == {"engineer", "level", "partial", "headline", "out_of_hours_outlier",
                         "warnings", "rules", "advisories"}  # fmt: skip
    assert [r["rule"] for r in high["rules"]][:2] == ["N1", "N2"]
    n1 = high["rules"][0]
    assert n1["outcome"] == "high"
    assert (n1["elevated_at"], n1["high_at"]) == (2, 3)
    assert n1["reason"] == high["headline"]
    assert n1["source"]
    assert sorted(r["rule"] for r in high["rules"]) == sorted(
        ["N1", "N2", "N3", "N4", "S1", "S2", "C1", "C2", "C3", "C4", "T1", "X1"]
    )
    assert [r["rule"] for r in high["advisories"]] == ["A1"]


def test_report_risk_table_and_at(capsys, tmp_path) -> None:
    code, out, _ = run(capsys, tmp_path, "report", "risk", "--team", "Platform")
    assert code == cli.EXIT_OK
    assert "not a medical one" in out.splitlines()[0]
    assert "▲ ELEVATED" in out
    assert "7 out-of-hours interruptions in the last 28 days (elevated at 7, high at 19)" in out
    # A year earlier nothing of the story has happened yet, and the history is short: about
    # a month since the rotations began, too little for T1 (90 days) for everyone; partial
    # (less than 28 days) only for whoever had not been on call or paged yet.
    code, out, _ = run(capsys, tmp_path, "report", "risk", "--team", "Platform", "--at",
                       "2025-11-22T23:30Z", "--json")  # fmt: skip
    document = json.loads(out)
    for e in document["engineers"]:
        rules = {r["rule"]: r["outcome"] for r in e["rules"]}
        assert rules["T1"] == "insufficient_data"
        assert e["partial"] == (rules["C2"] == "insufficient_data")
    assert any(not e["partial"] for e in document["engineers"])


def test_report_risk_refuses_a_bad_instant_and_an_unknown_team(capsys, tmp_path) -> None:
    code, _, err = run(capsys, tmp_path, "report", "risk", "--at", "yesterday")
    assert code == 2
    assert "--at" in err
    code, _, err = run(capsys, tmp_path, "report", "risk", "--team", "Nope")
    assert code == 2
