"""Zero-phase FIR smoothing of the flexion angle and its speed, identical in batch and in chunks.

A symmetric FIR filter has no phase shift once its fixed delay (half its length) is taken off. The
streaming filter emits a sample as soon as the half-length of samples after it has arrived, so the live
view lags by that half-length and agrees with replay sample for sample. The ends are padded with the
first and last value in both modes.
"""

from __future__ import annotations

import numpy as np

CUTOFF_HZ = 6.0
HALF_WIDTH_S = 0.12


def lowpass_kernel(n_taps: int, cutoff_hz: float, fs_hz: float) -> np.ndarray:
    """Windowed-sinc low-pass FIR kernel: Hamming window, unit gain at 0 Hz.

    The same design as ``scipy.signal.firwin(n_taps, cutoff_hz, fs=fs_hz)``, in numpy alone.

    Parameters
    ----------
    n_taps : int
        Kernel length (odd for a symmetric, zero-phase kernel).
    cutoff_hz : float
        Cut-off frequency, below ``fs_hz / 2``.
    fs_hz : float
        Sample rate.

    Returns
    -------
    ndarray, shape (n_taps,)
    """
    offset = np.arange(n_taps) - (n_taps - 1) / 2
    taps = np.sinc(2.0 * cutoff_hz / fs_hz * offset) * np.hamming(n_taps)
    return taps / taps.sum()


def kernels(fs_hz: float, cutoff_hz: float = CUTOFF_HZ) -> tuple[np.ndarray, np.ndarray]:
    """Low-pass kernel for the angle and low-pass-differentiator kernel for the speed (per second)."""
    half = max(round(HALF_WIDTH_S * fs_hz), 2)
    low = lowpass_kernel(2 * half + 1, min(cutoff_hz, 0.45 * fs_hz), fs_hz)
    diff = np.convolve(low, np.array([1.0, 0.0, -1.0]) * fs_hz / 2.0)[1:-1]
    # Trimmed to the low-pass's length, the differentiator reads a steady turn a few percent fast:
    # scaled, it reads the turn's own rate (speeds are reported, not only compared with each other).
    offset_s = (np.arange(len(diff)) - half) / fs_hz
    return low, diff / float(-(diff * offset_s).sum())


class StreamSmoother:
    """Smooth an angle stream into (angle, speed); ``feed`` chunks of any size, then ``finish``.

    Parameters
    ----------
    fs_hz : float
        Sample rate of the angle stream.
    """

    def __init__(self, fs_hz: float):
        self.low, self.diff = kernels(fs_hz)
        self.half = len(self.low) // 2
        self._buf = np.empty(0)
        self._started = False

    def _apply(self, padded: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        angle = np.convolve(padded, self.low, mode="valid")
        speed = np.convolve(padded, self.diff, mode="valid")
        return angle, speed

    def feed(self, angle_deg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Add samples; returns smoothed angle (deg) and speed (deg/s) for every sample now complete."""
        x = np.asarray(angle_deg, dtype=float)
        if not len(x):
            return np.empty(0), np.empty(0)
        if not self._started:
            self._buf = np.full(self.half, x[0])
            self._started = True
        self._buf = np.concatenate([self._buf, x])
        n_out = len(self._buf) - 2 * self.half
        if n_out <= 0:
            return np.empty(0), np.empty(0)
        out = self._apply(self._buf)
        self._buf = self._buf[n_out:]
        return out

    def finish(self) -> tuple[np.ndarray, np.ndarray]:
        """Flush the last half-length of samples, padding with the last value."""
        if not self._started:
            return np.empty(0), np.empty(0)
        pad = np.full(self.half, self._buf[-1])
        out = self._apply(np.concatenate([self._buf, pad]))
        self._buf = np.empty(0)
        return out


def smooth(angle_deg: np.ndarray, fs_hz: float) -> tuple[np.ndarray, np.ndarray]:
    """Batch smoothing: the same result as feeding everything to a ``StreamSmoother`` and finishing."""
    sm = StreamSmoother(fs_hz)
    a1, s1 = sm.feed(angle_deg)
    a2, s2 = sm.finish()
    return np.concatenate([a1, a2]), np.concatenate([s1, s2])
