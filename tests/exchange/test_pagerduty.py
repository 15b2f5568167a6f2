"""The PagerDuty client and importer against a local server serving the documented shapes."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from oncall.db.pages import ImportBatch
from oncall.domain.model import Channel, Page, Severity, Urgency
from oncall.exchange import pagerduty
from oncall.exchange.pagerduty import Client, ImportReport, PagerDutyError, TokenRefusedError
from oncall.jobs import Progress
from tests.conftest import MemoryKeyring, Seeded
from tests.exchange.pd_server import ACCEPT, FakePagerDuty

SINCE = datetime(2026, 10, 1, tzinfo=UTC)
UNTIL = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.fixture
def pd() -> Iterator[FakePagerDuty]:
    """A fake PagerDuty account on 127.0.0.1 with two users, stopped after the test."""
    fake = FakePagerDuty()
    fake.add_user("PADA", "Ada Lovelace", "Ada@Example.com")
    fake.add_user("PBAO", "Bao Nguyen", "bao@example.com")
    fake.add_user("PZED", "Zed Outsider", "zed@contractor.example")
    fake.start()
    yield fake
    fake.stop()


class Sleeps(list[float]):
    """A ``sleep`` that records the seconds instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def busy_month(fake: FakePagerDuty, incidents: int) -> list[str]:
    """``incidents`` incidents spread over October, each paging Ada by SMS then phone;
    returns every notify entry id."""
    ids: list[str] = []
    step = (UNTIL - SINCE) / incidents
    for n in range(incidents):
        ids += fake.add_incident(
            f"PI{n:04d}",
            SINCE + step * n + timedelta(minutes=1),
            f"Checkout errors {n}",
            notify=(("PADA", "sms"), ("PADA", "phone")),
            acknowledged_by="PADA",
        )
    return ids


def fetch(client: Client, since: datetime = SINCE, until: datetime = UNTIL, **kw) -> list[dict]:
    return [e for batch in client.log_entries(since, until, **kw) for e in batch.entries]


# ------------------------------------------------------------------------------ requests


def test_requests_carry_the_token_and_the_v2_accept_header(pd: FakePagerDuty) -> None:
    pd.add_incident("PI1", SINCE + timedelta(days=1), "Disk full", notify=(("PADA", "sms"),))
    fetch(Client(pd.token, pd.url))
    assert pd.requests
    for seen in pd.requests:
        assert seen.headers["authorization"] == f"Token token={pd.token}"
        assert seen.headers["accept"] == ACCEPT
        assert seen.query["time_zone"] == ["UTC"]
        assert seen.query["is_overview"] == ["false"]
        assert seen.query["include[]"] == ["incidents"]
        assert seen.query["since"][0].endswith("Z")
        assert seen.query["until"][0].endswith("Z")


def test_pages_through_more_and_fetches_every_entry_once(pd: FakePagerDuty) -> None:
    ids = busy_month(pd, 60)  # 60 incidents x 5 entries = 300 entries in one window
    entries = fetch(Client(pd.token, pd.url, page_size=25), window=timedelta(days=31))
    notify = [e["id"] for e in entries if e["type"] == "notify_log_entry"]
    assert sorted(notify) == sorted(ids)
    assert len(entries) == len(pd.log_entries) == 300
    offsets = [int(r.query["offset"][0]) for r in pd.requests]
    assert offsets == list(range(0, 300, 25))  # 12 pages, `more` false on the last


def test_a_window_over_the_offset_limit_is_split_until_it_fits(pd: FakePagerDuty) -> None:
    ids = busy_month(pd, 60)
    pd.offset_limit = 40  # as PagerDuty past 10,000: a 400 for offset + limit > 40
    client = Client(pd.token, pd.url, page_size=10)  # the client believes 10,000
    entries = fetch(client, window=timedelta(days=31))
    assert len(entries) == 300
    assert len({e["id"] for e in entries}) == 300  # windows' shared edges not doubled
    assert sorted(e["id"] for e in entries if e["type"] == "notify_log_entry") == sorted(ids)
    refused = [r for r in pd.requests if int(r.query["offset"][0]) + 10 > 40]
    assert refused, "the server's limit was reached, so windowing was exercised"
    windows = {(r.query["since"][0], r.query["until"][0]) for r in pd.requests}
    assert len(windows) > 4


