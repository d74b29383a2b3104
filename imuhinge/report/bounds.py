"""Physical bounds of a reported rep: results no body can produce are never given as results.

A lower back or a neck flexes or extends by a few tens of degrees, never beyond 90; the hips of a
hinge or a squat move by tens of centimetres, never a metre; a trunk turns at most half a turn, and
slower than a gyroscope's range (2000 °/s); a phase lasts a finite, non-negative time. A rep beyond
these bounds comes from data that is not what it claims to be (a sensor on the wrong segment, values
that are not accelerations), and the set is refused instead of reported.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from imuhinge.errors import InputError
from imuhinge.model import SetReport
from imuhinge.report.rep_table import rep_rows

# key: (words, largest magnitude, unit)
LIMITS = {
    "peak_lumbar_flexion_deg": ("lumbar flexion", 90.0, "°"),
    "peak_neck_flexion_deg": ("neck flexion", 90.0, "°"),
    "peak_neck_extension_deg": ("neck extension", 90.0, "°"),
    "lockout_lumbar_extension_deg": ("lumbar extension at lockout", 90.0, "°"),
    "hip_drop_m": ("hip travel", 1.0, " m"),
    "hip_drop_low_m": ("hip travel", 1.0, " m"),
    "hip_drop_high_m": ("hip travel", 1.0, " m"),
    "peak_trunk_flexion_deg": ("trunk flexion", 180.0, "°"),
    "lockout_extension_deg": ("lean-back at lockout", 180.0, "°"),
    "peak_lateral_tilt_deg": ("lateral tilt", 180.0, "°"),
    "peak_twist_deg": ("twist", 180.0, "°"),
    "pelvis_rotation_deg": ("pelvis rotation", 180.0, "°"),
    "lockout_short_deg": ("distance from the lockout", 180.0, "°"),
    "concentric_mean_speed_dps": ("rising speed", 2000.0, "°/s"),
    "concentric_peak_speed_dps": ("rising speed", 2000.0, "°/s"),
    "hip_snap_dps": ("hip snap", 2000.0, "°/s"),
}
DURATIONS = ("eccentric_s", "bottom_s", "concentric_s", "top_s")


def rep_problem(row: Mapping[str, object]) -> str | None:
    """What makes one rep (a row of ``rep_table.rep_row``) physically impossible, or None.

    Parameters
    ----------
    row : mapping
        The rep's fields by their report keys; missing keys and None values are not measured.

    Returns
    -------
    str or None
        For example ``"lumbar flexion 176° (beyond 90°)"``.
    """
    for key, (words, limit, unit) in LIMITS.items():
        value = row.get(key)
        if value is None:
            continue
        if not _is_number(value):
            return f"{words} {value!r:.40} is not a number"
        if abs(value) > limit:  # type: ignore[arg-type]
            return f"{words} {value:.4g}{unit} (beyond {limit:g}{unit})"
    for key in DURATIONS:
        value = row.get(key)
        if value is not None and not (_is_number(value) and value >= 0):  # type: ignore[operator]
            return f"{key.removesuffix('_s')} phase of {value!r:.40} s"
    return None


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def check_physical_bounds(report: SetReport) -> None:
    """Refuse a set whose results no body can produce.

    Raises
    ------
    InputError
        Naming the first impossible rep, the quantity and the bound, and the recording.
    """
    for row in rep_rows(report):
        problem = rep_problem(row)
        if problem is not None:
            raise InputError(
                f"rep {row['index']} gives {problem}: physically impossible, so no result is reported "
                "(is each sensor on its segment, and are the values what the columns say?)",
                report.source,
            )
