"""Rule 17 against the stored copy: a team checklist whose steps or branches change must raise
its version, compared with the last imported copy kept in the database (SQLite and
PostgreSQL). A file that breaks it is reported on its version line and the copy stays in use."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from oncall.db import checklists as stored
from oncall.db.engine import make_engine, make_session_factory, sqlite_url
from oncall.exchange import checklists

DATA = Path(__file__).resolve().parent.parent / "data" / "checklists"
TODAY = date(2026, 11, 20)
NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
GOOD = (DATA / "good.yaml").read_text(encoding="utf-8")
# "No" now leads to telling users too: a branch changed.
REBRANCHED = GOOD.replace('{label: "No", next: done}', '{label: "No", next: tell}')


def _copies(sessions: sessionmaker[Session]) -> dict[str, stored.ChecklistCopy]:
    with sessions.begin() as s:
        return stored.checklist_copies(s)


def _load(folder: Path, sessions: sessionmaker[Session], *, record: bool = True,
          now: datetime = NOW) -> checklists.Library:  # fmt: skip
    return checklists.load_library(folder, today=TODAY, sessions=sessions, now=now, record=record)


def test_the_first_import_is_kept_as_the_copy_shipped_ones_are_not(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    (tmp_path / "good.yaml").write_text(GOOD, encoding="utf-8")
    library = _load(tmp_path, sessions)
    assert library.errors == []
    copies = _copies(sessions)
    assert set(copies) == {"good"}  # the shipped web-triage is not a team checklist
    assert (copies["good"].version, copies["good"].text) == (2, GOOD)
    assert copies["good"].source == str(tmp_path / "good.yaml")
    assert copies["good"].imported_at == NOW


def test_a_changed_branch_without_a_new_version_is_refused_and_the_copy_stays_in_use(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    file = tmp_path / "good.yaml"
    file.write_text(GOOD, encoding="utf-8")
    _load(tmp_path, sessions)
    file.write_text(REBRANCHED, encoding="utf-8")
    library = _load(tmp_path, sessions, now=NOW + timedelta(days=1))
    [error] = library.errors
    assert (error.rule, error.line) == ("version", 4)  # the file's "version: 2" line
    assert str(error) == (
        f"{file}:4: version: steps or branches changed since version 2; raise version above 2 "
        "(compared with the copy imported 2026-11-20 09:30 UTC; oncall keeps using that "
        "version 2 until then)"
    )
    # The runner still offers the team's checklist, as it was last imported.
    assert library.checklists["good"].step("look").answers[1].next == "done"
    assert _copies(sessions)["good"].text == GOOD  # the refused file is not the new copy


def test_a_raised_version_is_accepted_and_becomes_the_copy(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    file = tmp_path / "good.yaml"
    file.write_text(GOOD, encoding="utf-8")
    _load(tmp_path, sessions)
    raised = REBRANCHED.replace("version: 2", "version: 3")
    file.write_text(raised, encoding="utf-8")
    library = _load(tmp_path, sessions)
    assert library.errors == []
    assert library.checklists["good"].step("look").answers[1].next == "tell"
    assert (_copies(sessions)["good"].version, _copies(sessions)["good"].text) == (3, raised)
    # Going back to version 2's steps is a change too: it needs version 4 now.
    file.write_text(GOOD, encoding="utf-8")
    assert [e.rule for e in _load(tmp_path, sessions).errors] == ["version"]


def test_rewording_needs_no_new_version_and_is_kept(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    file = tmp_path / "good.yaml"
    file.write_text(GOOD, encoding="utf-8")
    _load(tmp_path, sessions)
    reworded = GOOD.replace("Acknowledge the page.", "Acknowledge the page now.")
    file.write_text(reworded, encoding="utf-8")
    assert _load(tmp_path, sessions).errors == []
    assert _copies(sessions)["good"].text == reworded


def test_a_check_without_recording_keeps_nothing(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    file = tmp_path / "good.yaml"
    file.write_text(GOOD, encoding="utf-8")
    _load(tmp_path, sessions, record=False)
    assert _copies(sessions) == {}
    _load(tmp_path, sessions)
    file.write_text(REBRANCHED, encoding="utf-8")
    assert [e.rule for e in _load(tmp_path, sessions, record=False).errors] == ["version"]


def test_a_database_that_cannot_answer_loads_the_files_as_they_are(tmp_path: Path) -> None:
    engine = make_engine(sqlite_url(tmp_path / "never-migrated.sqlite"))
    try:
        (tmp_path / "team").mkdir()
        (tmp_path / "team" / "good.yaml").write_text(REBRANCHED, encoding="utf-8")
        library = _load(tmp_path / "team", make_session_factory(engine))
    finally:
        engine.dispose()
    assert library.errors == []
    assert library.checklists["good"].step("look").answers[1].next == "tell"


def test_another_client_learns_of_a_new_copy(engine) -> None:
    """The change feed covers the new table: on PostgreSQL through revision 0008's trigger,
    on SQLite through the file's data version."""
    from oncall.db.watch import ChangeWatch

    watch = ChangeWatch(engine)
    other = make_engine(engine.url.render_as_string(hide_password=False))
    try:
        assert watch.poll() is False  # the first poll connects
        with make_session_factory(other).begin() as s:
            stored.save_checklist_copy(s, stored.ChecklistCopy("good", 2, GOOD, "good.yaml", NOW))
        assert watch.poll() is True
    finally:
        watch.close()
        other.dispose()
