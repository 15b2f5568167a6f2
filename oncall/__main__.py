"""``oncall``: with a subcommand it runs headless (oncall.cli); without one it opens the window.

Start-up order (reference/aesthetics.md 3.2): arguments, paths and settings, logging,
faulthandler, QApplication, crash reporter, main window, database (migrated; a newer one
refused). When the database is already at this build's schema the window paints first, from a
read-only snapshot, and the database opens right after (see ``run_window``); otherwise it
opens before the window. Qt is imported only on the window's path, so ``--version`` and every
subcommand stay Qt-free.

A team database (PostgreSQL) is never upgraded silently: when it is behind (or empty) a dialog
asks first (``oncall.ui.schema_dialog``); one from a newer oncall opens read-only, with the
reason in the window's banner.

``ONCALL_EXIT_AFTER_PAINT=1`` (the start-up benchmark) prints ``painted <seconds>`` after the
first paint and quits; ``ONCALL_EXIT_AFTER_PAINT=ready`` prints it, carries on, prints
``ready <seconds>`` once the database is open and the ledger refreshed, and quits.
"""

from __future__ import annotations

import argparse
import faulthandler
import logging
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import oncall

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication, QWidget

    from oncall.app import AppContext
    from oncall.db.fastread import Snapshot

log = logging.getLogger("oncall")

EXIT_AFTER_PAINT_ENV = "ONCALL_EXIT_AFTER_PAINT"
_MODULE_T0 = time.perf_counter()


def seconds_since_process_start() -> float:
    """Seconds since this process began (Linux: from /proc; elsewhere since this import)."""
    try:
        with open("/proc/self/stat", encoding="ascii") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        start_ticks = int(fields[19])  # field 22, starttime, in clock ticks after boot
        return time.clock_gettime(time.CLOCK_BOOTTIME) - start_ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, AttributeError):
        return time.perf_counter() - _MODULE_T0


def _subcommands() -> frozenset[str]:
    try:
        from oncall.cli import SUBCOMMANDS
    except ImportError:  # a build without the CLI: every word is then a usage error
        return frozenset()
    return frozenset(SUBCOMMANDS)


def _first_word(argv: Sequence[str]) -> str | None:
    """The first argument that is not an option or an option's value."""
    skip = False
    for arg in argv:
        if skip:
            skip = False
            continue
        if arg in ("--data-dir", "--resume-incident"):
            skip = True
            continue
        if arg == "--":
            return None
        if not arg.startswith("-"):
            return arg
    return None


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """The window's options."""
    parser = argparse.ArgumentParser(
        prog="oncall",
        description="Plan fair on-call rotations and see who is on call. Without a "
        "subcommand the window opens; `oncall COMMAND --help` describes the subcommands.",
    )
    parser.add_argument("--data-dir", help="keep every file in this folder (or $ONCALL_DATA_DIR)")
    parser.add_argument("--demo", action="store_true", help="open a demo team in its own database")
    parser.add_argument("--debug", action="store_true", help="verbose logging, also on stderr")
    parser.add_argument(
        "--resume-incident",
        type=int,
        metavar="ID",
        help="open the triage runner on this incident (what `oncall page` starts)",
    )
    parser.add_argument("--version", action="version", version=f"oncall {oncall.__version__}")
    return parser.parse_args(list(argv))


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``oncall`` command; returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    word = _first_word(argv)
    if word is not None and word in _subcommands():
        from oncall import cli

        return cli.main(argv)
    try:
        args = parse_args(argv)
    except SystemExit as stop:  # --version, --help and usage errors end here, Qt-free
        return stop.code if isinstance(stop.code, int) else 0
    return run_window(args)


def _start_faulthandler(log_dir: Path) -> tuple[TextIO, Path | None]:
    """Send hard-crash tracebacks to crash.log; returns the file and a previous crash, if any."""
    from oncall.logs import crash_log_file

    path = crash_log_file(log_dir)
    previous: Path | None = None
    if path.exists() and path.stat().st_size > 0:
        previous = path.with_name("crash-previous.log")
        path.replace(previous)
    stream = open(path, "w", encoding="utf-8")  # noqa: SIM115 - open for the process's life
    faulthandler.enable(stream)
    return stream, previous


