"""The paging-history CSV importer (reference/formats.md section 4) against a real database.

Engineers come from ``seeded_team`` (ada, bao, carmen, dev @example.com); the import runs
through ``oncall.jobs.import_pages``, the job the UI and the CLI run.
"""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from oncall import jobs
from oncall.db import pages as page_store
from oncall.db.page_models import ImportBatchRow, PageRevisionRow, PageRow
from oncall.domain.model import Channel, Severity, Urgency
from oncall.exchange import pages_csv
from oncall.exchange.pages_csv import ImportReport, PagesFileError
from tests.conftest import NOW, Seeded

DATA = Path(__file__).resolve().parent.parent / "data" / "pages"
HEADER = "source,source_id,paged_at,engineer,severity,channel,acknowledged_at,resolved_at,title"
GOOD = "csv,r1,2026-11-09T23:14:07+00:00,ada@example.com,high,phone,,,A fine row"


def run(sessions: sessionmaker[Session], path: Path, **options: object) -> ImportReport:
    """The report of one import job run to its end."""
    *_, last = jobs.import_pages(sessions, path, now=NOW, **options)  # type: ignore[arg-type]
    assert last is not None
    assert last.report is not None
    assert last.report.adds_up(), last.report.counts()
    return last.report


def write(tmp_path: Path, text: str, name: str = "pages.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8", newline="")
    return path


def count(sessions: sessionmaker[Session], model: type) -> int:
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def snapshot(sessions: sessionmaker[Session]) -> tuple[int, int, int]:
    return (count(sessions, PageRow), count(sessions, ImportBatchRow),
            count(sessions, PageRevisionRow))  # fmt: skip


# ---------------------------------------------------------------------------------- good files


def test_generic_file_imports_every_row_with_normalised_values(seeded_team: Seeded) -> None:
    sessions = seeded_team.ctx.sessions
    report = run(sessions, DATA / "generic.csv")

    assert report.counts() == {
        "inserted": 5, "updated": 0, "unchanged": 0, "duplicate_in_file": 0, "rejected": 0,
    }  # fmt: skip
    assert report.errors == []
    assert report.unmatched_engineers == {}
    with sessions() as s:
        first = page_store.find_page(s, "pagerduty", "PLE001")
        opsgenie = page_store.find_page(s, "opsgenie", "a1b2c3")
        dev = page_store.find_page(s, "grafana-oncall", "go-77")
        batches = page_store.list_import_batches(s)
    assert first is not None
    assert opsgenie is not None
    assert dev is not None
    assert first.engineer_id == seeded_team.engineer("ada").id
    assert first.triggered_at == datetime(2026, 11, 9, 23, 14, 7, tzinfo=UTC)
    assert first.triggered_at.tzinfo is not None
    assert first.severity is Severity.CRITICAL
    assert first.channel is Channel.PHONE
    assert first.incident_key == "INC-1"
    assert first.service == "payments-db"
    # +08:00 becomes UTC; "BAO" is a handle in another case; a title keeps its line break.
    assert opsgenie.triggered_at == datetime(2026, 11, 11, 6, 5, tzinfo=UTC)
    assert opsgenie.engineer_id == seeded_team.engineer("bao").id
    assert opsgenie.title == "Queue depth high\n(second line of the description)"
    assert dev.engineer_id == seeded_team.engineer("dev").id  # matched by full name
    assert [(b.inserted, b.rows) for b in batches] == [(5, 5)]
    assert batches[0].file_name == "generic.csv"
    assert batches[0].finished_at is not None


def test_pagerduty_incidents_export_imports_directly(seeded_team: Seeded) -> None:
    sessions = seeded_team.ctx.sessions
    report = run(sessions, DATA / "pagerduty_incidents.csv")

    # Three incidents, one of them assigned to two people: four pages.
    assert report.records == 3
    assert report.rows == 4
    assert report.inserted == 4
    assert report.source == "pagerduty"
    assert "status" in report.ignored_columns
    assert "incident_number" in report.ignored_columns
    assert report.columns["engineer"] == "assigned_user_names"
    with sessions() as s:
        pages = page_store.list_pages(s, source="pagerduty")
    by_id = {p.source_id: p for p in pages}
    assert set(by_id) == {
        "Q1ABCDEF:Carmen Diaz", "Q2BCDEFG:Ada Lovelace", "Q2BCDEFG:Dev Patel",
        "Q3CDEFGH:Bao Nguyen",
    }  # fmt: skip
    q1 = by_id["Q1ABCDEF:Carmen Diaz"]
    assert q1.engineer_id == seeded_team.engineer("carmen").id
    assert q1.triggered_at == datetime(2026, 11, 10, 4, 14, 7, tzinfo=UTC)
    assert q1.acknowledged_at == q1.triggered_at + timedelta(seconds=95)  # seconds_to_first_ack
    assert q1.severity is Severity.CRITICAL  # priority_name P1
    assert q1.urgency is Urgency.HIGH
    assert q1.incident_key == "Q1ABCDEF"
    assert q1.service == "Payments API"
    assert q1.title == "Payment gateway 5xx spike"
    # An empty priority is "unknown", never guessed (formats.md 4.2).
    assert by_id["Q2BCDEFG:Dev Patel"].severity is None
    assert by_id["Q2BCDEFG:Dev Patel"].urgency is Urgency.LOW


