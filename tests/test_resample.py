"""The uniform grid: lost samples filled, long gaps split, gyro bias of quiet standing taken off."""

import numpy as np
import pytest

from imuhinge.model import SensorStream
from imuhinge.signal.resample import to_uniform

FS_HZ = 100.0
BIAS_RADS = np.radians([1.5, -2.0, 0.5])


def _stream(n: int, keep: np.ndarray) -> tuple[SensorStream, np.ndarray, np.ndarray]:
    """Quiet standing for 3 s, then a slow sway; gyro = sway rate + bias; returns the stream and the
    full (unsampled) acc and gyr."""
    t = np.arange(n) / FS_HZ
    sway = np.where(t > 3.0, 0.3 * np.sin(2 * np.pi * 0.5 * (t - 3.0)), 0.0)
    gyr = np.column_stack([sway, 0.5 * sway, -sway]) + BIAS_RADS
    acc = np.column_stack([0.1 * sway, np.zeros(n), 9.81 + 0.01 * sway])
    stream = SensorStream("upper_back", t[keep], acc[keep], gyr[keep], np.flatnonzero(keep).astype(np.int64))
    return stream, acc, gyr


def test_lost_samples_are_interpolated_and_kept_ones_untouched():
    n = 2000
    keep = np.ones(n, dtype=bool)
    keep[[700, 701, 702, 1500]] = False
    stream, acc, gyr = _stream(n, keep)
    raw_gyr = stream.gyr_rads.copy()
    uni = to_uniform(stream, FS_HZ)
    assert len(uni.time_s) == n and uni.segments == [(0, n)]
    np.testing.assert_array_equal(uni.filled, ~keep)
    np.testing.assert_allclose(uni.time_s, np.arange(n) / FS_HZ, atol=1e-12)
    np.testing.assert_array_equal(uni.acc_mps2[keep], acc[keep])
    lost = np.flatnonzero(~keep)
    # A cubic that leaves and meets the neighbours with their slopes follows the slow sway closely:
    # within a thousandth of its amplitude, less than half as far off as a straight line.
    lines = []
    for i in lost:
        lo, hi = np.flatnonzero(keep[:i])[-1], i + np.flatnonzero(keep[i:])[0]
        lines.append((1 - (i - lo) / (hi - lo)) * gyr[lo] + (i - lo) / (hi - lo) * gyr[hi])
    cubic_err = np.abs(uni.gyr_rads[lost] + BIAS_RADS - gyr[lost]).max()
    assert cubic_err < 1e-3 * 0.3 and cubic_err < 0.5 * np.abs(np.array(lines) - gyr[lost]).max()
    np.testing.assert_allclose(uni.gyro_bias_rads, BIAS_RADS, atol=1e-12)
    np.testing.assert_allclose(uni.gyr_rads[keep], gyr[keep] - BIAS_RADS, atol=1e-12)
    assert uni.still and uni.still[0][0] == 0 and uni.still[0][1] >= 1.5 * FS_HZ
    np.testing.assert_array_equal(stream.gyr_rads, raw_gyr)


def test_a_stream_without_loss_keeps_its_arrays_as_loaded():
    stream, _, gyr = _stream(1000, np.ones(1000, dtype=bool))
    uni = to_uniform(stream, FS_HZ)
    assert not uni.filled.any() and uni.acc_mps2 is stream.acc_mps2
    np.testing.assert_array_equal(stream.gyr_rads, gyr)
    np.testing.assert_allclose(uni.gyr_rads, gyr - BIAS_RADS, atol=1e-12)


def test_a_long_gap_splits_the_stream():
    n = 3000
    keep = np.ones(n, dtype=bool)
    keep[1200:1300] = False  # 1 s: longer than MAX_FILL_S
    keep[2000] = False
    stream, _, _ = _stream(n, keep)
    uni = to_uniform(stream, FS_HZ)
    # The 1 s gap splits the stream and is laid out between the segments (a rep may span it).
    assert uni.segments == [(0, 1200), (1300, n)]
    assert len(uni.time_s) == n
    assert uni.filled[1200:1300].all() and uni.filled[2000] and uni.filled.sum() == 101


def test_a_gap_longer_than_a_bridge_is_one_marker():
    n = 3000
    keep = np.ones(n, dtype=bool)
    keep[1200:1500] = False  # 3 s: too long to carry a rep across
    stream, _, _ = _stream(n, keep)
    uni = to_uniform(stream, FS_HZ)
    assert uni.segments == [(0, 1200), (1201, n - 299)]
    assert len(uni.time_s) == n - 299
    assert uni.time_s[1200] == pytest.approx((stream.time_s[1199] + stream.time_s[1200]) / 2)


def test_a_fill_that_may_be_wrong_is_doubtful_not_a_split():
    """A swing turns hard at its bottom: a 0.2 s hole there cannot be filled to within a few degrees.
    The stream stays one segment (the filter goes on through it) and only the lost samples are
    doubtful; the same hole in a slow sway is filled and trusted."""
    n = 1000
    t = np.arange(n) / FS_HZ
    swing_rate = 4.0 * np.sin(2 * np.pi * 1.0 * t)  # rad/s, reverses every half second
    gyr = np.column_stack([swing_rate, np.zeros(n), np.zeros(n)])
    acc = np.tile([0.0, 0.0, 9.81], (n, 1))
    keep = np.ones(n, dtype=bool)
    keep[240:260] = False  # the hole straddles the peak rate's turn at 0.25 s
    keep[495:505] = False  # a shorter one at the rate's zero crossing, where it bends least
    seq = np.flatnonzero(keep).astype(np.int64)
    uni = to_uniform(SensorStream("upper_back", t[keep], acc[keep], gyr[keep], seq), FS_HZ)
    assert uni.segments == [(0, n)]
    np.testing.assert_array_equal(np.flatnonzero(uni.doubtful), np.arange(240, 260))

    keep = np.ones(2000, dtype=bool)
    keep[700:710] = False
    stream, _, _ = _stream(2000, keep)
    slow = to_uniform(stream, FS_HZ)
    assert slow.segments == [(0, 2000)] and not slow.doubtful.any() and slow.filled.sum() == 10
