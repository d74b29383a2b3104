"""The phase rule (``docs/method.md``): movement onset and offset from the flexion speed.

A movement's onset and offset are where its flexion speed (in its own direction) crosses a fraction
(default 5 %) of that movement's own peak speed (floor 2 deg/s), searched outwards from the peak-speed
instant; each boundary must also lie inside an angle zone (for example the deepest 25 % of the rep's
range of motion), so a stall half-way down is not the bottom. The simulator's ground truth and the
segmenter both use this.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SPEED_FRACTION = 0.05
SPEED_FLOOR_DPS = 2.0


@dataclass(frozen=True)
class Zone:
    """An angle interval in degrees, inclusive."""

    low_deg: float
    high_deg: float


def speed_threshold_dps(
    peak_speed_dps: float, fraction: float = SPEED_FRACTION, floor_dps: float = SPEED_FLOOR_DPS
) -> float:
    """Speed below which a movement has not started or has ended."""
    return max(fraction * abs(peak_speed_dps), floor_dps)


def crossing_time(t_below: float, t_above: float, s_below: float, s_above: float, thr: float) -> float:
    """Sub-sample time where the speed crosses ``thr`` between a sample below it and its neighbour
    (linear between the two; the sample below when the speed does not rise towards the other)."""
    if s_above <= s_below:
        return float(t_below)
    frac = (thr - s_below) / (s_above - s_below)
    return float(t_below + min(max(frac, 0.0), 1.0) * (t_above - t_below))


def _below(
    speed_dps: np.ndarray, angle_deg: np.ndarray, lo: int, hi: int, zone: Zone, thr: float, sign: float
) -> np.ndarray:
    """Indices in ``[lo, hi)`` where the speed along the movement is under ``thr`` inside ``zone``."""
    along, angle = speed_dps[lo:hi] * sign, angle_deg[lo:hi]
    return np.flatnonzero((along < thr) & (angle >= zone.low_deg) & (angle <= zone.high_deg)) + lo


def movement_onset_s(
    time_s: np.ndarray,
    angle_deg: np.ndarray,
    speed_dps: np.ndarray,
    peak_index: int,
    onset_zone: Zone,
    start: int = 0,
    fraction: float = SPEED_FRACTION,
    floor_dps: float = SPEED_FLOOR_DPS,
) -> float | None:
    """Onset time of the movement whose peak speed is at ``peak_index``, searched back to ``start``.

    Parameters are those of ``movement_bounds``; None when no sample before the peak is slow enough
    inside ``onset_zone``.
    """
    thr = speed_threshold_dps(speed_dps[peak_index], fraction, floor_dps)
    sign = float(np.sign(speed_dps[peak_index]))
    onsets = _below(speed_dps, angle_deg, start, peak_index, onset_zone, thr, sign)
    if not len(onsets):
        return None
    i_on = int(onsets[-1])
    return crossing_time(
        time_s[i_on], time_s[i_on + 1], sign * speed_dps[i_on], sign * speed_dps[i_on + 1], thr
    )


def movement_bounds(
    time_s: np.ndarray,
    angle_deg: np.ndarray,
    speed_dps: np.ndarray,
    peak_index: int,
    onset_zone: Zone,
    offset_zone: Zone,
    search: tuple[int, int] | None = None,
    fraction: float = SPEED_FRACTION,
    floor_dps: float = SPEED_FLOOR_DPS,
) -> tuple[float, float] | None:
    """Onset and offset times of the movement whose peak speed is at ``peak_index``.

    Parameters
    ----------
    time_s, angle_deg, speed_dps : ndarray, shape (N,)
        Sample times, flexion angle and flexion speed.
    peak_index : int
        Index of the movement's peak speed.
    onset_zone, offset_zone : Zone
        Angle intervals in which the onset and the offset must lie.
    search : (int, int), optional
        Index range ``[start, stop)`` to search in; the whole signal by default.
    fraction, floor_dps : float
        Threshold as a fraction of the peak speed, and its floor in deg/s.

    Returns
    -------
    (onset_s, offset_s) or None
        ``None`` when either boundary is not inside the search range (the movement is unfinished).
    """
    start, stop = search if search is not None else (0, len(time_s))
    onset_s = movement_onset_s(
        time_s, angle_deg, speed_dps, peak_index, onset_zone, start, fraction, floor_dps
    )
    thr = speed_threshold_dps(speed_dps[peak_index], fraction, floor_dps)
    # Speed in the movement's own direction: a sharp reversal crosses zero between two samples that
    # are both fast, and still ends the movement.
    sign = float(np.sign(speed_dps[peak_index]))
    offsets = _below(speed_dps, angle_deg, peak_index + 1, stop, offset_zone, thr, sign)
    if onset_s is None or not len(offsets):
        return None
    i_off = int(offsets[0])
    offset_s = crossing_time(
        time_s[i_off], time_s[i_off - 1], sign * speed_dps[i_off], sign * speed_dps[i_off - 1], thr
    )
    return onset_s, offset_s
