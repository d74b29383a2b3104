"""Verdicts and cues: each rep against the tempo and form targets.

Every cue carries the measured value next to the limit it was judged against (``coaching.cues``), and
every phase that misses its target has a cue saying how. ``imuhinge.report.wording`` words them.
"""

from __future__ import annotations

from collections.abc import Iterable

from imuhinge.coaching.cues import Cue, CueCode, CueKind
from imuhinge.coaching.dowel import neck_cues
from imuhinge.coaching.speed import depth_median_deg, judge_speed
from imuhinge.model import Exercise, Phase, Rep, Targets, Tempo

NO_PAUSE_S = 0.3  # a prescribed pause held for less than this was no pause at all


def judge_phase(rep: Rep, tempo: Tempo, targets: Targets, phase: Phase) -> tuple[bool | None, Cue | None]:
    """One phase of a rep against its target.

    A phase is on target within ``targets.tempo_tolerance_s`` of its prescription; an explosive phase
    when it takes at most ``targets.explosive_max_s``. A pause missed by being under ``NO_PAUSE_S``
    is ``no_pause``.

    Parameters
    ----------
    rep : Rep
    tempo : Tempo
    targets : Targets
    phase : Phase

    Returns
    -------
    verdict : bool or None
        None when the phase was not measured or has no target.
    cue : Cue or None
        Why the phase is off target; None when it is not.
    """
    measured = rep.phase_s(phase)
    if measured is None:
        return None, None
    if phase in tempo.explosive:
        if measured <= targets.explosive_max_s:
            return True, None
        return False, Cue(CueCode.NOT_EXPLOSIVE, measured, targets.explosive_max_s, phase)
    target = tempo.phase_s(phase)
    if target is None:
        return None, None
    if measured > target + targets.tempo_tolerance_s:
        return False, Cue(CueCode.PHASE_TOO_LONG, measured, target, phase)
    if measured < target - targets.tempo_tolerance_s:
        short = CueCode.NO_PAUSE if phase.is_pause and measured < NO_PAUSE_S else CueCode.PHASE_TOO_SHORT
        return False, Cue(short, measured, target, phase)
    return True, None


def judge_hold(rep: Rep, targets: Targets) -> list[Cue]:
    """A hold at depth (the bottom pause of a ``hinge_hold`` rep) against its time range and steadiness.

    The hold is on time within ``targets.tempo_tolerance_s`` of ``hold_min_s`` to ``hold_max_s``;
    steady while the trunk angle's standard deviation over it stays at or below
    ``hold_steady_max_deg``. Sets ``phase_ok`` of the bottom pause and ``tempo_ok`` (the hold's time).

    Parameters
    ----------
    rep : Rep
    targets : Targets

    Returns
    -------
    list of Cue
        Why the hold missed its time, and whether it wavered.
    """
    cues = []
    held_s, verdict = rep.bottom_s, None
    if held_s is not None:
        verdict = targets.hold_min_s - targets.tempo_tolerance_s <= held_s
        if not verdict:
            cues.append(Cue(CueCode.HOLD_TOO_SHORT, held_s, targets.hold_min_s, Phase.BOTTOM))
        elif held_s > targets.hold_max_s + targets.tempo_tolerance_s:
            verdict = False
            cues.append(Cue(CueCode.HOLD_TOO_LONG, held_s, targets.hold_max_s, Phase.BOTTOM))
    rep.phase_ok = {Phase.BOTTOM: verdict}
    rep.tempo_ok = verdict
    wavered = rep.hold_stability_deg
    if wavered is not None and wavered > targets.hold_steady_max_deg:
        cues.append(Cue(CueCode.HOLD_UNSTEADY, wavered, targets.hold_steady_max_deg, Phase.BOTTOM))
    return cues


def _depth_cues(depth_deg: float | None, median_deg: float, targets: Targets) -> list[Cue]:
    """A rep much shallower or deeper than the set's median depth."""
    if depth_deg is not None and depth_deg < median_deg - targets.depth_consistency_deg:
        return [Cue(CueCode.SHALLOW_REP, depth_deg, median_deg)]
    if depth_deg is not None and depth_deg > median_deg + targets.depth_consistency_deg:
        return [Cue(CueCode.DEEP_REP, depth_deg, median_deg)]
    return []


