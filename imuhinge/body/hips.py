"""Hinge or squat: how the hips travel over each rep's lowering, from the sacrum sensor.

In a hip hinge the hips travel back and barely drop (knees slightly bent); in a knee-dominant pattern
("squatting the hinge") they drop. The sacrum sensor's specific force, turned into the earth frame by
its VQF orientation and with gravity removed, is integrated twice over each lowering, between two
instants where the hips are still (the rep's top and bottom), with the velocity de-drifted linearly so
that it is zero at both. A constant acceleration error (a slightly wrong inclination) then cancels
exactly. The sensor sits on a lever arm behind and above the hip joint, so the pelvis's own rotation
moves it up and forward by several centimetres during a hinge; that part is taken off with a nominal
lever arm to give the hip joint's travel.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from imuhinge.body.angles import BLOCK_SAMPLES, SegmentAngles
from imuhinge.model import G_MPS2, Rep
from imuhinge.signal.clock_align import ClockAlignment
from imuhinge.signal.orientation import sensor_axis_in_earth
from imuhinge.signal.resample import UniformStream

# models of the hip joint centre place it roughly 0.3 pelvic widths anterior and inferior of the PSIS).
SACRUM_BEHIND_HIP_M = 0.10
SACRUM_ABOVE_HIP_M = 0.08
# A hinge to 70 deg of trunk flexion with soft knees lowers the hip joint by a few centimetres (the
# simulator's hinge: 0.04 m) while the hips travel 0.2 m back; a squat-like descent to a comparable
# load position bends the knees to 60-90 deg and drops the hips by 0.3-0.45 m (the simulator's squat
# pattern: 0.35 m, 0.08 m back). 0.15 m lies well clear of both (a factor 3.7 above the hinge and 2.3
# below the squat); a smaller drop still counts as knee-dominant when the hips go down more than back,
# which is the coach's "hips back, not down" cue, as long as the drop is beyond measurement noise.
KNEE_DOMINANT_DROP_M = 0.15
DOWN_NOT_BACK_MIN_DROP_M = 0.08
MIN_INTEGRATION_S = 0.3
MAX_STILL_SHIFT_S = 1.0


@dataclass(frozen=True)
class HipMotion:
    """How the hips moved during one rep's lowering (None where not measurable).

    Attributes
    ----------
    drop_m : float or None
        Downward travel of the hip joint from the top to the bottom.
    back_m : float or None
        Horizontal travel of the hip joint backwards (against the lifter's facing direction).
    pelvis_rotation_deg, trunk_rotation_deg : float or None
        Flexion gained by the pelvis and by the trunk over the lowering.
    """

    drop_m: float | None
    back_m: float | None
    pelvis_rotation_deg: float | None
    trunk_rotation_deg: float | None

    @property
    def rotation_ratio(self) -> float | None:
        """Pelvis rotation over trunk rotation: near 1 with a neutral spine, lower as the back rounds."""
        if self.pelvis_rotation_deg is None or not self.trunk_rotation_deg:
            return None
        return self.pelvis_rotation_deg / self.trunk_rotation_deg

    @property
    def pattern(self) -> str | None:
        """``hinge``, ``squat`` (knee-dominant) or None when the drop was not measured."""
        return rep_pattern(self.drop_m, self.back_m)


def rep_pattern(drop_m: float | None, back_m: float | None) -> str | None:
    """``squat`` when the hips drop beyond ``KNEE_DOMINANT_DROP_M``, or go more down than back.

    The pelvis-to-trunk rotation ratio is not used: with a neutral spine the pelvis follows the trunk
    in both patterns, and a low ratio is the signature of a rounding lower back, which the lumbar
    flexion check reports.

    Parameters
    ----------
    drop_m : float or None
        Hip drop over the lowering (``Rep.hip_drop_m``), None when not measured.
    back_m : float or None
        Backward hip travel over the lowering, if measured.

    Returns
    -------
    str or None
        ``hinge`` or ``squat``; None without a drop.
    """
    if drop_m is None:
        return None
    if drop_m > KNEE_DOMINANT_DROP_M:
        return "squat"
    if back_m is not None and drop_m > DOWN_NOT_BACK_MIN_DROP_M and drop_m > back_m:
        return "squat"
    return "hinge"


def _body_axes_sensor(pelvis: SegmentAngles) -> tuple[np.ndarray, np.ndarray] | None:
    """The pelvis's standing up and anatomical forward directions in the sensor frame."""
    cal = pelvis.calibration
    if cal.sagittal_axis is None:
        return None
    up0 = cal.up_sensor
    # Hinging tips earth-up towards cross(up0, axis) in the sensor frame (angles.flexion_tilt_deg),
    # which is the body's backward direction.
    return up0, -np.cross(up0, cal.sagittal_axis)


def still_instants_s(reps: list[Rep]) -> list[tuple[float, float]]:
    """For each rep, the instants before and after its lowering when the hips are stillest.

    The lowering's onset and offset are where the trunk still turns at 5 % of its peak speed, and the
    hips still move there; the middle of the pause on either side (at most ``MAX_STILL_SHIFT_S`` away)
    is where their velocity is closest to zero. The first rep's lowering starts from quiet standing.

    Parameters
    ----------
    reps : list of Rep
        In time order, standing-start or floor-start.

    Returns
    -------
    list of (float, float)
        Seconds on the reps' clock, one pair per rep.
    """
    out = []
    for k, rep in enumerate(reps):
        if rep.rise_onset_s < rep.lower_onset_s:  # floor start: the lockout comes before the lowering
            top_pause = rep.top_s
        elif k > 0:
            top_pause = reps[k - 1].top_s
        else:
            top_pause = 2 * MAX_STILL_SHIFT_S
        before = min(MAX_STILL_SHIFT_S, (top_pause or 0.0) / 2)
        after = min(MAX_STILL_SHIFT_S, (rep.bottom_s or 0.0) / 2)
        out.append((rep.lower_onset_s - before, rep.lower_offset_s + after))
    return out


def pelvis_specific_force(sacrum: UniformStream, pelvis: SegmentAngles, idx: np.ndarray) -> np.ndarray:
    """The sacrum's specific force (m/s^2, sensor frame) at the times its orientation describes.

    Parameters
    ----------
    sacrum : UniformStream
        The sacrum stream on its uniform grid.
    pelvis : SegmentAngles
        Its angles; their times may lie between the samples (VQF's output delay).
    idx : ndarray of int
        Which of the pelvis samples.

    Returns
    -------
    ndarray, shape (len(idx), 3)
        Linearly interpolated between sample k and k + 1 for output k (held at the ends).
    """
    # Output k lies after sample k (by half a sample): between k and k + 1 unless the times jitter.
    below = np.minimum(idx, len(sacrum.time_s) - 2)
    t0, t1 = sacrum.time_s[below], sacrum.time_s[below + 1]
    w = np.clip((pelvis.time_s[idx] - t0) / (t1 - t0), 0.0, 1.0)[:, None]
    acc = sacrum.acc_mps2[below]
    acc += (sacrum.acc_mps2[below + 1] - acc) * w
    return acc


def hip_motions(
    sacrum: UniformStream,
    trunk: SegmentAngles,
    pelvis: SegmentAngles,
    alignment: ClockAlignment,
    reps: list[Rep],
) -> list[HipMotion]:
    """Hip travel and segment rotations over every rep's lowering, from the sacrum sensor.

    For each rep the sacrum's acceleration is turned into the earth frame (gravity removed) and
    integrated twice between the instants before and after the lowering when the hips are still
    (``still_instants_s``), with the velocity forced to zero at both ends (linear de-drift). The
    sacrum's lever arm is taken off to get the hip joint's travel. Reps are integrated in groups,
    each in one vectorised pass.

    Parameters
    ----------
    sacrum : UniformStream
        The sacrum stream on its uniform grid, whose specific force is integrated.
    trunk, pelvis : SegmentAngles
        Upper-back and sacrum angles.
    alignment : ClockAlignment
        Sacrum clock to upper-back clock.
    reps : list of Rep

    Returns
    -------
    list of HipMotion, one per rep
    """
    if not reps:
        return []
    ends_s = np.array(still_instants_s(reps))
    trunk_deg = np.interp(ends_s, trunk.time_s, trunk.flexion_deg)
    tp = alignment.to_pelvis_time(ends_s)
    pel_deg = np.interp(tp, pelvis.time_s, pelvis.flexion_deg, left=np.nan, right=np.nan)
    trunk_rot, pelvis_rot = np.diff(trunk_deg, axis=1)[:, 0], np.diff(pel_deg, axis=1)[:, 0]
    i0, i1 = np.searchsorted(pelvis.time_s, tp[:, 0]), np.searchsorted(pelvis.time_s, tp[:, 1])
    axes = _body_axes_sensor(pelvis)
    ok = (i0 > 0) & (i1 < len(pelvis.time_s)) & (tp[:, 1] - tp[:, 0] >= MIN_INTEGRATION_S)
    # Both still instants must fall on data: one inside a long gap (the grid jumps over it) leaves the
    # rep's hip travel unmeasured.
    i0c, i1c = np.minimum(i0, len(pelvis.time_s) - 1), np.minimum(i1, len(pelvis.time_s) - 1)
    ok &= (pelvis.time_s[i0c] - pelvis.time_s[i0c - 1] <= 1.5 / pelvis.fs_hz) & (
        pelvis.time_s[i1c] - pelvis.time_s[i1c - 1] <= 1.5 / pelvis.fs_hz
    )
    travel = np.full((len(reps), 3), np.nan)
    facing = np.full((len(reps), 3), np.nan)
    if axes is not None and ok.any():
        for group in _window_groups(i1[ok] - i0[ok] + 1):
            rows = np.flatnonzero(ok)[group]
            travel[rows], facing[rows] = _hip_travel(sacrum, pelvis, i0[rows], i1[rows], axes)
    out = []
    for k in range(len(reps)):
        f = facing[k] * [1.0, 1.0, 0.0]
        measured = np.isfinite(travel[k]).all()
        back = float(-travel[k] @ f / np.linalg.norm(f)) if measured and np.linalg.norm(f) > 0.1 else None
        out.append(HipMotion(
            float(-travel[k, 2]) if measured else None,
            back,
            float(pelvis_rot[k]) if np.isfinite(pelvis_rot[k]) else None,
            float(trunk_rot[k]) if np.isfinite(trunk_rot[k]) else None,
        ))  # fmt: skip
    return out


def _window_groups(lengths: np.ndarray) -> list[np.ndarray]:
    """Consecutive windows bundled into groups of about ``BLOCK_SAMPLES`` samples in all.

    Each group is integrated in one vectorised pass whose arrays stay small enough to be reused
    from cache instead of being allocated (and page-faulted in) afresh for the whole recording.
    """
    group = np.cumsum(lengths) // BLOCK_SAMPLES
    return np.split(np.arange(len(lengths)), np.flatnonzero(np.diff(group)) + 1)


def _hip_travel(
    sacrum: UniformStream,
    pelvis: SegmentAngles,
    i0: np.ndarray,
    i1: np.ndarray,
    axes: tuple[np.ndarray, np.ndarray],
) -> tuple[np.ndarray, np.ndarray]:
    """Hip-joint travel (m, earth frame) over each window ``[i0, i1]`` and the facing direction at i0.

    All windows are integrated in one vectorised pass; windows with an unknown orientation inside
    give NaN.
    """  # fmt: skip
    lengths = i1 - i0 + 1
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    last = starts + lengths - 1
    idx = np.repeat(i0 - starts, lengths) + np.arange(lengths.sum())
    t = pelvis.time_s[idx]
    acc = sensor_axis_in_earth(pelvis.quat[idx], pelvis_specific_force(sacrum, pelvis, idx))
    acc[:, 2] -= G_MPS2
    unknown = ~np.isfinite(acc).all(axis=1)
    acc[unknown] = 0.0  # keeps a gap in one window out of the running sums of the others
    dt = np.diff(t)[:, None]
    between = starts[1:] - 1  # pairs that straddle two windows
    step = 0.5 * (acc[1:] + acc[:-1]) * dt
    step[between] = 0.0
    vel = np.vstack([np.zeros((1, 3)), np.cumsum(step, axis=0)])
    step = 0.5 * (vel[1:] + vel[:-1]) * dt
    step[between] = 0.0
    area = np.add.reduceat(np.vstack([step, np.zeros((1, 3))]), starts)
    # De-drifting the velocity to zero at both ends of a window subtracts a line from it; its
    # integral over the window (duration T) is v_start * T + (v_last - v_start) * T / 2.
    duration = (t[last] - t[starts])[:, None]
    sensor_travel = area - 0.5 * (vel[starts] + vel[last]) * duration
    up0, forward = axes
    lever = SACRUM_ABOVE_HIP_M * up0 - SACRUM_BEHIND_HIP_M * forward
    travel = sensor_travel - (
        sensor_axis_in_earth(pelvis.quat[i1], lever) - sensor_axis_in_earth(pelvis.quat[i0], lever)
    )
    facing = sensor_axis_in_earth(pelvis.quat[i0], forward)
    travel[np.add.reduceat(unknown.astype(int), starts) > 0] = np.nan
    return travel, facing


def classify_pattern(patterns: Iterable[str | None]) -> str | None:
    """Set-level pattern: ``squat`` when most measured reps are knee-dominant, else ``hinge``.

    Parameters
    ----------
    patterns : iterable of str or None
        Per-rep patterns (``HipMotion.pattern``, or ``rep_pattern`` of a rep's hip travel); None
        for reps whose hip drop was not measured.

    Returns
    -------
    str or None
        None when no rep's pattern was measured.
    """
    measured = [p for p in patterns if p is not None]
    if not measured:
        return None
    return "squat" if measured.count("squat") > len(measured) / 2 else "hinge"
