"""Calibration: gyro bias and upright reference from quiet standing, sagittal axis from the movement.

The sensor may be strapped on in any orientation. "Up" comes from a quiet standing period (the earliest
one of at least ``QUIET_MIN_S``), the flexion axis from the dominant horizontal rotation axis of the
movement, and its sign is chosen so that hinging is positive.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

QUIET_MIN_S = 1.5
QUIET_SEARCH_FIRST_S = 60.0
QUIET_WINDOW_S = 0.5
QUIET_GYR_STD_DPS = 1.0
QUIET_GYR_MAX_DPS = 3.0  # above any plausible bias (DESIGN: up to 2 deg/s), below a slow hinge
QUIET_ACC_STD_G = 0.02
AXIS_MIN_RATE_DPS = 3.0
AXIS_MAX_SAMPLES = 20_000


@dataclass
class Calibration:
    """What calibration found for one sensor.

    Attributes
    ----------
    gyro_bias_rads : ndarray, shape (3,)
    up_sensor : ndarray, shape (3,)
        Earth's up in the sensor frame while standing as calibrated.
    sagittal_axis : ndarray, shape (3,) or None
        Unit flexion axis in the sensor frame (positive rotation = hinging); None without movement.
    quiet_s : (float, float) or None
        The quiet standing period used, or None when there was none.
    warnings : list of str
    """

    gyro_bias_rads: np.ndarray
    up_sensor: np.ndarray
    sagittal_axis: np.ndarray | None
    quiet_s: tuple[float, float] | None
    warnings: list[str]


def _rolling_std(x: np.ndarray, n: float) -> np.ndarray:
    """Centred rolling standard deviation over n samples, rounded down (edges use what is there)."""
    n = max(int(n), 2)
    c1 = np.concatenate([[0.0], np.cumsum(x)])
    c2 = np.concatenate([[0.0], np.cumsum(x * x)])
    idx = np.arange(len(x))
    lo = np.clip(idx - n // 2, 0, len(x))
    hi = np.clip(idx + n // 2 + 1, 0, len(x))
    cnt = hi - lo
    mean = (c1[hi] - c1[lo]) / cnt
    var = np.maximum((c2[hi] - c2[lo]) / cnt - mean**2, 0.0)
    return np.sqrt(var)


def quiet_mask(acc_mps2: np.ndarray, gyr_rads: np.ndarray, fs_hz: float) -> np.ndarray:
    """Samples where the sensor is still: low gyro rate and low gyro and accelerometer variability.

    The rate limit sits above the largest expected gyro bias, so a biased gyro still finds rest.
    """
    n = QUIET_WINDOW_S * fs_hz
    gyr_dps = np.degrees(gyr_rads)
    gyr_std = np.max([_rolling_std(gyr_dps[:, k], n) for k in range(3)], axis=0)
    acc_std = _rolling_std(np.linalg.norm(acc_mps2, axis=1) / 9.80665, n)
    slow = np.linalg.norm(gyr_dps, axis=1) < QUIET_GYR_MAX_DPS
    return slow & (gyr_std < QUIET_GYR_STD_DPS) & (acc_std < QUIET_ACC_STD_G)


def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """``[start, stop)`` index ranges where ``mask`` is True."""
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist(), strict=True))


def find_quiet(
    acc_mps2: np.ndarray, gyr_rads: np.ndarray, fs_hz: float, valid: np.ndarray | None = None
) -> tuple[int, int] | None:
    """The earliest quiet period of at least ``QUIET_MIN_S``, as an index range, or None.

    The search looks at the first minute, then at the whole recording, so long recordings that start
    with quiet standing (the usual case) are not scanned end to end.
    """
    prefix = int(QUIET_SEARCH_FIRST_S * fs_hz)
    for n in (prefix, len(acc_mps2)) if prefix < len(acc_mps2) else (len(acc_mps2),):
        mask = quiet_mask(acc_mps2[:n], gyr_rads[:n], fs_hz)
        if valid is not None:
            mask &= valid[:n]
        for a, b in runs(mask):
            if b - a >= QUIET_MIN_S * fs_hz and (b < n or n == len(acc_mps2)):
                return a, b
    return None


def axis_samples(n: int) -> slice:
    """Which of ``n`` samples to take the sagittal axis from: a principal axis needs no more than
    ``AXIS_MAX_SAMPLES``, so long recordings are strided."""
    return slice(None, None, max(n // AXIS_MAX_SAMPLES, 1))


def sagittal_axis(gyr_rads: np.ndarray, up: np.ndarray) -> np.ndarray | None:
    """Dominant horizontal rotation axis of the movement, in the sensor frame (sign not yet fixed).

    Rotation about the vertical (turning, walking) is projected out before the principal axis is
    taken, so walking in and out does not tilt the flexion axis. Long recordings are passed in
    strided (``axis_samples``).
    """
    ok = np.isfinite(up).all(axis=1)
    w = gyr_rads[ok]
    u = up[ok]
    w_h = w - np.einsum("ij,ij->i", w, u)[:, None] * u
    moving = np.linalg.norm(w_h, axis=1) > np.radians(AXIS_MIN_RATE_DPS)
    if moving.sum() < 10:
        return None
    cov = w_h[moving].T @ w_h[moving]
    _, vecs = np.linalg.eigh(cov)
    return vecs[:, -1]


def orthogonal_axis(axis: np.ndarray, up: np.ndarray) -> np.ndarray:
    """``axis`` made perpendicular to ``up`` (the flexion axis is horizontal when standing)."""
    a = axis - np.dot(axis, up) * up
    return a / np.linalg.norm(a)
