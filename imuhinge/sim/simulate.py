"""Synthetic hinge sets with exact ground truth.

The lifter is modelled as rigid segments: the trunk and the pelvis rotate in the sagittal plane about
the hip (lumbar flexion is their difference), the hip travels backwards and drops a little (a lot in a
knee-dominant squat pattern), and each sensor sits on a lever arm on its segment, so its accelerometer
reads gravity plus tangential and centripetal acceleration and its gyroscope the segment's angular
rate. Motion channels are sums of minimum-jerk steps with analytic derivatives (``kinematics``).

A head sensor sits on a head that flexes at the neck and turns on its own (``sim.head``); the neck
channel is the ground truth of the neck angle.

Ground truth applies the phase rule, as written in ``reference_rule`` (apart from the analyser's
phase code), to the noise-free trunk flexion at 1 kHz. The planner adjusts each movement and pause
until that rule measures the requested tempo, since a bell-shaped speed profile spends its first and
last few percent barely moving.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np

from imuhinge.coaching.tempo import DEFAULT_TEMPO, parse_tempo
from imuhinge.io.output import output_file
from imuhinge.model import G_MPS2, MIN_DEPTH_DEG, PLACEMENTS, Exercise, Recording, SensorStream, Tempo
from imuhinge.sim.head import head_rng, head_state, look_around, neck_channel
from imuhinge.sim.kinematics import Channel, Oscillation, euler_zxy, rot_x, rot_y, rot_z
from imuhinge.sim.reference_rule import movement_span_s

TRUTH_RATE_HZ = 1000.0
DEFAULT_DEPTH_DEG = {
    Exercise.RDL: 70.0,
    Exercise.HIP_HINGE: 65.0,
    Exercise.GOOD_MORNING: 75.0,
    Exercise.DEADLIFT: 55.0,
    Exercise.SINGLE_LEG_RDL: 75.0,
    Exercise.KETTLEBELL_SWING: 60.0,
    Exercise.HINGE_HOLD: 70.0,
    Exercise.HIP_THRUST: 35.0,
}
SQUAT_DEPTH_DEG = 40.0
EXPLOSIVE_S = {"eccentric": 0.8, "concentric": 0.6}
SWING_PHASES_S = (0.5, 0.0, 0.45, 0.3)
# Lever arms from the hip joint in the segment frame (x forward, y left, z up), metres.
LEVER_M = {"upper_back": np.array([-0.12, 0.0, 0.45]), "sacrum": np.array([-0.10, 0.0, 0.08])}
# A clip-on sensor lying flat on the back: x up the spine, y to the left, z out of the back.
DEFAULT_MOUNT_DEG = (0.0, 0.0, -90.0)
HIP_HEIGHT_M = 0.95
# Hip thrust: the upper back rests on the bench's edge (the pivot the trunk turns about as the hips rise),
# given from the hip joint in the trunk frame; the lockout lies the segments flat (pitched back 90 deg).
BENCH_PIVOT_M = np.array([-0.12, 0.0, 0.55])
BENCH_HEIGHT_M = 0.40
LOCKOUT_PITCH_DEG = -90.0
# Of a lower back arching at the top: the trunk's overshoot past the lockout (the pelvis stops short by
# the rest).
ARCH_TRUNK_SHARE = 0.5
_ONSET_FRACTION = 0.0593  # where a minimum-jerk speed profile crosses 5 % of its peak
SHARP_PAUSE_S = 0.3  # pauses shorter than this are planned as continuous reversals
SPEED_REFERENCE_REPS = 3  # speed loss is from the fastest of the set's first three reps (docs/method.md)
SPEED_MIDDLE = (0.1, 0.9)  # a rise's mean speed is over this part of its rotation (docs/method.md)
REST_STAND_S = 4.0  # between sets, the lifter stands this long before walking off and after coming back


@dataclass
class SimConfig:
    """Everything that shapes a simulated set.

    ``tempo`` is what the simulated lifter does; ``target_tempo`` is the prescription written into the
    recording's metadata, the one ``analyze`` judges against. ``sets`` makes a whole session: the reps
    of each set, the lifter resting about ``rest_between_s`` between one set's last rep and the next
    set's first (standing, and walking about for ``walk_between_s`` of it). Rep numbers in
    ``rounded_reps``, ``lean_back_reps``, ``partial_after``, ``arched_reps``, ``incomplete_reps``,
    ``head_drop_reps`` and ``neck_crane_reps`` are 1-based, counted over the session. Mounting rotations
    are Z-X-Y Euler angles in degrees from the sensor frame to the segment frame; without one,
    ``random_mounting`` draws a random rotation, else the sensor sits flat on the back.

    The head drops (neck flexion, deg) or cranes (neck extension, deg) by those amounts at the bottom
    of those reps, nods by ``neck_sd_deg`` (standard deviation) in every rep, and with
    ``look_around`` turns on its own (``sim.head.look_around``).

    A hip thrust starts with the hips down and the upper back on the bench; ``arched_reps`` extend the
    lower back at the top by that many degrees (the trunk tips past the lockout by half of it, the
    pelvis stops short by the other half), ``incomplete_reps`` stop short of the lockout. A fatiguing
    set slows the rising movement by ``fatigue_per_rep`` (a fraction) each rep; ``eccentric_drift_s``
    changes the lowering from the first rep to the last (negative: it speeds up); in a session each
    set starts fresh.
    """

    exercise: Exercise = Exercise.RDL
    reps: int = 8
    sets: tuple[int, ...] = ()
    rest_between_s: float = 60.0
    walk_between_s: float = 0.0
    tempo: str = DEFAULT_TEMPO
    target_tempo: str = DEFAULT_TEMPO
    top_pause_s: float = 1.0
    depth_deg: float | None = None
    depth_sd_deg: float = 1.5
    tempo_sd_fraction: float = 0.04
    rounded_reps: dict[int, float] = field(default_factory=dict)
    lean_back_reps: dict[int, float] = field(default_factory=dict)
    partial_after: dict[int, float] = field(default_factory=dict)
    arched_reps: dict[int, float] = field(default_factory=dict)
    incomplete_reps: dict[int, float] = field(default_factory=dict)
    fatigue_per_rep: float = 0.0
    eccentric_drift_s: float = 0.0
    head_drop_reps: dict[int, float] = field(default_factory=dict)
    neck_crane_reps: dict[int, float] = field(default_factory=dict)
    neck_sd_deg: float = 1.0
    look_around: bool = False
    squat: bool = False
    hold_s: float = 15.0
    side: str = "right"
    lumbar_neutral_fraction: float = 0.04
    quiet_before_s: float = 4.0
    quiet_after_s: float = 3.0
    walk_in_s: float = 0.0
    walk_out_s: float = 0.0
    sensors: tuple[str, ...] = ("upper_back",)
    mounting_deg: dict[str, tuple[float, float, float]] = field(default_factory=dict)
    random_mounting: bool = False
    sample_rate_hz: float = 100.0
    acc_noise_g: float = 0.002
    gyr_noise_dps: float = 0.05
    gyro_bias_dps: float = 0.0
    acc_offset_g: float = 0.0
    packet_loss: float = 0.0
    samples_per_packet: int = 4
    clock_drift_ppm: dict[str, float] = field(default_factory=dict)
    clock_offset_s: dict[str, float] = field(default_factory=dict)
    seed: int = 0

    @property
    def set_reps(self) -> tuple[int, ...]:
        """Reps of each set: ``sets``, or one set of ``reps``."""
        return tuple(self.sets) or (self.reps,)


@dataclass
class SimulatedSet:
    """A simulated recording with its ground truth and the noise-free angles at 1 kHz."""

    recording: Recording
    truth: dict
    truth_time_s: np.ndarray
    trunk_flexion_deg: np.ndarray
    pelvis_flexion_deg: np.ndarray
    neck_flexion_deg: np.ndarray

    @property
    def lumbar_flexion_deg(self) -> np.ndarray:
        """Trunk minus pelvis flexion, the ground truth of lumbar flexion."""
        return self.trunk_flexion_deg - self.pelvis_flexion_deg


@dataclass
class _Movement:
    """One planned flexion movement: a trunk step, the rep (over the session) and set it belongs to."""

    rep: int | None
    kind: str  # "lower", "rise", "setup", "standup", "partial_lower", "partial_rise"
    amplitude_deg: float
    duration_s: float
    pause_after_s: float
    pelvis_deg: float = 0.0
    target_s: float = 0.0
    target_pause_s: float | None = None
    start_s: float = 0.0
    shape: tuple[int, int] = (2, 2)
    set_number: int = 1


@dataclass
class _Motion:
    """The channels of the whole set."""

    trunk: Channel
    pelvis: Channel
    tilt: Channel
    twist: Channel
    hip_back: Channel
    hip_drop: Channel
    walk: Channel
    bounce: Channel
    heading_rad: float
    bench: bool = False
    neck: Channel = field(default_factory=Channel)
    head_turn: Channel = field(default_factory=Channel)


Phases = tuple[float, float, float, float]


def _phase_seconds(cfg: SimConfig, rng: np.random.Generator, reps: int) -> list[Phases]:
    """Requested (eccentric, bottom, concentric, top) seconds per rep, with rep-to-rep variability."""
    if cfg.exercise.ballistic:
        base = list(SWING_PHASES_S)
    else:
        tempo = parse_tempo(cfg.tempo)
        vals: list[float] = []
        for phase, default in zip(Tempo.PHASES, (2.0, 0.0, 2.0, cfg.top_pause_s), strict=True):
            value = tempo.phase_s(phase)
            vals.append(EXPLOSIVE_S.get(phase, default) if value is None else value)
        if cfg.exercise.hold:
            vals[1] = cfg.hold_s
        base = vals
    out = []
    for k in range(reps):
        jitter = 1.0 + cfg.tempo_sd_fraction * rng.standard_normal(4)
        e, b, c, t = (float(x * j) for x, j in zip(base, jitter, strict=True))
        e += cfg.eccentric_drift_s * k / max(reps - 1, 1)
        c /= (1.0 - cfg.fatigue_per_rep) ** k
        out.append((e, b, c, t))
    return out


def _plan(cfg: SimConfig, rng: np.random.Generator) -> tuple[list[_Movement], tuple[float, float]]:
    """The sequence of flexion movements of every set, with the durations the phase rules should
    measure, and the trunk and pelvis flexion the session starts in; the last movement of a set
    pauses for the rest before the next."""
    moves: list[_Movement] = []
    first = 1
    start = (0.0, 0.0)
    for number, reps in enumerate(cfg.set_reps, start=1):
        set_moves, set_start = _set_moves(cfg, rng, first, reps)
        if moves:
            moves[-1].pause_after_s = cfg.rest_between_s
            # A set that starts away from standing (a hip thrust, hips down) starts where the last
            # one left off, moved to its own first depth.
            trunk = start[0] + sum(mv.amplitude_deg for mv in moves)
            pelvis = start[1] + sum(mv.pelvis_deg for mv in moves)
            if set_start != (0.0, 0.0):
                step = (set_start[0] - trunk, set_start[1] - pelvis)
                set_moves.insert(0, _Movement(None, "setup", step[0], 2.0, 1.5, step[1], 2.0, 1.5))
        else:
            start = set_start
        for mv in set_moves:
            mv.set_number = number
        moves += set_moves
        first += reps
    for prev, mv in pairwise(moves):
        if prev.target_pause_s is not None and prev.target_pause_s < SHARP_PAUSE_S:
            prev.shape = (prev.shape[0], 1)
            mv.shape = (1, mv.shape[1])
    for mv in moves:
        # A lone sharp end lets the other end be gentler still (exponent 4), as a real reversal is.
        if mv.shape in ((1, 2), (2, 1)):
            mv.shape = (1, 4) if mv.shape[0] == 1 else (4, 1)
        # Initial guess: a minimum-jerk move measures ~88 % of its duration under the 5 % rule.
        mv.duration_s = mv.target_s / (1.0 - 2.0 * _ONSET_FRACTION)
    for prev, mv in pairwise(moves):
        if prev.target_pause_s is not None:
            lead = _ONSET_FRACTION * (prev.duration_s + mv.duration_s)
            prev.pause_after_s = max(prev.target_pause_s - lead, 0.0)
    return moves, start


def _set_moves(
    cfg: SimConfig, rng: np.random.Generator, first: int, reps: int
) -> tuple[list[_Movement], tuple[float, float]]:
    """The movements of one set of ``reps`` reps numbered from ``first``, and the trunk and pelvis
    flexion it starts in."""
    ex = cfg.exercise
    depth = cfg.depth_deg or (SQUAT_DEPTH_DEG if cfg.squat else DEFAULT_DEPTH_DEG[ex])
    phases = _phase_seconds(cfg, rng, reps)
    depths = [max(depth + cfg.depth_sd_deg * rng.standard_normal(), 1.0) for _ in range(reps)]
    neutral = 1.0 - cfg.lumbar_neutral_fraction
    moves: list[_Movement] = []
    final = first + reps - 1

    def pelvis_for(rep: int, amp: float) -> float:
        rounding = cfg.rounded_reps.get(rep, 0.0)
        return amp * neutral - np.sign(amp) * rounding

    start = (0.0, 0.0)
    if ex.floor_start:
        # The back rounds at the floor: the lowering before rep k leaves the pelvis behind by the
        # rounding of rep k, and rep k's rise takes it back.
        floor = depths[0]
        rounding = cfg.rounded_reps.get(first, 0.0)
        if ex.lockout_reference:  # the hip thrust starts with the hips down
            start = (floor, floor * neutral - rounding)
        else:
            moves.append(_Movement(None, "setup", floor, 2.0, 1.5, floor * neutral - rounding, 2.0, 1.5))
        for k, (ecc, bot, con, top) in enumerate(phases, start=first):
            arch, short = cfg.arched_reps.get(k, 0.0), cfg.incomplete_reps.get(k, 0.0)
            over = cfg.lean_back_reps.get(k, 0.0) + ARCH_TRUNK_SHARE * arch - short  # trunk past lockout
            pelvis_top = short * neutral + (1.0 - ARCH_TRUNK_SHARE) * arch  # pelvis short of it
            pelvis_rise = -floor * neutral + rounding + pelvis_top
            moves.append(_Movement(k, "rise", -floor - over, con, top, pelvis_rise, con, top))
            last = k == final
            nxt = depths[k - first] if last else depths[k - first + 1]
            rounding = 0.0 if last else cfg.rounded_reps.get(k + 1, 0.0)
            pause = 1.5 if last else bot
            pelvis_lower = nxt * neutral - rounding - pelvis_top
            moves.append(_Movement(k, "lower", nxt + over, ecc, pause, pelvis_lower, ecc, pause))
            floor = nxt
        if not ex.lockout_reference:
            moves.append(_Movement(None, "standup", -floor, 2.0, 0.0, -floor * neutral, 2.0, None))
    else:
        for k, (ecc, bot, con, top) in enumerate(phases, start=first):
            d = depths[k - first]
            lean = cfg.lean_back_reps.get(k, 0.0)
            moves.append(_Movement(k, "lower", d, ecc, bot, pelvis_for(k, d), ecc, bot))
            last = k == final
            moves.append(
                _Movement(
                    k,
                    "rise",
                    -d - lean,
                    con,
                    0.6 if lean else top,
                    pelvis_for(k, -d),
                    con,
                    None if (last or lean) else top,
                )
            )
            if lean:
                moves.append(_Movement(None, "recover", lean, 0.6, top, 0.0, 0.6, None))
            if k in cfg.partial_after:
                p = cfg.partial_after[k]
                moves.append(_Movement(None, "partial_lower", p, 0.9, 0.3, p * neutral, 0.9, None))
                moves.append(_Movement(None, "partial_rise", -p, 0.9, 1.2, -p * neutral, 0.9, None))
    return moves, start


def _place(moves: list[_Movement], t0_s: float) -> float:
    """Set each movement's start time; returns the end of the last movement."""
    t = t0_s
    for mv in moves:
        mv.start_s = t
        t += mv.duration_s + mv.pause_after_s
    return moves[-1].start_s + moves[-1].duration_s


