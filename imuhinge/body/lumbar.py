"""Lumbar flexion: trunk minus pelvis flexion, the pelvis angle taken at the trunk's sample times after
its clock is mapped onto the trunk's (``signal.clock_align``). Where the sacrum stream has a gap the
lumbar angle is NaN and everything measured from the trunk stays as it is.
"""

from __future__ import annotations

import numpy as np

from imuhinge.body.angles import SegmentAngles
from imuhinge.errors import AnalysisError, InputError
from imuhinge.signal.clock_align import ClockAlignment


def flexion_on_trunk_clock(
    trunk_time_s: np.ndarray,
    other_time_s: np.ndarray,
    other_flexion_deg: np.ndarray,
    alignment: ClockAlignment,
) -> np.ndarray:
    """A second segment's flexion (pelvis or head, on its own sensor's clock) at trunk clock times.

    NaN where the second stream does not cover the time, or has a gap there.
    """
    at = alignment.to_pelvis_time(trunk_time_s)
    return np.interp(at, other_time_s, other_flexion_deg, left=np.nan, right=np.nan)


def lumbar_series(trunk: SegmentAngles, pelvis: SegmentAngles, alignment: ClockAlignment) -> np.ndarray:
    """Lumbar flexion (deg) at the trunk's sample times: trunk minus clock-aligned pelvis flexion.

    Parameters
    ----------
    trunk, pelvis : SegmentAngles
        Upper-back and sacrum angles, each on its own sensor's clock.
    alignment : ClockAlignment
        Maps the sacrum clock onto the upper-back clock.

    Returns
    -------
    ndarray, shape (len(trunk.time_s),)
        Positive when the lower back rounds; NaN where either sensor has a gap too long to fill or
        the sacrum stream does not cover the trunk's time.
    """
    return trunk.flexion_deg - flexion_on_trunk_clock(
        trunk.time_s, pelvis.time_s, pelvis.flexion_deg, alignment
    )


def lumbar_limit_from_range(max_lumbar_deg: float, percent: float) -> float:
    """A lumbar flexion limit as a percentage of the lifter's own full-forward-bend range.

    Loaded spines are usually kept well inside their range: flexion beyond about 80 % of the full
    range strains the posterior ligaments, and coaching limits of 20-50 % are common.

    Parameters
    ----------
    max_lumbar_deg : float
        Lumbar flexion at a full, relaxed forward bend (``max_lumbar_flexion_deg``).
    percent : float
        Share of that range allowed, in (0, 100].

    Returns
    -------
    float
        The limit in degrees, for ``Targets.lumbar_flexion_max_deg``.

    Raises
    ------
    AnalysisError
        A range that is not positive (the calibration bend showed no lumbar flexion).
    InputError
        A percentage outside (0, 100].
    """
    if not np.isfinite(max_lumbar_deg) or max_lumbar_deg <= 0:
        raise AnalysisError(
            f"the calibration bend shows no lumbar flexion ({max_lumbar_deg:.1f}°); bend forward fully, "
            "letting the back round, with both sensors on"
        )
    if not 0 < percent <= 100:
        raise InputError(f"the lumbar limit must be a percentage in (0, 100], not {percent:g}")
    return float(max_lumbar_deg) * percent / 100.0
