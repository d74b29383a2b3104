"""A rep is a sagittal movement: its forward flexion dominates.

Side bends, rotations and reaching carry some forward tilt, often more than the minimum depth of a
rep. Over a candidate rep (onset of the first movement to offset of the second) the flexion gained
from the onset is compared with the largest change of lateral tilt and of twist; a rep needs
``SAGITTAL_RATIO`` times more flexion. A single-leg RDL tilts and opens the trunk by a few degrees
against tens of degrees of flexion; a side bend tilts as far as it flexes.
"""

from __future__ import annotations

import numpy as np

from imuhinge.body.angles import AngleSeries
from imuhinge.model import OtherMovement
from imuhinge.reps.segment import RepBounds

SAGITTAL_RATIO = 2.5


def _largest_change(x: np.ndarray) -> float:
    finite = x[np.isfinite(x)]
    return float(np.max(np.abs(finite - finite[0]))) if len(finite) else 0.0


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
