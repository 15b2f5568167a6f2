"""The team screen's table models: consistent for Qt, readable cells, natural sorting."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from PySide6.QtCore import Qt

from oncall.domain.model import (
    CadenceUnit,
    Engineer,
    Leave,
    LeaveConflict,
    LeaveKind,
    Override,
    Provenance,
    Restriction,
    Role,
    Rotation,
    RotationVersion,
    Shift,
    SourceKind,
)
from oncall.ui.models import (
    ROW_ROLE,
    ConflictTableModel,
    EngineerTableModel,
    LeaveTableModel,
    OverrideTableModel,
    RotationTableModel,
    ShiftTableModel,
    fmt_cadence,
    sorted_proxy,
)

NOW = datetime(2026, 3, 2, 12, tzinfo=UTC)  # a Monday
ADA = Engineer(1, "Ada Lovelace", "ada", "Europe/London", "ada@example.com", "", "GB", "ENG")
BO = Engineer(2, "Bo Chen", "bo", "Australia/Sydney", country="AU", region="NSW")
CY = Engineer(3, "cy Diaz", "cy", "America/New_York", active=False)
PEOPLE = {e.id: e for e in (ADA, BO, CY)}


def shift(engineer_id: int, start: datetime, hours: int) -> Shift:
    return Shift(
        1,
        Role.PRIMARY,
        engineer_id,
        start,
        start + timedelta(hours=hours),
        Provenance(SourceKind.ROTATION, rotation_id=1, rotation_version=1),
    )


def column(model, col: int) -> list[str]:
    return [model.index(r, col).data() for r in range(model.rowCount())]


def test_engineers_show_local_time_and_sort_by_offset(qtmodeltester):
    model = EngineerTableModel(clock=lambda: NOW)
    model.set_rows([ADA, BO, CY])
    qtmodeltester.check(model)
    assert model.index(0, 2).data() == "Europe/London  (Mon 12:00)"
    assert model.index(1, 2).data() == "Australia/Sydney  (Mon 23:00)"
    assert model.index(0, 3).data() == "GB/ENG"
    assert model.index(2, 0).data() == "cy Diaz (inactive)"
    assert model.index(2, 0).data(Qt.ItemDataRole.FontRole).italic()
    assert model.index(1, 0).data(ROW_ROLE) == BO

    proxy = sorted_proxy(model)
    proxy.sort(2)  # west to east
    assert column(proxy, 0) == ["cy Diaz (inactive)", "Ada Lovelace", "Bo Chen"]
    proxy.sort(0)  # names ignore case
    assert column(proxy, 0) == ["Ada Lovelace", "Bo Chen", "cy Diaz (inactive)"]


def test_rotations_describe_their_cadence(qtmodeltester):
    version = RotationVersion(
        1,
        NOW,
        (1, 2),
        CadenceUnit.WEEKS,
        1,
        datetime(2026, 3, 2, 9),
        "Europe/London",
        (Restriction(frozenset({0}), time(9), time(17)),),
        5,
        Role.SECONDARY,
    )
    ended = Rotation(2, 1, "Old", (version,), ends_at=NOW - timedelta(days=1))
    model = RotationTableModel(clock=lambda: NOW)
    model.set_rows([Rotation(1, 1, "Primary", (version,)), ended])
    qtmodeltester.check(model)
    assert [model.index(0, c).data() for c in range(5)] == [
        "Primary",
        "Secondary",
        "5",
        "every week, Mon 09:00 Europe/London",
        "2",
    ]
    assert model.index(1, 0).data() == "Old (ended)"
    assert fmt_cadence(12, CadenceUnit.HOURS) == "every 12 hours"


def test_overrides_and_leave_name_people_and_sort_by_time(qtmodeltester):
    later = Override(7, 1, BO.id, NOW + timedelta(days=3), NOW + timedelta(days=4), NOW)
    sooner = Override(
        8,
        1,
        ADA.id,
        NOW + timedelta(days=1),
        NOW + timedelta(days=2),
        NOW,
        Role.SECONDARY,
        "dentist swap",
    )
    model = OverrideTableModel(zone="Europe/London")
    model.set_context(PEOPLE, "Europe/London")
    model.set_rows([later, sooner])
    qtmodeltester.check(model)
    proxy = sorted_proxy(model)
    proxy.sort(2)
    assert column(proxy, 0) == ["Ada Lovelace", "Bo Chen"]
    assert proxy.index(0, 2).data() == "Tue 3 Mar 12:00"
    assert "Australia/Sydney" in model.index(0, 2).data(Qt.ItemDataRole.ToolTipRole)

    leave = Leave(
        3,
        ADA.id,
        datetime(2026, 3, 9, tzinfo=UTC),
        datetime(2026, 3, 14, tzinfo=UTC),
        LeaveKind.VACATION,
        "Skiing",
    )
    leave_model = LeaveTableModel()
    leave_model.set_context(PEOPLE, "UTC")
    leave_model.set_rows([leave])
    qtmodeltester.check(leave_model)
    # The last day is the day before the half-open end.
    assert [leave_model.index(0, c).data() for c in range(5)] == [
        "Ada Lovelace",
        "Vacation",
        "Mon 9 Mar 2026",
        "Fri 13 Mar 2026",
        "Skiing",
    ]

    conflicts = ConflictTableModel()
    conflicts.set_context(PEOPLE, "UTC")
    conflicts.set_rows([LeaveConflict(shift(ADA.id, NOW + timedelta(days=7), 24), leave)])
    qtmodeltester.check(conflicts)
    assert conflicts.index(0, 2).data() == "Mon 9 Mar 12:00 – Tue 10 Mar 12:00"


@pytest.mark.parametrize("hours", [24, 7])
def test_shift_lengths(qtmodeltester, hours):
    model = ShiftTableModel()
    model.set_context(PEOPLE, "UTC")
    model.set_rows([shift(ADA.id, NOW, hours), shift(42, NOW, 1)])
    qtmodeltester.check(model)
    assert model.index(0, 3).data() == f"{hours} h"
    assert model.index(1, 0).data() == "Engineer #42"
