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

from oncall.db.pages import _sqlite_text, utc_text

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
