"""Team checklists: the last imported copy of each (table ``checklist_copy``), for rule 17.

Triage rule 17 (reference/triage.md 9.2): a checklist's ``version`` must increase when its
steps or branches change, compared with the last imported copy. The copy is kept whole (the
YAML text) by checklist id, with its version, the file it came from and when.

On PostgreSQL the new table gets the change-notify trigger revision 0007 gives every data
table, so other clients learn of a new copy at commit.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 02:44:49.994412
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "checklist_copy",
        sa.Column("checklist_id", sa.String(length=40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=1000), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("checklist_id", name=op.f("pk_checklist_copy")),
    )
    if op.get_bind().dialect.name == "postgresql":
        # oncall_notify_change() is revision 0007's.
        op.execute(
            "CREATE TRIGGER checklist_copy_oncall_changes "
            "AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON checklist_copy "
            "FOR EACH STATEMENT EXECUTE FUNCTION oncall_notify_change()"
        )


def downgrade() -> None:
    # Dropping the table drops its trigger too.
    op.drop_table("checklist_copy")
