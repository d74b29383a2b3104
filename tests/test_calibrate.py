"""Calibration on constructed motion: still periods and the flexion axis of a sensor in any orientation."""

import numpy as np
import pytest

from imuhinge.model import G_MPS2
from imuhinge.signal.calibrate import orthogonal_axis, sagittal_axis, still_periods

FS_HZ = 100.0
UP0 = np.array([0.3, -0.9, 0.3]) / np.linalg.norm([0.3, -0.9, 0.3])  # a sensor strapped on askew
AXIS = np.cross(UP0, [1.0, 0.0, 0.0]) / np.linalg.norm(np.cross(UP0, [1.0, 0.0, 0.0]))  # horizontal


def rotate(v, axis, angle_rad):
    """Rodrigues' rotation of the rows of ``v`` about ``axis`` by ``angle_rad`` (one angle per row)."""
    c, s = np.cos(angle_rad)[:, None], np.sin(angle_rad)[:, None]
    return v * c + np.cross(axis, v) * s + np.outer(v @ axis, axis) * (1 - c)


def motion(angle_deg, seed=0, gyro_bias_dps=0.0):
    """Accelerometer and gyro of a sensor turning about ``AXIS`` by ``angle_deg`` over time (slowly)."""
    rng = np.random.default_rng(seed)
    angle_rad = np.radians(angle_deg)
    up = rotate(np.tile(UP0, (len(angle_rad), 1)), AXIS, -angle_rad)
    acc_mps2 = G_MPS2 * up + rng.normal(0.0, 0.002 * G_MPS2, up.shape)
    rate_rads = np.gradient(angle_rad, 1 / FS_HZ)
    gyr_rads = np.outer(rate_rads, AXIS) + np.radians(rng.normal(gyro_bias_dps, 0.1, up.shape))
    return acc_mps2, gyr_rads, up


def timeline():
    """Still 0-3 s, a 60° hinge 3-6 s, still 6-8 s, a steady 10°/s turn 8-10 s, still at 20° 10-14 s."""
    t = np.arange(0, 14.0, 1 / FS_HZ)
    angle = np.where((t >= 3) & (t < 6), 60.0 * np.sin(np.pi * (t - 3) / 3) ** 2, 0.0)
    return t, angle + np.clip(10.0 * (t - 8.0), 0.0, 20.0)


def seconds(periods):
    return [(a / FS_HZ, b / FS_HZ) for a, b in periods]


def test_still_periods_between_movements_whatever_the_gyro_bias():
    _, angle = timeline()
    acc, gyr, _ = motion(angle, gyro_bias_dps=2.0)
    found = seconds(still_periods(acc, gyr, FS_HZ))
    assert len(found) == 3
    for (start_s, end_s), (want_start_s, want_end_s) in zip(found, [(0, 3), (6, 8), (10, 14)], strict=True):
        assert start_s == pytest.approx(want_start_s, abs=0.5) and end_s == pytest.approx(want_end_s, abs=0.5)
        assert end_s - start_s >= 0.75


def test_a_slow_steady_turn_is_not_still():
    # 10°/s: the gyro is perfectly steady, but gravity's direction turns from one quarter second to
    # the next by more than postural sway turns it.
    t = np.arange(0, 4.0, 1 / FS_HZ)
    acc, gyr, _ = motion(10.0 * t)
    assert still_periods(acc, gyr, FS_HZ) == []
    acc, gyr, _ = motion(np.zeros_like(t))
    assert seconds(still_periods(acc, gyr, FS_HZ)) == [(0.0, 4.0)]


def test_invalid_samples_are_never_still():
    _, angle = timeline()
    acc, gyr, _ = motion(angle)
    valid = np.ones(len(angle), bool)
    valid[int(6 * FS_HZ) : int(8 * FS_HZ)] = False  # filled across a long gap
    found = seconds(still_periods(acc, gyr, FS_HZ, valid))
    assert len(found) == 2 and found[0][1] < 3.5 and found[1][0] > 9.5


def test_sagittal_axis_is_the_normal_of_the_plane_up_sweeps():
    t = np.arange(0, 3.0, 1 / FS_HZ)
    _, gyr, up = motion(60.0 * np.sin(np.pi * t / 3) ** 2, gyro_bias_dps=2.0)
    axis = sagittal_axis(gyr, up)
    assert axis is not None and abs(axis @ AXIS) > 0.9999


def test_sagittal_axis_from_the_rates_when_up_barely_moves():
    t = np.arange(0, 3.0, 1 / FS_HZ)
    _, gyr, up = motion(4.0 * np.sin(np.pi * t / 3) ** 2)  # a pelvis that tilts 4°
    axis = sagittal_axis(gyr, up)
    assert axis is not None and abs(axis @ AXIS) > 0.99
    assert sagittal_axis(np.zeros_like(up), np.tile(UP0, (len(t), 1))) is None  # no movement at all


def test_orthogonal_axis_is_a_horizontal_unit_vector():
    tilted = AXIS + 0.2 * UP0
    axis = orthogonal_axis(tilted, UP0)
    assert np.linalg.norm(axis) == pytest.approx(1.0, abs=1e-12)
    assert axis @ UP0 == pytest.approx(0.0, abs=1e-12)
    assert axis @ AXIS == pytest.approx(1.0, abs=1e-12)
