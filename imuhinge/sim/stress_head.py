"""The stress generator's head: drawn apart from the rest of the body, so that sets without a head
sensor come out exactly as they did before there was one.

The head sits on the trunk at the base of the neck (drawn 45-62 cm up the spine from the lumbar
joint), its sensor on the back of the head on a drawn lever, mounted any way round. It flexes at the
neck (a drop or a crane reached at the bottom of some reps, small nods in the others), turns on its
own (looking around in the pauses at the top and now and then at the bottom) and rolls a little. In a
floor-start rep the excursion is made on the way down to the floor and undone while resting there. The
truth of the neck angle comes from the two segments' rotations: the head's long axis seen in the
trunk's frame, its angle in the trunk's sagittal plane, from standing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import numpy as np

from imuhinge.sim.stress import RepPlan, Track, rot_x, rot_y, rot_z

SEED_TAG = 15
DROP_DEG = (15.0, 25.0)
SMALL_DEG = 5.0
NOD_SD_DEG = 1.5


def head_rng(seed: int) -> np.random.Generator:
    """The head's own random generator for a stress set's seed."""
    return np.random.default_rng([seed, SEED_TAG])


@dataclass
class HeadGeometry:
    """Where the neck and the head sensor sit (metres) and how the head is held standing (deg)."""

    neck_base_m: np.ndarray  # from the lumbar joint, trunk frame
    sensor_m: np.ndarray  # from the neck's base, head frame
    stand_deg: float  # the head's forward tilt on the trunk when standing (deg)

    @classmethod
    def draw(cls, rng: np.random.Generator, trunk_stand_deg: float) -> HeadGeometry:
        """A head held with the gaze about level when standing: its axis within 10 deg of upright,
        however far the upper back leans."""
        return cls(
            neck_base_m=np.array([rng.uniform(-0.06, 0.0), 0.0, rng.uniform(0.45, 0.62)]),
            sensor_m=np.array([-rng.uniform(0.06, 0.12), rng.uniform(-0.03, 0.03), rng.uniform(0.06, 0.16)]),
            stand_deg=float(rng.uniform(-10.0, 10.0) - trunk_stand_deg),
        )


@dataclass
class HeadMotion:
    """The head's channels on the fine grid (deg) and what was drawn per rep."""

    neck: Track
    turn: Track
    roll: Track
    excursions_deg: list[float]


def _excursion_deg(rng: np.random.Generator) -> float:
    """A rep's neck excursion at the bottom: a drop, a crane, or a small one."""
    draw = rng.random()
    if draw < 0.3:
        return float(rng.uniform(*DROP_DEG))
    if draw < 0.5:
        return -float(rng.uniform(*DROP_DEG))
    return float(rng.uniform(-SMALL_DEG, SMALL_DEG))


def head_script(
    t: np.ndarray, reps: Sequence[RepPlan], floor_start: bool, quiet_s: float, rng: np.random.Generator
) -> HeadMotion:
    """What the head does over a set of planned reps.

    Parameters
    ----------
    t : ndarray
        The fine grid.
    reps : sequence of RepPlan
        The set's reps (``stress.Script.reps``).
    floor_start : bool
        Floor-start reps rise first: the head's excursion is made on the way down to the floor and
        undone while resting there.
    quiet_s : float
        How long the lifter stands before the first rep.
    rng : numpy.random.Generator
        The head's own generator (``head_rng``).
    """
    neck, turn, roll = Track(t), Track(t), Track(t)
    excursions = []
    for plan in reps:
        amount = _excursion_deg(rng) + NOD_SD_DEG * rng.standard_normal()
        excursions.append(amount)
        if floor_start:
            # Down to the floor, and back while resting there, before the next pull.
            out_s, out_for_s = plan.start_s + plan.up_s + plan.top_s, plan.down_s
            back_s, back_for_s = out_s + plan.down_s + 0.1, min(0.5, 0.8 * plan.bottom_s)
        else:
            out_s, out_for_s = plan.start_s, plan.down_s
            back_s, back_for_s = plan.start_s + plan.down_s + plan.bottom_s, plan.up_s
        lead = rng.uniform(0.0, 0.3) * out_for_s
        neck.move(out_s + lead, rng.uniform(0.5, 1.0) * (out_for_s - lead), amount, rng.uniform(0.8, 1.25))
        neck.move(back_s, rng.uniform(0.5, 1.0) * back_for_s, -amount, rng.uniform(0.8, 1.25))
        if not floor_start and plan.bottom_s >= 0.6 and rng.random() < 0.4:
            glance = (1.0 if rng.random() < 0.5 else -1.0) * rng.uniform(20.0, 45.0)
            turn_s = min(0.35, plan.bottom_s / 3)
            turn.move(back_s - plan.bottom_s + 0.05, turn_s, glance)
            turn.move(back_s - turn_s - 0.05, turn_s, -glance)
    for plan, nxt_plan in pairwise(reps):
        end_s = plan.start_s + plan.down_s + plan.bottom_s + plan.up_s + plan.top_s
        if nxt_plan.start_s - end_s >= 1.6 and rng.random() < 0.6:
            look = (1.0 if rng.random() < 0.5 else -1.0) * rng.uniform(20.0, 60.0)
            out_s = rng.uniform(0.35, 0.5)
            turn.move(end_s + 0.2, out_s, look)
            turn.move(end_s + 0.2 + out_s + rng.uniform(0.0, 0.4), out_s, -look)
    if quiet_s >= 3.0 and rng.random() < 0.5:
        down = rng.uniform(10.0, 25.0)
        neck.move(0.6, 0.4, down)
        neck.move(0.6 + 0.4 + rng.uniform(0.8, 1.2), 0.4, -down)
    roll.sway(rng.uniform(0.0, 3.0), rng.uniform(0.1, 0.4), rng)
    return HeadMotion(neck, turn, roll, excursions)


def head_rotations(trunk_rot: np.ndarray, motion: HeadMotion, geo: HeadGeometry) -> np.ndarray:
    """Head rotation matrices (head -> earth): the trunk's, then the neck's flexion about the trunk's
    left-right axis, the turn about the head's own axis and its roll."""
    flex = np.radians(geo.stand_deg + motion.neck.value)
    return (
        trunk_rot @ rot_y(flex) @ rot_z(np.radians(motion.turn.value)) @ rot_x(np.radians(motion.roll.value))
    )


def neck_truth_deg(trunk_rot: np.ndarray, head_rot: np.ndarray, geo: HeadGeometry) -> np.ndarray:
    """The neck angle from the rotations: the head's long axis in the trunk's frame, its angle in the
    trunk's sagittal plane (positive forward), less the standing head's."""
    axis = np.einsum("nji,nj->ni", trunk_rot, head_rot[:, :, 2])  # head z in trunk coordinates
    return np.degrees(np.arctan2(axis[:, 0], axis[:, 2])) - geo.stand_deg


def head_case(geo: HeadGeometry, motion: HeadMotion) -> dict[str, Any]:
    """What was drawn for the head, for the stress set's ``case``."""
    return {
        "head_lever_m": geo.sensor_m.round(3).tolist(),
        "head_stand_deg": round(geo.stand_deg, 1),
        "neck_excursions_deg": [round(e, 1) for e in motion.excursions_deg],
    }
