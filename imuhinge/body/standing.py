"""Which posture is standing: the reference that flexion is measured from.

Every still period is a candidate: before the set, in the pauses between reps, after it. Still
periods deep in the range of motion (a hold at depth, a long bottom pause, leaning on something) are
not standing. Of the rest, those within a few degrees of one another form a posture, and the posture
held still the longest is standing: a lean-back at lockout held for a moment, or a slouch before the
set, loses to the standing the lifter returns to between reps. Without any suitable still period the
reps' top positions serve: the slow samples near the top of the range, their median posture.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from imuhinge.model import G_MPS2
from imuhinge.signal.orientation import sensor_axis_in_earth

LEANING_FRACTION = 0.3
MAX_MOVE_S = 15.0
POSTURE_DEG = 3.0
TOP_SPEED_DPS = 5.0
VISIT_GAP_S = 0.5


@dataclass(frozen=True)
class StandingChoice:
    """The still periods chosen as standing (indices into the candidates), or none (use the tops)."""

    periods: list[int]
    reason: str


def choose_standing(
    period_flexion_deg: np.ndarray, period_length_s: np.ndarray, low_deg: float, high_deg: float
) -> StandingChoice:
    """Pick the still periods that are standing.

    Parameters
    ----------
    period_flexion_deg : ndarray, shape (K,)
        Flexion of each still period against any fixed reference (hinging positive).
    period_length_s : ndarray, shape (K,)
        How long each lasted.
    low_deg, high_deg : float
        The range the flexion covers (robust percentiles of the whole stream).

    Returns
    -------
    StandingChoice
        ``periods`` empty when no still period is standing.
    """
    if not len(period_flexion_deg):
        return StandingChoice([], "no still period")
    rom = max(high_deg - low_deg, 0.0)
    top = np.flatnonzero(period_flexion_deg <= low_deg + LEANING_FRACTION * rom)
    if not len(top):
        return StandingChoice([], "every still period is deep in the movement (leaning, not standing)")
    return StandingChoice(longest_posture(period_flexion_deg, period_length_s, top), "")


def longest_posture(
    period_flexion_deg: np.ndarray, period_length_s: np.ndarray, candidates: np.ndarray
) -> list[int]:
    """Of some still periods (indices ``candidates``, at least one), those of the posture held longest.

    Periods within ``POSTURE_DEG`` of one another, in order of flexion, form a posture.
    """
    order = candidates[np.argsort(period_flexion_deg[candidates])]
    groups: list[list[int]] = [[int(order[0])]]
    for i in order[1:]:
        if period_flexion_deg[i] - period_flexion_deg[groups[-1][-1]] <= POSTURE_DEG:
            groups[-1].append(int(i))
        else:
            groups.append([int(i)])
    best = max(groups, key=lambda g: float(np.sum(period_length_s[g])))
    return sorted(best)


def choose_lockout(period_flexion_deg: np.ndarray, lockout_deg: float | None) -> StandingChoice:
    """Pick the still periods held at the set's lockout (a hip thrust, where nobody stands).

    The lockout is the posture the reps' tops share (``top_samples``): a rep arched past it or one
    that stopped short is a different posture, even when it was held longer.

    Parameters
    ----------
    period_flexion_deg : ndarray, shape (K,)
        Flexion of each still period against any fixed reference (the bottom positive).
    lockout_deg : float or None
        The reps' shared top posture on the same reference; None when the reps have no slow top.

    Returns
    -------
    StandingChoice
        The still periods within ``POSTURE_DEG`` of it; none when no still period is.
    """
    if lockout_deg is None:
        return StandingChoice([], "the reps have no slow top")
    near = np.flatnonzero(np.abs(np.asarray(period_flexion_deg) - lockout_deg) <= POSTURE_DEG)
    return StandingChoice(near.tolist(), "" if len(near) else "no still period at the reps' lockout")


def top_samples(
    time_s: np.ndarray, flexion_deg: np.ndarray, speed_dps: np.ndarray, low_deg: float, high_deg: float
) -> np.ndarray:
    """Samples at the reps' tops: slow, in the least-flexed part of the range, and in the posture
    most of the tops share (the ``POSTURE_DEG`` window most visits to the top reach; a visit is a run
    of such samples, counted once however long it was held): a lean-back at a few lockouts, or a few
    reps that stop short of the top, do not shift it, even when held longer."""
    rom = max(high_deg - low_deg, 0.0)
    top = (np.abs(speed_dps) < TOP_SPEED_DPS) & (flexion_deg <= low_deg + LEANING_FRACTION * rom)
    at = np.flatnonzero(top)
    if not len(at):
        return top
    # A moment's wobble above the speed limit does not split a visit in two.
    visit = np.concatenate([[0], np.cumsum(np.diff(time_s[at]) > VISIT_GAP_S)])
    order = np.argsort(flexion_deg[at])
    values = flexion_deg[at][order]
    weight = np.concatenate([[0.0], np.cumsum((1.0 / np.bincount(visit)[visit])[order])])
    reach = np.searchsorted(values, values + POSTURE_DEG, side="right")
    start = float(values[int(np.argmax(weight[reach] - weight[: len(values)]))])
    return top & (flexion_deg >= start) & (flexion_deg <= start + POSTURE_DEG)


def height_change_m(
    quat: np.ndarray, acc_mps2: np.ndarray, time_s: np.ndarray, start: int, stop: int
) -> float | None:
    """How far the sensor rose from sample ``start`` to sample ``stop``, both at rest.

    The specific force turned into the earth frame, less gravity, is integrated twice with the
    velocity brought to zero at both ends (a linear de-drift, which also cancels a constant error of
    the acceleration). None when the orientation is unknown in between.
    """
    q = quat[start : stop + 1]
    if stop - start < 2 or not np.isfinite(q).all():
        return None
    vertical = sensor_axis_in_earth(q, acc_mps2[start : stop + 1])[:, 2] - G_MPS2
    t = time_s[start : stop + 1]
    dt = np.diff(t)
    velocity = np.concatenate([[0.0], np.cumsum(0.5 * (vertical[1:] + vertical[:-1]) * dt)])
    velocity -= velocity[-1] * (t - t[0]) / (t[-1] - t[0])
    return float(np.sum(0.5 * (velocity[1:] + velocity[:-1]) * dt))


def flexion_lowers(
    period_flexion_deg: np.ndarray,
    periods: list[tuple[int, int]],
    quat: np.ndarray,
    acc_mps2: np.ndarray,
    time_s: np.ndarray,
    apart_deg: float,
) -> bool | None:
    """Whether more flexion lowers the sensor, from the moves between consecutive still periods
    that lie ``apart_deg`` or more apart (an upper-back sensor sinks as the trunk tips either way from
    upright, and a hinge tips it far more than any lean back). None without such a move.
    """
    score = 0.0
    for i in range(len(periods) - 1):
        change_deg = period_flexion_deg[i + 1] - period_flexion_deg[i]
        start, stop = periods[i][1] - 1, periods[i + 1][0]
        if abs(change_deg) < apart_deg or time_s[stop] - time_s[start] > MAX_MOVE_S:
            continue
        rise = height_change_m(quat, acc_mps2, time_s, start, stop)
        if rise is not None:
            score += change_deg * rise
    return None if score == 0.0 else score < 0
