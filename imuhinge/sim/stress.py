"""Stress sets: randomised bodies, sensors and lifters, with ground truth computed independently.

The simulator in ``sim.simulate`` plans a set to a requested tempo on one nominal body. This generator
is built apart from it and from the analyser, to find what they do not show:

- a different body: the hip joint centre moves back and down on its own path, the pelvis turns about
  it, the lumbar joint sits above it on the pelvis and the trunk turns about that; sensors sit on
  lever arms drawn at random (sacrum 4-20 cm from the hip joint in any direction, upper back 30-60 cm
  up the spine, behind or in front of it), mounted in any orientation, with soft-tissue wobble;
- different motion: cycloidal moves with a random time warp (the peak speed early or late), postural
  sway, balance sway on one leg, partial dips next to reps, fidgets, side bends and rotations with
  some forward tilt, recordings that start seconds or a fraction of a second before the first rep;
- different sensors: 50-200 Hz, bias and its drift, scale errors, noise and quantisation, bursty
  packet loss, disconnects inside reps, clock offset and drift between two sensors, phone-style
  timestamps (jitter, millisecond stamps, late bursts);
- truth from the noise-free motion only: flexion angles from the segment orientations on a 1 kHz
  grid, phase boundaries from ``reference_rule`` (not the analyser's phase code), hip travel from
  the hip joint path, lumbar flexion as trunk minus pelvis flexion.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from imuhinge.model import G_MPS2, Exercise, Recording, SensorStream
from imuhinge.sim.kinematics import rot_x, rot_y, rot_z
from imuhinge.sim.reference_rule import movement_span_s

FINE_HZ = 1000.0
RATES_HZ = (50.0, 52.0, 100.0, 104.0, 200.0)
CATEGORIES = (
    "hinge",
    "swing",
    "deadlift",
    "single_leg",
    "distractions",
    "short_start",
    "gaps",
    "squat",
    "rounding",
    "still_pelvis",
    "seated",
    "hold",
    "jitter",
)
TWO = ("upper_back", "sacrum")


# -- motion ---------------------------------------------------------------------------------------


def cycloid(tau: np.ndarray, warp: float) -> np.ndarray:
    """A smooth 0 -> 1 move: cycloidal in warped time ``tau ** warp`` (zero speed and acceleration at
    both ends; the peak speed early for ``warp < 1``, late for ``warp > 1``)."""
    u = np.clip(tau, 0.0, 1.0) ** warp
    return u - np.sin(2 * np.pi * u) / (2 * np.pi)


class Track:
    """One degree of freedom on the fine grid: moves and oscillations added in place."""

    def __init__(self, time_s: np.ndarray):
        self.t = time_s
        self.value = np.zeros(len(time_s))

    def move(self, start_s: float, duration_s: float, amount: float, warp: float = 1.0) -> None:
        """Change by ``amount`` over ``duration_s`` from ``start_s`` (and stay there)."""
        i0, i1 = np.searchsorted(self.t, [start_s, start_s + duration_s])
        self.value[i0:i1] += amount * cycloid((self.t[i0:i1] - start_s) / duration_s, warp)
        self.value[i1:] += amount

    def sway(self, amplitude: float, freq_hz: float, rng: np.random.Generator) -> None:
        """A slow irregular oscillation: three sines at unrelated frequencies, about ``amplitude`` peak."""
        for f in freq_hz * np.array([1.0, rng.uniform(1.3, 1.9), rng.uniform(0.4, 0.7)]):
            self.value += amplitude / 3 * np.sin(2 * np.pi * f * self.t + rng.uniform(0, 2 * np.pi))


def band_noise(n: int, fs_hz: float, low_hz: float, high_hz: float, rms: float, rng: np.random.Generator):
    """Gaussian noise band-passed between ``low_hz`` and ``high_hz`` (FFT mask), scaled to ``rms``."""
    spec = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n, 1.0 / fs_hz)
    spec[(f < low_hz) | (f > high_hz)] = 0.0
    x = np.fft.irfft(spec, n)
    return rms * x / max(float(np.std(x)), 1e-12)


def random_rotation(rng: np.random.Generator) -> np.ndarray:
    """A rotation matrix drawn uniformly (QR of a Gaussian matrix, sign-fixed)."""
    q, r = np.linalg.qr(rng.standard_normal((3, 3)))
    q = q @ np.diag(np.sign(np.diag(r)))
    return q if np.linalg.det(q) > 0 else -q


@dataclass
class Body:
    """Channels of one lifter on the fine grid (angles in degrees, travel in metres)."""

    t: np.ndarray
    trunk_pitch: Track
    pelvis_pitch: Track
    trunk_roll: Track
    trunk_yaw: Track
    pelvis_roll: Track
    hip_back: Track
    hip_drop: Track
    hip_side: Track

    @classmethod
    def at(cls, t: np.ndarray) -> Body:
        return cls(t, *(Track(t) for _ in range(8)))


@dataclass
class Geometry:
    """Where the joints and sensors sit (metres, segment frames: x forward, y left, z up)."""

    heading_rad: float
    trunk_stand_deg: float
    pelvis_stand_deg: float
    lumbar_joint_m: np.ndarray
    upper_back_m: np.ndarray
    sacrum_m: np.ndarray
    hip_height_m: float
    gravity_mps2: float

    @classmethod
    def draw(cls, rng: np.random.Generator, chest: bool = False) -> Geometry:
        direction = rng.standard_normal(3)
        sacrum = direction / np.linalg.norm(direction) * rng.uniform(0.04, 0.20)
        behind = rng.uniform(0.06, 0.15) * (-1.0 if chest else 1.0)
        return cls(
            heading_rad=float(rng.uniform(-np.pi, np.pi)),
            trunk_stand_deg=float(rng.uniform(-5, 15)),
            pelvis_stand_deg=float(rng.uniform(0, 15)),
            lumbar_joint_m=np.array([rng.uniform(-0.05, 0.0), 0.0, rng.uniform(0.10, 0.18)]),
            upper_back_m=np.array([-behind, rng.uniform(-0.04, 0.04), rng.uniform(0.30, 0.60)]),
            sacrum_m=sacrum,
            hip_height_m=float(rng.uniform(0.80, 1.05)),
            gravity_mps2=float(rng.uniform(9.78, 9.832)),
        )


def segment_rotations(body: Body, geo: Geometry) -> tuple[np.ndarray, np.ndarray]:
    """Trunk and pelvis rotation matrices (segment -> earth) on the fine grid."""
    heading = geo.heading_rad
    yaw_t = np.radians(body.trunk_yaw.value) + heading
    trunk = (
        rot_z(yaw_t)
        @ rot_x(np.radians(body.trunk_roll.value))
        @ rot_y(np.radians(geo.trunk_stand_deg + body.trunk_pitch.value))
    )
    pelvis = (
        rot_z(np.full(len(body.t), heading))
        @ rot_x(np.radians(body.pelvis_roll.value))
        @ rot_y(np.radians(geo.pelvis_stand_deg + body.pelvis_pitch.value))
    )
    return trunk, pelvis


def hip_path_m(body: Body, geo: Geometry) -> np.ndarray:
    """Hip joint centre in the earth frame (N, 3)."""
    h = geo.heading_rad
    forward, left = np.array([np.cos(h), np.sin(h), 0.0]), np.array([-np.sin(h), np.cos(h), 0.0])
    return (
        -body.hip_back.value[:, None] * forward
        + body.hip_side.value[:, None] * left
        + (geo.hip_height_m - body.hip_drop.value)[:, None] * np.array([0.0, 0.0, 1.0])
    )


def flexion_deg(rot: np.ndarray, rot0: np.ndarray) -> np.ndarray:
    """Sagittal flexion of a segment relative to ``rot0``: how far earth's up, seen in the segment
    frame, has turned from its standing direction towards the segment's back (positive forward)."""
    up = rot[:, 2, :]  # earth's up in the segment frame: the third row of segment -> earth
    up0 = rot0[2, :]
    back = np.cross(np.array([0.0, 1.0, 0.0]), up0)  # turning about the left axis tips up0 backwards
    back = -back
    return np.degrees(np.arctan2(up @ back, up @ up0))


