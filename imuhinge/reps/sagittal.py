"""A rep is a sagittal movement: its forward flexion dominates.

Side bends, rotations and reaching carry some forward tilt, often more than the minimum depth of a
rep. Over a candidate rep (onset of the first movement to offset of the second) the flexion's
excursion is compared with the largest excursion of lateral tilt and of twist (each from the
straight line between its start and end values, so a slow drift does not count); a rep needs
``SAGITTAL_RATIO`` times more flexion. A single-leg RDL tilts and opens the trunk by a few degrees
against tens of degrees of flexion; a side bend tilts as far as it flexes.
"""

from __future__ import annotations

import numpy as np

from imuhinge.body.angles import AngleSeries
from imuhinge.model import OtherMovement
from imuhinge.reps.segment import RepBounds

SAGITTAL_RATIO = 2.5
MAX_SAMPLES = 256  # per movement: the angles are smooth, a few hundred samples show any excursion


def _largest_change(x: np.ndarray) -> float:
    """How far an angle leaves the straight line from its value at the start of the movement to its
    value at the end: the movement's own excursion, without a slow drift (a heading that wanders
    while the gyro bias about the vertical is unknown)."""
    x = x[:: max(len(x) // MAX_SAMPLES, 1)]
    finite = x[np.isfinite(x)]
    if len(finite) < 2:
        return 0.0
    line = finite[0] + (finite[-1] - finite[0]) / (len(finite) - 1) * np.arange(len(finite))
    return float(np.max(np.abs(finite - line)))


def sagittal_only(
    bounds: list[RepBounds], series: AngleSeries
) -> tuple[list[RepBounds], list[OtherMovement]]:
    """Split candidate reps into sagittal reps and other movements.

    Parameters
    ----------
    bounds : list of RepBounds
        Candidate reps from the segmenter.
    series : AngleSeries
        The trunk's flexion, lateral tilt and twist.

    Returns
    -------
    (list of RepBounds, list of OtherMovement)
    """
    reps, others = [], []
    for b in bounds:
        win = series.window(b.first_onset_s, b.second_offset_s)
        flex = _largest_change(series.trunk_flexion_deg[win])
        tilt = _largest_change(series.lateral_tilt_deg[win])
        twist = _largest_change(series.twist_deg[win])
        if flex >= SAGITTAL_RATIO * max(tilt, twist):
            reps.append(b)
        else:
            others.append(OtherMovement(b.first_onset_s, b.second_offset_s, flex, tilt, twist))
    return reps, others
