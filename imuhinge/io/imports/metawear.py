"""MetaWear CSV files as MetaBase writes them: one file per sensor, recognised by the header.

Accelerometer: ``epoch (ms),time (-13:00),elapsed (s),x-axis (g),y-axis (g),z-axis (g)``; gyroscope:
the same with ``x-axis (deg/s)``. ``epoch (ms)`` is Unix time in milliseconds (the sample clock); the
zone in the ``time`` label varies. The two files of one recording are found beside each other.
"""

from __future__ import annotations

from imuhinge.errors import InputError
from imuhinge.io.imports.bundle import Bundle, Member, find_pair
from imuhinge.io.imports.motion import Series
from imuhinge.io.imports.readings import ACC_SCALE, GYR_SCALE, Readings, axes_series
from imuhinge.io.imports.table import parse_table

TITLE = "MetaWear (MetaBase) CSV"


def _is_kind(line: str, unit: str) -> bool:
    return line.startswith("epoch (ms),") and f"x-axis ({unit})" in line


def _is_acc(line: str) -> bool:
    return _is_kind(line, "g")


def _is_gyr(line: str) -> bool:
    return _is_kind(line, "deg/s")


def detect(bundle: Bundle) -> bool:
    """A MetaBase accelerometer or gyroscope file."""
    return any(_is_acc(m.first_line()) or _is_gyr(m.first_line()) for m in bundle.members.values())


def _series(bundle: Bundle, member: Member, unit: str, scale: float) -> Series:
    table = parse_table(member.read_text(), bundle.where(member), numeric=_numeric(member))
    return axes_series(table, 0, 1e-3, {unit: scale})


def _numeric(member: Member) -> list[int]:
    """Every column but the text ``time (...)`` one."""
    labels = member.first_line().split(",")
    return [k for k, label in enumerate(labels) if not label.startswith("time")]


def read(bundle: Bundle) -> Readings:
    """Accelerometer and gyroscope of a MetaBase recording.

    Raises
    ------
    InputError
        One of the two files is missing, or bad values.
    """
    acc_member, gyr_member = find_pair(bundle, _is_acc, _is_gyr)
    if acc_member is None:
        raise InputError(f"{bundle.path}: no MetaWear accelerometer file (x-axis (g)) here or beside it")
    if gyr_member is None:
        raise InputError(
            f"{bundle.path}: no MetaWear gyroscope file (x-axis (deg/s)) beside the accelerometer file; "
            "trunk angles need one"
        )
    acc = _series(bundle, acc_member, "g", ACC_SCALE["g"])
    gyr = _series(bundle, gyr_member, "deg/s", GYR_SCALE["deg/s"])
    return Readings(TITLE, acc, gyr, "MetaWear", 0.0, [acc_member.name, gyr_member.name])