def test_a_client_told_the_limit_splits_before_asking_past_it(pd: FakePagerDuty) -> None:
    busy_month(pd, 60)
    pd.offset_limit = 40
    client = Client(pd.token, pd.url, page_size=10, offset_limit=40)
    entries = fetch(client, window=timedelta(days=31))
    assert len({e["id"] for e in entries}) == len(entries) == 300
    assert all(int(r.query["offset"][0]) + 10 <= 40 for r in pd.requests)  # never a 400


def test_entries_on_a_window_edge_come_once(pd: FakePagerDuty) -> None:
    edge = SINCE + timedelta(days=7)  # the first weekly window's end, the second's start
    pd.add_incident("PEDGE", edge - timedelta(seconds=5), "On the edge", notify=(("PADA", "sms"),))
    entries = fetch(Client(pd.token, pd.url))
    notify = [e for e in entries if e["type"] == "notify_log_entry"]
    assert [e["created_at"] for e in notify] == ["2026-10-08T00:00:00Z"]
    assert len({e["id"] for e in entries}) == len(entries)


def test_progress_covers_the_range_in_windows(pd: FakePagerDuty) -> None:
    batches = list(Client(pd.token, pd.url).log_entries(SINCE, UNTIL))
    assert [b.window_start for b in batches][:2] == [SINCE, SINCE + timedelta(days=7)]
    assert batches[-1].window_end == UNTIL
    assert batches[-1].done == batches[-1].total == UNTIL - SINCE
    assert [b.done for b in batches] == sorted(b.done for b in batches)


# ------------------------------------------------------------------------------ trouble


def test_429_waits_the_reset_header_then_goes_on(pd: FakePagerDuty) -> None:
    pd.add_incident("PI1", SINCE + timedelta(days=1), "Disk full", notify=(("PADA", "sms"),))
    pd.throttle, pd.reset_seconds = 2, 7
    sleeps = Sleeps()
    entries = fetch(Client(pd.token, pd.url, sleep=sleeps))
    assert sleeps == [7.0, 7.0]
    assert any(e["type"] == "notify_log_entry" for e in entries)


def test_500_is_retried_with_backoff(pd: FakePagerDuty) -> None:
    pd.add_incident("PI1", SINCE + timedelta(days=1), "Disk full", notify=(("PADA", "sms"),))
    pd.fail = 2
    sleeps = Sleeps()
    entries = fetch(Client(pd.token, pd.url, sleep=sleeps))
    assert sleeps == [1.0, 2.0]
    assert [e["type"] for e in entries] == [
        "resolve_log_entry",  # the fake answers newest first, as PagerDuty does by default
        "notify_log_entry",
        "trigger_log_entry",
    ]


def test_500_for_good_gives_up_with_the_status(pd: FakePagerDuty) -> None:
    pd.fail = 100
    sleeps = Sleeps()
    with pytest.raises(PagerDutyError, match="PagerDuty answered 500 to /log_entries"):
        fetch(Client(pd.token, pd.url, sleep=sleeps, retries=3))
    assert sleeps == [1.0, 2.0, 4.0]


def test_a_bad_token_is_named_as_such(pd: FakePagerDuty) -> None:
    with pytest.raises(TokenRefusedError) as raised:
        fetch(Client("not-the-token", pd.url))
    assert str(raised.value) == (
        "PagerDuty refused the API token: check it in Settings → PagerDuty"
    )
    assert "not-the-token" not in repr(raised.value)
    assert len(pd.requests) == 1  # no retrying a refused token


