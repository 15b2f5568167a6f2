"""The team lead in the team file: read, checked against the file's engineers (line and field),
written back byte for byte, imported and exported."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from oncall.db import commands, queries
from oncall.exchange import teamfile
from oncall.exchange.teamfile import TeamFileError

EXAMPLE = Path(__file__).resolve().parents[2] / "resources" / "examples" / "team.yaml"
NOW = datetime(2026, 11, 16, 10, 0, tzinfo=UTC)  # the root conftest's clock

LEAD = """\
team:
  name: Ops
  zone: UTC
  lead: {lead}
engineers:
  - handle: ada
    name: Ada Lovelace
  - handle: grace
    name: Grace Hopper
"""


def test_the_lead_is_read_as_the_engineer_s_handle_spelled_as_declared() -> None:
    doc = teamfile.parse(LEAD.format(lead="GRACE"), "team.yaml")
    assert doc.lead == "grace"
    assert teamfile.parse(LEAD.replace("  lead: {lead}\n", "")).lead == ""


def test_an_unknown_lead_names_its_line_field_and_the_handles() -> None:
    with pytest.raises(TeamFileError) as caught:
        teamfile.parse(LEAD.format(lead="bob"), "team.yaml")
    error = caught.value
    assert (error.line, error.field) == (4, "team.lead")
    assert str(error) == (
        'team.yaml:4: team.lead: "bob" is not one of the engineers in this file '
        "(handles: ada, grace)"
    )


def test_a_lead_that_is_a_list_is_an_error_on_its_line() -> None:
    with pytest.raises(TeamFileError) as caught:
        teamfile.parse(LEAD.format(lead="[ada, grace]"), "team.yaml")
    assert (caught.value.line, caught.value.field) == (4, "team.lead")


def test_dump_writes_the_lead_under_the_team_and_reads_it_back() -> None:
    doc = teamfile.parse(LEAD.format(lead="ada"))
    text = teamfile.dump(doc)
    assert "  zone: UTC\n  lead: ada\n\nengineers:" in text
    assert teamfile.parse(text) == doc
    assert teamfile.dump(teamfile.parse(text)) == text
    assert "lead:" not in teamfile.dump(replace(doc, lead=""))


def test_the_example_names_a_lead_and_round_trips_byte_identical_through_a_database(
    sessions: sessionmaker[Session], other_sessions: sessionmaker[Session]
) -> None:
    doc = teamfile.parse(EXAMPLE.read_text(encoding="utf-8"), "team.yaml")
    assert doc.lead == "grace"
    with sessions.begin() as s:
        team_id = teamfile.apply(s, doc, NOW).team_id
        team = queries.get_team(s, team_id)
        grace = queries.find_engineer(s, "grace")
        assert team is not None
        assert grace is not None
        assert team.lead_engineer_id == grace.id
        first = teamfile.dump(teamfile.export(s, team_id, NOW))
    assert "  lead: grace\n" in first
    with other_sessions.begin() as s:
        again = teamfile.apply(s, teamfile.parse(first), NOW).team_id
        second = teamfile.dump(teamfile.export(s, again, NOW))
    assert second == first


def test_importing_a_new_lead_updates_the_team_and_no_lead_clears_it(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as s:
        teamfile.apply(s, teamfile.parse(LEAD.format(lead="ada")), NOW)
    with sessions.begin() as s:
        report = teamfile.apply(s, teamfile.parse(LEAD.format(lead="grace")), NOW)
        team = queries.find_team(s, "Ops")
        grace = queries.find_engineer(s, "grace")
        assert team is not None
        assert grace is not None
        assert team.lead_engineer_id == grace.id
    assert [str(c) for c in report.updated] == ["updated     team Ops"]
    with sessions.begin() as s:
        again = teamfile.apply(s, teamfile.parse(LEAD.format(lead="grace")), NOW)
    assert not again.changed
    with sessions.begin() as s:
        teamfile.apply(s, teamfile.parse(LEAD.replace("  lead: {lead}\n", "")), NOW)
        team = queries.find_team(s, "Ops")
        assert team is not None
        assert team.lead_engineer_id is None


def test_a_lead_outside_the_team_is_not_exported(seeded_team) -> None:
    from oncall.domain.model import Engineer

    ctx = seeded_team.ctx
    with ctx.sessions.begin() as s:
        outsider = commands.add_engineer(s, Engineer(0, "Out Sider", "outsider", "UTC"))
        commands.update_team(s, replace(seeded_team.team, lead_engineer_id=outsider.id))
        text = teamfile.dump(teamfile.export(s, seeded_team.team.id, seeded_team.now))
    assert "lead:" not in text
    assert teamfile.parse(text).lead == ""  # the exported file still reads
