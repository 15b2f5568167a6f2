"""The command line: team files in and out, schedule and who (tables and stable JSON), errors
and exit codes, against a real migrated database in a temp folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from oncall import cli
from oncall.db import commands, queries
from oncall.domain.model import Override, Role, Team
from oncall.exchange import teamfile

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "resources" / "examples" / "team.yaml"
NOW = datetime(2026, 11, 16, 10, 0, tzinfo=UTC)  # the root conftest's clock


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv), clock=lambda: NOW)
    out, err = capsys.readouterr()
    return code, out, err


def _z(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# ---------------------------------------------------------------------------------- team


def test_import_then_list_and_export(capsys, data_dir: Path, tmp_path: Path) -> None:
    code, out, err = run(capsys, "--data-dir", str(data_dir), "team", "import", str(EXAMPLE))
    assert (code, err) == (0, "")
    assert "created     rotation Primary (office hours)" in out
    assert "imported team Payments: 13 created" in out

    code, out, _ = run(capsys, "team", "list", "--data-dir", str(data_dir))  # option after
    assert code == 0
    assert out.splitlines()[1].split() == ["Payments", "Europe/London", "5", "3"]

    code, exported, _ = run(capsys, "team", "export")
    assert code == 0
    assert teamfile.parse(exported).name == "Payments"
    target = tmp_path / "out" / "payments.yaml"
    target.parent.mkdir()
    code, out, err = run(capsys, "team", "export", "--team", "payments", "--out", str(target))
    assert (code, out) == (0, "")
    assert target.read_text(encoding="utf-8") == exported
    assert [p.name for p in target.parent.iterdir()] == ["payments.yaml"]  # no temp file left

    # Importing what was exported changes nothing.
    code, out, _ = run(capsys, "team", "import", str(target))
    assert code == 0
    assert "0 created, 0 updated, 0 removed" in out


def test_a_bad_file_is_refused_with_its_lines_and_nothing_changes(
    capsys, data_dir: Path, tmp_path: Path
) -> None:
    bad = tmp_path / "team.yaml"
    text = EXAMPLE.read_text(encoding="utf-8")
    bad.write_text(
        text.replace("cadence: 1 day", "cadence: 2 fortnights").replace(
            "members: [ada, linus]", "members: [ada, linux]"
        ),
        encoding="utf-8",
    )
    line = text.splitlines().index("    cadence: 1 day") + 1
    code, out, err = run(capsys, "team", "import", str(bad))
    assert code == 2
    assert out == ""
    assert f"{bad}:{line}: rotations[1].cadence: " in err
    assert f"{bad}:{line + 3}: rotations[1].members[1]: " in err
    assert "nothing was changed" in err
    code, out, _ = run(capsys, "team", "list")
    assert "no teams yet" in out


def test_dry_run_reports_and_saves_nothing(capsys) -> None:
    code, out, _ = run(capsys, "team", "import", str(EXAMPLE), "--dry-run")
    assert code == 0
    assert "would import team Payments" in out
    assert "dry run: nothing was saved" in out
    assert "no teams yet" in run(capsys, "team", "list")[1]


def test_missing_file_and_ambiguous_export(capsys, seeded_team, tmp_path: Path) -> None:
    code, _, err = run(capsys, "team", "import", str(tmp_path / "nope.yaml"))
    assert code == 2
    assert "cannot read" in err
    with seeded_team.ctx.sessions.begin() as s:
        commands.add_team(s, Team(0, "Platform", "UTC"))
    code, _, err = run(capsys, "team", "export")
    assert code == 2
    assert "choose a team with --team (teams: Payments, Platform)" in err


# ---------------------------------------------------------------------------------- schedule


def test_schedule_json_has_the_documented_shape_and_agrees_with_the_ledger(
    capsys, seeded_team
) -> None:
    start, end = datetime(2026, 11, 9, tzinfo=UTC), datetime(2026, 11, 30, tzinfo=UTC)
    code, out, err = run(
        capsys, "schedule", "--team", "Payments", "--from", "2026-11-09T00:00Z",
        "--to", "2026-11-30T00:00Z", "--tz", "America/New_York", "--json",
    )  # fmt: skip
    assert (code, err) == (0, "")
    doc = json.loads(out)
    assert set(doc) == {"schema", "team", "zone", "from", "to", "shifts", "gaps"}
    assert doc["schema"] == "oncall.schedule/1"
    assert doc["team"] == {"id": seeded_team.team.id, "name": "Payments", "zone": "Europe/London"}
    assert (doc["zone"], doc["from"], doc["to"]) == ("America/New_York", _z(start), _z(end))
    shift = doc["shifts"][0]
    assert set(shift) == {
        "team", "role", "start", "end", "local_start", "local_end", "engineer", "provenance",
        "frozen",
    }  # fmt: skip
    assert set(shift["engineer"]) == {"id", "handle", "name", "zone"}
    assert set(shift["provenance"]) == {
        "kind", "rotation", "rotation_id", "rotation_version", "override_id", "swap_id",
    }  # fmt: skip

    # The window opens on the end of ada's week (clipped to the window); the week of 9 November
    # was bao's, handed over at 09:00 London, which is 04:00 in New York.
    primary = [x for x in doc["shifts"] if x["role"] == "primary"]
    assert (primary[0]["engineer"]["handle"], primary[0]["start"]) == ("ada", _z(start))
    assert primary[1]["engineer"]["handle"] == "bao"
    assert primary[1]["start"] == "2026-11-09T09:00:00Z"
    assert primary[1]["local_start"] == "2026-11-09T04:00:00-05:00"
    assert primary[1]["provenance"] == {
        "kind": "rotation", "rotation": "Primary", "rotation_id": seeded_team.primary.id,
        "rotation_version": 1, "override_id": None, "swap_id": None,
    }  # fmt: skip
    assert primary[0]["frozen"] is True
    assert [x["frozen"] for x in primary if x["start"] > _z(NOW)] == [False]

    # What it prints is what the ledger (the Schedule screen's source) holds.
    with seeded_team.ctx.sessions.begin() as s:
        ledger = queries.ledger(s, seeded_team.team.id, start, end)
    assert sorted(
        (x["role"], x["engineer"]["id"], x["start"], x["end"]) for x in doc["shifts"]
    ) == sorted(
        (x.role.value, x.engineer_id, _z(max(x.start, start)), _z(min(x.end, end))) for x in ledger
    )
    # Before the rotations began (2 November) nothing was meant to be covered: no gaps.
    assert doc["gaps"] == []


def test_schedule_shows_gaps_overrides_and_live_time_past_the_ledger(capsys, seeded_team) -> None:
    ctx, team_id = seeded_team.ctx, seeded_team.team.id
    ada = seeded_team.engineer("ada")
    gap_start = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)
    ctx.edit(team_id, lambda s: commands.end_rotation(s, seeded_team.secondary.id, gap_start))
    cover = (datetime(2026, 11, 20, 12, tzinfo=UTC), datetime(2026, 11, 21, 12, tzinfo=UTC))
    ctx.edit(
        team_id,
        lambda s: commands.add_override(
            s, Override(0, team_id, ada.id, *cover, NOW, Role.PRIMARY, "cover")
        ),
    )
    code, out, _ = run(
        capsys, "schedule", "--team", str(team_id), "--from", "2026-11-16", "--to", "2026-11-22",
        "--tz", "UTC", "--json",
    )  # fmt: skip
    assert code == 0
    doc = json.loads(out)
    # --to is an inclusive last day: the window ends at the start of 23 November.
    assert doc["to"] == "2026-11-23T00:00:00Z"
    assert doc["gaps"] == [
        {
            "team": "Payments", "role": "secondary", "start": "2026-11-18T09:00:00Z",
            "end": "2026-11-23T00:00:00Z", "local_start": "2026-11-18T09:00:00+00:00",
            "local_end": "2026-11-23T00:00:00+00:00",
        }
    ]  # fmt: skip
    override = [x for x in doc["shifts"] if x["provenance"]["kind"] == "override"]
    assert [(x["engineer"]["handle"], x["start"], x["end"]) for x in override] == [
        ("ada", _z(cover[0]), _z(cover[1]))
    ]

    # Past the ledger's horizon the plan is resolved live, with the same provenance.
    far = NOW + timedelta(days=400)
    code, out, _ = run(
        capsys, "schedule", "--team", "Payments", "--from", far.date().isoformat(),
        "--to", (far + timedelta(days=14)).date().isoformat(), "--json",
    )  # fmt: skip
    live = json.loads(out)["shifts"]
    assert live
    assert {x["provenance"]["rotation"] for x in live} == {"Primary"}

    code, out, _ = run(capsys, "schedule", "--team", "Payments", "--from", "2026-11-16",
                       "--to", "2026-11-22", "--tz", "Europe/London")  # fmt: skip
    assert code == 0
    assert "Ada Lovelace (ada)" in out
    assert "override #" in out
    assert "1 gap(s) with nobody on call" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--team", "Nope"], 'no team named "Nope"; teams: Payments'),
        (["--team", "Payments", "--tz", "Europe/Londn"], 'did you mean "Europe/London"?'),
        (["--team", "Payments", "--from", "yesterday"], '--from: "yesterday" is not a date'),
        (["--team", "Payments", "--from", "2026-11-20", "--to", "2026-11-10"], "must come after"),
    ],
)
def test_schedule_input_errors_exit_2(capsys, seeded_team, argv: list[str], message: str) -> None:
    base = {"--from": "2026-11-16", "--to": "2026-11-22"}
    for i in range(0, len(argv), 2):
        base[argv[i]] = argv[i + 1]
    code, out, err = run(capsys, "schedule", *[x for kv in base.items() for x in kv])
    assert code == 2
    assert out == ""
    assert message in err


def test_usage_errors_exit_2(capsys) -> None:
    assert run(capsys, "schedule", "--team", "X")[0] == 2  # --from and --to missing
    assert run(capsys, "team")[0] == 2
    assert run(capsys, "who", "--help")[0] == 0


# ---------------------------------------------------------------------------------- who


def test_who_json_lists_each_team_and_role_with_local_times(capsys, seeded_team) -> None:
    code, out, _ = run(capsys, "who", "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["schema"] == "oncall.who/1"
    assert doc["at"] == "2026-11-16T10:00:00Z"
    by_role = {x["role"]: x for x in doc["on_call"]}
    assert set(by_role) == {"primary", "secondary"}
    carmen = by_role["primary"]
    assert carmen["engineer"]["handle"] == "carmen"
    assert carmen["local_time"] == "2026-11-16T05:00:00-05:00"  # New York
    assert (carmen["start"], carmen["end"]) == ("2026-11-16T09:00:00Z", "2026-11-23T09:00:00Z")
    assert carmen["provenance"]["rotation"] == "Primary"
    assert by_role["secondary"]["engineer"]["handle"] == "dev"
    assert doc["gaps"] == []

    # At another instant, and as a table with each person's own clock.
    code, out, _ = run(capsys, "who", "--at", "2026-11-10T03:00Z", "--team", "payments")
    assert code == 0
    assert "Bao Nguyen (bao)" in out
    assert "Tue 11:00 Asia/Singapore" in out


def test_who_reports_uncovered_roles(capsys, seeded_team) -> None:
    ctx = seeded_team.ctx
    ctx.edit(seeded_team.team.id, lambda s: commands.end_rotation(s, seeded_team.secondary.id, NOW))
    code, out, _ = run(capsys, "who", "--json", "--at", "2026-11-17T12:00:00+00:00")
    assert code == 0
    assert json.loads(out)["gaps"] == [{"team": "Payments", "role": "secondary"}]


def test_who_shows_the_whole_shift_when_the_ledger_holds_it_in_pieces(capsys, ctx) -> None:
    # The ledger was first written up to 09:30 on Monday, half an hour into Carmen's week, and
    # extended later: her week is stored as two rows; who still reports the whole week.
    from oncall.domain.model import CadenceUnit, Engineer, RotationVersion, Team

    with ctx.sessions.begin() as s:
        team = commands.add_team(s, Team(0, "Payments", "Europe/London"))
        carmen = commands.add_engineer(s, Engineer(0, "Carmen Diaz", "carmen", "America/New_York"))
        bao = commands.add_engineer(s, Engineer(0, "Bao Nguyen", "bao", "Asia/Singapore"))
        weekly = RotationVersion(
            1, NOW - timedelta(days=30), (carmen.id, bao.id), CadenceUnit.WEEKS, 1,
            datetime(2026, 11, 2, 9), "Europe/London",
        )  # fmt: skip
        commands.add_rotation(s, team.id, "Primary", weekly)
        early = NOW - timedelta(days=14)
        commands.materialise(s, team.id, early, datetime(2026, 11, 16, 9, 30, tzinfo=UTC) - early)
        commands.materialise(s, team.id, NOW, timedelta(days=30))
        pieces = queries.ledger(s, team.id, NOW, NOW + timedelta(hours=1))
    assert len({(x.start, x.end) for x in pieces}) == 1  # the piece holding now...
    code, out, _ = run(capsys, "who", "--json", "--at", "2026-11-16T11:00:00Z")
    assert code == 0
    [entry] = json.loads(out)["on_call"]
    assert entry["engineer"]["handle"] == "carmen"
    assert (entry["start"], entry["end"]) == ("2026-11-16T09:00:00Z", "2026-11-23T09:00:00Z")


# ---------------------------------------------------------------------------------- process


def test_real_process_prints_who_as_json(seeded_team, data_dir: Path) -> None:
    env = dict(os.environ, ONCALL_DATA_DIR=str(data_dir))
    main = ROOT / "oncall" / "__main__.py"
    args = ["who", "--json", "--at", "2026-11-16T10:00Z"]
    if main.exists():
        command = [sys.executable, "-m", "oncall", *args]
    else:  # before the window's entry point exists, the CLI alone
        code = f"import sys; from oncall.cli import main; sys.exit(main({args!r}))"
        command = [sys.executable, "-c", code]
    result = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["schema"] == "oncall.who/1"
    assert {x["engineer"]["handle"] for x in doc["on_call"]} == {"carmen", "dev"}


def test_importing_the_cli_stays_light() -> None:
    code = (
        "import sys, oncall.cli; "
        "heavy = [m for m in ('PySide6', 'sqlalchemy', 'alembic', 'yaml') if m in sys.modules]; "
        "print(heavy)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout.strip() == "[]"
