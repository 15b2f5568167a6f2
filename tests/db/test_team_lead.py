"""A team's lead through storage: commands check it, queries and the first frame read it back,
and deleting the engineer leaves the team without a lead."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import delete

from oncall.db import commands, queries
from oncall.db.fastread import open_snapshot
from oncall.db.models import EngineerRow
from oncall.domain.model import Team


def test_the_lead_is_stored_and_read_back_by_queries_and_the_first_frame(
    seeded_team, backend: str
) -> None:
    ctx, ada = seeded_team.ctx, seeded_team.engineer("ada")
    with ctx.sessions.begin() as s:
        saved = commands.update_team(s, replace(seeded_team.team, lead_engineer_id=ada.id))
        other = commands.add_team(s, Team(0, "Search", "UTC", lead_engineer_id=ada.id))
    assert saved.lead_engineer_id == ada.id
    with ctx.sessions.begin() as s:
        teams = queries.list_teams(s)
    assert [(t.name, t.lead_engineer_id) for t in teams] == [
        ("Payments", ada.id),
        ("Search", ada.id),
    ]
    assert other.lead_engineer_id == ada.id
    if backend == "sqlite":  # the first frame's snapshot reads SQLite files only
        snapshot = open_snapshot(ctx.paths.database)
        assert snapshot is not None
        try:
            assert snapshot.teams() == teams
        finally:
            snapshot.close()


def test_a_team_without_a_lead_reads_none_everywhere(seeded_team, backend: str) -> None:
    ctx = seeded_team.ctx
    with ctx.sessions.begin() as s:
        assert [t.lead_engineer_id for t in queries.list_teams(s)] == [None]
    if backend != "sqlite":  # the first frame's snapshot reads SQLite files only
        return
    snapshot = open_snapshot(ctx.paths.database)
    assert snapshot is not None
    try:
        assert [t.lead_engineer_id for t in snapshot.teams()] == [None]
    finally:
        snapshot.close()


def test_an_unknown_lead_is_refused_with_a_sentence(seeded_team) -> None:
    ctx = seeded_team.ctx
    unknown = r"lead of Payments must be an engineer; there is no engineer with id 9999"
    with pytest.raises(ValueError, match=unknown), ctx.sessions.begin() as s:
        commands.update_team(s, replace(seeded_team.team, lead_engineer_id=9999))
    with pytest.raises(ValueError, match="lead of Search must be"), ctx.sessions.begin() as s:
        commands.add_team(s, Team(0, "Search", "UTC", lead_engineer_id=9999))
    with ctx.sessions.begin() as s:
        assert [(t.name, t.lead_engineer_id) for t in queries.list_teams(s)] == [("Payments", None)]


def test_deleting_the_lead_leaves_the_team_without_one(ctx) -> None:
    from oncall.domain.model import Engineer

    with ctx.sessions.begin() as s:
        boss = commands.add_engineer(s, Engineer(0, "Boss", "boss", "UTC"))
        team = commands.add_team(s, Team(0, "Ops", "UTC", lead_engineer_id=boss.id))
    with ctx.sessions.begin() as s:
        s.execute(delete(EngineerRow).where(EngineerRow.id == boss.id))
    with ctx.sessions.begin() as s:
        assert queries.get_team(s, team.id).lead_engineer_id is None


def test_upgrading_a_database_from_before_the_lead_keeps_its_teams(tmp_path) -> None:
    import sqlite3

    from oncall.db import migrate
    from oncall.db.engine import make_engine, sqlite_url

    path = tmp_path / "db.sqlite"
    engine = make_engine(sqlite_url(path))
    try:
        migrate.upgrade(engine, "0004")
        con = sqlite3.connect(path)
        with con:
            con.execute(
                "INSERT INTO engineer (id, name, handle, email, phone, zone, country, region,"
                " active, row_version) VALUES (1, 'Ada', 'ada', '', '', 'UTC', '', '', 1, 1)"
            )
            con.execute(
                "INSERT INTO team (id, name, zone, description, row_version)"
                " VALUES (7, 'Payments', 'Europe/London', 'cards', 3)"
            )
            con.execute("INSERT INTO team_member (team_id, engineer_id) VALUES (7, 1)")
        con.close()

        migrate.upgrade(engine)

        con = sqlite3.connect(path)
        try:
            team = con.execute(
                "SELECT id, name, zone, description, row_version, lead_engineer_id FROM team"
            ).fetchall()
            members = con.execute("SELECT team_id, engineer_id FROM team_member").fetchall()
        finally:
            con.close()
        assert team == [(7, "Payments", "Europe/London", "cards", 3, None)]
        assert members == [(7, 1)]  # rebuilding the team table did not cascade into members
    finally:
        engine.dispose()