def angular_velocity(rot: np.ndarray, fs_hz: float) -> np.ndarray:
    """Body-frame angular velocity (rad/s) of rotations on a uniform grid (central differences)."""
    d = np.gradient(rot, 1.0 / fs_hz, axis=0)
    w = np.einsum("nji,njk->nik", rot, d)  # R^T dR/dt, skew-symmetric
    return 0.5 * np.stack([w[:, 2, 1] - w[:, 1, 2], w[:, 0, 2] - w[:, 2, 0], w[:, 1, 0] - w[:, 0, 1]], -1)


def wobble_rotations(rot_seg: np.ndarray, rng: np.random.Generator, gain: float) -> np.ndarray:
    """Soft tissue: small rotations of the sensor on its segment at 4-15 Hz, shaken up by the
    segment's angular acceleration (thousandths of a degree at rest, a few tenths in a swing)."""
    n = len(rot_seg)
    alpha = np.linalg.norm(np.gradient(angular_velocity(rot_seg, FINE_HZ), 1.0 / FINE_HZ, axis=0), axis=1)
    kernel = np.hanning(int(0.2 * FINE_HZ))
    shake = np.convolve(alpha, kernel / kernel.sum(), mode="same")
    amplitude_deg = np.minimum(0.003 + gain * 0.01 * shake, 0.5)
    angles = np.radians(
        np.stack([band_noise(n, FINE_HZ, 4.0, 15.0, 1.0, rng) * amplitude_deg for _ in range(3)], -1)
    )
    return rot_z(angles[:, 2]) @ rot_x(angles[:, 0]) @ rot_y(angles[:, 1])


# -- the lifter's script --------------------------------------------------------------------------


