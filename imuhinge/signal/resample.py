"""Put a sensor stream on its uniform sample grid: fill short gaps, split at long ones, and take off
the gyro bias measured while standing still.

Sample positions come from the sensor's counter (``seq``) when the stream has one, else from the
timestamps rounded to whole sample periods. VQF integrates the gyroscope sample by sample, so a lost
sample that is simply skipped tilts the estimate; filling short gaps by interpolation keeps the time
base right (on a simulated swing with 5 % of samples lost: 4.6 deg of inclination error with the gaps
ignored, 0.4 deg with them filled; ``docs/method.md``). Every later step
(orientation, clock alignment, the sagittal axis) wants the rates without the bias, so it comes off
here, in the same pass.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from imuhinge.model import SensorStream
from imuhinge.signal.calibrate import longest, still_periods

MAX_FILL_S = 0.5  # lost packets are filled; a reconnect (longer) splits the stream
MAX_BRIDGE_S = 2.0  # a split gap up to this long stays on the grid, for reps to be counted across it
MAX_FILL_ERROR_DEG = 5.0  # a fill that could turn the orientation further wrong splits the stream
CURVATURE_SPAN_S = 0.05


@dataclass
class UniformStream:
    """A sensor stream on a uniform grid, split into contiguous segments at long gaps.

    Attributes
    ----------
    time_s : ndarray, shape (M,)
        Time of every grid sample (filled samples included).
    acc_mps2 : ndarray, shape (M, 3)
    gyr_rads : ndarray, shape (M, 3)
        Angular rate with ``gyro_bias_rads`` taken off.
    filled : ndarray of bool, shape (M,)
        True where a sample was interpolated across a gap.
    segments : list of (int, int)
        ``[start, stop)`` index ranges without a long gap; VQF runs on each separately.
    fs_hz : float
        Sample rate of the grid.
    still : list of (int, int)
        Index ranges of every still period (``calibrate.still_periods``).
    gyro_bias_rads : ndarray, shape (3,)
        Mean raw rate over the longest still period (zero without one: the bias is then left to
        VQF).
    """

    time_s: np.ndarray
    acc_mps2: np.ndarray
    gyr_rads: np.ndarray
    filled: np.ndarray
    segments: list[tuple[int, int]]
    fs_hz: float
    still: list[tuple[int, int]]
    gyro_bias_rads: np.ndarray


def sample_positions(stream: SensorStream, fs_hz: float) -> np.ndarray:
    """Integer grid position of every sample, starting at 0 (the counter, or the stream's times,
    which the loader has already put on the sensor's regular grid)."""
    if stream.seq is not None:
        pos = np.asarray(stream.seq, dtype=np.int64)
        return pos - pos[0]
    steps = np.maximum(np.rint(np.diff(stream.time_s) * fs_hz).astype(np.int64), 1)
    return np.concatenate([[0], np.cumsum(steps)])


def fill_error_deg(gyr_rads: np.ndarray, steps: np.ndarray, fs_hz: float) -> np.ndarray:
    """How far a filled gap could turn the orientation wrong: a curve across a gap of length T misses
    about T^3 / 12 times the rate's curvature, taken on the received samples either side.

    Parameters
    ----------
    gyr_rads : ndarray, shape (N, 3)
        The received rates.
    steps : ndarray of int, shape (N - 1,)
        Grid steps between consecutive received samples (1 = no gap).
    fs_hz : float

    Returns
    -------
    ndarray, shape (N - 1,)
        Degrees for each step (0 where nothing is missing).
    """
    out = np.zeros(len(steps))
    gaps = np.flatnonzero(steps > 1)
    if not len(gaps):
        return out
    h = max(round(CURVATURE_SPAN_S * fs_hz), 1)
    n = len(gyr_rads)

    def curvature(centre: np.ndarray, direction: int) -> np.ndarray:
        i0 = np.clip(centre, 0, n - 1)
        i1 = np.clip(centre + direction * h, 0, n - 1)
        i2 = np.clip(centre + 2 * direction * h, 0, n - 1)
        second = gyr_rads[i0] - 2 * gyr_rads[i1] + gyr_rads[i2]
        return np.linalg.norm(second, axis=1) / (h / fs_hz) ** 2

    bend = np.maximum(curvature(gaps, -1), curvature(gaps + 1, 1))
    gap_s = steps[gaps] / fs_hz
    out[gaps] = np.degrees(gap_s**3 * bend / 12.0)
    return out


def long_gap(missing_samples: np.ndarray | int, fs_hz: float, max_fill_s: float = MAX_FILL_S) -> np.ndarray:
    """True for gaps too long to fill: more than ``max_fill_s`` of samples missing."""
    return np.asarray(missing_samples) > max_fill_s * fs_hz


def to_uniform(
    stream: SensorStream, fs_hz: float | None = None, max_fill_s: float = MAX_FILL_S
) -> UniformStream:
    """Fill short gaps (a cubic across each, ``_hermite``), split the stream at long ones and at
    those a fill would get wrong (``fill_error_deg``), find the still periods and take off the
    gyro bias of the longest.

    A long gap is not laid out sample by sample: it becomes one marker sample (half-way, outside
    every segment), so memory follows the samples received, whatever the counter says.

    Parameters
    ----------
    stream : SensorStream
        Samples with possible gaps.
    fs_hz : float, optional
        The sensor's sample rate; the stream's own ``rate_hz`` by default.
    max_fill_s : float
        Longest gap that is filled; a longer one (a dropped connection) starts a new segment.

    Returns
    -------
    UniformStream
        New arrays where samples were lost or the bias taken off; the stream's own arrays are not
        modified.
    """
    fs_hz = stream.rate_hz or fs_hz
    if fs_hz is None:
        raise ValueError(f"no sample rate for the {stream.placement} stream")
    pos = sample_positions(stream, fs_hz)
    steps = np.diff(pos)
    split = long_gap(steps - 1, fs_hz, max_fill_s) | (
        fill_error_deg(stream.gyr_rads, steps, fs_hz) > MAX_FILL_ERROR_DEG
    )
    # A split gap is laid out on the grid (unmeasured samples the angle is bridged across) up to
    # MAX_BRIDGE_S, and in all at most as many samples as were received; beyond that it is one
    # marker sample, so memory follows what arrived whatever the counter says.
    laid_out = split & (steps - 1 <= MAX_BRIDGE_S * fs_hz)
    laid_out &= np.cumsum(np.where(laid_out, steps - 1, 0)) <= len(pos)
    compressed = split & ~laid_out
    if compressed.any():
        steps = np.where(compressed, 2, steps)
        pos = np.concatenate([[0], np.cumsum(steps)])
    n = int(pos[-1]) + 1
    kept = np.zeros(n, dtype=bool)
    kept[pos] = True
    if n == len(pos):
        time_s, acc, gyr, segments = stream.time_s, stream.acc_mps2, stream.gyr_rads, [(0, n)]
    else:
        jumps = np.flatnonzero(steps > 1)
        last_received = np.cumsum(kept) - 1
        lost, before, frac = _lost_samples(pos, jumps, steps[jumps])

        def filled(data: np.ndarray, smooth: bool) -> np.ndarray:
            out = np.take(data, last_received, axis=0)
            out[lost] = (_hermite if smooth else _linear)(data, pos, before, frac)
            return out

        time_s = filled(stream.time_s, False)
        acc, gyr = filled(stream.acc_mps2, True), filled(stream.gyr_rads, True)
        cuts = [0]
        for g in np.flatnonzero(split):
            cuts += [int(pos[g]) + 1, int(pos[g + 1])]
        cuts.append(n)
        segments = [(a, b) for a, b in zip(cuts[::2], cuts[1::2], strict=True) if b > a]
    in_segment = np.zeros(n, dtype=bool)
    for a, b in segments:
        in_segment[a:b] = True
    still = still_periods(acc, gyr, fs_hz, in_segment)
    best = longest(still)
    bias = gyr[best[0] : best[1]].mean(axis=0) if best else np.zeros(3)
    if gyr is stream.gyr_rads:
        gyr = gyr - bias  # the recording's own array stays as loaded
    else:
        gyr -= bias
    return UniformStream(time_s, acc, gyr, ~kept, segments, fs_hz, still, bias)


def _linear(data: np.ndarray, pos: np.ndarray, before: np.ndarray, frac: np.ndarray) -> np.ndarray:
    """Straight line between the samples either side of each lost one."""
    w = frac if data.ndim == 1 else frac[:, None]
    return data[before] + w * (data[before + 1] - data[before])


def _hermite(data: np.ndarray, pos: np.ndarray, before: np.ndarray, frac: np.ndarray) -> np.ndarray:
    """Cubic Hermite curve across each gap, its end slopes those of the received neighbours.

    A swing turns at hundreds of degrees per second and its rate bends within a third of a second: a
    straight line across a burst of lost packets there loses degrees of rotation for good, a curve
    that leaves and meets the rate with its own slopes keeps most of it. Where a gap has no
    neighbour beyond its end, that end's slope is the chord's.
    """
    after = before + 1
    width = (pos[after] - pos[before]).astype(float)[:, None]
    y0, y1 = data[before], data[after]
    chord = (y1 - y0) / width
    prev, nxt = np.maximum(before - 1, 0), np.minimum(after + 1, len(data) - 1)
    step0 = (pos[before] - pos[prev]).astype(float)[:, None]
    step1 = (pos[nxt] - pos[after]).astype(float)[:, None]
    m0 = np.where(step0 == 1, (y0 - data[prev]) / np.maximum(step0, 1), chord)
    m1 = np.where(step1 == 1, (data[nxt] - y1) / np.maximum(step1, 1), chord)
    s = frac[:, None]
    h00, h10, h01, h11 = 2 * s**3 - 3 * s**2 + 1, s**3 - 2 * s**2 + s, -2 * s**3 + 3 * s**2, s**3 - s**2
    return h00 * y0 + h10 * width * m0 + h01 * y1 + h11 * width * m1


def _lost_samples(pos: np.ndarray, jumps: np.ndarray, width: np.ndarray) -> tuple[np.ndarray, ...]:
    """Grid index of every lost sample, the received sample before it, and how far (0-1) it lies
    towards the next one; the gaps follow ``pos[jumps]`` and span ``width`` grid steps each."""
    missing = width - 1
    before = np.repeat(jumps, missing)
    ranks = np.arange(missing.sum()) - np.repeat(np.cumsum(missing) - missing, missing)
    lost = pos[before] + 1 + ranks
    return lost, before, (1 + ranks) / np.repeat(width, missing)
