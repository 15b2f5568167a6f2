"""The layering CI enforces: import-linter contracts and ruff, clean on the repo, and able to fail.

Each check also runs against a copy of the package with a violation planted, so a contract that
silently stopped matching anything (a renamed package, a typo in pyproject.toml) fails here.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _tool(name: str) -> str:
    """A console script installed beside the interpreter running the tests."""
    path = BIN / name
    if not path.exists():
        pytest.fail(f"{name} is not installed in {BIN}; install requirements-dev.lock")
    return str(path)


def _run(args: list[str], cwd: Path, pythonpath: Path | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    if pythonpath is not None:
        # Ahead of the editable install, so the copy is what gets analysed.
        env["PYTHONPATH"] = str(pythonpath)
    return subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=60, check=False
    )


@pytest.fixture
def planted(tmp_path: Path) -> Path:
    """A copy of the package and its config with a Qt import in the domain and a db -> ui import."""
    shutil.copytree(
        ROOT / "oncall", tmp_path / "oncall", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    with (tmp_path / "oncall" / "domain" / "model.py").open("a", encoding="utf-8") as f:
        f.write("\nimport PySide6  # planted\n")
    with (tmp_path / "oncall" / "db" / "queries.py").open("a", encoding="utf-8") as f:
        f.write("\nimport oncall.ui  # planted\n")
    return tmp_path


def test_import_contracts_are_kept() -> None:
    result = _run([_tool("lint-imports"), "--no-cache", "--no-logo"], ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout
    assert "BROKEN" not in result.stdout


def test_import_contracts_catch_qt_in_domain_and_db_importing_ui(planted: Path) -> None:
    result = _run([_tool("lint-imports"), "--no-cache", "--no-logo"], planted, planted)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "oncall.domain.model -> PySide6" in output
    assert "oncall.db.queries -> oncall.ui" in output
    assert "0 kept, 2 broken" in output


def test_ruff_is_clean() -> None:
    result = _run([_tool("ruff"), "check", "--no-cache", "."], ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_bans_qt_outside_the_ui(planted: Path) -> None:
    model = planted / "oncall" / "domain" / "model.py"
    result = _run([_tool("ruff"), "check", "--no-cache", "--select", "TID251", str(model)], planted)
    assert result.returncode != 0
    assert "TID251" in result.stdout
    assert "Qt lives in oncall/ui/" in result.stdout


def test_ci_runs_the_readme_test_command() -> None:
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert _run(["bash", "-n", str(ROOT / ".ci" / "run")], ROOT).returncode == 0
    line = next(s for s in script.splitlines() if s.startswith("TEST_COMMAND="))
    command = line.split("=", 1)[1].strip("'")
    assert command.endswith(".venv/bin/pytest")
    assert command in (ROOT / "README.md").read_text(encoding="utf-8"), (
        "README's Quick start and .ci/run must run the same test command"
    )
