"""The import wizard: dry run (nothing written), mapping, import on the worker, cancel, PagerDuty,
and the token dialog without a keyring."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail

from oncall import credentials
from oncall.db import pages as page_store
from oncall.ui.credentials_dialog import PAGERDUTY_TOKEN, CredentialsDialog
from oncall.ui.import_wizard import ImportWizard
from tests.exchange.pd_server import FakePagerDuty

DATA = Path(__file__).resolve().parent.parent / "data" / "pages"


def stored(ctx) -> list:
    with ctx.sessions() as s:
        return page_store.list_pages(s)


@pytest.fixture
def wizard(qtbot, seeded_team):
    w = ImportWizard(seeded_team.ctx)
    qtbot.addWidget(w)
    w.show()
    return w


def preview(qtbot, w: ImportWizard) -> None:
    with qtbot.waitSignal(w.dry_run_done, timeout=15_000):
        w.next()


def test_dry_run_of_a_broken_file_lists_rejected_rows_and_writes_nothing(
    qtbot, wizard, seeded_team, tmp_path
):
    wizard.choose_csv(DATA / "broken.csv")
    assert wizard.source_page.isComplete()
    preview(qtbot, wizard)
    report = wizard.dry_report
    assert report is not None
    assert report.adds_up()
    page = wizard.preview_page
    assert page.rejected.isVisible()
    assert page.rejected.rowCount() == len(report.errors) > 0
    lines = {page.rejected.item(r, 0).text() for r in range(page.rejected.rowCount())}
    assert "3" in lines  # the naive timestamp on line 3
    naive = next(
        r for r in range(page.rejected.rowCount()) if page.rejected.item(r, 0).text() == "3"
    )
    assert page.rejected.item(naive, 1).text() == "paged_at"
    assert "E_TS_NAIVE" in page.rejected.item(naive, 3).text()
    assert "1 new page" in page.counts.text()
    assert "zoe@example.com" in page.mapping_boxes  # the unknown engineer can be mapped
    assert stored(seeded_team.ctx) == []
    target = tmp_path / "rejected.csv"
    wizard.ask_rejected_path = lambda: target  # type: ignore[method-assign]
    assert wizard.save_rejected() == target
    assert target.read_text(encoding="utf-8").startswith("record,line,column,value,code,message")


def test_mapping_an_unknown_engineer_then_importing_on_the_worker(qtbot, wizard, seeded_team):
    wizard.choose_csv(DATA / "broken.csv")
    preview(qtbot, wizard)
    before = wizard.dry_report.rejected
    box = wizard.preview_page.mapping_boxes["zoe@example.com"]
    box.setCurrentIndex(box.findData(seeded_team.engineer("dev").id))
    with qtbot.waitSignal(wizard.dry_run_done, timeout=15_000):
        wizard.preview_page.check_again.click()
    assert wizard.dry_report.rejected == before - 1
    assert wizard.dry_report.inserted == 2
    with (
        qtbot.waitSignal(wizard.import_done, timeout=15_000),
        qtbot.waitSignal(wizard.imported, timeout=15_000),
    ):
        wizard.next()
    assert wizard.final_report.inserted == 2
    assert "Imported." in wizard.run_page.outcome.text()
    assert {p.source_id for p in stored(seeded_team.ctx)} == {"ok-1", "bad-who"}


def test_generic_file_imports_and_reimport_changes_nothing(qtbot, seeded_team):
    for expected in (5, 0):
        w = ImportWizard(seeded_team.ctx)
        qtbot.addWidget(w)
        w.show()
        w.choose_csv(DATA / "generic.csv")
        preview(qtbot, w)
        with qtbot.waitSignal(w.import_done, timeout=15_000):
            w.next()
        assert w.final_report.inserted == expected
    assert len(stored(seeded_team.ctx)) == 5


def test_cancel_rolls_the_import_back(qtbot, wizard, seeded_team, tmp_path):
    big = tmp_path / "big.csv"
    with big.open("w", encoding="utf-8") as f:
        f.write("source,source_id,paged_at,engineer,title\n")
        for n in range(40_000):
            f.write(
                f"csv,b{n},2026-11-09T{n % 24:02d}:{n % 60:02d}:00+00:00,ada@example.com,t{n}\n"
            )
    wizard.choose_csv(big)
    preview(qtbot, wizard)
    assert wizard.dry_report.inserted == 40_000
    assert stored(seeded_team.ctx) == []
    cancelled = []

    def cancel_at_first_step(_value: object) -> None:
        if not cancelled:
            cancelled.append(True)
            wizard.cancel_run()

    wizard.run_page.run.bar.valueChanged.connect(cancel_at_first_step)
    with qtbot.waitSignal(wizard.import_done, timeout=30_000):
        wizard.next()
    assert wizard.cancelled
    assert wizard.final_report is None
    assert wizard.run_page.outcome.text() == "Cancelled. Nothing was written."
    assert stored(seeded_team.ctx) == []


@pytest.fixture
def pd() -> Iterator[FakePagerDuty]:
    fake = FakePagerDuty()
    fake.add_user("PADA", "Ada Lovelace", "ada@example.com")
    fake.add_user("PZED", "Zed Outsider", "zed@contractor.example")
    fake.add_incident(
        "PI1",
        datetime(2026, 10, 3, 2, 10, tzinfo=UTC),
        "DB failover",
        notify=(("PADA", "sms"), ("PADA", "phone")),
        acknowledged_by="PADA",
    )
    fake.add_incident(
        "PI2", datetime(2026, 10, 20, 14, 0, tzinfo=UTC), "Disk", notify=(("PZED", "email"),)
    )
    fake.start()
    yield fake
    fake.stop()


def test_pagerduty_preview_and_import(qtbot, seeded_team, pd, tmp_path):
    credentials.set_secret(PAGERDUTY_TOKEN, pd.token)
    w = ImportWizard(seeded_team.ctx, pagerduty_url=pd.url)
    qtbot.addWidget(w)
    w.show()
    w.choose_pagerduty(date(2026, 10, 1), date(2026, 10, 31))
    assert w.source_page.isComplete()
    preview(qtbot, w)
    assert w.dry_report is not None, w.preview_page.error.text()
    assert w.dry_report.inserted == 2
    assert "zed@contractor.example" in w.preview_page.mapping_boxes
    assert stored(seeded_team.ctx) == []
    with qtbot.waitSignal(w.import_done, timeout=15_000):
        w.next()
    assert w.final_report.inserted == 2
    assert {p.engineer_id for p in stored(seeded_team.ctx)} == {seeded_team.engineer("ada").id}


def test_a_refused_token_is_explained(qtbot, seeded_team, pd):
    credentials.set_secret(PAGERDUTY_TOKEN, "wrong-token")
    w = ImportWizard(seeded_team.ctx, pagerduty_url=pd.url)
    qtbot.addWidget(w)
    w.show()
    w.choose_pagerduty(date(2026, 10, 1), date(2026, 10, 31))
    preview(qtbot, w)
    assert w.dry_report is None
    assert "refused the API token" in w.preview_page.error.text()


def test_without_a_keyring_the_token_can_be_used_for_this_session(qtbot):
    keyring.set_keyring(fail.Keyring())
    dialog = CredentialsDialog(PAGERDUTY_TOKEN, "PagerDuty API token")
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.keyring_available
    assert dialog.problem.text().startswith(
        "oncall keeps tokens in your system keyring, and none is available right now"
    )
    assert not dialog.save_button.isVisible()
    assert dialog.session_button.isVisible()
    dialog.field.setText("session-secret")
    dialog.session_button.click()
    assert dialog.session_only
    secret = credentials.get_secret(PAGERDUTY_TOKEN)
    assert secret is not None
    assert secret.reveal() == "session-secret"
    credentials.forget_session()


def test_with_a_keyring_the_token_is_saved_there(qtbot, memory_keyring):
    dialog = CredentialsDialog(PAGERDUTY_TOKEN, "PagerDuty API token")
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.save_button.isVisible()
    assert not dialog.session_button.isVisible()
    dialog.field.setText("kept")
    dialog.save_button.click()
    assert memory_keyring.secrets == {("oncall", PAGERDUTY_TOKEN): "kept"}


def test_wizard_preview_screenshot(qtbot, wizard, tmp_path):
    wizard.resize(1000, 700)
    wizard.choose_csv(DATA / "broken.csv")
    preview(qtbot, wizard)
    folder = Path(os.environ.get("ONCALL_SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    assert wizard.grab().toImage().save(str(folder / "import-wizard-preview.png"))
