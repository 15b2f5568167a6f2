"""Settings → Database: the choice and the server's details round-trip through settings.toml,
the password goes to the keyring only, and "Test connection" reports what a real PostgreSQL
said, in the page, without the password."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy.engine import make_url

from oncall.app import AppContext
from oncall.settings import load_settings
from oncall.ui.database_settings import DatabaseSection
from tests.conftest import MemoryKeyring
from tests.pg import PASSWORD, SUPERUSER
from tests.ui.shots import save_png

KEY = ("oncall", "database:ana@db.example:5432/oncall")


def _page(qtbot: QtBot, ctx: AppContext) -> DatabaseSection:
    page = DatabaseSection(ctx)
    qtbot.addWidget(page)
    return page


def _fill(page: DatabaseSection, host: str, port: int, database: str, user: str) -> None:
    page.team.setChecked(True)
    page.host.setText(host)
    page.port.setValue(port)
    page.database.setText(database)
    page.user.setText(user)


def _fill_from(page: DatabaseSection, url: str) -> None:
    parsed = make_url(url)
    assert parsed.host
    assert parsed.port
    assert parsed.database
    _fill(page, parsed.host, parsed.port, parsed.database, SUPERUSER)


def test_this_computer_is_the_default_and_the_server_fields_wait(qtbot, ctx) -> None:
    page = _page(qtbot, ctx)
    assert page.local.isChecked()
    assert not page.server_form.isEnabled()
    assert not page.test_button.isEnabled()
    assert page.in_use.text() == "In use now: This computer."
    assert page.restart_note.isHidden()
    page.team.setChecked(True)
    assert page.server_form.isEnabled()
    assert page.test_button.isEnabled()
    assert page.restart_note.text().startswith("A new database choice takes effect the next")


def test_the_dialog_saves_the_server_and_keeps_the_password_in_the_keyring(
    qtbot: QtBot, ctx: AppContext, memory_keyring: MemoryKeyring
) -> None:
    from oncall.ui.settings_dialog import SettingsDialog

    dialog = SettingsDialog(ctx)
    qtbot.addWidget(dialog)
    page = dialog.database
    _fill(page, "db.example", 5432, "oncall", "ana")
    page.tls.setCurrentIndex(page.tls.findData("verify-full"))
    page.password.setText("Tr0ub4dor&3")
    dialog.accept()
    assert dialog.result() == dialog.DialogCode.Accepted
    chosen = dialog.settings()
    ctx.save_settings(chosen)
    assert memory_keyring.secrets == {KEY: "Tr0ub4dor&3"}
    on_disk = ctx.paths.settings_file.read_text(encoding="utf-8")
    assert "Tr0ub4dor" not in on_disk
    loaded = load_settings(ctx.paths.settings_file)
    assert (loaded.database, loaded.server_host, loaded.server_port) == (
        "server",
        "db.example",
        5432,
    )
    assert (loaded.server_database, loaded.server_user, loaded.server_sslmode) == (
        "oncall",
        "ana",
        "verify-full",
    )
    ctx.settings = loaded  # the page opened again shows what was saved
    again = _page(qtbot, ctx)
    assert again.team.isChecked()
    assert (again.host.text(), again.user.text(), again.tls.currentData()) == (
        "db.example",
        "ana",
        "verify-full",
    )
    assert again.password.text() == ""
    assert again.password.placeholderText() == "Stored; type to replace it"
    assert again.restart_note.isHidden()


def test_ok_with_an_incomplete_server_stays_on_the_page_and_says_why(qtbot, ctx) -> None:
    from oncall.ui.settings_dialog import SettingsDialog

    dialog = SettingsDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.database.team.setChecked(True)
    dialog.database.user.setText("ana")
    dialog.accept()
    assert dialog.result() != dialog.DialogCode.Accepted
    assert dialog.tabs.currentWidget() is dialog.database
    assert dialog.database.result.text() == "! Enter the team server's host name or address."


def test_the_test_button_reports_a_real_connection(
    qtbot: QtBot, ctx: AppContext, pg_database, tmp_path: Path
) -> None:
    page = _page(qtbot, ctx)
    page.resize(720, 640)
    _fill_from(page, pg_database())
    page.password.setText(PASSWORD)
    with qtbot.waitSignal(page.tested, timeout=15_000) as signal:
        page.test_button.click()
    ok, text = signal.args
    assert ok is True
    assert text.startswith("Connected to PostgreSQL 1")
    assert page.result.text() == "✓ " + text
    assert "not encrypted" in text
    qtbot.waitUntil(page.test_button.isEnabled)
    save_png(page, "settings-database-connected.png", tmp_path)


@pytest.mark.parametrize(
    ("change", "kind_words"),
    [
        ("password", "refused the password for user 'postgres'"),
        ("database", "has no database 'no_such_db'"),
        ("tls", "does not offer encrypted (TLS) connections"),
    ],
)
def test_the_test_button_explains_a_refusal_without_the_password(
    qtbot: QtBot, ctx: AppContext, pg_database, change: str, kind_words: str, tmp_path: Path
) -> None:
    page = _page(qtbot, ctx)
    _fill_from(page, pg_database())
    typed = "not-the-Password-42" if change == "password" else PASSWORD
    page.password.setText(typed)
    if change == "database":
        page.database.setText("no_such_db")
    if change == "tls":
        page.tls.setCurrentIndex(page.tls.findData("require"))
    with qtbot.waitSignal(page.tested, timeout=15_000) as signal:
        page.test_button.click()
    ok, text = signal.args
    assert ok is False
    assert kind_words in text
    assert typed not in page.result.text()
    if change == "password":
        page.resize(720, 640)
        save_png(page, "settings-database-refused.png", tmp_path)


def test_the_test_button_uses_the_stored_password(
    qtbot: QtBot, ctx: AppContext, pg_database, memory_keyring: MemoryKeyring
) -> None:
    url = make_url(pg_database())
    memory_keyring.set_password(
        "oncall", f"database:{SUPERUSER}@{url.host}:{url.port}/{url.database}", PASSWORD
    )
    page = _page(qtbot, ctx)
    _fill_from(page, url.render_as_string(False))
    with qtbot.waitSignal(page.tested, timeout=15_000) as signal:
        page.test_button.click()
    assert signal.args[0] is True
