"""Tray: what it says and which reminders fire (pure), and that each fires once (controller)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pytestqt.qtbot import QtBot

from oncall.domain.model import Provenance, Role, Shift, SourceKind
from oncall.ui.tray_status import due_reminders, merge_own_shifts, tray_status

T0 = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)  # a Monday; London is on GMT
NAMES = {1: "Payments"}
ROTATION = Provenance(SourceKind.ROTATION, rotation_id=1)


def shift(start: datetime, hours: float, role: Role = Role.PRIMARY) -> Shift:
    return Shift(1, role, 7, start, start + timedelta(hours=hours), ROTATION)


def test_on_call_tooltip_names_team_role_and_end() -> None:
    status = tray_status([shift(T0, 24)], T0 + timedelta(hours=1), "Europe/London", NAMES)
    assert status.on_call
    assert status.tooltip == "You are on call (Payments primary) until Tue 09:00"


def test_off_call_tooltip_names_the_next_shift() -> None:
    status = tray_status([shift(T0, 24)], T0 - timedelta(hours=3), "Australia/Sydney", NAMES)
    assert not status.on_call
    assert status.tooltip == "Not on call · next shift Mon 20:00 (Payments primary)"


def test_tooltip_without_shifts_or_without_me() -> None:
    assert tray_status([], T0, "UTC", NAMES).tooltip == "Not on call · no shifts planned"
    unknown = tray_status([], T0, "UTC", NAMES, me_known=False)
    assert "choose who you are in Settings" in unknown.tooltip


def test_back_to_back_shifts_are_one_stretch() -> None:
    merged = merge_own_shifts([shift(T0, 24), shift(T0 + timedelta(hours=24), 24)])
    assert [(s.start, s.end) for s in merged] == [(T0, T0 + timedelta(hours=48))]
    # so there is no "ended" and "started" at the inner handoff
    inner = T0 + timedelta(hours=24, minutes=1)
    shifts = [shift(T0, 24), shift(T0 + timedelta(hours=24), 24)]
    assert due_reminders(shifts, inner, "UTC", NAMES, 30) == []


def test_reminder_before_start_at_start_and_at_end() -> None:
    shifts = [shift(T0, 8)]
    before = due_reminders(shifts, T0 - timedelta(minutes=20), "Europe/London", NAMES, 30)
    assert [r.title for r in before] == ["Your on-call shift starts soon"]
    assert "Payments primary starts Mon 09:00 (in 20 min)" in before[0].message
    start = due_reminders(shifts, T0 + timedelta(minutes=2), "Europe/London", NAMES, 30)
    assert [r.title for r in start] == ["You are on call now"]
    end = due_reminders(shifts, T0 + timedelta(hours=8, minutes=1), "Europe/London", NAMES, 30)
    assert [r.title for r in end] == ["Your on-call shift has ended"]


def test_reminders_outside_their_moment_do_not_fire() -> None:
    shifts = [shift(T0, 8)]
    assert due_reminders(shifts, T0 - timedelta(minutes=31), "UTC", NAMES, 30) == []
    assert due_reminders(shifts, T0 + timedelta(hours=2), "UTC", NAMES, 30) == []  # mid-shift
    assert due_reminders(shifts, T0 + timedelta(hours=9), "UTC", NAMES, 30) == []  # slept through
    assert due_reminders(shifts, T0 - timedelta(minutes=10), "UTC", NAMES, 0) == []  # turned off


def test_shown_reminders_are_not_repeated() -> None:
    shifts = [shift(T0, 8)]
    first = due_reminders(shifts, T0 - timedelta(minutes=20), "UTC", NAMES, 30)
    again = due_reminders(
        shifts, T0 - timedelta(minutes=10), "UTC", NAMES, 30, {r.key for r in first}
    )
    assert again == []


def test_controller_fires_each_reminder_once(qtbot: QtBot, seeded_team, london) -> None:
    from oncall.ui.tray import TrayController

    ada = seeded_team.engineer("ada")
    london.settings = london.settings.with_(me_engineer_id=ada.id, reminder_minutes=30)
    tray = TrayController(london)
    # ada's next shift: Payments secondary, Tue 17 Nov 09:00 -> Wed 09:00 (London = UTC)
    tuesday = datetime(2026, 11, 17, 9, 0, tzinfo=UTC)
    with qtbot.waitSignal(tray.reminder_shown, timeout=2000) as blocker:
        tray.check(tuesday - timedelta(minutes=25))
    assert blocker.args[0] == "Your on-call shift starts soon"
    with qtbot.assertNotEmitted(tray.reminder_shown):
        tray.check(tuesday - timedelta(minutes=10))
    assert not tray.status.on_call
    assert tray.status.tooltip == "Not on call · next shift Tue 09:00 (Payments secondary)"
    shown = tray.check(tuesday + timedelta(minutes=1))
    assert [r.title for r in shown] == ["You are on call now"]
    assert tray.status.on_call
    assert tray.check(tuesday + timedelta(minutes=3)) == []
    ended = tray.check(tuesday + timedelta(days=1, minutes=2))
    assert [r.title for r in ended] == ["Your on-call shift has ended"]


def test_controller_without_me_says_how_to_choose(qtbot: QtBot, seeded_team, london) -> None:
    from oncall.ui.tray import TrayController

    tray = TrayController(london)
    assert tray.check(seeded_team.now) == []
    assert "Settings" in tray.status.tooltip
