"""The phase rule on constructed speed profiles: onsets and offsets where the speed crosses its threshold."""

import numpy as np
import pytest

from imuhinge.reps.phase_rule import Zone, movement_bounds, speed_threshold_dps

FS_HZ = 100.0
ANY = Zone(-np.inf, np.inf)


def bell(t, start_s, duration_s, peak_dps):
    """A sin^2 speed bump: ``peak_dps`` at the middle, zero outside [start, start + duration]."""
    x = np.clip((t - start_s) / duration_s, 0.0, 1.0)
    return peak_dps * np.sin(np.pi * x) ** 2


def profile(speed_dps):
    t = np.arange(len(speed_dps)) / FS_HZ
    return t, np.cumsum(speed_dps) / FS_HZ, speed_dps


def bell_crossings_s(start_s, duration_s, peak_dps, threshold_dps):
    x = np.arcsin(np.sqrt(threshold_dps / peak_dps)) / np.pi
    return start_s + x * duration_s, start_s + (1 - x) * duration_s


def test_threshold_is_five_percent_of_the_peak_with_a_floor():
    assert speed_threshold_dps(80.0) == 4.0 and speed_threshold_dps(-80.0) == 4.0
    assert speed_threshold_dps(20.0) == 2.0  # 5 % would be 1 deg/s: the floor holds


@pytest.mark.parametrize("peak_dps", [80.0, -80.0, 20.0])
def test_onset_and_offset_of_a_bell(peak_dps):
    t = np.arange(0, 5.0, 1 / FS_HZ)
    t, angle, speed = profile(bell(t, 1.0, 2.0, peak_dps))
    peak = int(np.argmax(np.abs(speed)))
    onset_s, offset_s = movement_bounds(t, angle, speed, peak, ANY, ANY)
    want_on, want_off = bell_crossings_s(1.0, 2.0, abs(peak_dps), speed_threshold_dps(peak_dps))
    # Linear interpolation between samples of a smooth speed: well under a millisecond off.
    assert onset_s == pytest.approx(want_on, abs=5e-4)
    assert offset_s == pytest.approx(want_off, abs=5e-4)


def test_a_stall_outside_the_offset_zone_is_not_the_end():
    # 0 -> 30 deg, a 0.4 s stall half-way down, 30 -> 60 deg: the bottom is in the deepest 25 %.
    t = np.arange(0, 6.0, 1 / FS_HZ)
    t, angle, speed = profile(bell(t, 1.0, 1.5, 40.0) + bell(t, 2.9, 1.5, 40.0))
    peak = int(np.argmax(speed[: int(2.0 * FS_HZ)]))
    low, high = angle[0], angle[-1]
    deepest = Zone(high - 0.25 * (high - low), high)
    _, offset_s = movement_bounds(t, angle, speed, peak, ANY, deepest)
    assert offset_s == pytest.approx(bell_crossings_s(2.9, 1.5, 40.0, 2.0)[1], abs=5e-4)
    _, stall_s = movement_bounds(t, angle, speed, peak, ANY, ANY)
    assert stall_s == pytest.approx(bell_crossings_s(1.0, 1.5, 40.0, 2.0)[1], abs=5e-4)


def test_an_unfinished_movement_has_no_bounds():
    t = np.arange(0, 5.0, 1 / FS_HZ)
    t, angle, speed = profile(bell(t, 1.0, 2.0, 80.0))
    peak = int(np.argmax(speed))
    assert movement_bounds(t, angle, speed, peak, ANY, ANY, search=(0, int(2.5 * FS_HZ))) is None
    assert movement_bounds(t, angle, speed, peak, ANY, ANY, search=(int(1.5 * FS_HZ), len(t))) is None


def test_a_sharp_reversal_ends_the_movement():
    # Down at 30 deg/s, then straight back up: no sample is slow, yet the lowering ends at the turn.
    speed = np.r_[np.zeros(50), np.full(100, 30.0), np.full(100, -30.0), np.zeros(50)]
    t, angle, speed = profile(speed)
    onset_s, offset_s = movement_bounds(t, angle, speed, 100, ANY, ANY)
    # The crossings of the 2 deg/s floor, interpolated between the neighbouring samples.
    assert onset_s == pytest.approx(0.49 + 2.0 / 30.0 * 0.01, abs=1e-9)
    assert offset_s == pytest.approx(1.50 - (2.0 + 30.0) / 60.0 * 0.01, abs=1e-9)
