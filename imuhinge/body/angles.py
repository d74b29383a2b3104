"""Body-segment angles from orientation and calibration: flexion, lateral tilt and twist.

Flexion is the rotation of the earth's up direction about the calibrated sagittal axis, relative to the
standing posture (0 deg standing, positive forward). It uses inclination only, so the slow heading drift
of 6D fusion does not touch it. Lateral tilt is the lean out of the sagittal plane (positive to the
right of the lifter), twist the rotation of the left-right axis about the vertical (positive to the left).

The head turns on its own: a lifter looks around, and a turn about the neck's axis while bent over
moves the up direction sideways in the head's frame, which the sagittal projection reads as less
flexion (a 45 deg look to the side at 70 deg reads 7 deg less). The head's flexion is therefore the
tilt of its standing axis, whatever the turn about it, once the head is well forward
(``head_flexion_deg``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np

from imuhinge.body.standing import (
    LEANING_FRACTION,
    StandingChoice,
    choose_lockout,
    choose_standing,
    flexion_lowers,
    longest_posture,
    top_samples,
)
from imuhinge.model import Recording
from imuhinge.signal.calibrate import (
    STILL_MIN_S,
    Calibration,
    axis_samples,
    orthogonal_axis,
    sagittal_axis,
)
from imuhinge.signal.orientation import (
    output_times_s,
    sensor_axis_in_earth,
    uniform_orientation,
    up_in_sensor,
)
from imuhinge.signal.resample import UniformStream, to_uniform

log = logging.getLogger(__name__)

BLOCK_SAMPLES = 16_384
# Placements far above the hip joints: flexion lowers them, which fixes the sign of flexion.
ABOVE_THE_HIPS = ("upper_back", "head")
# Placements that turn on their own (looking around): flexion tolerant of turns, standing taken as the
# posture they hold longest while the trunk stands.
TURNS_ON_ITS_OWN = ("head",)
# Below this flexion a lateral component of up is a tilt of the head (a turn about an upright axis
# cannot make one); beyond TURN_FULL_DEG it is taken as a turn.
TURN_FROM_DEG = 5.0
TURN_FULL_DEG = 20.0
# The head's own turn axis, from its turns while the trunk stands (``own_turn_axis``).
TURN_AXIS_MIN_DPS = 20.0
TURN_AXIS_MIN_S = 0.5
TURN_AXIS_RATIO = 4.0
TURN_AXIS_MAX_DEG = 30.0
START_S = 0.5
GUIDE_STANDING_DEG = 5.0  # trunk flexion within this of standing: where a guided segment's base is read
GAP_MARGIN_S = 0.15  # the smoothing's reach (HALF_WIDTH_S) and a little more


@dataclass
class AngleSeries:
    """Angles on one time base; ``lumbar_flexion_deg`` is None without a sacrum sensor and
    ``neck_flexion_deg`` without a head sensor (both need the upper back's beside them), and
    ``neck_timing_s`` is how far the head's clock may be off (``body.neck``); ``unmeasured_s`` are
    the gaps the data does not cover (``reps.bridge``)."""

    time_s: np.ndarray
    trunk_flexion_deg: np.ndarray
    lateral_tilt_deg: np.ndarray
    twist_deg: np.ndarray
    lumbar_flexion_deg: np.ndarray | None = None
    unmeasured_s: list[tuple[float, float]] = field(default_factory=list)
    neck_flexion_deg: np.ndarray | None = None
    neck_timing_s: float = 0.0

    def unmeasured(self, start_s: float, end_s: float) -> bool:
        """True when a gap the data does not cover overlaps ``[start_s, end_s]``, or lies so close that
        a boundary found there came from the straight line across the gap (``GAP_MARGIN_S``)."""
        return any(a - GAP_MARGIN_S < end_s and b + GAP_MARGIN_S > start_s for a, b in self.unmeasured_s)

    def window(self, start_s: float, end_s: float) -> slice:
        """Index slice of samples with ``start_s <= t <= end_s`` (at least one sample)."""
        i0, i1 = np.searchsorted(self.time_s, [start_s, end_s], side="left")
        return slice(int(i0), max(int(i1) + 1, int(i0) + 1))


@dataclass
class SegmentAngles:
    """Angles of one body segment on its sensor's uniform grid (NaN inside long gaps)."""

    placement: str
    time_s: np.ndarray
    flexion_deg: np.ndarray
    lateral_tilt_deg: np.ndarray | None
    twist_deg: np.ndarray | None
    filled: np.ndarray
    quat: np.ndarray
    calibration: Calibration
    fs_hz: float


@dataclass(frozen=True)
class SagittalFrame:
    """A segment's calibrated standing pose in its sensor's frame: up, flexion axis, orientation.

    Parameters
    ----------
    up0 : ndarray, shape (3,)
        Earth's up in the sensor frame while standing (unit).
    axis : ndarray, shape (3,)
        Flexion axis in the sensor frame (unit, perpendicular to ``up0``, hinging positive).
    quat0 : ndarray, shape (4,)
        Orientation while standing, for twist.
    turn_tolerant : bool
        Flexion by ``head_flexion_deg`` (a segment that turns about its own axis), not the sagittal
        projection.
    turn_axis : ndarray, shape (3,), optional
        The axis a turn-tolerant segment turns about, in the sensor frame (``own_turn_axis``); its
        standing up, ``up0``, without one.
    """

    up0: np.ndarray
    axis: np.ndarray
    quat0: np.ndarray
    turn_tolerant: bool = False
    turn_axis: np.ndarray | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "_forward", np.cross(self.up0, self.axis))
        east0, north0 = sensor_axis_in_earth(self.quat0[None, :], self.axis)[0, :2]
        object.__setattr__(self, "_ref", (float(east0), float(north0)))
        turn = self.up0 if self.turn_axis is None else orthogonal_axis(self.turn_axis, self.axis)
        turn_forward = np.cross(turn, self.axis)
        offset_deg = float(np.degrees(np.arctan2(self.up0 @ turn_forward, self.up0 @ turn)))
        object.__setattr__(self, "_turn", (turn, turn_forward, offset_deg))

    def flexion_tilt_deg(self, up: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Flexion and lateral tilt (deg) of up-vectors ``up`` (N, 3).

        A turn-tolerant segment's tilt is the part of its side component a turn cannot explain: all
        of it near upright, none of it once the segment is well forward (``head_flexion_deg``).
        """
        forward, side, along = up @ self._forward, up @ self.axis, up @ self.up0  # type: ignore[attr-defined]
        tilt = np.degrees(np.arcsin(np.clip(side, -1.0, 1.0)))
        if not self.turn_tolerant:
            return np.degrees(np.arctan2(forward, along)), tilt
        turn, turn_forward, offset_deg = self._turn  # type: ignore[attr-defined]
        flex, turned = head_flexion_deg(forward, side, along, (up @ turn_forward, up @ turn, offset_deg))
        return flex, (1.0 - turned) * tilt

    def twist_deg(self, quat: np.ndarray) -> np.ndarray:
        """Rotation of the left-right axis about the vertical since standing (deg); NaN for a segment
        that turns on its own (its twist is its own turns)."""
        if self.turn_tolerant:
            return np.full(len(quat), np.nan)
        east, north = sensor_axis_in_earth(quat, self.axis)[:, :2].T
        east0, north0 = self._ref  # type: ignore[attr-defined]
        return np.degrees(np.arctan2(east0 * north - north0 * east, east0 * east + north0 * north))

    def angles_deg(
        self, quat: np.ndarray, out_of_plane: bool = True
    ) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
        """Flexion, lateral tilt and twist (deg) of orientations ``quat`` (N, 4).

        Tilt and twist are None unless ``out_of_plane``. Long streams are worked through in blocks of
        ``BLOCK_SAMPLES``: the temporaries stay small enough to be reused from cache instead of being
        allocated (and page-faulted in) afresh at full length.
        """
        n = len(quat)
        flex = np.empty(n)
        tilt, twist = (np.empty(n), np.empty(n)) if out_of_plane else (None, None)
        for a in range(0, n, BLOCK_SAMPLES):
            b = min(a + BLOCK_SAMPLES, n)
            q = quat[a:b]
            f, t = self.flexion_tilt_deg(up_in_sensor(q))
            flex[a:b] = f
            if tilt is not None and twist is not None:
                tilt[a:b], twist[a:b] = t, self.twist_deg(q)
        return flex, tilt, twist


def head_flexion_deg(
    forward: np.ndarray,
    side: np.ndarray,
    along: np.ndarray,
    turn: tuple[np.ndarray, np.ndarray, float] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Flexion (deg) of a segment that turns about its own axis, from earth's up in its frame, and how
    much of its side component is taken as a turn (0 to 1).

    ``forward``, ``side`` and ``along`` are the components of up along the segment's forward, flexion
    (left-right) and standing axes. A turn (looking around) moves up about the turn axis, from its
    forward component into ``side``, and leaves its component along that axis alone: the tilt of the
    turn axis from upright, ``arccos`` of that component signed by the forward one, less the tilt it
    has standing, does not see the turn. ``turn`` gives up's forward and along components for a turn
    axis other than the standing axis (in the sagittal plane), and the angle from it to the standing
    axis; without it the segment turns about its standing axis. A sideways tilt (ear to shoulder)
    moves up into ``side`` too, and ``arcsin(forward)`` does not see that. Near upright a turn cannot
    move up sideways, so up to ``TURN_FROM_DEG`` of flexion the side component is taken as tilt,
    beyond ``TURN_FULL_DEG`` as a turn, and in between the two readings are blended.
    """
    turn_forward, turn_along, offset_deg = (forward, along, 0.0) if turn is None else turn
    tilt_free = np.degrees(np.arctan2(forward, np.hypot(side, along)))
    turn_free = (
        np.degrees(np.arctan2(np.copysign(np.hypot(turn_forward, side), turn_forward), turn_along))
        - offset_deg
    )
    plain = np.abs(np.degrees(np.arctan2(forward, along)))
    weight = np.clip((plain - TURN_FROM_DEG) / (TURN_FULL_DEG - TURN_FROM_DEG), 0.0, 1.0)
    return (1.0 - weight) * tilt_free + weight * turn_free, weight


def _mean_quat(quat: np.ndarray) -> np.ndarray:
    q = quat * np.where(quat @ quat[0] < 0, -1.0, 1.0)[:, None]
    m = q.mean(axis=0)
    return m / np.linalg.norm(m)


def segment_angles(recording: Recording, placement: str, out_of_plane: bool = True) -> SegmentAngles:
    """Calibrate one sensor of a recording and compute its segment's angles (offline).

    Parameters
    ----------
    recording : Recording
    placement : str
        ``upper_back`` (trunk) or ``sacrum`` (pelvis).
    out_of_plane : bool
        Also compute lateral tilt and twist (None otherwise: the pelvis needs flexion only).

    Returns
    -------
    SegmentAngles
    """
    uni = to_uniform(recording.sensors[placement], recording.sample_rate_hz)
    return uniform_angles(uni, placement, out_of_plane)


@dataclass(frozen=True)
class StandingGuide:
    """What the trunk's calibration tells a second segment (the pelvis) on its own clock.

    Attributes
    ----------
    spans_s : list of (float, float)
        When the lifter stood still as calibrated on the trunk.
    time_s, flexion_deg : ndarray
        The trunk's flexion: the pelvis tips forward with it, which fixes the pelvis's sign.
    """

    spans_s: list[tuple[float, float]]
    time_s: np.ndarray
    flexion_deg: np.ndarray


def uniform_angles(
    uni: UniformStream,
    placement: str,
    out_of_plane: bool = True,
    guide: StandingGuide | None = None,
    lockout_reference: bool = False,
) -> SegmentAngles:
    """``segment_angles`` of a sensor stream already on its uniform grid (``resample.to_uniform``).

    ``guide`` (for the pelvis) takes the standing reference and the sign of flexion from the trunk;
    ``lockout_reference``: the set's lockout is the reference, not standing (``calibrate_frame``).
    """
    fs = uni.fs_hz
    quat, bias = uniform_orientation(uni), uni.gyro_bias_rads
    quat[uni.doubtful] = np.nan  # followed through, but not read there
    time_s, filled = output_times_s(uni.time_s, fs), uni.filled
    pick = axis_samples(len(quat))
    up_pick = up_in_sensor(quat[pick])
    raw_axis = sagittal_axis(uni.gyr_rads[pick], up_pick)
    if raw_axis is None:
        nan = np.full(len(time_s), np.nan)
        up0 = _mean_unit(up_pick)
        cal = Calibration(bias, up0, None, [], "none", [f"{placement}: no movement found"])
        tilt_nan, twist_nan = (nan.copy(), nan.copy()) if out_of_plane else (None, None)
        return SegmentAngles(placement, time_s, nan, tilt_nan, twist_nan, filled, quat, cal, fs)
    frame, cal = calibrate_frame(uni, quat, raw_axis, time_s, pick, placement, guide, lockout_reference)
    flex, tilt, twist = frame.angles_deg(quat, out_of_plane)
    for w in cal.warnings:
        log.info(w)  # the report's notes carry them
    return SegmentAngles(placement, time_s, flex, tilt, twist, filled, quat, cal, fs)


def _mean_unit(v: np.ndarray) -> np.ndarray:
    m = np.nanmean(v, axis=0)
    return m / np.linalg.norm(m)


def calibrate_frame(
    uni: UniformStream,
    quat: np.ndarray,
    raw_axis: np.ndarray,
    time_s: np.ndarray,
    pick: slice,
    placement: str,
    guide: StandingGuide | None = None,
    lockout_reference: bool = False,
) -> tuple[SagittalFrame, Calibration]:
    """The standing frame of a segment: its flexion axis signed so that hinging is positive, and its
    upright reference from the still periods that are standing (``standing.choose_standing``), or
    from the reps' tops when none is.

    The sign: more flexion lowers an upper-back sensor (``standing.flexion_lowers``), judged on the
    moves between still periods far apart; without such a move, or for a sensor on the pelvis (which
    may rise or sink as it tips, by where it sits), the hinge is the long way from the posture the
    recording starts in. A guided segment (the pelvis beside a trunk sensor) takes the trunk's sign
    and standing times.

    With ``lockout_reference`` (a hip thrust: the lifter never stands) the reference is the set's
    lockout: the still periods held in the posture most of the reps' tops share
    (``standing.choose_lockout``), or those tops themselves. Flexion is the way back from it to the
    bottom, where the set starts: the lockout is the long way from the posture the recording starts
    in.

    Parameters
    ----------
    uni : UniformStream
        The stream (its still periods, specific force and gyro bias).
    quat : ndarray, shape (N, 4)
        Orientation on the stream's grid (NaN inside long gaps).
    raw_axis : ndarray, shape (3,)
        The flexion axis (``calibrate.sagittal_axis``), sign not yet fixed.
    time_s : ndarray, shape (N,)
    pick : slice
        The samples to judge the range of motion on (a stride of long streams).
    placement : str
    guide : StandingGuide, optional

    Returns
    -------
    (SagittalFrame, Calibration)
    """
    still = uni.still
    finite = np.isfinite(quat[:, 0])
    ups = [_mean_unit(up_in_sensor(quat[a:b])) for a, b in still]
    first_ref = (
        ups[int(np.argmax([b - a for a, b in still]))] if ups else _mean_unit(up_in_sensor(quat[pick]))
    )
    quat_ref = quat[np.flatnonzero(finite)[0]]
    turns = placement in TURNS_ON_ITS_OWN
    frame = SagittalFrame(first_ref, orthogonal_axis(raw_axis, first_ref), quat_ref, turns)
    flex_pick, _ = frame.flexion_tilt_deg(up_in_sensor(quat[pick]))
    period_flex = frame.flexion_tilt_deg(np.array(ups).reshape(-1, 3))[0]
    low, high = np.nanpercentile(flex_pick, [1, 99])
    if guide is not None:
        # The segment tips with the trunk: measured from where it is while the trunk stands, its
        # flexion grows with the trunk's. Weighed by the trunk's own flexion, a head that nods while
        # the trunk stands (trunk at 0) does not count.
        trunk = np.interp(time_s[pick], guide.time_s, guide.flexion_deg, left=np.nan, right=np.nan)
        ok = np.isfinite(trunk) & np.isfinite(flex_pick)
        standing = ok & (np.abs(trunk) < GUIDE_STANDING_DEG)
        base = float(np.median(flex_pick[standing if standing.any() else ok])) if ok.any() else 0.0
        flip = bool(ok.sum() > 2 and np.sum((flex_pick[ok] - base) * trunk[ok]) < 0)
    else:
        lowers = None
        if placement in ABOVE_THE_HIPS and not lockout_reference:
            apart = LEANING_FRACTION * (high - low)
            lowers = flexion_lowers(period_flex, still, quat, uni.acc_mps2, time_s, apart)
        # Without the height to tell, the hinge is the long way from where the recording starts (a
        # set starts standing, still or not).
        start = float(np.nanmedian(flex_pick[: max(int(START_S * uni.fs_hz / (pick.step or 1)), 1)]))
        long_way_down = np.nanmax(flex_pick) - start >= start - np.nanmin(flex_pick)
        # Flexion is the long way from a hinge set's start (standing), the short way from a hip thrust's.
        flip = not lowers if lowers is not None else long_way_down == lockout_reference
    if flip:
        frame = SagittalFrame(first_ref, -frame.axis, quat_ref, turns)
        flex_pick, period_flex = -flex_pick, -period_flex
        low, high = -high, -low
    lengths = np.array([time_s[b - 1] - time_s[a] for a, b in still])
    if guide is not None and guide.spans_s:
        overlap = [
            sum(max(0.0, min(time_s[b - 1], s1) - max(time_s[a], s0)) for s0, s1 in guide.spans_s)
            for a, b in still
        ]
        choice = StandingChoice([i for i, o in enumerate(overlap) if o > 0.5 * lengths[i]], "")
        if turns and choice.periods:
            # A head looks down or up now and then while the trunk stands: its standing is the
            # posture it holds longest then.
            choice = StandingChoice(longest_posture(period_flex, lengths, np.array(choice.periods)), "")
    elif lockout_reference:
        speed_pick = np.gradient(np.nan_to_num(flex_pick), time_s[pick])
        tops = flex_pick[top_samples(time_s[pick], flex_pick, speed_pick, low, high)]
        choice = choose_lockout(period_flex, float(np.median(tops)) if len(tops) else None)
    else:
        choice = choose_standing(period_flex, lengths, float(min(low, *period_flex)) if ups else low, high)
    warnings: list[str] = []
    if choice.periods:
        chosen = [still[i] for i in choice.periods]
        idx = np.concatenate([np.arange(a, b) for a, b in chosen])
        spans = [(float(time_s[a]), float(time_s[b - 1])) for a, b in chosen]
        how = _describe(spans, "the lockout held still" if lockout_reference else "standing still")
    else:
        flex_all, _ = frame.flexion_tilt_deg(up_in_sensor(quat))
        speed = np.gradient(np.nan_to_num(flex_all), time_s)
        idx = np.flatnonzero(top_samples(time_s, flex_all, speed, low, high) & finite)
        spans = []
        how = "the reps' top positions"
        if lockout_reference:
            missing = "no still lockout found"
            next_time = (
                f"to calibrate from the lockout, hold the squeeze at the top still for {STILL_MIN_S:g} s "
                "or more next time"
            )
        else:
            missing = f"no still standing found ({choice.reason or 'none at the standing times'})"
            next_time = "stand still for 2 s before the first rep next time"
        warnings.append(f"{placement}: {missing}; calibrated to the reps' top positions ({next_time})")
    up0 = _mean_unit(up_in_sensor(quat[idx]))
    frame = SagittalFrame(up0, orthogonal_axis(frame.axis, up0), _mean_quat(quat[idx]), turns)
    if turns and guide is not None:
        axis = own_turn_axis(uni.gyr_rads, time_s, guide, frame)
        frame = SagittalFrame(frame.up0, frame.axis, frame.quat0, turns, axis)
    return frame, Calibration(uni.gyro_bias_rads, frame.up0, frame.axis, spans, how, warnings)


def own_turn_axis(
    gyr_rads: np.ndarray, time_s: np.ndarray, guide: StandingGuide, frame: SagittalFrame
) -> np.ndarray | None:
    """The axis a segment turns about on its own (the head looking around), in its sensor frame.

    While the trunk stands, the head's rate, less its part about the flexion axis (nods), is mostly
    its turns: their principal axis, when it clearly dominates (``TURN_AXIS_RATIO``), there are
    ``TURN_AXIS_MIN_S`` of them, and it lies within ``TURN_AXIS_MAX_DEG`` of the standing up;
    None otherwise (the standing up serves).
    """
    trunk = np.interp(time_s, guide.time_s, guide.flexion_deg, left=np.nan, right=np.nan)
    w = gyr_rads[np.abs(np.nan_to_num(trunk, nan=np.inf)) < GUIDE_STANDING_DEG]
    w = w - (w @ frame.axis)[:, None] * frame.axis
    w = w[np.linalg.norm(w, axis=1) > np.radians(TURN_AXIS_MIN_DPS)]
    if len(w) < TURN_AXIS_MIN_S / max(float(np.median(np.diff(time_s))), 1e-9):
        return None
    values, vecs = np.linalg.eigh(w.T @ w)
    axis = vecs[:, -1] * np.sign(vecs[:, -1] @ frame.up0)
    if values[-1] < TURN_AXIS_RATIO * values[-2] or axis @ frame.up0 < np.cos(np.radians(TURN_AXIS_MAX_DEG)):
        return None
    return axis


def _describe(spans: list[tuple[float, float]], posture: str) -> str:
    if len(spans) == 1:
        return f"{posture} at {spans[0][0]:.1f}-{spans[0][1]:.1f} s"
    return f"{posture} at {len(spans)} times ({', '.join(f'{a:.1f}' for a, _ in spans[:4])}" + (
        "...)" if len(spans) > 4 else " s)"
    )
