"""Live analysis: each sensor followed as it streams (``track``), reps found as they end, judged on
the spine too when there is a sacrum sensor, and at the end the same report replay gives.

The pieces are replay's: the same grid and gap rules, calibration, angles, rep stream (bridge,
smoothing, segmentation), rep metrics, verdicts and set summary. The sacrum's clock is taken to agree
with the upper back's at first (a recorder maps both onto one host clock) and refined from the two
sensors' rates as the set goes on (``signal.clock_align``); each rep is judged when the sacrum's data
have caught up with its end.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from imuhinge.analysis.replay import SetContext, measure_reps, set_report, trunk_placement
from imuhinge.analysis.track import AngleBlock, SensorTrack
from imuhinge.body.angles import AngleSeries, SegmentAngles, StandingGuide
from imuhinge.body.hips import HipMotion, hip_motions
from imuhinge.coaching.tempo import DEFAULT_TEMPO, parse_tempo
from imuhinge.coaching.verdicts import judge_reps
from imuhinge.errors import AlignmentError
from imuhinge.model import Exercise, Rep, SetReport, Targets
from imuhinge.reps.segment import RepBounds, SegmenterConfig
from imuhinge.reps.stream import RepStream
from imuhinge.signal.calibrate import runs
from imuhinge.signal.clock_align import ClockAlignment, align_streams, same_clock
from imuhinge.signal.resample import UniformStream

REP_MARGIN_S = 2.0  # angle history before a rep's first onset for its metrics
ALIGN_EVERY_S = 10.0
PELVIS_WAIT_S = 1.0  # how long a finished rep waits for the sacrum's data before it is reported
PELVIS_BATCH_S = 0.5
MOVING_DPS = 5.0


@dataclass
class LiveStatus:
    """What the live view shows after each block.

    ``spine_measured`` is False with one sensor: the live line then says the spine is not measured.
    ``revised_reps`` are reps reported before whose verdict changed since: a rep's top pause (its pause
    at the floor, floor-start) is known only when the next rep begins.
    ``rep_start_s`` is the start of the rep under way once it is deep enough to be a rep (the phase
    rule on the data so far); ``moving_since_s`` when the lifter began moving the way a rep starts
    (lowering; rising from the floor), while moving so faster than 5 deg/s; ``busy`` is True while
    the lifter is away from the top or a finished rep is still to be reported (a rest cannot start
    then).
    """

    time_s: float
    trunk_flexion_deg: float | None
    phase: str
    rep_count: int
    new_reps: list[Rep]
    spine_measured: bool = False
    revised_reps: list[Rep] = field(default_factory=list)
    rep_start_s: float | None = None
    moving_since_s: float | None = None
    busy: bool = False


@dataclass
class _Series:
    """A growing angle series kept whole (a float or four per sample)."""

    parts: list[AngleBlock] = field(default_factory=list)

    def add(self, block: AngleBlock) -> None:
        if len(block):
            self.parts.append(block)

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        if not self.parts:
            return np.empty(0), np.empty(0), np.empty(0), np.empty(0)
        self.parts = [
            AngleBlock(
                *(
                    np.concatenate([getattr(p, n) for p in self.parts])
                    for n in AngleBlock.__dataclass_fields__
                )
            )
        ]
        p = self.parts[0]
        return p.time_s, p.flexion_deg, p.lateral_tilt_deg, p.twist_deg

    @property
    def end_s(self) -> float:
        return float(self.parts[-1].time_s[-1]) if self.parts else -np.inf


class LiveAnalyzer:
    """Feed sample blocks of one or two sensors; get reps (with their spine verdicts) as they end.

    Parameters
    ----------
    fs_hz : float
        Nominal sample rate of the sensors.
    exercise : Exercise
    tempo : str
        Target tempo notation (ballistic exercises have none).
    placements : sequence of str
        The sensors in this set: ``upper_back`` (or the only one) drives the reps; a ``sacrum``
        beside it gives lumbar flexion and the hips' travel.
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
        self.trunk_name = trunk_placement(list(placements))
        self.trunk = SensorTrack(self.trunk_name, fs_hz)
        two = "sacrum" in placements and self.trunk_name != "sacrum"
        self.pelvis = SensorTrack("sacrum", fs_hz, guide=self._guide, out_of_plane=False) if two else None
        self.alignment: ClockAlignment = same_clock()
        self.alignment_note: str | None = None
        self._next_alignment_s = ALIGN_EVERY_S
        self._stream = RepStream(
            fs_hz, exercise.floor_start, SegmenterConfig(min_depth_deg=self.targets.min_depth_deg)
        )
        self._trunk = _Series()
        self._pelvis = _Series()
        self._waiting: list[RepBounds] = []
        self._inbox: list[tuple[np.ndarray, np.ndarray | None, np.ndarray, np.ndarray]] = []
        self._hips: dict[float, HipMotion] = {}
        self.reps: list[Rep] = []

    # -- input ---------------------------------------------------------------------------------

    def feed(
        self,
        placement: str,
        time_s: np.ndarray,
        seq: np.ndarray | None,
        acc_mps2: np.ndarray,
        gyr_rads: np.ndarray,
    ) -> LiveStatus:
        """Add one block of one sensor's samples (SI units, recording time)."""
        if placement == self.trunk_name:
            self._trunk_angles(self.trunk.feed(time_s, seq, acc_mps2, gyr_rads))
        elif self.pelvis is not None and placement == "sacrum" and len(time_s):
            # The pelvis is only read when a rep ends: its blocks wait and go through together.
            self._inbox.append((time_s, seq, acc_mps2, gyr_rads))
            if time_s[-1] - self._inbox[0][0][0] >= PELVIS_BATCH_S:
                self._pelvis_catch_up()
        if self._waiting and self._inbox:
            self._pelvis_catch_up()
        new, revised = self._report_ready(final=False)
        now = float(time_s[-1]) if len(time_s) else 0.0
        return LiveStatus(
            now,
            self._stream.last_angle_deg,
            self._phase(),
            len(self.reps),
            new,
            self.pelvis is not None,
            revised,
            self._stream.rep_onset_s(),
            self._stream.moving_since_s(MOVING_DPS),
            self._stream.busy or bool(self._waiting),
        )

    def _pelvis_catch_up(self) -> None:
        assert self.pelvis is not None
        blocks, self._inbox = self._inbox, []
        seqs = [b[1] for b in blocks if b[1] is not None]
        self._pelvis.add(
            self.pelvis.feed(
                np.concatenate([b[0] for b in blocks]),
                np.concatenate(seqs) if len(seqs) == len(blocks) else None,
                np.concatenate([b[2] for b in blocks]),
                np.concatenate([b[3] for b in blocks]),
            )
        )

    def _trunk_angles(self, block: AngleBlock) -> None:
        self._trunk.add(block)
        if len(block):
            self._waiting += self._stream.feed(block.time_s, block.flexion_deg)

    def _guide(self) -> StandingGuide | None:
        """The trunk's standing times and flexion, on the sacrum's clock, once the trunk is calibrated."""
        cal = self.trunk.calibration
        if cal is None:
            return None
        t, flex, _, _ = self._trunk.arrays()
        spans = [
            (float(a), float(b))
            for a, b in self.alignment.to_pelvis_time(np.array(cal.reference_s).reshape(-1, 2))
        ]
        return StandingGuide(spans, self.alignment.to_pelvis_time(t), flex)

    # -- reps ----------------------------------------------------------------------------------

    def _report_ready(self, final: bool) -> tuple[list[Rep], list[Rep]]:
        """Reps whose data are all in (the sacrum's too, or it has fallen too far behind), and reps
        reported before whose verdict or cues changed with them."""
        ready = []
        while self._waiting:
            bounds = self._waiting[0]
            if not final and self.pelvis is not None:
                pelvis_end = float(self.alignment.to_trunk_time(np.array(self._pelvis.end_s)))
                if (
                    pelvis_end < bounds.second_offset_s
                    and self._trunk.end_s - bounds.second_offset_s < PELVIS_WAIT_S
                ):
                    break
            ready.append(self._waiting.pop(0))
        if not ready:
            return [], []
        self._align(final)
        since = ready[0].first_onset_s - REP_MARGIN_S
        until = ready[-1].second_offset_s + REP_MARGIN_S
        reps, _ = measure_reps(ready, self.exercise, self._series(since, until), self._hip_motions)
        first = len(self.reps) + 1
        for k, rep in enumerate(reps):
            rep.index = first + k
        if self.reps and reps and not reps[0].data_gaps_s:
            # The pause before this rep belongs to the previous one: its top pause (its pause at the
            # floor, floor-start), known only now.
            previous = self.reps[-1]
            if self.exercise.floor_start:
                previous.bottom_s = reps[0].rise_onset_s - previous.lower_offset_s
            else:
                previous.top_s = reps[0].lower_onset_s - previous.rise_offset_s
        before = [(rep.tempo_ok, list(rep.cues)) for rep in self.reps]
        self.reps += reps
        judge_reps(self.reps, self.exercise, self.tempo, self.targets)
        earlier = self.reps[: len(before)]
        revised = [rep for rep, was in zip(earlier, before, strict=True) if (rep.tempo_ok, rep.cues) != was]
        return reps, revised

    def _series(self, since_s: float = -np.inf, until_s: float = np.inf) -> AngleSeries:
        t, flex, tilt, twist = self._trunk.arrays()
        keep = (t >= since_s) & (t <= until_s)
        lumbar = None
        if self.pelvis is not None and self._pelvis.parts:
            pt, pflex, _, _ = self._pelvis.arrays()
            at = self.alignment.to_pelvis_time(t[keep])
            lumbar = flex[keep] - np.interp(at, pt, pflex, left=np.nan, right=np.nan)
        return AngleSeries(
            t[keep], flex[keep], tilt[keep], twist[keep], lumbar, list(self._stream.unmeasured_s)
        )

    def _hip_motions(self, reps: list[Rep]) -> list[HipMotion]:
        """The hips' travel over each rep (from the sacrum's recent history), kept for the end."""
        out = []
        for rep in reps:
            if rep.start_s not in self._hips:
                self._hips[rep.start_s] = self._measure_hips(rep)
            out.append(self._hips[rep.start_s])
        return out

    def _measure_hips(self, rep: Rep) -> HipMotion:
        nothing = HipMotion(None, None, None, None, None)
        if self.pelvis is None or self.pelvis.calibration is None or self.trunk.calibration is None:
            return nothing
        sacrum, pelvis = _views(self.pelvis, "sacrum")
        trunk = _views(self.trunk, self.trunk_name)[1]
        if sacrum is None or pelvis is None or trunk is None:
            return nothing
        return hip_motions(sacrum, trunk, pelvis, self.alignment, [rep])[0]

    def _align(self, final: bool) -> None:
        """Refine the sacrum clock from the sensors' rates, every ``ALIGN_EVERY_S`` of data."""
        if self.pelvis is None or (not final and self._trunk.end_s < self._next_alignment_s):
            return
        self._next_alignment_s = self._trunk.end_s + ALIGN_EVERY_S
        trunk, _ = _views(self.trunk, self.trunk_name)
        sacrum, _ = _views(self.pelvis, "sacrum")
        if trunk is None or sacrum is None:
            return
        try:
            self.alignment = align_streams(trunk, sacrum, self.fs_hz)
            self.alignment_note = None
        except AlignmentError as exc:
            self.alignment_note = f"sacrum clock taken as the upper back's ({exc})"

    def _phase(self) -> str:
        angle, speed = self._stream.last_angle_deg, self._stream.last_speed_dps
        if angle is None:
            return "calibrating"
        if speed > MOVING_DPS:
            return "lowering"
        if speed < -MOVING_DPS:
            return "rising"
        return "bottom" if angle > self.targets.min_depth_deg else "top"

    # -- the end -------------------------------------------------------------------------------

    def finish(self, metadata: dict[str, str] | None = None) -> SetReport:
        """End of the set: flush every stream, then the report replay's rules give on these data."""
        self._trunk_angles(self.trunk.finish())
        if self.pelvis is not None:
            if self._inbox:
                self._pelvis_catch_up()
            self._pelvis.add(self.pelvis.finish())
        self._waiting += self._stream.finish()
        self._report_ready(final=True)
        series = self._series()
        reps, others = measure_reps(
            self._stream.reps, self.exercise, series, self._hip_motions if self.pelvis is not None else None
        )
        warnings: list[str] = []
        references: dict[str, str] = {}
        for track in (self.trunk, self.pelvis):
            if track is not None and track.calibration is not None:
                warnings += track.calibration.warnings
                references[track.placement] = track.calibration.reference
        if self.alignment_note:
            warnings.append(self.alignment_note)
        placements = [self.trunk_name] + (["sacrum"] if self.pelvis is not None else [])
        context = SetContext(
            placements, dict(metadata or {}), references=references, warnings=warnings,
            hip_travel=self.pelvis is not None,
        )  # fmt: skip
        return set_report(
            context, self.exercise, self.tempo, self.targets, reps, self._stream.partials, others, series
        )


def _views(track: SensorTrack, placement: str) -> tuple[UniformStream | None, SegmentAngles | None]:
    """A track's recent history as the replay functions read it: its grid stream and its angles."""
    t, acc, gyr, quat, flex, measured = track.history.arrays()
    if len(t) < 2 or track.calibration is None:
        return None, None
    segments = runs(measured)
    fs = track.fs_hz
    grid_t = t - 0.5 / fs
    uni = UniformStream(
        grid_t, acc, gyr, ~measured, np.zeros(len(t)), segments, fs, [], track.calibration.gyro_bias_rads
    )
    angles = SegmentAngles(placement, t, flex, None, None, ~measured, quat, track.calibration, fs)
    return uni, angles
