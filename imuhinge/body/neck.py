"""The neck angle: head flexion minus trunk (upper-back) flexion, the head's angle taken at the
trunk's sample times after its clock is mapped onto the trunk's (``signal.clock_align``).

Both are measured from their calibrated standing posture, so 0 deg is the neck as it was held
standing; positive when the head drops towards the chest, negative when the neck cranes back. The
head's flexion is tolerant of the head turning about its own axis (``body.angles``): looking around
is not read as a change of the neck angle.

The head's clock is found from its rates, which its own neck movement pulls by up to a tenth of a
second (``signal.clock_align.NECK_TIMING_S``). A rep's neck peaks are therefore taken from the least
(for a drop) and the most (for a crane) neck angle any clock offset within that time allows
(``neck_bounds_deg``): at the bottom of a rep, where the trunk is slow, the bounds close on the angle
itself; only an excursion made while the trunk moves fast can shrink.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from imuhinge.body.angles import SegmentAngles
from imuhinge.body.lumbar import flexion_on_trunk_clock
from imuhinge.signal.clock_align import ClockAlignment


def neck_series(trunk: SegmentAngles, head: SegmentAngles, alignment: ClockAlignment) -> np.ndarray:
    """Neck flexion (deg) at the trunk's sample times: clock-aligned head flexion minus trunk flexion.

    Parameters
    ----------
    trunk, head : SegmentAngles
        Upper-back and head angles, each on its own sensor's clock.
    alignment : ClockAlignment
        Maps the head clock onto the upper-back clock.

    Returns
    -------
    ndarray, shape (len(trunk.time_s),)
        Positive when the head drops; NaN where either sensor has a gap too long to fill or the head
        stream does not cover the trunk's time.
    """
    return flexion_on_trunk_clock(trunk.time_s, head.time_s, head.flexion_deg, alignment) - trunk.flexion_deg


def neck_bounds_deg(neck_deg: np.ndarray, trunk_deg: np.ndarray, reach: int) -> tuple[np.ndarray, np.ndarray]:
    """The least and the most neck angle (deg) at each sample for every head clock offset within
    ``reach`` samples either way.

    Parameters
    ----------
    neck_deg, trunk_deg : ndarray, shape (N,)
        The neck angle and trunk flexion on the trunk's grid (finite); the head's flexion is their sum.
    reach : int
        Samples; 0 when the two streams share a clock.

    Returns
    -------
    (ndarray, ndarray)
        Lower and upper bound; beyond the ends the end values hold.
    """
    if reach < 1:
        return neck_deg, neck_deg
    head = sliding_window_view(np.pad(neck_deg + trunk_deg, reach, mode="edge"), 2 * reach + 1)
    return head.min(axis=1) - trunk_deg, head.max(axis=1) - trunk_deg
