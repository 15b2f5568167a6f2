"""A connection the server cut: the error that reaches the caller is the server's own
("terminating connection"), which ``is_connection_lost`` recognises, not one raised by the
change watch's bookkeeping on the dead connection."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from oncall.db.engine import make_engine
from oncall.db.watch import is_connection_lost, is_read_only_refusal

pytestmark = pytest.mark.sqlite_only  # no storage fixtures: it makes its own PostgreSQL database


def test_a_cut_connection_raises_the_servers_error(pg_database) -> None:
    url = pg_database()
    engine = make_engine(url)  # tracks its own connections (oncall.db.watch.track)
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with pytest.raises(OperationalError) as raised, engine.begin() as conn:  # noqa: PT012
            pid = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
            with admin.connect() as other:
                other.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
            conn.execute(text("SELECT 1"))  # the cut is met here, mid-transaction
        assert "terminating connection" in str(raised.value)
        assert is_connection_lost(raised.value)
        with engine.connect() as conn:  # the pool recovers: the next connection works
            assert conn.execute(text("SELECT 1")).scalar_one() == 1
    finally:
        admin.dispose()
        engine.dispose()


def test_a_read_only_refusal_is_told_apart(pg_database) -> None:
    url = pg_database()
    engine = make_engine(url)
    try:
        with pytest.raises(Exception) as raised, engine.begin() as conn:  # noqa: PT012
            conn.execute(text("SET TRANSACTION READ ONLY"))
            conn.execute(text("CREATE TABLE nope (x int)"))
        assert is_read_only_refusal(raised.value)
        assert not is_connection_lost(raised.value)
        assert not is_read_only_refusal(ValueError("no"))
    finally:
        engine.dispose()
