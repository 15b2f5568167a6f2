"""Where oncall keeps its files: platform directories, or one folder chosen by the user."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DATA_DIR_ENV = "ONCALL_DATA_DIR"


@dataclass(frozen=True)
class AppPaths:
    """The folders oncall writes to; all of them live under one root when one is chosen."""

    data: Path
    config: Path
    state: Path
    cache: Path

    @property
    def database(self) -> Path:
        """The embedded SQLite database."""
        return self.data / "oncall.sqlite"

    @property
    def backups(self) -> Path:
        """Where the database is copied before a migration."""
        return self.data / "backups"

    @property
    def logs(self) -> Path:
        """Rotating log files and the crash log."""
        return self.state / "log"

    @property
    def settings_file(self) -> Path:
        """User preferences (TOML)."""
        return self.config / "settings.toml"

    def create(self) -> AppPaths:
        """Make every folder exist; returns self for chaining."""
        for folder in (self.data, self.config, self.state, self.cache, self.backups, self.logs):
            folder.mkdir(parents=True, exist_ok=True)
        return self


def app_paths(data_dir: str | Path | None = None) -> AppPaths:
    """The app's folders: ``data_dir``, else ``$ONCALL_DATA_DIR``, else the platform's.

    One chosen folder holds everything (data, config, state, cache) so that a test, a demo or
    a portable install never touches the user's real files.
    """
    chosen = data_dir or os.environ.get(DATA_DIR_ENV)
    if chosen:
        root = Path(chosen).expanduser().resolve()
        return AppPaths(root, root / "config", root / "state", root / "cache")
    from platformdirs import PlatformDirs  # only needed when no folder was chosen

    dirs = PlatformDirs("oncall", appauthor=False)
    return AppPaths(
        Path(dirs.user_data_dir),
        Path(dirs.user_config_dir),
        Path(dirs.user_state_dir),
        Path(dirs.user_cache_dir),
    )
