"""What every import format reader produces, and the label patterns several of them share."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from imuhinge.errors import InputError
from imuhinge.io.imports.motion import Series
from imuhinge.io.imports.table import Table
from imuhinge.model import G_MPS2

# Acceleration below this median magnitude cannot hold gravity (about 1 g at rest).
GRAVITY_MIN_G = 0.5
ACC_SCALE = {"m/s^2": 1.0, "m/s²": 1.0, "m/s2": 1.0, "ms^-2": 1.0, "g": G_MPS2, "mg": G_MPS2 / 1000}
GYR_SCALE = {"rad/s": 1.0, "deg/s": np.pi / 180, "°/s": np.pi / 180, "dps": np.pi / 180}
_AXIS_WORD = re.compile(r"(?:^|[^a-z])([xyz])(?:[^a-z]|$)", re.IGNORECASE)
_AXIS_END = re.compile(r"([xyz])$", re.IGNORECASE)
_UNIT = re.compile(r"[\(\[]\s*([^\)\]]*?)\s*[\)\]]\s*$")


@dataclass
class Readings:
    """An export's accelerometer and gyroscope on the device clock, and what it says about itself.

    Attributes
    ----------
    title : str
        The format, in words (``phyphox export``), for the ``source`` metadata.
    acc, gyr : Series
        Acceleration including gravity (specific force, m/s^2) and angular rate (rad/s).
    device : str or None
        The phone or sensor that recorded it.
    unix_offset_s : float or None
        Unix time of device time 0, when the export says (for ``started_at``).
    files : list of str
        The export's files that were read.
    notes : dict of str to str
        More metadata for the recording header.
    """

    title: str
    acc: Series
    gyr: Series
    device: str | None = None
    unix_offset_s: float | None = None
    files: list[str] = field(default_factory=list)
    notes: dict[str, str] = field(default_factory=dict)


def split_label(label: str) -> tuple[str, str | None]:
    """A column label as its name and its unit: ``"Acceleration x (m/s^2)"`` -> ``("Acceleration x",
    "m/s^2")``, ``"X [mg]"`` -> ``("X", "mg")``; the unit is None without brackets."""
    match = _UNIT.search(label)
    if match is None:
        return label.strip(), None
    return label[: match.start()].strip(), match.group(1).strip()


def axis_of(name: str) -> int | None:
    """0, 1 or 2 for the axis a column name gives (``x``, ``Acceleration y``, ``accZ``), else None."""
    match = _AXIS_WORD.search(name) or _AXIS_END.search(name)
    return None if match is None else "xyz".index(match.group(1).lower())


def axes_series(table: Table, time_column: int, time_scale: float, scales: dict[str, float]) -> Series:
    """The x, y and z columns that carry one of the units in ``scales`` (their factors to SI units),
    against the time column (``time_scale``: its factor to seconds).

    Raises
    ------
    InputError
        Not exactly the three axes.
    """
    axes: dict[int, np.ndarray] = {}
    for k, label in enumerate(table.labels):
        name, unit = split_label(label)
        axis = axis_of(name)
        if unit in scales and axis is not None:
            axes[axis] = table.column(k) * scales[unit]
    if len(axes) != 3:
        raise InputError(f"{table.source}: expected an x, a y and a z column in {' or '.join(scales)}")
    return Series(table.column(time_column) * time_scale, np.column_stack([axes[a] for a in range(3)]))


def require_gravity(acc_mps2: np.ndarray, source: str) -> None:
    """Refuse acceleration without gravity: the trunk's orientation needs gravity as its reference.

    Raises
    ------
    InputError
        When the median magnitude is far below 1 g.
    """
    if not len(acc_mps2):
        return
    median_g = float(np.median(np.linalg.norm(acc_mps2, axis=1))) / G_MPS2
    if median_g < GRAVITY_MIN_G:
        raise InputError(
            f"{source}: the acceleration holds no gravity (median {median_g:.2f} g); "
            "orientation needs gravity: record acceleration including g"
        )
