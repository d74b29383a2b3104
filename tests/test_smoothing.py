"""The smoothing kernels: numpy's windowed sinc is scipy's firwin design, and the filters do their job."""

import numpy as np
import pytest

from imuhinge.signal.smoothing import CUTOFF_HZ, kernels, lowpass_kernel


@pytest.mark.parametrize("fs_hz", [10.0, 13.3, 25.0, 52.0, 100.0, 200.0, 1000.0])
def test_lowpass_kernel_is_firwin(fs_hz):
    from scipy import signal  # imported here: only this test needs it, and it takes a second

    half = max(round(0.12 * fs_hz), 2)
    cutoff_hz = min(CUTOFF_HZ, 0.45 * fs_hz)
    expected = signal.firwin(2 * half + 1, cutoff_hz, fs=fs_hz)
    np.testing.assert_allclose(lowpass_kernel(2 * half + 1, cutoff_hz, fs_hz), expected, rtol=0, atol=1e-12)
    np.testing.assert_allclose(kernels(fs_hz)[0], expected, rtol=0, atol=1e-12)


def test_kernels_keep_a_constant_and_give_it_no_speed():
    low, diff = kernels(100.0)
    assert low.sum() == pytest.approx(1.0, abs=1e-12)
    np.testing.assert_allclose(low, low[::-1], rtol=0, atol=1e-15)
    np.testing.assert_allclose(diff, -diff[::-1], rtol=0, atol=1e-12)
    assert diff.sum() == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("fs_hz", [13.3, 50.0, 52.0, 100.0, 200.0])
def test_speed_of_a_steady_turn_is_its_rate(fs_hz):
    """Speeds are reported (rep speed, hip snap), so the differentiator must read a ramp's own slope."""
    from imuhinge.signal.smoothing import smooth

    time_s = np.arange(0.0, 3.0, 1.0 / fs_hz)
    _, speed = smooth(40.0 * time_s + 5.0, fs_hz)
    inner = slice(len(time_s) // 4, 3 * len(time_s) // 4)  # away from the padded ends
    np.testing.assert_allclose(speed[inner], 40.0, rtol=1e-9)


def test_lowpass_kernel_stops_high_frequencies():
    fs_hz = 200.0
    taps = lowpass_kernel(101, 6.0, fs_hz)
    gain = np.abs(np.fft.rfft(taps, 4096))
    freq_hz = np.fft.rfftfreq(4096, 1 / fs_hz)
    assert gain[freq_hz <= 2.0].min() > 0.99
    assert gain[freq_hz >= 20.0].max() < 0.01
