"""Verdicts and cues: each rep against the tempo and form targets, and the set summary.

Every verdict names the measured value next to its target, in plain words.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from imuhinge.model import Exercise, Rep, Targets, Tempo
from imuhinge.spine import classify_pattern, rep_pattern

NO_PAUSE_S = 0.3
PHASE_WORDS = {"eccentric": "lowering", "bottom": "bottom pause", "concentric": "rising", "top": "top pause"}
DRIFT_REPS = 3


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
    where = "at the floor" if exercise.floor_start else "at the bottom"
    if ecc_t is not None and rep.eccentric_s < ecc_t - tol:
        cues.append(f"rushed the descent: {rep.eccentric_s:.1f} s down, target {ecc_t:g} s")
    elif ecc_t is not None and rep.eccentric_s > ecc_t + tol:
        cues.append(f"descent too slow: {rep.eccentric_s:.1f} s down, target {ecc_t:g} s")
    if bot_t is not None and bot_t >= 2 * NO_PAUSE_S and rep.bottom_s is not None:
        if rep.bottom_s < NO_PAUSE_S:
            cues.append(f"no pause {where}: {rep.bottom_s:.1f} s, target {bot_t:g} s")
        elif rep.bottom_s < bot_t - tol:
            cues.append(f"pause {where} too short: {rep.bottom_s:.1f} s, target {bot_t:g} s")
    if bot_t is not None and rep.bottom_s is not None and rep.bottom_s > bot_t + tol:
        cues.append(f"pause {where} too long: {rep.bottom_s:.1f} s, target {bot_t:g} s")
    if "concentric" in tempo.explosive and rep.concentric_s > targets.explosive_max_s:
        cues.append(f"not explosive: {rep.concentric_s:.1f} s up, target under {targets.explosive_max_s:g} s")
    elif con_t is not None and rep.concentric_s < con_t - tol:
        cues.append(f"rushed the way up: {rep.concentric_s:.1f} s, target {con_t:g} s")
    elif con_t is not None and rep.concentric_s > con_t + tol:
        cues.append(f"way up too slow: {rep.concentric_s:.1f} s, target {con_t:g} s")
    return cues


def judge_reps(reps: list[Rep], exercise: Exercise, tempo: Tempo, targets: Targets) -> None:
    """Fill each rep's phase verdicts, ``tempo_ok``, ``spine_ok`` and cues in place."""
    depths = np.array([r.peak_trunk_flexion_deg for r in reps])
    median_depth = float(np.median(depths)) if len(depths) else 0.0
    for rep in reps:
        cues: list[str] = []
        if not exercise.ballistic:
            for phase in Tempo.PHASES:
                rep.phase_ok[phase] = _phase_verdict(tempo, targets, phase, getattr(rep, f"{phase}_s"))
            judged = [v for v in rep.phase_ok.values() if v is not None]
            rep.tempo_ok = all(judged) if judged else None
            cues += _tempo_cues(rep, tempo, targets, exercise)
        if len(reps) >= 3 and rep.peak_trunk_flexion_deg < median_depth - targets.depth_consistency_deg:
            cues.append(
                f"shallow rep: {rep.peak_trunk_flexion_deg:.0f}° against the set's {median_depth:.0f}°"
            )
        elif len(reps) >= 3 and rep.peak_trunk_flexion_deg > median_depth + targets.depth_consistency_deg:
            cues.append(
                f"deeper than the rest: {rep.peak_trunk_flexion_deg:.0f}° against the set's "
                f"{median_depth:.0f}°"
            )
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
        if rep_pattern(rep.hip_drop_m, rep.hip_back_m) == "squat":
            back = "" if rep.hip_back_m is None else f" and moved back {100 * rep.hip_back_m:.0f} cm"
            cues.append(
                f"knee-dominant (squatting) pattern: hips dropped {100 * (rep.hip_drop_m or 0):.0f} cm"
                f"{back}; push the hips back, not down"
            )
        rep.cues = cues


def _stats(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"mean": None, "sd": None, "min": None, "max": None}
    a = np.asarray(values, dtype=float)
    return {
        "mean": round(float(a.mean()), 3),
        "sd": round(float(a.std()), 3),
        "min": round(float(a.min()), 3),
        "max": round(float(a.max()), 3),
    }


def summarize(
    reps: list[Rep], exercise: Exercise, tempo: Tempo, targets: Targets, partial_count: int
) -> tuple[dict[str, Any], list[str]]:
    """Set summary (rep count, tempo adherence per phase, depth, time under tension, drift) and cues."""
    summary: dict[str, Any] = {"rep_count": len(reps), "partial_count": partial_count}
    cues: list[str] = []
    judged = [r.tempo_ok for r in reps if r.tempo_ok is not None]
    summary["tempo_ok_fraction"] = round(sum(judged) / len(judged), 3) if judged else None
    phases: dict[str, object] = {}
    for phase in Tempo.PHASES:
        vals = [getattr(r, f"{phase}_s") for r in reps if getattr(r, f"{phase}_s") is not None]
        oks = [ok for r in reps if (ok := r.phase_ok.get(phase)) is not None]
        phases[phase] = {
            **_stats(vals),
            "target_s": phase_target(tempo, phase),
            "on_target_fraction": round(sum(oks) / len(oks), 3) if oks else None,
        }
    summary["phases"] = phases
    depths = [r.peak_trunk_flexion_deg for r in reps]
    summary["depth_deg"] = _stats(depths)
    summary["time_under_tension_s"] = round(sum(r.end_s - r.start_s for r in reps), 2)
    spine = [r.spine_ok for r in reps if r.spine_ok is not None]
    summary["spine_ok_fraction"] = round(sum(spine) / len(spine), 3) if spine else None
    patterns = [rep_pattern(r.hip_drop_m, r.hip_back_m) for r in reps]
    summary["pattern"] = classify_pattern(patterns)
    if summary["pattern"] == "squat":
        cues.append(
            f"squatting the hinge: {patterns.count('squat')} of {len(reps)} reps were knee-dominant "
            "(hips dropped instead of travelling back)"
        )
    if len(reps) >= 2 * DRIFT_REPS:
        first, last = reps[:DRIFT_REPS], reps[-DRIFT_REPS:]
        ecc = float(np.mean([r.eccentric_s for r in last]) - np.mean([r.eccentric_s for r in first]))
        depth = float(
            np.mean([r.peak_trunk_flexion_deg for r in last])
            - np.mean([r.peak_trunk_flexion_deg for r in first])
        )
        summary["drift"] = {"eccentric_s": round(ecc, 3), "depth_deg": round(depth, 3)}
        if tempo.eccentric_s is not None and ecc < -targets.tempo_tolerance_s:
            cues.append(f"the descent sped up over the set: last reps {abs(ecc):.1f} s faster than the first")
        if depth < -targets.depth_consistency_deg / 2:
            cues.append(f"depth dropped over the set: last reps {abs(depth):.0f}° shallower")
    else:
        summary["drift"] = None
    if len(depths) >= 3 and float(np.std(depths)) > targets.depth_consistency_deg / 2:
        cues.append(f"inconsistent depth: reps vary by ±{np.std(depths):.0f}°")
    if exercise.ballistic and len(reps) >= 2:
        starts = np.array([r.start_s for r in reps])
        summary["cadence_reps_per_min"] = round(60.0 / float(np.mean(np.diff(starts))), 1)
    if exercise.hold:
        holds = [r.bottom_s for r in reps if r.bottom_s is not None]
        summary["hold_s"] = _stats(holds)
    return summary, cues
