"""``oncall import pages``, ``report load``, ``export pay``, ``log-page``: exit codes, output
and the JSON shapes documented in docs/cli.md (``oncall.import.pages/1``, ``oncall.load/1``,
``oncall.page/1``)."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from oncall import cli
from oncall.db import pages
from oncall.domain.model import Page
from tests.conftest import NOW, Seeded

DATA = Path(__file__).resolve().parent / "data" / "pages"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv), clock=lambda: NOW)
    out, err = capsys.readouterr()
    return code, out, err


def test_import_pages_json_shape_and_exit_code(capsys, seeded_team: Seeded) -> None:
    code, out, err = run(capsys, "import", "pages", str(DATA / "generic.csv"), "--json")

    assert code == cli.EXIT_OK
    document = json.loads(out)
    assert document["schema"] == "oncall.import.pages/1"
    assert set(document) == {
        "schema", "file", "source", "zone", "dry_run", "batch_id", "records", "rows", "counts",
        "columns", "ignored_columns", "unmatched_engineers", "errors", "errors_not_kept",
    }  # fmt: skip
    assert document["counts"] == {
        "inserted": 5, "updated": 0, "unchanged": 0, "duplicate_in_file": 0, "rejected": 0,
    }  # fmt: skip
    assert document["batch_id"] == 1
    assert document["dry_run"] is False
    assert "batch 1 started" in err  # progress goes to stderr, never into the JSON


def test_import_with_rejected_rows_exits_3_and_lists_them(
    capsys, seeded_team: Seeded, tmp_path: Path
) -> None:
    rejected = tmp_path / "broken.rejected.csv"
    code, out, _ = run(capsys, "import", "pages", str(DATA / "broken.csv"), "--json",
                       "--rejected-out", str(rejected))  # fmt: skip

    assert code == cli.EXIT_REJECTED == 3
    document = json.loads(out)
    assert document["counts"]["inserted"] == 1
    assert document["counts"]["rejected"] == 9
    naive = next(e for e in document["errors"] if e["code"] == "E_TS_NAIVE")
    assert naive == {
        "record": 2, "line": 3, "column": "paged_at", "value": "2026-11-09 23:14:07",
        "code": "E_TS_NAIVE", "message": naive["message"],
    }  # fmt: skip
    assert document["unmatched_engineers"] == {"zoe@example.com": 1}
    with rejected.open(encoding="utf-8", newline="") as f:
        # Nine rejected rows, one of them with two errors (severity and channel).
        assert len(list(csv.DictReader(f))) == len(document["errors"]) == 10


def test_import_text_output_names_each_bad_line(capsys, seeded_team: Seeded) -> None:
    code, out, _ = run(capsys, "import", "pages", str(DATA / "broken.csv"), "--dry-run")
    assert code == 3
    assert "broken.csv:3: record 2: paged_at '2026-11-09 23:14:07': E_TS_NAIVE" in out
    assert "unknown engineers (add them, or --map VALUE=ENGINEER): zoe@example.com" in out
    assert "dry run: nothing was saved" in out
    with seeded_team.ctx.sessions() as s:
        assert pages.list_pages(s) == []


def test_import_map_and_zone_options(capsys, seeded_team: Seeded, tmp_path: Path) -> None:
    path = tmp_path / "naive.csv"
    path.write_text("source_id,paged_at,engineer\nn1,2026-07-01 09:00,Zoe\n", encoding="utf-8")
    code, out, _ = run(capsys, "import", "pages", str(path), "--source", "sheet",
                       "--zone", "Europe/Berlin", "--map", "Zoe=carmen", "--json")  # fmt: skip
    assert code == 0
    document = json.loads(out)
    assert document["zone"] == "Europe/Berlin"
    assert document["source"] == "sheet"
    with seeded_team.ctx.sessions() as s:
        page = pages.find_page(s, "sheet", "n1")
    assert page is not None
    assert page.engineer_id == seeded_team.engineer("carmen").id
    assert page.triggered_at == datetime(2026, 7, 1, 7, 0, tzinfo=UTC)


def test_a_refused_file_exits_2_and_changes_nothing(
    capsys, seeded_team: Seeded, tmp_path: Path
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("source,source_id,engineer\ncsv,1,ada\n", encoding="utf-8")
    code, _, err = run(capsys, "import", "pages", str(path))
    assert code == cli.EXIT_USAGE
    assert "[E_REQUIRED]" in err
    assert "not imported; nothing was changed" in err
    code, _, err = run(capsys, "import", "pages", str(tmp_path / "missing.csv"))
    assert code == 2
    assert "no such file" in err


def _seed_pages(seeded_team: Seeded) -> None:
    ada = seeded_team.engineer("ada").id
    night = datetime(2026, 11, 10, 2, 30, tzinfo=UTC)  # 02:30 in London: the sleep band
    with seeded_team.ctx.sessions.begin() as s:
        for i, at in enumerate([night, night + timedelta(hours=10)]):
            pages.upsert_page(s, Page(0, "pagerduty", f"p{i}", ada, at))


def test_report_load_json_shape(capsys, seeded_team: Seeded) -> None:
    _seed_pages(seeded_team)
    code, out, _ = run(capsys, "report", "load", "--from", "2026-11-02", "--to", "2026-11-15",
                       "--team", "Payments", "--tz", "Europe/London", "--json")  # fmt: skip
    assert code == 0
    document = json.loads(out)
    assert document["schema"] == "oncall.load/1"
    assert document["team"]["name"] == "Payments"
    assert (document["from"], document["to"]) == ("2026-11-02T00:00:00Z", "2026-11-16T00:00:00Z")
    rows = {r["engineer"]["handle"]: r for r in document["engineers"]}
    assert set(rows) == {"ada", "bao", "carmen", "dev"}
    ada = rows["ada"]
    assert set(ada) == {
        "engineer", "oncall_hours", "days_on_call", "pages", "interruptions", "night_pages",
        "interrupted_nights", "rest_deficit_nights", "engaged_hours",
    }  # fmt: skip
    assert set(ada["oncall_hours"]) == {"total", "business", "off_hours", "sleep", "weekend",
                                        "holiday"}  # fmt: skip
    # Ada held the primary week of Nov 2 (168 h) plus daily secondary shifts.
    assert ada["oncall_hours"]["total"] >= 168
    assert ada["pages"] == 2
    assert ada["night_pages"] == 1


def test_export_pay_writes_a_csv_per_engineer_and_week(
    capsys, seeded_team: Seeded, tmp_path: Path
) -> None:
    out_file = tmp_path / "pay.csv"
    code, _, err = run(capsys, "export", "pay", "--from", "2026-11-02", "--to", "2026-11-15",
                       "--period", "week", "--out", str(out_file))  # fmt: skip
    assert code == 0
    assert "wrote 8 rows" in err
    with out_file.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [(r["handle"], r["period"]) for r in rows if r["handle"] == "ada"] == [
        ("ada", "2026-W45"), ("ada", "2026-W46"),
    ]  # fmt: skip
    ada_first = rows[0] if rows[0]["handle"] == "ada" else None
    assert ada_first is not None
    hours = float(ada_first["oncall_hours"])
    bands = sum(float(ada_first[k]) for k in ("oncall_business", "oncall_off_hours",
                                               "oncall_sleep"))  # fmt: skip
    assert hours == pytest.approx(bands, abs=0.02)
    assert hours >= 168 - 9  # the primary week from Monday 09:00 local, inside the range


def test_log_page_json_and_refusal(capsys, seeded_team: Seeded) -> None:
    code, out, _ = run(capsys, "log-page", "--engineer", "ada@example.com",
                       "--at", "2026-11-16T08:00Z", "--severity", "high", "--title",
                       "Card terminal offline", "--json")  # fmt: skip
    assert code == 0
    document = json.loads(out)
    assert document["schema"] == "oncall.page/1"
    assert document["source"] == "manual"
    assert document["triggered_at"] == "2026-11-16T08:00:00Z"
    assert document["engineer"]["handle"] == "ada"
    assert document["severity"] == "high"

    code, _, err = run(capsys, "log-page", "--engineer", "ada", "--at", "2026-11-16T08:00Z",
                       "--resolved", "2026-11-16T07:00Z")  # fmt: skip
    assert code == 2
    assert "resolved before the page was triggered" in err
    code, _, err = run(capsys, "log-page", "--engineer", "zed", "--at", "2026-11-16T08:00Z")
    assert code == 2
    assert 'no engineer "zed"' in err