@dataclass
class RepPlan:
    """One planned rep (standing start; for floor-start exercises ``down`` ends at the floor)."""

    start_s: float
    down_s: float
    bottom_s: float
    up_s: float
    depth_deg: float
    pelvis_deg: float
    back_m: float
    drop_m: float
    warp_down: float
    warp_up: float
    lean_back_deg: float = 0.0
    rounded: bool = False
    pre_deg: float = 0.0  # already dipped this far when the lowering starts (a dip that went on)
    top_s: float = 0.0  # floor-start reps: the lockout between the rise and the lowering


@dataclass
class StressSet:
    """A stress recording, its ground truth and what was drawn to make it."""

    recording: Recording
    truth: dict[str, Any]
    case: dict[str, Any] = field(default_factory=dict)
    csv_text: str | None = None


EXERCISE_OF = {
    "hinge": None,
    "swing": Exercise.KETTLEBELL_SWING,
    "deadlift": Exercise.DEADLIFT,
    "single_leg": Exercise.SINGLE_LEG_RDL,
    "hold": Exercise.HINGE_HOLD,
}


class Script:
    """Builds the motion of one set on the body's tracks and remembers what is what."""

    def __init__(self, body: Body, rng: np.random.Generator):
        self.body = body
        self.rng = rng
        self.reps: list[RepPlan] = []
        self.others: list[dict[str, Any]] = []

    def rep(self, plan: RepPlan) -> float:
        """A standing-start rep; returns the time it is back up."""
        b, t = self.body, plan.start_s
        pre = plan.pre_deg
        for track, amount, before in (
            (b.trunk_pitch, plan.depth_deg - pre, pre),
            (b.pelvis_pitch, plan.pelvis_deg - 0.9 * pre, 0.9 * pre),
            (b.hip_back, plan.back_m, 0.0),
            (b.hip_drop, plan.drop_m, 0.0),
        ):
            track.move(t, plan.down_s, amount, plan.warp_down)
            track.move(t + plan.down_s + plan.bottom_s, plan.up_s, -(amount + before), plan.warp_up)
        end = t + plan.down_s + plan.bottom_s + plan.up_s
        if plan.lean_back_deg:
            b.trunk_pitch.move(end - 0.35 * plan.up_s, 0.5 * plan.up_s, -plan.lean_back_deg, plan.warp_up)
            b.trunk_pitch.move(end + 0.6, 0.6, plan.lean_back_deg)
            end += 1.2
        self.reps.append(plan)
        return end

    def other(self, kind: str, start_s: float, duration_s: float, **amounts: float) -> float:
        """A movement that is not a rep (side bend, rotation, fidget, partial dip): out and back."""
        hold = amounts.pop("hold_s", 0.4)
        for name, amount in amounts.items():
            track = getattr(self.body, name)
            track.move(start_s, duration_s, amount, self.rng.uniform(0.8, 1.25))
            track.move(start_s + duration_s + hold, duration_s, -amount, self.rng.uniform(0.8, 1.25))
        end = start_s + 2 * duration_s + hold
        self.others.append({"kind": kind, "start_s": start_s, "end_s": end, **amounts})
        return end


def _tempo(rng: np.random.Generator) -> tuple[float, float, float]:
    """Down, bottom pause and up seconds of a controlled rep (3-1-2 and its neighbours)."""
    down, bottom, up = [(3, 1, 2), (3, 2, 1), (2, 1, 2), (4, 1, 1), (3, 0, 2), (2, 0, 2)][rng.integers(6)]
    jitter = rng.uniform(0.85, 1.15, 3)
    return down * jitter[0] * 1.2, bottom * jitter[1] + 0.15, up * jitter[2] * 1.2


def _hinge_geometry(rng: np.random.Generator, depth: float) -> tuple[float, float, float]:
    """Pelvis rotation, hips back and drop of a neutral-spine hinge to ``depth`` degrees."""
    lumbar = rng.uniform(1.0, 6.0)
    return depth - lumbar, rng.uniform(0.05, 0.25) * depth / 70.0, rng.uniform(0.0, 0.10) * depth / 70.0


