"""Per-rep metrics from phase boundaries and the angle time series.

For a set measured from its own lockout (a hip thrust) the lockout is judged instead of a lean-back
past standing: how far each rep's top stopped short of the set's lockout (the pelvis with a sacrum
sensor: the hips), and how far the lower back extended at the top against its shape at the bottom
the rise started from (the movement should be at the hips, the back keeping its shape).
"""

from __future__ import annotations

import numpy as np

from imuhinge.body.angles import AngleSeries
from imuhinge.body.neck import neck_peaks_deg
from imuhinge.model import Exercise, Rep
from imuhinge.reps.segment import RepBounds
from imuhinge.reps.speed import concentric_speeds_dps, hip_snap_dps
from imuhinge.signal.calibrate import runs

LOCKOUT_WINDOW_S = 1.5
DEEP_FRACTION = 0.75
BOTTOM_WINDOW_S = 0.2  # before the rise: the lower back's shape at the bottom
NECK_HOLE_S = 0.25  # the longest hole in the neck angle a rep's neck peaks are read across


def _signed_peak(x: np.ndarray) -> float | None:
    x = x[np.isfinite(x)]
    return float(x[np.argmax(np.abs(x))]) if len(x) else None


def _peak_deg(flex: np.ndarray, time_s: np.ndarray, series: AngleSeries) -> float | None:
    """The deepest flexion, unless data is missing where the rep is deep (its deepest quarter)."""
    peak = float(np.fmax.reduce(flex))
    if not np.isfinite(peak):
        return None
    deep = time_s[flex >= DEEP_FRACTION * peak]
    return None if series.unmeasured(float(deep[0]), float(deep[-1])) else peak


def build_reps(bounds: list[RepBounds], exercise: Exercise, series: AngleSeries) -> list[Rep]:
    """Turn phase boundaries into reps with their durations and angle metrics.

    Parameters
    ----------
    bounds : list of RepBounds
        From the segmenter, in time order.
    exercise : Exercise
        Decides which movement is the lowering (floor-start reps rise first).
    series : AngleSeries

    Returns
    -------
    list of Rep
    """
    reps: list[Rep] = []
    for k, b in enumerate(bounds):
        # The pause after a rep is unmeasurable when the next rep comes after a gap in the data.
        nxt = bounds[k + 1] if k + 1 < len(bounds) and not bounds[k + 1].after_gap else None
        if exercise.floor_start:
            rise, lower = (b.first_onset_s, b.first_offset_s), (b.second_onset_s, b.second_offset_s)
            top_s: float | None = lower[0] - rise[1]
            bottom_s = None if nxt is None else nxt.first_onset_s - lower[1]
            lock = series.window(rise[1], lower[0])
        else:
            lower, rise = (b.first_onset_s, b.first_offset_s), (b.second_onset_s, b.second_offset_s)
            bottom_s = rise[0] - lower[1]
            top_s = None if nxt is None else nxt.first_onset_s - rise[1]
            lock_end = nxt.first_onset_s if nxt else rise[1] + LOCKOUT_WINDOW_S
            lock = series.window(rise[1], lock_end)
        start, end = b.first_onset_s, b.second_offset_s
        rep_win = series.window(start, end)
        flex = series.trunk_flexion_deg

        def measured(a: float, z: float | None) -> float | None:
            """A phase's duration, unless data is missing over it."""
            return None if z is None or series.unmeasured(a, a + z) else z

        rep = Rep(
            index=k + 1,
            start_s=start,
            end_s=end,
            lower_onset_s=lower[0],
            lower_offset_s=lower[1],
            rise_onset_s=rise[0],
            rise_offset_s=rise[1],
            eccentric_s=measured(lower[0], lower[1] - lower[0]),
            bottom_s=measured(lower[1], bottom_s),
            concentric_s=measured(rise[0], rise[1] - rise[0]),
            top_s=measured(rise[1], top_s),
            peak_time_s=b.extreme_time_s,
            peak_trunk_flexion_deg=_peak_deg(flex[rep_win], series.time_s[rep_win], series),
            lockout_extension_deg=None
            if exercise.lockout_reference
            else max(0.0, float(-np.fmin.reduce(flex[lock]))),
            peak_lateral_tilt_deg=_signed_peak(series.lateral_tilt_deg[rep_win]),
            peak_twist_deg=_signed_peak(series.twist_deg[rep_win]),
            data_gaps_s=[(a, z) for a, z in series.unmeasured_s if a < end and z > start],
        )
        if exercise.hold and bottom_s is not None:
            hold = series.window(lower[1], rise[0])
            rep.hold_stability_deg = float(np.nanstd(flex[hold]))
        rep.concentric_mean_speed_dps, rep.concentric_peak_speed_dps = concentric_speeds_dps(rep, series)
        if exercise.ballistic:
            rep.hip_snap_dps = hip_snap_dps(rep, series)
        lumbar = series.lumbar_flexion_deg
        bottom_lumbar = None
        if exercise.lockout_reference:
            hips = flex if lumbar is None else flex - lumbar  # the pelvis where there is a sacrum sensor
            least = np.fmin.reduce(hips[lock])
            if np.isfinite(least) and not series.unmeasured(rise[1], lower[0]):
                rep.lockout_short_deg = max(0.0, float(least))
            if lumbar is not None:
                before = lumbar[series.window(rise[0] - BOTTOM_WINDOW_S, rise[0])]
                bottom_lumbar = float(np.mean(before)) if np.isfinite(before).all() else None
        if lumbar is not None:
            _lumbar_metrics(rep, lumbar[rep_win], lumbar[lock], series.time_s[rep_win], bottom_lumbar)
        if series.neck_flexion_deg is not None:
            _neck_metrics(rep, series, rep_win)
        reps.append(rep)
    return reps


