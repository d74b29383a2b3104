"""Clock alignment of the upper-back and sacrum streams, each recorded on its own sensor clock.

Two sensors in one file share a time axis only as far as their clocks agree: the streams can start
up to half a second apart and run at rates that differ by about 100 ppm. Lumbar flexion is the
difference of two angles that move at up to 60 deg/s, so every 10 ms of misalignment costs up to
0.6 deg. The file's times are the first guess; the refinement cross-correlates the two sensors'
angular rates, which the trunk and pelvis share while they hinge together. A coarse search over the
whole recording correlates the rate magnitudes (independent of how either sensor is strapped on).
Windows spread across the movement then give local lags with sub-sample precision (parabola through
the similarity peak), comparing the 3-D rates up to the fixed rotation between the sensor frames,
and a weighted straight line through those lags gives offset and drift:
``t_trunk = scale * t_pelvis + intercept_s``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from imuhinge.errors import AlignmentError
from imuhinge.model import Recording, SensorStream
from imuhinge.signal.calibrate import runs
from imuhinge.signal.resample import UniformStream, to_uniform
from imuhinge.signal.smoothing import kernels

MAX_OFFSET_S = 1.0
SAME_TIME_S = 1e-6
SHARED_FRACTION = 0.5
# Crystal drift is within ~100 ppm, but streamed recordings carry the error of each sensor's clock fit
# to host time as well (a few hundred ppm over a short set); beyond this it is not the same set.
MAX_DRIFT_PPM = 1000.0
RATE_CUTOFF_HZ = 4.0
ALIGN_RATE_HZ = 50.0
MOVING_DPS = 10.0
# A pelvis that barely moves while the trunk bends still turns by a few degrees: a sensor on the body
# does, one lying beside it does not.
PELVIS_MIN_DPS = 2.0
WINDOW_S = 10.0
MAX_WINDOW_S = 30.0
MAX_WINDOWS = 12
MIN_DRIFT_SPAN_S = 15.0
MIN_CORRELATION = 0.8
MAX_TIMING_ERROR_DEG = 1.0
MIN_MATCHING_PARTS = 2
MIN_DURATION_FRACTION = 0.5
OUTLIER_SAMPLES = 0.5
MAX_WEIGHT_CORRELATION = 0.9999
EDGE_REACH_S = 2.5
SPAN_MARGIN_S = 1.0


@dataclass(frozen=True)
class ClockAlignment:
    """Affine map from the pelvis (sacrum) clock to the trunk (upper-back) clock.

    Attributes
    ----------
    scale : float
        Trunk seconds per pelvis second.
    intercept_s : float
        Trunk time at pelvis time 0: ``t_trunk = scale * t_pelvis + intercept_s``.
    correlation : float
        Median peak similarity of the angular rates over the windows used (1 = the same rates up to
        the rotation between the sensor frames); windows below ``MIN_CORRELATION`` are not used.
    windows : int
        Number of windows whose lags the line was fitted to.
    residual_s : float
        Largest distance of a window's lag from the fitted line.
    method : str
        ``angular rates`` (found from the two sensors' rates) or ``shared clock`` (the two streams
        carry one clock: nothing to find).
    """

    scale: float
    intercept_s: float
    correlation: float
    windows: int
    residual_s: float
    method: str = "angular rates"

    @property
    def offset_s(self) -> float:
        """Pelvis clock reading at trunk time 0: how far the pelvis clock runs ahead."""
        return -self.intercept_s / self.scale

    @property
    def drift_ppm(self) -> float:
        """How much faster the pelvis clock runs than the trunk clock, in parts per million."""
        return (1.0 / self.scale - 1.0) * 1e6

    def to_trunk_time(self, pelvis_time_s: np.ndarray) -> np.ndarray:
        """Map pelvis clock times (s) onto the trunk clock."""
        return self.scale * np.asarray(pelvis_time_s, dtype=float) + self.intercept_s

    def to_pelvis_time(self, trunk_time_s: np.ndarray) -> np.ndarray:
        """Map trunk clock times (s) onto the pelvis clock."""
        return (np.asarray(trunk_time_s, dtype=float) - self.intercept_s) / self.scale


def _duration_s(stream: SensorStream) -> float:
    return float(stream.time_s[-1] - stream.time_s[0]) if len(stream) > 1 else 0.0


def check_pair(recording: Recording) -> None:
    """Reject a recording whose two streams cannot give lumbar flexion.

    Parameters
    ----------
    recording : Recording

    Raises
    ------
    AlignmentError
        No or an empty sacrum (or upper-back) stream, both streams labelled with the same placement,
        a stream shorter than half the other, or streams whose times do not overlap by half.
    """
    for placement in ("upper_back", "sacrum"):
        stream = recording.sensors.get(placement)
        if stream is None:
            raise AlignmentError(
                f"lumbar flexion needs an upper_back and a sacrum sensor; no {placement} stream"
            )
        if len(stream) < 2:
            raise AlignmentError(f"the {placement} stream is empty ({len(stream)} samples)")
    trunk, pelvis = recording.sensors["upper_back"], recording.sensors["sacrum"]
    if trunk.placement == pelvis.placement or trunk is pelvis:
        raise AlignmentError(
            f"both sensor streams are placed on the {trunk.placement}; lumbar flexion needs one on the "
            "upper back and one on the sacrum"
        )
    d_trunk, d_pelvis = _duration_s(trunk), _duration_s(pelvis)
    for name, short, long_ in (("sacrum", d_pelvis, d_trunk), ("upper_back", d_trunk, d_pelvis)):
        if short < MIN_DURATION_FRACTION * long_:
            raise AlignmentError(
                f"the {name} stream lasts {short:.1f} s, less than half of the other sensor's "
                f"{long_:.1f} s; both sensors must record the whole set"
            )
    overlap = min(trunk.time_s[-1], pelvis.time_s[-1]) - max(trunk.time_s[0], pelvis.time_s[0])
    if overlap < MIN_DURATION_FRACTION * d_trunk:
        raise AlignmentError(
            f"the sacrum stream ({pelvis.time_s[0]:.1f}-{pelvis.time_s[-1]:.1f} s) and the upper_back "
            f"stream ({trunk.time_s[0]:.1f}-{trunk.time_s[-1]:.1f} s) overlap by {max(overlap, 0.0):.1f} s "
            "only"
        )


def shared_clock(a: SensorStream, b: SensorStream) -> bool:
    """True when two streams carry one clock: the same sample counter with the same times, or (without
    counters) the same timestamps, for at least half of either stream's samples.

    Two sensors wired to one logger, or stamped by one phone, are sampled together: their times need
    no alignment, whatever they move like.
    """
    if a.rate_hz is not None and b.rate_hz is not None and abs(a.rate_hz / b.rate_hz - 1.0) > 1e-6:
        return False
    if a.seq is not None and b.seq is not None:
        if len(a) == len(b) and np.array_equal(a.seq, b.seq):
            return bool(np.all(np.abs(a.time_s - b.time_s) <= SAME_TIME_S))
        ia, ib = _common(a.seq, b.seq)
        same = np.abs(a.time_s[ia] - b.time_s[ib]) <= SAME_TIME_S
    else:
        ia, ib = _common(np.rint(a.time_s / SAME_TIME_S), np.rint(b.time_s / SAME_TIME_S))
        same = np.ones(len(ia), dtype=bool)
    return bool(same.all() and len(ia) >= SHARED_FRACTION * max(len(a), len(b)))


def _common(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Indices into ``x`` and ``y`` (both non-decreasing) of the values they share (no merged copy of
    the two, unlike ``np.intersect1d``: long recordings)."""
    if not len(y):
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    j = np.minimum(np.searchsorted(y, x), len(y) - 1)
    hit = y[j] == x
    return np.flatnonzero(hit), j[hit]


