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
# A split gap up to this long stays on the grid, for reps to be counted across it: a 2 s outage and
# what goes with it (a phone's push in flight when the Wi-Fi dropped, a reconnect's last packets).
MAX_BRIDGE_S = 2.5
MAX_FILL_ERROR_DEG = 5.0  # a fill that could be further wrong than this: no angle is read across it
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
    fill_error_deg : ndarray, shape (M,)
        For each filled sample, how far its gap's fill could turn the orientation wrong
        (``fill_error_deg``); 0 for received samples and split gaps.
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
    fill_error_deg: np.ndarray
    segments: list[tuple[int, int]]
    fs_hz: float
    still: list[tuple[int, int]]
    gyro_bias_rads: np.ndarray

    @property
    def doubtful(self) -> np.ndarray:
        """Filled samples whose fill may be wrong by more than ``MAX_FILL_ERROR_DEG``: orientation is
        followed through them, but no angle is read there."""
        return self.fill_error_deg > MAX_FILL_ERROR_DEG


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


@dataclass
class Grid:
    """Samples on the uniform grid, before calibration.

    Attributes
    ----------
    time_s, acc_mps2, gyr_rads : ndarray
        Every grid sample (received or filled).
    filled : ndarray of bool
        Not received: interpolated across a short gap, or laid out across a split one.
    measured : ndarray of bool
        Inside a contiguous segment (orientation can be followed there).
    new_segment : ndarray of bool
        The first sample after a split gap: orientation starts afresh.
    fill_error_deg : ndarray
        How far the fill of each filled sample's gap could turn the orientation (``fill_error_deg``).
    """

    time_s: np.ndarray
    acc_mps2: np.ndarray
    gyr_rads: np.ndarray
    filled: np.ndarray
    measured: np.ndarray
    new_segment: np.ndarray
    fill_error_deg: np.ndarray

    @property
    def doubtful(self) -> np.ndarray:
        """Filled across a gap whose fill may be too far off to read an angle from."""
        return self.fill_error_deg > MAX_FILL_ERROR_DEG

    def __len__(self) -> int:
        return len(self.time_s)

    def segments(self) -> list[tuple[int, int]]:
        """``[start, stop)`` ranges of the contiguous segments."""
        starts = np.flatnonzero(
            self.measured & (self.new_segment | ~np.concatenate([[False], self.measured[:-1]]))
        )
        return [(int(a), int(a + np.argmin(np.append(self.measured[a:], False)))) for a in starts]


def grid(
    pos: np.ndarray,
    time_s: np.ndarray,
    acc_mps2: np.ndarray,
    gyr_rads: np.ndarray,
    fs_hz: float,
    laid_out_before: int = 0,
    received_before: int = 0,
    max_fill_s: float = MAX_FILL_S,
) -> Grid:
    """Put received samples at integer positions ``pos`` (increasing) on the uniform grid.

    Short gaps are filled (a cubic across each, ``_hermite``), long ones split the stream. A fill
    that may be wrong (``fill_error_deg``) is marked doubtful rather than split: orientation goes on
    through it (a filter restarted in mid-movement starts from an accelerometer that is not reading
    gravity, far worse than the fill), but no angle is read there. A split gap is laid out on the
    grid as unmeasured samples (the angle is bridged across them) up to ``MAX_BRIDGE_S``, as long as
    the samples laid out so far stay within the number received so far (``laid_out_before`` and
    ``received_before`` carry those counts from earlier blocks); beyond that it is one marker sample
    half-way, so memory follows what arrived whatever a counter says.

    Returns
    -------
    Grid
        Arrays of the input when nothing is missing (the caller's arrays are never modified).
    """
    steps = np.diff(pos)
    split = long_gap(steps - 1, fs_hz, max_fill_s)
    laid_out = split & (steps - 1 <= MAX_BRIDGE_S * fs_hz)
    budget = received_before + np.arange(1, len(steps) + 1)
    laid_out &= laid_out_before + np.cumsum(np.where(laid_out, steps - 1, 0)) <= budget
    compressed = split & ~laid_out
    if compressed.any():
        steps = np.where(compressed, 2, steps)
        pos = np.concatenate([[0], np.cumsum(steps)])
    else:
        pos = pos - pos[0]
    n = int(pos[-1]) + 1
    kept = np.zeros(n, dtype=bool)
    kept[pos] = True
    measured = np.ones(n, dtype=bool)
    new_segment = np.zeros(n, dtype=bool)
    error_deg = np.zeros(n)
    if n == len(pos):
        return Grid(time_s, acc_mps2, gyr_rads, ~kept, measured, new_segment, error_deg)
    jumps = np.flatnonzero(steps > 1)
    last_received = np.cumsum(kept) - 1
    lost, before, frac = _lost_samples(pos, jumps, steps[jumps])

    def filled(data: np.ndarray, smooth: bool) -> np.ndarray:
        out = np.take(data, last_received, axis=0)
        out[lost] = (_hermite if smooth else _linear)(data, pos, before, frac)
        return out

    for g in np.flatnonzero(split):
        measured[pos[g] + 1 : pos[g + 1]] = False
        new_segment[pos[g + 1]] = True
    error_deg[lost] = np.where(split, 0.0, fill_error_deg(gyr_rads, steps, fs_hz))[before]
    return Grid(
        filled(time_s, False),
        filled(acc_mps2, True),
        filled(gyr_rads, True),
        ~kept,
        measured,
        new_segment,
        error_deg,
    )