def test_reimporting_the_same_file_changes_nothing(seeded_team: Seeded) -> None:
    sessions = seeded_team.ctx.sessions
    run(sessions, DATA / "generic.csv")
    run(sessions, DATA / "pagerduty_incidents.csv")
    with sessions() as s:
        before = page_store.list_pages(s)

    again = run(sessions, DATA / "generic.csv")
    pd_again = run(sessions, DATA / "pagerduty_incidents.csv")

    assert again.counts()["unchanged"] == 5
    assert again.inserted == again.updated == 0
    assert pd_again.counts()["unchanged"] == 4
    assert pd_again.inserted == pd_again.updated == 0
    with sessions() as s:
        assert page_store.list_pages(s) == before
    assert count(sessions, PageRevisionRow) == 0


def test_an_updated_row_keeps_its_old_content_in_page_revision(
    seeded_team: Seeded, tmp_path: Path
) -> None:
    sessions = seeded_team.ctx.sessions
    run(sessions, write(tmp_path, f"{HEADER}\n{GOOD}\n"))
    changed = GOOD.replace(",high,", ",critical,").replace("A fine row", "Worse than thought")
    report = run(sessions, write(tmp_path, f"{HEADER}\n{changed}\n", "second.csv"))

    assert report.updated == 1
    assert report.inserted == 0
    with sessions() as s:
        page = page_store.find_page(s, "csv", "r1")
        assert page is not None
        assert page.severity is Severity.CRITICAL
        assert page.title == "Worse than thought"
        (revision,) = page_store.page_revisions(s, page.id)
    assert revision.content["severity"] == "high"
    assert revision.content["title"] == "A fine row"
    assert revision.batch_id == report.batch_id


def test_dry_run_reports_the_outcome_and_writes_nothing(seeded_team: Seeded) -> None:
    sessions = seeded_team.ctx.sessions
    dry = run(sessions, DATA / "broken.csv", dry_run=True)

    assert snapshot(sessions) == (0, 0, 0)
    assert dry.batch_id is None
    assert dry.dry_run
    real = run(sessions, DATA / "broken.csv")
    assert dry.counts() == real.counts()
    assert [e.code for e in dry.errors] == [e.code for e in real.errors]
    assert count(sessions, PageRow) == real.inserted == 1


def test_naive_times_are_read_in_the_chosen_zone_recorded_with_the_batch(
    seeded_team: Seeded, tmp_path: Path
) -> None:
    sessions = seeded_team.ctx.sessions
    naive = GOOD.replace("2026-11-09T23:14:07+00:00", "2026-07-01 09:00")
    path = write(tmp_path, f"{HEADER}\n{naive}\n")

    refused = run(sessions, path, dry_run=True)
    assert [e.code for e in refused.errors] == ["E_TS_NAIVE"]
    report = run(sessions, path, zone="Europe/Berlin")
    assert report.inserted == 1
    with sessions() as s:
        page = page_store.find_page(s, "csv", "r1")
        (batch,) = page_store.list_import_batches(s)
    assert page is not None
    assert page.triggered_at == datetime(2026, 7, 1, 7, 0, tzinfo=UTC)
    assert batch.zone == "Europe/Berlin"


def test_engineer_map_places_unmatched_values_and_the_report_lists_the_rest(
    seeded_team: Seeded, tmp_path: Path
) -> None:
    sessions = seeded_team.ctx.sessions
    rows = [
        GOOD.replace("ada@example.com", "A. Lovelace"),
        GOOD.replace("r1", "r2").replace("ada@example.com", "zoe@example.com"),
        GOOD.replace("r1", "r3").replace("ada@example.com", "zoe@example.com"),
    ]
    path = write(tmp_path, "\n".join([HEADER, *rows]) + "\n")

    report = run(sessions, path, engineer_map={"a. lovelace": seeded_team.engineer("ada").id})

    assert report.inserted == 1
    assert report.rejected == 2
    assert report.unmatched_engineers == {"zoe@example.com": 2}