def run_window(args: argparse.Namespace) -> int:
    """Open the main window and run the event loop.

    When the database can be read as it is (SQLite at this build's schema head; for the
    demo, once it exists) the window's first frame shows the real Now screen from a
    read-only snapshot (``oncall.db.fastread``), and the full context (SQLAlchemy, the
    migration check, the demo) opens right after that first paint, on the GUI thread; the
    ledger is then brought up to date on the worker. Otherwise (first run, a migration due)
    the database is opened first, as correctness asks.
    """
    from oncall.app import prepare_context
    from oncall.db.server import DatabaseUrlError
    from oncall.logs import log_file, setup_logging, start_rotation

    try:
        ctx = prepare_context(args.data_dir, demo=args.demo)
    except DatabaseUrlError as exc:  # a typo in ONCALL_DATABASE_URL: say so, no traceback
        return _refuse_database_url(exc)
    paths = ctx.paths
    setup_logging(paths.logs, debug=args.debug, rotate=False)  # rotating after the paint
    crash_stream, previous_crash = _start_faulthandler(paths.logs)
    log.info("oncall %s starting (data in %s; database: %s)", oncall.__version__, paths.data,
             ctx.database_label)  # fmt: skip

    from PySide6.QtCore import QtMsgType, qInstallMessageHandler
    from PySide6.QtWidgets import QApplication

    def qt_message(kind: QtMsgType, _context: object, message: str) -> None:
        level = {
            QtMsgType.QtDebugMsg: logging.DEBUG,
            QtMsgType.QtInfoMsg: logging.INFO,
            QtMsgType.QtWarningMsg: logging.WARNING,
        }.get(kind, logging.ERROR)
        logging.getLogger("qt").log(level, "%s", message)

    qInstallMessageHandler(qt_message)
    app = QApplication([sys.argv[0]])
    app.setApplicationName("oncall")
    app.setOrganizationName("oncall")
    app.setApplicationVersion(oncall.__version__)
    app.setDesktopFileName("oncall")

    from oncall.ui import icons
    from oncall.ui.crash import CrashReporter

    app.setWindowIcon(icons.app_icon())
    reporter = CrashReporter(log_file(paths.logs))
    reporter.install()
    try:
        # The first-frame snapshot reads SQLite only; a team server opens before the window.
        ctx.snapshot = None if ctx.is_shared else _snapshot(ctx.paths.database, demo=args.demo)
        if ctx.snapshot is None and _open(ctx) is None:
            return 1

        from oncall.ui import theme
        from oncall.ui.main_window import MainWindow

        theme.apply_theme(app, ctx.settings.theme)
        window = MainWindow(ctx, ready=False)
        window.pending_resume = getattr(args, "resume_incident", None)
        if previous_crash is not None:
            window.statusBar().showMessage(
                f"oncall stopped unexpectedly last time; its report is in {previous_crash}"
            )
        exit_mode = os.environ.get(EXIT_AFTER_PAINT_ENV, "")

        def after_first_paint() -> None:
            log.debug("first paint; sqlalchemy imported: %s", "sqlalchemy" in sys.modules)
            if exit_mode in ("1", "ready"):
                print(f"painted {seconds_since_process_start():.4f}", flush=True)  # noqa: T201
            start_rotation()
            if exit_mode == "1":
                app.quit()  # the benchmark's first paint: nothing after it is measured
                return
            if not ctx.is_open and _open(ctx) is None:
                app.exit(1)
                return
            window.attach_context(ctx)

        if exit_mode == "ready":
            window.context_attached.connect(lambda: _report_ready(app))
        _after_first_paint(window, after_first_paint)
        window.show()
        code = app.exec()
        log.info("oncall exiting (%s)", code)
        return code
    finally:
        reporter.uninstall()
        faulthandler.disable()
        crash_stream.close()


def _refuse_database_url(error: Exception) -> int:
    """Tell, in a plain message box (and on stderr), that ``ONCALL_DATABASE_URL`` cannot be
    read; returns exit code 2. The message shows the URL with its password masked."""
    from PySide6.QtWidgets import QApplication, QMessageBox

    from oncall.db.server import DATABASE_URL_ENV

    print(f"oncall: {DATABASE_URL_ENV}: {error}", file=sys.stderr)  # noqa: T201
    app = QApplication.instance() or QApplication([sys.argv[0]])
    box = QMessageBox(
        QMessageBox.Icon.Warning,
        "oncall can't read its database setting",
        f"The database named in {DATABASE_URL_ENV} can't be used, so oncall will close now. "
        "Nothing was opened or changed.",
    )
    box.setInformativeText(
        f"{error}\n\nCorrect {DATABASE_URL_ENV}, or unset it to use the database chosen in "
        "Settings → Database."
    )
    box.exec()
    del app
    return 2