def _script(category: str, script: Script, rng: np.random.Generator, t0: float) -> float:
    """Write one category's set into ``script`` from ``t0``; returns when the last move ends."""
    t = t0
    reps = int(rng.integers(3, 9))
    if category == "swing":
        reps = int(rng.integers(6, 13))
    for k in range(reps):
        down, bottom, up = _tempo(rng)
        depth = rng.uniform(45, 85)
        rounded = False
        pelvis, back, drop = _hinge_geometry(rng, depth)
        if category == "swing":
            down, bottom, up = rng.uniform(0.45, 0.7), 0.0, rng.uniform(0.4, 0.6)
            depth = rng.uniform(45, 70)
            pelvis, back, drop = _hinge_geometry(rng, depth)
        if category == "hold":
            bottom = rng.uniform(10, 20)
        if category == "squat":
            depth = rng.uniform(28, 50)
            pelvis = depth - rng.uniform(0.0, 5.0)
            back, drop = rng.uniform(0.03, 0.15), rng.uniform(0.25, 0.45)
        if category in ("rounding", "swing") and rng.random() < 0.4:
            rounding = rng.uniform(15, 25) if category == "rounding" else rng.uniform(15, 18)
            pelvis -= rounding
            rounded = True
        if category == "still_pelvis":
            depth = rng.uniform(25, 50)
            pelvis = rng.uniform(2.0, 8.0)
            back, drop = rng.uniform(0.0, 0.03), rng.uniform(0.0, 0.02)
            rounded = depth - pelvis >= 15
        if category == "seated":
            depth = rng.uniform(30, 55)
            pelvis = depth * rng.uniform(0.1, 0.6)
            back, drop = 0.0, 0.0
            rounded = depth - pelvis >= 15
        pre = 0.0
        if category == "single_leg" and rng.random() < 0.5:
            dip = rng.uniform(5.0, 12.0)
            if rng.random() < 0.5:  # down a little, back up, then the rep
                end = script.other(
                    "partial_dip",
                    t,
                    rng.uniform(0.6, 1.2),
                    trunk_pitch=dip,
                    pelvis_pitch=dip * 0.9,
                    hold_s=0.3,
                )
                t = end + rng.uniform(0.0, 0.5)
            else:  # down a little, a wobbly halt, then on down: the rep starts at the halt
                d = rng.uniform(0.6, 1.2)
                script.body.trunk_pitch.move(t, d, dip)
                script.body.pelvis_pitch.move(t, d, 0.9 * dip)
                script.others.append(
                    {"kind": "dip_then_rep", "start_s": t, "end_s": t + d, "trunk_pitch": dip}
                )
                t += d + rng.uniform(0.4, 1.0)
                pre = dip
        plan = RepPlan(
            start_s=t,
            down_s=down,
            bottom_s=bottom,
            up_s=up,
            depth_deg=depth,
            pelvis_deg=pelvis,
            back_m=back,
            drop_m=drop,
            warp_down=rng.uniform(0.8, 1.25),
            warp_up=rng.uniform(0.8, 1.25),
            lean_back_deg=rng.uniform(8, 14) if (category == "hinge" and rng.random() < 0.15) else 0.0,
            rounded=rounded,
            pre_deg=pre,
        )
        if category == "single_leg":
            # The trunk opens towards the free leg on the way down and squares up on the way up.
            twist = (1.0 if rng.random() < 0.5 else -1.0) * rng.uniform(4, 12)
            script.body.trunk_yaw.move(t, down, twist)
            script.body.trunk_yaw.move(t + down + bottom, up, -twist)
        t = script.rep(plan)
        pause = rng.uniform(0.3, 0.6) if category == "swing" else rng.uniform(0.6, 3.0)
        t += pause
        if category == "distractions" and k < reps - 1:
            kind = rng.choice(["side_bend", "rotation", "fidget"])
            side = 1.0 if rng.random() < 0.5 else -1.0
            if kind == "side_bend":
                t = script.other(
                    kind,
                    t,
                    rng.uniform(1.2, 2.5),
                    trunk_roll=side * rng.uniform(20, 40),
                    trunk_pitch=rng.uniform(17, 38),
                    pelvis_roll=side * rng.uniform(2, 6),
                    hold_s=rng.uniform(0.3, 1.5),
                )
            elif kind == "rotation":
                t = script.other(
                    kind,
                    t,
                    rng.uniform(1.0, 2.0),
                    trunk_yaw=side * rng.uniform(35, 70),
                    trunk_pitch=rng.uniform(12, 25),
                    hold_s=rng.uniform(0.3, 1.0),
                )
            else:
                t = script.other(
                    kind,
                    t,
                    rng.uniform(0.3, 0.8),
                    trunk_pitch=rng.uniform(3, 8),
                    trunk_roll=side * rng.uniform(2, 5),
                    hold_s=0.2,
                )
            t += rng.uniform(0.8, 2.0)
    return t


def _deadlift_script(script: Script, rng: np.random.Generator, t0: float) -> float:
    """Floor-start reps: set up at the floor, then rise, lockout, lower, pause at the floor; stand up.

    Rep plans are written the standing-start way round (the ``down`` fields hold the lowering), and
    ``start_s`` is the rise's start.
    """
    b = script.body
    depth = rng.uniform(45, 70)
    pelvis, back, drop = depth - rng.uniform(1, 6), rng.uniform(0.10, 0.2), rng.uniform(0.15, 0.30)
    setup = rng.uniform(1.5, 2.5)
    tracks = ((b.trunk_pitch, depth), (b.pelvis_pitch, pelvis), (b.hip_back, back), (b.hip_drop, drop))
    for track, amount in tracks:
        track.move(t0, setup, amount)
    t = t0 + setup + rng.uniform(1.0, 2.0)
    reps = int(rng.integers(3, 7))
    for k in range(reps):
        up, top, down = rng.uniform(1.0, 2.5), rng.uniform(0.5, 2.0), rng.uniform(1.5, 3.5)
        floor = rng.uniform(0.5, 2.0)
        warp_up, warp_down = rng.uniform(0.8, 1.25), rng.uniform(0.8, 1.25)
        for track, amount in tracks:
            track.move(t, up, -amount, warp_up)
            track.move(t + up + top, down, amount, warp_down)
        plan = RepPlan(t, down, floor, up, depth, pelvis, back, drop, warp_down, warp_up, top_s=top)
        script.reps.append(plan)
        t += up + top + down + (floor if k < reps - 1 else rng.uniform(1.0, 2.0))
    for track, amount in tracks:
        track.move(t, 2.0, -amount)
    script.others.append({"kind": "stand_up", "start_s": t, "end_s": t + 2.0})
    return t + 2.0