def test_no_network_says_so() -> None:
    # A port nobody listens on: bind one, note it, close it.
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(PagerDutyError, match=r"cannot reach PagerDuty at 127\.0\.0\.1.*network"):
        fetch(Client("token", f"http://127.0.0.1:{port}"))


def test_the_token_never_reaches_the_log_or_the_error(
    pd: FakePagerDuty, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    pd.fail = 100
    client = Client(pd.token, pd.url, sleep=Sleeps(), retries=1)
    with pytest.raises(PagerDutyError) as raised:
        fetch(client)
    assert pd.token not in str(raised.value) + repr(raised.value) + repr(client)
    assert pd.token not in caplog.text


# ------------------------------------------------------------------------------ to pages


def test_notify_entries_become_pages_with_the_documented_fields(pd: FakePagerDuty) -> None:
    at = datetime(2026, 10, 14, 2, 30, tzinfo=UTC)
    notify = pd.add_incident(
        "PNIGHT",
        at,
        "Payments API 5xx above 2%",
        urgency="high",
        priority="P1",
        notify=(("PADA", "sms"), ("PADA", "push_notification"), ("PBAO", "email")),
        acknowledged_by="PADA",
        ack_after=timedelta(minutes=3),
        resolve_after=timedelta(minutes=40),
    )
    client = Client(pd.token, pd.url)
    entries = fetch(client)
    users = {uid: client.user(uid) for uid in pagerduty.notify_user_ids(entries)}
    result = pagerduty.to_pages(entries, users, {"ada@example.com": 1, "bao@example.com": 2})
    pages = {p.source_id: p for p in result.pages}
    assert sorted(pages) == sorted(notify)
    sms, push, email = (pages[i] for i in notify)
    assert (sms.source, sms.engineer_id, sms.channel) == ("pagerduty", 1, Channel.SMS)
    assert sms.triggered_at == at + timedelta(seconds=5)
    assert sms.acknowledged_at == at + timedelta(minutes=3)
    assert sms.resolved_at == at + timedelta(minutes=40)
    assert (sms.incident_key, sms.title, sms.service) == (
        "PNIGHT",
        "Payments API 5xx above 2%",
        "Payments API",
    )
    assert (sms.urgency, sms.severity) == (Urgency.HIGH, Severity.CRITICAL)
    assert push.channel is Channel.PUSH
    assert (email.engineer_id, email.channel) == (2, Channel.EMAIL)
    assert email.acknowledged_at is None  # Bao did not acknowledge
    assert result.unmatched == ()


def test_unmatched_users_are_reported_with_counts_and_a_map_places_them(
    pd: FakePagerDuty,
) -> None:
    pd.add_incident(
        "PI1", SINCE + timedelta(days=2), "A", notify=(("PZED", "sms"), ("PADA", "sms"))
    )
    pd.add_incident("PI2", SINCE + timedelta(days=3), "B", notify=(("PZED", "phone"),))
    pd.add_incident("PI3", SINCE + timedelta(days=4), "C", notify=(("PGONE", "sms"),))
    client = Client(pd.token, pd.url)
    entries = fetch(client)
    users = {uid: u for uid in pagerduty.notify_user_ids(entries) if (u := client.user(uid))}
    assert "PGONE" not in users  # a deleted user: 404, still reported
    result = pagerduty.to_pages(entries, users, {"ada@example.com": 1})
    assert [p.engineer_id for p in result.pages] == [1]
    assert [(u.user_id, u.name, u.email, u.pages) for u in result.unmatched] == [
        ("PZED", "Zed Outsider", "zed@contractor.example", 2),
        ("PGONE", "PGONE", "", 1),
    ]
    mapped = pagerduty.to_pages(
        entries, users, {"ada@example.com": 1}, {"zed@contractor.example": 3, "PGONE": 4}
    )
    assert sorted(p.engineer_id for p in mapped.pages) == [1, 3, 3, 4]
    assert mapped.unmatched == ()


def test_utc_param_refuses_naive_instants() -> None:
    assert pagerduty.utc_param(datetime(2026, 10, 1, 9, tzinfo=UTC)) == "2026-10-01T09:00:00Z"
    with pytest.raises(ValueError, match="timezone-aware"):
        pagerduty.utc_param(datetime(2026, 10, 1, 9))


# ------------------------------------------------------------------------------ the import job


def run_import(seeded: Seeded, pd: FakePagerDuty, **kw: Any) -> tuple[list[Progress], ImportReport]:
    """Run the job to the end; returns (progress values, the report)."""
    from oncall.jobs import import_pagerduty

    kw.setdefault("sleep", Sleeps())
    values = list(
        import_pagerduty(
            seeded.ctx.sessions, pd.token, SINCE, UNTIL, base_url=pd.url, now=seeded.now, **kw
        )
    )
    *progress, last = values
    assert last.report is not None
    assert last.report.adds_up()
    return [*progress, last], last.report


def stored(seeded: Seeded) -> list[Page]:
    from oncall.db import pages

    with seeded.ctx.sessions() as s:
        return pages.list_pages(s, source="pagerduty")


def batches(seeded: Seeded) -> list[ImportBatch]:
    from oncall.db import pages

    with seeded.ctx.sessions() as s:
        return pages.list_import_batches(s)


@pytest.fixture
def paged_october(pd: FakePagerDuty) -> FakePagerDuty:
    """Ada (ada@example.com) paged by SMS and phone, Bao by push, Zed (no engineer) twice."""
    pd.add_incident(
        "PI1",
        datetime(2026, 10, 3, 2, 10, tzinfo=UTC),
        "DB failover",
        notify=(("PADA", "sms"), ("PADA", "phone")),
        acknowledged_by="PADA",
    )
    pd.add_incident(
        "PI2",
        datetime(2026, 10, 20, 14, 0, tzinfo=UTC),
        "Queue backlog",
        urgency="low",
        notify=(("PBAO", "push"), ("PZED", "sms")),
    )
    pd.add_incident(
        "PI3",
        datetime(2026, 10, 31, 23, 59, tzinfo=UTC),
        "Cert expiry",
        notify=(("PZED", "email"),),
        resolve_after=None,
    )
    return pd


def test_import_stores_pages_and_reports_the_unmatched(
    seeded_team: Seeded, paged_october: FakePagerDuty
) -> None:
    progress, report = run_import(seeded_team, paged_october)
    ada, bao = seeded_team.engineer("ada").id, seeded_team.engineer("bao").id
    pages = stored(seeded_team)
    assert [(p.engineer_id, p.channel, p.title) for p in pages] == [
        (ada, Channel.SMS, "DB failover"),
        (ada, Channel.PHONE, "DB failover"),
        (bao, Channel.PUSH, "Queue backlog"),
    ]
    assert pages[0].acknowledged_at == datetime(2026, 10, 3, 2, 14, tzinfo=UTC)
    assert pages[2].urgency is Urgency.LOW
    assert (report.entries, report.inserted, report.updated, report.unchanged) == (5, 3, 0, 0)
    assert report.rejected_count == 2
    assert report.entries == (
        report.inserted + report.updated + report.unchanged + report.rejected_count
    )
    assert [(u.email, u.pages) for u in report.unmatched] == [("zed@contractor.example", 2)]
    assert [b.inserted for b in batches(seeded_team)] == [3]
    assert report.batch_id == batches(seeded_team)[0].id
    assert progress[0].done == 0
    assert progress[-1].fraction == 1.0
    assert [p.done for p in progress] == sorted(p.done for p in progress)


def test_re_import_changes_nothing(seeded_team: Seeded, paged_october: FakePagerDuty) -> None:
    run_import(seeded_team, paged_october)
    before, batches_before = stored(seeded_team), batches(seeded_team)
    _, again = run_import(seeded_team, paged_october)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 3)
    assert again.batch_id is None
    assert stored(seeded_team) == before
    assert batches(seeded_team) == batches_before  # not even a batch row


