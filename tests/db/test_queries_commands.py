"""Commands write domain dataclasses and queries give the same ones back; bad input is refused
with a sentence, and a failed action changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from oncall.db import commands, queries
from oncall.db.models import TeamRow
from oncall.domain.model import (
    CadenceUnit,
    Engineer,
    Leave,
    LeaveKind,
    Override,
    Restriction,
    Role,
    RotationVersion,
    Swap,
    Team,
)

T0 = datetime(2026, 11, 16, 10, 0, tzinfo=UTC)
NEW_YORK = ZoneInfo("America/New_York")


def _version(members: tuple[int, ...], **changes) -> RotationVersion:
    fields = {
        "version": 1,
        "effective_from": T0,
        "members": members,
        "cadence_unit": CadenceUnit.WEEKS,
        "cadence_count": 1,
        "anchor": datetime(2026, 11, 2, 9, 0),
        "zone": "Europe/London",
    }
    fields.update(changes)
    return RotationVersion(**fields)


@pytest.fixture
def people(sessions: sessionmaker[Session]) -> tuple[Team, Engineer, Engineer]:
    with sessions.begin() as s:
        team = commands.add_team(s, Team(0, "Payments", "Europe/London", "cards"))
        ada = commands.add_engineer(
            s,
            Engineer(0, "Ada Lovelace", "ada", "Europe/London", "ada@x.org", "+44 1", "gb", "eng"),
            (team.id,),
        )
        bao = commands.add_engineer(s, Engineer(0, "Bao Nguyen", "bao", "Asia/Singapore"))
    return team, ada, bao


def test_team_and_engineer_round_trip(sessions, people) -> None:
    team, ada, bao = people
    assert team.id > 0
    assert ada == Engineer(
        ada.id, "Ada Lovelace", "ada", "Europe/London", "ada@x.org", "+44 1", "GB", "ENG", True
    )
    with sessions.begin() as s:
        assert queries.list_teams(s) == [team]
        assert queries.find_team(s, "PAYMENTS") == team
        assert queries.find_team(s, team.id) == team
        assert queries.find_team(s, str(team.id)) == team
        assert queries.find_team(s, "nobody") is None
        assert queries.find_engineer(s, "ADA") == ada
        assert queries.find_engineer(s, "ada@x.org") == ada
        assert queries.find_engineer(s, bao.id) == bao
        assert queries.team_engineers(s, team.id) == [ada]
        assert queries.engineer_teams(s, ada.id) == [team]
        assert queries.list_engineers(s) == [ada, bao]


def test_updates_and_membership(sessions, people) -> None:
    team, ada, bao = people
    with sessions.begin() as s:
        renamed = commands.update_team(s, Team(team.id, "Payments EU", "Europe/Paris", "new"))
        gone = commands.update_engineer(
            s, Engineer(bao.id, "Bao N.", "baon", "Asia/Tokyo", active=False)
        )
        commands.set_team_members(s, team.id, (bao.id,))
    with sessions.begin() as s:
        assert (
            queries.find_team(s, "payments eu")
            == renamed
            == Team(team.id, "Payments EU", "Europe/Paris", "new")
        )
        assert queries.list_engineers(s) == [ada]
        assert queries.list_engineers(s, include_inactive=True) == [ada, gone]
        assert queries.find_engineer(s, "baon").zone == "Asia/Tokyo"
        assert queries.team_engineers(s, team.id) == [gone]


def test_rotation_round_trip_with_restrictions(sessions, people) -> None:
    team, ada, bao = people
    first = _version(
        (ada.id, bao.id),
        cadence_unit=CadenceUnit.HOURS,
        cadence_count=12,
        effective_from=datetime(2026, 11, 16, 5, 0, tzinfo=NEW_YORK),  # stored as UTC
        restrictions=(
            Restriction(frozenset({0, 1, 2, 3, 4}), time(9, 0), time(17, 30)),
            Restriction(frozenset({5, 6}), time(22, 0), time(6, 0)),  # crosses midnight
        ),
        priority=2,
        role=Role.SECONDARY,
    )
    with sessions.begin() as s:
        made = commands.add_rotation(s, team.id, "Nights", first)
    assert made.current == first
    assert made.current.effective_from.tzinfo == UTC
    with sessions.begin() as s:
        assert queries.get_rotation(s, made.id) == made
        assert queries.list_rotations(s, team.id) == [made]
        plan = queries.load_plan(s, team.id)
    assert plan.team == team
    assert plan.rotations == (made,)
    # bao is not a team member but is on the roster: the plan can still name him
    assert {e.id for e in plan.engineers} == {ada.id, bao.id}


def test_override_swap_and_leave_round_trip(sessions, people) -> None:
    team, ada, bao = people
    with sessions.begin() as s:
        rot = commands.add_rotation(s, team.id, "Primary", _version((ada.id,)))
        ov = commands.add_override(
            s,
            Override(
                0,
                team.id,
                bao.id,
                datetime(2026, 11, 20, 18, 0, tzinfo=NEW_YORK),
                datetime(2026, 11, 21, 6, 0, tzinfo=NEW_YORK),
                created_at=T0,
                role=Role.SECONDARY,
                note="covering",
            ),
        )
        sw = commands.add_swap(
            s, Swap(0, rot.id, datetime(2026, 11, 23, 9, tzinfo=UTC), bao.id, T0, "trade")
        )
        lv = commands.add_leave(
            s,
            Leave(0, ada.id, T0, T0 + timedelta(days=5), LeaveKind.SICK, "flu"),
        )
    assert ov.start == datetime(2026, 11, 20, 23, 0, tzinfo=UTC)
    assert ov.start.tzinfo == UTC
    with sessions.begin() as s:
        plan = queries.load_plan(s, team.id)
        assert queries.list_overrides(s, team.id, T0, T0 + timedelta(days=7)) == [ov]
        assert queries.list_overrides(s, team.id, T0 + timedelta(days=6)) == []
        assert queries.list_swaps(s, team.id) == [sw]
        assert queries.list_leave(s, [ada.id]) == [lv]
    assert plan.overrides == (ov,)
    assert plan.swaps == (sw,)
    assert plan.leave == (lv,)
    assert lv.kind is LeaveKind.SICK

    with sessions.begin() as s:
        commands.delete_override(s, ov.id)
        commands.delete_swap(s, sw.id)
        commands.delete_leave(s, lv.id)
    with sessions.begin() as s:
        plan = queries.load_plan(s, team.id)
    assert (plan.overrides, plan.swaps, plan.leave) == ((), (), ())


def test_editing_a_rotation_adds_a_version_and_undo_removes_it(sessions, people) -> None:
    team, ada, bao = people
    with sessions.begin() as s:
        rot = commands.add_rotation(s, team.id, "Primary", _version((ada.id,)))
        later = T0 + timedelta(days=7)
        edited = commands.edit_rotation(
            s, rot.id, _version((bao.id, ada.id), effective_from=later), name="Primary EU"
        )
    assert edited.name == "Primary EU"
    assert [v.version for v in edited.versions] == [1, 2]
    assert edited.versions[0] == rot.versions[0]  # the past keeps its rules
    assert edited.current.members == (bao.id, ada.id)

    with sessions.begin() as s:
        # an edit taking effect before the pending version replaces it
        replaced = commands.edit_rotation(
            s, rot.id, _version((bao.id,), effective_from=T0 + timedelta(days=3))
        )
    assert [v.version for v in replaced.versions] == [1, 3]

    with sessions.begin() as s:
        undone = commands.undo_rotation_version(s, rot.id, 3)
    assert undone.versions == rot.versions
    with sessions.begin() as s, pytest.raises(ValueError, match="only this version"):
        commands.undo_rotation_version(s, rot.id, 1)

    with sessions.begin() as s:
        ended = commands.end_rotation(s, rot.id, T0 + timedelta(days=30))
        assert ended.ends_at == T0 + timedelta(days=30)
        assert commands.end_rotation(s, rot.id, None).ends_at is None


@pytest.mark.parametrize(
    ("start", "end", "engineer", "message"),
    [
        (T0, T0, None, "ends .* at or before it starts"),
        (T0, T0 - timedelta(hours=1), None, "at or before it starts"),
        (datetime(2026, 11, 16, 9), T0, None, "has no time zone"),
        (T0, T0 + timedelta(hours=1), 999, "no engineer with id 999"),
    ],
)
def test_bad_override_and_leave_are_refused(sessions, people, start, end, engineer, message):
    team, ada, _ = people
    who = engineer or ada.id
    with sessions.begin() as s:
        with pytest.raises(ValueError, match=message):
            commands.add_override(s, Override(0, team.id, who, start, end, created_at=T0))
        with pytest.raises(ValueError, match=message):
            commands.add_leave(s, Leave(0, who, start, end))
    with sessions.begin() as s:
        assert queries.list_overrides(s, team.id) == []
        assert queries.list_leave(s) == []


def test_bad_people_and_rotations_are_refused(sessions, people) -> None:
    team, ada, _ = people
    with sessions.begin() as s:
        with pytest.raises(ValueError, match="'ADA' is already Ada Lovelace's"):
            commands.add_engineer(s, Engineer(0, "Another", "ADA"))
        with pytest.raises(ValueError, match="not a time zone"):
            commands.add_engineer(s, Engineer(0, "Zed", "zed", "Mars/Olympus"))
        with pytest.raises(ValueError, match="already a team called"):
            commands.add_team(s, Team(0, "payments"))
        with pytest.raises(ValueError, match="must not carry"):
            commands.add_rotation(
                s, team.id, "R", _version((ada.id,), anchor=datetime(2026, 11, 2, 9, tzinfo=UTC))
            )
        with pytest.raises(ValueError, match="no engineer with id 77"):
            commands.add_rotation(s, team.id, "R", _version((ada.id, 77)))
        with pytest.raises(ValueError, match="at least one person"):
            commands.add_rotation(s, team.id, "R", _version(()))
        with pytest.raises(ValueError, match="no team with id 55"):
            commands.add_rotation(s, 55, "R", _version((ada.id,)))
    with sessions.begin() as s:
        assert queries.list_rotations(s, team.id) == []
        assert len(queries.list_engineers(s)) == 2


def test_a_failing_action_leaves_the_database_unchanged(sessions, people) -> None:
    team, ada, bao = people

    def doomed_action() -> None:
        with sessions.begin() as s:
            commands.add_rotation(s, team.id, "Primary", _version((ada.id,)))
            commands.add_override(s, Override(0, team.id, bao.id, T0, T0 + timedelta(hours=4), T0))
            commands.materialise(s, team.id, T0, timedelta(days=14))
            assert queries.ledger(s, team.id, T0, T0 + timedelta(days=14))  # written, in flight
            commands.add_leave(s, Leave(0, ada.id, T0, T0))  # refused: all of it rolls back

    with pytest.raises(ValueError, match="at or before"):
        doomed_action()
    with sessions.begin() as s:
        assert queries.list_rotations(s, team.id) == []
        assert queries.list_overrides(s, team.id) == []
        assert queries.ledger(s, None, T0 - timedelta(days=1), T0 + timedelta(days=30)) == []


def test_row_version_rises_and_a_stale_write_is_refused(sessions, people) -> None:
    team, _, _ = people
    with sessions.begin() as s:
        before = s.scalars(select(TeamRow.row_version).where(TeamRow.id == team.id)).one()
        commands.update_team(s, Team(team.id, "Payments", "UTC"))
    with sessions.begin() as s:
        after = s.scalars(select(TeamRow.row_version).where(TeamRow.id == team.id)).one()
    assert after == before + 1

    # two windows load the same team; the second save must not silently overwrite the first
    first, second = sessions(), sessions()
    try:
        a, b = first.get(TeamRow, team.id), second.get(TeamRow, team.id)
        a.description = "first"
        first.commit()
        b.description = "second"
        with pytest.raises(StaleDataError):
            second.commit()
    finally:
        first.close()
        second.close()
    with sessions.begin() as s:
        assert queries.find_team(s, team.id).description == "first"


def test_naive_instants_in_queries_are_refused(sessions) -> None:
    with sessions.begin() as s, pytest.raises(ValueError, match="no time zone"):
        queries.on_call_at(s, datetime(2026, 11, 16, 10, 0))
