"""Change reasons in the team file: the reasons kept with overrides, swaps and rotation
versions (why a change went ahead despite the planning guard) are exported, read and imported
back; swaps of shifts still to come travel with the file; older files without them still read
and never wipe a recorded reason."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from oncall.db import commands, queries
from oncall.domain.model import Override, Role, Swap
from oncall.exchange import teamfile
from tests.conftest import Seeded
from tests.exchange.test_teamfile import BASE

GUARD = "Bao asked for it; the 25% share is a one-off before his leave"


def _export(sessions: sessionmaker[Session], now: datetime) -> str:
    with sessions.begin() as s:
        team = queries.find_team(s, "Payments")
        assert team is not None
        return teamfile.dump(teamfile.export(s, team.id, now))


def _with_reasons(seeded: Seeded) -> None:
    """An override, a swap and a new Secondary version, each saved with a guard reason; a past
    swap that is history."""
    now, team = seeded.now, seeded.team
    bao, dev = seeded.engineer("bao"), seeded.engineer("dev")
    with seeded.ctx.sessions.begin() as s:
        commands.add_override(s, Override(
            0, team.id, bao.id, datetime(2026, 12, 7, 9, tzinfo=UTC),
            datetime(2026, 12, 9, 9, tzinfo=UTC), now, Role.PRIMARY, "covers Ada", GUARD,
        ))  # fmt: skip
        commands.add_swap(s, Swap(
            0, seeded.primary.id, datetime(2026, 11, 30, 9, tzinfo=UTC), dev.id, now,
            "trade", "Dev's fourth week in a row: he offered",
        ))  # fmt: skip
        commands.add_swap(s, Swap(
            0, seeded.primary.id, datetime(2026, 11, 9, 9, tzinfo=UTC), dev.id, now, "old",
        ))  # fmt: skip
        version = replace(seeded.secondary.current, priority=5, effective_from=now,
                          reason="Secondary weekend cover agreed at the retro")  # fmt: skip
        commands.edit_rotation(s, seeded.secondary.id, version)


def test_reasons_are_exported_next_to_what_they_explain(seeded_team: Seeded) -> None:
    _with_reasons(seeded_team)
    text = _export(seeded_team.ctx.sessions, seeded_team.now)
    assert f"note: covers Ada\n    reason: {GUARD}\n" in text
    assert "    members: [bao, carmen, dev, ada]\n    reason: Secondary weekend cover agreed" in (
        text
    )
    assert (
        "swaps:\n  - rotation: Primary\n    shift: 2026-11-30 09:00+00:00\n    who: dev\n"
        '    note: trade\n    reason: "Dev\'s fourth week in a row: he offered"\n'
    ) in text
    assert "note: old" not in text  # a swap of a shift already over is history, not the file's
    document = teamfile.parse(text, "payments.yaml")
    [override] = document.overrides
    assert override.reason == GUARD
    assert [w.reason for w in document.swaps] == ["Dev's fourth week in a row: he offered"]


def test_reasons_round_trip_through_an_empty_database(
    seeded_team: Seeded, other_sessions: sessionmaker[Session]
) -> None:
    _with_reasons(seeded_team)
    now = seeded_team.now
    first = _export(seeded_team.ctx.sessions, now)
    with other_sessions.begin() as s:
        report = teamfile.apply(s, teamfile.parse(first), now)
    assert [c.key for c in report.changes if c.kind == "swap"] == [
        "dev from 2026-11-30 09:00+00:00 in Primary"
    ]
    assert _export(other_sessions, now) == first
    with other_sessions.begin() as s:
        plan = queries.load_plan(s, report.team_id)
    assert [o.reason for o in plan.overrides] == [GUARD]
    assert [w.reason for w in plan.swaps] == ["Dev's fourth week in a row: he offered"]
    secondary = next(r for r in plan.rotations if r.name == "Secondary")
    assert secondary.current.reason == "Secondary weekend cover agreed at the retro"
    # And importing it again changes nothing.
    with other_sessions.begin() as s:
        again = teamfile.apply(s, teamfile.parse(first), now)
    assert not again.changed, [str(c) for c in again.changes if c.action != "unchanged"]


def test_an_older_file_without_reasons_or_swaps_reads_and_keeps_recorded_reasons(
    seeded_team: Seeded,
) -> None:
    old = teamfile.parse(BASE, "old.yaml")  # written before reasons and swaps existed
    assert old.swaps is None  # says nothing about swaps
    assert old.overrides[0].reason == ""
    assert old.rotations[0].reason == ""
    _with_reasons(seeded_team)
    sessions, now = seeded_team.ctx.sessions, seeded_team.now
    text = _export(sessions, now)
    # The same team written by an older oncall: no reason lines, no swaps section.
    older = "\n".join(line for line in text.split("\n") if not line.lstrip().startswith("reason:"))
    older = older.split("\nswaps:")[0] + "\nleave:" + older.split("\nleave:")[1]
    assert "reason:" not in older
    assert "swaps:" not in older
    with sessions.begin() as s:
        report = teamfile.apply(s, teamfile.parse(older, "older.yaml"), now)
    assert [c.action for c in report.changes if c.kind == "override"] == ["unchanged"]
    with sessions.begin() as s:
        plan = queries.load_plan(s, seeded_team.team.id)
    assert [o.reason for o in plan.overrides] == [GUARD]  # not wiped by the silent file
    # The file says nothing about swaps, so the app's stay as they are.
    assert sorted(w.note for w in plan.swaps) == ["old", "trade"]
    assert not [c for c in report.changes if c.kind == "swap"]


def test_a_changed_reason_in_the_file_replaces_the_override(seeded_team: Seeded) -> None:
    _with_reasons(seeded_team)
    sessions, now = seeded_team.ctx.sessions, seeded_team.now
    text = _export(sessions, now).replace(GUARD, "Agreed with Bao on the 20th")
    with sessions.begin() as s:
        teamfile.apply(s, teamfile.parse(text), now)
        plan = queries.load_plan(s, seeded_team.team.id)
    assert [o.reason for o in plan.overrides] == ["Agreed with Bao on the 20th"]


def test_a_swap_names_a_rotation_of_the_file() -> None:
    text = BASE + ("swaps:\n  - rotation: Primray\n    shift: 2026-02-02 09:00\n    who: grace\n")
    with pytest.raises(teamfile.TeamFileError) as caught:
        teamfile.parse(text, "team.yaml")
    assert str(caught.value) == (
        'team.yaml:30: swaps[0].rotation: "Primray" is not one of the rotations in this '
        "file (rotations: Primary)"
    )
    fine = teamfile.parse(text.replace("Primray", "primary"), "team.yaml")
    assert fine.swaps == (
        teamfile.SwapDraft("Primary", datetime(2026, 2, 2, 9, tzinfo=UTC), "grace"),
    )
    assert fine.swaps[0].shift - fine.overrides[0].start == timedelta(days=1)


def test_an_empty_swaps_section_removes_future_swaps_only(seeded_team: Seeded) -> None:
    _with_reasons(seeded_team)
    sessions, now = seeded_team.ctx.sessions, seeded_team.now
    text = _export(sessions, now)
    emptied = text.split("\nswaps:")[0] + "\nswaps: []\n\nleave:" + text.split("\nleave:")[1]
    with sessions.begin() as s:
        report = teamfile.apply(s, teamfile.parse(emptied), now)
        plan = queries.load_plan(s, seeded_team.team.id)
    assert [(c.key, c.action) for c in report.changes if c.kind == "swap"] == [
        ("dev from 2026-11-30 09:00+00:00 in Primary", "removed")
    ]
    assert [w.note for w in plan.swaps] == ["old"]  # the past swap is history
