"""Sensor orientation with VQF: offline for replay, online (chunk by chunk) for the live view.

Quaternions are scalar-first ``w, x, y, z``, sensor -> earth (ENU, arbitrary heading: 6D fusion).
VQF's output k describes time t_k + Ts/2 (checked on the simulator, whose gyro samples are instantaneous:
inclination error 1.03 deg read at t_k, 0.11 deg at t_k + Ts/2). The quaternions are left as VQF gives
them and their times carry the half sample (``output_times_s``), so phase boundaries are not late.

Lost stretches of fast movement are re-filled before the offline filter runs. A curve across 0.1-0.2 s
of a kettlebell swing's lost samples misses the rotation by several degrees (tens in a hard turn),
and the filter would carry that on for seconds; one restarted after the gap would start from an
accelerometer that reads the swing, not gravity. Offline, both sides are known: a filter run forward
up to the gap knows "up" at its start, one run backward from later samples knows "up" at its end, and
the fill's rotation is corrected by the smallest turn that carries the one into the other (the
heading stays the fill's: gravity does not see it).
"""

from __future__ import annotations

import numpy as np
from vqf import VQF, offlineVQF

from imuhinge.model import Recording
from imuhinge.signal.resample import UniformStream, to_uniform

BIAS_CLIP_DPS = 5.0
VQF_PARAMS = {"biasClip": BIAS_CLIP_DPS}

CONTEXT_S = 10.0  # a filter run this long has forgotten where it started (three time constants)
SETTLE_S = 2.0  # without rest, it starts from the mean specific force of this long (motion averages out)
REFILL_MIN_DEG = 1.0  # the two filters' own error, about: a smaller fill error is left as it is
MAX_CORRECTION_DEG = 45.0  # beyond any fill's error: the two sides disagree for another reason


def orientation_batch(gyr_rads: np.ndarray, acc_mps2: np.ndarray, fs_hz: float) -> np.ndarray:
    """Offline VQF orientation of contiguous, uniformly sampled data.

    Parameters
    ----------
    gyr_rads, acc_mps2 : ndarray, shape (N, 3)
        Angular rate (bias already removed where known) and specific force.
    fs_hz : float
        Sample rate.

    Returns
    -------
    ndarray, shape (N, 4)
        Quaternions; output k describes ``output_times_s(time_s, fs_hz)[k]``.
    """
    gyr = np.ascontiguousarray(gyr_rads, dtype=float)
    acc = np.ascontiguousarray(acc_mps2, dtype=float)
    return offlineVQF(gyr, acc, None, 1.0 / fs_hz, VQF_PARAMS)["quat6D"]


def output_times_s(time_s: np.ndarray, fs_hz: float) -> np.ndarray:
    """Times that VQF's outputs describe: half a sample after their input samples."""
    return time_s + 0.5 / fs_hz


class OnlineOrientation:
    """Online VQF fed chunk by chunk (the live view); same output timing as the batch filter."""

    def __init__(self, fs_hz: float):
        self._ts = 1.0 / fs_hz
        self._vqf = VQF(self._ts, biasClip=BIAS_CLIP_DPS)

    def settle(self, acc_mps2: np.ndarray, duration_s: float = 10.0) -> None:
        """Converge the inclination on one still accelerometer sample, as after a restart mid-set.

        A fresh filter starts level and needs seconds to find "up"; feeding it the current reading at
        rest for a few of its time constants puts it there at once.
        """
        n = max(int(duration_s / self._ts), 1)
        acc = np.ascontiguousarray(np.tile(np.asarray(acc_mps2, dtype=float), (n, 1)))
        self._vqf.updateBatch(np.zeros((n, 3)), acc)

    def update(self, gyr_rads: np.ndarray, acc_mps2: np.ndarray) -> np.ndarray:
        """Process a chunk (N, 3) + (N, 3); returns (N, 4) quaternions."""
        gyr = np.ascontiguousarray(gyr_rads, dtype=float)
        acc = np.ascontiguousarray(acc_mps2, dtype=float)
        return self._vqf.updateBatch(gyr, acc)["quat6D"]


def uniform_orientation(uni: UniformStream) -> np.ndarray:
    """Offline orientation of a gap-filled stream (gyro bias already off), each contiguous segment on
    its own, fills of fast movement corrected to agree with gravity either side (``refilled_rates``).

    Returns quaternions (M, 4), NaN between segments (gaps too long to fill).
    """
    gyr = refilled_rates(uni.gyr_rads, uni.acc_mps2, uni.fill_error_deg, uni.segments, uni.still, uni.fs_hz)
    if uni.segments == [(0, len(uni.time_s))]:
        return orientation_batch(gyr, uni.acc_mps2, uni.fs_hz)
    quat = np.full((len(uni.time_s), 4), np.nan)
    previous_end: int | None = None
    for a, b in uni.segments:
        quat[a:b] = orientation_batch(gyr[a:b], uni.acc_mps2[a:b], uni.fs_hz)
        if previous_end is not None:
            # 6D fusion starts every segment at an arbitrary heading: carry the heading on across the
            # gap (as if the lifter did not turn in it), so twist does not jump.
            quat[a:b] = yaw_rotated(quat[a:b], -heading_change_rad(quat[previous_end - 1], quat[a]))
        previous_end = b
    return quat


