"""The import wizard: pick a source, see a dry run, map unknown people, import, read the outcome.

Sources: a CSV file (reference/formats.md section 4; PagerDuty's CSV exports import directly),
optionally with the zone its naive timestamps are in; or PagerDuty's REST API over a date range,
with the token from the keyring (or entered through :class:`CredentialsDialog`).

Every run is a job of ``oncall.jobs`` on the one :class:`~oncall.ui.workers.Worker`, with a
progress bar and Cancel, so the window stays responsive:

1. **Preview**: a dry run (the import's own writes, rolled back) gives the outcome counts,
   every rejected row (line, column, value, reason; savable as CSV) and the people nobody
   matched, each with a choice of engineer; "Check again" re-runs it with the mapping.
2. **Import**: the real run, all or nothing. Cancel rolls back: nothing is written. If the
   import had already committed when Cancel arrived, the wizard says so and shows the report.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from oncall.app import AppContext
from oncall.db import queries
from oncall.domain.load import date_range
from oncall.domain.model import Engineer
from oncall.domain.zones import zone_info
from oncall.ui.credentials_dialog import PAGERDUTY_TOKEN, CredentialsDialog, stored_token
from oncall.ui.theme import attention
from oncall.ui.widgets import MutedLabel, scaled_font
from oncall.ui.zones import all_zones, viewer_zone

log = logging.getLogger(__name__)

CSV, PAGERDUTY = "csv", "pagerduty"
OUTCOME_WORDS = {  # (one, many)
    "inserted": ("new page", "new pages"),
    "updated": ("changed page", "changed pages"),
    "unchanged": ("already stored", "already stored"),
    "duplicate_in_file": ("repeated in the file", "repeated in the file"),
    "rejected": ("rejected", "rejected"),
}
NOT_MAPPED = "— leave out —"


@dataclass(frozen=True, slots=True)
class Rejection:
    """One rejected row as the wizard lists it."""

    line: str
    column: str
    value: str
    reason: str


@dataclass(frozen=True, slots=True)
class Unmatched:
    """Someone in the source who is none of our engineers: the map key, a label, their rows."""

    key: str
    label: str
    rows: int


def rejections(report: Any) -> list[Rejection]:
    """The rejected rows of a CSV or PagerDuty report."""
    if hasattr(report, "errors"):
        return [
            Rejection(str(e.line), e.column, e.value, f"{e.message} ({e.code})")
            for e in report.errors
        ]
    return [Rejection("", "log entry", r.source_id, r.reason) for r in report.rejected]


def unmatched(report: Any) -> list[Unmatched]:
    """The people of a report who matched no engineer."""
    if hasattr(report, "unmatched_engineers"):
        return [Unmatched(k, k, n) for k, n in sorted(report.unmatched_engineers.items())]
    return [
        Unmatched(u.email or u.user_id, f"{u.name} <{u.email}>" if u.email else u.name, u.pages)
        for u in report.unmatched
    ]


def _warn(label: QLabel) -> QLabel:
    palette = label.palette()
    palette.setColor(label.foregroundRole(), attention(palette))
    label.setPalette(palette)
    label.setWordWrap(True)
    return label


class SourcePage(QWizardPage):
    """Where the pages come from."""

    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__(wizard)
        self.w = wizard
        self.setTitle("Where is the paging history?")
        self.setSubTitle("Nothing is written until you have seen a preview.")
        self.csv_radio = QRadioButton("A &CSV file (a PagerDuty export, or the generic format)")
        self.pd_radio = QRadioButton("&PagerDuty, over a date range (needs an API token)")
        self.group = QButtonGroup(self)
        self.group.addButton(self.csv_radio)
        self.group.addButton(self.pd_radio)
        self.csv_radio.setChecked(True)
        self.path = QLineEdit(self)
        self.path.setAccessibleName("CSV file")
        self.path.setPlaceholderText("Choose a .csv file")
        browse = QPushButton("&Browse…", self)
        browse.clicked.connect(self._browse)
        self.zone = QComboBox(self)
        self.zone.setAccessibleName("Zone for times without an offset")
        self.zone.addItem("Times carry their offset (reject any that do not)", None)
        for z in all_zones():
            self.zone.addItem(z, z)
        today = wizard.ctx.clock().astimezone(wizard.zone_info()).date()
        self.since = QDateEdit(QDate(today - timedelta(days=90)), self)
        self.until = QDateEdit(QDate(today), self)
        for edit in (self.since, self.until):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("d MMM yyyy")
        self.since.setAccessibleName("First day")
        self.until.setAccessibleName("Last day")
        self.token_label = MutedLabel("", self)
        self.token_button = QPushButton("Enter &token…", self)
        self.token_button.clicked.connect(self.enter_token)

        path_row = QHBoxLayout()
        path_row.addWidget(self.path, 1)
        path_row.addWidget(browse)
        self.csv_box = QWidget(self)
        csv_form = QFormLayout(self.csv_box)
        csv_form.addRow("File:", path_row)
        csv_form.addRow("Zone for naive times:", self.zone)
        self.pd_box = QWidget(self)
        pd_form = QFormLayout(self.pd_box)
        dates = QHBoxLayout()
        dates.addWidget(self.since)
        dates.addWidget(QLabel("to", self))
        dates.addWidget(self.until)
        dates.addStretch(1)
        pd_form.addRow("Days:", dates)
        token_row = QHBoxLayout()
        token_row.addWidget(self.token_label, 1)
        token_row.addWidget(self.token_button)
        pd_form.addRow("Token:", token_row)
        column = QVBoxLayout(self)
        column.addWidget(self.csv_radio)
        column.addWidget(self.csv_box)
        column.addWidget(self.pd_radio)
        column.addWidget(self.pd_box)
        column.addStretch(1)
        for signal in (
            self.csv_radio.toggled,
            self.path.textChanged,
            self.since.dateChanged,
            self.until.dateChanged,
        ):
            signal.connect(self._changed)
        self._changed()

    @property
    def source(self) -> str:
        """CSV or PAGERDUTY."""
        return CSV if self.csv_radio.isChecked() else PAGERDUTY

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Paging history", "", "CSV files (*.csv);;All files (*)"
        )
        if path:
            self.path.setText(path)

    def enter_token(self) -> None:
        """Ask for the PagerDuty token (kept in the keyring, or for this session)."""
        CredentialsDialog.ask(self, PAGERDUTY_TOKEN, "PagerDuty API token")
        self._changed()

    def _changed(self) -> None:
        csv = self.source == CSV
        self.csv_box.setEnabled(csv)
        self.pd_box.setEnabled(not csv)
        _, words = stored_token(PAGERDUTY_TOKEN)
        self.token_label.setText(words)
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        if self.source == CSV:
            return Path(self.path.text().strip()).is_file()
        token, _ = stored_token(PAGERDUTY_TOKEN)
        return token is not None and self.since.date() <= self.until.date()


class _RunPanel(QWidget):
    """A progress bar, its message and Cancel."""

    def __init__(self, parent: QWidget, cancel: Callable[[], None]) -> None:
        super().__init__(parent)
        self.message = QLabel("", self)
        self.bar = QProgressBar(self)
        self.bar.setAccessibleName("Progress")
        self.cancel = QPushButton("Cancel", self)
        self.cancel.clicked.connect(cancel)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.message)
        row.addWidget(self.bar, 1)
        row.addWidget(self.cancel)

    def show_progress(self, value: Any) -> None:
        total, done = getattr(value, "total", 0), getattr(value, "done", 0)
        self.bar.setRange(0, max(total, 1))
        self.bar.setValue(min(done, max(total, 1)))
        self.message.setText(getattr(value, "message", ""))


class PreviewPage(QWizardPage):
    """The dry run: counts, rejected rows, people to map."""

    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__(wizard)
        self.w = wizard
        self.setTitle("Preview")
        self.setSubTitle("What an import would do. Nothing has been written yet.")
        self.setCommitPage(True)
        self.setButtonText(QWizard.WizardButton.CommitButton, "&Import")
        self.run = _RunPanel(self, wizard.cancel_run)
        self.error = _warn(QLabel("", self))
        self.error.setAccessibleName("Problem")
        self.counts = QLabel("", self)
        self.counts.setFont(scaled_font(self, 1.05, bold=True))
        self.counts.setWordWrap(True)
        self.counts.setAccessibleName("Outcome counts")
        self.rejected_title = QLabel("Rejected rows", self)
        self.rejected_title.setFont(scaled_font(self, 1.0, bold=True))
        self.rejected = QTableWidget(0, 4, self)
        self.rejected.setHorizontalHeaderLabels(["Line", "Column", "Value", "Reason"])
        self.rejected.setAccessibleName("Rejected rows")
        self.rejected.verticalHeader().hide()
        self.rejected.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.rejected.setWordWrap(False)
        self.rejected.setAlternatingRowColors(True)
        header = self.rejected.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.save_rejected = QPushButton("&Save rejected rows as CSV…", self)
        self.save_rejected.clicked.connect(wizard.save_rejected)
        self.mapping_title = QLabel("People nobody matched", self)
        self.mapping_title.setFont(scaled_font(self, 1.0, bold=True))
        self.mapping_help = MutedLabel(
            "Their pages are rejected unless you say who they are. Choose an engineer for "
            "each, then check again.",
            self,
        )
        self.mapping = QGridLayout()
        self.mapping_boxes: dict[str, QComboBox] = {}
        self.check_again = QPushButton("&Check again", self)
        self.check_again.clicked.connect(wizard.start_dry_run)
        column = QVBoxLayout(self)
        column.addWidget(self.run)
        column.addWidget(self.error)
        column.addWidget(self.counts)
        column.addWidget(self.rejected_title)
        column.addWidget(self.rejected, 1)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.save_rejected)
        column.addLayout(row)
        column.addWidget(self.mapping_title)
        column.addWidget(self.mapping_help)
        column.addLayout(self.mapping)
        again = QHBoxLayout()
        again.addStretch(1)
        again.addWidget(self.check_again)
        column.addLayout(again)
        self.show_report(None)

    def initializePage(self) -> None:
        self.w.start_dry_run()

    def isComplete(self) -> bool:
        return self.w.dry_report is not None and self.w.worker is None

    def show_report(self, report: Any) -> None:
        """Fill the page from a dry run's report (None: nothing yet)."""
        found = rejections(report) if report is not None else []
        people = unmatched(report) if report is not None else []
        self.counts.setText(self.w.counts_text(report) if report is not None else "")
        self.rejected.setRowCount(len(found))
        for r, item in enumerate(found):
            for c, text in enumerate((item.line, item.column, item.value, item.reason)):
                self.rejected.setItem(r, c, QTableWidgetItem(text))
        for w in (self.rejected_title, self.rejected, self.save_rejected):
            w.setVisible(bool(found))
        self._fill_mapping(people)
        for w in (self.mapping_title, self.mapping_help, self.check_again):
            w.setVisible(bool(people))
        self.completeChanged.emit()

    def _fill_mapping(self, people: list[Unmatched]) -> None:
        while self.mapping.count():
            item = self.mapping.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self.mapping_boxes = {}
        for r, person in enumerate(people):
            rows = f"{person.rows} {'row' if person.rows == 1 else 'rows'}"
            label = QLabel(f"{person.label} ({rows})", self)
            box = QComboBox(self)
            box.setAccessibleName(f"Engineer for {person.label}")
            box.addItem(NOT_MAPPED, None)
            for e in self.w.engineers:
                box.addItem(f"{e.name} ({e.email or e.handle})", e.id)
            chosen = self.w.engineer_map.get(person.key)
            if chosen is not None:
                box.setCurrentIndex(box.findData(chosen))
            box.currentIndexChanged.connect(
                lambda _=0, key=person.key, b=box: self.w.set_mapping(key, b.currentData())
            )
            self.mapping.addWidget(label, r, 0)
            self.mapping.addWidget(box, r, 1)
            label.show()  # added to a page on show: visible now, not at the next turn
            box.show()
            self.mapping_boxes[person.key] = box


