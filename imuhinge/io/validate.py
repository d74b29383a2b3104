"""Vectorised checks of one sensor's samples: order, sample rate, glitches, plausible magnitudes, gaps.

Every check works on whole arrays; only the first offending sample is looked at in Python, to
name it in the error.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from imuhinge.errors import InputError
from imuhinge.io.header import Columns
from imuhinge.io.timebase import Timebase, timebase
from imuhinge.model import G_MPS2, Gap

# A nominal rate can be a few percent off the sensor's real clock; beyond RATE_TOLERANCE the header
# and the timestamps contradict each other.
RATE_NOTE = 0.01
RATE_TOLERANCE = 0.10
SHORT_HOLE_S = 0.5
IRREGULAR_MISSING = 0.4
IRREGULAR_MAD = 0.4
GAP_FACTOR = 1.5
ACC_MEDIAN_RANGE_G = (0.5, 2.0)
GYRO_MAX_DPS = 4000.0

# No body-worn IMU reports more than ACC_MAX_G or GYRO_MAX_DPS (the widest ranges sold): a value
# beyond is a glitch (a corrupted packet, a flipped bit) or wrong data. Up to one such sample in
# GLITCH_FRACTION is dropped (a gap in the data); more mean the data itself is wrong (wrong units,
# a broken sensor), which dropping would hide.
ACC_MAX_G = 32.0
GLITCH_FRACTION = 1e-3
# A counter jump is a gap only when the time that passed can hold it: beyond twice the time step
# plus a second (bursts and hold-ups move timestamps, never by that much), the counter is corrupt.
COUNTER_SLACK_S = 1.0
# Gyro-scale check: over the 1 s windows in which the smoothed gravity direction turns by more than
# MOVING_WINDOW_DEG, the gyro's rotation path must be at least GYRO_TILT_MIN_RATIO of the tilt,
# once the tilt adds up to more than TILT_MIN_DEG. The path of the angular rate is never shorter
# than the net rotation it produces, so correct data passes with a wide margin, while rad/s read as
# deg/s is 57 times too small.
TILT_MIN_DEG = 20.0
GYRO_TILT_MIN_RATIO = 0.2
# And at most GYRO_TILT_MAX_RATIO times the tilt: the path can be longer than the net rotation
# (kettlebell swings rock the pelvis back and forth within a window: up to 6.5 times in simulated
# and stress sets), but deg/s read as rad/s is 57 times too large.
GYRO_TILT_MAX_RATIO = 15.0
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


def drop_duplicates(stream: RawStream) -> tuple[RawStream, int]:
    """The stream without rows that repeat the previous row exactly (a packet logged twice).

    Returns
    -------
    (RawStream, int)
        The stream (the same object when nothing repeats) and how many rows were dropped.
    """
    if len(stream) < 2:
        return stream, 0
    same = (np.diff(stream.time_s) == 0) & (np.diff(stream.acc, axis=0) == 0).all(axis=1)
    same &= (np.diff(stream.gyr, axis=0) == 0).all(axis=1)
    if stream.seq is not None:
        same &= np.diff(stream.seq) == 0
    if not same.any():
        return stream, 0
    keep = np.concatenate([[True], ~same])
    seq = None if stream.seq is None else stream.seq[keep]
    kept = RawStream(
        stream.placement, stream.time_s[keep], seq, stream.acc[keep], stream.gyr[keep], stream.line_no[keep]
    )
    return kept, int(same.sum())


def drop_glitches(stream: RawStream, columns: Columns, path: Path) -> tuple[RawStream, str | None]:
    """The stream without samples beyond any IMU's range, when they are rare enough to be glitches.

    A sample with an accelerometer component beyond ``ACC_MAX_G`` or a gyro component beyond
    ``GYRO_MAX_DPS`` cannot come from a body-worn IMU. Up to one such sample in ``GLITCH_FRACTION``
    of the stream is dropped: its counter value or its place on the grid is then missing, so it
    becomes a gap like a lost packet. More are bad input.

    Returns
    -------
    (RawStream, str or None)
        The stream (the same object when nothing is dropped) and a note on what was dropped.

    Raises
    ------
    InputError
        At the first sample beyond range, when there are too many to be glitches.
    """
    acc_limit = ACC_MAX_G * (G_MPS2 if columns.acc_unit == "mps2" else 1.0)
    gyr_limit = GYRO_MAX_DPS if columns.gyr_unit == "dps" else np.radians(GYRO_MAX_DPS)
    if not len(stream) or all(
        values.max() <= limit and values.min() >= -limit
        for values, limit in ((stream.acc, acc_limit), (stream.gyr, gyr_limit))
    ):
        return stream, None
    over = (np.abs(stream.acc) > acc_limit).any(axis=1) | (np.abs(stream.gyr) > gyr_limit).any(axis=1)
    n_over = int(np.count_nonzero(over))
    first = int(np.argmax(over))
    if n_over > GLITCH_FRACTION * len(stream):
        raise _beyond_range(stream, columns, path, first, f"{n_over} of {len(stream)} samples")
    keep = ~over
    seq = None if stream.seq is None else stream.seq[keep]
    kept = RawStream(
        stream.placement, stream.time_s[keep], seq, stream.acc[keep], stream.gyr[keep], stream.line_no[keep]
    )
    note = (
        f"sensor {stream.placement}: dropped {n_over} samples beyond any IMU's range (|acc| > "
        f"{ACC_MAX_G:g} g or |gyro| > {GYRO_MAX_DPS:g} deg/s, first on line {stream.line_no[first]}) "
        "as glitches; they are gaps in the data"
    )
    return kept, note


def _beyond_range(stream: RawStream, columns: Columns, path: Path, j: int, how_many: str) -> InputError:
    acc_limit = ACC_MAX_G * (G_MPS2 if columns.acc_unit == "mps2" else 1.0)
    if (np.abs(stream.acc[j]) > acc_limit).any():
        k = int(np.argmax(np.abs(stream.acc[j])))
        value = float(stream.acc[j, k])
        shown = f"{value:.4g} g" if columns.acc_unit == "g" else f"{value:.4g} m/s^2 ({value / G_MPS2:.4g} g)"
        problem = f"acc value {shown} in column {columns.acc[k]} is beyond any IMU's range ({ACC_MAX_G:g} g)"
    else:
        k = int(np.argmax(np.abs(stream.gyr[j])))
        value = float(stream.gyr[j, k])
        if columns.gyr_unit == "dps":
            shown, hint = f"{value:.1f} deg/s", ""
        else:
            shown = f"{value:.2f} rad/s ({np.degrees(value):.0f} deg/s)"
            hint = ": are these deg/s in a rad/s column?"
        problem = (
            f"gyro value {shown} in column {columns.gyr[k]} is beyond any IMU's range "
            f"({GYRO_MAX_DPS:.0f} deg/s){hint}"
        )
    return InputError(
        f"{problem} ({how_many} are: too many to drop as glitches)", path, int(stream.line_no[j])
    )


def check_order(stream: RawStream, path: Path) -> None:
    """Raise InputError at the first sample whose time goes backwards or whose seq does not increase.

    A repeated time is allowed: loggers stamp a burst of samples with one clock tick.
    """
    for name, values, unit in (("time", stream.time_s, " s"), ("seq", stream.seq, "")):
        if values is None or len(values) < 2:
            continue
        step = np.diff(values)
        bad = np.flatnonzero(step < 0 if name == "time" else step <= 0)
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


def stream_timebase(stream: RawStream, path: Path) -> Timebase:
    """The stream's sample grid from its timestamps (``timebase``), refusing what no clock explains.

    Raises
    ------
    InputError
        A counter that jumps further than the time that passed, timestamps that do not advance,
        or (without a counter) jittering timestamps that a regular sample clock cannot explain: more
        than ``IRREGULAR_MISSING`` of the grid missing in short holes, or a typical distance from the
        grid of more than ``IRREGULAR_MAD`` of a period.
    """
    _check_counter(stream, path)
    tb = timebase(stream.time_s, stream.seq)
    if tb is None:
        raise InputError(
            f"the timestamps of sensor {stream.placement} do not advance "
            f"({len(stream)} samples at {stream.time_s[0]:.6f} s)",
            path,
            int(stream.line_no[0]),
        )
    if not tb.jitter_s or stream.seq is not None:
        # On a grid to the microsecond, or placed by the sensor's own counter (timestamps that wobble
        # around it, as a loaded host stamps them, are smoothed, not refused): what is missing was lost.
        return tb
    period_s = 1.0 / tb.rate_hz
    steps = np.diff(tb.positions)
    short_missing = int(np.sum((steps - 1)[steps <= SHORT_HOLE_S * tb.rate_hz]))
    typical_s = float(np.median(np.abs(stream.time_s - tb.time_s)))
    if short_missing > IRREGULAR_MISSING * (tb.positions[-1] + 1) or typical_s > IRREGULAR_MAD * period_s:
        raise InputError(
            f"the timestamps of sensor {stream.placement} are irregular: no steady sample clock explains "
            f"them (on a {tb.rate_hz:.4g} Hz grid, {short_missing} of {tb.positions[-1] + 1} samples "
            f"would be missing and the timestamps lie {1e3 * typical_s:.1f} ms from it)",
            path,
            int(stream.line_no[0]),
        )
    return tb


def _check_counter(stream: RawStream, path: Path) -> None:
    """Refuse a counter jump that the timestamps cannot hold (a corrupted ``seq``)."""
    if stream.seq is None or len(stream) < 3:
        return
    dt_s = np.diff(stream.time_s)
    dseq = np.diff(stream.seq)
    single = dt_s[(dseq == 1) & (dt_s > 0)]
    if not len(single):
        return
    period_s = float(np.median(single))
    bad = np.flatnonzero((dseq - 1) * period_s > 2 * dt_s + COUNTER_SLACK_S)
    if not len(bad):
        return
    j = int(bad[0])
    raise InputError(
        f"seq of sensor {stream.placement} jumps by {dseq[j]:.0f} in {dt_s[j]:.3f} s, "
        f"{dseq[j] * period_s:.3g} s of samples at {1 / period_s:.4g} Hz: the counter and the "
        f"timestamps disagree (previous sample on line {stream.line_no[j]})",
        path,
        int(stream.line_no[j + 1]),
    )


def check_header_rate(
    stream: RawStream, rate_hz: float, header_rate_hz: float, path: Path, line: int
) -> str | None:
    """Compare a stream's rate from its timestamps with the header's nominal rate.

    Returns
    -------
    str or None
        A warning when they differ by more than ``RATE_NOTE`` (the timestamps' rate is used).

    Raises
    ------
    InputError
        When they differ by more than ``RATE_TOLERANCE``: more than clock error or jitter explains.
    """
    off = rate_hz / header_rate_hz - 1.0
    if abs(off) > RATE_TOLERANCE:
        raise InputError(
            f"sample rate mismatch: the header's sample_rate_hz is {header_rate_hz:g} Hz but sensor "
            f"{stream.placement}'s timestamps give {rate_hz:.4g} Hz",
            path,
            line,
        )
    if abs(off) > RATE_NOTE:
        return (
            f"sensor {stream.placement}: the header's sample_rate_hz is {header_rate_hz:g} Hz but the "
            f"timestamps give {rate_hz:.4g} Hz ({100 * off:+.1f} %); using {rate_hz:.4g} Hz"
        )
    return None


def check_magnitudes(stream: RawStream, columns: Columns, path: Path, column_line: int) -> None:
    """Raise InputError for units that do not match the column names (after ``drop_glitches``).

    Checks: the median accelerometer magnitude between 0.5 g and 2 g (m/s^2 in a g column reads
    as about 9.8 g); the gyro's rotation path between a fifth and 15 times the accelerometer's tilt
    change (rad/s in a deg/s column is 57 times too small, deg/s in a rad/s column 57 times too
    large). Unit problems are reported on the column header line, where the units are declared.
    """
    if not len(stream):
        return
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
    if tilt_deg > TILT_MIN_DEG and rotation_deg > GYRO_TILT_MAX_RATIO * tilt_deg:
        hint = ""
        if columns.gyr_unit == "rads":
            hint = ": looks like deg/s in a rad/s column (name the columns gyr_*_dps)"
        raise InputError(
            f"gyro too large for the motion of sensor {stream.placement}: the accelerometer tilts by "
            f"{tilt_deg:.0f} deg but the gyro integrates to {rotation_deg:.0f} deg{hint}",
            path,
            column_line,
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


def find_gaps(placement: str, tb: Timebase) -> list[Gap]:
    """Gaps in one sensor's samples: jumps of its grid positions (the counter, or the timestamps).

    A gap runs from the last sample before it to the first sample after it.
    """
    step = np.diff(tb.positions)
    where = np.flatnonzero(step > 1)
    t = tb.time_s
    return [
        Gap(placement, float(t[i]), float(t[i + 1]), int(m))
        for i, m in zip(where.tolist(), (step[where] - 1).tolist(), strict=True)
    ]
