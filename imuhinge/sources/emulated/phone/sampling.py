"""A simulated set as a phone's sensors sample it: the accelerometer and the gyroscope each at its own
rate, its own phase and with irregular intervals, on the phone's clock.

The simulator gives the motion on a regular grid; the phone's samples are that motion interpolated
(linearly) at the phone's sampling instants, and each sample is stamped with the instant it was
taken, as Android and iOS stamp sensor events. The phone's rates are deliberately not round and
differ between the two sensors, so nothing downstream can lean on a nominal rate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from imuhinge.model import SensorStream


@dataclass
class PhoneMotion:
    """A phone's accelerometer and gyroscope samples, stamped on the phone's clock.

    Attributes
    ----------
    acc_time_s, gyr_time_s : ndarray, shape (N,), (M,)
        Sampling instants, seconds on the phone clock (the set's time 0 is phone time 0).
    acc_mps2 : ndarray, shape (N, 3)
        Specific force (what an accelerometer measures, gravity included), m/s^2.
    gyr_rads : ndarray, shape (M, 3)
        Angular rate, rad/s.
    """

    acc_time_s: np.ndarray
    acc_mps2: np.ndarray
    gyr_time_s: np.ndarray
    gyr_rads: np.ndarray

    def window(self, start_s: float, end_s: float) -> PhoneMotion:
        """The samples taken in ``[start_s, end_s)``."""
        a = (self.acc_time_s >= start_s) & (self.acc_time_s < end_s)
        g = (self.gyr_time_s >= start_s) & (self.gyr_time_s < end_s)
        return PhoneMotion(self.acc_time_s[a], self.acc_mps2[a], self.gyr_time_s[g], self.gyr_rads[g])


def _instants(
    duration_s: float, rate_hz: float, phase_s: float, jitter_s: float, rng: np.random.Generator
) -> np.ndarray:
    n = int((duration_s - phase_s) * rate_hz)
    t = phase_s + np.arange(n) / rate_hz + rng.uniform(-jitter_s, jitter_s, n)
    return np.clip(t, 0.0, duration_s)


def _interp(t: np.ndarray, grid_s: np.ndarray, values: np.ndarray) -> np.ndarray:
    return np.column_stack([np.interp(t, grid_s, values[:, k]) for k in range(3)])


def phone_motion(
    stream: SensorStream,
    acc_rate_hz: float = 99.3,
    gyr_rate_hz: float = 103.7,
    jitter_s: float = 0.0015,
    seed: int = 0,
) -> PhoneMotion:
    """Sample a simulated stream as a phone would.

    Parameters
    ----------
    stream : SensorStream
        The simulator's samples (regular, SI units), ideally at a higher rate than the phone's.
    acc_rate_hz, gyr_rate_hz : float
        The phone's accelerometer and gyroscope rates.
    jitter_s : float
        Largest deviation of a sampling instant from the sensor's regular schedule (below half a
        period, so the samples stay in order).
    seed : int
        Seed of the jitter and the sensors' phases.
    """
    rng = np.random.default_rng(seed)
    grid = stream.time_s - stream.time_s[0]
    duration = float(grid[-1])
    acc_t = _instants(duration, acc_rate_hz, rng.uniform(0, 1 / acc_rate_hz), jitter_s, rng)
    gyr_t = _instants(duration, gyr_rate_hz, rng.uniform(0, 1 / gyr_rate_hz), jitter_s, rng)
    return PhoneMotion(
        acc_t, _interp(acc_t, grid, stream.acc_mps2), gyr_t, _interp(gyr_t, grid, stream.gyr_rads)
    )
