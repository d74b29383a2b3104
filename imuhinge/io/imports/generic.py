"""Any CSV with a time column and the six IMU columns, given a column mapping and units.

``--columns time=t,acc_x=ax,acc_y=ay,acc_z=az,gyr_x=gx,gyr_y=gy,gyr_z=gz`` names the columns;
``--units time=ms,acc=g,gyr=dps`` says what they hold. The separator (comma, semicolon, tab) and a
decimal comma are recognised as in the other text formats.
"""

from __future__ import annotations

import numpy as np

from imuhinge.errors import InputError
from imuhinge.io.imports.bundle import Bundle
from imuhinge.io.imports.motion import Series
from imuhinge.io.imports.readings import Readings
from imuhinge.io.imports.table import parse_table, sniff_separator, split_fields
from imuhinge.model import G_MPS2

TITLE = "CSV with a column mapping"
FIELDS = ("time", "acc_x", "acc_y", "acc_z", "gyr_x", "gyr_y", "gyr_z")
TIME_UNITS = {"s": 1.0, "ms": 1e-3, "us": 1e-6, "ns": 1e-9}
ACC_UNITS = {"g": G_MPS2, "mps2": 1.0}
GYR_UNITS = {"dps": np.pi / 180, "rads": 1.0}
DEFAULT_UNITS = {"time": "s", "acc": "g", "gyr": "dps"}
_UNIT_CHOICES = {"time": TIME_UNITS, "acc": ACC_UNITS, "gyr": GYR_UNITS}


def _pairs(text: str, option: str) -> dict[str, str]:
    out = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise InputError(f"{option}: expected KEY=VALUE[,KEY=VALUE...], got {item!r}")
        out[key.strip()] = value.strip()
    return out


def parse_columns(text: str) -> dict[str, str]:
    """``--columns`` as a dict from field to column label.

    Raises
    ------
    InputError
        Malformed, unknown fields, or fields missing.
    """
    mapping = _pairs(text, "--columns")
    unknown = sorted(set(mapping) - set(FIELDS))
    if unknown:
        raise InputError(f"--columns: unknown field {unknown[0]!r} (fields: {', '.join(FIELDS)})")
    missing = [f for f in FIELDS if f not in mapping]
    if missing:
        raise InputError(f"--columns: missing {', '.join(missing)} (all of {', '.join(FIELDS)} are needed)")
    return mapping


def parse_units(text: str | None) -> dict[str, str]:
    """``--units`` as a dict (``time``, ``acc``, ``gyr``), defaults filled in.

    Raises
    ------
    InputError
        Malformed, or an unknown quantity or unit.
    """
    units = dict(DEFAULT_UNITS)
    for key, value in _pairs(text or "", "--units").items():
        if key not in _UNIT_CHOICES:
            raise InputError(f"--units: unknown quantity {key!r} (time, acc, gyr)")
        if value not in _UNIT_CHOICES[key]:
            raise InputError(f"--units: {key}={value!r} is not one of {', '.join(_UNIT_CHOICES[key])}")
        units[key] = value
    return units


def read(bundle: Bundle, columns: dict[str, str], units: dict[str, str]) -> Readings:
    """The mapped columns of a single CSV file.

    Raises
    ------
    InputError
        Not a single file, a mapped column missing from the file, or bad values.
    """
    if len(bundle.members) != 1:
        raise InputError(
            f"{bundle.path}: --columns maps the columns of one CSV file, not a folder or archive"
        )
    member = next(iter(bundle.members.values()))
    source = bundle.where(member)
    header = member.first_line()
    labels = split_fields(header, sniff_separator(header))
    index = {label: k for k, label in enumerate(labels)}
    absent = [f"{field}={label}" for field, label in columns.items() if label not in index]
    if absent:
        raise InputError(
            f"{source}: --columns names columns the file does not have ({', '.join(absent)}); "
            f"its columns: {', '.join(labels)}"
        )
    table = parse_table(member.read_text(), source, numeric=sorted({index[c] for c in columns.values()}))

    def xyz(kind: str, scale: float) -> np.ndarray:
        return np.column_stack([table.column(index[columns[f"{kind}_{a}"]]) * scale for a in "xyz"])

    time_s = table.column(index[columns["time"]]) * TIME_UNITS[units["time"]]
    acc = Series(time_s, xyz("acc", ACC_UNITS[units["acc"]]))
    gyr = Series(time_s, xyz("gyr", GYR_UNITS[units["gyr"]]))
    return Readings(TITLE, acc, gyr, None, None, [member.name])
