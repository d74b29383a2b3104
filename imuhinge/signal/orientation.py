"""Sensor orientation with VQF: offline for replay, online (chunk by chunk) for the live view.

Quaternions are scalar-first ``w, x, y, z``, sensor -> earth (ENU, arbitrary heading: 6D fusion).
VQF's output k describes time t_k + Ts/2 (checked on the simulator, whose gyro samples are instantaneous:
inclination error 1.03 deg read at t_k, 0.11 deg at t_k + Ts/2). The quaternions are left as VQF gives
them and their times carry the half sample (``output_times_s``), so phase boundaries are not late.
"""

from __future__ import annotations

import numpy as np
from vqf import VQF, offlineVQF

from imuhinge.model import Recording
from imuhinge.signal.resample import UniformStream, to_uniform

BIAS_CLIP_DPS = 5.0
VQF_PARAMS = {"biasClip": BIAS_CLIP_DPS}


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
    its own.

    Returns quaternions (M, 4), NaN between segments (gaps too long to fill).
    """
    if uni.segments == [(0, len(uni.time_s))]:
        return orientation_batch(uni.gyr_rads, uni.acc_mps2, uni.fs_hz)
    quat = np.full((len(uni.time_s), 4), np.nan)
    previous_end: int | None = None
    for a, b in uni.segments:
        quat[a:b] = orientation_batch(uni.gyr_rads[a:b], uni.acc_mps2[a:b], uni.fs_hz)
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