def to_uniform(
    stream: SensorStream, fs_hz: float | None = None, max_fill_s: float = MAX_FILL_S
) -> UniformStream:
    """Put a whole stream on its grid (``grid``), find the still periods and take off the gyro bias of
    the longest.

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
    g = grid(
        sample_positions(stream, fs_hz),
        stream.time_s,
        stream.acc_mps2,
        stream.gyr_rads,
        fs_hz,
        max_fill_s=max_fill_s,
    )
    still = still_periods(g.acc_mps2, g.gyr_rads, fs_hz, g.measured & ~g.doubtful)
    best = longest(still)
    bias = g.gyr_rads[best[0] : best[1]].mean(axis=0) if best else np.zeros(3)
    gyr = g.gyr_rads - bias if g.gyr_rads is stream.gyr_rads else _subtract(g.gyr_rads, bias)
    return UniformStream(
        g.time_s, g.acc_mps2, gyr, g.filled, g.fill_error_deg, g.segments(), fs_hz, still, bias
    )


def _subtract(x: np.ndarray, bias: np.ndarray) -> np.ndarray:
    x -= bias  # a fresh array from the fill: no copy needed
    return x


class GridFiller:
    """``grid`` fed block by block, as a live stream arrives: the same grid as the whole stream at once.

    A gap is decided (filled or split) with samples on both sides of it, so the samples after a gap
    wait until enough of them have arrived; ``finish`` lets out what still waits.

    Parameters
    ----------
    fs_hz : float
        The sensor's sample rate.
    """

    def __init__(self, fs_hz: float):
        self.fs_hz = fs_hz
        # What the fill and the curvature of a gap reach on either side of it.
        self._reach = 2 * max(round(CURVATURE_SPAN_S * fs_hz), 1) + 2
        self._held: tuple[np.ndarray, ...] | None = None  # (pos, t, acc, gyr) not yet emitted, with context
        self._context = 0  # how many of the held samples were emitted already (context before the rest)
        self._laid_out = 0
        self._laid_out_context = 0  # of those, laid out between the held context samples
        self._received = 0

    def feed(self, pos: np.ndarray, time_s: np.ndarray, acc_mps2: np.ndarray, gyr_rads: np.ndarray) -> Grid:
        """Add received samples (absolute grid positions ``pos``); returns the grid samples now settled."""
        new = (np.asarray(pos, dtype=np.int64), time_s, acc_mps2, gyr_rads)
        chunk = (
            new
            if self._held is None
            else tuple(np.concatenate([h, x]) for h, x in zip(self._held, new, strict=True))
        )
        return self._emit(chunk, self._settled(chunk[0]))

    def _settled(self, pos: np.ndarray) -> int:
        """How many of the chunk's samples can go out: all up to the first gap that does not yet have
        enough samples after it to be decided (received samples before a gap do not depend on it)."""
        since = max(self._context - 1, 0)
        if pos[-1] - pos[since] == len(pos) - 1 - since:
            return len(pos)
        gaps = since + np.flatnonzero(np.diff(pos[since:]) > 1)
        open_gaps = gaps[len(pos) - (gaps + 1) < self._reach]
        return int(open_gaps[0]) + 1 if len(open_gaps) else len(pos)

    def finish(self) -> Grid:
        """End of stream: the held samples."""
        if self._held is None:
            return _empty_grid()
        return self._emit(self._held, len(self._held[0]))

    def _emit(self, chunk: tuple[np.ndarray, ...], settled: int) -> Grid:
        pos, t, acc, gyr = chunk
        first = self._context
        if settled <= first:
            self._held = chunk
            return _empty_grid()
        since = max(first - 1, 0)
        if pos[-1] - pos[since] == len(pos) - 1 - since:
            # Nothing lost since the last emitted sample: the settled samples are the grid as they are.
            n = settled - first
            out = Grid(t[first:settled], acc[first:settled], gyr[first:settled], *_plain_flags(n))
            self._received += n
            keep = max(settled - self._reach, 0)
            self._held = tuple(x[keep:] for x in chunk)
            self._context = settled - keep
            self._laid_out_context = 0
            return out
        g = grid(
            pos, t, acc, gyr, self.fs_hz, self._laid_out - self._laid_out_context, self._received - first
        )
        unmeasured_fill = g.filled & ~g.measured
        at = np.flatnonzero(~g.filled)  # grid index of each received sample of the chunk
        lo, hi = (at[first - 1] + 1 if first else 0), at[settled - 1] + 1
        out = Grid(
            *(
                x[lo:hi]
                for x in (
                    g.time_s,
                    g.acc_mps2,
                    g.gyr_rads,
                    g.filled,
                    g.measured,
                    g.new_segment,
                    g.fill_error_deg,
                )
            )
        )
        self._laid_out += int(np.sum(unmeasured_fill[lo:hi]))
        self._received += settled - first
        keep = max(settled - self._reach, 0)
        self._held = tuple(x[keep:] for x in chunk)
        self._context = settled - keep
        self._laid_out_context = int(np.sum(unmeasured_fill[at[keep] : hi]))
        return out


def _plain_flags(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Flags of ``n`` received samples in one segment: none filled, all measured, none new, no fill error."""
    return np.zeros(n, dtype=bool), np.ones(n, dtype=bool), np.zeros(n, dtype=bool), np.zeros(n)


def _empty_grid() -> Grid:
    e, e3, b = np.empty(0), np.empty((0, 3)), np.zeros(0, dtype=bool)
    return Grid(e, e3, e3, b, b, b, e)


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
