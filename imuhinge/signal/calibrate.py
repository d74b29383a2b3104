"""Calibration: gyro bias and upright reference from quiet standing, sagittal axis from the movement.

The sensor may be strapped on in any orientation. The gyro bias comes from the longest still period, "up"
(the standing reference) from the still periods the lifter stands in (``body.angles`` chooses them),
the flexion axis from the dominant horizontal rotation axis of the movement, and its sign is chosen
so that hinging is positive.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from imuhinge.model import G_MPS2

STILL_MIN_S = 0.75
STILL_WINDOW_S = 0.5
STILL_BLOCK_S = 0.05
STILL_GYR_STD_DPS = 1.0
STILL_ACC_STD_G = 0.02
# Over half a second, gravity's direction in the sensor frame moves less than this while the body is
# still (postural sway included); a slow, steady movement (a smooth rate, so a small gyro spread)
# turns it further. A gyro bias does not enter: the test is on the accelerometer.
STILL_TURN_DEG = 1.5
AXIS_MIN_RATE_DPS = 3.0
# Up-vectors spread in a plane by at least sin^2(8 deg) on average, and 5 times more than out of it.
PLANE_MIN_SPREAD = float(np.sin(np.radians(8.0)) ** 2)
PLANE_MIN_RATIO = 5.0
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
    reference_s : list of (float, float)
        The still periods taken as standing (empty when the reps' tops served).
    reference : str
        Which reference was used, in words.
    warnings : list of str
    """

    gyro_bias_rads: np.ndarray
    up_sensor: np.ndarray
    sagittal_axis: np.ndarray | None
    reference_s: list[tuple[float, float]]
    reference: str
    warnings: list[str]


def still_mask(acc_mps2: np.ndarray, gyr_rads: np.ndarray, fs_hz: float) -> np.ndarray:
    """Samples where the sensor is still: a steady gyro, a steady accelerometer magnitude and a
    gravity direction that does not turn (so neither a gyro bias nor postural sway stops it).

    Judged on blocks of ``STILL_BLOCK_S`` (sums of the samples), each over the ``STILL_WINDOW_S``
    centred on it: a tenth of the work of a sample-by-sample window, at a resolution a still period
    of most of a second does not need finer.
    """
    n = len(acc_mps2)
    size = max(round(STILL_BLOCK_S * fs_hz), 1)
    m = n // size
    if m < 2:
        return np.zeros(n, dtype=bool)
    gyr, acc = gyr_rads[: m * size], acc_mps2[: m * size]
    starts = np.arange(0, m * size, size)

    def block_sums(x: np.ndarray) -> np.ndarray:
        return np.add.reduceat(x, starts, axis=0)

    acc_g = np.sqrt(np.einsum("ni,ni->n", acc, acc)) / G_MPS2
    half = max(round(STILL_WINDOW_S / STILL_BLOCK_S / 2), 1)

    def window(x: np.ndarray) -> np.ndarray:
        """Sums over the blocks ``k - half .. k + half - 1`` (shortened at the ends)."""
        c = np.concatenate([np.zeros((1, *x.shape[1:])), np.cumsum(x, axis=0)])
        k = np.arange(m)
        return c[np.minimum(k + half, m)] - c[np.maximum(k - half, 0)]

    count = window(np.full(m, float(size)))
    gyr_mean = window(block_sums(gyr)) / count[:, None]
    gyr_var = window(block_sums(gyr * gyr)) / count[:, None] - gyr_mean**2
    acc_mean = window(block_sums(acc_g)) / count
    acc_var = window(block_sums(acc_g * acc_g)) / count - acc_mean**2
    block_acc = block_sums(acc)
    c = np.concatenate([np.zeros((1, 3)), np.cumsum(block_acc, axis=0)])
    k = np.arange(m)
    before = c[k + 1] - c[np.maximum(k + 1 - half, 0)]
    after = c[np.minimum(k + 1 + half, m)] - c[k + 1]
    cos = np.einsum("ij,ij->i", before, after) / (
        np.linalg.norm(before, axis=1) * np.linalg.norm(after, axis=1) + 1e-12
    )
    turn = np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))
    turn[-1] = turn[-2]  # nothing comes after the last block: it turns as the one before it
    still = (
        (np.degrees(np.sqrt(np.maximum(gyr_var, 0.0))).max(axis=1) < STILL_GYR_STD_DPS)
        & (np.sqrt(np.maximum(acc_var, 0.0)) < STILL_ACC_STD_G)
        & (turn < STILL_TURN_DEG)
    )
    out = np.repeat(still, size)
    return np.concatenate([out, np.full(n - len(out), bool(still[-1]))])


def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """``[start, stop)`` index ranges where ``mask`` is True."""
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist(), strict=True))


def still_periods(
    acc_mps2: np.ndarray, gyr_rads: np.ndarray, fs_hz: float, valid: np.ndarray | None = None
) -> list[tuple[int, int]]:
    """Every still period of at least ``STILL_MIN_S``, as ``[start, stop)`` index ranges.

    Parameters
    ----------
    acc_mps2, gyr_rads : ndarray, shape (N, 3)
    fs_hz : float
    valid : ndarray of bool, optional
        Samples that may belong to a still period (not filled across a long gap).
    """
    mask = still_mask(acc_mps2, gyr_rads, fs_hz)
    if valid is not None:
        mask &= valid
    return [(a, b) for a, b in runs(mask) if b - a >= STILL_MIN_S * fs_hz]


def longest(periods: list[tuple[int, int]]) -> tuple[int, int] | None:
    """The longest of some index ranges (the earliest of equals), None without any."""
    return max(periods, key=lambda p: (p[1] - p[0], -p[0])) if periods else None


def axis_samples(n: int) -> slice:
    """Which of ``n`` samples to take the sagittal axis from: a principal axis needs no more than
    ``AXIS_MAX_SAMPLES``, so long recordings are strided."""
    return slice(None, None, max(n // AXIS_MAX_SAMPLES, 1))


def sagittal_axis(gyr_rads: np.ndarray, up: np.ndarray) -> np.ndarray | None:
    """The flexion axis in the sensor frame (sign not yet fixed), or None without movement.

    A sagittal movement turns earth's up, seen from the sensor, within one plane: the plane's normal
    is the flexion axis. It is the least principal axis of the up-vectors (their scatter about the
    origin): sway, side bends and twists leave the plane by a few degrees for a short while, the
    reps sweep tens of degrees within it, and how fast either happens does not matter. Where the
    segment turns too little for a plane (a pelvis that barely moves), the dominant horizontal
    rotation axis of the rates stands in. Long recordings are passed in strided (``axis_samples``).
    """
    ok = np.isfinite(up).all(axis=1)
    u = up[ok]
    if len(u) < 10:
        return None
    values, vecs = np.linalg.eigh(u.T @ u / len(u))
    if values[1] >= PLANE_MIN_SPREAD and values[1] >= PLANE_MIN_RATIO * values[0]:
        return vecs[:, 0]
    w = gyr_rads[ok]
    w_h = w - np.einsum("ij,ij->i", w, u)[:, None] * u
    moving = np.linalg.norm(w_h, axis=1) > np.radians(AXIS_MIN_RATE_DPS)
    if moving.sum() < 10:
        return None
    _, vecs = np.linalg.eigh(w_h[moving].T @ w_h[moving])
    return vecs[:, -1]


def orthogonal_axis(axis: np.ndarray, up: np.ndarray) -> np.ndarray:
    """``axis`` made perpendicular to ``up`` (the flexion axis is horizontal when standing)."""
    a = axis - np.dot(axis, up) * up
    return a / np.linalg.norm(a)
