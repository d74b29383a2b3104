"""Speed loss over a set: the standard fatigue measure of velocity-based training.

Each rep's mean rising speed is compared with the fastest of the set's first ``SPEED_REFERENCE_REPS``
reps, in percent; a rep that lost more than ``Targets.speed_loss_max_pct`` gets a cue. The set summary
(``coaching.summary``) adds when the set should have ended, where other signs of fatigue agree.
"""

from __future__ import annotations

from imuhinge.coaching.cues import Cue, CueCode
from imuhinge.model import Rep, Targets

SPEED_REFERENCE_REPS = 3


def speed_reference(reps: list[Rep]) -> Rep | None:
    """The fastest of the first reps (by mean rising speed), None when none of them has a speed."""
    first = [r for r in reps[:SPEED_REFERENCE_REPS] if r.concentric_mean_speed_dps is not None]
    return max(first, key=lambda r: r.concentric_mean_speed_dps or 0.0) if first else None


def judge_speed(reps: list[Rep], targets: Targets) -> dict[int, Cue]:
    """Fill each rep's ``speed_loss_pct`` and give the speed-loss cues.

    Parameters
    ----------
    reps : list of Rep
        The set's reps so far, in order.
    targets : Targets
        ``speed_loss_max_pct``.

    Returns
    -------
    dict of int to Cue
        The cue of each rep (by index) whose loss passed the threshold.
    """
    reference = speed_reference(reps)
    cues = {}
    for rep in reps:
        rep.speed_loss_pct = None
        if reference is None or rep.concentric_mean_speed_dps is None:
            continue
        best = reference.concentric_mean_speed_dps
        assert best is not None
        rep.speed_loss_pct = 100.0 * (1.0 - rep.concentric_mean_speed_dps / best)
        loss, limit = rep.speed_loss_pct, targets.speed_loss_max_pct
        if loss > limit:
            cues[rep.index] = Cue(CueCode.SPEED_LOSS, loss, limit, reference_rep=reference.index)
    return cues
