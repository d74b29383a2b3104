"""Polar Sensor Logger text files: one file per stream, semicolon separated, recognised by the header.

Accelerometer: ``Phone timestamp;sensor timestamp [ns];X [mg];Y [mg];Z [mg]``; gyroscope: the same
with ``X [dps]``. The sensor timestamp (the sensor's own clock, nanoseconds) is the sample clock; the
phone timestamp is only the phone's local time of day, kept as a note.
"""

from __future__ import annotations

from imuhinge.errors import InputError
from imuhinge.io.imports.bundle import Bundle, Member, find_pair
from imuhinge.io.imports.readings import ACC_SCALE, GYR_SCALE, Readings, axes_series
from imuhinge.io.imports.table import Table, parse_table

TITLE = "Polar Sensor Logger"
_PREFIX = "Phone timestamp;sensor timestamp [ns];"


def _is_acc(line: str) -> bool:
    return line.startswith(_PREFIX) and "X [mg]" in line


def _is_gyr(line: str) -> bool:
    return line.startswith(_PREFIX) and "X [dps]" in line


def detect(bundle: Bundle) -> bool:
    """A Polar Sensor Logger accelerometer or gyroscope file."""
    return any(_is_acc(m.first_line()) or _is_gyr(m.first_line()) for m in bundle.members.values())


def _table(bundle: Bundle, member: Member) -> Table:
    return parse_table(member.read_text(), bundle.where(member), numeric=[1, 2, 3, 4])


def read(bundle: Bundle) -> Readings:
    """Accelerometer and gyroscope of a Polar Sensor Logger recording (Verity Sense: ACC and GYRO).

    Raises
    ------
    InputError
        One of the two files is missing (the H10 has no gyroscope), or bad values.
    """
    acc_member, gyr_member = find_pair(bundle, _is_acc, _is_gyr)
    if acc_member is None:
        raise InputError(f"{bundle.path}: no Polar accelerometer file (X [mg]) here or beside it")
    if gyr_member is None:
        raise InputError(
            f"{bundle.path}: no Polar gyroscope file (X [dps]) beside the accelerometer file; trunk angles "
            "need one (the H10 has none; the Verity Sense does)"
        )
    acc_table = _table(bundle, acc_member)
    acc = axes_series(acc_table, 1, 1e-9, {"mg": ACC_SCALE["mg"]})
    gyr = axes_series(_table(bundle, gyr_member), 1, 1e-9, {"dps": GYR_SCALE["dps"]})
    notes = {"source.phone_time": acc_table.first_row[0]} if acc_table.first_row else {}
    return Readings(TITLE, acc, gyr, "Polar sensor", None, [acc_member.name, gyr_member.name], notes)
