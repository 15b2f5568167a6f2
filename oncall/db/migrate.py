"""Schema migrations at start-up: refuse newer databases, back up, upgrade to head."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine


class DatabaseTooNew(RuntimeError):
    """The database was written by a newer oncall; nothing is read or written."""

    def __init__(self, database_revision: str, known_head: str) -> None:
        super().__init__(
            f"This database is at schema {database_revision}, written by a newer oncall; this "
            f"oncall knows schemas up to {known_head}. Update oncall to open it."
        )
        self.database_revision, self.known_head = database_revision, known_head


def check_and_upgrade(engine: Engine, backups: Path, keep: int = 10) -> Path | None:
    """Bring the schema to head; returns the backup made (SQLite, when behind) or None."""
    raise NotImplementedError
