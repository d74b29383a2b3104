"""Speed loss over a set: the standard fatigue measure of velocity-based training.

Each rep's mean rising speed is compared with the fastest of the set's first ``SPEED_REFERENCE_REPS``
reps, in percent; a later rep that lost more than ``Targets.speed_loss_max_pct`` gets a cue. Only
reps that covered the set's usual range of motion are compared (``comparable``). The set summary
(``coaching.summary``) adds when the set should have ended, where other signs of fatigue agree.
"""

from __future__ import annotations

from statistics import median

from imuhinge.coaching.cues import Cue, CueCode
from imuhinge.model import DEPTH_REFERENCE_REPS, Rep, Targets

SPEED_REFERENCE_REPS = 3


def comparable(rep: Rep, reps: list[Rep], targets: Targets) -> bool:
    """True when a rep covered the set's usual range of motion, so that its speed compares with the
    others': not stopped short of the lockout nor carried past it (arching, leaning back), and (once
    there are enough reps to tell) not much shallower or deeper than the set's median.

    Speed is angle over time: a rep that covers more angle in the same time is faster, one that
    covers less is slower, and neither says anything about fatigue.
    """
    beyond = (
        (rep.lockout_short_deg, targets.lockout_short_max_deg),
        (rep.lockout_lumbar_extension_deg, targets.lumbar_extension_max_deg),
        (rep.lockout_extension_deg, targets.lockout_lean_back_max_deg),
    )
    if any(value is not None and value > limit for value, limit in beyond):
        return False
    depths = [r.peak_trunk_flexion_deg for r in reps if r.peak_trunk_flexion_deg is not None]
    if rep.peak_trunk_flexion_deg is None or len(depths) < DEPTH_REFERENCE_REPS:
        return True
    return abs(rep.peak_trunk_flexion_deg - median(depths)) <= targets.depth_consistency_deg


def speed_reference(reps: list[Rep], targets: Targets) -> Rep | None:
    """The fastest of the first reps (by mean rising speed) that covered the set's usual range, None
    when none of them did or has a speed."""
    first = [
        r
        for r in reps[:SPEED_REFERENCE_REPS]
        if r.concentric_mean_speed_dps is not None and comparable(r, reps, targets)
    ]
    return max(first, key=lambda r: r.concentric_mean_speed_dps or 0.0) if first else None


def slowed_reps(reps: list[Rep], targets: Targets) -> list[Rep]:
    """The reps after the reference whose speed loss (``judge_speed`` first) passed the threshold,
    among those that covered the set's usual range."""
    reference = speed_reference(reps, targets)
    if reference is None:
        return []
    return [
        rep
        for rep in reps
        if rep.index > reference.index
        and rep.speed_loss_pct is not None
        and rep.speed_loss_pct > targets.speed_loss_max_pct
        and comparable(rep, reps, targets)
    ]


def judge_speed(reps: list[Rep], targets: Targets) -> dict[int, Cue]:
    """Fill each rep's ``speed_loss_pct`` and give the speed-loss cues.

    Every rep's loss is against the reference (``speed_reference``); the cue goes only to reps after
    it that covered the set's usual range (``comparable``).

    Parameters
    ----------
    reps : list of Rep
        The set's reps so far, in order.
    targets : Targets
        ``speed_loss_max_pct`` and the limits ``comparable`` reads.

    Returns
    -------
    dict of int to Cue
        The cue of each rep (by index) whose loss passed the threshold.
    """
    reference = speed_reference(reps, targets)
    for rep in reps:
        rep.speed_loss_pct = None
        best = None if reference is None else reference.concentric_mean_speed_dps
        if best is not None and rep.concentric_mean_speed_dps is not None:
            rep.speed_loss_pct = 100.0 * (1.0 - rep.concentric_mean_speed_dps / best)
    limit = targets.speed_loss_max_pct
    return {
        rep.index: Cue(CueCode.SPEED_LOSS, rep.speed_loss_pct or 0.0, limit, reference_rep=reference.index)
        for rep in slowed_reps(reps, targets)
        if reference is not None
    }
