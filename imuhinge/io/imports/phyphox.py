"""phyphox exports: a zip of one CSV per export set plus ``meta/``, or a single CSV.

Each CSV has a quoted label line and one column per buffer; a set may hold several time columns,
and every other column belongs to the time column before it. Labels are chosen by each experiment
(``"Acceleration x (m/s^2)"`` on Android, ``"X (m/s^2)"`` on iOS, ``"Gyroscope x (rad/s)"``, or
anything a custom experiment says), so columns are recognised by pattern: a time column names
``time`` (or is ``t``) with the unit ``s``, an accelerometer column has an acceleration unit and an
axis letter, a gyroscope column an angular-rate unit and an axis letter. Separators, decimal marks
and number styles are those of the phyphox export dialog. ``meta/time.csv`` maps experiment time
(which stops while the experiment is paused) to the phone's clock, and ``meta/device.csv`` names the
phone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from imuhinge.errors import InputError
from imuhinge.io.imports.bundle import Bundle, Member
from imuhinge.io.imports.motion import Series
from imuhinge.io.imports.readings import (
    ACC_SCALE,
    GYR_SCALE,
    Readings,
    axis_of,
    split_label,
)
from imuhinge.io.imports.table import Table, parse_table, parse_tables, sniff_separator, split_fields

TITLE = "phyphox export"
_TIME_NAME = re.compile(r"(^|\b)(time|t)(\b|$)", re.IGNORECASE)


@dataclass
class _Channel:
    kind: str  # "acc", "linear" or "gyr"
    time_s: np.ndarray
    columns: dict[int, np.ndarray]  # axis -> values in SI units


def _is_phyphox_header(line: str) -> bool:
    fields = [f for f in re.split(r"[,;\t]", line) if f]
    return len(fields) >= 2 and all(f.startswith('"') and f.endswith('"') for f in fields)


def _is_time_label(label: str) -> bool:
    name, unit = split_label(label)
    return unit == "s" and _TIME_NAME.search(name) is not None


def _data_members(bundle: Bundle) -> list[Member]:
    return [
        m
        for name, m in bundle.members.items()
        if not name.startswith("meta/") and name.lower().endswith((".csv", ".txt"))
    ]


def detect(bundle: Bundle) -> bool:
    """A phyphox CSV: a quoted label line with a time column in seconds."""
    for member in _data_members(bundle):
        line = member.first_line()
        if _is_phyphox_header(line) and any(_is_time_label(f.strip('"')) for f in re.split(r"[,;\t]", line)):
            return True
    return False


def _channels(table: Table, member_name: str) -> list[_Channel]:
    channels: list[_Channel] = []
    time_index = None
    groups: dict[int, list[int]] = {}
    for k, label in enumerate(table.labels):
        if _is_time_label(label):
            time_index = k
            groups[k] = []
        elif time_index is not None:
            groups[time_index].append(k)
    for t_index, data_indices in groups.items():
        found: dict[str, dict[int, np.ndarray]] = {}
        for k in data_indices:
            name, unit = split_label(table.labels[k])
            axis = axis_of(name)
            if unit is None or axis is None:
                continue  # absolute values, or columns of other sensors
            if unit in ACC_SCALE:
                linear = "linear" in name.lower() or "linear" in member_name.lower()
                kind, scale = ("linear" if linear else "acc"), ACC_SCALE[unit]
            elif unit in GYR_SCALE:
                kind, scale = "gyr", GYR_SCALE[unit]
            else:
                continue
            found.setdefault(kind, {})[axis] = table.column(k) * scale
        for kind, columns in found.items():
            if len(columns) == 3:
                channels.append(_Channel(kind, table.column(t_index), columns))
    return channels


def _series(channel: _Channel) -> Series:
    return Series(channel.time_s, np.column_stack([channel.columns[a] for a in range(3)]))


def _rows(text: str) -> list[list[str]]:
    """The fields of every line after the label line (small metadata tables)."""
    lines = text.splitlines()
    if not lines:
        return []
    separator = sniff_separator(lines[0])
    return [split_fields(line, separator) for line in lines[1:] if line.strip()]


def _time_map(bundle: Bundle) -> tuple[np.ndarray, np.ndarray] | None:
    """Experiment time and phone (Unix) time of every START event in ``meta/time.csv``."""
    member = bundle.members.get("meta/time.csv")
    if member is None:
        return None
    text = member.read_text()
    table = parse_table(text, bundle.where(member), numeric=[1, 2])
    rows = _rows(text)
    starts = np.array([row[0].upper() == "START" for row in rows[: len(table.values)]], bool)
    if not starts.any():
        return None
    return table.values[starts, 1], table.values[starts, 2]


def phone_time_s(experiment_s: np.ndarray, starts: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Experiment time (which stops while paused) on the phone's clock, in seconds since the first
    START: each stretch of measuring continues from the system time of the START that began it.

    Parameters
    ----------
    experiment_s : ndarray
        Experiment times.
    starts : (ndarray, ndarray)
        Experiment time and system (Unix) time of every START event, in order.
    """
    exp_start, unix_start = starts
    k = np.clip(np.searchsorted(exp_start, experiment_s, side="right") - 1, 0, len(exp_start) - 1)
    return unix_start[k] - unix_start[0] + (experiment_s - exp_start[k])


def _device(bundle: Bundle) -> str | None:
    member = bundle.members.get("meta/device.csv")
    if member is None:
        return None
    props = {row[0]: row[1] for row in _rows(member.read_text()) if len(row) >= 2}
    words = [props.get(k, "") for k in ("deviceBrand", "deviceModel") if props.get(k, "") not in ("", "null")]
    return " ".join(dict.fromkeys(words)) or None


def read(bundle: Bundle) -> Readings:
    """Accelerometer (with g) and gyroscope of a phyphox export.

    Raises
    ------
    InputError
        No accelerometer or no gyroscope found, acceleration without gravity only, or bad values.
    """
    channels: list[_Channel] = []
    files = []
    for member in _data_members(bundle):
        if not _is_phyphox_header(member.first_line()):
            continue
        source = bundle.where(member)
        found = [c for t in parse_tables(member.read_text(), source) for c in _channels(t, member.name)]
        if found:
            channels += found
            files.append(member.name)
    kinds = {c.kind for c in channels}
    if "acc" not in kinds:
        if "linear" in kinds:
            raise InputError(
                f"{bundle.path}: holds linear acceleration (without gravity) only; orientation needs "
                "gravity: record 'Acceleration with g' (the imuhinge experiment does)"
            )
        raise InputError(f"{bundle.path}: no accelerometer columns (x, y, z with m/s^2) found")
    if "gyr" not in kinds:
        raise InputError(
            f"{bundle.path}: no gyroscope columns (x, y, z with rad/s) found; trunk angles need one"
        )
    acc = _series(next(c for c in channels if c.kind == "acc"))
    gyr = _series(next(c for c in channels if c.kind == "gyr"))
    mapping = _time_map(bundle)
    unix_offset = None
    if mapping is not None:
        acc = Series(phone_time_s(acc.time_s, mapping), acc.xyz)
        gyr = Series(phone_time_s(gyr.time_s, mapping), gyr.xyz)
        unix_offset = float(mapping[1][0])
    device = _device(bundle)
    return Readings(TITLE, acc, gyr, f"phyphox on {device}" if device else "phyphox", unix_offset, files)