def heading_change_rad(before: np.ndarray, after: np.ndarray) -> float:
    """Rotation about earth's vertical from orientation ``before`` to ``after`` (the twist part of
    ``after * conj(before)``)."""
    w0, x0, y0, z0 = before
    w1, x1, y1, z1 = after
    # Scalar and z parts of after * conj(before).
    w = w1 * w0 + x1 * x0 + y1 * y0 + z1 * z0
    z = -w1 * z0 - x1 * y0 + y1 * x0 + z1 * w0
    return float(2.0 * np.arctan2(z, w))


def yaw_rotated(quat: np.ndarray, angle_rad: float) -> np.ndarray:
    """Orientations (N, 4) turned about earth's vertical by ``angle_rad`` (left-multiplied)."""
    c, s = np.cos(angle_rad / 2), np.sin(angle_rad / 2)
    w, x, y, z = quat.T
    return np.column_stack([c * w - s * z, c * x - s * y, c * y + s * x, c * z + s * w])


def recording_orientation(recording: Recording, placement: str) -> tuple[np.ndarray, np.ndarray]:
    """Orientation of one sensor of a recording as the analysis computes it (for accuracy checks).

    Parameters
    ----------
    recording : Recording
    placement : str
        Which sensor.

    Returns
    -------
    time_s : ndarray, shape (M,)
        The times the quaternions describe: the gap-filled uniform grid plus half a sample.
    quat : ndarray, shape (M, 4)
        Sensor -> earth, scalar first; NaN inside gaps too long to fill.
    """
    uni = to_uniform(recording.sensors[placement], recording.sample_rate_hz)
    return output_times_s(uni.time_s, uni.fs_hz), uniform_orientation(uni)


def up_in_sensor(quat: np.ndarray) -> np.ndarray:
    """The earth's up direction in the sensor frame (third row of each rotation matrix)."""
    w, x, y, z = np.ascontiguousarray(quat.T)
    out = np.empty((3, len(quat)))
    out[0] = 2 * (x * z - w * y)
    out[1] = 2 * (y * z + w * x)
    out[2] = 1 - 2 * (x * x + y * y)
    return out.T


def sensor_axis_in_earth(quat: np.ndarray, axis: np.ndarray) -> np.ndarray:
    """Rotate a sensor-frame vector (3,) or vectors (N, 3) into the earth frame for every quaternion.

    Each output component is one row of the rotation matrix applied to the vector, evaluated on
    contiguous component arrays (cheaper than the cross-product form on long streams).
    """
    w, x, y, z = np.ascontiguousarray(quat.T)
    v = np.asarray(axis, dtype=float)
    a, b, c = np.ascontiguousarray(v.T) if v.ndim == 2 else v
    xx, yy, zz = x * x, y * y, z * z
    xy, xz, yz, wx, wy, wz = x * y, x * z, y * z, w * x, w * y, w * z
    out = np.empty((3, len(quat)))
    out[0] = (1 - 2 * (yy + zz)) * a + 2 * ((xy - wz) * b + (xz + wy) * c)
    out[1] = (1 - 2 * (xx + zz)) * b + 2 * ((xy + wz) * a + (yz - wx) * c)
    out[2] = (1 - 2 * (xx + yy)) * c + 2 * ((xz - wy) * a + (yz + wx) * b)
    return out.T


