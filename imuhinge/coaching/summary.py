"""The set summary: rep count, tempo adherence per phase, depth, time under tension, drift, set cues."""

from __future__ import annotations

import numpy as np

from imuhinge.body.hips import classify_pattern
from imuhinge.coaching.cues import Cue, CueCode
from imuhinge.coaching.set_summary import Drift, PhaseSummary, SetSummary, SpeedSummary, Stats, StopAdvice
from imuhinge.coaching.speed import SPEED_REFERENCE_REPS, slowed_reps, speed_reference
from imuhinge.model import Exercise, Phase, Rep, Targets, Tempo

DRIFT_REPS = 3  # first and last reps compared for drift; a set needs twice as many
DEPTH_SPREAD_REPS = 3  # reps needed before the set's depth spread is judged


def _stats(values: list[float]) -> Stats:
    if not values:
        return Stats()
    a = np.asarray(values, dtype=float)
    mean, sd, least, most = (round(float(v), 3) for v in (a.mean(), a.std(), a.min(), a.max()))
    return Stats(mean, sd, least, most)


def speed_summary(reps: list[Rep], targets: Targets) -> SpeedSummary | None:
    """The set's rising speed and its loss (``judge_speed`` first); None without a measured speed."""
    speeds = [r.concentric_mean_speed_dps for r in reps if r.concentric_mean_speed_dps is not None]
    reference = speed_reference(reps, targets)
    if not speeds or reference is None:
        return None
    losses = [(r.index, r.speed_loss_pct) for r in reps if r.speed_loss_pct is not None]
    passed = [r.index for r in slowed_reps(reps, targets)]
    return SpeedSummary(
        mean_dps=_stats(speeds),
        reference_rep=reference.index,
        reference_dps=_rounded(reference.concentric_mean_speed_dps),
        last_loss_pct=round(losses[-1][1], 3),
        max_loss_pct=round(max(loss for _, loss in losses), 3),
        threshold_pct=targets.speed_loss_max_pct,
        passed_at_rep=passed[0] if passed else None,
    )


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _fraction(verdicts: list[bool | None]) -> float | None:
    """Share of True among the verdicts given (None when none was)."""
    given = [v for v in verdicts if v is not None]
    return round(sum(given) / len(given), 3) if given else None


def _change(first: list[float | None], last: list[float | None]) -> float | None:
    """Mean of the last values minus mean of the first, over the measured ones."""
    a = [v for v in first if v is not None]
    b = [v for v in last if v is not None]
    return float(np.mean(b) - np.mean(a)) if a and b else None


def stop_advice(reps: list[Rep], exercise: Exercise, tempo: Tempo, targets: Targets) -> StopAdvice | None:
    """When the set should have ended, if the signs agree (``judge_speed`` first).

    The reps from the first one past the speed-loss threshold on (after the first reps) are the late
    reps. A second sign must show in them against the first reps: a descent faster by more than the
    tempo tolerance (when the lowering has a target), or a lower back that moved more by more than
    half its limit (flexion in a hinge, extension at the top of a hip thrust; two sensors).

    Parameters
    ----------
    reps : list of Rep
    exercise : Exercise
    tempo : Tempo
    targets : Targets

    Returns
    -------
    StopAdvice or None
    """
    reference = speed_reference(reps, targets)
    slowed = {r.index for r in slowed_reps(reps, targets)}
    slow = [k for k, r in enumerate(reps) if k >= SPEED_REFERENCE_REPS and r.index in slowed]
    if reference is None or not slow:
        return None
    first, late = reps[:SPEED_REFERENCE_REPS], reps[slow[0] :]
    descent = None
    if tempo.eccentric_s is not None:
        descent = _change([r.eccentric_s for r in first], [r.eccentric_s for r in late])
    if exercise.lockout_reference:
        lumbar = _change(
            [r.lockout_lumbar_extension_deg for r in first], [r.lockout_lumbar_extension_deg for r in late]
        )
        lumbar_limit = targets.lumbar_extension_max_deg
    else:
        lumbar = _change(
            [r.peak_lumbar_flexion_deg for r in first], [r.peak_lumbar_flexion_deg for r in late]
        )
        lumbar_limit = targets.lumbar_flexion_max_deg
    descent_sign = descent is not None and descent < -targets.tempo_tolerance_s
    lumbar_sign = lumbar is not None and lumbar > lumbar_limit / 2
    if not (descent_sign or lumbar_sign):
        return None
    return StopAdvice(
        after_rep=reps[slow[0] - 1].index,
        reference_rep=reference.index,
        speed_loss_pct=round(max(r.speed_loss_pct or 0.0 for r in late), 3),
        descent_change_s=_rounded(descent) if descent_sign else None,
        lumbar_change_deg=_rounded(lumbar) if lumbar_sign else None,
    )


