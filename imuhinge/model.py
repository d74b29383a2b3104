"""Data model shared by every stage: recordings, exercises, tempo, targets, reps and set reports.

Internally acceleration is m/s^2 and angular rate rad/s; files and reports use g, deg/s and degrees.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

# Only annotations need these: the CLI builds its parser without numpy, and the data model imports
# nothing from the stages that fill it in.
if TYPE_CHECKING:
    import numpy as np

    from imuhinge.coaching.cues import Cue
    from imuhinge.coaching.dowel import ContactPoint, Coverage
    from imuhinge.coaching.set_summary import SetSummary

G_MPS2 = 9.80665
MIN_DEPTH_DEG = 15.0  # trunk flexion a movement must reach to count as a rep
PLACEMENTS = ("upper_back", "sacrum", "head")


class Exercise(StrEnum):
    """The exercises imuhinge analyses (``docs/method.md``); the value is the id in files and on the CLI."""

    RDL = "rdl"
    HIP_HINGE = "hip_hinge"
    GOOD_MORNING = "good_morning"
    DEADLIFT = "deadlift"
    SINGLE_LEG_RDL = "single_leg_rdl"
    KETTLEBELL_SWING = "kettlebell_swing"
    HINGE_HOLD = "hinge_hold"
    HIP_THRUST = "hip_thrust"

    @property
    def floor_start(self) -> bool:
        """True when a rep starts at the bottom (rise, lockout, lower, pause at the bottom): a deadlift
        from the floor, a hip thrust from the hips down."""
        return self in (Exercise.DEADLIFT, Exercise.HIP_THRUST)

    @property
    def lockout_reference(self) -> bool:
        """True when angles are measured from the set's own lockout, not from standing: the lifter
        never stands during the set (a hip thrust, upper back on a bench)."""
        return self is Exercise.HIP_THRUST

    @property
    def judges_hip_pattern(self) -> bool:
        """True when the hips' drop is judged (hinge or squat): not in a deadlift, which bends the knees
        by design, nor in a single-leg RDL, where the balance sway on one leg leaves the double
        integral of the hips' travel too uncertain to call a squat."""
        return not self.floor_start and self is not Exercise.SINGLE_LEG_RDL

    @property
    def ballistic(self) -> bool:
        """True when no tempo target applies (cadence, depth and lockout are judged instead)."""
        return self is Exercise.KETTLEBELL_SWING

    @property
    def hold(self) -> bool:
        """True for isometric holds at depth, judged on hold time and angle stability."""
        return self is Exercise.HINGE_HOLD


class Phase(StrEnum):
    """The phases of a rep in tempo order; the value is the phase's key in files and reports."""

    ECCENTRIC = "eccentric"
    BOTTOM = "bottom"
    CONCENTRIC = "concentric"
    TOP = "top"

    @property
    def is_pause(self) -> bool:
        """True for the bottom and the top pause, False for the two movements."""
        return self in (Phase.BOTTOM, Phase.TOP)


def _phase_s(durations: Tempo | Rep, phase: Phase) -> float | None:
    match phase:
        case Phase.ECCENTRIC:
            return durations.eccentric_s
        case Phase.BOTTOM:
            return durations.bottom_s
        case Phase.CONCENTRIC:
            return durations.concentric_s
        case Phase.TOP:
            return durations.top_s
    raise ValueError(f"not a phase: {phase!r}")


@dataclass(frozen=True)
class Gap:
    """Samples missing from one sensor's stream, found from its sample counter or its clock."""

    sensor: str
    start_s: float
    end_s: float
    missing_samples: int


@dataclass
class SensorStream:
    """One sensor's samples in SI units.

    Attributes
    ----------
    placement : str
        ``upper_back``, ``sacrum`` or ``head``.
    time_s : ndarray, shape (N,)
        Seconds since the recording started, strictly increasing.
    acc_mps2 : ndarray, shape (N, 3)
        Specific force in the sensor frame.
    gyr_rads : ndarray, shape (N, 3)
        Angular rate in the sensor frame.
    seq : ndarray of int64, shape (N,), or None
        The sensor's sample counter, when the file or device has one.
    rate_hz : float or None
        The sensor's own sample rate where it is known (from its timestamps); None to use the
        recording's nominal ``sample_rate_hz``.
    """

    placement: str
    time_s: np.ndarray
    acc_mps2: np.ndarray
    gyr_rads: np.ndarray
    seq: np.ndarray | None = None
    rate_hz: float | None = None

    def __len__(self) -> int:
        return len(self.time_s)


