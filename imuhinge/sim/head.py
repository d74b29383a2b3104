"""The simulator's head: a segment on the top of the trunk that flexes at the neck and turns on its own.

The head hangs on the trunk at the base of the neck. Its rotation is the trunk's, then the neck's
flexion about the trunk's left-right axis (positive: the head drops towards the chest, negative: the
neck cranes back), then a turn about the head's own axis (looking around). The sensor sits on the
back of the head, on a lever from the neck's base. The neck channel is the ground truth of the neck
angle; a turn does not change it.

What the lifter does with the head, per rep (``SimConfig``): a drop or a crane reached at the bottom
of the rep, a small natural nod of every rep, and, when looking around, turns of the head in the
pauses at the top, glances to the side at the bottom of every other rep, and a look down at the
floor, held, before the first rep.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np

from imuhinge.sim.kinematics import Channel, rot_y, rot_z

# From the hip joint to the base of the neck in the trunk frame, and from there to the sensor on the
# back of the head in the head frame (x forward, y left, z up), metres.
NECK_BASE_M = np.array([-0.03, 0.0, 0.62])
HEAD_LEVER_M = np.array([-0.10, 0.0, 0.13])
TURN_S = 0.45  # out or back, a glance to the side
TOP_TURN_MIN_PAUSE_S = 1.5
FLOOR_LOOK_DEG = 20.0
SEED_TAG = 15  # the head draws from its own generator: sets without a head stay as they were


class Move(Protocol):
    """What the head needs of a planned trunk movement (``simulate._Movement``)."""

    rep: int | None
    kind: str
    start_s: float
    duration_s: float
    pause_after_s: float


def head_rng(seed: int) -> np.random.Generator:
    """The head's own random generator for a set's seed."""
    return np.random.default_rng([seed, SEED_TAG])


def neck_channel(
    moves: Sequence[Move],
    drops_deg: dict[int, float],
    cranes_deg: dict[int, float],
    nod_sd_deg: float,
    floor_start: bool,
    rng: np.random.Generator,
) -> Channel:
    """Neck flexion (deg) over the set: each rep's excursion reached over its way down and undone
    over the way up that follows.

    A standing-start rep's way down is its own; a floor-start rep's bottom lies between its lowering
    and the next rep's rise, so that excursion belongs to the next rep.
    """
    neck = Channel()
    pending = 0.0
    for mv in moves:
        if mv.kind in ("lower", "setup"):
            rep = (mv.rep or 0) + 1 if floor_start else mv.rep
            if rep is None:
                continue
            pending = drops_deg.get(rep, 0.0) - cranes_deg.get(rep, 0.0) + nod_sd_deg * rng.standard_normal()
            neck.step(mv.start_s, mv.duration_s, pending)
        elif mv.kind in ("rise", "standup") and pending:
            neck.step(mv.start_s, mv.duration_s, -pending)
            pending = 0.0
    return neck


def look_around(
    moves: Sequence[Move], neck: Channel, quiet_from_s: float, rng: np.random.Generator
) -> Channel:
    """Turns of the head (deg about its own axis): in long pauses at the top, at the bottom of every
    other rep, and a look down at the floor (on ``neck``) while standing before the set."""
    turn = Channel()

    def glance(start_s: float, amount_deg: float, hold_s: float) -> None:
        turn.step(start_s, TURN_S, amount_deg)
        turn.step(start_s + TURN_S + hold_s, TURN_S, -amount_deg)

    first = moves[0].start_s
    if first - quiet_from_s >= 3.0:
        neck.step(quiet_from_s + 0.5, 0.4, FLOOR_LOOK_DEG)
        neck.step(quiet_from_s + 1.9, 0.4, -FLOOR_LOOK_DEG)
    for k, mv in enumerate(moves):
        pause_at_s = mv.start_s + mv.duration_s
        side = 1.0 if k % 4 < 2 else -1.0
        if mv.kind == "rise" and mv.pause_after_s >= TOP_TURN_MIN_PAUSE_S:
            glance(pause_at_s + 0.1, side * rng.uniform(30.0, 60.0), 0.2)
        if mv.kind == "lower" and (mv.rep or 0) % 2 == 0:
            hold_s = max(mv.pause_after_s - 2 * TURN_S, 0.0)
            glance(pause_at_s - 0.1, side * rng.uniform(30.0, 45.0), hold_s)
    return turn


def head_state(
    trunk_rot: np.ndarray,
    trunk_omega: np.ndarray,
    hip_m: np.ndarray,
    neck: Channel,
    turn: Channel,
    t: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rotation matrices, world angular rate (rad/s) and world position of the head sensor at times t.

    Parameters
    ----------
    trunk_rot, trunk_omega : ndarray
        The trunk's rotation (N, 3, 3: segment -> world) and world angular rate (N, 3).
    hip_m : ndarray, shape (N, 3)
        The hip joint's position.
    neck, turn : Channel
        Neck flexion and the head's turn, degrees.
    t : ndarray, shape (N,)
    """
    flex, dflex, _ = neck.evaluate(t)
    yaw, dyaw, _ = turn.evaluate(t)
    flex, dflex, yaw, dyaw = np.radians(flex), np.radians(dflex), np.radians(yaw), np.radians(dyaw)
    bent = trunk_rot @ rot_y(flex)
    rot = bent @ rot_z(yaw)
    _, ey, ez = np.eye(3)
    omega = trunk_omega + dflex[:, None] * (trunk_rot @ ey) + dyaw[:, None] * (bent @ ez)
    pos = hip_m + trunk_rot @ NECK_BASE_M + rot @ HEAD_LEVER_M
    return rot, omega, pos