def test_rejected_rows_csv_lists_every_error_and_guards_formulas(
    seeded_team: Seeded, tmp_path: Path
) -> None:
    sessions = seeded_team.ctx.sessions
    bad = GOOD.replace("ada@example.com", "=HYPERLINK(1)").replace("r1", "r9")
    path = write(tmp_path, f"{HEADER}\n{bad}\n")
    out = tmp_path / "pages.rejected.csv"

    report = run(sessions, path, rejected_out=out)

    with out.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == len(report.errors) == 1
    assert rows[0]["value"] == "'=HYPERLINK(1)"  # a spreadsheet shows it, never runs it
    assert rows[0]["code"] == "E_ENGINEER_UNKNOWN"
    assert rows[0]["line"] == "2"
    report.write_rejected_csv(tmp_path / "again.csv")
    assert (tmp_path / "again.csv").read_text(encoding="utf-8") == out.read_text(encoding="utf-8")


def test_a_bom_crlf_file_with_extra_spaces_in_headers_imports(
    seeded_team: Seeded, tmp_path: Path
) -> None:
    header = " Source , SOURCE_ID,Created At (UTC),User_Email"
    path = tmp_path / "bom.csv"
    path.write_bytes(
        ("\ufeff" + header + "\r\ncsv,b1,2026-11-09T23:14:07Z,ADA@example.com\r\n").encode()
    )
    report = run(seeded_team.ctx.sessions, path)
    assert report.inserted == 1
    assert report.columns["paged_at"] == "Created At (UTC)"


# ---------------------------------------------------------------------------------- bad rows

# The second record spans two physical lines, so the bad record (record 3) starts on line 5:
# record numbers and physical lines are told apart.
PREFIX = f'{HEADER}\n{GOOD}\ncsv,r2,2026-11-09T23:15:00Z,ada@example.com,,,,,"two\nlines"\n'


@pytest.mark.parametrize(
    ("row", "code", "column", "value", "words"),
    [
        ("csv,x,2026-11-09 23:14:07,ada,,,,,", "E_TS_NAIVE", "paged_at", "2026-11-09 23:14:07",
         "no UTC offset"),
        ("csv,x,yesterday noonish,ada,,,,,", "E_TS_FORMAT", "paged_at", "yesterday noonish",
         "ISO 8601"),
        ("csv,x,2026-11-09T23:14:07Z,ada,,,2026-11-09T23:00:00Z,,", "E_TS_ORDER",
         "acknowledged_at", "2026-11-09T23:00:00Z", "before paged_at"),
        ("csv,x,2026-11-20T09:00:00Z,ada,,,,,", "E_TS_ORDER", "paged_at",
         "2026-11-20T09:00:00Z", "future"),
        ("csv,,2026-11-09T23:14:07Z,ada,,,,,", "E_REQUIRED", "source_id", "", "empty"),
        ("csv,x,2026-11-09T23:14:07Z,ada,sev0,,,,", "E_ENUM", "severity", "sev0", "not one of"),
        ("csv,x,2026-11-09T23:14:07Z,ada,,fax,,,", "E_ENUM", "channel", "fax", "not one of"),
        ("csv,x,2026-11-09T23:14:07Z,nobody,,,,,", "E_ENGINEER_UNKNOWN", "engineer", "nobody",
         "no engineer"),
        ("csv," + "x" * 256 + ",2026-11-09T23:14:07Z,ada,,,,,", "E_TOO_LONG", "source_id",
         "x" * 200 + "…", "at most 255"),
        ("csv,x,2026-11-09T23:14:07Z,ada,,,,,bell\x07here", "E_CONTROL_CHAR", "title",
         "bell\\x07here", "control"),
        ("csv,x,2026-11-09T23:14:07Z,ada,,,,,title,extra", "E_COLUMNS", "", "extra",
         "header 9"),
        ("CSV!,x,2026-11-09T23:14:07Z,ada,,,,,", "E_ENUM", "source", "csv!", "lower-case"),
    ],
)  # fmt: skip
def test_each_kind_of_bad_row_names_line_column_value_and_reason(
    seeded_team: Seeded,
    tmp_path: Path,
    row: str,
    code: str,
    column: str,
    value: str,
    words: str,
) -> None:
    sessions = seeded_team.ctx.sessions
    report = run(sessions, write(tmp_path, f"{PREFIX}{row}\n"))

    assert report.inserted == 2
    assert report.rejected == 1
    (error,) = report.errors
    assert (error.record, error.line, error.code) == (3, 5, code)
    assert (error.column, error.value) == (column, value)
    assert words in error.message


