"""A deliberately plain reference of the phase rule, for ground truth only.

The analyser's segmenter finds movements itself and works on noisy, smoothed, streamed data; ground
truth knows which movement is which and has the noise-free angle on a fine grid. This module applies
the rule as it is written, sample by sample, and shares no code with the analyser:

    a movement's onset and offset are where its flexion speed crosses 5 % of that movement's own peak
    speed (at least 2 deg/s), searched outwards from the peak-speed instant; the offset into the
    bottom lies within the deepest 25 % of the rep's range of motion and the offset at the top within
    the top 25 % (standing = 0 deg).
"""

from __future__ import annotations

import numpy as np

FRACTION = 0.05
FLOOR_DPS = 2.0
ZONE = 0.25


def movement_span_s(
    time_s: np.ndarray,
    angle_deg: np.ndarray,
    speed_dps: np.ndarray,
    start_s: float,
    end_s: float,
    downward: bool,
    bottom_deg: float,
    limits_s: tuple[float, float],
) -> tuple[float, float] | None:
    """Onset and offset of one movement by the written rule.

    Parameters
    ----------
    time_s, angle_deg, speed_dps : ndarray
        A fine, uniform grid of the noise-free flexion angle (deg; 0 = standing) and its speed.
    start_s, end_s : float
        Where the movement is known to happen; its peak speed is looked for in there.
    downward : bool
        True for a movement into the bottom (flexion growing), False for one out of it.
    bottom_deg : float
        The rep's deepest flexion, which fixes the two zones.
    limits_s : (float, float)
        How far the search may go either way (the neighbouring movements' peak-speed instants).

    Returns
    -------
    (onset_s, offset_s) or None
        None when a boundary cannot be found inside the limits.
    """
    first, last = (int(i) for i in np.searchsorted(time_s, limits_s))
    lo, hi = (int(i) for i in np.searchsorted(time_s, [start_s, end_s]))
    direction = 1.0 if downward else -1.0
    peak = lo + int(np.argmax(direction * speed_dps[lo:hi]))
    threshold = max(FRACTION * abs(float(speed_dps[peak])), FLOOR_DPS)
    top_zone = (-np.inf, ZONE * bottom_deg)
    deep_zone = ((1 - ZONE) * bottom_deg, np.inf)
    onset_zone, offset_zone = (top_zone, deep_zone) if downward else (deep_zone, top_zone)

    def quiet(a: int, b: int, zone: tuple[float, float]) -> np.ndarray:
        angle = angle_deg[a:b]
        return (direction * speed_dps[a:b] < threshold) & (angle >= zone[0]) & (angle <= zone[1])

    before = np.flatnonzero(quiet(first, peak + 1, onset_zone))
    after = np.flatnonzero(quiet(peak, last, offset_zone))
    if not len(before) or not len(after):
        return None
    return float(time_s[first + before[-1]]), float(time_s[peak + after[0]])
