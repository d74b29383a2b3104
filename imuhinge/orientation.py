"""Sensor orientation with VQF: offline for replay, online (chunk by chunk) for the live view.

Quaternions are scalar-first ``w, x, y, z``, sensor -> earth (ENU, arbitrary heading: 6D fusion).
VQF's output k describes time t_k + Ts/2; every function here returns quaternions aligned to the input
sample times by normalised interpolation between consecutive outputs.
"""

from __future__ import annotations

import numpy as np
from vqf import VQF, offlineVQF

from imuhinge.model import Recording
from imuhinge.resample import UniformStream, to_uniform

BIAS_CLIP_DPS = 5.0
VQF_PARAMS = {"biasClip": BIAS_CLIP_DPS}


def _half_sample_align(quat: np.ndarray, previous: np.ndarray | None = None) -> np.ndarray:
    """Move VQF output from t_k + Ts/2 to t_k: the normalised mean of outputs k-1 and k."""
    prev = np.empty_like(quat)
    prev[1:] = quat[:-1]
    prev[0] = quat[0] if previous is None else previous
    flip = np.einsum("ij,ij->i", prev, quat) < 0
    prev[flip] *= -1.0
    mid = prev + quat
    return mid / np.linalg.norm(mid, axis=1, keepdims=True)


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
        Quaternions at the sample times.
    """
    gyr = np.ascontiguousarray(gyr_rads, dtype=float)
    acc = np.ascontiguousarray(acc_mps2, dtype=float)
    quat = offlineVQF(gyr, acc, None, 1.0 / fs_hz, VQF_PARAMS)["quat6D"]
    return _half_sample_align(quat)


class OnlineOrientation:
    """Online VQF fed chunk by chunk; returns quaternions aligned to the sample times."""

    def __init__(self, fs_hz: float):
        self._vqf = VQF(1.0 / fs_hz, biasClip=BIAS_CLIP_DPS)
        self._last: np.ndarray | None = None

    def update(self, gyr_rads: np.ndarray, acc_mps2: np.ndarray) -> np.ndarray:
        """Process a chunk (N, 3) + (N, 3); returns (N, 4) quaternions."""
        gyr = np.ascontiguousarray(gyr_rads, dtype=float)
        acc = np.ascontiguousarray(acc_mps2, dtype=float)
        quat = self._vqf.updateBatch(gyr, acc)["quat6D"]
        out = _half_sample_align(quat, self._last)
        self._last = quat[-1].copy()
        return out


def uniform_orientation(uni: UniformStream, gyro_bias_rads: np.ndarray | None = None) -> np.ndarray:
    """Offline orientation of a gap-filled stream, each contiguous segment on its own.

    Returns quaternions (M, 4), NaN between segments (gaps too long to fill).
    """
    gyr = uni.gyr_rads if gyro_bias_rads is None else uni.gyr_rads - gyro_bias_rads
    quat = np.full((len(uni.time_s), 4), np.nan)
    for a, b in uni.segments:
        quat[a:b] = orientation_batch(gyr[a:b], uni.acc_mps2[a:b], uni.fs_hz)
    return quat


def recording_orientation(
    recording: Recording, placement: str, gyro_bias_rads: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Offline orientation of one sensor of a recording, on its gap-filled uniform grid.

    Parameters
    ----------
    recording : Recording
    placement : str
        Which sensor.
    gyro_bias_rads : ndarray, shape (3,), optional
        Bias to remove before fusion (VQF estimates any remainder).

    Returns
    -------
    time_s : ndarray, shape (M,)
    quat : ndarray, shape (M, 4)
        NaN inside gaps too long to fill (the filter restarts after them).
    """
    uni = to_uniform(recording.sensors[placement], recording.sample_rate_hz)
    return uni.time_s, uniform_orientation(uni, gyro_bias_rads)


def up_in_sensor(quat: np.ndarray) -> np.ndarray:
    """The earth's up direction in the sensor frame (third row of each rotation matrix)."""
    w, x, y, z = quat.T
    return np.column_stack([2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)])


def sensor_axis_in_earth(quat: np.ndarray, axis: np.ndarray) -> np.ndarray:
    """Rotate a sensor-frame vector into the earth frame for every quaternion."""
    w, x, y, z = quat.T
    v = np.asarray(axis, dtype=float)
    qv = np.column_stack([x, y, z])
    t = 2.0 * np.cross(qv, v)
    return v + w[:, None] * t + np.cross(qv, t)