def test_e_tz_unknown_names_the_zone(seeded_team: Seeded, tmp_path: Path) -> None:
    text = "source,source_id,paged_at,engineer,engineer_tz\ncsv,t,2026-11-09T23:14Z,ada,Mars/Base\n"
    report = run(seeded_team.ctx.sessions, write(tmp_path, text))
    (error,) = report.errors
    assert (error.line, error.column, error.value, error.code) == (
        2, "engineer_tz", "Mars/Base", "E_TZ_UNKNOWN",
    )  # fmt: skip
    assert "IANA" in error.message


@pytest.mark.parametrize(
    ("local", "words"),
    [("2026-03-29 01:30", "does not exist"), ("2026-10-25 01:30", "happens twice")],
)
def test_e_ts_dst_for_local_times_that_do_not_exist_or_happen_twice(
    seeded_team: Seeded, tmp_path: Path, local: str, words: str
) -> None:
    row = GOOD.replace("2026-11-09T23:14:07+00:00", local)
    report = run(seeded_team.ctx.sessions, write(tmp_path, f"{HEADER}\n{row}\n"),
                 zone="Europe/London")  # fmt: skip
    (error,) = report.errors
    assert (error.line, error.column, error.value, error.code) == (
        2, "paged_at", local, "E_TS_DST",
    )  # fmt: skip
    assert words in error.message
    assert "Europe/London" in error.message