def test_a_changed_incident_updates_its_pages(
    seeded_team: Seeded, paged_october: FakePagerDuty
) -> None:
    run_import(seeded_team, paged_october)
    paged_october.incidents["PI2"]["title"] = "Queue backlog (orders)"
    _, again = run_import(seeded_team, paged_october)
    assert (again.inserted, again.updated, again.unchanged) == (0, 1, 2)
    assert [p.title for p in stored(seeded_team)][-1] == "Queue backlog (orders)"


def test_dry_run_reports_without_writing(seeded_team: Seeded, paged_october: FakePagerDuty) -> None:
    _, report = run_import(seeded_team, paged_october, dry_run=True)
    assert (report.inserted, report.rejected_count, report.batch_id) == (3, 2, None)
    assert stored(seeded_team) == []
    assert batches(seeded_team) == []


def test_the_review_map_places_unmatched_users(
    seeded_team: Seeded, paged_october: FakePagerDuty
) -> None:
    dev = seeded_team.engineer("dev").id
    _, report = run_import(seeded_team, paged_october, engineer_map={"PZED": dev})
    assert report.unmatched == ()
    assert (report.inserted, report.rejected_count) == (5, 0)
    assert sum(p.engineer_id == dev for p in stored(seeded_team)) == 2
    assert not any(r.path == "/users/PZED" for r in paged_october.requests)  # not looked up


