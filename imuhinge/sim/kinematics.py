"""Smooth motion channels with analytic derivatives, and the rotations the simulator builds from them.

A channel is a sum of minimum-jerk steps (a smooth move from one level to another) plus optional
sinusoids under a smooth envelope. Values, first and second derivatives are exact, so simulated
gyroscope and accelerometer data are physically consistent with the ground-truth angles.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import special


def min_jerk(tau: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Minimum-jerk step s(tau) = 10 tau^3 - 15 tau^4 + 6 tau^5 and its first two derivatives.

    ``tau`` is clipped to [0, 1], so the step is 0 before and 1 after.
    """
    return beta_step(tau, 2, 2)


def beta_step(tau: np.ndarray, p: int, q: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A step whose speed profile is tau^p (1 - tau)^q, normalised, with its first two derivatives.

    ``p = q = 2`` is the minimum-jerk step. An exponent of 1 makes that end sharp: the speed leaves
    or reaches zero with a finite slope, which a continuous reversal (a zero-second pause) needs.
    """
    t = np.clip(tau, 0.0, 1.0)
    inside = (tau > 0.0) & (tau < 1.0)
    norm = 1.0 / special.beta(p + 1, q + 1)
    s = special.betainc(p + 1, q + 1, t)
    ds = np.where(inside, norm * t**p * (1.0 - t) ** q, 0.0)
    dds = np.where(inside, norm * (p * t ** (p - 1) * (1.0 - t) ** q - q * t**p * (1.0 - t) ** (q - 1)), 0.0)
    return s, ds, dds


@dataclass
class Step:
    """A minimum-jerk move by ``amplitude`` starting at ``start_s`` and lasting ``duration_s``."""

    start_s: float
    duration_s: float
    amplitude: float
    shape: tuple[int, int] = (2, 2)


@dataclass
class Oscillation:
    """``amplitude * sin(2 pi f t + phase)`` faded in and out over ``ramp_s`` at both ends."""

    start_s: float
    end_s: float
    freq_hz: float
    amplitude: float
    phase_rad: float = 0.0
    ramp_s: float = 1.0


@dataclass
class Channel:
    """One degree of freedom: a base level plus steps plus oscillations."""

    base: float = 0.0
    steps: list[Step] = field(default_factory=list)
    oscillations: list[Oscillation] = field(default_factory=list)

    def step(
        self, start_s: float, duration_s: float, amplitude: float, shape: tuple[int, int] = (2, 2)
    ) -> None:
        """Append a step (minimum-jerk unless ``shape`` says otherwise, see ``beta_step``)."""
        self.steps.append(Step(start_s, duration_s, amplitude, shape))

    def evaluate(self, time_s: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Value, first and second time derivative at ``time_s`` (sorted ascending).

        Each step is evaluated only over its own duration; its full amplitude is added to every later
        sample through one cumulative sum, so long sets cost time in proportion to their length.
        """
        value = np.full(time_s.shape, self.base, dtype=float)
        d1 = np.zeros(time_s.shape)
        d2 = np.zeros(time_s.shape)
        settled = np.zeros(len(time_s) + 1)
        for st in self.steps:
            i0, i1 = np.searchsorted(time_s, [st.start_s, st.start_s + st.duration_s], side="right")
            s, ds, dds = beta_step((time_s[i0:i1] - st.start_s) / st.duration_s, *st.shape)
            value[i0:i1] += st.amplitude * s
            d1[i0:i1] += st.amplitude / st.duration_s * ds
            d2[i0:i1] += st.amplitude / st.duration_s**2 * dds
            settled[i1] += st.amplitude
        value += np.cumsum(settled)[:-1]
        for osc in self.oscillations:
            env_in = min_jerk((time_s - osc.start_s) / osc.ramp_s)
            env_out = min_jerk((time_s - (osc.end_s - osc.ramp_s)) / osc.ramp_s)
            env = env_in[0] - env_out[0]
            denv = (env_in[1] - env_out[1]) / osc.ramp_s
            ddenv = (env_in[2] - env_out[2]) / osc.ramp_s**2
            w = 2.0 * np.pi * osc.freq_hz
            arg = w * time_s + osc.phase_rad
            sin, cos = np.sin(arg), np.cos(arg)
            a = osc.amplitude
            value += a * env * sin
            d1 += a * (denv * sin + env * w * cos)
            d2 += a * (ddenv * sin + 2.0 * denv * w * cos - env * w**2 * sin)
        return value, d1, d2


def rot_x(angle_rad: np.ndarray) -> np.ndarray:
    """Rotation matrices about x, shape (N, 3, 3)."""
    c, s = np.cos(angle_rad), np.sin(angle_rad)
    o, z = np.ones_like(c), np.zeros_like(c)
    return np.stack([np.stack([o, z, z], -1), np.stack([z, c, -s], -1), np.stack([z, s, c], -1)], -2)


def rot_y(angle_rad: np.ndarray) -> np.ndarray:
    """Rotation matrices about y, shape (N, 3, 3)."""
    c, s = np.cos(angle_rad), np.sin(angle_rad)
    o, z = np.ones_like(c), np.zeros_like(c)
    return np.stack([np.stack([c, z, s], -1), np.stack([z, o, z], -1), np.stack([-s, z, c], -1)], -2)


def rot_z(angle_rad: np.ndarray) -> np.ndarray:
    """Rotation matrices about z, shape (N, 3, 3)."""
    c, s = np.cos(angle_rad), np.sin(angle_rad)
    o, z = np.ones_like(c), np.zeros_like(c)
    return np.stack([np.stack([c, -s, z], -1), np.stack([s, c, z], -1), np.stack([z, z, o], -1)], -2)


def euler_zxy(yaw_rad: float, roll_rad: float, pitch_rad: float) -> np.ndarray:
    """One rotation matrix R_z(yaw) R_x(roll) R_y(pitch)."""
    a = np.array([yaw_rad]), np.array([roll_rad]), np.array([pitch_rad])
    return (rot_z(a[0]) @ rot_x(a[1]) @ rot_y(a[2]))[0]
