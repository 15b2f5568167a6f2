"""This build's schema revisions, known from the migration files' names alone.

Revision ids are ``0001``, ``0002``... and each migration file is named ``<id>_<slug>.py``,
so the head is known without importing Alembic or SQLAlchemy: the start-up path (the
read-only first frame in ``fastread``) and ``migrate`` both ask here.
"""

from __future__ import annotations

import re
from pathlib import Path

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
VERSIONS_DIR = MIGRATIONS_DIR / "versions"
VERSION_TABLE = "alembic_version"
_REVISION_FILE = re.compile(r"^(\d{4})_\w+\.py$")


def known_revisions() -> tuple[str, ...]:
    """This build's revision ids, oldest first (read from the versions folder's file names)."""
    found = (_REVISION_FILE.match(p.name) for p in VERSIONS_DIR.glob("*.py"))
    return tuple(sorted(m.group(1) for m in found if m))


def head_revision() -> str:
    """The newest revision this build knows (``"base"`` when there is none)."""
    known = known_revisions()
    return known[-1] if known else "base"