def test_an_outage_midway_writes_nothing(seeded_team: Seeded, paged_october: FakePagerDuty) -> None:
    paged_october.break_after = 3  # the fourth weekly window fails for good
    with pytest.raises(PagerDutyError, match="answered 500"):
        run_import(seeded_team, paged_october)
    assert stored(seeded_team) == []
    assert batches(seeded_team) == []


def test_a_cancelled_import_writes_nothing(
    seeded_team: Seeded, paged_october: FakePagerDuty
) -> None:
    from oncall.jobs import import_pagerduty

    job = import_pagerduty(
        seeded_team.ctx.sessions,
        paged_october.token,
        SINCE,
        UNTIL,
        base_url=paged_october.url,
        now=seeded_team.now,
        sleep=Sleeps(),
    )
    for value in job:
        if getattr(value, "message", "") == "Saving pages":
            job.close()  # the worker's cancel: close at the next yield
            break
    assert stored(seeded_team) == []
    assert batches(seeded_team) == []


def test_a_bad_token_fails_the_job_with_the_settings_hint(
    seeded_team: Seeded, paged_october: FakePagerDuty
) -> None:
    from oncall.jobs import import_pagerduty

    job = import_pagerduty(
        seeded_team.ctx.sessions, "wrong", SINCE, UNTIL, base_url=paged_october.url, sleep=Sleeps()
    )
    with pytest.raises(TokenRefusedError, match="Settings → PagerDuty"):
        list(job)


# ------------------------------------------------------------------------------ the CLI


def cli(args: list[str], now: datetime) -> int:
    from oncall.cli import main

    return main(args, clock=lambda: now)


