"""Live analysis: each sensor followed as it streams (``track``), reps found as they end, judged on
the spine too when there is a sacrum sensor and on the neck when there is a head sensor, and at the
end the same report replay gives.

The pieces are replay's: the same grid and gap rules, calibration, angles, rep stream (bridge,
smoothing, segmentation), rep metrics, verdicts and set summary. The sacrum's and the head's clocks
are taken to agree with the upper back's at first (a recorder maps all onto one host clock) and
refined from the sensors' rates as the set goes on (``signal.clock_align``); each rep is judged when
the other sensors' data have caught up with its end.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from imuhinge.analysis.replay import (
    COMPANIONS,
    SetContext,
    companion_note,
    measure_reps,
    set_report,
    trunk_placement,
)
from imuhinge.analysis.track import AngleBlock, SensorTrack
from imuhinge.body.angles import TURNS_ON_ITS_OWN, AngleSeries, SegmentAngles, StandingGuide
from imuhinge.body.hips import HipMotion, hip_motions
from imuhinge.body.lumbar import flexion_on_trunk_clock
from imuhinge.coaching.tempo import DEFAULT_TEMPO, parse_tempo
from imuhinge.coaching.verdicts import judge_reps
from imuhinge.errors import AlignmentError
from imuhinge.model import PLACEMENTS, Exercise, Rep, SetReport, Targets
from imuhinge.reps.segment import RepBounds, SegmenterConfig
from imuhinge.reps.stream import RepStream
from imuhinge.signal.calibrate import runs
from imuhinge.signal.clock_align import NECK_TIMING_S, ClockAlignment, align_streams, same_clock
from imuhinge.signal.resample import UniformStream

REP_MARGIN_S = 2.0  # angle history before a rep's first onset for its metrics
ALIGN_EVERY_S = 10.0
COMPANION_WAIT_S = 1.0  # how long a finished rep waits for the other sensors' data before it is reported
COMPANION_BATCH_S = 0.5
MOVING_DPS = 5.0


@dataclass
class LiveStatus:
    """What the live view shows after each block.

    ``spine_measured`` is False without a sacrum sensor beside the upper back: the live line then says
    the spine is not measured; ``neck_measured`` likewise for a head sensor. ``revised_reps`` are reps
    reported before whose verdict changed since: a rep's top pause (its pause at the floor,
    floor-start) is known only when the next rep begins.
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
    neck_measured: bool = False
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


class _Companion:
    """A second segment measured against the trunk (the pelvis or the head): its track, its angles so
    far, the blocks that wait to go through it, and its clock alignment to the trunk."""

    def __init__(
        self,
        placement: str,
        fs_hz: float,
        guide: Callable[[_Companion], StandingGuide | None],
        lockout_reference: bool = False,
    ):
        self.placement = placement
        self.track = SensorTrack(placement, fs_hz, lambda: guide(self), False, lockout_reference)
        self.series = _Series()
        self.inbox: list[tuple[np.ndarray, np.ndarray | None, np.ndarray, np.ndarray]] = []
        self.alignment: ClockAlignment = same_clock()
        self.note: str | None = None

    def add(
        self, time_s: np.ndarray, seq: np.ndarray | None, acc_mps2: np.ndarray, gyr_rads: np.ndarray
    ) -> None:
        """Keep a block; its angles are only read when a rep ends, so blocks go through together."""
        self.inbox.append((time_s, seq, acc_mps2, gyr_rads))
        if time_s[-1] - self.inbox[0][0][0] >= COMPANION_BATCH_S:
            self.catch_up()

    def catch_up(self) -> None:
        """Put the waiting blocks through the track."""
        blocks, self.inbox = self.inbox, []
        if not blocks:
            return
        seqs = [b[1] for b in blocks if b[1] is not None]
        self.series.add(
            self.track.feed(
                np.concatenate([b[0] for b in blocks]),
                np.concatenate(seqs) if len(seqs) == len(blocks) else None,
                np.concatenate([b[2] for b in blocks]),
                np.concatenate([b[3] for b in blocks]),
            )
        )

    def finish(self) -> None:
        """End of the stream: every block through, and what the track held back."""
        self.catch_up()
        self.series.add(self.track.finish())

    def end_s(self) -> float:
        """Trunk time up to which this segment's angles are in."""
        return float(self.alignment.to_trunk_time(np.array(self.series.end_s)))

    def flexion_at(self, trunk_time_s: np.ndarray) -> np.ndarray | None:
        """This segment's flexion at trunk times (NaN where not known), None before any angle."""
        if not self.series.parts:
            return None
        t, flex, _, _ = self.series.arrays()
        return flexion_on_trunk_clock(trunk_time_s, t, flex, self.alignment)

    def align(self, trunk: UniformStream, fs_hz: float) -> None:
        """Refine the clock alignment from the recent history of both sensors' rates."""
        own, _ = _views(self.track, self.placement)
        if own is None:
            return
        cal = self.track.calibration
        turns = cal.up_sensor if cal is not None and self.placement in TURNS_ON_ITS_OWN else None
        try:
            self.alignment = align_streams(trunk, own, fs_hz, placement=self.placement, own_turn_axis=turns)
            self.note = None
        except AlignmentError as exc:
            self.note = f"{self.placement} clock taken as the upper back's ({exc})"


