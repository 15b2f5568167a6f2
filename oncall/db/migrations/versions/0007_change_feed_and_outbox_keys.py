"""Change feed, outbox keys, append-only timeline on PostgreSQL.

- PostgreSQL: every data table gets a statement-level trigger calling
  ``pg_notify('oncall_changes', <table>)``, so a client that LISTENs learns, at the other
  client's commit, that something changed (``oncall.db.watch``). Notifications are sent only
  when the writing transaction commits and are merged within a transaction, so a bulk edit
  costs one message per table. SQLite needs nothing: ``PRAGMA data_version`` moves on when
  another connection commits.
- ``incident_event.client_key``: a unique id the writing client makes for each event (NULL
  for older rows), so an event delivered from the local outbox again after a crash is
  recognised and not inserted twice.
- PostgreSQL: the incident timeline is append-only, as revision 0003 made it on SQLite.

A later revision that adds a data table on PostgreSQL adds the same trigger to it:
``CREATE TRIGGER <table>_oncall_changes AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON
<table> FOR EACH STATEMENT EXECUTE FUNCTION oncall_notify_change()``.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 01:59:04.211723
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: The LISTEN/NOTIFY channel (``oncall.db.watch.CHANNEL`` says the same).
CHANNEL = "oncall_changes"

_APPEND_ONLY = "incident timeline events are append-only"


def _data_tables() -> list[str]:
    # Every table present at this revision, read from the database itself (a revision never
    # imports the models, which keep changing after it is written).
    names = sa.inspect(op.get_bind()).get_table_names()
    return sorted(n for n in names if n != "alembic_version")


def upgrade() -> None:
    with op.batch_alter_table("incident_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("client_key", sa.String(length=36), nullable=True))
        batch_op.create_index("ux_incident_event_client_key", ["client_key"], unique=True)

    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "CREATE FUNCTION oncall_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN PERFORM pg_notify('{CHANNEL}', TG_TABLE_NAME); RETURN NULL; END $$"
    )
    for table in _data_tables():
        op.execute(
            f"CREATE TRIGGER {table}_oncall_changes "
            f"AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION oncall_notify_change()"
        )
    # The timeline is append-only: corrections are new events, never edits.
    op.execute(
        "CREATE FUNCTION incident_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN RAISE EXCEPTION '{_APPEND_ONLY}'; END $$"
    )
    for action in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER incident_event_no_{action.lower()} BEFORE {action} "
            "ON incident_event FOR EACH ROW EXECUTE FUNCTION incident_event_append_only()"
        )


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if not sqlite:
        for action in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS incident_event_no_{action} ON incident_event")
        op.execute("DROP FUNCTION IF EXISTS incident_event_append_only()")
        for table in _data_tables():
            op.execute(f"DROP TRIGGER IF EXISTS {table}_oncall_changes ON {table}")
        op.execute("DROP FUNCTION IF EXISTS oncall_notify_change()")

    with op.batch_alter_table("incident_event", schema=None) as batch_op:
        batch_op.drop_index("ux_incident_event_client_key")
        batch_op.drop_column("client_key")

    if sqlite:
        # Dropping a column rebuilds the table on SQLite, and its triggers go with it.
        for action in ("UPDATE", "DELETE"):
            op.execute(f"DROP TRIGGER IF EXISTS incident_event_no_{action.lower()}")
            op.execute(
                f"CREATE TRIGGER incident_event_no_{action.lower()} BEFORE {action} "
                "ON incident_event BEGIN "
                f"SELECT RAISE(ABORT, '{_APPEND_ONLY}'); END"
            )