def refilled_rates(
    gyr_rads: np.ndarray,
    acc_mps2: np.ndarray,
    fill_error_deg: np.ndarray,
    segments: list[tuple[int, int]],
    still: list[tuple[int, int]],
    fs_hz: float,
) -> np.ndarray:
    """Angular rates with every fill that could be off by ``REFILL_MIN_DEG`` or more corrected to agree
    with gravity on both sides.

    "Up" either side of a gap comes from a filter started where it is known: the nearest still
    period within ``CONTEXT_S`` (gravity alone, then the gyroscope over a few seconds), else
    ``CONTEXT_S`` of movement (the start forgotten). A gap with neither on a side is left as filled.

    Parameters
    ----------
    gyr_rads, acc_mps2 : ndarray, shape (N, 3)
        The grid's rates (bias off) and specific force, fills included.
    fill_error_deg : ndarray, shape (N,)
        How far each filled sample's fill could be off (``resample.UniformStream.fill_error_deg``).
    segments : list of (int, int)
        Contiguous segments; a correction looks only within the gap's own segment.
    still : list of (int, int)
        Still periods (``calibrate.still_periods``).
    fs_hz : float

    Returns
    -------
    ndarray, shape (N, 3)
        ``gyr_rads`` itself when no fill is corrected, else a corrected copy.
    """
    refill = fill_error_deg >= REFILL_MIN_DEG
    if not refill.any():
        return gyr_rads
    out = gyr_rads.copy()
    edges = np.flatnonzero(np.diff(np.concatenate([[0], refill.astype(np.int8), [0]])))
    context = int(CONTEXT_S * fs_hz)
    settle = max(int(SETTLE_S * fs_hz), 1)
    for a, b in zip(edges[::2], edges[1::2], strict=True):
        s0, s1 = next(((s0, s1) for s0, s1 in segments if s0 <= a < s1), (a, b))
        rest_before = [(p, q) for p, q in still if s0 <= p and q <= a and q >= a - context]
        rest_after = [(p, q) for p, q in still if b <= p and q <= s1 and p <= b + context]
        if rest_before:
            p, q = rest_before[-1]
            before, anchor_a = slice(p, a), acc_mps2[p:q].mean(axis=0)
        elif a - s0 >= context:
            before, anchor_a = (
                slice(a - context, a),
                acc_mps2[a - context : a - context + settle].mean(axis=0),
            )
        else:
            continue
        if rest_after:
            p, q = rest_after[0]
            after, anchor_b = slice(b, q), acc_mps2[p:q].mean(axis=0)
        elif s1 - b >= context:
            after, anchor_b = slice(b, b + context), acc_mps2[b + context - settle : b + context].mean(axis=0)
        else:
            continue
        up_a = _up_at_end(out[before], acc_mps2[before], anchor_a, fs_hz)
        # Backward in time: the samples reversed, the rates negated; its last output is "up" at b.
        up_b = _up_at_end(-out[after][::-1], acc_mps2[after][::-1], anchor_b, fs_hz)
        out[a:b] += _correction_rads(out[a:b], up_a, up_b, fs_hz)
    return out


def _up_at_end(
    gyr_rads: np.ndarray, acc_mps2: np.ndarray, anchor_mps2: np.ndarray, fs_hz: float
) -> np.ndarray:
    """Earth's up in the sensor frame after an online filter, settled on ``anchor_mps2`` (the specific
    force where it starts), has run over the samples."""
    vqf = OnlineOrientation(fs_hz)
    vqf.settle(anchor_mps2)
    quat = vqf.update(gyr_rads, acc_mps2)
    return up_in_sensor(quat[-1:])[0]


def _correction_rads(
    fill_rads: np.ndarray, up_before: np.ndarray, up_after: np.ndarray, fs_hz: float
) -> np.ndarray:
    """Rates to add to a fill (N, 3) so that it turns ``up_before`` into ``up_after``.

    The fill's rotation (body-frame increments, ``R <- R exp(w dt)``) turns earth's up, seen from the
    sensor, into ``R_fill^T up_before``. The smallest turn from there to ``up_after``, taken in the
    sensor frame at the gap's end, is shared equally among the filled samples, each share carried
    back into the frame of its own sample.
    """
    dt = 1.0 / fs_hz
    steps = [_rotation(w * dt) for w in fill_rads]
    predicted = up_before
    for r in steps:
        predicted = r.T @ predicted
    axis = np.cross(predicted, up_after)
    angle = np.arctan2(np.linalg.norm(axis), float(predicted @ up_after))
    if angle < 1e-9 or np.degrees(angle) > MAX_CORRECTION_DEG:
        return np.zeros_like(fill_rads)
    # Up turns opposite to the sensor: the sensor must turn by -angle about the axis.
    share = -angle / len(fill_rads) * axis / np.linalg.norm(axis)
    out = np.empty_like(fill_rads)
    # exp(v) M = M exp(M^T v): a turn v at sample k is the turn M^T v at the end, M the rotation
    # of the samples after k.
    to_end = np.eye(3)
    for k in range(len(fill_rads) - 1, -1, -1):
        out[k] = to_end @ share / dt
        to_end = steps[k] @ to_end
    return out


def _rotation(rotvec: np.ndarray) -> np.ndarray:
    """Rotation matrix of a rotation vector (Rodrigues)."""
    angle = float(np.linalg.norm(rotvec))
    if angle < 1e-12:
        return np.eye(3)
    k = rotvec / angle
    kx = np.array([[0.0, -k[2], k[1]], [k[2], 0.0, -k[0]], [-k[1], k[0], 0.0]])
    return np.eye(3) + np.sin(angle) * kx + (1.0 - np.cos(angle)) * (kx @ kx)