def test_e_dup_conflict_names_the_first_line_and_an_identical_row_is_a_duplicate(
    seeded_team: Seeded, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Batches of two rows: the first row's key is remembered across batches too.
    monkeypatch.setattr(pages_csv, "BATCH_ROWS", 2)
    other = GOOD.replace("r1", "r2")
    conflicting = GOOD.replace(",high,", ",low,")
    text = "\n".join([HEADER, GOOD, other, other, GOOD, conflicting]) + "\n"
    report = run(seeded_team.ctx.sessions, write(tmp_path, text))

    assert report.counts() == {
        "inserted": 2, "updated": 0, "unchanged": 0, "duplicate_in_file": 2, "rejected": 1,
    }  # fmt: skip
    (error,) = report.errors
    assert (error.record, error.line, error.column, error.code) == (5, 6, "source_id",
                                                                     "E_DUP_CONFLICT")  # fmt: skip
    assert "line 2" in error.message


def test_a_row_with_several_problems_reports_all_of_them(
    seeded_team: Seeded, tmp_path: Path
) -> None:
    row = "csv,x,2026-11-09T23:14:07,nobody,urgent,fax,soon,,"
    report = run(seeded_team.ctx.sessions, write(tmp_path, f"{HEADER}\n{row}\n"))
    assert report.rejected == 1
    assert sorted(e.code for e in report.errors) == [
        "E_ENUM", "E_ENUM", "E_TS_FORMAT", "E_TS_NAIVE",
    ]  # fmt: skip


def test_broken_sample_counts_add_up(seeded_team: Seeded) -> None:
    report = run(seeded_team.ctx.sessions, DATA / "broken.csv")
    assert report.records == 11
    assert report.rows == 11
    assert report.counts() == {
        "inserted": 1, "updated": 0, "unchanged": 0, "duplicate_in_file": 1, "rejected": 9,
    }  # fmt: skip
    codes = {e.code for e in report.errors}
    assert codes == {
        "E_TS_NAIVE", "E_TS_FORMAT", "E_TS_ORDER", "E_ENUM", "E_TZ_UNKNOWN",
        "E_ENGINEER_UNKNOWN", "E_REQUIRED", "E_CONTROL_CHAR", "E_DUP_CONFLICT",
    }  # fmt: skip


# ---------------------------------------------------------------------------------- bad files


@pytest.mark.parametrize(
    ("text", "code", "words"),
    [
        ("", "E_NO_HEADER", "empty"),
        ("source,source_id,engineer\ncsv,1,ada\n", "E_REQUIRED", "paged_at"),
        ("source,source_id,paged_at,engineer,user_email\n", "E_HEADER_AMBIGUOUS", "both mean"),
        ("source_id,paged_at,engineer\n1,2026-11-09T23:14Z,ada\n", "E_SOURCE", "--source"),
        ("source,source_id,paged_at,engineer\ncsv,1,2026-11-09T23:14Z,\"" + "x" * 10_001
         + "\"\n", "E_FIELD_TOO_LONG", "10,000"),
    ],
)  # fmt: skip
def test_file_level_problems_refuse_the_file_and_write_nothing(
    seeded_team: Seeded, tmp_path: Path, text: str, code: str, words: str
) -> None:
    sessions = seeded_team.ctx.sessions
    with pytest.raises(PagesFileError) as caught:
        run(sessions, write(tmp_path, text))
    assert caught.value.code == code
    assert words in str(caught.value)
    assert snapshot(sessions) == (0, 0, 0)


def test_not_utf8_is_refused(seeded_team: Seeded, tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes(f"{HEADER}\n{GOOD}\n".replace("fine", "fïne").encode("latin-1"))
    with pytest.raises(PagesFileError) as caught:
        run(seeded_team.ctx.sessions, path)
    assert caught.value.code == "E_ENCODING"
    assert "UTF-8" in caught.value.message
    assert snapshot(seeded_team.ctx.sessions) == (0, 0, 0)


def test_row_and_size_limits_refuse_the_whole_file(
    seeded_team: Seeded, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sessions = seeded_team.ctx.sessions
    rows = [GOOD.replace("r1", f"r{i}") for i in range(5)]
    path = write(tmp_path, "\n".join([HEADER, *rows]) + "\n")
    monkeypatch.setattr(pages_csv, "BATCH_ROWS", 2)  # some rows were written before the limit
    monkeypatch.setattr(pages_csv, "MAX_ROWS", 4)
    with pytest.raises(PagesFileError) as caught:
        run(sessions, path)
    assert caught.value.code == "E_TOO_MANY_ROWS"
    assert caught.value.line == 6
    assert snapshot(sessions) == (0, 0, 0)  # rolled back

    monkeypatch.setattr(pages_csv, "MAX_FILE_BYTES", 100)
    with pytest.raises(PagesFileError) as caught:
        run(sessions, path)
    assert caught.value.code == "E_FILE_TOO_LARGE"
    assert "MB" in caught.value.message


def test_cancelling_the_job_midway_rolls_everything_back(
    seeded_team: Seeded, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sessions = seeded_team.ctx.sessions
    monkeypatch.setattr(pages_csv, "BATCH_ROWS", 3)
    rows = [GOOD.replace("r1", f"r{i}") for i in range(20)]
    job = jobs.import_pages(sessions, write(tmp_path, "\n".join([HEADER, *rows]) + "\n"), now=NOW)
    progress = [next(job) for _ in range(3)]  # started, then two batches written
    assert "rows read" in progress[-1].message
    with sessions() as s:  # the batches are invisible outside the job's transaction
        assert s.scalar(select(func.count()).select_from(PageRow)) == 0
    job.close()  # what the Worker's cancel does

    assert snapshot(sessions) == (0, 0, 0)


# ---------------------------------------------------------------------------------- kill -9


def _big_file(path: Path, rows: int) -> None:
    handles = ("ada", "bao", "carmen", "dev")
    start = datetime(2025, 1, 1, tzinfo=UTC)
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write("source_id,paged_at,engineer\n")
        for i in range(rows):
            at = (start + timedelta(seconds=60 * i)).isoformat()
            f.write(f"{i},{at},{handles[i % 4]}\n")


def test_killing_a_real_import_process_midway_leaves_the_database_unchanged(
    seeded_team: Seeded, tmp_path: Path, data_dir: Path
) -> None:
    sessions = seeded_team.ctx.sessions
    run(sessions, DATA / "generic.csv")  # something already there, which must stay as it is
    with sessions() as s:
        before = page_store.list_pages(s)
    counts_before = snapshot(sessions)
    big = tmp_path / "big.csv"
    _big_file(big, 300_000)

    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "oncall",
            "--data-dir",
            str(data_dir),
            "import",
            "pages",
            str(big),
            "--source",
            "bench",
            "--json",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert proc.stderr is not None
        seen = []
        # Wait for the progress line that follows a written batch (no sleeping, no guessing).
        for line in proc.stderr:
            seen.append(line)
            if "rows read" in line:
                break
        else:
            pytest.fail(f"the import ended without progress: {''.join(seen)}")
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
        if proc.stderr is not None:
            proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL, "the import finished before it was killed"

    assert snapshot(sessions) == counts_before
    with sessions() as s:
        assert page_store.list_pages(s) == before
        assert page_store.list_pages(s, source="bench") == []


def test_an_engineer_map_to_nobody_refuses_the_import(seeded_team: Seeded, tmp_path: Path) -> None:
    path = write(tmp_path, f"{HEADER}\n{GOOD}\n")
    with pytest.raises(PagesFileError, match="no engineer with id 999"):
        run(seeded_team.ctx.sessions, path, engineer_map={"someone": 999})
    assert snapshot(seeded_team.ctx.sessions) == (0, 0, 0)