class RunPage(QWizardPage):
    """The import itself, then its outcome."""

    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__(wizard)
        self.w = wizard
        self.setTitle("Import")
        self.run = _RunPanel(self, wizard.cancel_run)
        self.outcome = QLabel("", self)
        self.outcome.setWordWrap(True)
        self.outcome.setFont(scaled_font(self, 1.05, bold=True))
        self.outcome.setAccessibleName("Outcome")
        self.details = MutedLabel("", self)
        self.error = _warn(QLabel("", self))
        column = QVBoxLayout(self)
        column.addWidget(self.run)
        column.addWidget(self.outcome)
        column.addWidget(self.details)
        column.addWidget(self.error)
        column.addStretch(1)

    def initializePage(self) -> None:
        self.w.start_import()

    def isComplete(self) -> bool:
        return self.w.finished_import


class ImportWizard(QWizard):
    """Import paging history with a preview first.

    ``pagerduty_url`` points the PagerDuty client elsewhere (tests' local server).

    Signals:
        dry_run_done(): a preview finished (``dry_report`` is set, or ``error`` says why not).
        import_done(): the import finished, failed or was cancelled (``final_report``, ``error``).
        imported(): pages were written (the Load screen refreshes).
    """

    dry_run_done = Signal()
    import_done = Signal()
    imported = Signal()

    def __init__(
        self, ctx: AppContext, parent: QWidget | None = None, *, pagerduty_url: str | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.pagerduty_url = pagerduty_url
        self.zone = viewer_zone(ctx)
        self.setWindowTitle("Import paging history")
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        with ctx.sessions() as s:
            self.engineers: list[Engineer] = queries.list_engineers(s)
        self.engineer_map: dict[str, int] = {}
        self.dry_report: Any = None
        self.final_report: Any = None
        self.error = ""
        self.worker: Any = None
        self.finished_import = False
        self.cancelled = False
        self.source_page = SourcePage(self)
        self.preview_page = PreviewPage(self)
        self.run_page = RunPage(self)
        for page in (self.source_page, self.preview_page, self.run_page):
            self.addPage(page)
        unit = self.fontMetrics().height()
        self.resize(unit * 52, unit * 34)

    def zone_info(self) -> ZoneInfo:
        """The viewer's zone."""
        return zone_info(self.zone)

    # -- choices (also for tests and scripts) ---------------------------------------------

    def choose_csv(self, path: Path | str, zone: str | None = None) -> None:
        """Pick a CSV file and the zone of its naive timestamps (None: reject them)."""
        page = self.source_page
        page.csv_radio.setChecked(True)
        page.path.setText(str(path))
        page.zone.setCurrentIndex(max(0, page.zone.findData(zone)))

    def choose_pagerduty(self, first: date, last: date) -> None:
        """Pick PagerDuty over the local days ``first`` to ``last`` (viewer's zone)."""
        page = self.source_page
        page.pd_radio.setChecked(True)
        page.since.setDate(QDate(first))
        page.until.setDate(QDate(last))

    def set_mapping(self, key: str, engineer_id: int | None) -> None:
        """Say which engineer an unmatched person is (None: leave them out)."""
        if engineer_id is None:
            self.engineer_map.pop(key, None)
        else:
            self.engineer_map[key] = engineer_id

    # -- jobs -------------------------------------------------------------------------------

    def _job(self, dry_run: bool, holder: dict[str, Any]) -> Callable[[], Iterator[Any]]:
        from oncall import jobs

        page = self.source_page
        ctx, mapping = self.ctx, dict(self.engineer_map)
        if page.source == CSV:
            path, zone = Path(page.path.text().strip()), page.zone.currentData()

            def make() -> Iterator[Any]:
                return jobs.import_pages(
                    ctx.sessions,
                    path,
                    zone=zone,
                    dry_run=dry_run,
                    engineer_map=mapping,
                    now=ctx.clock(),
                )
        else:
            token, _ = stored_token(PAGERDUTY_TOKEN)
            first, last = page.since.date().toPython(), page.until.date().toPython()
            since, until = date_range(first, last, self.zone)
            until = min(until, ctx.clock())
            url = self.pagerduty_url

            def make() -> Iterator[Any]:
                if token is None:
                    raise RuntimeError("No PagerDuty token: enter one on the first page")
                return jobs.import_pagerduty(
                    ctx.sessions,
                    token,
                    since,
                    until,
                    base_url=url,
                    engineer_map=mapping,
                    dry_run=dry_run,
                    now=ctx.clock(),
                )

        def job() -> Iterator[Any]:
            for value in make():
                report = getattr(value, "report", None)
                if report is not None:
                    holder["report"] = report  # kept even if Cancel swallows this last step
                yield value

        return job

    def _start(self, dry_run: bool, panel: _RunPanel, done: Callable[[dict], None]) -> None:
        from oncall.ui.workers import Worker

        if self.worker is not None:
            return
        holder: dict[str, Any] = {}
        worker = Worker(self._job(dry_run, holder))
        self.worker, self.error, self.cancelled = worker, "", False
        panel.setVisible(True)
        panel.cancel.setEnabled(True)
        panel.bar.setRange(0, 0)
        panel.message.setText("Checking…" if dry_run else "Importing…")
        worker.signals.progress.connect(panel.show_progress)
        worker.signals.failed.connect(self._on_failed)
        worker.signals.cancelled.connect(self._on_cancelled)
        worker.signals.finished.connect(lambda: self._finish(worker, panel, holder, done))
        worker.start()

    def _on_failed(self, message: str) -> None:
        self.error = message

    def _on_cancelled(self) -> None:
        self.cancelled = True

    def _finish(self, worker: Any, panel: _RunPanel, holder: dict, done: Callable) -> None:
        if self.worker is worker:
            self.worker = None
        panel.cancel.setEnabled(False)
        panel.setVisible(False)
        done(holder)

    def cancel_run(self) -> None:
        """Cancel the running preview or import (it stops at its next step and rolls back)."""
        if self.worker is not None:
            self.worker.cancel()

    def start_dry_run(self) -> None:
        """Run the preview on the worker; ``dry_run_done`` when it ends."""
        self.dry_report = None
        self.preview_page.error.setText("")
        self.preview_page.show_report(None)
        self._start(True, self.preview_page.run, self._dry_done)

    def _dry_done(self, holder: dict) -> None:
        self.dry_report = holder.get("report")
        page = self.preview_page
        if self.cancelled:
            page.error.setText("Preview cancelled. Go back, or check again.")
            page.check_again.setVisible(True)
        elif self.error:
            page.error.setText(f"The preview could not run: {self.error}")
        page.show_report(self.dry_report)
        self.dry_run_done.emit()

    def start_import(self) -> None:
        """Run the import on the worker; ``import_done`` when it ends."""
        self.finished_import = False
        self.final_report = None
        self._start(False, self.run_page.run, self._import_done)

    def _import_done(self, holder: dict) -> None:
        report = holder.get("report")
        page = self.run_page
        self.final_report = report
        self.finished_import = True
        if report is not None:
            written = report.counts()["inserted"] + report.counts()["updated"]
            page.outcome.setText(
                ("Imported. " if not self.cancelled else "The import had already finished. ")
                + self.counts_text(report)
            )
            page.details.setText(
                "Re-importing the same file or range changes nothing."
                if written
                else "Nothing new: everything was already stored or rejected."
            )
            if written:
                self.imported.emit()
        elif self.cancelled:
            page.outcome.setText("Cancelled. Nothing was written.")
        else:
            page.outcome.setText("The import did not run. Nothing was written.")
            page.error.setText(self.error)
        page.completeChanged.emit()
        self.button(QWizard.WizardButton.CancelButton).setEnabled(False)
        self.import_done.emit()

    def counts_text(self, report: Any) -> str:
        """ "12 rows: 9 new pages, 1 already stored, 2 rejected"."""
        counts = report.counts()
        parts = [f"{n} {OUTCOME_WORDS[k][n != 1]}" for k, n in counts.items() if n]
        rows = report.rows
        return f"{rows} {'row' if rows == 1 else 'rows'}: " + (", ".join(parts) or "nothing")

    # -- rejected rows ----------------------------------------------------------------------

    def ask_rejected_path(self) -> Path | None:
        """Where to save the rejected rows (a file dialog; tests replace this)."""
        path, _ = QFileDialog.getSaveFileName(
            self, "Save rejected rows", "rejected.csv", "CSV files (*.csv)"
        )
        return Path(path) if path else None

    def save_rejected(self) -> Path | None:
        """Save the preview's rejected rows as CSV (atomically, formula-guarded)."""
        if self.dry_report is None:
            return None
        path = self.ask_rejected_path()
        if path is None:
            return None
        from oncall.exchange.pages_csv import RejectedWriter, RowError

        report = self.dry_report
        if hasattr(report, "write_rejected_csv"):
            report.write_rejected_csv(path)
        else:
            with RejectedWriter(path) as out:
                for n, r in enumerate(report.rejected, 1):
                    out.write(RowError(n, 0, "log entry", r.source_id, "E_PAGERDUTY", r.reason))
        return path

    def reject(self) -> None:
        """Closing the wizard cancels what runs (nothing half-written)."""
        self.cancel_run()
        super().reject()
