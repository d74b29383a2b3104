"""Accelerometer and gyroscope of a phone or vendor logger, merged into one sensor stream.

Phones and loggers sample the accelerometer and the gyroscope separately: each has its own
timestamps, often its own rate, and either may lose samples. The recording format has one row per
sample with both, so the gyroscope is interpolated (linearly) at the accelerometer's timestamps.
The accelerometer's timestamps are kept as they are: the sample clock of the result is the
accelerometer's. Accelerometer samples outside the gyroscope's span, or inside a hole of the
gyroscope longer than ``HOLE_PERIODS`` of its periods, have no gyroscope reading and are left out,
so the merged stream shows a gap there instead of an invented rate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from imuhinge.errors import InputError

HOLE_PERIODS = 4.0
TIME_RESOLUTION_S = 1e-6


@dataclass
class Series:
    """One sensor's samples on the device's clock, in SI units.

    Attributes
    ----------
    time_s : ndarray, shape (N,)
        Seconds on the device clock (any origin).
    xyz : ndarray, shape (N, 3)
        m/s^2 for an accelerometer, rad/s for a gyroscope.
    """

    time_s: np.ndarray
    xyz: np.ndarray

    def __len__(self) -> int:
        return len(self.time_s)

    def cleaned(self) -> Series:
        """Rows in time order without missing values and without rows that repeat the previous one."""
        t, xyz = np.asarray(self.time_s, float), np.asarray(self.xyz, float)
        ok = np.isfinite(t) & np.isfinite(xyz).all(axis=1)
        t, xyz = t[ok], xyz[ok]
        order = np.argsort(t, kind="stable")
        t, xyz = t[order], xyz[order]
        if len(t) > 1:
            again = (np.diff(t) == 0) & (np.diff(xyz, axis=0) == 0).all(axis=1)
            keep = np.concatenate([[True], ~again])
            t, xyz = t[keep], xyz[keep]
        return Series(t, xyz)


def typical_interval_s(time_s: np.ndarray) -> float:
    """Median positive interval between timestamps (inf with fewer than two distinct times)."""
    dt = np.diff(time_s)
    dt = dt[dt > 0]
    return float(np.median(dt)) if len(dt) else np.inf


def series_at(time_s: np.ndarray, gyr: Series, hole_s: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """A series (the gyroscope; or a phone's gravity) interpolated at ``time_s``, where it has a reading.

    Parameters
    ----------
    time_s : ndarray, shape (N,)
        Sorted times (the accelerometer's) on the same clock as ``gyr``.
    gyr : Series
        Sorted samples.
    hole_s : float, optional
        Longest interval between samples to interpolate across (default: ``HOLE_PERIODS``
        typical intervals).

    Returns
    -------
    covered : ndarray of bool, shape (N,)
        True where the series has samples on both sides, close enough.
    values : ndarray, shape (covered.sum(), 3)
        The interpolated values at the covered times.
    """
    if len(gyr) < 2:
        return np.zeros(len(time_s), bool), np.empty((0, 3))
    if hole_s is None:
        hole_s = HOLE_PERIODS * typical_interval_s(gyr.time_s)
    right = np.searchsorted(gyr.time_s, time_s, side="left")
    inside = (right > 0) & (right < len(gyr)) | (time_s == gyr.time_s[0])
    right = np.clip(right, 1, len(gyr) - 1)
    span = gyr.time_s[right] - gyr.time_s[right - 1]
    covered = inside & (span <= hole_s)
    t = time_s[covered]
    rates = np.column_stack([np.interp(t, gyr.time_s, gyr.xyz[:, k]) for k in range(3)])
    return covered, rates


def merge(acc: Series, gyr: Series, source: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One stream from an accelerometer and a gyroscope on one clock (see the module docstring).

    Returns
    -------
    time_s, acc_mps2, gyr_rads : ndarray
        The accelerometer's times where the gyroscope has a reading, both sensors there.

    Raises
    ------
    InputError
        Too few samples, or the two sensors do not overlap in time.
    """
    acc, gyr = acc.cleaned(), gyr.cleaned()
    for name, series in (("accelerometer", acc), ("gyroscope", gyr)):
        if len(series) < 2:
            raise InputError(f"{source}: the {name} has {len(series)} samples; a set needs many more")
    covered, rates = series_at(acc.time_s, gyr)
    if covered.sum() < 2:
        raise InputError(
            f"{source}: the accelerometer ({acc.time_s[0]:.3f}-{acc.time_s[-1]:.3f} s) and the gyroscope "
            f"({gyr.time_s[0]:.3f}-{gyr.time_s[-1]:.3f} s) do not overlap in time"
        )
    return acc.time_s[covered], acc.xyz[covered], rates


def strictly_increasing(time_s: np.ndarray) -> np.ndarray:
    """``time_s`` with repeated stamps (a burst stamped with one clock tick) moved apart by 1 us.

    The recording format keeps microseconds and wants every sample of a sensor at its own time;
    the reader puts the samples back on their grid anyway.
    """
    ticks = np.rint(np.asarray(time_s, float) / TIME_RESOLUTION_S).astype(np.int64)
    index = np.arange(len(ticks), dtype=np.int64)
    return (np.maximum.accumulate(ticks - index) + index) * TIME_RESOLUTION_S
