"""The last imported copy of each team checklist (triage.md 9.2 rule 17: a checklist whose
steps or branches change must raise its ``version``, compared with the last imported copy).

Registered on the shared ``Base`` by one import line at the end of ``oncall/db/models.py``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from oncall.db.models import Base, UTCDateTime


class ChecklistCopyRow(Base):
    """A team checklist as it was last imported from the team's folder, by checklist id.

    ``text`` is the whole YAML file, so the copy can be read again (and compared, or used
    while a newer file breaks rule 17) even after the file changed or went away; ``version``
    is its ``version``; ``source`` the file it came from; ``imported_at`` when.
    """

    __tablename__ = "checklist_copy"

    checklist_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(1000), default="")
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime)
