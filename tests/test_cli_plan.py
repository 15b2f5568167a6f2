"""``oncall plan``: the dry run, the JSON shape (oncall.plan/1), and --apply saving one swap per
changed shift that the ledger then shows."""

from __future__ import annotations

import json

import pytest

from oncall import cli
from oncall.db import queries
from oncall.domain.model import Role, SourceKind
from tests.conftest import NOW

ARGS = ("plan", "--rotation", "Primary", "--from", "2026-11-16", "--to", "2027-01-03")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv), clock=lambda: NOW)
    out, err = capsys.readouterr()
    return code, out, err


def test_json_shape_and_a_dry_run_saves_nothing(capsys, seeded_team) -> None:
    code, out, err = run(capsys, *ARGS, "--json")
    assert (code, err) == (0, "")
    doc = json.loads(out)
    assert doc["schema"] == "oncall.plan/1"
    assert doc["team"]["name"] == "Payments"
    assert doc["rotation"]["name"] == "Primary"
    assert doc["rotation"]["zone"] == "Europe/London"
    assert doc["applied"] is False
    assert doc["swaps_created"] == []
    assert set(doc["fairness"]["before"]) == {"balance", "max_min_ratio"}
    # Carmen's week is in progress at now: planning starts with the next handoff.
    first = doc["assignments"][0]
    assert first["shift"]["start"] == "2026-11-23T09:00:00Z"
    assert set(first) == {"shift", "current", "proposed", "changed"}
    assert {p["engineer"]["name"] for p in doc["people"]} == {
        "Ada Lovelace", "Bao Nguyen", "Carmen Diaz", "Dev Patel"}  # fmt: skip
    assert set(doc["people"][0]["before"]) >= {"score", "out_of_hours_hours", "on_call_hours",
                                               "weekend_hours", "holiday_hours"}  # fmt: skip
    assert doc["unmet"] == []
    with seeded_team.ctx.sessions.begin() as s:
        assert queries.list_swaps(s, seeded_team.team.id) == []


def test_text_output_says_dry_run_and_marks_changes_in_words(capsys, seeded_team) -> None:
    code, out, _ = run(capsys, *ARGS)
    assert code == 0
    assert "fairness before: balance" in out
    assert "after: balance" in out
    assert "dry run: nothing saved" in out
    assert any(word in out for word in ("▲ more", "▼ less", "= same"))


def test_apply_saves_one_swap_per_changed_shift_and_the_ledger_shows_them(
    capsys, seeded_team
) -> None:
    _, out, _ = run(capsys, *ARGS, "--json")
    planned = json.loads(out)
    changed = [a for a in planned["assignments"] if a["changed"]]
    assert changed, "the seeded roster should leave room for a fairer plan"
    reason = "Ada and Bao agreed at the planning meeting"
    code, out, _ = run(capsys, *ARGS, "--apply", "--reason", reason, "--json")
    applied = json.loads(out)
    assert code == 0
    assert applied["applied"] is True
    assert applied["reason"] == reason
    assert len(applied["swaps_created"]) == len(changed)
    with seeded_team.ctx.sessions.begin() as s:
        swaps = queries.list_swaps(s, seeded_team.team.id)
        assert {(w.note, w.reason) for w in swaps} == {("fair plan", reason)}
        ledger = queries.ledger(s, seeded_team.team.id, NOW, NOW.replace(year=2027))
    primary = {x.start.isoformat().replace("+00:00", "Z"): x for x in ledger
               if x.role is Role.PRIMARY}  # fmt: skip
    for a in changed:
        shift = primary[a["shift"]["start"]]
        assert shift.engineer_id == a["proposed"]["id"]
        assert shift.source.kind is SourceKind.SWAP


def test_unknown_rotation_is_a_usage_error(capsys, seeded_team) -> None:
    code, _, err = run(capsys, "plan", "--rotation", "Nope", "--from", "2026-11-16",
                       "--to", "2026-11-30")  # fmt: skip
    assert code == 2
    assert 'no rotation named "Nope"' in err
    assert "Primary" in err


# --- the planning guard ---------------------------------------------------------------------
# The seeded team is four people on a primary and a secondary: even the fairest primary leaves
# someone above 25% of the coming 28 days.


def test_the_dry_run_prints_the_guards_concerns(capsys, seeded_team) -> None:
    code, out, _ = run(capsys, *ARGS)
    assert code == 0
    concerns = [line for line in out.splitlines() if line.startswith("concern (")]
    assert any(line.startswith("concern (share): ") and "of the coming 28 days" in line
               for line in concerns)  # fmt: skip
    code, out, _ = run(capsys, *ARGS, "--json")
    doc = json.loads(out)
    assert "share" in {c["rule"] for c in doc["concerns"]}
    assert len(doc["concerns"]) == len(concerns)
    assert all(set(c) == {"engineer", "rule", "text"} for c in doc["concerns"])
    assert doc["reason"] == ""


@pytest.mark.parametrize("reason", [None, "   "])
def test_apply_with_concerns_and_no_reason_is_refused_and_saves_nothing(
    capsys, seeded_team, reason
) -> None:
    extra = () if reason is None else ("--reason", reason)
    code, out, err = run(capsys, *ARGS, "--apply", *extra)
    assert code == 2
    assert "concern (share): " in out
    assert "not applied: nothing saved" in out
    assert "applied:" not in out.replace("not applied:", "")
    assert err.startswith("oncall: not applied: the planning guard has ")
    assert '--reason "..."' in err
    with seeded_team.ctx.sessions.begin() as s:
        assert queries.list_swaps(s, seeded_team.team.id) == []
    code, out, _ = run(capsys, *ARGS, "--apply", "--json")
    assert code == 2
    doc = json.loads(out)
    assert (doc["applied"], doc["swaps_created"]) == (False, [])
    assert doc["concerns"]