# -- sensors --------------------------------------------------------------------------------------


@dataclass
class SensorErrors:
    """What one sensor adds to the truth."""

    gyro_bias_dps: np.ndarray
    gyro_walk_dps: float
    gyro_scale: np.ndarray
    gyro_noise_dps: float
    acc_offset_g: np.ndarray
    acc_scale: np.ndarray
    acc_noise_g: float
    wobble_gain: float

    @classmethod
    def draw(cls, rng: np.random.Generator) -> SensorErrors:
        bias = rng.standard_normal(3)
        off = rng.standard_normal(3)
        return cls(
            gyro_bias_dps=bias / np.linalg.norm(bias) * rng.uniform(0.0, 2.0),
            gyro_walk_dps=float(rng.uniform(0.0, 0.02)),
            gyro_scale=1.0 + rng.uniform(-0.01, 0.01, 3),
            gyro_noise_dps=float(rng.uniform(0.03, 0.15)),
            acc_offset_g=off / np.linalg.norm(off) * rng.uniform(0.0, 0.008),
            acc_scale=1.0 + rng.uniform(-0.005, 0.005, 3),
            acc_noise_g=float(rng.uniform(0.001, 0.004)),
            wobble_gain=float(rng.uniform(0.5, 2.0)),
        )


def _sensor_signals(
    rot_seg: np.ndarray, pos_m: np.ndarray, geo: Geometry, errors: SensorErrors, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Gyro (rad/s) and specific force (m/s^2) in the sensor frame on the fine grid, before errors."""
    rot = rot_seg @ wobble_rotations(rot_seg, rng, errors.wobble_gain) @ random_rotation(rng)
    gyr = angular_velocity(rot, FINE_HZ)
    acc_world = np.gradient(np.gradient(pos_m, 1.0 / FINE_HZ, axis=0), 1.0 / FINE_HZ, axis=0)
    acc_world[:, 2] += geo.gravity_mps2
    return gyr, np.einsum("nji,nj->ni", rot, acc_world)


def _sample(fine_t: np.ndarray, signal: np.ndarray, at_s: np.ndarray, fs_hz: float) -> np.ndarray:
    """The signal as a sensor outputs it at ``at_s``: averaged over one sample period around each
    sample (its own low-pass against aliasing), then read off."""
    width = max(int(FINE_HZ / fs_hz), 1)
    kernel = np.ones(width) / width
    smooth = np.column_stack([np.convolve(signal[:, k], kernel, mode="same") for k in range(signal.shape[1])])
    return np.column_stack([np.interp(at_s, fine_t, smooth[:, k]) for k in range(signal.shape[1])])


def _add_errors(
    gyr: np.ndarray, acc: np.ndarray, fs_hz: float, errors: SensorErrors, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    n = len(gyr)
    walk = np.cumsum(rng.standard_normal((n, 3)), axis=0) * errors.gyro_walk_dps / np.sqrt(fs_hz)
    gyr_dps = np.degrees(gyr) * errors.gyro_scale + errors.gyro_bias_dps + walk
    gyr_dps += errors.gyro_noise_dps * rng.standard_normal((n, 3))
    acc_g = (
        acc / G_MPS2 * errors.acc_scale
        + errors.acc_offset_g
        + errors.acc_noise_g * rng.standard_normal((n, 3))
    )
    # 16-bit samples at +-2000 deg/s and +-16 g, as most IMUs send them.
    gyr_dps = np.round(gyr_dps / (2000 / 32768)) * (2000 / 32768)
    acc_g = np.round(acc_g / (16 / 32768)) * (16 / 32768)
    return np.radians(gyr_dps), acc_g * G_MPS2


def _packet_loss(n: int, rng: np.random.Generator, loss: float) -> np.ndarray:
    """Samples kept after bursty packet loss (packets of 1-6 samples, losses in runs of 1-3)."""
    per_packet = int(rng.choice([1, 2, 4, 6]))
    packets = -(-n // per_packet)
    lost = np.zeros(packets, dtype=bool)
    k = 0
    while k < packets:
        if rng.random() < loss / 2:
            run = int(rng.integers(1, 4))
            lost[k : k + run] = True
            k += run
        k += 1
    lost[:2] = lost[-2:] = False
    return ~np.repeat(lost, per_packet)[:n]


# -- truth ----------------------------------------------------------------------------------------


def _movements(script: Script, floor_start: bool) -> list[tuple[float, float, bool]]:
    """Every rep's two movements in time order: (start_s, end_s, downward)."""
    out: list[tuple[float, float, bool]] = []
    for plan in script.reps:
        if floor_start:
            lower0 = plan.start_s + plan.up_s + plan.top_s
            out += [(plan.start_s, plan.start_s + plan.up_s, False), (lower0, lower0 + plan.down_s, True)]
        else:
            rise0 = plan.start_s + plan.down_s + plan.bottom_s
            out += [(plan.start_s, plan.start_s + plan.down_s, True), (rise0, rise0 + plan.up_s, False)]
    return out


def _truth_reps(
    script: Script,
    t: np.ndarray,
    trunk: np.ndarray,
    lumbar: np.ndarray,
    hips: np.ndarray,
    sacrum_m: np.ndarray,
    geo: Geometry,
    floor_start: bool,
    gaps_s: list[tuple[float, float]],
) -> list[dict[str, Any]]:
    """Ground truth of every rep from the noise-free trunk flexion, by ``reference_rule``."""
    speed = np.gradient(trunk, 1.0 / FINE_HZ)
    movements = _movements(script, floor_start)
    peaks = []
    for start, end, downward in movements:
        i0, i1 = np.searchsorted(t, [start, end])
        peaks.append(float(t[i0 + int(np.argmax((1 if downward else -1) * speed[i0:i1]))]))
    spans = []
    for j, (start, end, downward) in enumerate(movements):
        deep_end = end if downward else start
        i0, i1 = np.searchsorted(t, [deep_end - 0.5, deep_end + 0.5])
        bottom = float(np.max(trunk[i0:i1]))
        lo = peaks[j - 1] if j else max(start - 6.0, float(t[0]))
        hi = peaks[j + 1] if j + 1 < len(peaks) else min(end + 6.0, float(t[-1]))
        spans.append(movement_span_s(t, trunk, speed, start, end, downward, bottom, (lo, hi)))
    forward = np.array([np.cos(geo.heading_rad), np.sin(geo.heading_rad), 0.0])
    reps: list[dict[str, Any]] = []
    for k, plan in enumerate(script.reps):
        first, second = spans[2 * k], spans[2 * k + 1]
        if first is None or second is None:
            continue
        lower, rise = (second, first) if floor_start else (first, second)
        i0, i1 = np.searchsorted(t, [first[0], second[1]])
        top_i, bottom_i = np.searchsorted(t, [lower[0] - 0.2, lower[1] + 0.2])
        travel = hips[bottom_i] - hips[top_i]
        reps.append(
            {
                "start_s": first[0],
                "end_s": second[1],
                "lower": lower,
                "rise": rise,
                "peak_trunk_flexion_deg": float(np.max(trunk[i0:i1])),
                "peak_lumbar_flexion_deg": float(np.max(lumbar[i0:i1])),
                "rounded": plan.rounded,
                "hip_drop_m": float(-travel[2]),
                "hip_back_m": float(-travel @ forward),
                "sacrum_sensor_drop_m": float(sacrum_m[top_i, 2] - sacrum_m[bottom_i, 2]),
            }
        )
    for k, rep in enumerate(reps):
        lower, rise = rep["lower"], rep["rise"]
        nxt = reps[k + 1] if k + 1 < len(reps) else None
        phases = {"eccentric": lower, "concentric": rise}
        if floor_start:
            phases["top"] = (rise[1], lower[0])
            if nxt is not None:
                phases["bottom"] = (lower[1], nxt["rise"][0])
        else:
            phases["bottom"] = (lower[1], rise[0])
            if nxt is not None:
                phases["top"] = (rise[1], nxt["lower"][0])
        for name in ("eccentric", "bottom", "concentric", "top"):
            span = phases.get(name)
            rep[f"{name}_s"] = None if span is None else span[1] - span[0]
        rep["gap_phases"] = sorted(
            name for name, (a, b) in phases.items() if any(g0 < b and g1 > a for g0, g1 in gaps_s)
        )
        for name in rep["gap_phases"]:
            rep[f"{name}_s"] = None
    return reps


# -- a whole set ----------------------------------------------------------------------------------


def _exercise(category: str, rng: np.random.Generator) -> Exercise:
    fixed = EXERCISE_OF.get(category)
    if fixed is not None:
        return fixed
    return [Exercise.RDL, Exercise.GOOD_MORNING, Exercise.HIP_HINGE][int(rng.integers(3))]


def _sensor_times(
    n_fine_s: float, fs_hz: float, start_s: float, drift: float, offset_s: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sample counter, true times and clock times of a sensor running from ``start_s``."""
    n = int((n_fine_s - start_s) * fs_hz * (1 + drift)) - 1
    seq = np.arange(n, dtype=np.int64)
    true_s = start_s + seq / (fs_hz * (1 + drift))
    return seq, true_s, seq / fs_hz + offset_s


def _phone_csv(
    streams: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]],
    fs_hz: float,
    rng: np.random.Generator,
    metadata: dict[str, str],
    jitter: float = 0.3,
) -> str:
    """Phone-style rows: arrival stamps in whole ms (late by up to ``jitter`` periods, late bursts
    after holes, rows logged twice) and a nominal header rate 2-5 % off the real one."""
    rows: list[tuple[float, str]] = []
    for placement, (true_s, acc, gyr) in streams.items():
        n = len(true_s)
        period = 1.0 / fs_hz
        stamps = true_s + rng.uniform(0.0, jitter, n) * period
        for _ in range(int(rng.integers(2, 8))):
            a = int(rng.integers(20, n - 60))
            width = int(rng.uniform(0.1, 0.5) * fs_hz)
            stamps[a : a + width] = true_s[min(a + width, n - 1)] + np.arange(width) * 2e-4
        stamps = np.floor(np.maximum.accumulate(stamps) * 1000.0) / 1000.0
        acc_g, gyr_dps = acc / G_MPS2, np.degrees(gyr)
        for i in range(n):
            line = (
                f"{stamps[i]:.3f},{placement},{acc_g[i, 0]:.5f},{acc_g[i, 1]:.5f},{acc_g[i, 2]:.5f},"
                f"{gyr_dps[i, 0]:.4f},{gyr_dps[i, 1]:.4f},{gyr_dps[i, 2]:.4f}"
            )
            rows.append((stamps[i], line))
            if rng.random() < 0.01:
                rows.append((stamps[i], line))
    rows.sort(key=lambda r: r[0])
    nominal = fs_hz * (1 + rng.choice([-1, 1]) * rng.uniform(0.02, 0.05))
    head = ["# imuhinge recording v1", f"# sample_rate_hz: {nominal:.2f}"]
    head += [f"# {key}: {value}" for key, value in metadata.items() if not key.startswith("device.")]
    head += [f"# device.{p}: phone logger" for p in streams]
    head.append("time_s,sensor,acc_x_g,acc_y_g,acc_z_g,gyr_x_dps,gyr_y_dps,gyr_z_dps")
    return "\n".join([*head, *(line for _, line in rows)]) + "\n"


def stress_set(category: str, seed: int, jitter: float = 0.3) -> StressSet:
    """One randomised set of a category (see ``CATEGORIES``) with its ground truth.

    Parameters
    ----------
    category : str
        What the set stresses.
    seed : int
        Everything is drawn from it.
    jitter : float
        For ``jitter`` sets: how late a phone stamps a sample, at most, in sample periods.

    Returns
    -------
    StressSet
        The recording (sensor clock times, SI units; for ``jitter`` also the CSV text a phone
        logger would write), the truth (reps with phase boundaries and durations, peak angles, hip
        travel, other movements, gaps) and the drawn parameters.
    """
    if category not in CATEGORIES:
        raise ValueError(f"unknown stress category {category!r}")
    rng = np.random.default_rng(seed)
    exercise = _exercise(category, rng)
    two = category in ("swing", "squat", "rounding", "still_pelvis", "seated") or rng.random() < 0.5
    placements = TWO if two else ("upper_back",)
    geo = Geometry.draw(rng, chest=rng.random() < 0.15)
    t = np.arange(0.0, 260.0, 1.0 / FINE_HZ)
    body = Body.at(t)
    script = Script(body, rng)
    quiet_s = rng.uniform(0.2, 1.4) if category == "short_start" else rng.uniform(1.5, 5.0)
    if category == "short_start" and rng.random() < 0.4:
        # Recording starts while the lifter is still settling: a fidget under way at time 0.
        script.other("fidget", -0.3, 0.6, trunk_pitch=rng.uniform(3, 6), hold_s=0.0)
    if category == "deadlift":
        end = _deadlift_script(script, rng, quiet_s)
    else:
        end = _script(category, script, rng, quiet_s)
    duration = end + rng.uniform(0.3, 4.0)
    keep = t < duration
    t = t[keep]
    for name in (
        "trunk_pitch",
        "pelvis_pitch",
        "trunk_roll",
        "trunk_yaw",
        "pelvis_roll",
        "hip_back",
        "hip_drop",
        "hip_side",
    ):
        track = getattr(body, name)
        track.t, track.value = t, track.value[keep]
    body.t = t
    body.trunk_pitch.sway(rng.uniform(0.1, 0.4), rng.uniform(0.2, 0.6), rng)
    body.pelvis_pitch.sway(rng.uniform(0.05, 0.2), rng.uniform(0.2, 0.6), rng)
    if category == "single_leg" and script.reps:
        # Balance sway on one leg: from just before the first rep to just after the last.
        on_leg = (script.reps[0].start_s - 1.0, end + 0.5)
        for track, amplitude, freq in (
            (body.trunk_roll, rng.uniform(1.0, 3.0), rng.uniform(0.3, 1.0)),
            (body.pelvis_roll, rng.uniform(1.0, 2.5), rng.uniform(0.3, 1.0)),
            (body.hip_side, rng.uniform(0.005, 0.02), rng.uniform(0.3, 1.0)),
            (body.trunk_pitch, rng.uniform(0.3, 0.8), rng.uniform(0.4, 1.0)),
        ):
            sway = Track(t)
            sway.sway(amplitude, freq, rng)
            envelope = cycloid((t - on_leg[0]) / 1.0, 1.0) - cycloid((t - on_leg[1]) / 1.0, 1.0)
            track.value += sway.value * envelope

    trunk_rot, pelvis_rot = segment_rotations(body, geo)
    still = Body.at(t[:1])
    trunk0, pelvis0 = (r[0] for r in segment_rotations(still, geo))
    trunk_deg, pelvis_deg = flexion_deg(trunk_rot, trunk0), flexion_deg(pelvis_rot, pelvis0)
    hips = hip_path_m(body, geo)
    positions = {
        "upper_back": hips
        + np.einsum("nij,j->ni", pelvis_rot, geo.lumbar_joint_m)
        + np.einsum("nij,j->ni", trunk_rot, geo.upper_back_m),
        "sacrum": hips + np.einsum("nij,j->ni", pelvis_rot, geo.sacrum_m),
    }
    segments = {"upper_back": trunk_rot, "sacrum": pelvis_rot}

    fs = float(rng.choice(RATES_HZ))
    shared_clock = category == "jitter" or rng.random() < 0.3
    with_seq = category != "jitter" and rng.random() < 0.7
    loss = 0.0 if category == "jitter" else float(rng.uniform(0.0, 0.05))
    gaps_true: list[tuple[float, float]] = []
    if category == "gaps" and script.reps:
        for k in rng.choice(len(script.reps), size=min(2, len(script.reps)), replace=False):
            plan = script.reps[int(k)]
            width = rng.uniform(0.55, 2.0)
            rep_span = plan.down_s + plan.bottom_s + plan.up_s
            start = plan.start_s + rng.uniform(0.1, max(rep_span - width, 0.2))
            gaps_true.append((float(start), float(start + width)))
    sensors: dict[str, SensorStream] = {}
    phone: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    case: dict[str, Any] = {
        "category": category,
        "seed": seed,
        "exercise": exercise.value,
        "rate_hz": fs,
        "placements": list(placements),
        "shared_clock": shared_clock,
        "with_seq": with_seq,
        "packet_loss": loss,
        "sacrum_lever_m": geo.sacrum_m.round(3).tolist(),
        "upper_back_lever_m": geo.upper_back_m.round(3).tolist(),
        "quiet_before_s": quiet_s,
    }
    for placement in placements:
        errors = SensorErrors.draw(rng)
        gyr_fine, acc_fine = _sensor_signals(segments[placement], positions[placement], geo, errors, rng)
        drift = 0.0 if (shared_clock or placement == "upper_back") else float(rng.uniform(-1e-4, 1e-4))
        offset = 0.0 if (shared_clock or placement == "upper_back") else float(rng.uniform(-0.4, 0.4))
        seq, true_s, clock_s = _sensor_times(t[-1], fs, 0.0, drift, offset)
        gyr, acc = _add_errors(
            _sample(t, gyr_fine, true_s, fs), _sample(t, acc_fine, true_s, fs), fs, errors, rng
        )
        kept = _packet_loss(len(seq), rng, loss)
        for g0, g1 in gaps_true:
            kept &= (true_s < g0) | (true_s > g1)
        if category == "jitter":
            phone[placement] = (true_s[kept], acc[kept], gyr[kept])
            continue
        sensors[placement] = SensorStream(
            placement, clock_s[kept], acc[kept], gyr[kept], seq[kept] if with_seq else None
        )
    floor_start = exercise.floor_start
    truth = {
        "exercise": exercise.value,
        "pattern": "squat" if category == "squat" else "hinge",
        "reps": _truth_reps(
            script,
            t,
            trunk_deg,
            trunk_deg - pelvis_deg,
            hips,
            positions["sacrum"],
            geo,
            floor_start,
            gaps_true,
        ),
        "others": script.others,
        "gaps_s": gaps_true,
        "time_s": t[::10],
        "trunk_flexion_deg": trunk_deg[::10],
        "lumbar_flexion_deg": (trunk_deg - pelvis_deg)[::10],
    }
    metadata = {"exercise": exercise.value, "source": f"imuhinge stress {category} {seed}"}
    for placement in placements:
        metadata[f"device.{placement}"] = "stress generator"
    if category == "jitter":
        text = _phone_csv(phone, fs, rng, metadata, jitter)
        return StressSet(Recording({}, fs, metadata), truth, case, text)
    recording = Recording(sensors, fs, metadata)
    return StressSet(recording, truth, case)
