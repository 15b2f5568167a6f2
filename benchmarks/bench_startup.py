"""Start-up benchmark: ``oncall --demo`` to its first painted window vs an empty PySide6 window.

Targets (issue 3): at most 1.3x the baseline's time to first paint and 1.6x its peak memory.
Every run is a fresh process with ``QT_QPA_PLATFORM=offscreen``; oncall and the baseline
alternate so that a busy machine slows both alike. The demo database is created once before
timing (what a user meets every day is an existing database); that first-ever start, which
creates the demo, is reported on its own.

Time to first paint is measured by this process (launch until the child's ``painted`` line is
read) and also reported as the child sees it (its printed seconds since its own start). Peak
memory is the child's maximum resident set size, from ``os.wait4``; with
``ONCALL_EXIT_AFTER_PAINT=1`` oncall quits right after that paint, so it is the peak up to it.

A second figure, with no target: "ready", the time until the full context is open (SQLAlchemy,
migration check, demo) and the start-up ledger refresh has finished, and the peak memory then
(``ONCALL_EXIT_AFTER_PAINT=ready``: oncall prints ``painted``, carries on, prints ``ready``).

    .venv/bin/python benchmarks/bench_startup.py [--runs 9]

To see where start-up time goes: ``ONCALL_EXIT_AFTER_PAINT=1 QT_QPA_PLATFORM=offscreen
.venv/bin/python -X importtime -m oncall --demo 2>imports.txt`` (sort by the second column).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
TIME_TARGET = 1.3
MEMORY_TARGET = 1.6
TIMEOUT_S = 60.0


@dataclass(frozen=True)
class Run:
    """One start-up, as seen from outside and inside the process."""

    to_paint: float  # seconds from launch until the "painted" line was read
    reported: float  # seconds the child printed (since its own start)
    wall: float  # seconds from launch until the process exited
    peak_rss_mb: float
    to_ready: float | None = None  # seconds until the "ready" line (oncall's ready runs)


def oncall_command() -> list[str]:
    """How a user starts oncall: the installed script, else ``python -m oncall``."""
    script = Path(sys.executable).parent / "oncall"
    if script.exists():
        return [str(script), "--demo"]
    return [sys.executable, "-m", "oncall", "--demo"]


def baseline_command() -> list[str]:
    """The empty PySide6 window."""
    return [sys.executable, str(HERE / "empty_window.py")]


def measure(command: list[str], env: dict[str, str], *, ready: bool = False) -> Run:
    """Start ``command`` once; wait for its ``painted`` line (and ``ready``) and its exit."""
    if ready:
        env = {**env, "ONCALL_EXIT_AFTER_PAINT": "ready"}
    start = time.perf_counter()
    proc = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    to_paint = reported = to_ready = None
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("painted "):
            to_paint = time.perf_counter() - start
            reported = float(line.split()[1])
            if not ready:
                break
        elif line.startswith("ready "):
            to_ready = time.perf_counter() - start
            break
    proc.stdout.read()  # drain, so the child never blocks on a full pipe
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    errors = proc.stderr.read() if proc.stderr else ""
    if to_paint is None or reported is None or proc.returncode != 0 or (ready and not to_ready):
        raise SystemExit(
            f"{' '.join(command)} did not report a paint (exit {proc.returncode}):\n{errors}"
        )
    # ru_maxrss is in kilobytes on Linux, in bytes on macOS.
    scale = 1024 * 1024 if sys.platform == "darwin" else 1024
    return Run(to_paint, reported, wall, usage.ru_maxrss / scale, to_ready)


def summary(name: str, runs: list[Run]) -> str:
    """One line of medians (and the spread of the time to paint)."""
    paints = [r.to_paint for r in runs]
    return (
        f"{name:<14} to paint {statistics.median(paints):6.3f} s "
        f"(min {min(paints):.3f}, max {max(paints):.3f})  "
        f"reported {statistics.median(r.reported for r in runs):6.3f} s  "
        f"exit {statistics.median(r.wall for r in runs):6.3f} s  "
        f"peak RSS {statistics.median(r.peak_rss_mb for r in runs):6.1f} MB"
    )


def verdict(label: str, ratio: float, target: float) -> str:
    """A ratio against its target, with PASS or FAIL."""
    return (
        f"{label:<22} {ratio:5.2f}x  (target <= {target}x)  {'PASS' if ratio <= target else 'FAIL'}"
    )


def import_costs(env: dict[str, str], runs: int = 3, top: int = 15) -> list[tuple[float, str]]:
    """The costliest imports of ``oncall --demo`` (cumulative ms, best of ``runs``)."""
    import re

    line = re.compile(r"import time:\s+-?\d+ \|\s+(-?\d+) \|( *)(\S+)")
    best: dict[str, float] = {}
    for _ in range(runs):
        command = [sys.executable, "-X", "importtime", "-m", "oncall", "--demo"]
        result = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
        for match in map(line.match, result.stderr.splitlines()):
            if match and len(match[2]) <= 4:  # top-level imports and their children
                name = f"{'  ' * (len(match[2]) // 2)}{match[3]}"
                best[name] = min(best.get(name, float("inf")), int(match[1]) / 1000)
    return sorted(((ms, name) for name, ms in best.items()), reverse=True)[:top]


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the figures; exit status 1 when a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9, help="runs of each (default 9)")
    parser.add_argument(
        "--imports", action="store_true", help="also list the costliest imports (-X importtime)"
    )
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="oncall-bench-") as data_dir:
        env = dict(os.environ)
        env.update(
            QT_QPA_PLATFORM="offscreen",
            ONCALL_DATA_DIR=data_dir,
            ONCALL_EXIT_AFTER_PAINT="1",
            PYTHONDONTWRITEBYTECODE="0",
        )
        env.pop("PYTHONPROFILEIMPORTTIME", None)

        # Warm the OS file cache and the bytecode caches of both, untimed.
        measure(baseline_command(), env)
        first = measure(oncall_command(), env)  # creates the demo database
        print(
            f"first-ever start (creates the demo): to paint {first.to_paint:.3f} s, "
            f"peak RSS {first.peak_rss_mb:.1f} MB"
        )

        if args.imports:
            print("costliest imports on the way to the first paint (ms, cumulative, best of 3):")
            for ms, name in import_costs(env):
                print(f"  {ms:7.1f}  {name}")

        ours: list[Run] = []
        base: list[Run] = []
        readies: list[Run] = []
        for _ in range(args.runs):
            base.append(measure(baseline_command(), env))
            ours.append(measure(oncall_command(), env))
            readies.append(measure(oncall_command(), env, ready=True))

    print(
        f"{args.runs} alternating runs each, QT_QPA_PLATFORM=offscreen, "
        f"Python {sys.version.split()[0]}"
    )
    print(summary("empty window", base))
    print(summary("oncall --demo", ours))
    ready_times = [r.to_ready for r in readies if r.to_ready is not None]
    print(
        f"{'ready':<14} database open and ledger refreshed {statistics.median(ready_times):6.3f} s "
        f"(min {min(ready_times):.3f}, max {max(ready_times):.3f})  "
        f"peak RSS {statistics.median(r.peak_rss_mb for r in readies):6.1f} MB  (no target)"
    )
    time_ratio = statistics.median(r.to_paint for r in ours) / statistics.median(
        r.to_paint for r in base
    )
    memory_ratio = statistics.median(r.peak_rss_mb for r in ours) / statistics.median(
        r.peak_rss_mb for r in base
    )
    print(verdict("time to first paint", time_ratio, TIME_TARGET))
    print(verdict("peak memory", memory_ratio, MEMORY_TARGET))
    return 0 if time_ratio <= TIME_TARGET and memory_ratio <= MEMORY_TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
