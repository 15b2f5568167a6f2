"""Writes that do not go through ``AppContext.edit`` on a team database opened read-only (one
written by a newer oncall): the server refuses them (SQLSTATE 25006), and the user reads a
sentence, never the server's raw refusal or a crash dialog. Nothing is written."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QUndoStack
from pytestqt.qtbot import QtBot

from oncall.app import AppContext
from oncall.db import commands, migrate, queries
from oncall.db.engine import make_engine, make_session_factory
from oncall.domain.model import Team
from oncall.paths import app_paths
from oncall.settings import Settings
from oncall.ui.connection import READ_ONLY_NOT_SAVED, save_refusal
from oncall.ui.undo import push_edit
from tests.conftest import NOW


def _read_only_context(url: str, folder: Path) -> AppContext:
    engine = make_engine(url)
    with make_session_factory(engine).begin() as s:
        commands.add_team(s, Team(0, "Payments", "Europe/London", ""))
    migrate.make_read_only(engine)
    return AppContext(
        paths=app_paths(folder).create(),
        sessions=make_session_factory(engine),
        settings=Settings().with_(viewer_zone="Europe/London"),
        clock=lambda: NOW,
        read_only_reason="The team database is newer than this oncall.",
    )


def _teams(ctx: AppContext) -> list[str]:
    with ctx.sessions() as s:
        return [t.name for t in queries.list_teams(s)]


def test_a_direct_write_refused_as_read_only_is_said_in_words(
    qtbot: QtBot, pg_database, tmp_path: Path
) -> None:
    ctx = _read_only_context(pg_database(), tmp_path)
    try:
        stack = QUndoStack()

        def do() -> None:  # as the Load screen's "Log a page" and the team lead do
            with ctx.sessions.begin() as s:
                commands.add_team(s, Team(0, "Platform", "UTC", ""))

        refused = push_edit(stack, "Add team", do, lambda: None)
        assert refused == READ_ONLY_NOT_SAVED
        assert stack.count() == 0
        assert _teams(ctx) == ["Payments"]
        assert save_refusal(ValueError("something else")) is None
    finally:
        ctx.close()


def test_creating_a_team_on_a_read_only_database_says_why(
    qtbot: QtBot, pg_database, tmp_path: Path, monkeypatch
) -> None:
    from oncall.ui.leave_dialog import TeamDialog
    from oncall.ui.team_view import TeamView

    ctx = _read_only_context(pg_database(), tmp_path)
    try:
        view = TeamView(ctx, QUndoStack())
        qtbot.addWidget(view)
        view.show()
        monkeypatch.setattr(
            TeamDialog, "ask", classmethod(lambda *a, **k: Team(0, "Platform", "UTC", ""))
        )
        view.create_team()
        assert view.error.text() == READ_ONLY_NOT_SAVED
        assert _teams(ctx) == ["Payments"]
    finally:
        ctx.close()
