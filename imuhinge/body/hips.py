"""Hinge or squat: how far the hips drop over each rep's lowering, from the sacrum sensor, with the
uncertainty that the sensor's unknown place on the pelvis leaves.

In a hip hinge the hips travel back and barely drop (knees soft: 0-10 cm); in a knee-dominant pattern
("squatting the hinge") they drop 25-45 cm. The sacrum sensor's specific force, turned into the earth
frame by its orientation and with gravity removed, is integrated twice over each lowering between
two instants where the hips are still, with the velocity de-drifted linearly to zero at both: a
constant acceleration error (a slightly wrong inclination) cancels exactly.

That gives the sensor's travel, not the hip joint's. The sensor sits somewhere on the pelvis, 4-20
cm from the hip joint centre in a direction that differs between people and placements, and the
pelvis turns by tens of degrees: turning a lever of length L by an angle phi moves its end by
2 L sin(phi / 2), in any direction. Nothing in the sacrum's own signals separates that from the hip's
travel when the hips move in step with the turn, so the hip drop is known only to within that
amount (plus the integration's own error): an interval. A rep is called knee-dominant only when the
whole interval lies above anything a hinge drops, a hinge only when it lies below any squat, and
otherwise the pattern is not measured: a false alarm costs more than a miss.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from imuhinge.body.angles import BLOCK_SAMPLES, SegmentAngles
from imuhinge.model import G_MPS2, Rep
from imuhinge.signal.clock_align import ClockAlignment
from imuhinge.signal.orientation import sensor_axis_in_earth
from imuhinge.signal.resample import UniformStream

# The sacrum sensor's distance from the hip joint centre, in any direction: between the posterior
# iliac spines it is about 10 cm behind and 8 cm above it, but placements and pelves differ.
SACRUM_LEVER_MAX_M = 0.20
# What a hinge drops at most (soft knees) and a knee-dominant descent at least.
HINGE_MAX_DROP_M = 0.10
SQUAT_MIN_DROP_M = 0.25
# The de-drifted double integral over a lowering, on top of the lever: a floor, and what the
# accelerometer's error left after the posture correction (``_posture_error``, a milli-g or two) does
# over a window of T seconds, T^2 / 8 times itself.
INTEGRATION_ERROR_M = 0.02
ACC_RESIDUAL_MPS2 = 0.02
QUOTE_WIDTH_M = 0.08
# Hips travel about 0.2-0.3 m as the pelvis turns a radian (hips back in a hinge, down in a squat).
COUPLING_M_PER_RAD = 0.3
END_SAMPLES = 10
# The hips are still at an end when its acceleration varies less than this (a swaying balance does not).
END_STILL_MPS2 = 0.15
MIN_INTEGRATION_S = 0.3
MAX_STILL_SHIFT_S = 0.4


@dataclass(frozen=True)
class HipMotion:
    """How the hips moved during one rep's lowering (None where not measurable).

    Attributes
    ----------
    drop_low_m, drop_high_m : float or None
        The hip joint's drop from the top to the bottom lies between these.
    sensor_drop_m : float or None
        How far the sacrum sensor itself dropped.
    pelvis_rotation_deg, trunk_rotation_deg : float or None
        Flexion gained by the pelvis and by the trunk over the lowering.
    """

    drop_low_m: float | None
    drop_high_m: float | None
    sensor_drop_m: float | None
    pelvis_rotation_deg: float | None
    trunk_rotation_deg: float | None

    @property
    def drop_m(self) -> float | None:
        """The drop, where its interval is narrow enough to quote (``QUOTE_WIDTH_M``)."""
        if self.drop_low_m is None or self.drop_high_m is None:
            return None
        if self.drop_high_m - self.drop_low_m > QUOTE_WIDTH_M:
            return None
        return 0.5 * (self.drop_low_m + self.drop_high_m)

    @property
    def rotation_ratio(self) -> float | None:
        """Pelvis rotation over trunk rotation: near 1 with a neutral spine, lower as the back rounds."""
        if self.pelvis_rotation_deg is None or not self.trunk_rotation_deg:
            return None
        return self.pelvis_rotation_deg / self.trunk_rotation_deg

    @property
    def pattern(self) -> str | None:
        """``hinge``, ``squat`` (knee-dominant) or None when the drop does not decide it."""
        return rep_pattern(self.drop_low_m, self.drop_high_m)


def rep_pattern(drop_low_m: float | None, drop_high_m: float | None) -> str | None:
    """``squat`` when even the least drop the measurement allows is beyond a hinge's, ``hinge`` when
    even the most is short of a squat's; None otherwise (or without a measurement).

    Parameters
    ----------
    drop_low_m, drop_high_m : float or None
        The interval the hip drop lies in (``HipMotion``).

    Returns
    -------
    str or None
    """
    if drop_low_m is None or drop_high_m is None:
        return None
    if drop_low_m > HINGE_MAX_DROP_M:
        return "squat"
    if drop_high_m < SQUAT_MIN_DROP_M:
        return "hinge"
    return None


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
    """Hip drop (as an interval) and segment rotations over every rep's lowering, from the sacrum.

    For each rep the sacrum's acceleration is turned into the earth frame (gravity removed) and
    integrated twice between the instants before and after the lowering when the hips are still
    (``still_instants_s``), with the velocity forced to zero at both ends (linear de-drift). The
    hip joint's drop lies within ``2 L sin(phi / 2)`` of the sensor's, for the pelvis's turn phi and
    the largest lever L (module docstring). Reps are integrated in groups, each in one vectorised
    pass.

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
    ok = (i0 > 0) & (i1 < len(pelvis.time_s)) & (tp[:, 1] - tp[:, 0] >= MIN_INTEGRATION_S)
    # Both still instants must fall on data: one inside a long gap (the grid jumps over it) leaves the
    # rep's hip travel unmeasured.
    i0c, i1c = np.minimum(i0, len(pelvis.time_s) - 1), np.minimum(i1, len(pelvis.time_s) - 1)
    ok &= (pelvis.time_s[i0c] - pelvis.time_s[i0c - 1] <= 1.5 / pelvis.fs_hz) & (
        pelvis.time_s[i1c] - pelvis.time_s[i1c - 1] <= 1.5 / pelvis.fs_hz
    )
    drop = np.full(len(reps), np.nan)
    turn_rad = np.full(len(reps), np.nan)
    if ok.any():
        for group in _window_groups(i1[ok] - i0[ok] + 1):
            rows = np.flatnonzero(ok)[group]
            drop[rows] = -_sensor_travel(sacrum, pelvis, i0[rows], i1[rows])[:, 2]
        turn_rad[ok] = _turn_rad(pelvis.quat[i0[ok]], pelvis.quat[i1[ok]])
    # The de-drift takes the hips to be still at both instants; where the pelvis still turns there,
    # the hips move in step with it and the drop is off by up to their speed times half the window.
    moving_m = (
        COUPLING_M_PER_RAD * (_rate_rads(sacrum, i0c) + _rate_rads(sacrum, i1c)) * (tp[:, 1] - tp[:, 0]) / 2
    )
    window_s = tp[:, 1] - tp[:, 0]
    integration_m = INTEGRATION_ERROR_M + ACC_RESIDUAL_MPS2 * window_s**2 / 8
    lever_m = 2.0 * SACRUM_LEVER_MAX_M * np.sin(turn_rad / 2) + integration_m + moving_m
    out = []
    for k in range(len(reps)):
        measured = bool(np.isfinite(drop[k]) and np.isfinite(lever_m[k]))
        out.append(HipMotion(
            float(drop[k] - lever_m[k]) if measured else None,
            float(drop[k] + lever_m[k]) if measured else None,
            float(drop[k]) if measured else None,
            float(pelvis_rot[k]) if np.isfinite(pelvis_rot[k]) else None,
            float(trunk_rot[k]) if np.isfinite(trunk_rot[k]) else None,
        ))  # fmt: skip
    return out