def _trunk_channel(moves: list[_Movement], start_deg: float = 0.0) -> Channel:
    ch = Channel(start_deg)
    for mv in moves:
        ch.step(mv.start_s, mv.duration_s, mv.amplitude_deg, mv.shape)
    return ch


def _measure_movements(moves: list[_Movement], t: np.ndarray, angle: np.ndarray, speed: np.ndarray):
    """Onset and offset of each movement by the phase rule (``docs/method.md``), on the noise-free
    trunk flexion."""
    peaks = []
    for mv in moves:
        i0, i1 = np.searchsorted(t, [mv.start_s, mv.start_s + mv.duration_s])
        seg = speed[i0:i1] * np.sign(mv.amplitude_deg)
        peaks.append(i0 + int(np.argmax(seg)))
    bounds = []
    for j, mv in enumerate(moves):
        lo = t[peaks[j - 1]] if j > 0 else t[0]
        hi = t[peaks[j + 1]] if j + 1 < len(moves) else t[-1]
        span = (mv.start_s, mv.start_s + mv.duration_s)
        deep = _deepest_angle(mv, angle, t)
        bounds.append(movement_span_s(t, angle, speed, *span, mv.amplitude_deg > 0, deep, (lo, hi)))
    return bounds


def _deepest_angle(mv: _Movement, angle: np.ndarray, t: np.ndarray) -> float:
    """Deepest flexion reached at the bottom end of a movement."""
    end = mv.start_s + mv.duration_s
    at = end if mv.amplitude_deg > 0 else mv.start_s
    i = int(np.clip(np.searchsorted(t, at), 0, len(t) - 1))
    return float(angle[i])


