"""CalDAV publishing against a real Radicale server on loopback (formats.md 6.2)."""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import caldav
import pytest

from oncall import credentials
from oncall.db import calendar, commands
from oncall.domain.model import Override, Role
from oncall.exchange import caldav_publish, ical_export
from tests.conftest import Seeded

USER, PASSWORD = "tester", "s3cret"
# A four-week horizon keeps each publish to ~40 PUTs (Radicale fsyncs every one).
AHEAD = 28


@pytest.fixture(scope="module")
def radicale_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Radicale server on an ephemeral loopback port, with one user (htpasswd, plain)."""
    import radicale.config
    import radicale.server

    folder = tmp_path_factory.mktemp("radicale")
    users = folder / "users"
    users.write_text(f"{USER}:{PASSWORD}\n")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    conf = radicale.config.load()
    conf.update(
        {
            "server": {"hosts": f"127.0.0.1:{port}"},
            "auth": {
                "type": "htpasswd",
                "htpasswd_filename": str(users),
                "htpasswd_encryption": "plain",
                "delay": "0",
            },
            "rights": {"type": "owner_only"},
            "storage": {"filesystem_folder": str(folder / "collections")},
            "logging": {"level": "error"},
        },
        "test",
        privileged=True,
    )
    keep, give = socket.socketpair()  # closing ``keep`` shuts the server down
    thread = threading.Thread(target=radicale.server.serve, args=(conf, give), daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}/"
    for _ in range(200):
        try:
            urllib.request.urlopen(url, timeout=1).close()
            break
        except urllib.error.HTTPError:
            break  # it answers
        except OSError:
            time.sleep(0.05)
    yield url
    keep.close()
    thread.join(5)


@pytest.fixture
def collection(radicale_url: str, request: pytest.FixtureRequest) -> str:
    """A fresh calendar collection for this test; its URL."""
    import hashlib

    # cut to 40 characters, so a hash of the whole name keeps [sqlite] and [postgresql] apart
    whole = request.node.name
    tag = hashlib.sha1(whole.encode()).hexdigest()[:8]
    name = f"{whole.replace('[', '-').replace(']', '')[:31]}-{tag}".lower()
    with caldav.DAVClient(url=radicale_url, username=USER, password=PASSWORD) as client:
        cal = client.principal().make_calendar(name=name, cal_id=name)
        return str(cal.url)


def _server_events(url: str) -> dict[str, tuple[datetime, datetime, int, str]]:
    """UID -> (start, end, SEQUENCE, SUMMARY) of every event on the server, read by caldav."""
    with caldav.DAVClient(url=url, username=USER, password=PASSWORD) as client:
        cal = client.calendar(url=url)
        out = {}
        for item in cal.events():
            event = item.icalendar_component
            uid = str(event["UID"])
            assert uid not in out  # one resource per UID: never a duplicate
            out[uid] = (
                event["DTSTART"].dt,
                event["DTEND"].dt,
                int(event.get("SEQUENCE", 0)),
                str(event["SUMMARY"]),
            )
        return out


def _feed(seeded: Seeded, now: datetime) -> dict[str, tuple[datetime, datetime]]:
    start, end = ical_export.horizon(now, days_ahead=AHEAD)
    with seeded.ctx.sessions.begin() as s:
        feed = ical_export.load_team_feed(s, seeded.team.id, start, end, now)
    return {e.uid: (e.start, e.end) for e in feed.events}


def _publish(seeded: Seeded, url: str, now: datetime, **kw: object) -> calendar.PublishStatus:
    kw.setdefault("password", PASSWORD)
    kw.setdefault("days_ahead", AHEAD)
    return caldav_publish.publish_caldav(seeded.ctx.sessions, url, USER, now, **kw)  # type: ignore[arg-type]


def test_publish_then_edit_updates_in_place_and_removed_shifts_disappear(
    seeded_team: Seeded, collection: str
) -> None:
    now = seeded_team.now
    first = _publish(seeded_team, collection, now)
    assert first.ok, first.message
    on_server = _server_events(collection)
    expected = _feed(seeded_team, now)
    assert {u: (a, b) for u, (a, b, _, _) in on_server.items()} == expected
    assert {seq for _, _, seq, _ in on_server.values()} == {0}

    # Bao covers the middle of carmen's primary week: carmen's event is cut short (same UID,
    # higher SEQUENCE), Bao's and the rest of carmen's week are new events.
    ctx, team, bao = seeded_team.ctx, seeded_team.team, seeded_team.engineer("bao")
    begin = datetime(2026, 11, 18, 9, tzinfo=UTC)
    override = ctx.edit(
        team.id,
        lambda s: commands.add_override(
            s, Override(0, team.id, bao.id, begin, begin + timedelta(days=2), now, Role.PRIMARY)
        ),
    )
    later = now + timedelta(minutes=10)
    second = _publish(seeded_team, collection, later)
    assert second.ok, second.message
    after = _server_events(collection)
    assert {u: (a, b) for u, (a, b, _, _) in after.items()} == _feed(seeded_team, later)
    monday = datetime(2026, 11, 16, 9, tzinfo=UTC)
    carmen_week = next(u for u, (a, _, _, s) in on_server.items() if a == monday and "primary" in s)
    assert after[carmen_week][1] == begin  # cut short, in place
    assert after[carmen_week][2] == 1  # SEQUENCE rose
    assert any("Bao Nguyen" in s and a == begin for a, _, _, s in after.values())
    assert second.written < len(after)  # only the changed events were sent
    assert second.unchanged > 0

    # The override removed: its pieces vanish from the server, carmen's week is whole again.
    with ctx.sessions.begin() as s:
        commands.delete_override(s, override.id)
        commands.materialise(s, team.id, later, timedelta(days=180))
    third = _publish(seeded_team, collection, later + timedelta(minutes=10))
    assert third.ok, third.message
    assert third.deleted == 2
    final = _server_events(collection)
    assert set(final) == set(on_server)  # the original events, no leftovers, no duplicates
    assert final[carmen_week][1] == datetime(2026, 11, 23, 9, tzinfo=UTC)
    assert final[carmen_week][2] == 2
    with ctx.sessions.begin() as s:
        status = calendar.publish_status(s, "caldav")
    assert status == third


def test_unchanged_schedule_sends_nothing(seeded_team: Seeded, collection: str) -> None:
    _publish(seeded_team, collection, seeded_team.now)
    again = _publish(seeded_team, collection, seeded_team.now + timedelta(hours=1))
    assert again.ok
    assert (again.written, again.deleted) == (0, 0)


def test_wrong_password_is_a_clear_error(seeded_team: Seeded, collection: str) -> None:
    status = _publish(seeded_team, collection, seeded_team.now, password="wrong")
    assert not status.ok
    assert "refused the user name or password" in status.message
    with seeded_team.ctx.sessions.begin() as s:
        assert calendar.publish_status(s, "caldav") == status
        assert (
            calendar.caldav_items(s, collection if collection.endswith("/") else collection + "/")
            == {}
        )


def test_unreachable_server_is_a_clear_error(seeded_team: Seeded) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nobody listens there
    status = _publish(seeded_team, f"http://127.0.0.1:{port}/tester/cal/", seeded_team.now,
                      timeout=5)  # fmt: skip
    assert not status.ok
    assert "Cannot reach the CalDAV server" in status.message


def test_a_url_that_is_not_a_calendar_is_refused(seeded_team: Seeded, radicale_url: str) -> None:
    with caldav.DAVClient(url=radicale_url, username=USER, password=PASSWORD) as client:
        client.principal()  # creates the user's home collection
    status = _publish(seeded_team, radicale_url + f"{USER}/", seeded_team.now)
    assert not status.ok
    assert "is not a calendar collection" in status.message


def test_password_comes_from_the_keyring(seeded_team: Seeded, collection: str) -> None:
    missing = caldav_publish.publish_caldav(
        seeded_team.ctx.sessions, collection, USER, seeded_team.now, days_ahead=AHEAD
    )
    assert not missing.ok
    assert "No CalDAV password is stored" in missing.message
    credentials.set_secret(caldav_publish.PASSWORD_SECRET, PASSWORD)  # the MemoryKeyring
    status = caldav_publish.publish_caldav(
        seeded_team.ctx.sessions, collection, USER, seeded_team.now, days_ahead=AHEAD
    )
    assert status.ok, status.message
    assert len(_server_events(collection)) == status.written


@pytest.mark.skipif(
    os.environ.get("ONCALL_TEST_SECRET_SERVICE") != "1",
    reason="needs a running, unlocked Secret Service (set ONCALL_TEST_SECRET_SERVICE=1; CI does)",
)
def test_password_through_a_real_secret_service(seeded_team: Seeded, collection: str) -> None:
    import keyring
    from keyring.backends import SecretService

    backend = SecretService.Keyring()
    keyring.set_keyring(backend)
    try:
        credentials.set_secret(caldav_publish.PASSWORD_SECRET, PASSWORD)
        assert backend.get_password("oncall", caldav_publish.PASSWORD_SECRET) == PASSWORD
        status = caldav_publish.publish_caldav(
            seeded_team.ctx.sessions, collection, USER, seeded_team.now
        )
        assert status.ok, status.message
    finally:
        with contextlib.suppress(Exception):
            backend.delete_password("oncall", caldav_publish.PASSWORD_SECRET)


@pytest.mark.usefixtures("cli_uses_ctx_database")
def test_cli_publish_runs_both_targets(
    seeded_team: Seeded, collection: str, tmp_path: Path
) -> None:
    from oncall import cli

    ctx = seeded_team.ctx
    ctx.save_settings(
        ctx.settings.with_(
            publish_folder=str(tmp_path / "feeds"),
            caldav_url=collection,
            caldav_user=USER,
            calendar_days_ahead=AHEAD,
        )
    )
    credentials.set_secret(caldav_publish.PASSWORD_SECRET, PASSWORD)
    code = cli.main(["publish", "--data-dir", str(ctx.paths.data)], clock=lambda: seeded_team.now)
    assert code == 0
    assert (tmp_path / "feeds" / "team-payments.ics").is_file()
    assert set(_server_events(collection)) == set(_feed(seeded_team, seeded_team.now))