def _snapshot(database: Path, *, demo: bool) -> Snapshot | None:
    """A read-only snapshot for the first frame, or None when the database must open first
    (missing, not at head, unreadable; a demo not built yet)."""
    from oncall.db.fastread import open_snapshot

    snapshot = open_snapshot(database)
    if snapshot is not None and demo and not snapshot.teams():
        snapshot.close()  # the demo is built when the database opens: show it built
        return None
    return snapshot


def _open(ctx: AppContext) -> AppContext | None:
    """Open the context's database (``app.open_database``); None after telling the user why
    it cannot be opened (a QApplication must exist: the reason is shown in a message box)."""
    from PySide6.QtWidgets import QMessageBox

    from oncall.app import open_database
    from oncall.db.migrate import DatabaseTooNew, SchemaBehind
    from oncall.db.server import ConnectionProblem

    try:
        return open_database(ctx)
    except ConnectionProblem as problem:
        if problem.kind == "unreachable":
            return _open_unreachable(ctx, problem)
        _cannot_open(problem)
        return None
    except SchemaBehind as behind:  # a team database: upgrading it is the user's choice
        log.warning("The team database needs an upgrade: %s", behind)
        from oncall.ui.schema_dialog import ask_to_upgrade

        return _open(ctx) if ask_to_upgrade(behind) else None
    except DatabaseTooNew as exc:
        log.error("Refused a newer database: %s", exc)
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "oncall needs an update",
            "This database was written by a newer version of oncall, so this version will not "
            "open it. Nothing in it was read or changed.",
        )
        box.setInformativeText(
            f"{exc}\n\nDatabase schema: {exc.database_revision}; "
            f"this oncall knows up to: {exc.known_head}."
        )
        box.exec()
        return None
    except Exception as exc:
        _cannot_open(exc)
        return None


def _cannot_open(exc: Exception) -> None:
    """Say that the database could not be opened and why (oncall then closes)."""
    from PySide6.QtWidgets import QMessageBox

    log.error("Could not open the database", exc_info=exc)
    box = QMessageBox(
        QMessageBox.Icon.Warning,
        "oncall could not open its database",
        "oncall could not open its database, so it will close now. Nothing was changed.",
    )
    box.setInformativeText(str(exc))
    box.setDetailedText(f"{type(exc).__name__}: {exc}")
    box.exec()


def _open_unreachable(ctx: AppContext, problem: Exception) -> AppContext | None:
    """The team server can't be reached: open its copy on this computer read-only (the
    banner says from when), or, without one, say why and offer Retry / Quit."""
    from PySide6.QtWidgets import QMessageBox

    from oncall.app import open_offline
    from oncall.ui.mirror import offline_reason
    from oncall.ui.zones import viewer_zone

    log.warning("The team server can't be reached: %s", problem)
    zone = viewer_zone(ctx)
    if open_offline(ctx, lambda taken: offline_reason(taken, zone, ctx.clock())):
        log.info("Opened the team server's copy on this computer, read-only")
        return ctx
    box = QMessageBox(
        QMessageBox.Icon.Warning,
        "oncall can't reach the team server",
        f"oncall can't reach the team server ({ctx.database_label}), and this computer has "
        "no copy of it yet. Nothing was changed.",
    )
    box.setInformativeText(str(problem))
    retry = box.addButton("Retry", QMessageBox.ButtonRole.AcceptRole)
    box.addButton("Quit", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(retry)
    box.exec()
    return _open(ctx) if box.clickedButton() is retry else None


def _after_first_paint(window: QWidget, callback: Callable[[], None]) -> None:
    """Call ``callback`` once, on the GUI thread, just after ``window``'s first paint."""
    from PySide6.QtCore import QEvent, QObject, QTimer

    class FirstPaint(QObject):
        def __init__(self) -> None:
            super().__init__(window)
            self.seen = False

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint and not self.seen:
                self.seen = True
                watched.removeEventFilter(self)
                QTimer.singleShot(0, callback)  # after this paint has finished
            return False

    window.installEventFilter(FirstPaint())


def _report_ready(app: QApplication) -> None:
    """For the start-up benchmark: ``ready <seconds>`` once the database is open and the
    ledger refreshed, then quit."""
    print(f"ready {seconds_since_process_start():.4f}", flush=True)  # noqa: T201
    app.quit()


if __name__ == "__main__":
    sys.exit(main())