def _form_cues(rep: Rep, exercise: Exercise, targets: Targets) -> list[Cue]:
    """Lean-back or an incomplete lockout, the lower back (two sensors), the neck (with a head sensor)
    and the hips' pattern; sets ``spine_ok`` and ``neck_ok``.

    A set measured from its own lockout (hip thrust) is judged on how far short of it each rep stops,
    and its lower back only on arching at the top (``Rep.lockout_lumbar_extension_deg``, against the
    bottom of the rep): flexion against the lockout is no fault there.
    """
    cues = []
    lean = rep.lockout_extension_deg
    if lean is not None and lean > targets.lockout_lean_back_max_deg:
        cues.append(Cue(CueCode.LEAN_BACK, lean, targets.lockout_lean_back_max_deg))
    short = rep.lockout_short_deg
    if short is not None and short > targets.lockout_short_max_deg:
        cues.append(Cue(CueCode.INCOMPLETE_LOCKOUT, short, targets.lockout_short_max_deg))
    lumbar = rep.peak_lumbar_flexion_deg
    if lumbar is not None:
        extension = rep.lockout_lumbar_extension_deg
        rounded = not exercise.lockout_reference and lumbar > targets.lumbar_flexion_max_deg
        overextended = extension is not None and extension > targets.lumbar_extension_max_deg
        rep.spine_ok = not (rounded or overextended)
        if rounded:
            where = None if rep.lumbar_peak_phase is None else Phase(rep.lumbar_peak_phase)
            cues.append(Cue(CueCode.ROUNDED_BACK, lumbar, targets.lumbar_flexion_max_deg, where))
        if overextended and extension is not None:
            cues.append(Cue(CueCode.OVEREXTENDED, extension, targets.lumbar_extension_max_deg))
    cues += neck_cues(rep, targets)
    if rep.hip_pattern == "squat":
        cues.append(Cue(CueCode.SQUAT_PATTERN, rep.hip_drop_low_m or 0.0))
    return cues


def judge_reps(reps: list[Rep], exercise: Exercise, tempo: Tempo, targets: Targets) -> None:
    """Fill each rep's phase verdicts, ``tempo_ok``, ``spine_ok``, speed loss and cues in place.

    Parameters
    ----------
    reps : list of Rep
    exercise : Exercise
        Ballistic exercises get no tempo verdicts; holds are judged on their time and steadiness.
    tempo : Tempo
    targets : Targets
    """
    median_deg = depth_median_deg(reps)
    speed_cues = judge_speed(reps, targets)
    for rep in reps:
        cues: list[Cue] = []
        if exercise.hold:
            cues += judge_hold(rep, targets)
        elif not exercise.ballistic:
            for phase in Tempo.PHASES:
                rep.phase_ok[phase], cue = judge_phase(rep, tempo, targets, phase)
                if cue is not None:
                    cues.append(cue)
            judged = [v for v in rep.phase_ok.values() if v is not None]
            rep.tempo_ok = all(judged) if judged else None
        if median_deg is not None:
            cues += _depth_cues(rep.peak_trunk_flexion_deg, median_deg, targets)
        rep.cues = cues + _form_cues(rep, exercise, targets)
        if rep.index in speed_cues:
            rep.cues.append(speed_cues[rep.index])


# A rep with none of these held its form (the load advice holds the load while they occur). A speed
# loss is not one (it is how a hard set ends), nor the neck (the dowel's head contact, not the spine).
FORM_KINDS = (CueKind.TEMPO, CueKind.SPINE, CueKind.LEAN_BACK, CueKind.HOLD, CueKind.LOCKOUT)


def held_form(cues: Iterable[Cue]) -> bool:
    """True when a rep's cues show it on tempo (a hold: its time and steadiness), with a neutral spine,
    no lean-back and a full lockout (hip thrust)."""
    return not any(cue.kind in FORM_KINDS for cue in cues)


def rep_flagged(rep: Rep) -> bool:
    """True when a rep has any cue, missed the tempo or failed the spine or neck check."""
    return bool(rep.cues) or rep.tempo_ok is False or rep.spine_ok is False or rep.neck_ok is False
