"""No lost updates: two clients on one database; a stale save is refused with what differs.

Runs on SQLite and PostgreSQL (the ``backend`` parametrisation of tests/db). "Two clients"
are two engines on the same database, as two copies of the app would be.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session, sessionmaker

from oncall.db import commands, queries
from oncall.db.conflicts import NO_BASE, EditConflict, describe
from oncall.db.engine import make_engine, make_session_factory
from oncall.db.models import RotationRow
from oncall.domain.model import CadenceUnit, Leave, Override, Role, Rotation
from tests.conftest import NOW, Seeded


@pytest.fixture
def other(engine: Engine) -> Iterator[sessionmaker[Session]]:
    """A second client: its own engine on the same database."""
    second = make_engine(engine.url.render_as_string(hide_password=False))
    yield make_session_factory(second)
    second.dispose()


def _rotation(sessions: sessionmaker[Session], rotation_id: int) -> Rotation:
    with sessions.begin() as s:
        found = queries.get_rotation(s, rotation_id)
    assert found is not None
    return found


def _edit(
    sessions: sessionmaker[Session],
    loaded: Rotation,
    name: str | None = None,
    at: datetime = NOW,
    **rules: Any,
) -> Rotation:
    """Save ``loaded`` with these rules from ``at`` on, as the editor does (expecting the
    version it loaded)."""
    version = replace(loaded.current, effective_from=at, **rules)
    with sessions.begin() as s:
        return commands.edit_rotation(
            s, loaded.id, version, name, expected=loaded.row_version, base=loaded
        )


def test_the_second_stale_rotation_save_gets_the_conflict_and_overwrites_nothing(
    seeded_team: Seeded, other: sessionmaker[Session]
) -> None:
    mine, theirs_client = seeded_team.ctx.sessions, other
    rid = seeded_team.primary.id
    ada, bao, carmen, dev = (e.id for e in seeded_team.engineers)
    a, b = _rotation(theirs_client, rid), _rotation(mine, rid)  # both open the editor
    assert a.row_version == b.row_version > 0

    saved = _edit(theirs_client, a, members=(dev, carmen, bao, ada), priority=1)
    assert saved.row_version > a.row_version

    with pytest.raises(EditConflict) as caught:
        _edit(mine, b, "Primary pager", members=(ada, bao))
    conflict = caught.value
    assert conflict.kind == "rotation"
    assert not conflict.deleted
    assert conflict.theirs_version == saved.row_version
    assert conflict.saved_at is not None
    by_name = {f.name: f for f in conflict.fields}
    assert list(by_name) == ["name", "members", "priority"]  # only fields that differ
    assert (by_name["name"].theirs, by_name["name"].yours) == ("Primary", "Primary pager")
    assert by_name["members"].theirs == (dev, carmen, bao, ada)
    assert by_name["members"].yours == (ada, bao)
    assert (by_name["priority"].base, by_name["priority"].theirs) == (0, 1)
    # yours where you changed the field, theirs where only they did
    assert {n: f.default for n, f in by_name.items()} == {
        "name": "yours", "members": "yours", "priority": "theirs",
    }  # fmt: skip
    names = conflict.names
    assert describe(by_name["members"], by_name["members"].yours, names) == (
        "Ada Lovelace, Bao Nguyen"
    )
    assert "Someone else saved this rotation (Primary)" in str(conflict)

    stored = _rotation(mine, rid)  # nothing of the stale save reached the database
    assert (stored.name, stored.current.members, stored.current.priority) == (
        "Primary", (dev, carmen, bao, ada), 1,
    )  # fmt: skip
    assert stored.row_version == saved.row_version


def test_the_merged_choice_saves_on_top_of_theirs_and_can_conflict_again(
    seeded_team: Seeded, other: sessionmaker[Session]
) -> None:
    mine, rid = seeded_team.ctx.sessions, seeded_team.primary.id
    ada, bao, carmen, dev = (e.id for e in seeded_team.engineers)
    a, b = _rotation(other, rid), _rotation(mine, rid)
    _edit(other, a, members=(dev, carmen, bao, ada), priority=1)
    with pytest.raises(EditConflict) as caught:
        _edit(mine, b, "Primary pager", members=(ada, bao))
    conflict = caught.value

    merged = conflict.merged({"members": "theirs"})  # name: default yours; priority: theirs
    assert merged.row_version == conflict.theirs_version
    assert (merged.name, merged.version.members, merged.version.priority) == (
        "Primary pager", (dev, carmen, bao, ada), 1,
    )  # fmt: skip

    # Meanwhile they save again: the merged save meets a newer version too.
    _edit(other, _rotation(other, rid), cadence_count=2)
    theirs_rotation = _rotation(mine, rid)
    with mine.begin() as s, pytest.raises(EditConflict) as again:
        commands.edit_rotation(
            s, rid, merged.version, merged.name, expected=merged.row_version, base=conflict.theirs
        )
    fields = {f.name: f for f in again.value.fields}
    assert list(fields) == ["name", "cadence"]
    assert fields["cadence"].theirs == (2, CadenceUnit.WEEKS)
    assert fields["cadence"].default == "theirs"  # the merge did not touch it; they did

    final = again.value.merged()
    with mine.begin() as s:
        saved = commands.edit_rotation(
            s, rid, final.version, final.name, expected=final.row_version, base=theirs_rotation
        )
    assert (saved.name, saved.current.cadence_count, saved.current.members) == (
        "Primary pager", 2, (dev, carmen, bao, ada),
    )  # fmt: skip


def test_each_rotation_change_raises_its_row_version(seeded_team: Seeded) -> None:
    sessions, rid = seeded_team.ctx.sessions, seeded_team.primary.id
    start = _rotation(sessions, rid)
    edited = _edit(sessions, start, priority=3)  # a new version, the rotation row unchanged
    assert edited.row_version > start.row_version
    with sessions.begin() as s:
        undone = commands.undo_rotation_version(
            s, rid, edited.current.version, expected=edited.row_version
        )
    assert undone.row_version > edited.row_version
    with sessions.begin() as s:
        ended = commands.end_rotation(s, rid, seeded_team.now, expected=undone.row_version)
    assert ended.row_version > undone.row_version
    with sessions.begin() as s, pytest.raises(EditConflict):  # an old version is refused
        commands.end_rotation(s, rid, None, expected=undone.row_version)


def test_a_stale_engineer_save_keeps_their_email_and_offers_both(
    seeded_team: Seeded, other: sessionmaker[Session]
) -> None:
    ada = seeded_team.engineer("ada")
    with other.begin() as s:
        commands.update_engineer(s, replace(ada, email="ada@new.example"), base=ada)
    with seeded_team.ctx.sessions.begin() as s, pytest.raises(EditConflict) as caught:
        commands.update_engineer(s, replace(ada, phone="+44 20 7946 0000"), base=ada)
    fields = {f.name: f for f in caught.value.fields}
    assert set(fields) == {"email", "phone"}
    assert (fields["email"].theirs, fields["email"].default) == ("ada@new.example", "theirs")
    assert (fields["phone"].yours, fields["phone"].default) == ("+44 20 7946 0000", "yours")

    merged = caught.value.merged()
    with seeded_team.ctx.sessions.begin() as s:
        saved = commands.update_engineer(s, merged)
    assert (saved.email, saved.phone) == ("ada@new.example", "+44 20 7946 0000")


def test_without_a_base_every_differing_field_counts_as_yours(
    seeded_team: Seeded, other: sessionmaker[Session]
) -> None:
    team = seeded_team.team
    with other.begin() as s:
        commands.update_team(s, replace(team, description="Cards and payouts"))
    with seeded_team.ctx.sessions.begin() as s, pytest.raises(EditConflict) as caught:
        commands.update_team(s, replace(team, zone="Europe/Paris"))
    assert [(f.name, f.base is NO_BASE, f.default) for f in caught.value.fields] == [
        ("zone", True, "yours"), ("description", True, "yours"),
    ]  # fmt: skip
    with seeded_team.ctx.sessions.begin() as s:
        stored = queries.get_team(s, team.id)
    assert stored is not None
    assert (stored.zone, stored.description) == (
        "Europe/London",
        "Cards and payouts",
    )


def test_an_unversioned_value_is_saved_as_before(seeded_team: Seeded) -> None:
    # row_version 0 means "not read from the database": no check (scripts, imports).
    with seeded_team.ctx.sessions.begin() as s:
        saved = commands.update_team(s, replace(seeded_team.team, description="x", row_version=0))
    assert saved.description == "x"
    assert saved.row_version > seeded_team.team.row_version


def test_a_rotation_deleted_by_someone_else_says_so(
    seeded_team: Seeded, other: sessionmaker[Session]
) -> None:
    loaded = _rotation(seeded_team.ctx.sessions, seeded_team.secondary.id)
    with other.begin() as s:
        s.execute(delete(RotationRow).where(RotationRow.id == loaded.id))
    with pytest.raises(EditConflict) as caught:
        _edit(seeded_team.ctx.sessions, loaded, priority=2)
    assert caught.value.deleted
    assert caught.value.fields == ()
    assert "deleted this rotation" in str(caught.value)


def test_removing_leave_or_an_override_someone_already_removed_is_a_clear_conflict(
    seeded_team: Seeded, other: sessionmaker[Session]
) -> None:
    now, ada = seeded_team.now, seeded_team.engineer("ada")
    with seeded_team.ctx.sessions.begin() as s:
        override = commands.add_override(
            s, Override(0, seeded_team.team.id, ada.id, now, now + timedelta(hours=4), now)
        )
        leave = commands.add_leave(s, Leave(0, ada.id, now, now + timedelta(days=2)))
    with other.begin() as s:
        commands.delete_override(s, override.id, expected=override.row_version)
        commands.delete_leave(s, leave.id, expected=leave.row_version)
    for remove in (
        lambda s: commands.delete_override(s, override.id, expected=override.row_version),
        lambda s: commands.delete_leave(s, leave.id, expected=leave.row_version),
    ):
        with seeded_team.ctx.sessions.begin() as s, pytest.raises(EditConflict) as caught:
            remove(s)
        assert caught.value.deleted


def _race(saves: list[Callable[[], object]]) -> list[object]:
    """Run the saves at the same moment in threads; each one's result or exception."""
    barrier = threading.Barrier(len(saves))
    results: list[object] = [None] * len(saves)

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = saves[i]()
        except Exception as exc:
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(saves))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


