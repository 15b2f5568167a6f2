"""The importer's shortcuts for instants give exactly the text of the plain formulas.

``utc_text`` (hashed into every page's content) avoids ``astimezone``/keyword ``isoformat``,
and the SQLite writer cuts the stored text out of it instead of formatting each instant again;
both must agree with the straightforward versions to the character, or re-imports would see
changed content and stored times would drift.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from oncall.db.pages import _sqlite_text, content_hash, page_fields, utc_text
from oncall.domain.model import Channel, Page, Severity, Urgency
from oncall.exchange.pages_csv import VALUE_SHOWN, _Checker, _map_header, shown

ZONES = st.sampled_from(
    [
        UTC,
        ZoneInfo("Europe/London"),
        ZoneInfo("Australia/Lord_Howe"),
        timezone(timedelta(hours=-5, minutes=-30)),
        timezone(timedelta(hours=14)),
    ]
)


@given(st.datetimes(min_value=datetime(1, 1, 3), max_value=datetime(9999, 12, 29)), ZONES)
def test_utc_text_is_the_utc_isoformat_with_microseconds(wall, zone):
    instant = wall.replace(tzinfo=zone)
    assert utc_text(instant) == instant.astimezone(UTC).isoformat(timespec="microseconds")


@given(st.datetimes(min_value=datetime(1, 1, 3), max_value=datetime(9999, 12, 29)), ZONES)
def test_stored_text_cut_from_utc_text_is_what_sqlalchemy_stores(wall, zone):
    instant = wall.replace(tzinfo=zone)
    text = utc_text(instant)
    assert text[:10] + " " + text[11:26] == _sqlite_text(instant)


def test_none_is_empty_text():
    assert utc_text(None) == ""
    assert _sqlite_text(None) is None


@given(
    st.sampled_from(["Sev2", "p1", "", "info"]),
    st.sampled_from(["high", "low", ""]),
    st.sampled_from(["push", "EMAIL", ""]),
    st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=40),
    st.sampled_from(["", "Europe/Berlin"]),
)
def test_an_imported_rows_hash_is_the_one_page_paths_hash(severity, urgency, channel, title, tz):
    # The importer hashes inline; a page logged or upserted one at a time hashes through
    # page_fields + content_hash. Different hashes would make a re-import "update" every row.
    header = ["source", "source_id", "paged_at", "acknowledged_at", "resolved_at", "engineer",
              "severity", "urgency", "channel", "incident_key", "service", "title",
              "engineer_tz"]  # fmt: skip
    cells = ["csv", "p-1", "2026-03-29T00:59:59.5+00:00", "2026-03-29T02:01:00+01:00",
             "2026-03-29T03:30:00+02:00", "Ada", severity, urgency, channel, "INC-7",
             " checkout ", title, tz]  # fmt: skip
    columns, source = _map_header(header, None)
    checker = _Checker(
        columns, source, None, {"ada": 1}, {}, {}, datetime(2026, 11, 23, tzinfo=UTC)
    )
    rows, errors, _ = checker.check(cells, 1, 2)
    assert errors == []
    (row,) = rows
    page = Page(
        0, row.source, row.source_id, row.engineer_id, row.triggered_at,
        acknowledged_at=row.acknowledged_at, resolved_at=row.resolved_at,
        incident_key=row.incident_key,
        severity=Severity(row.severity) if row.severity else None,
        urgency=Urgency(row.urgency) if row.urgency else None,
        channel=Channel(row.channel) if row.channel else None,
        service=row.service, title=row.title,
    )  # fmt: skip
    assert row.digest == content_hash(page_fields(page, row.engineer_tz))
    assert row.texts == tuple(
        utc_text(t) for t in (row.triggered_at, row.acknowledged_at, row.resolved_at)
    )


@given(st.text(st.sampled_from("ab\\\x1f\t\n\x7f"), max_size=260))
def test_a_shown_value_is_200_characters_at_most_with_whole_escapes(value):
    out = shown(value)
    body = out.removesuffix("…")
    assert len(body) <= VALUE_SHOWN
    escaped = value.encode("unicode_escape").decode("ascii").replace("\\\\", "\\")
    assert escaped.startswith(body)  # a prefix of the escaped value, never half an escape
    assert body == escaped or out.endswith("…")
