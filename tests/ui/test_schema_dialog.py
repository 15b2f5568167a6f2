"""The start-up dialog for a team database behind this oncall: it asks, upgrades on the
worker, says when another oncall holds the lock, and shows failures plainly (on a real
PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine, create_engine, text

from oncall.db import migrate
from oncall.db.engine import make_engine
from oncall.ui.schema_dialog import SchemaDialog
from tests.ui.shots import save_png

HEAD = migrate.head_revision()
PREVIOUS = migrate.known_revisions()[-2]


def _behind(engine: Engine) -> migrate.SchemaBehind:
    with pytest.raises(migrate.SchemaBehind) as behind:
        migrate.check_and_upgrade(engine, Path("unused"))
    return behind.value


@pytest.fixture
def behind_url(pg_database) -> str:
    """A team database one revision behind this oncall."""
    url = pg_database(migrated=False)
    engine = make_engine(url)
    migrate.upgrade(engine, PREVIOUS)
    engine.dispose()
    return url


@pytest.fixture
def dialog_on(qtbot: QtBot):
    """``dialog_on(url)``: the dialog for that database, shown; engines disposed after."""
    engines: list[Engine] = []

    def make(url: str) -> SchemaDialog:
        engine = make_engine(url)
        engines.append(engine)
        dialog = SchemaDialog(_behind(engine))
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        return dialog

    yield make
    for engine in engines:
        engine.dispose()


@pytest.fixture
def schema_lock(behind_url) -> Iterator[Callable[[], None]]:
    """Another oncall holding the schema lock; call the fixture's value to let it go."""
    holder = create_engine(behind_url, isolation_level="AUTOCOMMIT")
    conn = holder.connect()
    key = {"k": migrate.SCHEMA_LOCK_KEY}
    conn.execute(text("SELECT pg_advisory_lock(:k)"), key)
    yield lambda: conn.execute(text("SELECT pg_advisory_unlock(:k)"), key)
    conn.close()
    holder.dispose()  # ends the session, and any lock still held with it


def test_a_database_behind_names_both_schemas(dialog_on, behind_url, tmp_path: Path) -> None:
    dialog = dialog_on(behind_url)

    assert dialog.message.text() == (
        f"The team database is at schema {PREVIOUS}; this oncall needs {HEAD}. Upgrading "
        "changes the database for everyone on the team; everyone should update oncall."
    )
    assert dialog.upgrade_button.text() == "&Upgrade now"
    assert dialog.quit_button.text() == "&Quit"
    assert not dialog.progress.isVisible()
    save_png(dialog, "schema-dialog-behind.png", tmp_path)


def test_an_empty_database_asks_to_create_the_tables(dialog_on, pg_database, tmp_path) -> None:
    url = pg_database(migrated=False)
    dialog = dialog_on(url)
    database = url.rsplit("/", 1)[1]

    assert dialog.message.text() == (
        f"The team database is empty. Create oncall's tables in “{database}” on 127.0.0.1?"
    )
    assert dialog.upgrade_button.text() == "&Create tables"
    save_png(dialog, "schema-dialog-empty.png", tmp_path)


def test_upgrade_now_upgrades_on_the_worker_and_closes(qtbot: QtBot, dialog_on, behind_url) -> None:
    dialog = dialog_on(behind_url)

    with qtbot.waitSignal(dialog.upgraded, timeout=60_000):
        qtbot.mouseClick(dialog.upgrade_button, Qt.MouseButton.LeftButton)
        assert dialog.progress.isVisible()  # busy while it runs
        assert not dialog.upgrade_button.isEnabled()

    assert dialog.result() == QDialog.DialogCode.Accepted
    assert migrate.current_revision(dialog.behind.engine) == HEAD


def test_while_another_oncall_upgrades_it_says_so_and_then_finishes(
    qtbot: QtBot, dialog_on, behind_url, schema_lock: Callable[[], None], tmp_path: Path
) -> None:
    dialog = dialog_on(behind_url)

    with qtbot.waitSignal(dialog.waiting, timeout=30_000) as waiting:
        dialog.upgrade_button.click()

    assert waiting.args == ["Another oncall is upgrading the team database; waiting…"]
    assert dialog.status.text() == migrate.WAITING_MESSAGE
    assert dialog.quit_button.text() == "&Stop waiting"
    assert dialog.progress.isVisible()
    save_png(dialog, "schema-dialog-waiting.png", tmp_path)
    assert migrate.current_revision(dialog.behind.engine) == PREVIOUS

    with qtbot.waitSignal(dialog.upgraded, timeout=60_000):
        schema_lock()  # the other oncall is done with the lock

    assert migrate.current_revision(dialog.behind.engine) == HEAD


def test_stop_waiting_changes_nothing_and_keeps_the_dialog_open(
    qtbot: QtBot, dialog_on, behind_url, schema_lock: Callable[[], None]
) -> None:
    dialog = dialog_on(behind_url)
    with qtbot.waitSignal(dialog.waiting, timeout=30_000):
        dialog.upgrade_button.click()

    with qtbot.waitSignal(dialog.failed, timeout=30_000) as failed:
        dialog.quit_button.click()

    assert failed.args == ["The upgrade was cancelled; the team database is unchanged."]
    assert dialog.isVisible()
    qtbot.waitUntil(lambda: dialog.quit_button.isEnabled())
    assert dialog.quit_button.text() == "&Quit"
    assert migrate.current_revision(dialog.behind.engine) == PREVIOUS