@pytest.mark.parametrize("attempt", range(3))
def test_simultaneous_saves_of_one_version_exactly_one_wins(
    seeded_team: Seeded, other: sessionmaker[Session], attempt: int
) -> None:
    rid = seeded_team.primary.id
    loaded = _rotation(seeded_team.ctx.sessions, rid)
    results = _race(
        [
            lambda: _edit(seeded_team.ctx.sessions, loaded, priority=5),
            lambda: _edit(other, loaded, "Primary pager"),
        ]
    )
    won = [r for r in results if isinstance(r, Rotation)]
    lost = [r for r in results if isinstance(r, EditConflict)]
    assert (len(won), len(lost)) == (1, 1), results
    stored = _rotation(seeded_team.ctx.sessions, rid)
    # The stored rotation is exactly the winner's: the loser's change is nowhere.
    assert (stored.name, stored.current.priority) == (won[0].name, won[0].current.priority)
    assert stored.row_version == won[0].row_version
    assert lost[0].theirs_version == won[0].row_version


def test_simultaneous_engineer_saves_exactly_one_wins(
    seeded_team: Seeded, other: sessionmaker[Session]
) -> None:
    bao = seeded_team.engineer("bao")

    def save(sessions: sessionmaker[Session], phone: str) -> object:
        with sessions.begin() as s:
            return commands.update_engineer(s, replace(bao, phone=phone), base=bao)

    results = _race([lambda: save(seeded_team.ctx.sessions, "+65 1"), lambda: save(other, "+65 2")])
    assert sorted(type(r).__name__ for r in results) == ["EditConflict", "Engineer"], results