@pytest.mark.usefixtures("cli_uses_ctx_database")
def test_cli_without_a_token_says_how_to_store_one(
    seeded_team: Seeded, paged_october: FakePagerDuty, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli(
        [
            "import",
            "pagerduty",
            "--since",
            "2026-10-01",
            "--until",
            "2026-10-31",
            "--base-url",
            paged_october.url,
        ],
        seeded_team.now,
    )
    err = capsys.readouterr().err
    assert code == 2
    assert "oncall credentials set pagerduty-token" in err
    assert paged_october.requests == []


@pytest.mark.usefixtures("cli_uses_ctx_database")
def test_cli_imports_with_the_stored_token_and_prints_json(
    seeded_team: Seeded,
    paged_october: FakePagerDuty,
    memory_keyring: MemoryKeyring,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import json

    memory_keyring.set_password("oncall", "pagerduty-token", paged_october.token)
    args = [
        "import",
        "pagerduty",
        "--since",
        "2026-10-01",
        "--until",
        "2026-10-31",
        "--tz",
        "UTC",
        "--base-url",
        paged_october.url,
        "--json",
    ]
    assert cli([*args, "--dry-run"], seeded_team.now) == 0
    dry = json.loads(capsys.readouterr().out)
    assert (dry["dry_run"], dry["counts"]["inserted"], stored(seeded_team)) == (True, 3, [])

    assert cli([*args, "--map", "PZED=dev"], seeded_team.now) == 0
    out = capsys.readouterr().out
    report = json.loads(out)
    assert report["schema"] == "oncall.import.pagerduty/1"
    assert (report["since"], report["until"]) == ("2026-10-01T00:00:00Z", "2026-11-01T00:00:00Z")
    assert report["rows"] == 5
    assert report["counts"] == {
        "inserted": 5,
        "updated": 0,
        "unchanged": 0,
        "duplicate_in_file": 0,
        "rejected": 0,
    }
    assert report["unmatched"] == []
    assert paged_october.token not in out
    assert len(stored(seeded_team)) == 5

    assert cli(args, seeded_team.now) == 0
    again = json.loads(capsys.readouterr().out)
    # Zed is not mapped this time: the engineer stored last time is kept, nothing changes.
    assert (again["counts"]["inserted"], again["counts"]["unchanged"]) == (0, 5)
    assert again["batch_id"] is None


@pytest.mark.usefixtures("cli_uses_ctx_database")
def test_cli_names_unmatched_users_and_a_bad_token(
    seeded_team: Seeded,
    paged_october: FakePagerDuty,
    memory_keyring: MemoryKeyring,
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = [
        "import",
        "pagerduty",
        "--since",
        "2026-10-01",
        "--until",
        "2026-10-31",
        "--base-url",
        paged_october.url,
    ]
    memory_keyring.set_password("oncall", "pagerduty-token", "stale-token")
    assert cli(args, seeded_team.now) == 2
    err = capsys.readouterr().err
    assert "PagerDuty refused the API token" in err
    assert "oncall credentials set pagerduty-token" in err
    assert "stale-token" not in err

    memory_keyring.set_password("oncall", "pagerduty-token", paged_october.token)
    assert cli(args, seeded_team.now) == 0
    out = capsys.readouterr().out
    assert "3 inserted, 0 updated, 0 unchanged, 0 duplicate in file, 2 rejected" in out
    assert "Zed Outsider <zed@contractor.example> (2 pages); add --map PZED=HANDLE" in out


def test_cli_credentials_set_status_delete(
    memory_keyring: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    now: datetime,
) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("u+secret-token\n"))
    assert cli(["credentials", "set", "pagerduty-token"], now) == 0
    assert memory_keyring.secrets == {("oncall", "pagerduty-token"): "u+secret-token"}
    assert cli(["credentials", "status", "pagerduty-token"], now) == 0
    assert cli(["credentials", "delete", "pagerduty-token"], now) == 0
    out = capsys.readouterr().out
    assert "pagerduty-token: stored" in out
    assert "pagerduty-token: deleted" in out
    assert "u+secret-token" not in out
    assert memory_keyring.secrets == {}


def test_cli_credentials_without_a_keyring_explains_and_stores_nothing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], now: datetime
) -> None:
    import io

    import keyring
    from keyring.backends import fail

    keyring.set_keyring(fail.Keyring())
    monkeypatch.setattr("sys.stdin", io.StringIO("u+secret-token\n"))
    assert cli(["credentials", "set", "pagerduty-token"], now) == 1
    err = capsys.readouterr().err
    assert "none is available right now" in err
    assert "u+secret-token" not in err
