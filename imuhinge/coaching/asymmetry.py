"""Left-right asymmetry of single-leg sets: per-rep medians of a left and a right set side by side."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from imuhinge.errors import AnalysisError
from imuhinge.model import Rep, SetReport

ASYMMETRY_FIELDS: dict[str, Callable[[Rep], float | None]] = {
    "depth_deg": lambda r: r.peak_trunk_flexion_deg,
    "lateral_tilt_deg": lambda r: None if r.peak_lateral_tilt_deg is None else abs(r.peak_lateral_tilt_deg),
    "twist_deg": lambda r: None if r.peak_twist_deg is None else abs(r.peak_twist_deg),
    "eccentric_s": lambda r: r.eccentric_s,
    "bottom_s": lambda r: r.bottom_s,
    "concentric_s": lambda r: r.concentric_s,
}


def asymmetry(left: SetReport, right: SetReport) -> dict[str, dict[str, float | None]]:
    """Compare a left-leg and a right-leg set (single-leg RDL): per-rep medians side by side.

    Tilt and twist are compared by magnitude (their signs mirror between sides). The symmetry index
    is ``|R - L| / ((|R| + |L|) / 2) * 100`` (Robinson et al., 1987): 0 % is perfectly symmetric.

    Parameters
    ----------
    left, right : SetReport
        The sets on the left and on the right leg.

    Returns
    -------
    dict
        For each of ``depth_deg``, ``lateral_tilt_deg``, ``twist_deg``, ``eccentric_s``,
        ``bottom_s``, ``concentric_s``: ``{"left", "right", "right_minus_left",
        "symmetry_index_percent"}``, None where a side did not measure it.

    Raises
    ------
    AnalysisError
        When either set has no rep.
    """
    for side, report in (("left", left), ("right", right)):
        if not report.reps:
            raise AnalysisError(f"the {side} set has no full rep to compare")
    out: dict[str, dict[str, float | None]] = {}
    for name, get in ASYMMETRY_FIELDS.items():
        med = {}
        for side, report in (("left", left), ("right", right)):
            vals = [v for v in (get(r) for r in report.reps) if v is not None]
            med[side] = float(np.median(vals)) if vals else None
        lv, rv = med["left"], med["right"]
        diff: float | None = None
        index: float | None = None
        if lv is not None and rv is not None:
            diff = rv - lv
            mean_mag = (abs(rv) + abs(lv)) / 2
            index = 100.0 * abs(diff) / mean_mag if mean_mag else 0.0
        out[name] = {"left": lv, "right": rv, "right_minus_left": diff, "symmetry_index_percent": index}
    return out