def _lumbar_metrics(
    rep: Rep, during: np.ndarray, lockout: np.ndarray, time_s: np.ndarray, bottom_deg: float | None
) -> None:
    """Peak lumbar flexion (and its phase) and lockout extension, unless the sacrum was in a gap.

    Lockout extension is past the reference, or past ``bottom_deg`` (the lower back's flexion at the
    bottom of the rep) when given. ``np.fmax``/``np.fmin`` skip NaN and give NaN only when the whole
    window is NaN.
    """
    peak = np.fmax.reduce(during)
    if not np.isfinite(peak):
        return
    rep.peak_lumbar_flexion_deg = float(peak)
    rep.lumbar_peak_phase = _phase_at(rep, float(time_s[np.argmax(during == peak)]))
    least = np.fmin.reduce(lockout)
    neutral = 0.0 if bottom_deg is None else bottom_deg
    if np.isfinite(least) and np.isfinite(neutral):
        rep.lockout_lumbar_extension_deg = max(0.0, neutral - float(least))


def _bridged(x: np.ndarray, fs_hz: float) -> np.ndarray | None:
    """``x`` with its holes (NaN) filled by straight lines, or None when one is longer than
    ``NECK_HOLE_S`` or all of it is. A straight line never goes beyond its ends, so a peak inside a
    hole can only be missed, never made up."""
    ok = np.isfinite(x)
    if ok.all():
        return x
    if not ok.any() or max((b - a for a, b in runs(~ok)), default=0) > NECK_HOLE_S * fs_hz:
        return None
    idx = np.arange(len(x))
    return np.interp(idx, idx[ok], x[ok])


def _neck_metrics(rep: Rep, series: AngleSeries, rep_win: slice) -> None:
    """Peak neck flexion and extension over the rep (and their phases), only when the neck angle is
    known through the rep but for short holes: the head moves on its own, so a longer hole could
    hide its peak. Each is the smallest some head clock offset within ``series.neck_timing_s``
    gives (``body.neck.neck_peaks_deg``)."""
    assert series.neck_flexion_deg is not None
    time_s = series.time_s[rep_win]
    if len(time_s) < 2:
        return
    fs_hz = (len(time_s) - 1) / (time_s[-1] - time_s[0])
    reach = round(series.neck_timing_s * fs_hz)
    first = rep_win.start or 0
    # The rep and ``reach`` samples either side, the ends repeated where the series ends.
    around = np.clip(np.arange(first - reach, first + len(time_s) + reach), 0, len(series.time_s) - 1)
    neck = _bridged(series.neck_flexion_deg[around], fs_hz)
    trunk = _bridged(series.trunk_flexion_deg[around], fs_hz)
    if neck is None or trunk is None:
        return
    flexion, at_flex, extension, at_ext = neck_peaks_deg(neck, trunk, reach)
    rep.peak_neck_flexion_deg = flexion
    rep.peak_neck_extension_deg = max(0.0, extension)
    rep.neck_flexion_phase = _phase_at(rep, float(time_s[at_flex]))
    rep.neck_extension_phase = _phase_at(rep, float(time_s[at_ext]))


def _phase_at(rep: Rep, t: float) -> str:
    """Name of the phase a time falls in."""
    if rep.lower_onset_s <= t <= rep.lower_offset_s:
        return "eccentric"
    if rep.rise_onset_s <= t <= rep.rise_offset_s:
        return "concentric"
    if rep.lower_offset_s < t < rep.rise_onset_s:
        return "bottom"
    return "top"