@dataclass
class Recording:
    """A recorded set: one to three sensor streams, the nominal sample rate and the file's metadata."""

    sensors: dict[str, SensorStream]
    sample_rate_hz: float
    metadata: dict[str, str] = field(default_factory=dict)
    gaps: list[Gap] = field(default_factory=list)
    path: Path | None = None

    @property
    def placements(self) -> list[str]:
        """Placements in canonical order (upper_back first)."""
        order = {p: i for i, p in enumerate(PLACEMENTS)}
        return sorted(self.sensors, key=lambda p: order.get(p, len(order)))

    @property
    def duration_s(self) -> float:
        """Time from the first to the last sample of any sensor."""
        starts = [s.time_s[0] for s in self.sensors.values() if len(s)]
        ends = [s.time_s[-1] for s in self.sensors.values() if len(s)]
        return float(max(ends) - min(starts)) if starts else 0.0

    @property
    def exercise(self) -> str | None:
        """The exercise id written in the metadata, if any."""
        return self.metadata.get("exercise")


@dataclass(frozen=True)
class Tempo:
    """A tempo prescription in standard order: eccentric, bottom pause, concentric, top pause.

    A phase of ``None`` has no target (an unspecified top pause); ``explosive`` phases (``X``) are
    on target when at most ``Targets.explosive_max_s`` long.
    """

    eccentric_s: float | None
    bottom_s: float | None
    concentric_s: float | None
    top_s: float | None = None
    explosive: frozenset[str] = frozenset()
    notation: str = ""

    PHASES = tuple(Phase)

    def phase_s(self, phase: Phase) -> float | None:
        """Prescribed seconds of a phase; None when it has no target (or is explosive)."""
        return _phase_s(self, phase)


@dataclass(frozen=True)
class Targets:
    """Thresholds for verdicts; every one is configurable and reported with its measured value.

    ``lockout_short_max_deg``: how far short of the set's lockout a rep may stop (hip thrust);
    ``speed_loss_max_pct``: the speed loss, from the fastest of the first reps, that gives a cue.
    """

    tempo_tolerance_s: float = 0.5
    explosive_max_s: float = 1.0
    lumbar_flexion_max_deg: float = 10.0
    lumbar_extension_max_deg: float = 10.0
    lockout_lean_back_max_deg: float = 5.0
    depth_consistency_deg: float = 10.0
    min_depth_deg: float = MIN_DEPTH_DEG
    lockout_short_max_deg: float = 5.0
    speed_loss_max_pct: float = 25.0
    hold_min_s: float = 10.0
    hold_max_s: float = 20.0
    hold_steady_max_deg: float = 3.0
    neck_flexion_max_deg: float = 10.0
    neck_extension_max_deg: float = 10.0