def test_undo_after_someone_elses_save_is_refused_and_keeps_their_rules(
    seeded_team: Seeded, other: sessionmaker[Session]
) -> None:
    mine, rid = seeded_team.ctx.sessions, seeded_team.primary.id
    start = _rotation(mine, rid)
    ada, bao = seeded_team.engineer("ada").id, seeded_team.engineer("bao").id
    edited = _edit(mine, start, members=(ada, bao))  # my edit ...
    later = NOW + timedelta(minutes=5)
    _edit(other, _rotation(other, rid), at=later, role=Role.SECONDARY)  # ... then theirs
    with mine.begin() as s, pytest.raises(EditConflict) as caught:
        commands.undo_rotation_version(s, rid, edited.current.version, expected=edited.row_version)
    fields = {f.name: f for f in caught.value.fields}
    # Undoing would put back the old roster (yours) and drop their role change.
    assert fields["members"].yours == start.current.members
    assert fields["members"].base == (ada, bao)
    assert fields["role"].theirs == Role.SECONDARY
    assert fields["role"].default == "theirs"
    stored = _rotation(mine, rid)
    assert stored.current.role == Role.SECONDARY
    assert stored.current.members == (ada, bao)


def test_undo_of_an_engineer_edit_after_their_save_is_refused(
    seeded_team: Seeded, other: sessionmaker[Session]
) -> None:
    dev = seeded_team.engineer("dev")
    with seeded_team.ctx.sessions.begin() as s:
        saved = commands.update_engineer(s, replace(dev, zone="Europe/Paris"), base=dev)
    with other.begin() as s:
        commands.update_engineer(s, replace(saved, name="Dev P."), base=saved)
    undo = replace(dev, row_version=saved.row_version)  # the undo expects my save's version
    with seeded_team.ctx.sessions.begin() as s, pytest.raises(EditConflict) as caught:
        commands.update_engineer(s, undo, base=saved)
    assert {f.name: f.default for f in caught.value.fields} == {"name": "theirs", "zone": "yours"}
    with other.begin() as s:
        stored = s.scalars(select(commands.EngineerRow).where(commands.EngineerRow.id == dev.id))
        row = stored.one()
        assert (row.name, row.zone) == ("Dev P.", "Europe/Paris")


def test_a_save_in_flight_holds_the_row_until_it_commits(
    seeded_team: Seeded, other: sessionmaker[Session]
) -> None:
    # Between one client's check and its commit, another save of the same version must wait
    # and then lose: the check and the write are one claim, not a read then a write.
    rid = seeded_team.primary.id
    loaded = _rotation(seeded_team.ctx.sessions, rid)
    first = seeded_team.ctx.sessions()
    first.begin()
    version = replace(loaded.current, effective_from=NOW, priority=7)
    commands.edit_rotation(first, rid, version, expected=loaded.row_version, base=loaded)
    results = []
    second = threading.Thread(
        target=lambda: results.extend(_race([lambda: _edit(other, loaded, "Primary pager")]))
    )
    second.start()
    second.join(timeout=1.0)
    assert second.is_alive()  # waiting for the first save's lock, not writing past it
    first.commit()
    first.close()
    second.join(timeout=30)
    assert isinstance(results[0], EditConflict)
    stored = _rotation(seeded_team.ctx.sessions, rid)
    assert (stored.name, stored.current.priority) == ("Primary", 7)