def _phase_summary(reps: list[Rep], tempo: Tempo, phase: Phase) -> PhaseSummary:
    stats = _stats([d for r in reps if (d := r.phase_s(phase)) is not None])
    return PhaseSummary(
        stats.mean,
        stats.sd,
        stats.min,
        stats.max,
        tempo.phase_s(phase),
        _fraction([r.phase_ok.get(phase) for r in reps]),
    )


def _drift(reps: list[Rep], tempo: Tempo, targets: Targets) -> tuple[Drift | None, list[Cue]]:
    """The last reps against the first: a descent that sped up, a depth that dropped."""
    if len(reps) < 2 * DRIFT_REPS:
        return None, []
    first, last = reps[:DRIFT_REPS], reps[-DRIFT_REPS:]
    ecc = _change([r.eccentric_s for r in first], [r.eccentric_s for r in last])
    depth = _change([r.peak_trunk_flexion_deg for r in first], [r.peak_trunk_flexion_deg for r in last])
    cues = []
    if tempo.eccentric_s is not None and ecc is not None and ecc < -targets.tempo_tolerance_s:
        cues.append(Cue(CueCode.DESCENT_SPED_UP, ecc, -targets.tempo_tolerance_s, Phase.ECCENTRIC))
    if depth is not None and depth < -targets.depth_consistency_deg / 2:
        cues.append(Cue(CueCode.DEPTH_DROPPED, depth, -targets.depth_consistency_deg / 2))
    drift = Drift(None if ecc is None else round(ecc, 3), None if depth is None else round(depth, 3))
    return drift, cues


def summarize(
    reps: list[Rep], exercise: Exercise, tempo: Tempo, targets: Targets, partial_count: int
) -> tuple[SetSummary, list[Cue]]:
    """Sum up a judged set (``coaching.verdicts.judge_reps`` first) and give its set-level cues.

    Parameters
    ----------
    reps : list of Rep
        The set's full reps, judged.
    exercise : Exercise
    tempo : Tempo
    targets : Targets
    partial_count : int
        Movements shallower than the minimum depth.

    Returns
    -------
    summary : SetSummary
    cues : list of Cue
        Set-level cues: squatting the hinge, drift over the set, inconsistent depth.
    """
    cues: list[Cue] = []
    patterns = [r.hip_pattern for r in reps]
    pattern = classify_pattern(patterns)
    if pattern == "squat":
        cues.append(Cue(CueCode.SQUATTING_SET, patterns.count("squat"), len(reps)))
    drift, drift_cues = _drift(reps, tempo, targets)
    cues += drift_cues
    depths = [r.peak_trunk_flexion_deg for r in reps if r.peak_trunk_flexion_deg is not None]
    spread_deg = float(np.std(depths)) if depths else 0.0
    if len(depths) >= DEPTH_SPREAD_REPS and spread_deg > targets.depth_consistency_deg / 2:
        cues.append(Cue(CueCode.INCONSISTENT_DEPTH, spread_deg, targets.depth_consistency_deg / 2))
    cadence = None
    if exercise.ballistic and len(reps) >= 2:
        cadence = round(60.0 / float(np.mean(np.diff([r.start_s for r in reps]))), 1)
    summary = SetSummary(
        rep_count=len(reps),
        partial_count=partial_count,
        tempo_ok_fraction=_fraction([r.tempo_ok for r in reps]),
        phases={phase.value: _phase_summary(reps, tempo, phase) for phase in Tempo.PHASES},
        depth_deg=_stats(depths),
        time_under_tension_s=round(sum(r.end_s - r.start_s for r in reps), 2),
        spine_ok_fraction=_fraction([r.spine_ok for r in reps]),
        pattern=pattern,
        drift=drift,
        cadence_reps_per_min=cadence,
        hold_s=_stats([r.bottom_s for r in reps if r.bottom_s is not None]) if exercise.hold else None,
        speed=speed_summary(reps, targets),
        stop=stop_advice(reps, exercise, tempo, targets),
    )
    return summary, cues
