"""How fast each rep rises: the mean and peak angular speed of its rising (concentric) movement, and the
hip snap of a swing.

The mean speed is taken over the middle 80 % of the rotation: the angle from 10 % to 90 % of the way
from the rise's onset to its offset, over the time it took. The slow first and last moments of a
movement are the least certain in time (a boundary a sample early stretches a fast rise by a few
percent) and carry almost no angle, so they are left out. The peak is the fastest instant of the
angle's rate. A swing's hip snap is the fastest extension of the pelvis during the rise when there is
a sacrum sensor, else of the trunk. A rising movement over a gap in the data has no speed.
"""

from __future__ import annotations

import numpy as np

from imuhinge.body.angles import AngleSeries
from imuhinge.model import Rep

MIDDLE = (0.1, 0.9)  # the part of the rotation the mean speed is taken over


def _reached_s(time_s: np.ndarray, angle_deg: np.ndarray, level_deg: float) -> float | None:
    """When a falling angle first reaches ``level_deg`` (linear between samples)."""
    below = np.flatnonzero(angle_deg <= level_deg)
    if not len(below) or below[0] == 0:
        return None
    i = int(below[0])
    return float(np.interp(level_deg, angle_deg[[i, i - 1]], time_s[[i, i - 1]]))


def concentric_speeds_dps(rep: Rep, series: AngleSeries) -> tuple[float | None, float | None]:
    """Mean and peak angular speed of a rep's rising movement.

    Parameters
    ----------
    rep : Rep
        Its rise onset and offset, and ``concentric_s`` (None over a gap).
    series : AngleSeries
        The driving segment's flexion.

    Returns
    -------
    (float or None, float or None)
        Mean (middle 80 % of the rotation) and peak speed, deg/s, positive rising; None when the
        rise was not measured.
    """
    if rep.concentric_s is None:
        return None, None
    rise = series.window(rep.rise_onset_s, rep.rise_offset_s)
    time_s, angle = series.time_s[rise], series.trunk_flexion_deg[rise]
    if len(time_s) < 3 or not np.isfinite(angle).all():
        return None, None
    start, end = np.interp([rep.rise_onset_s, rep.rise_offset_s], time_s, angle)
    levels = [start - f * (start - end) for f in MIDDLE]
    reached = [_reached_s(time_s, angle, level) for level in levels]
    if reached[0] is None or reached[1] is None or reached[1] <= reached[0]:
        return None, None
    mean = (levels[0] - levels[1]) / (reached[1] - reached[0])
    return float(mean), float(np.max(-np.gradient(angle, time_s)))


def hip_snap_dps(rep: Rep, series: AngleSeries) -> float | None:
    """A swing's hip snap: the fastest extension of the pelvis (the trunk with one sensor) in the rise.

    Parameters
    ----------
    rep : Rep
        With its concentric speeds measured.
    series : AngleSeries
        Trunk flexion and, with a sacrum sensor, lumbar flexion (pelvis = trunk - lumbar).

    Returns
    -------
    float or None
        Deg/s; None when the rise or the pelvis over it was not measured.
    """
    if rep.concentric_peak_speed_dps is None or series.lumbar_flexion_deg is None:
        return rep.concentric_peak_speed_dps
    rise = series.window(rep.rise_onset_s, rep.rise_offset_s)
    time_s = series.time_s[rise]
    pelvis = (series.trunk_flexion_deg - series.lumbar_flexion_deg)[rise]
    if len(time_s) < 3 or not np.isfinite(pelvis).all():
        return None
    return float(np.max(-np.gradient(pelvis, time_s)))
