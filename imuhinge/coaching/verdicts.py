"""Verdicts and cues: each rep against the tempo and form targets, and the set summary.

Every verdict names the measured value next to its target, in plain words.
"""

from __future__ import annotations

import numpy as np

from imuhinge.model import Exercise, Rep, Targets, Tempo

NO_PAUSE_S = 0.3
PHASE_WORDS = {"eccentric": "lowering", "bottom": "bottom pause", "concentric": "rising", "top": "top pause"}


def phase_target(tempo: Tempo, phase: str) -> float | None:
    """Prescribed seconds of a phase, None when it has no target."""
    return getattr(tempo, f"{phase}_s")


def _phase_verdict(tempo: Tempo, targets: Targets, phase: str, measured: float | None) -> bool | None:
    if measured is None:
        return None
    if phase in tempo.explosive:
        return measured <= targets.explosive_max_s
    target = phase_target(tempo, phase)
    if target is None:
        return None
    return abs(measured - target) <= targets.tempo_tolerance_s


def _tempo_cues(rep: Rep, tempo: Tempo, targets: Targets, exercise: Exercise) -> list[str]:
    cues = []
    tol = targets.tempo_tolerance_s
    ecc_t, bot_t, con_t = tempo.eccentric_s, tempo.bottom_s, tempo.concentric_s
    ecc, con = rep.eccentric_s, rep.concentric_s
    where = "at the floor" if exercise.floor_start else "at the bottom"
    if ecc_t is not None and ecc is not None and ecc < ecc_t - tol:
        cues.append(f"rushed the descent: {ecc:.1f} s down, target {ecc_t:g} s")
    elif ecc_t is not None and ecc is not None and ecc > ecc_t + tol:
        cues.append(f"descent too slow: {ecc:.1f} s down, target {ecc_t:g} s")
    if bot_t is not None and bot_t >= 2 * NO_PAUSE_S and rep.bottom_s is not None:
        if rep.bottom_s < NO_PAUSE_S:
            cues.append(f"no pause {where}: {rep.bottom_s:.1f} s, target {bot_t:g} s")
        elif rep.bottom_s < bot_t - tol:
            cues.append(f"pause {where} too short: {rep.bottom_s:.1f} s, target {bot_t:g} s")
    if bot_t is not None and rep.bottom_s is not None and rep.bottom_s > bot_t + tol:
        cues.append(f"pause {where} too long: {rep.bottom_s:.1f} s, target {bot_t:g} s")
    if con is None:
        pass
    elif "concentric" in tempo.explosive and con > targets.explosive_max_s:
        cues.append(f"not explosive: {con:.1f} s up, target under {targets.explosive_max_s:g} s")
    elif con_t is not None and con < con_t - tol:
        cues.append(f"rushed the way up: {con:.1f} s, target {con_t:g} s")
    elif con_t is not None and con > con_t + tol:
        cues.append(f"way up too slow: {con:.1f} s, target {con_t:g} s")
    return cues


def judge_reps(reps: list[Rep], exercise: Exercise, tempo: Tempo, targets: Targets) -> None:
    """Fill each rep's phase verdicts, ``tempo_ok``, ``spine_ok`` and cues in place."""
    depths = np.array([r.peak_trunk_flexion_deg for r in reps if r.peak_trunk_flexion_deg is not None])
    median_depth = float(np.median(depths)) if len(depths) else 0.0
    for rep in reps:
        cues: list[str] = []
        if not exercise.ballistic:
            for phase in Tempo.PHASES:
                rep.phase_ok[phase] = _phase_verdict(tempo, targets, phase, getattr(rep, f"{phase}_s"))
            judged = [v for v in rep.phase_ok.values() if v is not None]
            rep.tempo_ok = all(judged) if judged else None
            cues += _tempo_cues(rep, tempo, targets, exercise)
        depth = rep.peak_trunk_flexion_deg
        if len(depths) >= 3 and depth is not None and depth < median_depth - targets.depth_consistency_deg:
            cues.append(f"shallow rep: {depth:.0f}° against the set's {median_depth:.0f}°")
        elif len(depths) >= 3 and depth is not None and depth > median_depth + targets.depth_consistency_deg:
            cues.append(f"deeper than the rest: {depth:.0f}° against the set's {median_depth:.0f}°")
        lean = rep.lockout_extension_deg
        if lean is not None and lean > targets.lockout_lean_back_max_deg:
            cues.append(
                f"leaning back at lockout: {lean:.0f}° past standing "
                f"(limit {targets.lockout_lean_back_max_deg:g}°)"
            )
        if rep.peak_lumbar_flexion_deg is not None:
            rounded = rep.peak_lumbar_flexion_deg > targets.lumbar_flexion_max_deg
            overextended = (rep.lockout_lumbar_extension_deg or 0.0) > targets.lumbar_extension_max_deg
            rep.spine_ok = not (rounded or overextended)
            if rounded:
                cues.append(
                    f"rounded lower back: lumbar flexion {rep.peak_lumbar_flexion_deg:.0f}° "
                    f"(limit {targets.lumbar_flexion_max_deg:g}°) during the "
                    f"{PHASE_WORDS.get(rep.lumbar_peak_phase or '', 'rep')}"
                )
            if overextended:
                cues.append(
                    f"overextended lockout: lower back {rep.lockout_lumbar_extension_deg:.0f}° "
                    f"past neutral (limit {targets.lumbar_extension_max_deg:g}°)"
                )
        if rep.hip_pattern == "squat":
            least_cm = 100 * (rep.hip_drop_low_m or 0.0)
            cues.append(
                f"knee-dominant (squatting) pattern: hips dropped at least {least_cm:.0f} cm; "
                "push the hips back, not down"
            )
        rep.cues = cues


def rep_flagged(rep: Rep) -> bool:
    """True when a rep has any cue, missed the tempo or failed the spine check."""
    return bool(rep.cues) or rep.tempo_ok is False or rep.spine_ok is False