def _refine(moves: list[_Movement], t0_s: float, start_deg: float, iterations: int = 12) -> None:
    """Adjust durations and pauses until the phase rules measure the requested seconds."""
    for _ in range(iterations):
        end = _place(moves, t0_s)
        t = np.arange(t0_s - 1.0, end + 2.0, 1.0 / TRUTH_RATE_HZ)
        angle, speed, _ = _trunk_channel(moves, start_deg).evaluate(t)
        bounds = _measure_movements(moves, t, angle, speed)
        for j, (mv, b) in enumerate(zip(moves, bounds, strict=True)):
            if b is None:
                continue
            mv.duration_s = max(mv.duration_s + (mv.target_s - (b[1] - b[0])), 0.15)
            nxt = bounds[j + 1] if j + 1 < len(moves) else None
            if mv.target_pause_s is not None and nxt is not None:
                mv.pause_after_s += mv.target_pause_s - (nxt[0] - b[1])
                if mv.shape[1] == 1:
                    mv.pause_after_s = max(mv.pause_after_s, 0.0)


def _build_motion(
    cfg: SimConfig,
    moves: list[_Movement],
    start: tuple[float, float],
    t_start_s: float,
    rng: np.random.Generator,
    t_end_s: float,
) -> _Motion:
    trunk = _trunk_channel(moves, start[0])
    pelvis, tilt, twist = Channel(start[1]), Channel(), Channel()
    hip_back, hip_drop, walk, bounce = Channel(), Channel(), Channel(), Channel()
    back_m_per_deg = (0.08 / SQUAT_DEPTH_DEG) if cfg.squat else 0.22 / 70.0
    drop_m_per_deg = (0.35 / SQUAT_DEPTH_DEG) if cfg.squat else 0.04 / 70.0
    side = 1.0 if cfg.side == "right" else -1.0
    for mv in moves:
        pelvis.step(mv.start_s, mv.duration_s, mv.pelvis_deg, mv.shape)
        hip_back.step(mv.start_s, mv.duration_s, mv.pelvis_deg * back_m_per_deg, mv.shape)
        hip_drop.step(mv.start_s, mv.duration_s, mv.pelvis_deg * drop_m_per_deg, mv.shape)
        if cfg.exercise is Exercise.SINGLE_LEG_RDL:
            twist.step(mv.start_s, mv.duration_s, side * 0.12 * mv.amplitude_deg, mv.shape)
            tilt.step(mv.start_s, mv.duration_s, side * 0.06 * mv.amplitude_deg, mv.shape)
    if cfg.exercise is Exercise.SINGLE_LEG_RDL:
        tilt.oscillations.append(Oscillation(t_start_s, t_end_s, 0.7, 1.0, 0.0, 1.0))
    step_hz = 1.8
    if cfg.walk_in_s > 0:
        walk.step(0.0, cfg.walk_in_s, 1.1 * cfg.walk_in_s)
        _gait(trunk, tilt, twist, bounce, 0.0, cfg.walk_in_s, step_hz)
    if cfg.walk_out_s > 0:
        w0 = t_end_s - cfg.walk_out_s
        twist.step(w0, 1.5, 180.0)
        walk.step(w0 + 1.0, cfg.walk_out_s - 1.0, -1.1 * (cfg.walk_out_s - 1.0))
        _gait(trunk, tilt, twist, bounce, w0 + 1.0, t_end_s, step_hz)
    for last, nxt in pairwise(moves):
        if last.set_number == nxt.set_number or cfg.walk_between_s <= 0:
            continue
        # Between sets: stand, turn round, walk away, turn back, walk back to the same spot, stand.
        rest_start, rest_end = last.start_s + last.duration_s, nxt.start_s
        leg_s = min(cfg.walk_between_s, rest_end - rest_start - 2 * REST_STAND_S - 3.0) / 2.0
        if leg_s <= 1.0:
            continue
        w0 = rest_start + REST_STAND_S
        w1 = w0 + 1.5 + 2 * leg_s
        for turn_s, leg_start_s, sign in ((w0, w0 + 1.0, -1.0), (w0 + 1.5 + leg_s, w0 + 2.0 + leg_s, 1.0)):
            twist.step(turn_s, 1.5, 180.0 * sign)
            walk.step(leg_start_s, leg_s - 0.5, sign * 1.1 * (leg_s - 0.5))
        _gait(trunk, tilt, twist, bounce, w0 + 1.0, w1, step_hz)
    motion = _Motion(
        trunk,
        pelvis,
        tilt,
        twist,
        hip_back,
        hip_drop,
        walk,
        bounce,
        float(rng.uniform(-np.pi, np.pi)),
        cfg.exercise.lockout_reference,
    )
    head = head_rng(cfg.seed)
    motion.neck = neck_channel(
        moves, cfg.head_drop_reps, cfg.neck_crane_reps, cfg.neck_sd_deg, cfg.exercise.floor_start, head
    )
    if cfg.look_around:
        motion.head_turn = look_around(moves, motion.neck, cfg.walk_in_s, head)
    return motion


