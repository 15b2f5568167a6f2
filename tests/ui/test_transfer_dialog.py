"""The transfer dialog: this computer's data to a real (empty) PostgreSQL team server, a backup
of the server to a file, cancel and refusal leaving the server as it was."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from oncall.app import AppContext
from oncall.db import server, transfer
from oncall.db.engine import make_engine, sqlite_url
from oncall.ui.transfer_dialog import CANCELLED, FAILED, OK, TransferDialog
from tests.db.transfer_data import every_row, fill_every_table
from tests.ui.shots import save_png


@pytest.fixture
def team_server(seeded_team, pg_database) -> AppContext:
    """``ctx`` (this computer's SQLite, rows in every table) with Settings naming an empty
    PostgreSQL database as the team server, its password in the keyring."""
    fill_every_table(seeded_team)
    url = make_url(pg_database(migrated=False))
    ctx = seeded_team.ctx
    ctx.settings = ctx.settings.with_(
        server_host=url.host, server_port=url.port, server_database=url.database,
        server_user=url.username, server_sslmode="disable",
    )  # fmt: skip
    server.store_password(server.ServerSettings.from_settings(ctx.settings), url.password)
    return ctx


def server_engine(ctx: AppContext):
    chosen = server.ServerSettings.from_settings(ctx.settings)
    return make_engine(server.server_url(chosen, server.password_from_keyring(chosen)))


def row_count(engine) -> int:
    with engine.connect() as conn:
        return sum(
            conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in transfer.copied_tables()
        )


def open_dialog(qtbot: QtBot, dialog: TransferDialog) -> TransferDialog:
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def test_copy_to_the_team_server_shows_progress_and_the_checked_counts(
    qtbot: QtBot, team_server: AppContext, tmp_path: Path
):
    dialog = open_dialog(qtbot, TransferDialog.to_server(team_server))
    assert "***" not in dialog.target_label.text()  # no password in sight, not even masked
    assert server.password_of(dialog.target_url) not in dialog.target_label.text()
    assert dialog.start.isEnabled()
    seen: list[int] = []
    dialog.bar.valueChanged.connect(seen.append)
    with qtbot.waitSignal(dialog.done_copy, timeout=60_000) as done:
        dialog.start.click()
    assert done.args == [OK]

    local = make_engine(sqlite_url(team_server.paths.database))
    remote = server_engine(team_server)
    try:
        assert every_row(remote) == every_row(local)
        total = row_count(local)
    finally:
        local.dispose()
        remote.dispose()
    assert dialog.summary.text() == (
        f"✓ Checked: {len(transfer.copied_tables())} tables, {total:,} rows, counts match"
    )
    assert dialog.counts.rowCount() == len(transfer.copied_tables())
    shown = {
        dialog.counts.item(r, 0).text(): dialog.counts.item(r, 1).text()
        for r in range(dialog.counts.rowCount())
    }
    assert shown["page"] == "2"
    assert dialog.bar.value() == dialog.bar.maximum()
    assert any(0 < v < total for v in seen), "the bar moved through the copy"
    assert dialog.close_button.isVisible()
    assert not dialog.start.isVisible()
    save_png(dialog, "transfer-to-server.png", tmp_path)


def test_cancel_leaves_the_team_server_untouched(
    qtbot: QtBot, team_server: AppContext, monkeypatch: pytest.MonkeyPatch
):
    # Hold the copy just after the pages went in (inside its transaction) until Cancel.
    gate = threading.Event()
    real = transfer.copy_between

    def held(*args, **kwargs):
        for step in real(*args, **kwargs):
            yield step
            if step.message == "Copying page":
                assert gate.wait(30)

    monkeypatch.setattr(transfer, "copy_between", held)
    dialog = open_dialog(qtbot, TransferDialog.to_server(team_server))
    with qtbot.waitSignal(
        dialog.progressed, timeout=30_000, check_params_cb=lambda s: s.message == "Copying page"
    ):
        dialog.start.click()
    with qtbot.waitSignal(dialog.done_copy, timeout=30_000) as done:
        dialog.cancel.click()
        gate.set()
    assert done.args == [CANCELLED]
    assert dialog.problem.text() == "Cancelled: the team server was left as it was."
    remote = server_engine(team_server)
    try:
        assert row_count(remote) == 0
    finally:
        remote.dispose()
    assert dialog.start.isEnabled(), "it can be tried again"


def test_a_team_server_with_data_is_refused_in_plain_words(
    qtbot: QtBot, team_server: AppContext, tmp_path: Path
):
    first = open_dialog(qtbot, TransferDialog.to_server(team_server))
    with qtbot.waitSignal(first.done_copy, timeout=60_000):
        first.start.click()
    again = open_dialog(qtbot, TransferDialog.to_server(team_server))
    with qtbot.waitSignal(again.done_copy, timeout=30_000) as done:
        again.start.click()
    assert done.args == [FAILED]
    assert again.problem.text().startswith("The target database is not empty: table ")
    assert "nothing was changed" in again.problem.text()
    save_png(again, "transfer-refused.png", tmp_path)


def test_backup_of_the_team_server_to_a_file(qtbot: QtBot, team_server: AppContext, tmp_path: Path):
    remote = server_engine(team_server)
    try:
        for _ in transfer.copy_database(
            make_engine(sqlite_url(team_server.paths.database)), remote
        ):
            pass
        dialog = open_dialog(qtbot, TransferDialog.backup_server(team_server))
        assert dialog.file.text().endswith(".sqlite")
        backup = tmp_path / "team.sqlite"
        dialog.file.setText(str(backup))
        with qtbot.waitSignal(dialog.done_copy, timeout=60_000) as done:
            dialog.start.click()
        assert done.args == [OK]
        copy = make_engine(sqlite_url(backup))
        try:
            assert every_row(copy) == every_row(remote)
        finally:
            copy.dispose()
        save_png(dialog, "transfer-backup.png", tmp_path)
        # The same name again: refused, the first backup kept.
        again = open_dialog(qtbot, TransferDialog.backup_server(team_server))
        again.file.setText(str(backup))
        with qtbot.waitSignal(again.done_copy, timeout=30_000) as done:
            again.start.click()
        assert done.args == [FAILED]
        assert "already exists" in again.problem.text()
    finally:
        remote.dispose()


def test_without_a_team_server_the_dialog_says_where_to_set_it_up(qtbot: QtBot, ctx: AppContext):
    dialog = open_dialog(qtbot, TransferDialog.to_server(ctx))
    assert not dialog.start.isEnabled()
    assert "Settings → Database" in dialog.problem.text()


def test_settings_database_page_copies_to_the_server_as_entered(
    qtbot: QtBot, team_server: AppContext
):
    from oncall.ui.database_settings import DatabaseSection

    chosen = server.ServerSettings.from_settings(team_server.settings)
    page = DatabaseSection(team_server)
    qtbot.addWidget(page)
    page.team.setChecked(True)
    page.database.setText("typed_db")  # not saved yet: the page's values are the ones used
    page.password.setText("typed-secret")
    page.show()
    page.copy_to_server.click()
    dialog = page.findChild(TransferDialog)
    assert dialog is not None
    assert dialog.target_label.text() == (
        f"Team server {chosen.where}, database “typed_db” (user {chosen.user})"
    )
    assert server.password_of(dialog.target_url) == "typed-secret"
    assert "typed-secret" not in dialog.target_label.text()
    dialog.reject()
    page.backup_server.click()
    backup = [d for d in page.findChildren(TransferDialog) if d.to_file]
    assert backup
    assert backup[0].start.isEnabled()


def test_file_menu_offers_both_copies(qtbot: QtBot, main_window):
    texts = [a.text().replace("&", "") for a in main_window.move_menu.actions()]
    assert texts == [
        "Copy this computer's data to the team server…",
        "Save a backup of the team server to a file…",
    ]
    main_window.move_menu.actions()[0].trigger()
    dialog = main_window.findChild(TransferDialog)
    assert dialog is not None
    assert "Settings → Database" in dialog.problem.text()  # no team server set up
    assert not dialog.start.isEnabled()
    dialog.reject()
