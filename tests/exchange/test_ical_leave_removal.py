"""A re-imported leave calendar removes the leave whose event left it: only that source's
imported leave, only over the window read, never hand-entered leave; the ledger re-made."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from oncall import cli
from oncall.db import calendar, commands, queries
from oncall.db.models import LedgerShiftRow
from oncall.domain.model import Leave, LeaveKind
from oncall.exchange.ical_leave import GONE, import_leave_file, leave_source
from tests.conftest import Seeded

DATA = Path(__file__).parent.parent / "data" / "ics"
VACATION_UID = "7kukuqrfedlm2f9t0vj7kfrt2n@google.com"


def _leave(seeded: Seeded) -> list[Leave]:
    with seeded.ctx.sessions.begin() as s:
        return queries.list_leave(s)


def _calendar(events: list[tuple[str, date, int]]) -> str:
    """A Google-style export of all-day events (uid, first day, days)."""
    out = ["BEGIN:VCALENDAR", "PRODID:-//Google Inc//Google Calendar 70.9054//EN",
           "VERSION:2.0", "X-WR-TIMEZONE:Europe/London"]  # fmt: skip
    for uid, first, days in events:
        last = first + timedelta(days=days)
        out += [
            "BEGIN:VEVENT", f"DTSTART;VALUE=DATE:{first:%Y%m%d}",
            f"DTEND;VALUE=DATE:{last:%Y%m%d}", "DTSTAMP:20261110T120000Z", f"UID:{uid}",
            f"SUMMARY:Away {uid}", "END:VEVENT",
        ]  # fmt: skip
    out.append("END:VCALENDAR")
    return "\r\n".join(out) + "\r\n"


def _without_vacation(folder: Path) -> Path:
    """google_ada.ics, same name, with the 21-23 Dec vacation deleted in the calendar."""
    text = (DATA / "google_ada.ics").read_text()
    head, _, rest = text.partition("BEGIN:VEVENT")
    _, _, tail = rest.partition("END:VEVENT\n")
    folder.mkdir(exist_ok=True)
    path = folder / "google_ada.ics"
    path.write_text(head + tail)
    return path


def test_reimport_removes_leave_whose_event_left_the_calendar(
    seeded_team: Seeded, tmp_path: Path
) -> None:
    ada, bao = seeded_team.engineer("ada"), seeded_team.engineer("bao")
    sessions, now = seeded_team.ctx.sessions, seeded_team.now
    import_leave_file(sessions, DATA / "google_ada.ics", now, engineer_id=ada.id)
    # Hand-entered leave of Ada's over the same days, and Bao's import of another file.
    with sessions.begin() as s:
        by_hand = commands.add_leave(
            s, Leave(0, ada.id, datetime(2026, 12, 21, tzinfo=UTC),
                     datetime(2026, 12, 22, tzinfo=UTC), LeaveKind.VACATION, "Vacation")
        )  # fmt: skip
    other = tmp_path / "bao.ics"
    other.write_text(_calendar([("bao-1", date(2026, 12, 1), 2)]))
    import_leave_file(sessions, other, now, engineer_id=bao.id)
    before = _leave(seeded_team)

    changed = _without_vacation(tmp_path / "later")
    dry = import_leave_file(sessions, changed, now, engineer_id=ada.id, dry_run=True)
    assert dry.summary() == "0 added, 0 updated, 1 removed, 3 unchanged, 0 unmatched, 1 skipped"
    [gone] = [r for r in dry.rows if r.action == "remove"]
    assert (gone.event.uid, gone.reason, gone.engineer) == (VACATION_UID, GONE, ada)
    # Whole days again, as the event read: 21 to 23 December, last day included.
    assert (gone.event.start, gone.event.end) == (date(2026, 12, 21), date(2026, 12, 24))
    assert _leave(seeded_team) == before  # a dry run saves nothing

    done = import_leave_file(sessions, changed, now, engineer_id=ada.id)
    assert done.count("remove") == 1
    after = _leave(seeded_team)
    removed = [x for x in before if x not in after]
    assert [(x.engineer_id, x.start, x.note) for x in removed] == [
        (ada.id, datetime(2026, 12, 21, tzinfo=UTC), "Vacation")
    ]
    assert by_hand in after  # hand-entered leave is never the import's to remove
    assert any(x.engineer_id == bao.id for x in after)
    with sessions.begin() as s:
        assert VACATION_UID not in {x.uid for x in calendar.imported_leave(s)}
    # Importing the same file again finds nothing more to remove.
    again = import_leave_file(sessions, changed, now, engineer_id=ada.id)
    assert again.summary() == "0 added, 0 updated, 0 removed, 3 unchanged, 0 unmatched, 1 skipped"


def test_removal_is_scoped_to_the_source_and_the_engineer(
    seeded_team: Seeded, tmp_path: Path
) -> None:
    ada, bao = seeded_team.engineer("ada"), seeded_team.engineer("bao")
    sessions, now = seeded_team.ctx.sessions, seeded_team.now
    first = tmp_path / "a" / "calendar.ics"
    first.parent.mkdir()
    first.write_text(_calendar([("one", date(2026, 12, 1), 1), ("two", date(2026, 12, 8), 1)]))
    import_leave_file(sessions, first, now, engineer_id=ada.id)
    # Bao's calendar happens to have the same file name: Ada's leave is not his to remove.
    second = tmp_path / "b" / "calendar.ics"
    second.parent.mkdir()
    second.write_text(_calendar([("three", date(2026, 12, 15), 1)]))
    preview = import_leave_file(sessions, second, now, engineer_id=bao.id)
    assert preview.count("remove") == 0
    # A file of another name never removes what calendar.ics brought.
    renamed = tmp_path / "ada-holidays.ics"
    renamed.write_text(_calendar([]))
    assert import_leave_file(sessions, renamed, now, engineer_id=ada.id).count("remove") == 0
    assert len(_leave(seeded_team)) == 3


def test_a_downloaded_again_file_is_the_same_source(seeded_team: Seeded, tmp_path: Path) -> None:
    ada = seeded_team.engineer("ada")
    sessions, now = seeded_team.ctx.sessions, seeded_team.now
    import_leave_file(sessions, DATA / "google_ada.ics", now, engineer_id=ada.id)
    # The browser saved the new export beside the old one as "google_ada (1).ics".
    again = tmp_path / "google_ada (1).ics"
    again.write_bytes(_without_vacation(tmp_path / "x").read_bytes())
    assert leave_source(again) == "google_ada.ics"
    assert import_leave_file(sessions, again, now, engineer_id=ada.id).count("remove") == 1


def test_the_latest_file_holding_an_event_owns_its_leave(
    seeded_team: Seeded, tmp_path: Path
) -> None:
    ada = seeded_team.engineer("ada")
    sessions, now = seeded_team.ctx.sessions, seeded_team.now
    events = [("one", date(2026, 12, 1), 1), ("two", date(2026, 12, 8), 1)]
    old, new = tmp_path / "old-name.ics", tmp_path / "ada.ics"
    old.write_text(_calendar(events))
    new.write_text(_calendar(events))
    import_leave_file(sessions, old, now, engineer_id=ada.id)
    assert import_leave_file(sessions, new, now, engineer_id=ada.id).count("unchanged") == 2
    new.write_text(_calendar(events[:1]))
    preview = import_leave_file(sessions, new, now, engineer_id=ada.id)
    assert [r.event.uid for r in preview.rows if r.action == "remove"] == ["two"]
    # And the old file's name no longer speaks for them.
    old.write_text(_calendar([]))
    assert import_leave_file(sessions, old, now, engineer_id=ada.id).count("remove") == 0


def test_leave_outside_the_window_read_stays(seeded_team: Seeded, tmp_path: Path) -> None:
    ada = seeded_team.engineer("ada")
    sessions, now = seeded_team.ctx.sessions, seeded_team.now
    path = tmp_path / "ada.ics"
    path.write_text(_calendar([("old", date(2026, 10, 1), 2), ("soon", date(2026, 12, 1), 2)]))
    # Read from 60 days back, so October's leave is imported too.
    import_leave_file(sessions, path, now, engineer_id=ada.id, days_back=60)
    path.write_text(_calendar([]))
    # Read from 15 days back: October was not read, so it is not "gone"; December is.
    preview = import_leave_file(sessions, path, now, engineer_id=ada.id)
    assert [r.event.uid for r in preview.rows if r.action == "remove"] == ["soon"]
    assert [x.note for x in _leave(seeded_team)] == ["Away old"]


def test_removed_leave_is_matched_by_email_too(seeded_team: Seeded, tmp_path: Path) -> None:
    carmen = seeded_team.engineer("carmen")
    sessions, now = seeded_team.ctx.sessions, seeded_team.now
    path = tmp_path / "outlook_carmen.ics"
    text = (DATA / "outlook_carmen.ics").read_text()
    path.write_text(text)
    assert import_leave_file(sessions, path, now).count("add") == 3
    # Every event gone: nothing in the file names Carmen now, yet her imported leave goes.
    head = text.split("BEGIN:VEVENT")[0]
    path.write_text(head.replace("BEGIN:VTIMEZONE", "BEGIN:X-NONE").replace(
        "END:VTIMEZONE", "END:X-NONE") + "END:VCALENDAR\r\n")  # fmt: skip
    preview = import_leave_file(sessions, path, now)
    assert preview.count("remove") == 3
    assert {r.engineer for r in preview.rows} == {carmen}
    assert _leave(seeded_team) == []


def test_removing_leave_rematerialises_the_ledger(seeded_team: Seeded, tmp_path: Path) -> None:
    ada = seeded_team.engineer("ada")
    sessions, now = seeded_team.ctx.sessions, seeded_team.now
    import_leave_file(sessions, DATA / "google_ada.ics", now, engineer_id=ada.id)
    with sessions.begin() as s:  # a ledger left behind: the re-import must make it whole
        s.execute(LedgerShiftRow.__table__.delete().where(LedgerShiftRow.frozen.is_(False)))
    import_leave_file(sessions, _without_vacation(tmp_path), now, engineer_id=ada.id)
    with sessions.begin() as s:
        ends = list(s.scalars(select(LedgerShiftRow.ends_at)))
    assert max(ends) >= now + timedelta(days=170)


@pytest.mark.usefixtures("cli_uses_ctx_database")
def test_cli_dry_run_lists_removed_leave(
    seeded_team: Seeded, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ctx = seeded_team.ctx
    clock = lambda: seeded_team.now  # noqa: E731
    base = ["--engineer", "ada", "--data-dir", str(ctx.paths.data)]
    assert cli.main(["import", "leave", str(DATA / "google_ada.ics"), *base], clock=clock) == 0
    capsys.readouterr()
    changed = _without_vacation(tmp_path)
    assert cli.main(["import", "leave", str(changed), *base, "--dry-run"], clock=clock) == 0
    out = capsys.readouterr().out
    assert "remove    ada        Mon 2026-12-21 00:00 to Thu 2026-12-24 00:00  Vacation" in out
    assert f"Vacation ({GONE})" in out
    assert "would import: 0 added, 0 updated, 1 removed, 3 unchanged" in out
    assert len(_leave(seeded_team)) == 4


_DAYS = st.lists(
    st.tuples(st.integers(0, 120), st.integers(1, 5)),
    min_size=0,
    max_size=6,
    unique_by=lambda x: x[0],
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(first=_DAYS, kept=st.data())
def test_after_a_reimport_the_leave_is_exactly_the_file(
    seeded_team: Seeded, tmp_path_factory: pytest.TempPathFactory, first: list, kept: st.DataObject
) -> None:
    """Whatever the first file held, after re-importing a changed file (same name) Ada's
    imported leave is exactly the second file's events; hand-entered leave is untouched."""
    ada = seeded_team.engineer("ada")
    sessions, now = seeded_team.ctx.sessions, seeded_team.now
    with sessions.begin() as s:
        for x in queries.list_leave(s):
            commands.delete_leave(s, x.id)
        by_hand = commands.add_leave(
            s, Leave(0, ada.id, now, now + timedelta(days=2), LeaveKind.SICK, "flu")
        )
    today = now.date()
    events = [(f"e{offset}", today + timedelta(days=offset), days) for offset, days in first]
    second = kept.draw(st.lists(st.sampled_from(events), unique=True) if events else st.just([]))
    extra = kept.draw(_DAYS)
    second += [
        (f"n{offset}", today + timedelta(days=offset), days)
        for offset, days in extra
        if f"e{offset}" not in {uid for uid, _, _ in second}
    ]
    path = tmp_path_factory.mktemp("ics") / "ada.ics"
    path.write_text(_calendar(events))
    import_leave_file(sessions, path, now, engineer_id=ada.id)
    path.write_text(_calendar(second))
    preview = import_leave_file(sessions, path, now, engineer_id=ada.id)
    assert preview.count("remove") == len({u for u, _, _ in events} - {u for u, _, _ in second})
    leave = _leave(seeded_team)
    assert by_hand in leave
    got = sorted((x.start, x.end) for x in leave if x != by_hand)
    want = sorted((_midnight(d), _midnight(d + timedelta(days=n))) for _, d, n in second)
    assert got == want


def _midnight(day: date) -> datetime:
    """The start of ``day`` in Ada's London, in UTC."""
    return datetime.combine(day, time(), ZoneInfo("Europe/London")).astimezone(UTC)


def test_an_event_cancelled_in_the_calendar_removes_its_leave(
    seeded_team: Seeded, tmp_path: Path
) -> None:
    ada = seeded_team.engineer("ada")
    sessions, now = seeded_team.ctx.sessions, seeded_team.now
    path = tmp_path / "ada.ics"
    path.write_text(_calendar([("trip", date(2026, 12, 1), 3)]))
    import_leave_file(sessions, path, now, engineer_id=ada.id)
    path.write_text(path.read_text().replace("UID:trip", "UID:trip\r\nSTATUS:CANCELLED"))
    preview = import_leave_file(sessions, path, now, engineer_id=ada.id)
    assert preview.skipped == ("Away trip: cancelled",)
    assert [(r.action, r.reason) for r in preview.rows] == [("remove", GONE)]
    assert _leave(seeded_team) == []
