"""The neck angle: head flexion minus trunk (upper-back) flexion, the head's angle taken at the
trunk's sample times after its clock is mapped onto the trunk's (``signal.clock_align``).

Both are measured from their calibrated standing posture, so 0 deg is the neck as it was held
standing; positive when the head drops towards the chest, negative when the neck cranes back. The
head's flexion is tolerant of the head turning about its own axis (``body.angles``): looking around
is not read as a change of the neck angle.

The head's clock is found from its rates, which its own neck movement pulls by up to a tenth of a
second (``signal.clock_align.NECK_TIMING_S``): one offset, the same through a rep. A rep's neck
peaks are therefore the smallest that some clock offset within that time gives (``neck_peaks_deg``):
a timing error makes a neck angle out of the trunk's own movement, which one of those offsets takes
away again, while a drop or a crane the head really made shows at every offset.
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


def neck_peaks_deg(neck_deg: np.ndarray, trunk_deg: np.ndarray, reach: int) -> tuple[float, int, float, int]:
    """A rep's peak neck flexion and extension (deg) that hold for every head clock offset within
    ``reach`` samples, and where each peaked.

    Parameters
    ----------
    neck_deg, trunk_deg : ndarray, shape (N + 2 * reach,)
        The neck angle and trunk flexion on the trunk's grid (finite) over the rep and ``reach``
        samples either side of it; the head's flexion is their sum.
    reach : int
        Samples; 0 when the two streams share a clock.

    Returns
    -------
    (float, int, float, int)
        The least peak flexion over the offsets and its sample in the rep (0 .. N - 1), then the
        least peak extension (the most negative neck angle, sign turned) and its sample.
    """
    n = len(neck_deg) - 2 * reach
    head = neck_deg + trunk_deg
    # Row k: the neck angle over the rep if the head's clock were k - reach samples off.
    shifted = sliding_window_view(head, n)[: 2 * reach + 1] - trunk_deg[reach : reach + n]
    flexion, extension = shifted.max(axis=1), (-shifted).max(axis=1)
    k_flex, k_ext = int(np.argmin(flexion)), int(np.argmin(extension))
    return (
        float(flexion[k_flex]),
        int(np.argmax(shifted[k_flex])),
        float(extension[k_ext]),
        int(np.argmin(shifted[k_ext])),
    )