def test_a_failed_upgrade_is_said_plainly_and_nothing_is_half_done(
    qtbot: QtBot, dialog_on, pg_database, tmp_path: Path
) -> None:
    url = pg_database(migrated=False)
    engine = make_engine(url)
    migrate.upgrade(engine, "0004")
    with engine.begin() as conn:  # what 0006 adds is already there, so 0006 fails
        conn.execute(text("ALTER TABLE swap ADD COLUMN reason TEXT"))
    engine.dispose()
    dialog = dialog_on(url)

    with qtbot.waitSignal(dialog.failed, timeout=60_000) as failed:
        dialog.upgrade_button.click()

    message = failed.args[0]
    assert message.startswith("The upgrade failed: ")
    assert 'column "reason" of relation "swap" already exists' in message
    assert message.endswith("Nothing was changed: the upgrade runs in one transaction, "
                            "and the team database is as it was.")  # fmt: skip
    assert "sqlalche.me" not in message
    assert "ALTER TABLE" not in message
    assert dialog.status.text() == message
    qtbot.waitUntil(lambda: dialog.quit_button.isEnabled())
    assert dialog.upgrade_button.text() == "&Try again"
    assert dialog.isVisible()
    assert migrate.current_revision(dialog.behind.engine) == "0004"
    save_png(dialog, "schema-dialog-failed.png", tmp_path)


def test_start_up_asks_then_opens_the_upgraded_database(
    qtbot: QtBot, behind_url, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``__main__._open`` on a team database behind: the dialog's answer decides."""
    from oncall import __main__ as entry
    from oncall.app import prepare_context
    from oncall.ui import schema_dialog

    asked: list[migrate.SchemaBehind] = []

    def say_quit(behind: migrate.SchemaBehind, parent: object = None) -> bool:
        asked.append(behind)
        behind.engine.dispose()
        return False

    def say_upgrade(behind: migrate.SchemaBehind, parent: object = None) -> bool:
        asked.append(behind)
        migrate.upgrade_shared(behind.engine)
        behind.engine.dispose()
        return True

    monkeypatch.setattr(schema_dialog, "ask_to_upgrade", say_quit)
    ctx = prepare_context(data_dir, database_url=behind_url)
    assert entry._open(ctx) is None
    assert not ctx.is_open
    assert [(b.current, b.head) for b in asked] == [(PREVIOUS, HEAD)]

    monkeypatch.setattr(schema_dialog, "ask_to_upgrade", say_upgrade)
    opened = entry._open(ctx)
    assert opened is ctx
    assert ctx.is_open
    assert ctx.read_only_reason is None
    with ctx.sessions() as s:
        assert s.execute(text("SELECT version_num FROM alembic_version")).scalar() == HEAD
    ctx.sessions.kw["bind"].dispose()


# ------------------------------------------------------------- read-only: banner and edits

READ_ONLY = (
    "The team database is at schema 0009, written by a newer oncall; this oncall knows up "
    f"to {HEAD}. You can look, but changes are off until you update oncall."
)


def test_the_window_shows_why_changes_are_off(qtbot: QtBot, ctx, tmp_path: Path) -> None:
    from oncall.ui.banner import READ_ONLY as KIND
    from oncall.ui.main_window import MainWindow

    ctx.read_only_reason = READ_ONLY
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.resize(1000, 640)
    window.show()
    qtbot.waitExposed(window)

    assert window.banner.isVisible()
    assert window.banner.messages() == {KIND: READ_ONLY}
    save_png(window, "main-window-read-only.png", tmp_path)

    ctx.read_only_reason = None  # e.g. reopened after updating
    window.attach_context(ctx, refresh_ledgers=False)
    assert not window.banner.isVisible()


def test_attaching_a_read_only_context_writes_nothing(qtbot: QtBot, seeded_team) -> None:
    """No start-up ledger refresh (it would write): the screens open at once."""
    from oncall.db import queries
    from oncall.ui.main_window import MainWindow

    ctx = seeded_team.ctx
    with ctx.sessions() as s:
        before = len(queries.list_teams(s))
    ctx.read_only_reason = READ_ONLY
    window = MainWindow(ctx, ready=False)
    qtbot.addWidget(window)

    with qtbot.waitSignal(window.context_attached, timeout=10_000):
        window.attach_context(ctx)

    assert window._worker is None  # no refresh job was started
    assert window.banner.message("read-only") == READ_ONLY
    with ctx.sessions() as s:
        assert len(queries.list_teams(s)) == before


def test_an_edit_on_a_read_only_context_is_reported_not_kept(qtbot: QtBot, seeded_team) -> None:
    from PySide6.QtGui import QUndoStack

    from oncall.db import commands
    from oncall.domain.model import Team
    from oncall.ui.undo import push_edit

    ctx = seeded_team.ctx
    ctx.read_only_reason = READ_ONLY
    stack = QUndoStack()
    after: list[bool] = []

    refused = push_edit(
        stack,
        "Add team",
        lambda: ctx.edit(
            seeded_team.team.id, lambda s: commands.add_team(s, Team(0, "X", "UTC", ""))
        ),
        lambda: None,
        after=lambda: after.append(True),
    )

    assert refused == READ_ONLY
    assert stack.count() == 0  # nothing to undo: nothing was done
    assert after == []
