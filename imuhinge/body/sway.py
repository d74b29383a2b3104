"""Out-of-plane motion of the trunk per rep: lateral tilt and twist ranges, steadiness at depth."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from imuhinge.body.angles import AngleSeries
from imuhinge.model import Rep


@dataclass(frozen=True)
class RepSway:
    """Out-of-plane motion of the trunk during one rep (balance and asymmetry, one sensor suffices).

    Attributes
    ----------
    lateral_tilt_range_deg, twist_range_deg : float or None
        Largest minus smallest lateral tilt (twist) from the rep's start to its end.
    bottom_tilt_sd_deg : float or None
        Standard deviation of the lateral tilt during the bottom pause: steadiness at depth.
    """

    lateral_tilt_range_deg: float | None
    twist_range_deg: float | None
    bottom_tilt_sd_deg: float | None


def _finite(x: np.ndarray) -> np.ndarray:
    return x[np.isfinite(x)]


def sway_per_rep(series: AngleSeries, reps: list[Rep]) -> list[RepSway]:
    """Lateral tilt and twist ranges and bottom steadiness of every rep.

    Parameters
    ----------
    series : AngleSeries
        The trunk angles the reps were measured on.
    reps : list of Rep

    Returns
    -------
    list of RepSway, one per rep
    """
    out = []
    for rep in reps:
        win = series.window(rep.start_s, rep.end_s)
        tilt, twist = _finite(series.lateral_tilt_deg[win]), _finite(series.twist_deg[win])
        bottom = _finite(series.lateral_tilt_deg[series.window(rep.lower_offset_s, rep.rise_onset_s)])
        out.append(
            RepSway(
                float(np.ptp(tilt)) if len(tilt) else None,
                float(np.ptp(twist)) if len(twist) else None,
                float(np.std(bottom)) if len(bottom) > 1 else None,
            )
        )
    return out
