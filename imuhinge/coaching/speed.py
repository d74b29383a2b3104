"""Speed loss over a set: the standard fatigue measure of velocity-based training.

Each rep's mean rising speed is compared with the fastest of the set's first ``SPEED_REFERENCE_REPS``
reps, in percent; a later rep that lost more than ``Targets.speed_loss_max_pct`` gets a cue. Only
reps that covered the set's usual range of motion are compared (``usual_range``). The set summary
(``coaching.summary``) adds when the set should have ended, where other signs of fatigue agree.
"""

from __future__ import annotations

from statistics import median

from imuhinge.coaching.cues import Cue, CueCode
from imuhinge.model import Rep, Targets

DEPTH_REFERENCE_REPS = 3  # reps with a depth before a rep's depth is judged against the set's median

SPEED_REFERENCE_REPS = 3


def depth_median_deg(reps: list[Rep]) -> float | None:
    """The set's median depth (peak trunk flexion), None until ``DEPTH_REFERENCE_REPS`` reps have one:
    what a rep's depth is judged against."""
    depths = [r.peak_trunk_flexion_deg for r in reps if r.peak_trunk_flexion_deg is not None]
    return median(depths) if len(depths) >= DEPTH_REFERENCE_REPS else None


def usual_range(reps: list[Rep], targets: Targets) -> list[bool]:
    """For each rep, True when it covered the set's usual range of motion, so that its speed compares
    with the others': not stopped short of the lockout nor carried past it (arching, leaning back),
    and (once there are enough reps to tell) not much shallower or deeper than the set's median.

    Speed is angle over time: a rep that covers more angle in the same time is faster, one that
    covers less is slower, and neither says anything about fatigue.
    """
    middle = depth_median_deg(reps)
    out = []
    for rep in reps:
        beyond = (
            (rep.lockout_short_deg, targets.lockout_short_max_deg),
            (rep.lockout_lumbar_extension_deg, targets.lumbar_extension_max_deg),
            (rep.lockout_extension_deg, targets.lockout_lean_back_max_deg),
        )
        depth = rep.peak_trunk_flexion_deg
        off_depth = (
            middle is not None and depth is not None and abs(depth - middle) > targets.depth_consistency_deg
        )
        out.append(not off_depth and not any(v is not None and v > limit for v, limit in beyond))
    return out


def speed_reference(reps: list[Rep], targets: Targets) -> Rep | None:
    """The fastest of the first reps (by mean rising speed) that covered the set's usual range, None
    when none of them did or has a speed."""
    return _reference(reps, usual_range(reps, targets))


def slowed_reps(reps: list[Rep], targets: Targets) -> list[Rep]:
    """The reps after the reference whose speed loss (``judge_speed`` first) passed the threshold,
    among those that covered the set's usual range."""
    usual = usual_range(reps, targets)
    return _slowed(reps, targets, _reference(reps, usual), usual)


def _reference(reps: list[Rep], usual: list[bool]) -> Rep | None:
    first = [
        r
        for r, ok in zip(reps[:SPEED_REFERENCE_REPS], usual, strict=False)
        if ok and r.concentric_mean_speed_dps is not None
    ]
    return max(first, key=lambda r: r.concentric_mean_speed_dps or 0.0) if first else None


def _slowed(reps: list[Rep], targets: Targets, reference: Rep | None, usual: list[bool]) -> list[Rep]:
    if reference is None:
        return []
    return [
        rep
        for rep, ok in zip(reps, usual, strict=True)
        if ok
        and rep.index > reference.index
        and rep.speed_loss_pct is not None
        and rep.speed_loss_pct > targets.speed_loss_max_pct
    ]


def judge_speed(reps: list[Rep], targets: Targets) -> dict[int, Cue]:
    """Fill each rep's ``speed_loss_pct`` and give the speed-loss cues.

    Every rep's loss is against the reference (``speed_reference``); the cue goes only to reps after
    it that covered the set's usual range (``usual_range``).

    Parameters
    ----------
    reps : list of Rep
        The set's reps so far, in order.
    targets : Targets
        ``speed_loss_max_pct`` and the limits ``usual_range`` reads.

    Returns
    -------
    dict of int to Cue
        The cue of each rep (by index) whose loss passed the threshold.
    """
    usual = usual_range(reps, targets)
    reference = _reference(reps, usual)
    best = None if reference is None else reference.concentric_mean_speed_dps
    for rep in reps:
        rep.speed_loss_pct = None
        if best is not None and rep.concentric_mean_speed_dps is not None:
            rep.speed_loss_pct = 100.0 * (1.0 - rep.concentric_mean_speed_dps / best)
    if reference is None:
        return {}
    limit = targets.speed_loss_max_pct
    return {
        rep.index: Cue(CueCode.SPEED_LOSS, rep.speed_loss_pct or 0.0, limit, reference_rep=reference.index)
        for rep in _slowed(reps, targets, reference, usual)
    }