@dataclass
class Rep:
    """One repetition with its phase boundaries (seconds) and per-rep metrics.

    Phase boundaries are movement onsets and offsets of the trunk flexion angle. A phase that cannot
    be measured (the top pause after the last rep, a phase over a gap in the data) is ``None``, as is
    the peak when data is missing where the rep is deepest; ``data_gaps_s`` lists such gaps.

    ``lockout_short_deg`` (exercises measured from the set's lockout) is how far the rep's top stopped
    short of that lockout: on the pelvis with a sacrum sensor, else on the trunk. Speeds are of the
    rising movement (deg/s): ``concentric_mean_speed_dps`` the angle covered over its duration,
    ``concentric_peak_speed_dps`` its fastest instant, ``hip_snap_dps`` (ballistic exercises) the
    fastest extension of the pelvis (of the trunk with one sensor), and ``speed_loss_pct`` how much
    slower the rep's mean speed is than the fastest of the set's first reps (``coaching.speed``).

    With a head sensor beside the upper-back one, the neck angle is head flexion minus trunk flexion:
    ``peak_neck_flexion_deg`` is the most it flexed during the rep (the head dropped),
    ``peak_neck_extension_deg`` the most it extended (the neck craned; 0 when it never did), each
    with the phase where it peaked; all None when the neck was not measured over the whole rep.
    """

    index: int
    start_s: float
    end_s: float
    lower_onset_s: float
    lower_offset_s: float
    rise_onset_s: float
    rise_offset_s: float
    eccentric_s: float | None
    bottom_s: float | None
    concentric_s: float | None
    top_s: float | None
    peak_time_s: float
    peak_trunk_flexion_deg: float | None
    standing_trunk_flexion_deg: float = 0.0
    peak_lumbar_flexion_deg: float | None = None
    lumbar_peak_phase: str | None = None
    lockout_extension_deg: float | None = None
    lockout_lumbar_extension_deg: float | None = None
    lockout_short_deg: float | None = None
    concentric_mean_speed_dps: float | None = None
    concentric_peak_speed_dps: float | None = None
    hip_snap_dps: float | None = None
    speed_loss_pct: float | None = None
    peak_lateral_tilt_deg: float | None = None
    peak_twist_deg: float | None = None
    pelvis_rotation_deg: float | None = None
    hip_drop_m: float | None = None
    hip_drop_low_m: float | None = None
    hip_drop_high_m: float | None = None
    hip_pattern: str | None = None
    hold_stability_deg: float | None = None
    peak_neck_flexion_deg: float | None = None
    peak_neck_extension_deg: float | None = None
    neck_flexion_phase: str | None = None
    neck_extension_phase: str | None = None
    tempo_ok: bool | None = None
    spine_ok: bool | None = None
    neck_ok: bool | None = None
    phase_ok: dict[str, bool | None] = field(default_factory=dict)
    cues: list[Cue] = field(default_factory=list)
    data_gaps_s: list[tuple[float, float]] = field(default_factory=list)

    def phase_s(self, phase: Phase) -> float | None:
        """Measured seconds of a phase; None when it could not be measured."""
        return _phase_s(self, phase)

    @property
    def range_of_motion_deg(self) -> float | None:
        """Peak flexion minus the standing angle (None when the peak was not measured)."""
        if self.peak_trunk_flexion_deg is None:
            return None
        return self.peak_trunk_flexion_deg - self.standing_trunk_flexion_deg


@dataclass
class PartialMovement:
    """A movement shallower than the minimum depth: reported, never counted as a rep."""

    start_s: float
    end_s: float
    peak_trunk_flexion_deg: float


@dataclass(frozen=True)
class OtherMovement:
    """A movement with forward tilt that is not a rep: it tilts or twists as much as it flexes."""

    start_s: float
    end_s: float
    flexion_deg: float
    lateral_tilt_deg: float
    twist_deg: float

    @property
    def kind(self) -> str:
        """``side bend`` or ``rotation``, whichever dominates."""
        return "side bend" if self.lateral_tilt_deg >= self.twist_deg else "rotation"


@dataclass
class SetReport:
    """Everything the analysis found in one set: reps, partial movements, verdicts and cues.

    ``summary`` and ``cues`` are the set's typed summary and set-level cues (``imuhinge.coaching``);
    ``imuhinge.report.wording`` puts cues into words. ``references`` says, per sensor, which posture
    its angles are measured from (the standing reference calibration chose). ``contact_points`` says,
    for each contact point of the dowel drill, whether this set's sensors could check it.
    """

    exercise: Exercise
    tempo: Tempo
    targets: Targets
    sensors: list[str]
    reps: list[Rep]
    summary: SetSummary
    partials: list[PartialMovement] = field(default_factory=list)
    other_movements: list[OtherMovement] = field(default_factory=list)
    cues: list[Cue] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    measured: dict[str, bool] = field(default_factory=dict)
    references: dict[str, str] = field(default_factory=dict)
    metadata: dict[str, str] = field(default_factory=dict)
    gaps: list[Gap] = field(default_factory=list)
    source: str | None = None
    time_s: np.ndarray | None = None
    trunk_flexion_deg: np.ndarray | None = None
    lumbar_flexion_deg: np.ndarray | None = None
    neck_flexion_deg: np.ndarray | None = None
    contact_points: dict[ContactPoint, Coverage] = field(default_factory=dict)

    @property
    def rep_count(self) -> int:
        """Number of full reps."""
        return len(self.reps)
