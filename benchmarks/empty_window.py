"""Start-up baseline: the least a PySide6 app can do, an empty QMainWindow shown and painted.

Prints ``painted <seconds since the process started>`` after the window's first paint, then
quits. ``bench_startup.py`` runs it in fresh processes beside ``oncall --demo`` (which prints
the same line when ``ONCALL_EXIT_AFTER_PAINT=1``).
"""

from __future__ import annotations

import os
import sys
import time


def seconds_since_process_start() -> float:
    """Time since the kernel started this process (Linux), else since this module ran."""
    try:
        with open("/proc/self/stat", encoding="ascii") as f:
            # The command name (field 2) may hold spaces; fields after its ")" are fixed.
            fields = f.read().rsplit(")", 1)[1].split()
        start_ticks = int(fields[19])  # field 22, starttime, in clock ticks after boot
        return time.clock_gettime(time.CLOCK_BOOTTIME) - start_ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, AttributeError):
        return time.perf_counter() - _MODULE_T0


_MODULE_T0 = time.perf_counter()


def main() -> int:
    """Show an empty main window, report its first paint, quit."""
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication, QMainWindow

    class FirstPaint(QObject):
        """Reports the first paint event of the object it watches, then quits the app."""

        def __init__(self) -> None:
            super().__init__()
            self.seen = False

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint and not self.seen:
                self.seen = True
                # After this paint is done (next turn of the loop), so the paint itself counts.
                QTimer.singleShot(0, self.report)
            return False

        def report(self) -> None:
            print(f"painted {seconds_since_process_start():.4f}", flush=True)
            QApplication.quit()

    app = QApplication(sys.argv)
    window = QMainWindow()
    window.setWindowTitle("empty")
    window.resize(1200, 780)
    watcher = FirstPaint()
    window.installEventFilter(watcher)
    window.show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
