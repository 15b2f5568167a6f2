"""Leave import from Google and Outlook .ics exports: times, matching, idempotence, errors."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from oncall import cli
from oncall.db import calendar, queries
from oncall.domain.model import LeaveKind
from oncall.domain.schedule import resolve
from oncall.exchange.ical_leave import LeaveFileError, import_leave_file
from tests.conftest import Seeded

DATA = Path(__file__).parent.parent / "data" / "ics"


def _leave(seeded: Seeded) -> list:
    with seeded.ctx.sessions.begin() as s:
        return queries.list_leave(s)


def test_google_export_all_day_and_weekly_recurrence(seeded_team: Seeded) -> None:
    ada = seeded_team.engineer("ada")
    preview = import_leave_file(
        seeded_team.ctx.sessions, DATA / "google_ada.ics", seeded_team.now, engineer_id=ada.id
    )
    assert preview.summary() == "4 added, 0 updated, 0 removed, 0 unchanged, 0 unmatched, 1 skipped"
    leave = _leave(seeded_team)
    assert {x.engineer_id for x in leave} == {ada.id}
    # All-day 21-23 Dec (DTEND 24th exclusive): whole days in London (GMT in December).
    vacation = next(x for x in leave if x.note == "Vacation")
    assert (vacation.start, vacation.end) == (
        datetime(2026, 12, 21, tzinfo=UTC),
        datetime(2026, 12, 24, tzinfo=UTC),
    )
    # Floating 09:00-13:00 read in X-WR-TIMEZONE (Europe/London), three Fridays.
    fridays = sorted(x.start for x in leave if "Friday" in x.note)
    assert fridays == [datetime(2026, 11, d, 9, tzinfo=UTC) for d in (27,)] + [
        datetime(2026, 12, d, 9, tzinfo=UTC) for d in (4, 11)
    ]
    assert "Dentist (cancelled): cancelled" in preview.skipped


def test_reimport_is_idempotent_and_updates_moved_events(
    seeded_team: Seeded, tmp_path: Path
) -> None:
    ada = seeded_team.engineer("ada")
    sessions, now = seeded_team.ctx.sessions, seeded_team.now
    import_leave_file(sessions, DATA / "google_ada.ics", now, engineer_id=ada.id)
    first = _leave(seeded_team)
    again = import_leave_file(sessions, DATA / "google_ada.ics", now, engineer_id=ada.id)
    assert again.summary() == "0 added, 0 updated, 0 removed, 4 unchanged, 0 unmatched, 1 skipped"
    assert _leave(seeded_team) == first
    moved = tmp_path / "moved.ics"
    text = (DATA / "google_ada.ics").read_bytes()
    moved.write_bytes(text.replace(b"DATE:20261224", b"DATE:20261228"))
    third = import_leave_file(sessions, moved, now, engineer_id=ada.id)
    assert third.summary() == "0 added, 1 updated, 0 removed, 3 unchanged, 0 unmatched, 1 skipped"
    after = _leave(seeded_team)
    assert len(after) == len(first)  # updated in place, never a duplicate
    vacation = next(x for x in after if x.note == "Vacation")
    assert vacation.end == datetime(2026, 12, 28, tzinfo=UTC)
    with sessions.begin() as s:
        links = calendar.imported_leave(s, [ada.id])
    assert len(links) == 4
    assert {x.uid for x in links} == {
        "7kukuqrfedlm2f9t0vj7kfrt2n@google.com",
        "3rj0ce0r8l6m1b0l2hq5c3p9uv@google.com",
    }


def test_outlook_export_windows_zones_matched_by_email(seeded_team: Seeded) -> None:
    carmen = seeded_team.engineer("carmen")
    preview = import_leave_file(
        seeded_team.ctx.sessions, DATA / "outlook_carmen.ics", seeded_team.now
    )
    assert preview.summary() == "3 added, 0 updated, 0 removed, 0 unchanged, 0 unmatched, 0 skipped"
    leave = sorted(_leave(seeded_team), key=lambda x: x.start)
    assert {x.engineer_id for x in leave} == {carmen.id}
    # Exchange all-day (midnight to midnight, W. Europe) = whole days in carmen's New York.
    trip = leave[0]
    assert (trip.start, trip.end) == (
        datetime(2026, 11, 26, 5, tzinfo=UTC),
        datetime(2026, 11, 30, 5, tzinfo=UTC),
    )
    # "Eastern Standard Time" 13:00-17:00, daily twice: 18:00Z in December (EST).
    sick = leave[1:]
    assert [x.start for x in sick] == [datetime(2026, 12, d, 18, tzinfo=UTC) for d in (7, 8)]
    assert {x.kind for x in sick} == {LeaveKind.SICK}


def test_imported_leave_shows_as_a_conflict_on_the_schedule(seeded_team: Seeded) -> None:
    ada = seeded_team.engineer("ada")
    import_leave_file(
        seeded_team.ctx.sessions, DATA / "google_ada.ics", seeded_team.now, engineer_id=ada.id
    )
    with seeded_team.ctx.sessions.begin() as s:
        plan = queries.load_plan(s, seeded_team.team.id)
    result = resolve(plan, datetime(2026, 12, 20, tzinfo=UTC), datetime(2026, 12, 25, tzinfo=UTC))
    conflicts = [c for c in result.conflicts if c.leave.note == "Vacation"]
    assert conflicts
    assert all(c.shift.engineer_id == ada.id for c in conflicts)


def test_unmatched_events_are_listed_not_saved(seeded_team: Seeded, tmp_path: Path) -> None:
    stranger = tmp_path / "stranger.ics"
    stranger.write_bytes(
        (DATA / "outlook_carmen.ics").read_bytes().replace(b"carmen@example.com", b"zed@other.org")
    )
    preview = import_leave_file(seeded_team.ctx.sessions, stranger, seeded_team.now)
    assert preview.count("unmatched") == 3
    assert preview.unmatched_emails == ("zed@other.org",)
    assert _leave(seeded_team) == []


@pytest.mark.parametrize(
    ("name", "line", "words"),
    [
        ("broken_bad_date.ics", 28, "DTSTART"),
        ("broken_unknown_zone.ics", 7, 'unknown time zone "Mars Standard Time"'),
        ("broken_truncated.ics", 15, "not an iCalendar content line"),
    ],
)
def test_broken_files_say_where_and_save_nothing(
    seeded_team: Seeded, name: str, line: int, words: str
) -> None:
    with pytest.raises(LeaveFileError) as caught:
        import_leave_file(seeded_team.ctx.sessions, DATA / name, seeded_team.now)
    assert caught.value.line == line
    assert str(caught.value).startswith(f"{DATA / name}:{line}: ")
    assert words in str(caught.value)
    assert _leave(seeded_team) == []


@pytest.mark.usefixtures("cli_uses_ctx_database")
def test_cli_dry_run_then_import(seeded_team: Seeded, capsys: pytest.CaptureFixture[str]) -> None:
    ctx = seeded_team.ctx
    argv = ["import", "leave", str(DATA / "google_ada.ics"), "--engineer", "ada",
            "--data-dir", str(ctx.paths.data)]  # fmt: skip
    assert cli.main([*argv, "--dry-run"], clock=lambda: seeded_team.now) == 0
    assert "would import: 4 added" in capsys.readouterr().out
    assert _leave(seeded_team) == []
    assert cli.main(argv, clock=lambda: seeded_team.now) == 0
    assert len(_leave(seeded_team)) == 4
    bad = ["import", "leave", str(DATA / "broken_bad_date.ics"), "--data-dir", str(ctx.paths.data)]
    assert cli.main(bad, clock=lambda: seeded_team.now) == 2
    err = capsys.readouterr().err
    assert "broken_bad_date.ics:28:" in err
    assert "nothing was changed" in err
