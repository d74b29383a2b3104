"""A sensor's sample clock from its timestamps: robust sample rate, grid positions, regular times.

Real timestamps are not a clean grid. Phones and loggers that stamp samples on arrival jitter by tens
of percent of the interval, are quantised to milliseconds, deliver samples in bursts after a hold-up
and repeat a timestamp inside a burst; nominal rates are a few percent off. The sensor itself samples
regularly, so each stream is put back on its grid:

1. The rate is the mean of the regular intervals (within half a period of the median), which lost
   samples and bursts do not touch; where samples come in packets stamped alike (a third of the
   intervals or more next to nothing), it is the median count of samples per second over sliding
   windows of several seconds instead. It is then refined by a straight-line fit of the times against the
   grid positions.
2. A sample is never taken before it arrives, so its time is at most its timestamp, and at most the
   time of any later sample minus the periods between them: the lower envelope over a few seconds.
   That moves the samples of a burst back into the hole before it, where they were taken, while
   samples that were really lost leave a gap.
3. Grid positions are the envelope's intervals rounded to whole periods (or the sample counter,
   when the stream has one); the regular time of a sample is the fitted line plus a moving average
   of the envelope around it (slow clock changes kept, jitter removed).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

RATE_WINDOW_S = 5.0
ENVELOPE_S = 3.0
SMOOTH_S = 10.0
REGULAR_TOLERANCE_S = 1e-6
REGULAR_BAND = 0.5
PACKET_FRACTION = 0.1
PACKET_SHARE = 1 / 3
AMBIGUOUS_STEP = 0.3
CLEAN_STEP = 0.01
LOCK_GAIN = 0.05


@dataclass(frozen=True)
class Timebase:
    """Where a stream's samples sit on its sensor's sample grid.

    Attributes
    ----------
    rate_hz : float
        Sample rate of the grid, from the timestamps.
    positions : ndarray of int64, shape (N,)
        Grid index of every sample, the first at 0; a jump of more than one is a gap.
    time_s : ndarray, shape (N,)
        Regular time of every sample: the timestamps without their jitter (the timestamps
        themselves when they are already regular).
    jitter_s : float
        Root-mean-square distance of the timestamps from ``time_s``.
    """

    rate_hz: float
    positions: np.ndarray
    time_s: np.ndarray
    jitter_s: float

    @property
    def missing_samples(self) -> int:
        """Grid slots between the first and the last sample without a sample."""
        return int(self.positions[-1]) + 1 - len(self.positions) if len(self.positions) else 0


def windowed_rate_hz(time_s: np.ndarray) -> float | None:
    """Median count of samples per second over sliding windows (robust to holes and bursts).

    Parameters
    ----------
    time_s : ndarray, shape (N,)
        Non-decreasing timestamps.

    Returns
    -------
    float or None
        None when the timestamps do not advance.
    """
    span_s = float(time_s[-1] - time_s[0]) if len(time_s) > 1 else 0.0
    if span_s <= 0:
        return None
    window_s = min(RATE_WINDOW_S, span_s / 2)
    starts = time_s[time_s <= time_s[-1] - window_s]
    if len(starts) < 2:
        return (len(time_s) - 1) / span_s
    counts = np.searchsorted(time_s, starts + window_s) - np.searchsorted(time_s, starts)
    return float(np.median(counts)) / window_s


def initial_rate_hz(time_s: np.ndarray) -> float | None:
    """The sample rate from the regular intervals, or from counts where samples come in packets.

    Parameters
    ----------
    time_s : ndarray, shape (N,)
        Non-decreasing timestamps.

    Returns
    -------
    float or None
        None when the timestamps do not advance.
    """
    dt = np.diff(time_s)
    if not len(dt) or time_s[-1] <= time_s[0]:
        return None
    median = float(np.median(dt[dt > 0]))
    if np.mean(dt < PACKET_FRACTION * median) > PACKET_SHARE:
        return windowed_rate_hz(time_s)
    regular = np.abs(dt / median - 1.0) < REGULAR_BAND
    return float(regular.sum() / dt[regular].sum())


def _sliding_min(x: np.ndarray, n: int) -> np.ndarray:
    """Minimum of ``x[k : k + n]`` for every k (the window shortened at the end)."""
    out = x.copy()
    width = 1
    while width < n:
        step = min(width, n - width)
        out[:-step] = np.minimum(out[:-step], out[step:])
        width += step
    return out


def envelope_s(time_s: np.ndarray, positions: np.ndarray | None, period_s: float) -> np.ndarray:
    """Latest possible sampling time of every sample: its timestamp, or a later sample's timestamp
    less the periods between them, whichever is earlier (over ``ENVELOPE_S``).

    Without ``positions`` consecutive samples are one period apart, as they are in a burst.
    """
    index = np.arange(len(time_s)) if positions is None else positions
    ahead = max(int(ENVELOPE_S / period_s), 1)
    return _sliding_min(time_s - index * period_s, ahead) + index * period_s


def _positions(tau_s: np.ndarray, period_s: float) -> np.ndarray:
    """Grid positions from the intervals; where an interval is not clearly a whole number of
    periods, from a phase-locked grid instead (``_locked_positions``)."""
    ratio = np.diff(tau_s) / period_s
    steps = np.maximum(np.rint(ratio), 1)
    if np.all((np.abs(ratio - steps) < AMBIGUOUS_STEP) | (ratio < 1)):
        return np.concatenate([[0], np.cumsum(steps.astype(np.int64))])
    return _locked_positions(tau_s, period_s)


def _locked_positions(tau_s: np.ndarray, period_s: float) -> np.ndarray:
    """Grid positions against a grid that follows the samples slowly (a phase-locked loop).

    A jittered interval next to a hole can round to one period too many; rounding each sample
    against the grid, which averages the jitter of many samples, does not carry such an error on.
    """
    out = np.zeros(len(tau_s), dtype=np.int64)
    grid_s, pos = float(tau_s[0]), 0
    for k, tau in enumerate(tau_s.tolist()[1:], start=1):
        step = max(round((tau - grid_s) / period_s), 1)
        pos += step
        grid_s += step * period_s
        grid_s += LOCK_GAIN * (tau - grid_s)
        out[k] = pos
    return out


def _moving_mean(x: np.ndarray, half: int) -> np.ndarray:
    """Centred moving average over ``2 * half + 1`` samples, shortened at the ends."""
    c = np.concatenate([[0.0], np.cumsum(x)])
    idx = np.arange(len(x))
    lo, hi = np.maximum(idx - half, 0), np.minimum(idx + half + 1, len(x))
    return (c[hi] - c[lo]) / (hi - lo)


def _line(positions: np.ndarray, time_s: np.ndarray) -> tuple[float, float]:
    """Least-squares period and intercept of ``time_s`` against ``positions``."""
    p = positions - positions.mean()
    slope = float(p @ (time_s - time_s.mean()) / (p @ p))
    return slope, float(time_s.mean() - slope * positions.mean())


def timebase(time_s: np.ndarray, seq: np.ndarray | None = None) -> Timebase | None:
    """Put one stream's samples on its sample grid.

    Parameters
    ----------
    time_s : ndarray, shape (N,)
        Timestamps in seconds, non-decreasing (repeats allowed: a burst stamped in one tick).
    seq : ndarray of int, shape (N,), optional
        The sensor's sample counter, strictly increasing; it gives the positions outright.

    Returns
    -------
    Timebase or None
        None when the timestamps do not advance (fewer than two distinct times).
    """
    t = np.asarray(time_s, dtype=float)
    if seq is not None and len(seq) > 1 and seq[-1] > seq[0] and t[-1] > t[0]:
        positions = np.asarray(seq, dtype=np.int64) - int(seq[0])
        period, _ = _line(positions, t)
    else:
        rate = initial_rate_hz(t)
        if rate is None or rate <= 0:
            return None
        period = 1.0 / rate
        ratio = np.diff(t) / period
        steps = np.rint(ratio)
        if np.all((np.abs(ratio - steps) < CLEAN_STEP) & (steps >= 1)):
            positions = np.concatenate([[0], np.cumsum(steps.astype(np.int64))])
        else:
            positions = _positions(envelope_s(t, None, period), period)
            refined, _ = _line(positions, envelope_s(t, positions, period))
            if abs(refined / period - 1.0) > 1e-3:
                period = refined
                positions = _positions(envelope_s(t, None, period), period)
            period, _ = _line(positions, envelope_s(t, positions, period))
    slope, intercept = _line(positions, t)
    if np.max(np.abs(t - (intercept + slope * positions))) <= REGULAR_TOLERANCE_S:
        return Timebase(1.0 / slope, positions, t, 0.0)
    tau = envelope_s(t, positions, period)
    grid = positions * period
    half = max(int(SMOOTH_S / period / 2), 1)
    regular = grid + _moving_mean(tau - grid, half)
    # The envelope lies on the early side of the timestamps: put the grid back in their middle.
    regular += float(np.median(t - regular))
    jitter = float(np.sqrt(np.mean((t - regular) ** 2)))
    return Timebase(1.0 / period, positions, regular, jitter)
