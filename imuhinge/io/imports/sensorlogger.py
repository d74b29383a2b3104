"""Sensor Logger exports: a zip or folder of one CSV per sensor, plus ``Metadata.csv``.

Every sensor file has the columns ``time`` (UTC, nanoseconds), ``seconds_elapsed`` and the axes, in
the order ``z,y,x`` (read by name here). Acceleration is m/s^2 and angular rate rad/s.

- Android writes ``TotalAcceleration.csv`` (with gravity) beside ``Accelerometer.csv`` (without): the
  total is what an accelerometer measures.
- iOS has no total: it is ``Accelerometer.csv`` + ``Gravity.csv``, and with the app's default
  settings both use the inertial-force sign, the opposite of Android's; the sum is negated to give
  what an accelerometer measures, unless ``Metadata.csv`` says "Standardise Units & Frames" was on.
- ``Accelerometer.csv`` alone is acceleration without gravity and is refused.

``Metadata.csv`` is read by column name (``platform``, ``device name``, ``standardisation``).
"""

from __future__ import annotations

import numpy as np

from imuhinge.errors import InputError
from imuhinge.io.imports.bundle import Bundle, Member
from imuhinge.io.imports.motion import Series, series_at
from imuhinge.io.imports.readings import Readings
from imuhinge.io.imports.table import parse_table, sniff_separator, split_fields

TITLE = "Sensor Logger export"
SENSOR_FILES = ("TotalAcceleration", "Accelerometer", "Gravity", "Gyroscope")
_REQUIRED = {"time", "x", "y", "z"}


def _is_sensor_header(line: str) -> bool:
    labels = set(split_fields(line, sniff_separator(line)))
    return labels >= _REQUIRED and "seconds_elapsed" in labels


def _members(bundle: Bundle) -> dict[str, Member]:
    """The export's sensor files and metadata by name, with a single file's neighbours included."""
    pool = {**bundle.neighbours(), **bundle.members}
    found = {}
    for member in pool.values():
        stem = member.stem.lower()
        for name in (*SENSOR_FILES, "Metadata"):
            if stem == name.lower():
                found[name] = member
    return found


def detect(bundle: Bundle) -> bool:
    """A Sensor Logger sensor file: ``time``, ``seconds_elapsed`` and the three axes."""
    return any(_is_sensor_header(m.first_line()) for m in bundle.members.values())


def _series(member: Member, bundle: Bundle) -> Series:
    """The file's x, y, z against its time in Unix seconds."""
    source = bundle.where(member)
    text = member.read_text()
    table = parse_table(text, source)
    index = {label: k for k, label in enumerate(table.labels)}
    missing = sorted(_REQUIRED - set(index))
    if missing:
        raise InputError(f"{source}: missing columns {', '.join(missing)}")
    # Float64 holds Unix nanoseconds to about 0.25 us, far finer than any sample interval.
    xyz = np.column_stack([table.column(index[a]) for a in "xyz"])
    return Series(table.column(index["time"]) * 1e-9, xyz)


def _metadata(member: Member | None) -> dict[str, str]:
    if member is None:
        return {}
    lines = member.read_text().splitlines()
    if len(lines) < 2:
        return {}
    separator = sniff_separator(lines[0])
    labels, values = split_fields(lines[0], separator), split_fields(lines[1], separator)
    return {label.lower(): value for label, value in zip(labels, values, strict=False)}


def read(bundle: Bundle) -> Readings:
    """Acceleration with gravity and angular rate of a Sensor Logger export.

    Raises
    ------
    InputError
        No gyroscope, acceleration without gravity only, or bad values.
    """
    members = _members(bundle)
    meta = _metadata(members.get("Metadata"))
    if "Gyroscope" not in members:
        raise InputError(
            f"{bundle.path}: no Gyroscope.csv in this Sensor Logger export; trunk angles need one"
        )
    files = []
    if "TotalAcceleration" in members:
        acc = _series(members["TotalAcceleration"], bundle)
        files.append(members["TotalAcceleration"].name)
    elif "Accelerometer" in members and "Gravity" in members:
        linear = _series(members["Accelerometer"], bundle)
        gravity = _series(members["Gravity"], bundle)
        linear, gravity = linear.cleaned(), gravity.cleaned()
        # Gravity comes from the same motion fusion as the acceleration, usually at the same times.
        covered, gravity_xyz = series_at(linear.time_s, gravity)
        total = linear.xyz[covered] + gravity_xyz
        inertial = meta.get("platform", "ios").lower() == "ios" and meta.get("standardisation") != "true"
        acc = Series(linear.time_s[covered], -total if inertial else total)
        files += [members["Accelerometer"].name, members["Gravity"].name]
    elif "Accelerometer" in members:
        raise InputError(
            f"{bundle.path}: Accelerometer.csv holds acceleration without gravity and there is no "
            "TotalAcceleration.csv or Gravity.csv; orientation needs gravity: enable Gravity "
            "(iOS) or keep TotalAcceleration (Android) in Sensor Logger"
        )
    else:
        raise InputError(f"{bundle.path}: no accelerometer file in this Sensor Logger export")
    gyr = _series(members["Gyroscope"], bundle)
    files.append(members["Gyroscope"].name)
    device = meta.get("device name") or None
    platform = meta.get("platform")
    title = f"Sensor Logger on {device}" if device else "Sensor Logger"
    notes = {"source.platform": platform} if platform else {}
    return Readings(TITLE, acc, gyr, title, 0.0, files, notes)