def _rate_rads(sacrum: UniformStream, idx: np.ndarray) -> np.ndarray:
    """The pelvis's angular rate magnitude around each sample (mean over a fifth of a second)."""
    half = max(int(0.1 * sacrum.fs_hz), 1)
    around = np.clip(idx[:, None] + np.arange(-half, half + 1), 0, len(sacrum.gyr_rads) - 1)
    return np.linalg.norm(sacrum.gyr_rads[around], axis=2).mean(axis=1)


def _turn_rad(q0: np.ndarray, q1: np.ndarray) -> np.ndarray:
    """Angle of the rotation from each orientation in ``q0`` to the one in ``q1`` (rad)."""
    dot = np.abs(np.einsum("ij,ij->i", q0, q1))
    return 2.0 * np.arccos(np.clip(dot, 0.0, 1.0))


def _posture_error(
    acc: np.ndarray, flexion_deg: np.ndarray, starts: np.ndarray, last: np.ndarray
) -> np.ndarray:
    """The accelerometer's own error along each window, as the pelvis turns from one still end to the
    other: what it reads at the ends (where the hips are still and it should read nothing), carried
    between them in proportion to the pelvis angle. NaN for a window whose ends are not still (the
    hips sway, as on one leg): its hip travel is not measured.

    An offset or scale error of a few milli-g in the sensor frame looks like a different acceleration
    in every posture: turned through 70 degrees it changes by most of itself, and twice integrated
    over a few seconds that is tens of centimetres. A constant part the de-drift removes anyway.
    """
    k = END_SAMPLES
    lengths = last - starts + 1
    short = lengths < 4 * k
    ends = np.arange(k)
    head, tail = starts[:, None] + ends, last[:, None] - ends  # (windows, k)
    with warnings.catch_warnings():  # an end that lies in a gap is all NaN: its window is not measured
        warnings.simplefilter("ignore", RuntimeWarning)
        e0, e1 = np.nanmean(acc[head], axis=1), np.nanmean(acc[tail], axis=1)
        shaky = np.maximum(np.nanstd(acc[head], axis=1).max(axis=1), np.nanstd(acc[tail], axis=1).max(axis=1))
        th0, th1 = np.nanmean(flexion_deg[head], axis=1), np.nanmean(flexion_deg[tail], axis=1)
    turned = np.isfinite(th0) & np.isfinite(th1) & (np.abs(th1 - th0) >= 1.0)
    window = np.repeat(np.arange(len(starts)), lengths)
    offset = np.arange(lengths.sum()) - np.repeat(np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths)
    by_time = offset / np.maximum(lengths[window] - 1, 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        by_angle = np.clip((flexion_deg - th0[window]) / (th1 - th0)[window], 0.0, 1.0)
    frac = np.nan_to_num(np.where(turned[window], by_angle, by_time))
    error = e0[window] + frac[:, None] * (e1 - e0)[window]
    error[short[window]] = 0.0
    error[(shaky > END_STILL_MPS2)[window] & ~short[window]] = np.nan
    return error


def _window_groups(lengths: np.ndarray) -> list[np.ndarray]:
    """Consecutive windows bundled into groups of about ``BLOCK_SAMPLES`` samples in all.

    Each group is integrated in one vectorised pass whose arrays stay small enough to be reused
    from cache instead of being allocated (and page-faulted in) afresh for the whole recording.
    """
    group = np.cumsum(lengths) // BLOCK_SAMPLES
    return np.split(np.arange(len(lengths)), np.flatnonzero(np.diff(group)) + 1)


def _sensor_travel(
    sacrum: UniformStream, pelvis: SegmentAngles, i0: np.ndarray, i1: np.ndarray
) -> np.ndarray:
    """The sacrum sensor's travel (m, earth frame) over each window ``[i0, i1]``.

    All windows are integrated in one vectorised pass; windows with an unknown orientation inside
    give NaN.
    """
    lengths = i1 - i0 + 1
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    last = starts + lengths - 1
    idx = np.repeat(i0 - starts, lengths) + np.arange(lengths.sum())
    t = pelvis.time_s[idx]
    acc = sensor_axis_in_earth(pelvis.quat[idx], pelvis_specific_force(sacrum, pelvis, idx))
    acc[:, 2] -= G_MPS2
    acc -= _posture_error(acc, pelvis.flexion_deg[idx], starts, last)
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
    travel = area - 0.5 * (vel[starts] + vel[last]) * duration
    travel[np.add.reduceat(unknown.astype(int), starts) > 0] = np.nan
    return travel


def classify_pattern(patterns: Iterable[str | None]) -> str | None:
    """Set-level pattern: ``squat`` when more than half of all reps are measured knee-dominant,
    ``hinge`` when more than half are measured hinges, else None.

    Parameters
    ----------
    patterns : iterable of str or None
        Per-rep patterns (``HipMotion.pattern``, or ``rep_pattern`` of a rep's hip travel); None
        for reps whose hip drop was not measured.

    Returns
    -------
    str or None
        None when neither holds for most reps.
    """
    every = list(patterns)
    for pattern in ("squat", "hinge"):
        if every.count(pattern) > len(every) / 2:
            return pattern
    return None
