"""Live analysis: the replay pipeline run sample block by sample block while a set is recorded.

Each sensor is calibrated as soon as its data allow: gyro bias and "up" from the first quiet standing
period, the flexion axis from the first hinge (once the trunk has tipped ``AXIS_TRIGGER_DEG``). Samples
that arrive before that are buffered and then analysed, so no rep is lost. Orientation is online VQF;
smoothing and segmentation are the same incremental code the replay runs, so live and replay agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from imuhinge.analysis.replay import build_report, trunk_placement
from imuhinge.body.angles import AngleSeries, SagittalFrame
from imuhinge.coaching.tempo import DEFAULT_TEMPO, parse_tempo
from imuhinge.coaching.verdicts import judge_reps
from imuhinge.model import Exercise, Recording, Rep, SensorStream, SetReport, Targets
from imuhinge.reps.metrics import build_reps
from imuhinge.reps.segment import Segmenter, SegmenterConfig
from imuhinge.signal.calibrate import orthogonal_axis, sagittal_axis, still_periods
from imuhinge.signal.orientation import OnlineOrientation, output_times_s, up_in_sensor
from imuhinge.signal.resample import MAX_FILL_S
from imuhinge.signal.smoothing import StreamSmoother

AXIS_TRIGGER_DEG = 20.0
NO_QUIET_FALLBACK_S = 20.0
REP_MARGIN_S = 1.0  # angle history kept before a rep's first onset for its metrics


@dataclass
class _Angles:
    time_s: list[np.ndarray] = field(default_factory=list)
    flexion_deg: list[np.ndarray] = field(default_factory=list)
    tilt_deg: list[np.ndarray] = field(default_factory=list)
    twist_deg: list[np.ndarray] = field(default_factory=list)

    def add(self, t: np.ndarray, flex: np.ndarray, tilt: np.ndarray, twist: np.ndarray) -> None:
        self.time_s.append(t)
        self.flexion_deg.append(flex)
        self.tilt_deg.append(tilt)
        self.twist_deg.append(twist)

    def arrays(self, since_s: float = -np.inf) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The blocks that reach past ``since_s``, concatenated (a rep's window, not the whole set)."""
        first = len(self.time_s)
        while first > 0 and self.time_s[first - 1][-1] >= since_s:
            first -= 1
        cat = [
            np.concatenate(x[first:]) if x[first:] else np.empty(0)
            for x in (self.time_s, self.flexion_deg, self.tilt_deg, self.twist_deg)
        ]
        return cat[0], cat[1], cat[2], cat[3]


