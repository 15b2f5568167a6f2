"""iCal export: what three independent readers see, stable UIDs, SEQUENCE, DST golden files."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import icalendar
import pytest
import recurring_ical_events
import vobject

from oncall.app import AppContext
from oncall.db import commands, queries
from oncall.domain.model import CadenceUnit, Engineer, Override, Role, RotationVersion, Team
from oncall.exchange import ical_export
from tests.conftest import Seeded

GOLDEN = Path(__file__).parent.parent / "golden"


def _export_team(ctx: AppContext, team_id: int, now: datetime) -> str:
    with ctx.sessions.begin() as s:
        return ical_export.export_team(s, team_id, now)


def _final(ctx: AppContext, team_id: int, now: datetime) -> set[tuple[datetime, datetime]]:
    start, end = ical_export.horizon(now)
    with ctx.sessions.begin() as s:
        _plan, shifts = ical_export.team_final_shifts(s, team_id, start, end, now)
    return {(x.start, x.end) for x in shifts if x.start < end}


def _by_icalendar(text: str) -> dict[str, tuple[datetime, datetime, int]]:
    cal = icalendar.Calendar.from_ical(text)
    return {
        str(e["UID"]): (e["DTSTART"].dt, e["DTEND"].dt, int(e["SEQUENCE"]))
        for e in cal.walk("VEVENT")
    }


def _by_vobject(text: str) -> dict[str, tuple[datetime, datetime, int]]:
    cal = vobject.readOne(text)
    return {
        e.uid.value: (e.dtstart.value, e.dtend.value, int(e.sequence.value))
        for e in cal.vevent_list
    }


def _by_recurring(text: str) -> dict[str, tuple[datetime, datetime, int]]:
    cal = icalendar.Calendar.from_ical(text)
    events = recurring_ical_events.of(cal).between(date(2000, 1, 1), date(2100, 1, 1))
    return {str(e["UID"]): (e["DTSTART"].dt, e["DTEND"].dt, int(e["SEQUENCE"])) for e in events}


def test_three_readers_see_the_same_shifts_as_the_final_schedule(seeded_team: Seeded) -> None:
    ctx, team, now = seeded_team.ctx, seeded_team.team, seeded_team.now
    text = _export_team(ctx, team.id, now)

    readers = [_by_icalendar(text), _by_vobject(text), _by_recurring(text)]
    assert readers[0] == readers[1] == readers[2]
    assert {(a, b) for a, b, _ in readers[0].values()} == _final(ctx, team.id, now)
    # 15 days back, 180 ahead: weekly primaries and daily secondaries over ~195 days.
    assert len(readers[0]) > 190
    assert all(
        a.tzinfo is not None and a.utcoffset() == timedelta(0) for a, _, _ in readers[1].values()
    )


def test_calendar_properties_follow_the_profile(seeded_team: Seeded) -> None:
    text = _export_team(seeded_team.ctx, seeded_team.team.id, seeded_team.now)
    lines = text.split("\r\n")
    assert text.endswith("\r\n")
    assert "\n" not in text.replace("\r\n", "")
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT1H" in lines
    assert "X-PUBLISHED-TTL:PT1H" in lines
    assert "NAME:Payments on-call" in lines
    assert "X-WR-CALNAME:Payments on-call" in lines
    assert "METHOD:PUBLISH" in lines
    assert "VERSION:2.0" in lines
    assert not any(line.startswith(("RRULE", "BEGIN:VTIMEZONE", "TZID")) for line in lines)
    assert max(len(line.encode()) for line in lines) <= 75
    cal = icalendar.Calendar.from_ical(text)
    event = next(
        e for e in cal.walk("VEVENT") if e["DTSTART"].dt == datetime(2026, 11, 16, 9, tzinfo=UTC)
        and "primary" in str(e["SUMMARY"])
    )  # fmt: skip
    assert str(event["SUMMARY"]) == "On call: Payments primary — Carmen Diaz"
    description = str(event["DESCRIPTION"])
    assert "Handoff from Bao Nguyen" in description
    assert "Handoff to Dev Patel" in description
    assert "Secondary: Dev Patel (dev@example.com)" in description  # who to call
    assert event["DTSTAMP"].dt == seeded_team.now


def test_personal_feed_holds_only_that_engineers_shifts_with_their_own_uids(
    seeded_team: Seeded,
) -> None:
    ctx, now = seeded_team.ctx, seeded_team.now
    ada = seeded_team.engineer("ada")
    with ctx.sessions.begin() as s:
        personal = ical_export.export_engineer(s, ada.id, now)
        team = ical_export.export_team(s, seeded_team.team.id, now)
    mine = icalendar.Calendar.from_ical(personal).walk("VEVENT")
    assert mine
    assert all("Ada Lovelace" in str(e["SUMMARY"]) for e in mine)
    team_events = icalendar.Calendar.from_ical(team).walk("VEVENT")
    ada_in_team = {
        (e["DTSTART"].dt, e["DTEND"].dt) for e in team_events if "Ada" in str(e["SUMMARY"])
    }
    assert {(e["DTSTART"].dt, e["DTEND"].dt) for e in mine} == ada_in_team
    assert not {str(e["UID"]) for e in mine} & {str(e["UID"]) for e in team_events}
    assert "X-WR-CALNAME:Ada Lovelace on-call" in personal.split("\r\n")


def test_uids_are_stable_across_exports_and_days(seeded_team: Seeded) -> None:
    ctx, team, now = seeded_team.ctx, seeded_team.team, seeded_team.now
    first = _by_icalendar(_export_team(ctx, team.id, now))
    again = _by_icalendar(_export_team(ctx, team.id, now))
    assert again == first
    tomorrow = _by_icalendar(_export_team(ctx, team.id, now + timedelta(days=1)))
    common = first.keys() & tomorrow.keys()
    assert len(common) > 180  # the window slid by a day; the shifts inside kept their UIDs
    assert all(first[u] == tomorrow[u] for u in common)  # same times, SEQUENCE still 0


def test_sequence_rises_only_for_changed_shifts(seeded_team: Seeded) -> None:
    ctx, team, now = seeded_team.ctx, seeded_team.team, seeded_team.now
    before = _by_icalendar(_export_team(ctx, team.id, now))
    bao = seeded_team.engineer("bao")
    # Bao takes the whole primary week of Nov 23 (09:00 London = 09:00 UTC in November).
    week = datetime(2026, 11, 23, 9, tzinfo=UTC)
    ctx.edit(
        team.id,
        lambda s: commands.add_override(
            s, Override(0, team.id, bao.id, week, week + timedelta(days=7), now, Role.PRIMARY)
        ),
    )
    after_text = _export_team(ctx, team.id, now)
    after = _by_icalendar(after_text)
    changed = {u for u in after if u in before and after[u][2] != before[u][2]}
    assert after.keys() == before.keys()  # the slot's UID stays: updated, not re-added
    assert len(changed) >= 1
    cal = icalendar.Calendar.from_ical(after_text)
    for e in cal.walk("VEVENT"):
        uid = str(e["UID"])
        if uid in changed:
            assert after[uid][2] == before[uid][2] + 1
            # the primary of that week (and secondaries whose "who to call" names Bao)
            assert "Bao Nguyen" in str(e["SUMMARY"]) + str(e["DESCRIPTION"])
    untouched = [u for u in after if after[u][0] >= week + timedelta(days=8)]
    assert untouched
    assert all(after[u][2] == 0 for u in untouched)


def test_export_is_written_atomically_and_deterministically(
    seeded_team: Seeded, tmp_path: Path
) -> None:
    ctx, team, now = seeded_team.ctx, seeded_team.team, seeded_team.now
    out = tmp_path / "out" / "payments.ics"
    ical_export.write_atomic(out, _export_team(ctx, team.id, now))
    first = out.read_bytes()
    ical_export.write_atomic(out, _export_team(ctx, team.id, now))
    assert out.read_bytes() == first
    assert [p.name for p in out.parent.iterdir()] == ["payments.ics"]  # no temp file left


def test_publish_folder_writes_team_and_personal_files(seeded_team: Seeded, tmp_path: Path) -> None:
    from oncall.db import calendar

    ctx, now = seeded_team.ctx, seeded_team.now
    folder = tmp_path / "synced"
    status = ical_export.publish_folder(ctx.sessions, folder, now)
    names = sorted(p.name for p in folder.iterdir())
    assert names == ["person-ada.ics", "person-bao.ics", "person-carmen.ics", "person-dev.ics",
                     "team-payments.ics"]  # fmt: skip
    assert status.ok
    assert status.written == 5
    again = ical_export.publish_folder(ctx.sessions, folder, now + timedelta(minutes=5))
    assert again.written == 0
    assert again.unchanged == 5
    with ctx.sessions.begin() as s:
        assert calendar.publish_status(s, "folder") == again
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    failed = ical_export.publish_folder(ctx.sessions, blocked / "sub", now)
    assert not failed.ok
    assert "cannot write" in failed.message


def test_text_is_escaped_and_folded_without_splitting_characters() -> None:
    from oncall.db.calendar import EventRevision

    t = datetime(2026, 1, 5, 17, tzinfo=UTC)
    event = ical_export.CalendarEvent(
        uid="x@oncall.invalid", start=t, end=t + timedelta(hours=16),
        summary="On call: Zürich, Ops; primary — Ŝtefan Ñúñez 東京" * 3,
        description="line one\nline two, with; marks \\ ok", team_id=1, role=Role.PRIMARY,
        engineer_id=1,
    )  # fmt: skip
    feed = ical_export.CalendarFeed("team-x", "Zürich on-call", (event,))
    text = ical_export.render(feed, {event.uid: EventRevision(3, t)}, t)
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    parsed = icalendar.Calendar.from_ical(text).walk("VEVENT")[0]
    assert str(parsed["SUMMARY"]) == event.summary
    assert str(parsed["DESCRIPTION"]) == event.description
    assert vobject.readOne(text).vevent.summary.value == event.summary


# ---------------------------------------------------------------------------------- golden


def _dst_team(ctx: AppContext, zone: str, anchor: datetime, now: datetime) -> Team:
    """A team in ``zone`` with a daily 09:00 primary (ann, ben) and a weekly secondary (cat)."""
    with ctx.sessions.begin() as s:
        team = commands.add_team(s, Team(0, "Ops", zone))
        people = [
            commands.add_engineer(
                s, Engineer(0, name, name.lower(), zone, f"{name.lower()}@ex.com"), (team.id,)
            )
            for name in ("Ann", "Ben", "Cat")
        ]
        first = anchor.replace(tzinfo=None)

        def version(members: tuple[int, ...], unit: CadenceUnit, role: Role) -> RotationVersion:
            return RotationVersion(1, anchor, members, unit, 1, first, zone, role=role)

        commands.add_rotation(
            s,
            team.id,
            "Primary",
            version((people[0].id, people[1].id), CadenceUnit.DAYS, Role.PRIMARY),
        )
        commands.add_rotation(
            s, team.id, "Secondary", version((people[2].id,), CadenceUnit.WEEKS, Role.SECONDARY)
        )
        commands.materialise(s, team.id, now, timedelta(days=60))
    return team


@pytest.mark.parametrize(
    ("name", "zone", "week_start", "summer_offset_before", "summer_offset_after"),
    [
        ("london-march", "Europe/London", datetime(2026, 3, 23), 0, 1),
        ("london-october", "Europe/London", datetime(2026, 10, 19), 1, 0),
        ("new-york-march", "America/New_York", datetime(2026, 3, 2), -5, -4),
    ],
)
def test_dst_weeks_match_golden_files(
    ctx: AppContext,
    name: str,
    zone: str,
    week_start: datetime,
    summer_offset_before: int,
    summer_offset_after: int,
) -> None:
    from zoneinfo import ZoneInfo

    anchor = week_start.replace(hour=9, tzinfo=ZoneInfo(zone))
    now = anchor - timedelta(days=1)
    team = _dst_team(ctx, zone, anchor, now)
    with ctx.sessions.begin() as s:
        text = ical_export.export_team(s, team.id, now, anchor, anchor + timedelta(days=7))
    golden = GOLDEN / f"{name}.ics"
    if os.environ.get("ONCALL_WRITE_GOLDEN") == "1":  # regenerate deliberately, then review
        golden.write_bytes(text.encode())
    assert text.encode() == golden.read_bytes()
    # What the goldens show: every handoff at 09:00 local, so the UTC hour moves with DST.
    starts = sorted(
        e["DTSTART"].dt for e in icalendar.Calendar.from_ical(text).walk("VEVENT")
        if "primary" in str(e["SUMMARY"])
    )  # fmt: skip
    assert len(starts) == 7
    assert {s.astimezone(ZoneInfo(zone)).hour for s in starts} == {9}
    assert starts[0].hour == 9 - summer_offset_before
    assert starts[-1].hour == 9 - summer_offset_after


def test_unknown_engineer_is_refused(ctx: AppContext, now: datetime) -> None:
    with ctx.sessions.begin() as s, pytest.raises(ValueError, match="no engineer"):
        ical_export.export_engineer(s, 999, now)
    with ctx.sessions.begin() as s:
        assert queries.list_teams(s) == []
