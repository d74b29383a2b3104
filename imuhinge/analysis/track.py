"""One sensor, followed as its samples arrive: the grid, calibration, orientation and angles.

The live view's half of the analysis core. It uses the same pieces as replay (``body.angles``):
the grid and its gap rules (``signal.resample.GridFiller``, the incremental ``grid``), still periods
and the flexion axis (``signal.calibrate``), the standing reference and the sign of flexion
(``body.angles.calibrate_frame``) and the angles (``SagittalFrame``). What differs is only what the
data allow at the time: replay calibrates on the whole recording and runs offline VQF; a track
calibrates as soon as the samples so far hold a still period and a first hinge (or, without any
stillness, after ``NO_STILL_FALLBACK_S``), then runs online VQF. Samples that arrive before are kept
and analysed then, so no rep is lost to calibration. A set measured from its lockout (a hip thrust)
starts still at the bottom: its trunk calibrates once two lockouts have been held still in one
posture (within ``POSTURE_DEG``), ``AXIS_TRIGGER_DEG`` away from the start, so that a first rep arched
past the lockout, or stopped short of it, is not taken for the set's lockout.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from imuhinge.body.angles import SagittalFrame, StandingGuide, calibrate_frame
from imuhinge.body.standing import POSTURE_DEG
from imuhinge.signal.calibrate import Calibration, axis_samples, longest, sagittal_axis, still_periods
from imuhinge.signal.orientation import (
    OnlineOrientation,
    heading_change_rad,
    output_times_s,
    up_in_sensor,
    yaw_rotated,
)
from imuhinge.signal.resample import Grid, GridFiller, UniformStream

AXIS_TRIGGER_DEG = 20.0
NO_STILL_FALLBACK_S = 20.0
HISTORY_S = 90.0  # grid samples kept for clock alignment and hip travel


@dataclass
class AngleBlock:
    """Angle samples a track gave back (NaN where the orientation is unknown)."""

    time_s: np.ndarray
    flexion_deg: np.ndarray
    lateral_tilt_deg: np.ndarray
    twist_deg: np.ndarray

    def __len__(self) -> int:
        return len(self.time_s)


def _empty_angles() -> AngleBlock:
    return AngleBlock(np.empty(0), np.empty(0), np.empty(0), np.empty(0))


class SensorTrack:
    """One sensor's calibration, orientation and angles, fed block by block.

    Parameters
    ----------
    placement : str
    fs_hz : float
        The sensor's sample rate.
    guide : callable, optional
        For a second segment (the pelvis): gives the trunk's ``StandingGuide`` once the trunk is
        calibrated, None before; the track waits for it.
    out_of_plane : bool
        Also lateral tilt and twist (NaN otherwise: the pelvis needs flexion only).
    lockout_reference : bool
        Angles from the set's lockout instead of standing (``Exercise.lockout_reference``).
    """

    def __init__(
        self,
        placement: str,
        fs_hz: float,
        guide: Callable[[], StandingGuide | None] | None = None,
        out_of_plane: bool = True,
        lockout_reference: bool = False,
    ):
        self.placement = placement
        self.fs_hz = fs_hz
        self.guide = guide
        self.out_of_plane = out_of_plane
        self.lockout_reference = lockout_reference
        self.calibration: Calibration | None = None
        self.frame: SagittalFrame | None = None
        self._filler = GridFiller(fs_hz)
        self._pos0: int | None = None
        self._last_time: tuple[float, int] | None = None
        self._waiting: list[Grid] = []
        self._vqf: OnlineOrientation | None = None
        self._heading_fix = 0.0
        self._last_quat: np.ndarray | None = None
        self.history = _History(int(HISTORY_S * fs_hz))

    # -- input ---------------------------------------------------------------------------------

    def feed(
        self, time_s: np.ndarray, seq: np.ndarray | None, acc_mps2: np.ndarray, gyr_rads: np.ndarray
    ) -> AngleBlock:
        """Add received samples (SI units); returns the angle samples now available."""
        if not len(time_s):
            return _empty_angles()
        return self._take(self._filler.feed(self._positions(time_s, seq), time_s, acc_mps2, gyr_rads))

    def finish(self) -> AngleBlock:
        """End of stream: the samples held back; calibrates on what there is if it has not yet."""
        out = self._take(self._filler.finish())
        if self.frame is None and self._waiting and (self.guide is None or self.guide() is not None):
            more = self._calibrate(force=True)
            out = _concat_angles([out, more]) if more is not None else out
        return out

    def _positions(self, time_s: np.ndarray, seq: np.ndarray | None) -> np.ndarray:
        """Absolute grid positions: the counter, or the (regular) times rounded to periods."""
        if seq is not None:
            seq = np.asarray(seq, dtype=np.int64)
            if self._pos0 is None:
                self._pos0 = int(seq[0])
            return seq - self._pos0
        t = np.asarray(time_s, dtype=float)
        last_t, last_pos = self._last_time if self._last_time is not None else (float(t[0]), -1)
        steps = np.maximum(np.rint(np.diff(np.concatenate([[last_t], t])) * self.fs_hz), 1).astype(np.int64)
        if self._last_time is None:
            steps[0] = 1
        pos = last_pos + np.cumsum(steps)
        self._last_time = float(t[-1]), int(pos[-1])
        return pos

    def _take(self, g: Grid) -> AngleBlock:
        if not len(g):
            return _empty_angles()
        if self.frame is None:
            self._waiting.append(g)
            return self._calibrate() or _empty_angles()
        return self._angles(g)

    # -- calibration ---------------------------------------------------------------------------

    def _calibrate(self, force: bool = False) -> AngleBlock | None:
        """Calibrate on the samples so far when they allow it; returns their angles then."""
        g = _concat_grids(self._waiting)
        if self.guide is not None and self.guide() is None:
            return None
        still = still_periods(g.acc_mps2, g.gyr_rads, self.fs_hz, g.measured & ~g.doubtful)
        best = longest(still)
        duration_s = len(g) / self.fs_hz
        # A guided segment takes its reference from the trunk's: it only needs to have moved.
        two_lockouts = self.lockout_reference and self.guide is None
        ready = best is not None and (_two_lockouts(g, still) if two_lockouts else _tipped(g, best))
        if not force and not ready and duration_s < NO_STILL_FALLBACK_S:
            return None
        bias = g.gyr_rads[best[0] : best[1]].mean(axis=0) if best else np.zeros(3)
        uni = UniformStream(
            g.time_s,
            g.acc_mps2,
            g.gyr_rads - bias,
            g.filled,
            g.fill_error_deg,
            g.segments(),
            self.fs_hz,
            still,
            bias,
        )
        quat = self._orient(g, uni.gyr_rads)
        pick = axis_samples(len(quat))
        raw_axis = sagittal_axis(uni.gyr_rads[pick], up_in_sensor(quat[pick]))
        if raw_axis is None:
            if not force:
                return None
            self._vqf = None
            return None
        guide = None if self.guide is None else self.guide()
        self.frame, self.calibration = calibrate_frame(
            uni,
            quat,
            raw_axis,
            output_times_s(g.time_s, self.fs_hz),
            pick,
            self.placement,
            guide,
            self.lockout_reference,
        )
        self._waiting = []
        return self._angles_of(g, quat)

    def _orient(self, g: Grid, gyr_rads: np.ndarray) -> np.ndarray:
        """Online orientation of grid samples (bias off): a fresh filter after each split gap, the heading
        carried across it; NaN where unmeasured or doubtful."""
        quat = np.full((len(g), 4), np.nan)
        edges = np.flatnonzero(np.diff(np.concatenate([[0], g.measured.astype(np.int8), [0]])))
        for a, b in zip(edges[::2], edges[1::2], strict=True):
            restart = self._vqf is None or g.new_segment[a] or (a > 0 and not g.measured[a - 1])
            if restart:
                self._vqf = OnlineOrientation(self.fs_hz)
                self._vqf.settle(g.acc_mps2[a])
            assert self._vqf is not None
            q = self._vqf.update(gyr_rads[a:b], g.acc_mps2[a:b])
            if restart:
                # 6D fusion starts at an arbitrary heading: carry the heading on across the gap.
                last = self._last_quat
                self._heading_fix = 0.0 if last is None else -heading_change_rad(last, q[0])
            if self._heading_fix:
                q = yaw_rotated(q, self._heading_fix)
            quat[a:b] = q
            self._last_quat = q[-1]
        quat[g.doubtful] = np.nan  # followed through, but not read there
        return quat

    # -- angles --------------------------------------------------------------------------------

    def _angles(self, g: Grid) -> AngleBlock:
        assert self.calibration is not None
        return self._angles_of(g, self._orient(g, g.gyr_rads - self.calibration.gyro_bias_rads))

    def _angles_of(self, g: Grid, quat: np.ndarray) -> AngleBlock:
        assert self.frame is not None and self.calibration is not None
        flex, tilt, twist = self.frame.angles_deg(quat, self.out_of_plane)
        if tilt is None or twist is None:
            tilt = twist = np.full(len(flex), np.nan)
        t = output_times_s(g.time_s, self.fs_hz)
        readable = g.measured & ~g.doubtful
        self.history.add(t, g.acc_mps2, g.gyr_rads - self.calibration.gyro_bias_rads, quat, flex, readable)
        return AngleBlock(t, flex, tilt, twist)


def _tipped(g: Grid, still: tuple[int, int]) -> bool:
    """Whether gravity, seen from the sensor, has turned ``AXIS_TRIGGER_DEG`` from the still posture."""
    up0 = g.acc_mps2[still[0] : still[1]].mean(axis=0)
    acc = g.acc_mps2[still[1] :]
    cos = acc @ up0 / (np.linalg.norm(acc, axis=1) * np.linalg.norm(up0) + 1e-12)
    return bool(len(acc) and np.degrees(np.arccos(np.clip(cos.min(), -1.0, 1.0))) > AXIS_TRIGGER_DEG)


def _two_lockouts(g: Grid, still: list[tuple[int, int]]) -> bool:
    """Whether two still periods ``AXIS_TRIGGER_DEG`` away from the first (the bottom the set starts
    in) lie within ``POSTURE_DEG`` of each other (gravity seen from the sensor)."""
    ups = np.array([g.acc_mps2[a:b].mean(axis=0) for a, b in still]).reshape(-1, 3)
    ups /= np.linalg.norm(ups, axis=1, keepdims=True) + 1e-12
    if not len(ups):
        return False
    away = ups[np.degrees(np.arccos(np.clip(ups @ ups[0], -1.0, 1.0))) > AXIS_TRIGGER_DEG]
    apart_deg = np.degrees(np.arccos(np.clip(away @ away.T, -1.0, 1.0)))
    return bool(np.any(apart_deg[np.triu_indices(len(away), 1)] <= POSTURE_DEG))


def _concat_grids(parts: list[Grid]) -> Grid:
    return Grid(*(np.concatenate([getattr(p, name) for p in parts]) for name in Grid.__dataclass_fields__))


def _concat_angles(parts: list[AngleBlock]) -> AngleBlock:
    return AngleBlock(
        *(np.concatenate([getattr(p, name) for p in parts]) for name in AngleBlock.__dataclass_fields__)
    )


class _History:
    """The last samples of a track on its grid (bounded): what clock alignment and hip travel read."""

    def __init__(self, keep: int):
        self.keep = keep
        self.parts: list[tuple[np.ndarray, ...]] = []
        self.size = 0

    def add(self, *arrays: np.ndarray) -> None:
        self.parts.append(arrays)
        self.size += len(arrays[0])

    def arrays(self) -> tuple[np.ndarray, ...]:
        """(time_s, acc_mps2, gyr_rads, quat, flexion_deg, measured), concatenated (the last ``keep``)."""
        if not self.parts:
            return tuple(np.empty(0) for _ in range(6))
        if len(self.parts) > 1 or self.size > self.keep:
            cut = max(self.size - self.keep, 0)
            self.parts = [tuple(np.concatenate([p[k] for p in self.parts])[cut:] for k in range(6))]
            self.size = len(self.parts[0][0])
        return self.parts[0]
