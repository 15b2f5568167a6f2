"""The team file against a real migrated database: import, export, round trips, all-or-nothing
and what a re-import or an edited rotation does to the ledger."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from oncall.db import commands, queries
from oncall.domain.model import Override, Role, Shift
from oncall.exchange import teamfile
from oncall.exchange.teamfile import OverrideDraft, TeamDocument

EXAMPLE = Path(__file__).resolve().parents[2] / "resources" / "examples" / "team.yaml"
NOW = datetime(2026, 11, 16, 10, 0, tzinfo=UTC)  # the root conftest's clock
FAR = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))


def _example() -> TeamDocument:
    return teamfile.parse(EXAMPLE.read_text(encoding="utf-8"), "team.yaml")


def _import(sessions: sessionmaker[Session], doc: TeamDocument, now: datetime = NOW):
    with sessions.begin() as s:
        return teamfile.apply(s, doc, now)


def _export_text(sessions: sessionmaker[Session], name: str, now: datetime = NOW) -> str:
    with sessions.begin() as s:
        team = queries.find_team(s, name)
        assert team is not None
        return teamfile.dump(teamfile.export(s, team.id, now))


def _ledger(sessions: sessionmaker[Session]) -> list[Shift]:
    with sessions.begin() as s:
        return queries.ledger(s, None, *FAR)


def _counts(sessions: sessionmaker[Session]) -> tuple[int, ...]:
    with sessions.begin() as s:
        teams = queries.list_teams(s)
        plans = [queries.load_plan(s, t.id) for t in teams]
        return (
            len(teams),
            len(queries.list_engineers(s, include_inactive=True)),
            sum(len(r.versions) for p in plans for r in p.rotations),
            sum(len(p.overrides) for p in plans),
            sum(len(p.leave) for p in plans),
            len(queries.ledger(s, None, *FAR)),
        )


def test_import_of_the_example_creates_the_team_and_its_schedule(
    sessions: sessionmaker[Session],
) -> None:
    report = _import(sessions, _example())
    created = {(c.kind, c.key) for c in report.created}
    assert ("team", "Payments") in created
    assert {k for kind, k in created if kind == "engineer"} == {
        "ada", "grace", "linus", "radia", "yukihiro",
    }  # fmt: skip
    assert {k for kind, k in created if kind == "rotation"} == {
        "Primary", "Primary (office hours)", "Secondary",
    }  # fmt: skip
    # Ada's August leave was over before "now": history is not imported, and the report says so.
    assert [c.key for c in report.with_action("skipped")] == ["ada from 2026-08-03 00:00+01:00"]
    with sessions.begin() as s:
        plan = queries.load_plan(s, report.team_id)
        assert {e.handle for e in queries.team_engineers(s, report.team_id)} == {
            "ada", "grace", "linus", "radia", "yukihiro",
        }  # fmt: skip
        assert len(plan.overrides) == 2
        assert len(plan.leave) == 1
        # The ledger was materialised: someone holds primary at "now".
        on_call = queries.on_call_at(s, NOW)
    assert {x.role for x in on_call} == {Role.PRIMARY, Role.SECONDARY}


def test_round_trip_through_an_empty_database_is_byte_identical(
    sessions: sessionmaker[Session], other_sessions: sessionmaker[Session]
) -> None:
    _import(sessions, _example())
    first = _export_text(sessions, "Payments")
    _import(other_sessions, teamfile.parse(first, "exported.yaml"))
    second = _export_text(other_sessions, "Payments")
    assert second == first
    # And what the example says (besides the past leave it skipped) is what came back.
    assert "name: Primary (office hours)" in first
    assert "note: Grace covers Christmas" in first


def test_export_of_a_team_made_in_the_app_round_trips(
    seeded_team, other_sessions: sessionmaker[Session]
) -> None:
    first = _export_text(seeded_team.ctx.sessions, "Payments")
    assert "members: [ada, bao, carmen, dev]" in first
    _import(other_sessions, teamfile.parse(first))
    assert _export_text(other_sessions, "Payments") == first


def test_reimporting_the_same_file_changes_nothing(sessions: sessionmaker[Session]) -> None:
    doc = _example()
    _import(sessions, doc)
    counts, ledger, text = _counts(sessions), _ledger(sessions), _export_text(sessions, "Payments")
    report = _import(sessions, doc)
    assert not report.changed, [str(c) for c in report.changes if c.action != "unchanged"]
    assert report.created == report.updated == report.removed == ()
    assert _counts(sessions) == counts
    assert _ledger(sessions) == ledger
    assert _export_text(sessions, "Payments") == text


def test_a_bad_file_changes_nothing(sessions: sessionmaker[Session]) -> None:
    _import(sessions, _example())
    counts, ledger = _counts(sessions), _ledger(sessions)
    text = EXAMPLE.read_text(encoding="utf-8").replace("cadence: 1 day", "cadence: 1 fortnight")
    with pytest.raises(teamfile.TeamFileError):
        _import(sessions, teamfile.parse(text))
    assert (_counts(sessions), _ledger(sessions)) == (counts, ledger)


def test_a_failure_midway_through_an_import_rolls_back_everything(
    sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _counts(sessions)

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    # Everything has been written by the time the ledger is materialised; then it fails.
    monkeypatch.setattr(commands, "materialise", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        _import(sessions, _example())
    assert _counts(sessions) == before == (0, 0, 0, 0, 0, 0)


def test_changed_rotation_gets_a_new_version_and_the_past_keeps_its_shifts(seeded_team) -> None:
    sessions = seeded_team.ctx.sessions
    ledger_before = _ledger(sessions)
    past = [x for x in ledger_before if x.end <= NOW]
    assert past, "the seeded team has history"
    with sessions.begin() as s:
        doc = teamfile.export(s, seeded_team.team.id, NOW)
    primary = doc.rotations[0]
    assert primary.name == "Primary"
    reordered = replace(primary, members=("dev", "carmen", "bao", "ada"))
    report = _import(sessions, replace(doc, rotations=(reordered, *doc.rotations[1:])))

    assert [str(c) for c in report.updated] == [str(teamfile.Change("rotation", "Primary",
                                                                    "new version"))]  # fmt: skip
    with sessions.begin() as s:
        rotation = queries.get_rotation(s, seeded_team.primary.id)
    assert rotation is not None
    assert [v.version for v in rotation.versions] == [1, 2]
    assert rotation.versions[0].members == seeded_team.primary.current.members
    assert rotation.current.effective_from == NOW
    ledger_after = _ledger(sessions)
    ended = [x for x in ledger_after if x.end <= NOW]
    assert [x for x in ended if x in past] == past
    # the shift in progress is cut at the edit; its first hour stays, as history
    assert [(x.role, x.start, x.end) for x in ended if x not in past] == [
        (Role.PRIMARY, datetime(2026, 11, 16, 9, 0, tzinfo=UTC), NOW)
    ]
    # The future follows the new roster: the week from 23 November is the fourth since the
    # anchor, so it goes to the new roster's fourth (ada) instead of the old one's (dev).
    next_monday = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    old = next(x for x in ledger_before if x.role is Role.PRIMARY and x.start == next_monday)
    holder = next(x for x in ledger_after if x.role is Role.PRIMARY and x.start == next_monday)
    assert old.engineer_id == seeded_team.engineer("dev").id
    assert holder.engineer_id == seeded_team.engineer("ada").id
    assert holder.source.rotation_version == 2


def test_future_overrides_are_replaced_in_file_order_and_past_ones_stay(seeded_team) -> None:
    sessions = seeded_team.ctx.sessions
    team_id = seeded_team.team.id
    ada, bao = seeded_team.engineer("ada"), seeded_team.engineer("bao")
    past = Override(0, team_id, ada.id, NOW - timedelta(days=3), NOW - timedelta(days=2),
                    NOW - timedelta(days=4), note="past")  # fmt: skip
    future = Override(0, team_id, ada.id, NOW + timedelta(days=3), NOW + timedelta(days=4),
                      NOW - timedelta(days=1), note="to be dropped")  # fmt: skip
    with sessions.begin() as s:
        commands.add_override(s, past)
        commands.add_override(s, future)
        doc = teamfile.export(s, team_id, NOW)
    assert [o.note for o in doc.overrides] == ["to be dropped"]  # only what has not ended

    start = NOW + timedelta(days=10)
    wide = OverrideDraft("ada", start, start + timedelta(days=2), note="wide")
    narrow = OverrideDraft("bao", start + timedelta(hours=6), start + timedelta(hours=12),
                           note="narrow, later in the file so it wins")  # fmt: skip
    report = _import(sessions, replace(doc, overrides=(wide, narrow)))
    assert len(report.removed) == 1
    assert len([c for c in report.created if c.kind == "override"]) == 2

    with sessions.begin() as s:
        plan = queries.load_plan(s, team_id)
        notes = sorted(o.note for o in plan.overrides)
        at = start + timedelta(hours=8)
        holder = next(x for x in queries.on_call_at(s, at) if x.role is Role.PRIMARY)
        exported = teamfile.export(s, team_id, NOW)
    assert notes == ["narrow, later in the file so it wins", "past", "wide"]
    assert holder.engineer_id == bao.id
    assert [o.note for o in exported.overrides] == ["wide", "narrow, later in the file so it wins"]


def test_rotations_the_file_drops_end_now_and_keep_their_history(seeded_team) -> None:
    sessions = seeded_team.ctx.sessions
    past = [x for x in _ledger(sessions) if x.end <= NOW]
    with sessions.begin() as s:
        doc = teamfile.export(s, seeded_team.team.id, NOW)
    report = _import(sessions, replace(doc, rotations=doc.rotations[:1]))
    assert [(c.key, c.action) for c in report.updated] == [("Secondary", "ended")]
    with sessions.begin() as s:
        secondary = queries.get_rotation(s, seeded_team.secondary.id)
        later = queries.ledger(s, seeded_team.team.id, NOW + timedelta(days=1), FAR[1])
    assert secondary is not None
    assert secondary.ends_at == NOW
    assert all(x.role is Role.PRIMARY for x in later)
    ended = [x for x in _ledger(sessions) if x.end <= NOW]
    assert [x for x in ended if x in past] == past
    # the secondary shift in progress ends now; its first hour stays, as history
    assert [(x.role, x.start, x.end) for x in ended if x not in past] == [
        (Role.SECONDARY, datetime(2026, 11, 16, 9, 0, tzinfo=UTC), NOW)
    ]
    assert "Secondary" not in _export_text(sessions, "Payments")


def test_members_the_file_drops_leave_the_team(seeded_team) -> None:
    sessions = seeded_team.ctx.sessions
    with sessions.begin() as s:
        doc = teamfile.export(s, seeded_team.team.id, NOW)
    keep = tuple(e for e in doc.engineers if e.handle != "dev")
    rotations = tuple(
        replace(r, members=tuple(m for m in r.members if m != "dev")) for r in doc.rotations
    )
    report = _import(sessions, replace(doc, engineers=keep, rotations=rotations))
    assert [(c.kind, c.key) for c in report.removed] == [("member", "dev")]
    with sessions.begin() as s:
        members = {e.handle for e in queries.team_engineers(s, seeded_team.team.id)}
        dev = queries.find_engineer(s, "dev")
    assert members == {"ada", "bao", "carmen"}
    assert dev is not None  # the person stays in the app, only the membership ends