class LiveAnalyzer:
    """Feed sample blocks of one to three sensors; get reps (with their spine and neck verdicts) as
    they end.

    Parameters
    ----------
    fs_hz : float
        Nominal sample rate of the sensors.
    exercise : Exercise
    tempo : str
        Target tempo notation (ballistic exercises have none).
    placements : sequence of str
        The sensors in this set: ``upper_back`` (or the first of the others) drives the reps; a
        ``sacrum`` beside the upper back gives lumbar flexion and the hips' travel, a ``head`` the
        neck angle.
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
        order = {p: i for i, p in enumerate(PLACEMENTS)}
        self.placements = sorted(placements, key=lambda p: order.get(p, len(order)))
        self.trunk_name = trunk_placement(self.placements)
        lockout = exercise.lockout_reference
        self.trunk = SensorTrack(self.trunk_name, fs_hz, lockout_reference=lockout)
        others = [p for p in COMPANIONS if p in self.placements and p != self.trunk_name]
        with_trunk = self.trunk_name == "upper_back"
        self.companions = {p: _Companion(p, fs_hz, self._guide, lockout) for p in others if with_trunk}
        self.notes = [] if with_trunk else [companion_note(p, self.trunk_name) for p in others]
        self._next_alignment_s = ALIGN_EVERY_S
        self._stream = RepStream(
            fs_hz, exercise.floor_start, SegmenterConfig(min_depth_deg=self.targets.min_depth_deg)
        )
        self._trunk = _Series()
        self._waiting: list[RepBounds] = []
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
        elif placement in self.companions and len(time_s):
            self.companions[placement].add(time_s, seq, acc_mps2, gyr_rads)
        if self._waiting:
            for companion in self.companions.values():
                companion.catch_up()
        new, revised = self._report_ready(final=False)
        now = float(time_s[-1]) if len(time_s) else 0.0
        return LiveStatus(
            now,
            self._stream.last_angle_deg,
            self._phase(),
            len(self.reps),
            new,
            "sacrum" in self.companions,
            "head" in self.companions,
            revised,
            self._stream.rep_onset_s(),
            self._stream.moving_since_s(MOVING_DPS),
            self._stream.busy or bool(self._waiting),
        )

    def _trunk_angles(self, block: AngleBlock) -> None:
        self._trunk.add(block)
        if len(block):
            self._waiting += self._stream.feed(block.time_s, block.flexion_deg)

    def _guide(self, companion: _Companion) -> StandingGuide | None:
        """The trunk's standing times and flexion, on a companion's clock, once the trunk is calibrated."""
        cal = self.trunk.calibration
        if cal is None:
            return None
        t, flex, _, _ = self._trunk.arrays()
        alignment = companion.alignment
        spans = [
            (float(a), float(b))
            for a, b in alignment.to_pelvis_time(np.array(cal.reference_s).reshape(-1, 2))
        ]
        return StandingGuide(spans, alignment.to_pelvis_time(t), flex)

    # -- reps ----------------------------------------------------------------------------------

    def _report_ready(self, final: bool) -> tuple[list[Rep], list[Rep]]:
        """Reps whose data are all in (the other sensors' too, or they have fallen too far behind), and
        reps reported before whose verdict or cues changed with them."""
        if self._waiting or final:
            # Where the other sensors' data end, on the trunk's clock, is only as good as the alignment;
            # at the end of the set the clocks come from all the data, reps waiting or not.
            self._align(final)
        ready = []
        while self._waiting:
            bounds = self._waiting[0]
            if not final and self.companions:
                behind = min(c.end_s() for c in self.companions.values()) < bounds.second_offset_s
                if behind and self._trunk.end_s - bounds.second_offset_s < COMPANION_WAIT_S:
                    break
            ready.append(self._waiting.pop(0))
        if not ready:
            return [], []
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
        t_keep, flex_keep = t[keep], flex[keep]
        sacrum, head = self.companions.get("sacrum"), self.companions.get("head")
        pelvis = None if sacrum is None else sacrum.flexion_at(t_keep)
        head_flex = None if head is None else head.flexion_at(t_keep)
        return AngleSeries(
            t_keep,
            flex_keep,
            tilt[keep],
            twist[keep],
            None if pelvis is None else flex_keep - pelvis,
            list(self._stream.unmeasured_s),
            None if head_flex is None else head_flex - flex_keep,
            NECK_TIMING_S,  # live, the clocks are never known to be one
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
        companion = self.companions.get("sacrum")
        if companion is None or companion.track.calibration is None or self.trunk.calibration is None:
            return nothing
        sacrum, pelvis = _views(companion.track, "sacrum")
        trunk = _views(self.trunk, self.trunk_name)[1]
        if sacrum is None or pelvis is None or trunk is None:
            return nothing
        return hip_motions(sacrum, trunk, pelvis, companion.alignment, [rep])[0]

    def _align(self, final: bool) -> None:
        """Refine the other sensors' clocks from the sensors' rates, every ``ALIGN_EVERY_S`` of data."""
        if not self.companions or (not final and self._trunk.end_s < self._next_alignment_s):
            return
        self._next_alignment_s = self._trunk.end_s + ALIGN_EVERY_S
        trunk, _ = _views(self.trunk, self.trunk_name)
        if trunk is None:
            return
        for companion in self.companions.values():
            companion.align(trunk, self.fs_hz)

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
        for companion in self.companions.values():
            companion.finish()
        self._waiting += self._stream.finish()
        self._report_ready(final=True)
        series = self._series()
        sacrum = "sacrum" in self.companions
        reps, others = measure_reps(
            self._stream.reps, self.exercise, series, self._hip_motions if sacrum else None
        )
        warnings: list[str] = []
        references: dict[str, str] = {}
        for track in (self.trunk, *(c.track for c in self.companions.values())):
            if track.calibration is not None:
                warnings += track.calibration.warnings
                references[track.placement] = track.calibration.reference
        warnings += self.notes + [c.note for c in self.companions.values() if c.note]
        context = SetContext(
            list(self.placements), dict(metadata or {}), references=references, warnings=warnings,
            hip_travel=sacrum,
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