def _gait(
    trunk: Channel,
    tilt: Channel,
    twist: Channel,
    bounce: Channel,
    t0: float,
    t1: float,
    step_hz: float,
) -> None:
    """Walking: trunk pitch, roll and yaw oscillations and a vertical bounce."""
    trunk.oscillations.append(Oscillation(t0, t1, step_hz, 1.5, 0.3))
    tilt.oscillations.append(Oscillation(t0, t1, step_hz / 2, 1.5, 0.0))
    twist.oscillations.append(Oscillation(t0, t1, step_hz / 2, 3.0, 1.0))
    bounce.oscillations.append(Oscillation(t0, t1, step_hz, 0.02, 0.0))


def _rotation(motion: _Motion, flex: Channel, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rotation matrices (segment -> world) and world angular rate (rad/s) of a segment at times t."""
    th, dth, _ = flex.evaluate(t)
    if motion.bench:
        th = th + LOCKOUT_PITCH_DEG
    ph, dph, _ = motion.tilt.evaluate(t)
    ps, dps, _ = motion.twist.evaluate(t)
    th, dth, ph, dph = np.radians(th), np.radians(dth), np.radians(ph), np.radians(dph)
    ps, dps = np.radians(ps) + motion.heading_rad, np.radians(dps)
    rz, rx, ry = rot_z(ps), rot_x(ph), rot_y(th)
    rot = rz @ rx @ ry
    ex, ey, ez = np.eye(3)
    omega = dps[:, None] * ez + dph[:, None] * (rz @ ex) + dth[:, None] * (rz @ rx @ ey)
    return rot, omega


def _segment_state(motion: _Motion, placement: str, t: np.ndarray):
    """Rotation matrices, world angular rate (rad/s) and world position of a sensor at times t."""
    rot, omega = _rotation(motion, motion.pelvis if placement == "sacrum" else motion.trunk, t)
    if motion.bench:
        # The trunk turns about the bench's edge, and the hips hang from it.
        trunk_rot = _rotation(motion, motion.trunk, t)[0] if placement == "sacrum" else rot
        pos = np.array([0.0, 0.0, BENCH_HEIGHT_M]) - trunk_rot @ BENCH_PIVOT_M + rot @ LEVER_M[placement]
        return rot, omega, pos
    back, _, _ = motion.hip_back.evaluate(t)
    drop, _, _ = motion.hip_drop.evaluate(t)
    walk, _, _ = motion.walk.evaluate(t)
    bob, _, _ = motion.bounce.evaluate(t)
    h = motion.heading_rad
    forward0 = np.array([np.cos(h), np.sin(h), 0.0])
    heading = np.radians(motion.twist.evaluate(t)[0]) + h
    body_forward = np.stack([np.cos(heading), np.sin(heading), np.zeros(len(t))], -1)
    hip = walk[:, None] * forward0 - back[:, None] * body_forward
    hip[:, 2] += HIP_HEIGHT_M - drop + bob
    if placement == "head":
        return head_state(rot, omega, hip, motion.neck, motion.head_turn, t)
    pos = hip + rot @ LEVER_M[placement]
    return rot, omega, pos


def _mount(cfg: SimConfig, placement: str, rng: np.random.Generator) -> tuple[np.ndarray, list[float]]:
    """Sensor-to-segment rotation and its Z-X-Y Euler angles in degrees."""
    if placement in cfg.mounting_deg:
        angles = list(cfg.mounting_deg[placement])
    elif cfg.random_mounting:
        angles = [
            float(rng.uniform(-180, 180)),
            float(np.degrees(np.arcsin(rng.uniform(-1, 1)))),
            float(rng.uniform(-180, 180)),
        ]
    else:
        angles = list(DEFAULT_MOUNT_DEG)
    return euler_zxy(*np.radians(angles)), angles


def _sensor_stream(
    cfg: SimConfig, motion: _Motion, placement: str, duration_s: float, rng: np.random.Generator
) -> tuple[SensorStream, list[float]]:
    fs = cfg.sample_rate_hz
    drift = cfg.clock_drift_ppm.get(placement, 0.0) * 1e-6
    offset = cfg.clock_offset_s.get(placement, 0.0)
    n = int(duration_s * fs * (1 + drift)) + 1
    seq = np.arange(n, dtype=np.int64)
    true_t = seq / (fs * (1.0 + drift))
    mount, angles = _mount(cfg, placement, rng)
    h = 1e-4
    rot, omega, pos = _segment_state(motion, placement, true_t)
    _, _, pos_plus = _segment_state(motion, placement, true_t + h)
    _, _, pos_minus = _segment_state(motion, placement, true_t - h)
    acc_world = (pos_plus - 2.0 * pos + pos_minus) / h**2
    acc_world[:, 2] += G_MPS2
    sensor_rot = rot @ mount
    gyr = np.einsum("nji,nj->ni", sensor_rot, omega)
    acc = np.einsum("nji,nj->ni", sensor_rot, acc_world)
    bias_dir = rng.standard_normal(3)
    bias_dir /= np.linalg.norm(bias_dir)
    gyr += np.radians(cfg.gyro_bias_dps) * bias_dir
    gyr += np.radians(cfg.gyr_noise_dps) * rng.standard_normal(gyr.shape)
    off_dir = rng.standard_normal(3)
    off_dir /= np.linalg.norm(off_dir)
    acc += cfg.acc_offset_g * G_MPS2 * off_dir
    acc += cfg.acc_noise_g * G_MPS2 * rng.standard_normal(acc.shape)
    keep = np.ones(n, dtype=bool)
    if cfg.packet_loss > 0:
        packets = (n + cfg.samples_per_packet - 1) // cfg.samples_per_packet
        lost = rng.random(packets) < cfg.packet_loss
        lost[0] = lost[-1] = False
        keep = ~np.repeat(lost, cfg.samples_per_packet)[:n]
    time_s = seq / fs + offset
    stream = SensorStream(placement, time_s[keep], acc[keep], gyr[keep], seq[keep])
    return stream, angles


def _truth(
    cfg: SimConfig,
    moves: list[_Movement],
    t: np.ndarray,
    trunk: np.ndarray,
    speed: np.ndarray,
    pelvis: np.ndarray,
    pelvis_speed: np.ndarray,
    hip_drop_m: np.ndarray,
    neck: np.ndarray,
) -> tuple[list[dict], list[dict]]:
    bounds = _measure_movements(moves, t, trunk, speed)
    lumbar = trunk - pelvis
    by_rep: dict[int, dict[str, tuple[float, float]]] = {}
    set_of = {mv.rep: mv.set_number for mv in moves if mv.rep is not None}
    partials = []
    for mv, b in zip(moves, bounds, strict=True):
        if mv.rep is not None and b is not None:
            by_rep.setdefault(mv.rep, {})[mv.kind] = b
    # A rise that never came near the top (or a lowering that never came near the bottom) is no rep by
    # the phase rule's zones.
    by_rep = {k: movements for k, movements in by_rep.items() if len(movements) == 2}
    part_moves = [(m, b) for m, b in zip(moves, bounds, strict=True) if m.kind.startswith("partial")]
    for (_, b1), (_, b2) in zip(part_moves[::2], part_moves[1::2], strict=True):
        i0, i1 = np.searchsorted(t, [b1[0], b2[1]])
        partials.append(
            {
                "start_s": round(b1[0], 4),
                "end_s": round(b2[1], 4),
                "peak_trunk_flexion_deg": round(float(trunk[i0:i1].max()), 3),
            }
        )
    reps: list[dict[str, Any]] = []
    for k in sorted(by_rep):
        low, rise = by_rep[k]["lower"], by_rep[k]["rise"]
        nxt = by_rep.get(k + 1) if set_of.get(k + 1) == set_of[k] else None
        top: float | None
        bottom: float | None
        if cfg.exercise.floor_start:
            start, end = rise[0], low[1]
            top = low[0] - rise[1]
            bottom = (nxt["rise"][0] - low[1]) if nxt else None
            lock_s = (rise[1], low[0])
        else:
            start, end = low[0], rise[1]
            bottom = rise[0] - low[1]
            top = (nxt["lower"][0] - rise[1]) if nxt else None
            lock_s = (rise[1], nxt["lower"][0] if nxt else rise[1] + 1.5)
        i0, i1 = np.searchsorted(t, [start, end])
        seg = slice(i0, i1)
        lock_lo, lock_hi = np.searchsorted(t, lock_s)
        lock = slice(lock_lo, max(lock_hi, lock_lo + 1))
        extreme = np.argmin(trunk[seg]) if cfg.exercise.floor_start else np.argmax(trunk[seg])
        peak_deg = float(trunk[seg].max())
        up_lo, up_hi = np.searchsorted(t, rise)
        up = slice(up_lo, up_hi + 1)
        if peak_deg < MIN_DEPTH_DEG:
            partials.append(
                {
                    "start_s": round(start, 4),
                    "end_s": round(end, 4),
                    "peak_trunk_flexion_deg": round(peak_deg, 3),
                }
            )
            continue
        reps.append(
            {
                "index": len(reps) + 1,
                "set": set_of[k],
                "start_s": round(start, 4),
                "end_s": round(end, 4),
                "lower_onset_s": round(low[0], 4),
                "lower_offset_s": round(low[1], 4),
                "rise_onset_s": round(rise[0], 4),
                "rise_offset_s": round(rise[1], 4),
                "eccentric_s": round(low[1] - low[0], 4),
                "bottom_s": None if bottom is None else round(bottom, 4),
                "concentric_s": round(rise[1] - rise[0], 4),
                "top_s": None if top is None else round(top, 4),
                "peak_time_s": round(float(t[i0 + extreme]), 4),
                "peak_trunk_flexion_deg": round(peak_deg, 3),
                "peak_lumbar_flexion_deg": round(float(lumbar[seg].max()), 3),
                "lockout_extension_deg": round(max(0.0, float(-trunk[lock].min())), 3),
                "lockout_lumbar_extension_deg": round(max(0.0, float(-lumbar[lock].min())), 3),
                "lumbar_rounding_deg": cfg.rounded_reps.get(k, 0.0),
                "peak_neck_flexion_deg": round(float(neck[seg].max()), 3),
                "peak_neck_extension_deg": round(max(0.0, float(-neck[seg].min())), 3),
                "hip_drop_m": round(float(np.diff(np.interp(low, t, hip_drop_m))[0]), 4),
                "concentric_mean_speed_dps": round(_middle_speed_dps(t[up], trunk[up]), 3),
                "concentric_peak_speed_dps": round(float(np.max(-speed[up])), 3),
                "hip_snap_dps": round(float(np.max(-pelvis_speed[up])), 3),
            }
        )
        if cfg.exercise.lockout_reference:
            # Measured from the set's lockout: how far the top stopped short of it (on the pelvis when
            # there is a sacrum sensor), and the lower back's extension at the top against its shape
            # at the bottom the rise started from.
            driving = pelvis if "sacrum" in cfg.sensors else trunk
            reps[-1]["lockout_short_deg"] = round(max(0.0, float(driving[lock].min())), 3)
            reps[-1]["lockout_lumbar_extension_deg"] = round(
                max(0.0, float(lumbar[up_lo] - lumbar[lock].min())), 3
            )
    for number in sorted({r["set"] for r in reps}):
        in_set = [r for r in reps if r["set"] == number]
        best = max(r["concentric_mean_speed_dps"] for r in in_set[:SPEED_REFERENCE_REPS])
        for r in in_set:
            r["speed_loss_pct"] = round(100.0 * (1.0 - r["concentric_mean_speed_dps"] / best), 3)
    partials.sort(key=lambda p: p["start_s"])
    return reps, partials


def _middle_speed_dps(time_s: np.ndarray, angle_deg: np.ndarray) -> float:
    """Mean speed of a (noise-free, monotonic) rising movement over the middle of its rotation."""
    levels = [angle_deg[0] - f * (angle_deg[0] - angle_deg[-1]) for f in SPEED_MIDDLE]
    at_s = np.interp(levels, angle_deg[::-1], time_s[::-1])
    return float((levels[0] - levels[1]) / (at_s[1] - at_s[0]))


def simulate(cfg: SimConfig | None = None) -> SimulatedSet:
    """Simulate a set of hinge reps.

    Parameters
    ----------
    cfg : SimConfig, optional
        What to simulate; the defaults are an 8-rep RDL set at 3-1-2 with one upper-back sensor.

    Returns
    -------
    SimulatedSet
        The recording (sensor clock times, SI units), the ground truth (JSON-ready dict) and the
        noise-free trunk and pelvis flexion and neck angle at 1 kHz.
    """
    cfg = cfg or SimConfig()
    cfg.exercise = Exercise(cfg.exercise)
    for placement in cfg.sensors:
        if placement not in PLACEMENTS:
            raise ValueError(f"unknown sensor placement {placement!r}; expected one of {PLACEMENTS}")
    if cfg.reps < 1:
        raise ValueError("reps must be at least 1")
    rng = np.random.default_rng(cfg.seed)
    moves, start = _plan(cfg, rng)
    t0 = cfg.walk_in_s + cfg.quiet_before_s
    _refine(moves, t0, start[0])
    end_moves = _place(moves, t0)
    duration = end_moves + cfg.quiet_after_s + cfg.walk_out_s
    motion = _build_motion(cfg, moves, start, t0, rng, duration)

    t = np.arange(0.0, duration, 1.0 / TRUTH_RATE_HZ)
    trunk, trunk_speed, _ = motion.trunk.evaluate(t)
    pelvis, pelvis_speed, _ = motion.pelvis.evaluate(t)
    hip_drop, _, _ = motion.hip_drop.evaluate(t)
    neck, _, _ = motion.neck.evaluate(t)
    reps, partials = _truth(cfg, moves, t, trunk, trunk_speed, pelvis, pelvis_speed, hip_drop, neck)

    streams, mounts = {}, {}
    for placement in cfg.sensors:
        streams[placement], mounts[placement] = _sensor_stream(cfg, motion, placement, duration, rng)
    tempo = None if cfg.exercise.ballistic else parse_tempo(cfg.tempo)
    metadata = {
        "exercise": cfg.exercise.value,
        "tempo": "X" if tempo is None else parse_tempo(cfg.target_tempo).notation,
        "simulated_tempo": "X" if tempo is None else tempo.notation,
        "source": "imuhinge simulate",
        "seed": str(cfg.seed),
    }
    for placement in cfg.sensors:
        metadata[f"device.{placement}"] = "imuhinge simulator"
    recording = Recording(streams, cfg.sample_rate_hz, metadata)
    truth = {
        "format": "imuhinge-truth/1",
        "exercise": cfg.exercise.value,
        "pattern": "squat" if cfg.squat else "hinge",
        "lifter_tempo": None
        if tempo is None
        else {
            "tempo": tempo.notation,
            "eccentric_s": tempo.eccentric_s,
            "bottom_s": tempo.bottom_s,
            "concentric_s": tempo.concentric_s,
            "top_s": tempo.top_s,
        },
        "sample_rate_hz": cfg.sample_rate_hz,
        "sensors": list(cfg.sensors),
        "mounting_deg": mounts,
        "clock_drift_ppm": {p: cfg.clock_drift_ppm.get(p, 0.0) for p in cfg.sensors},
        "clock_offset_s": {p: cfg.clock_offset_s.get(p, 0.0) for p in cfg.sensors},
        "rep_count": len(reps),
        "reps": reps,
        "partials": partials,
        "sets": _set_truth(reps),
    }
    return SimulatedSet(recording, truth, t, trunk, pelvis, neck)


def _set_truth(reps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each set's number, rep count and the rest before it (its first rep's start minus the previous
    set's last rep's end), from the reps' truth."""
    sets: list[dict[str, Any]] = []
    for rep in reps:
        if not sets or sets[-1]["set"] != rep["set"]:
            rest = None if not sets else round(rep["start_s"] - sets[-1]["end_s"], 4)
            sets.append({"set": rep["set"], "rep_count": 0, "start_s": rep["start_s"], "rest_before_s": rest})
        sets[-1]["rep_count"] += 1
        sets[-1]["end_s"] = rep["end_s"]
    return sets


def truth_path(csv_path: Path) -> Path:
    """``NAME.truth.json`` beside ``NAME.csv``."""
    return csv_path.with_name(csv_path.stem + ".truth.json")


def write_truth(truth: dict, csv_path: Path, *, force: bool = False) -> Path:
    """Write the ground truth beside the recording (under the output rule of ``io.output``; ``force``
    replaces an existing truth file); returns its path."""
    path = truth_path(Path(csv_path))
    with output_file(path, force=force) as temp:
        temp.write_text(json.dumps(truth, indent=1) + "\n")
    return path
