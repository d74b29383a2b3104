"""Vectorised checks of one sensor's samples: order, sample rate, plausible magnitudes, gaps.

Every check works on whole arrays; only the first offending sample is looked at in Python, to
name it in the error.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from imuhinge.errors import InputError
from imuhinge.io.header import RATE_KEY, Columns
from imuhinge.model import G_MPS2, Gap

RATE_TOLERANCE = 0.02
GAP_FACTOR = 1.5
ACC_MEDIAN_RANGE_G = (0.5, 2.0)
GYRO_MAX_DPS = 4000.0
# Gyro-scale check: over the 1 s windows in which the smoothed gravity direction turns by more than
# MOVING_WINDOW_DEG, the gyro's rotation path must be at least GYRO_TILT_MIN_RATIO of the tilt,
# once the tilt adds up to more than TILT_MIN_DEG. The path of the angular rate is never shorter
# than the net rotation it produces, so correct data passes with a wide margin, while rad/s read as
# deg/s is 57 times too small.
TILT_MIN_DEG = 20.0
GYRO_TILT_MIN_RATIO = 0.2
MOVING_WINDOW_DEG = 3.0
WINDOW_S = 1.0
SMOOTH_HALF_WIDTH_S = 0.25


@dataclass
class RawStream:
    """One sensor's samples as read, in file units, with the file line of every sample.

    Attributes
    ----------
    placement : str
    time_s : ndarray, shape (N,)
    seq : ndarray of float64, shape (N,), or None
        Whole numbers (checked by the reader); float so the parser stays on its fast path.
    acc : ndarray, shape (N, 3)
        Accelerometer in the file's unit (``Columns.acc_unit``).
    gyr : ndarray, shape (N, 3)
        Gyroscope in the file's unit (``Columns.gyr_unit``).
    line_no : ndarray of int64, shape (N,)
        1-based line number of each sample in the file.
    """

    placement: str
    time_s: np.ndarray
    seq: np.ndarray | None
    acc: np.ndarray
    gyr: np.ndarray
    line_no: np.ndarray

    def __len__(self) -> int:
        return len(self.time_s)


def check_order(stream: RawStream, path: Path) -> None:
    """Raise InputError at the first sample whose time (or seq) does not increase."""
    for name, values, unit in (("time", stream.time_s, " s"), ("seq", stream.seq, "")):
        if values is None or len(values) < 2:
            continue
        bad = np.flatnonzero(np.diff(values) <= 0)
        if not len(bad):
            continue
        j = int(bad[0])
        prev, cur = values[j], values[j + 1]
        prev_line, line = int(stream.line_no[j]), int(stream.line_no[j + 1])
        fmt = ".6f" if unit else ".0f"
        if cur == prev:
            problem = f"{name} repeats for sensor {stream.placement}: {cur:{fmt}}{unit} again"
        else:
            problem = (
                f"{name} goes backwards for sensor {stream.placement}: "
                f"{cur:{fmt}}{unit} after {prev:{fmt}}{unit}"
            )
        raise InputError(f"{problem} (previous sample on line {prev_line})", path, line)


def median_interval_s(time_s: np.ndarray) -> float | None:
    """Median sample interval, None with fewer than two samples."""
    return float(np.median(np.diff(time_s))) if len(time_s) > 1 else None


def check_rate(stream: RawStream, rate_hz: float, source: str, path: Path, line: int | None) -> None:
    """Raise InputError when the median sample interval differs from ``1 / rate_hz`` by more than 2 %.

    ``source`` says where ``rate_hz`` came from, for the message; ``line`` is where it is written.
    """
    interval_s = median_interval_s(stream.time_s)
    if interval_s is None or abs(interval_s * rate_hz - 1.0) <= RATE_TOLERANCE:
        return
    raise InputError(
        f"sample rate mismatch: {source} is {rate_hz:g} Hz but sensor {stream.placement}'s median "
        f"sample interval is {1e3 * interval_s:.3f} ms ({1.0 / interval_s:.4g} Hz)",
        path,
        line,
    )


def derive_rate(stream: RawStream, path: Path) -> float:
    """The sample rate of regular timestamps (every interval within 2 % of the median, or a gap).

    Returns
    -------
    float
        Sample periods over the time span, rounded to 6 significant digits.

    Raises
    ------
    InputError
        Too few samples, or irregular timestamps: the rate is never guessed from those.
    """
    how = f"add '# {RATE_KEY}: <Hz>' to the header"
    interval_s = median_interval_s(stream.time_s)
    if interval_s is None:
        raise InputError(f"no {RATE_KEY} in the header and too few samples to derive it: {how}", path)
    dt_s = np.diff(stream.time_s)
    regular = (np.abs(dt_s / interval_s - 1.0) <= RATE_TOLERANCE) | (dt_s > GAP_FACTOR * interval_s)
    if not regular.all():
        j = int(np.argmin(regular))
        raise InputError(
            f"no {RATE_KEY} in the header and the timestamps of sensor {stream.placement} are irregular "
            f"({1e3 * dt_s[j]:.3f} ms after the previous sample, median {1e3 * interval_s:.3f} ms): {how}",
            path,
            int(stream.line_no[j + 1]),
        )
    seq = stream.seq
    periods = seq[-1] - seq[0] if seq is not None else np.rint(dt_s / interval_s).sum()
    return float(f"{periods / (stream.time_s[-1] - stream.time_s[0]):.6g}")


def check_magnitudes(stream: RawStream, columns: Columns, path: Path, column_line: int) -> None:
    """Raise InputError for values no body-worn IMU produces, or units that do not match the column names.

    Checks: every gyro component within 4000 deg/s; the median accelerometer magnitude between
    0.5 g and 2 g (m/s^2 in a g column reads as about 9.8 g); the gyro's rotation at least a fifth
    of the accelerometer's tilt change (rad/s in a deg/s column is 57 times too small). Unit
    problems are reported on the column header line, where the units are declared.
    """
    if not len(stream):
        return
    _check_gyro_range(stream, columns, path)
    acc_g = stream.acc / G_MPS2 if columns.acc_unit == "mps2" else stream.acc
    median_g = float(np.median(np.sqrt(np.einsum("ij,ij->i", acc_g, acc_g))))
    low, high = ACC_MEDIAN_RANGE_G
    if not low <= median_g <= high:
        hint = ""
        if columns.acc_unit == "g" and 7.0 < median_g < 13.0:
            hint = ": looks like m/s^2 in a g column (name the columns acc_*_mps2)"
        elif columns.acc_unit == "mps2" and 0.07 < median_g < 0.14:
            hint = ": looks like g in an m/s^2 column (name the columns acc_*_g)"
        shown = f"{median_g:.3g} g" if columns.acc_unit == "g" else f"{median_g * G_MPS2:.3g} m/s^2"
        raise InputError(
            f"implausible accelerometer magnitude for sensor {stream.placement}: median |acc| is "
            f"{shown}, expected about 1 g{hint}",
            path,
            column_line,
        )
    gyr_rads = np.radians(stream.gyr) if columns.gyr_unit == "dps" else stream.gyr
    tilt_deg, rotation_deg = tilt_and_rotation_deg(stream.time_s, stream.acc, gyr_rads)
    if tilt_deg > TILT_MIN_DEG and rotation_deg < GYRO_TILT_MIN_RATIO * tilt_deg:
        hint = ""
        if columns.gyr_unit == "dps":
            hint = ": looks like rad/s in a deg/s column (name the columns gyr_*_rads)"
        raise InputError(
            f"gyro too small for the motion of sensor {stream.placement}: the accelerometer tilts by "
            f"{tilt_deg:.0f} deg but the gyro integrates to only {rotation_deg:.1f} deg{hint}",
            path,
            column_line,
        )


def _check_gyro_range(stream: RawStream, columns: Columns, path: Path) -> None:
    limit = GYRO_MAX_DPS if columns.gyr_unit == "dps" else np.radians(GYRO_MAX_DPS)
    magnitude = np.abs(stream.gyr)
    if magnitude.max() <= limit:
        return
    over = (magnitude > limit).any(axis=1)
    j = int(np.argmax(over))
    k = int(np.argmax(magnitude[j]))
    value = float(stream.gyr[j, k])
    if columns.gyr_unit == "dps":
        shown, hint = f"{value:.1f} deg/s", ""
    else:
        shown = f"{value:.2f} rad/s ({np.degrees(value):.0f} deg/s)"
        hint = ": are these deg/s in a rad/s column?"
    raise InputError(
        f"gyro value {shown} in column {columns.gyr[k]} is beyond any IMU's range "
        f"({GYRO_MAX_DPS:.0f} deg/s){hint}",
        path,
        int(stream.line_no[j]),
    )


def tilt_and_rotation_deg(time_s: np.ndarray, acc: np.ndarray, gyr_rads: np.ndarray) -> tuple[float, float]:
    """Total tilt of the gravity direction and the gyro's rotation path over the moving windows.

    The recording is cut into 1 s windows; the accelerometer, averaged over +-0.25 s at each window
    boundary, gives the gravity direction, and the angle between consecutive boundaries is the
    window's tilt. The gyro's rotation path is the integral of ``|gyr|`` over the window. Windows
    that tilt less than 3 deg (quiet) or contain a gap are left out of both sums.

    Parameters
    ----------
    time_s : ndarray, shape (N,)
    acc : ndarray, shape (N, 3)
        Accelerometer in any unit (only its direction is used).
    gyr_rads : ndarray, shape (N, 3)

    Returns
    -------
    tilt_deg, rotation_deg : float
    """
    n = len(time_s)
    if n < 3:
        return 0.0, 0.0
    dt_s = np.diff(time_s)
    interval_s = float(np.median(dt_s))
    step = max(2, round(WINDOW_S / interval_s))
    half = min(round(SMOOTH_HALF_WIDTH_S / interval_s), (step - 1) // 2)
    # Boundaries whose averaging spans [b - half, b + half] lie inside the data and do not overlap,
    # so reduceat over the interleaved span edges sums each span (the odd results are in between).
    bounds = np.arange(half, n - half - 1, step)
    if len(bounds) < 2:
        return 0.0, 0.0
    edges = np.column_stack([bounds - half, bounds + half + 1]).ravel()
    gravity = np.add.reduceat(acc, edges, axis=0)[::2]
    before, after = gravity[:-1], gravity[1:]
    cross = np.cross(before, after)
    tilt = np.degrees(
        np.arctan2(np.sqrt(np.einsum("ij,ij->i", cross, cross)), np.einsum("ij,ij->i", before, after))
    )
    rate_rads = np.sqrt(np.einsum("ij,ij->i", gyr_rads[:-1], gyr_rads[:-1]))
    rotation = np.degrees(np.add.reduceat(rate_rads * dt_s, bounds)[:-1])
    has_gap = np.logical_or.reduceat(dt_s > GAP_FACTOR * interval_s, bounds)[:-1]
    moving = ~has_gap & (tilt > MOVING_WINDOW_DEG)
    return float(tilt[moving].sum()), float(rotation[moving].sum())


def find_gaps(stream: RawStream, rate_hz: float) -> list[Gap]:
    """Gaps in one sensor's samples: jumps of ``seq``, or without it intervals over 1.5 periods.

    A gap runs from the last sample before it to the first sample after it.
    """
    if len(stream) < 2:
        return []
    if stream.seq is not None:
        step = np.diff(stream.seq)
        where = np.flatnonzero(step > 1)
        missing = step[where] - 1
    else:
        dt_s = np.diff(stream.time_s)
        where = np.flatnonzero(dt_s > GAP_FACTOR / rate_hz)
        missing = np.maximum(np.rint(dt_s[where] * rate_hz) - 1, 1)
    t = stream.time_s
    return [
        Gap(stream.placement, float(t[i]), float(t[i + 1]), int(m))
        for i, m in zip(where.tolist(), missing.tolist(), strict=True)
    ]
