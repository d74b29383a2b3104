"""The set summary: rep count, tempo adherence per phase, depth, time under tension, drift, set cues."""

from __future__ import annotations

from typing import Any

import numpy as np

from imuhinge.body.hips import classify_pattern
from imuhinge.coaching.verdicts import phase_target
from imuhinge.model import Exercise, Rep, Targets, Tempo

DRIFT_REPS = 3


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


def _change(first: list[float | None], last: list[float | None]) -> float | None:
    """Mean of the last values minus mean of the first, over the measured ones."""
    a = [v for v in first if v is not None]
    b = [v for v in last if v is not None]
    return float(np.mean(b) - np.mean(a)) if a and b else None


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
    depths = [r.peak_trunk_flexion_deg for r in reps if r.peak_trunk_flexion_deg is not None]
    summary["depth_deg"] = _stats(depths)
    summary["time_under_tension_s"] = round(sum(r.end_s - r.start_s for r in reps), 2)
    spine = [r.spine_ok for r in reps if r.spine_ok is not None]
    summary["spine_ok_fraction"] = round(sum(spine) / len(spine), 3) if spine else None
    patterns = [r.hip_pattern for r in reps]
    summary["pattern"] = classify_pattern(patterns)
    if summary["pattern"] == "squat":
        cues.append(
            f"squatting the hinge: {patterns.count('squat')} of {len(reps)} reps were knee-dominant "
            "(hips dropped instead of travelling back)"
        )
    if len(reps) >= 2 * DRIFT_REPS:
        first, last = reps[:DRIFT_REPS], reps[-DRIFT_REPS:]
        ecc = _change([r.eccentric_s for r in first], [r.eccentric_s for r in last])
        depth = _change([r.peak_trunk_flexion_deg for r in first], [r.peak_trunk_flexion_deg for r in last])
        summary["drift"] = {
            "eccentric_s": None if ecc is None else round(ecc, 3),
            "depth_deg": None if depth is None else round(depth, 3),
        }
        if tempo.eccentric_s is not None and ecc is not None and ecc < -targets.tempo_tolerance_s:
            cues.append(f"the descent sped up over the set: last reps {abs(ecc):.1f} s faster than the first")
        if depth is not None and depth < -targets.depth_consistency_deg / 2:
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