def same_clock() -> ClockAlignment:
    """The alignment of two streams on one clock."""
    return ClockAlignment(1.0, 0.0, float("nan"), 0, 0.0, "shared clock")


def _lowpass_every(x: np.ndarray, kernel: np.ndarray, first: int, step: int) -> np.ndarray:
    """Symmetric FIR ``kernel`` over ``x`` (N, 3), edges padded with the end values, evaluated only at
    samples ``first``, ``first + step``, ... (no padded copy of ``x``: the few outputs within half a
    kernel of either end gather their clipped neighbourhoods)."""
    n, half = len(x), len(kernel) // 2
    idx = np.arange(first, n, step)
    out = np.empty((len(idx), x.shape[1]))
    inner = (idx >= half) & (idx < n - half)
    if inner.any():
        lo, hi = idx[inner][[0, -1]] - half
        out[inner] = sliding_window_view(x, len(kernel), axis=0)[lo : hi + 1 : step] @ kernel
    near_end = np.flatnonzero(~inner)
    around = np.clip(idx[near_end, None] + np.arange(-half, half + 1), 0, n - 1)
    out[near_end] = np.einsum("ekc,k->ec", x[around], kernel)
    return out


def angular_rate_dps(uni: UniformStream, step: int = 1) -> np.ndarray:
    """Low-passed angular rate (deg/s, sensor frame, gyro bias off) at every ``step``-th sample.

    The filter output is computed only at the kept samples; NaN inside long gaps.
    """
    low = kernels(uni.fs_hz, RATE_CUTOFF_HZ)[0]
    out = np.full((-(-len(uni.time_s) // step), 3), np.nan)
    for a, b in uni.segments:
        if b - a > len(low):
            first = -a % step
            kept = _lowpass_every(uni.gyr_rads[a:b], low, first, step)
            out[(a + first) // step : (b + step - 1) // step] = kept
    return np.degrees(out, out=out)


def _standardise(x: np.ndarray) -> np.ndarray:
    """Zero mean, unit variance over the finite samples; NaN become 0 (no contribution)."""
    ok = np.isfinite(x)
    out = np.zeros(len(x))
    sd = np.std(x[ok])
    if sd > 0:
        out[ok] = (x[ok] - x[ok].mean()) / sd
    return out


def _coarse_lag_s(
    t_trunk: np.ndarray, x: np.ndarray, t_pelvis: np.ndarray, y: np.ndarray, fs_hz: float, max_offset_s: float
) -> float:
    """Whole-recording lag (trunk time minus pelvis time) at the sample, within ``max_offset_s``."""
    y_on_trunk = np.interp(t_trunk, t_pelvis, y, left=np.nan, right=np.nan)
    xs, ys = _standardise(x), _standardise(y_on_trunk)
    reach = round(max_offset_s * fs_hz)
    # Only lags within reach count: correlating directly over them beats a full FFT correlation.
    padded = np.concatenate([np.zeros(reach), ys, np.zeros(reach)])
    corr = np.correlate(padded, xs, mode="valid")[::-1]  # lags -reach .. reach
    return float(np.argmax(corr) - reach) / fs_hz


def _shift_similarity(w_trunk: np.ndarray, shifted: np.ndarray) -> np.ndarray:
    """How well the trunk rates (n, 3) match the pelvis rates at every shift, up to a fixed rotation.

    ``shifted`` (n + 2K, 3) holds pelvis rates; shift m compares ``w_trunk[i]`` with ``shifted[m + i]``
    (m = 0 .. 2K). The rotation between the two sensor frames is unknown (any mounting) but fixed,
    so at every shift it is fitted (Kabsch: the nuclear norm of the cross-covariance, with a
    reflection excluded) and the fit is scaled by the signals' norms: 1 when the pelvis rates are a
    rotated copy of the trunk's. Unlike the rate magnitudes, this stays linear in each rate
    component, so segments that rotate by different amounts in different reps do not bias the lag.
    Samples where either side is NaN do not count; a shift with half the window missing gives NaN.
    """
    n = len(w_trunk)
    ok_a = np.isfinite(w_trunk).all(axis=1)
    ok_b = np.isfinite(shifted).all(axis=1)
    a0 = np.where(ok_a[:, None], w_trunk, 0.0)
    b0 = np.where(ok_b[:, None], shifted, 0.0)

    def along_shifts(b: np.ndarray, a: np.ndarray) -> np.ndarray:
        """sum_i a[i] * b[m + i] for every shift m."""
        return np.correlate(b, a, mode="valid")

    cross = np.empty((len(shifted) - n + 1, 3, 3))
    for i in range(3):
        for j in range(3):
            cross[:, i, j] = along_shifts(b0[:, j], a0[:, i])
    present, wanted = ok_b.astype(float), ok_a.astype(float)
    count = along_shifts(present, wanted)
    energy_a = along_shifts(present, np.sum(a0**2, axis=1))
    energy_b = along_shifts(np.sum(b0**2, axis=1), wanted)
    scale = np.sqrt(energy_a * energy_b)
    u, sing, vt = np.linalg.svd(cross)
    sign = np.sign(np.linalg.det(u) * np.linalg.det(vt))
    fit = sing[:, 0] + sing[:, 1] + sign * sing[:, 2]
    with np.errstate(invalid="ignore", divide="ignore"):
        sim = fit / scale
    return np.where(count > 0.5 * n, sim, np.nan)


def _window_lag_s(
    t: np.ndarray,
    w_trunk: np.ndarray,
    t_pelvis: np.ndarray,
    w_pelvis: np.ndarray,
    guess_s: float,
    half_lags: int,
) -> tuple[float, float] | None:
    """Sub-sample lag and peak similarity in one window, or None when the peak is not inside the search.

    The lags searched are ``guess_s`` plus whole sample steps of the window's own grid, up to
    ``half_lags`` either way: the pelvis rates are interpolated once, on that grid extended by
    ``half_lags`` samples at both ends, and every lag is a shift along it.
    """
    n = len(t)
    if n < 2:
        return None
    h = (t[-1] - t[0]) / (n - 1)
    reach = h * np.arange(1, half_lags + 1)
    at = np.concatenate([t[0] - reach[::-1], t, t[-1] + reach]) - guess_s
    shifted = np.column_stack(
        [np.interp(at, t_pelvis, w_pelvis[:, k], left=np.nan, right=np.nan) for k in range(3)]
    )
    # Shift m reads the pelvis at t - guess_s - (half_lags - m) * h: reversed, the lags ascend.
    r = _shift_similarity(w_trunk, shifted)[::-1]
    lags_s = guess_s + np.arange(-half_lags, half_lags + 1) * h
    if not np.isfinite(r).any():
        return None
    j = int(np.nanargmax(r))
    if j == 0 or j == len(r) - 1 or not np.isfinite(r[j - 1 : j + 2]).all():
        return None
    curvature = r[j - 1] - 2.0 * r[j] + r[j + 1]
    shift = 0.5 * (r[j - 1] - r[j + 1]) / curvature if curvature < 0 else 0.0
    return float(lags_s[j] + shift * h), float(r[j])


def _as_uniform(stream: UniformStream | SensorStream, fs_hz: float) -> UniformStream:
    if isinstance(stream, UniformStream):
        return stream
    if len(stream) < 2:
        raise AlignmentError(f"the {stream.placement} stream is empty ({len(stream)} samples)")
    return to_uniform(stream, fs_hz)


def _moving_span(t: np.ndarray, rate_dps: np.ndarray) -> tuple[float, float] | None:
    moving = np.nan_to_num(rate_dps) > MOVING_DPS
    spans = runs(moving)
    if not spans:
        return None
    return float(t[spans[0][0]]), float(t[spans[-1][1] - 1])


def align_streams(
    trunk: UniformStream | SensorStream,
    pelvis: UniformStream | SensorStream,
    fs_hz: float,
    max_offset_s: float = MAX_OFFSET_S,
) -> ClockAlignment:
    """Find offset and drift of the pelvis (sacrum) clock against the trunk (upper-back) clock.

    Parameters
    ----------
    trunk, pelvis : UniformStream or SensorStream
        The two sensors' samples, each with times on its own clock (raw streams are put on their
        uniform grids first).
    fs_hz : float
        Nominal sample rate of both sensors.
    max_offset_s : float
        Largest clock offset searched around the file's times.

    Returns
    -------
    ClockAlignment

    Raises
    ------
    AlignmentError
        An empty stream, one shorter than half the other, no movement in the trunk stream, no
        movement in the pelvis stream while the trunk moves, or angular rates that do not match
        (the streams are not of the same set).
    """
    trunk_u, pelvis_u = _as_uniform(trunk, fs_hz), _as_uniform(pelvis, fs_hz)
    t_tr, t_pe = trunk_u.time_s, pelvis_u.time_s
    d_tr, d_pe = t_tr[-1] - t_tr[0], t_pe[-1] - t_pe[0]
    if d_pe < MIN_DURATION_FRACTION * d_tr:
        raise AlignmentError(
            f"the sacrum stream lasts {d_pe:.1f} s, less than half of the upper_back stream's {d_tr:.1f} s"
        )
    # The rates are low-passed at RATE_CUTOFF_HZ, so a coarser grid loses nothing; the lag keeps its
    # sub-sample precision from the interpolated correlation peak, at a fraction of the cost.
    step = max(int(fs_hz // ALIGN_RATE_HZ), 1)
    w_tr, w_pe = angular_rate_dps(trunk_u, step), angular_rate_dps(pelvis_u, step)
    t_tr, t_pe, fs_hz = t_tr[::step], t_pe[::step], fs_hz / step
    x, y = np.linalg.norm(w_tr, axis=1), np.linalg.norm(w_pe, axis=1)
    moving = _moving_span(t_tr, x)
    if moving is None:
        raise AlignmentError(
            "no movement to align the sensors by: the upper back never turns faster than "
            f"{MOVING_DPS:g} deg/s"
        )
    if not np.nanmax(y, initial=0.0) > PELVIS_MIN_DPS:
        raise AlignmentError(
            f"the sacrum sensor never turns faster than {PELVIS_MIN_DPS:g} deg/s while the upper back "
            "hinges; is it strapped on?"
        )
    covered = min(moving[1], t_pe[-1]) - max(moving[0], t_pe[0])
    if covered < MIN_DURATION_FRACTION * (moving[1] - moving[0]):
        raise AlignmentError(
            f"the sacrum stream ({t_pe[0]:.1f}-{t_pe[-1]:.1f} s) does not cover the upper back's "
            f"movement ({moving[0]:.1f}-{moving[1]:.1f} s)"
        )
    guess_s = _coarse_lag_s(t_tr, x, t_pe, y, fs_hz, max_offset_s)
    if abs(guess_s) >= max_offset_s - 1.0 / fs_hz:
        raise AlignmentError(
            f"the sacrum and upper_back clocks differ by {max_offset_s:g} s or more (or the streams are "
            "not of the same set); the sensors' clocks must agree to within that"
        )
    span = (
        max(moving[0] - SPAN_MARGIN_S, t_tr[0], t_pe[0] + guess_s),
        min(moving[1] + SPAN_MARGIN_S, t_tr[-1], t_pe[-1] + guess_s),
    )
    lags, tried = _window_lags(t_tr, x, w_tr, t_pe, w_pe, guess_s, span, fs_hz)
    # Parts where the trunk bends sideways or twists while the pelvis stays do not match; what the
    # clock needs is a few parts that do, and agree (the line fit drops the far-off ones).
    if len(lags) < min(MIN_MATCHING_PARTS, tried):
        raise AlignmentError(
            f"the sacrum and upper_back angular rates do not match (similarity {MIN_CORRELATION:g} or "
            f"more in {len(lags)} of {tried} parts of the set); are both streams from the same set?"
        )
    alignment = _fit_line(lags, MIN_DRIFT_SPAN_S, fs_hz)
    if abs(alignment.drift_ppm) > MAX_DRIFT_PPM:
        # Few windows over a short set cannot tell a drift from the scatter of their lags: an offset
        # alone explains them as well.
        alignment = _fit_line(lags, np.inf, fs_hz)
    # A slowly turning pelvis pins the lag down loosely, and needs it loosely: what matters is how far
    # the pelvis turns within the timing error, which is what lumbar flexion is off by.
    pelvis_dps = float(np.nanpercentile(y, 95))
    lumbar_error_deg = alignment.residual_s * pelvis_dps
    if lumbar_error_deg > MAX_TIMING_ERROR_DEG:
        raise AlignmentError(
            f"the sacrum and upper_back clocks match only to {1e3 * alignment.residual_s:.0f} ms, which "
            f"puts lumbar flexion off by up to {lumbar_error_deg:.1f}° (the pelvis turns at up to "
            f"{pelvis_dps:.0f} deg/s)"
        )
    return alignment


def _quietest_s(t: np.ndarray, x: np.ndarray, around_s: float, reach_s: float) -> float:
    """Time of the smallest rate magnitude within ``reach_s`` of ``around_s``."""
    i0, i1 = np.searchsorted(t, [around_s - reach_s, around_s + reach_s])
    seg = x[i0 : max(i1, i0 + 1)]
    return float(t[i0 + int(np.nanargmin(seg))]) if np.isfinite(seg).any() else around_s


def _window_lags(
    t_tr: np.ndarray,
    x: np.ndarray,
    w_tr: np.ndarray,
    t_pe: np.ndarray,
    w_pe: np.ndarray,
    guess_s: float,
    span: tuple[float, float],
    fs_hz: float,
) -> tuple[list[tuple[float, float, float]], int]:
    """(trunk time, lag, peak similarity) of every window with a clear similarity peak, and the
    number of windows with movement that were tried.

    Window edges are moved to the quietest nearby instant: an edge through the middle of a movement
    biases the lag whenever the pelvis follows the trunk by different amounts in different reps (a
    rounded rep). The time of a window is the centroid of its rate energy, where its lag holds.
    """
    length = span[1] - span[0]
    n_win = int(np.clip(length // WINDOW_S, 1, MAX_WINDOWS))
    win_s = min(length / n_win, MAX_WINDOW_S)
    centres = span[0] + (np.arange(n_win) + 0.5) * length / n_win
    mid = 0.5 * (span[0] + span[1])
    reach_s = min(EDGE_REACH_S, win_s / 4)
    out = []
    tried = 0
    for c in centres:
        a_s = _quietest_s(t_tr, x, c - win_s / 2, reach_s)
        b_s = _quietest_s(t_tr, x, c + win_s / 2, reach_s)
        i0, i1 = np.searchsorted(t_tr, [a_s, b_s])
        xw = x[i0:i1]
        if not np.isfinite(xw).any() or np.nanstd(xw) < 0.5 * MOVING_DPS:
            continue
        tried += 1
        energy = np.nan_to_num(xw - np.nanmean(xw)) ** 2
        centre_s = float(np.sum(t_tr[i0:i1] * energy) / np.sum(energy))
        # The whole-recording lag holds at the middle of the movement; drift moves it elsewhere.
        half = int(np.ceil(2 + MAX_DRIFT_PPM * 1e-6 * (abs(c - mid) + win_s) * fs_hz))
        found = _window_lag_s(t_tr[i0:i1], w_tr[i0:i1], t_pe, w_pe, guess_s, half)
        if found is not None and found[1] >= MIN_CORRELATION:
            out.append((centre_s, *found))
    return out, tried


def _fit_line(
    lags: list[tuple[float, float, float]], min_drift_span_s: float, fs_hz: float
) -> ClockAlignment:
    """Weighted least-squares line through the window lags; far-off windows are dropped one by one.

    A window's weight is r^2 / (1 - r^2) of its peak similarity r, which grows as the two angular
    rates approach the same shape: a window where the sensors move differently (walking in,
    turning) says little about their clocks.
    """
    data = np.array(lags)
    while True:
        c, lag, r = data.T
        pelvis_t = c - lag
        r_clip = np.clip(r, 0.0, MAX_WEIGHT_CORRELATION)
        weight = r_clip**2 / (1.0 - r_clip**2)
        if len(data) >= 2 and np.ptp(c) >= min_drift_span_s:
            scale, intercept = np.polyfit(pelvis_t, c, 1, w=np.sqrt(weight))
        else:
            scale, intercept = 1.0, float(np.average(lag, weights=weight))
        resid = np.abs(c - (scale * pelvis_t + intercept))
        worst = int(np.argmax(resid))
        if resid[worst] <= OUTLIER_SAMPLES / fs_hz or len(data) <= 2:
            break
        data = np.delete(data, worst, axis=0)
    return ClockAlignment(float(scale), float(intercept), float(np.median(r)), len(data), float(resid.max()))


def align_recording(recording: Recording, max_offset_s: float = MAX_OFFSET_S) -> ClockAlignment:
    """Check a two-sensor recording and align its sacrum clock to its upper-back clock.

    Parameters
    ----------
    recording : Recording
        With ``upper_back`` and ``sacrum`` streams.
    max_offset_s : float
        Largest clock offset searched around the file's times.

    Returns
    -------
    ClockAlignment

    Raises
    ------
    AlignmentError
        See ``check_pair`` and ``align_streams``.
    """
    check_pair(recording)
    return align_streams(
        recording.sensors["upper_back"], recording.sensors["sacrum"], recording.sample_rate_hz, max_offset_s
    )
