"""Property: any CSV at all (random headers, junk cells, quotes, line breaks inside fields)
either is refused as a whole with a file-level code, or imports with every row accounted for.

Dry runs on the seeded database: each example rolls back, so examples do not see each other.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from oncall import jobs
from oncall.exchange import pages_csv
from oncall.exchange.pages_csv import FILE_CODES, ROW_CODES, PagesFileError
from tests.conftest import NOW, Seeded

HEADERS = [
    "source", "source_id", "paged_at", "engineer", "severity", "channel", "acknowledged_at",
    "resolved_at", "incident_id", "title", "service", "engineer_tz", "id", "created_at",
    "assigned_user_names", "urgency", "priority", "seconds_to_first_ack", "Created At (UTC)",
    "status", "junk", " Engineer ", "",
]  # fmt: skip
CORES = [
    ["source", "source_id", "paged_at", "engineer"],
    ["source_id", "paged_at", "engineer"],
    ["id", "created_at", "assigned_user_names"],
    ["incident_id", "Created At (UTC)", "engineer"],
]
EXTRAS = [
    "severity", "channel", "acknowledged_at", "resolved_at", "title", "service", "engineer_tz",
    "urgency", "seconds_to_first_ack", "status", "junk",
]  # fmt: skip
CELLS = st.one_of(
    st.sampled_from(
        [
            "",
            "csv",
            "pagerduty",
            "ada",
            "ADA@example.com",
            "Bao Nguyen",
            "nobody",
            "high",
            "P2",
            "phone",
            "email",
            "2026-11-09T23:14:07Z",
            "2026-11-09 23:14",
            "2026-03-29 01:30",
            "2030-01-01T00:00:00Z",
            "Europe/Berlin",
            "Mars/Base",
            "95",
            "x" * 300,
            "=1+1",
            "ada; bao",
            "r1",
            "r2",
        ]
    ),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30),
    st.text(alphabet='",\n\r ;\t\x00\x07ab', max_size=12),
)


@st.composite
def csv_files(draw: st.DrawFn) -> str:
    if draw(st.integers(0, 3)) == 0:  # anything at all, mostly refused as a whole
        header = draw(st.lists(st.sampled_from(HEADERS), min_size=0, max_size=7))
    else:  # a usable header (so rows get checked) with extra columns, in any order
        core = draw(st.sampled_from(CORES))
        extra = draw(st.lists(st.sampled_from(EXTRAS), unique=True, max_size=6))
        header = draw(st.permutations(core + extra))
    width = max(1, len(header))
    rows = draw(
        st.lists(st.lists(CELLS, min_size=max(0, width - 2), max_size=width + 2), max_size=12)
    )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=draw(st.sampled_from(["\n", "\r\n"])))
    if header or draw(st.booleans()):
        writer.writerow(header)
    writer.writerows(rows)
    text = out.getvalue()
    if draw(st.booleans()):  # sometimes a raw, possibly broken, tail
        text += draw(st.text(alphabet='a,"\n\r\x00', max_size=20))
    return text


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=csv_files(), zone=st.sampled_from([None, "Europe/London"]),
       source=st.sampled_from([None, "csv"]))  # fmt: skip
def test_random_csv_never_crashes_and_every_row_is_accounted_for(
    seeded_team: Seeded, tmp_path: Path, text: str, zone: str | None, source: str | None
) -> None:
    path = tmp_path / "random.csv"
    path.write_text(text, encoding="utf-8", newline="")
    try:
        *_, last = jobs.import_pages(
            seeded_team.ctx.sessions, path, zone=zone, source=source, dry_run=True, now=NOW
        )
    except PagesFileError as error:
        refused = error.code
    else:
        refused = None
    event(f"refused {refused}" if refused else "imported")
    if refused is not None:
        assert refused in FILE_CODES
        return
    report = last.report
    assert report is not None
    assert report.adds_up(), report.counts()
    assert report.rows >= report.records
    assert report.rejected >= (1 if report.errors else 0)
    for e in report.errors:
        assert e.code in ROW_CODES
        assert 1 <= e.record <= report.records
        assert e.line >= 2
        assert len(e.value) <= pages_csv.VALUE_SHOWN + 1
        assert e.message