class SensorTrack:
    """One sensor's live calibration, orientation and angles.

    ``add`` takes raw blocks (file units converted to SI by the caller) and returns the angle samples
    that became available, possibly including buffered ones once calibration completes.
    """

    def __init__(self, placement: str, fs_hz: float):
        self.placement = placement
        self.fs_hz = fs_hz
        self.warnings: list[str] = []
        self._raw_t: list[np.ndarray] = []
        self._raw_acc: list[np.ndarray] = []
        self._raw_gyr: list[np.ndarray] = []
        self._bias: np.ndarray | None = None
        self._vqf: OnlineOrientation | None = None
        self._up0: np.ndarray | None = None
        self._quat0: np.ndarray | None = None
        self._frame: SagittalFrame | None = None
        self._pending: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # (t, quat, gyr) awaiting axis
        self._last: tuple[float, int, np.ndarray, np.ndarray] | None = None
        self.angles = _Angles()

    def _fill(self, t, seq, acc, gyr):
        """Interpolate samples lost between blocks (by the counter); report a long gap."""
        long_gap = False
        if self._last is not None and seq is not None and len(seq):
            t0, s0, a0, g0 = self._last
            missing = int(seq[0] - s0 - 1)
            if missing > MAX_FILL_S * self.fs_hz:
                long_gap = True
            elif missing > 0:
                w = (np.arange(1, missing + 1) / (missing + 1))[:, None]
                t = np.concatenate([t0 + w[:, 0] * (t[0] - t0), t])
                acc = np.concatenate([a0 + w * (acc[0] - a0), acc])
                gyr = np.concatenate([g0 + w * (gyr[0] - g0), gyr])
                seq = np.concatenate([s0 + np.arange(1, missing + 1), seq])
        if len(t):
            self._last = (float(t[-1]), int(seq[-1]) if seq is not None else 0, acc[-1], gyr[-1])
        return t, acc, gyr, long_gap

    def add(
        self, time_s, seq, acc_mps2, gyr_rads
    ) -> tuple[bool, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Add a block; returns (long_gap_before, time_s, flexion_deg, tilt_deg, twist_deg)."""
        t, acc, gyr, long_gap = self._fill(
            np.asarray(time_s, float), seq, np.asarray(acc_mps2, float), np.asarray(gyr_rads, float)
        )
        if long_gap and self._vqf is not None and len(acc):
            self._vqf = OnlineOrientation(self.fs_hz)
            self._vqf.settle(acc[0])
        if self._bias is None:
            self._raw_t.append(t)
            self._raw_acc.append(acc)
            self._raw_gyr.append(gyr)
            if not self._calibrate_rest():
                return long_gap, *(np.empty(0),) * 4
            t = np.concatenate(self._raw_t)
            acc, gyr = np.concatenate(self._raw_acc), np.concatenate(self._raw_gyr)
            self._raw_t, self._raw_acc, self._raw_gyr = [], [], []
        assert self._vqf is not None and self._bias is not None
        quat = self._vqf.update(gyr - self._bias, acc)
        t_out = output_times_s(t, self.fs_hz)
        if self._frame is None:
            self._pending.append((t_out, quat, gyr - self._bias))
            if not self._find_axis():
                return long_gap, *(np.empty(0),) * 4
            t_out = np.concatenate([p[0] for p in self._pending])
            quat = np.concatenate([p[1] for p in self._pending])
            self._pending = []
        return (long_gap, t_out, *self._angles_of(quat))

    def _calibrate_rest(self) -> bool:
        acc, gyr = np.concatenate(self._raw_acc), np.concatenate(self._raw_gyr)
        found = still_periods(acc, gyr, self.fs_hz)
        quiet = found[0] if found else None
        duration = len(acc) / self.fs_hz
        if quiet is None and duration < NO_QUIET_FALLBACK_S:
            return False
        if quiet is None:
            self.warnings.append(
                f"{self.placement}: no quiet standing at the start; the first "
                "samples are taken as standing (stand still 3 s before the first rep)"
            )
            quiet = (0, max(int(0.5 * self.fs_hz), 1))
        self._bias = gyr[quiet[0] : quiet[1]].mean(axis=0)
        self._vqf = OnlineOrientation(self.fs_hz)
        self._rest = quiet
        return True

    def _find_axis(self) -> bool:
        quat = np.concatenate([p[1] for p in self._pending])
        up = up_in_sensor(quat)
        if self._up0 is None:
            a, b = self._rest
            self._up0 = up[a:b].mean(axis=0)
            self._up0 /= np.linalg.norm(self._up0)
            self._quat0 = quat[(a + b) // 2]
        quat0 = self._quat0
        assert quat0 is not None  # set with up0
        tipped = np.degrees(np.arccos(np.clip(up @ self._up0, -1.0, 1.0)))
        if tipped.max() < AXIS_TRIGGER_DEG:
            return False
        gyr = np.concatenate([p[2] for p in self._pending])
        raw = sagittal_axis(gyr, up)
        if raw is None:
            return False
        frame = SagittalFrame(self._up0, orthogonal_axis(raw, self._up0), quat0)
        flex, _ = frame.flexion_tilt_deg(up[-1:])
        self._frame = frame if flex[0] >= 0 else SagittalFrame(self._up0, -frame.axis, quat0)
        return True

    def _angles_of(self, quat: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        assert self._frame is not None
        flex, tilt, twist = self._frame.angles_deg(quat)
        assert tilt is not None and twist is not None
        return flex, tilt, twist


@dataclass
class LiveStatus:
    """What the live view shows after each block."""

    time_s: float
    trunk_flexion_deg: float | None
    phase: str
    rep_count: int
    new_reps: list[Rep]


class LiveAnalyzer:
    """Feed sample blocks of one or two sensors; get rep events as they complete.

    Parameters
    ----------
    fs_hz : float
        Nominal sample rate of the sensors.
    exercise : Exercise
    tempo : str
        Target tempo notation.
    placements : sequence of str
        The sensors in this set; ``upper_back`` (or the only one) is analysed live.
    targets : Targets, optional
    """

    def __init__(
        self,
        fs_hz: float,
        exercise: Exercise = Exercise.RDL,
        tempo: str = DEFAULT_TEMPO,
        placements: tuple[str, ...] = ("upper_back",),
        targets: Targets | None = None,
    ):
        self.fs_hz = fs_hz
        self.exercise = exercise
        self.tempo = parse_tempo("X" if exercise.ballistic else tempo)
        self.targets = targets or Targets()
        self.trunk_name = trunk_placement(placements)
        self.track = SensorTrack(self.trunk_name, fs_hz)
        self._smoother = StreamSmoother(fs_hz)
        self._segmenter = Segmenter(
            fs_hz, exercise.floor_start, SegmenterConfig(min_depth_deg=self.targets.min_depth_deg)
        )
        self._unsmoothed_t = np.empty(0)
        self._last_angle: float | None = None
        self._last_speed = 0.0

    def feed(
        self,
        placement: str,
        time_s: np.ndarray,
        seq: np.ndarray | None,
        acc_mps2: np.ndarray,
        gyr_rads: np.ndarray,
    ) -> LiveStatus:
        """Add one block of one sensor's samples (SI units, recording time).

        Only the trunk sensor is analysed live: the sacrum's lumbar and hip checks need the two
        sensors' clocks aligned over the whole set, which the replay at the end of the set does.
        """
        new: list[Rep] = []
        if placement == self.trunk_name:
            long_gap, t, flex, tilt, twist = self.track.add(time_s, seq, acc_mps2, gyr_rads)
            if long_gap:
                new += self._complete(self._flush_segment())
            if len(t):
                self.track.angles.add(t, flex, tilt, twist)
                self._unsmoothed_t = np.concatenate([self._unsmoothed_t, t])
                angle, speed = self._smoother.feed(flex)
                new += self._complete(self._segment(angle, speed))
        now = float(time_s[-1]) if len(time_s) else 0.0
        return LiveStatus(now, self._last_angle, self._phase(), len(self._segmenter.reps), new)

    def _segment(self, angle: np.ndarray, speed: np.ndarray):
        if not len(angle):
            return []
        t, self._unsmoothed_t = self._unsmoothed_t[: len(angle)], self._unsmoothed_t[len(angle) :]
        self._last_angle, self._last_speed = float(angle[-1]), float(speed[-1])
        return self._segmenter.feed(t, angle, speed)

    def _flush_segment(self):
        angle, speed = self._smoother.finish()
        done = self._segment(angle, speed) + self._segmenter.gap()
        self._smoother = StreamSmoother(self.fs_hz)
        return done

    def _series(self, since_s: float = -np.inf) -> AngleSeries:
        return AngleSeries(*self.track.angles.arrays(since_s))

    def _complete(self, bounds) -> list[Rep]:
        if not bounds:
            return []
        since = bounds[0].first_onset_s - REP_MARGIN_S
        reps = build_reps(bounds, self.exercise, self._series(since))
        judge_reps(reps, self.exercise, self.tempo, self.targets)
        first = len(self._segmenter.reps) - len(bounds) + 1
        for k, rep in enumerate(reps):
            rep.index = first + k
        return reps

    def _phase(self) -> str:
        if self._last_angle is None:
            return "calibrating"
        moving_dps = 5.0
        if self._last_speed > moving_dps:
            return "lowering"
        if self._last_speed < -moving_dps:
            return "rising"
        return "bottom" if self._last_angle > self.targets.min_depth_deg else "top"

    def finish(self, metadata: dict[str, str] | None = None) -> SetReport:
        """End of the set: flush, then the same report the replay gives."""
        self._flush_segment()
        series = self._series()
        warnings = list(self.track.warnings)
        empty = SensorStream(self.trunk_name, np.empty(0), np.empty((0, 3)), np.empty((0, 3)))
        streams = {self.trunk_name: empty}
        rec = Recording(streams, self.fs_hz, dict(metadata or {}))
        return build_report(
            rec,
            self.exercise,
            self.tempo,
            self.targets,
            self._segmenter.reps,
            self._segmenter.partials,
            series,
            warnings,
        )
