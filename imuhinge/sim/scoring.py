"""Score a set report against ground truth: reps matched by time, then every number compared.

Used by the benchmarks and the tests on simulated and stress sets; the truth is a list of rep dicts
with ``start_s``/``end_s``, phase durations (``eccentric_s``...), ``peak_trunk_flexion_deg`` and,
where known, ``peak_lumbar_flexion_deg``, ``rounded``, ``hip_drop_m``, the rise's speeds
(``concentric_mean_speed_dps``, ``concentric_peak_speed_dps``), ``peak_neck_flexion_deg`` and
``peak_neck_extension_deg`` and, for a hip thrust, ``lockout_short_deg`` and
``lockout_lumbar_extension_deg`` (arching at the top).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from imuhinge.coaching.cues import CueCode
from imuhinge.model import Rep, SetReport, Tempo

ROUNDED_MIN_DEG = 15.0
NEUTRAL_MAX_DEG = 5.0
# A hip thrust's arching at the top is flagged from this much on, and never up to NEUTRAL_MAX_DEG; a
# lockout short by this much is flagged, and never one short by up to FULL_LOCKOUT_MAX_DEG.
ARCHED_MIN_DEG = 15.0
SHORT_MIN_DEG = 7.0
FULL_LOCKOUT_MAX_DEG = 2.0


@dataclass
class SetScore:
    """How one report compares with its truth."""

    truth_reps: int
    reported_reps: int
    missed: int = 0
    phantom: int = 0
    phase_errors_s: list[float] = field(default_factory=list)
    boundary_errors_s: list[float] = field(default_factory=list)
    invented_phases: int = 0
    unmeasured_phases: int = 0
    peak_errors_deg: list[float] = field(default_factory=list)
    lumbar_errors_deg: list[float] = field(default_factory=list)
    rounded_reps: int = 0
    rounded_flagged: int = 0
    neutral_reps: int = 0
    neutral_flagged: int = 0
    lumbar_unmeasured: int = 0
    speed_errors_pct: list[float] = field(default_factory=list)
    peak_speed_errors_pct: list[float] = field(default_factory=list)
    arched_reps: int = 0
    arched_flagged: int = 0
    flat_reps: int = 0
    flat_flagged: int = 0
    short_reps: int = 0
    short_flagged: int = 0
    full_reps: int = 0
    full_flagged: int = 0
    neck_errors_deg: list[float] = field(default_factory=list)
    neck_unmeasured: int = 0
    neck_off_reps: int = 0  # the head dropped or craned ROUNDED_MIN_DEG or more
    neck_off_flagged: int = 0
    neck_neutral_reps: int = 0  # neither beyond NEUTRAL_MAX_DEG
    neck_neutral_flagged: int = 0
    pattern_counts: dict[str, int] = field(default_factory=dict)
    set_pattern: str | None = None
    details: list[dict[str, Any]] = field(default_factory=list)


def match_reps(truth: list[dict[str, Any]], reps: list[Rep]) -> list[tuple[int, int]]:
    """Pairs (truth index, report index) of reps that overlap by more than half the truth rep."""
    pairs = []
    used: set[int] = set()
    for i, t in enumerate(truth):
        best, best_overlap = None, 0.5 * (t["end_s"] - t["start_s"])
        for j, r in enumerate(reps):
            if j in used:
                continue
            overlap = min(t["end_s"], r.end_s) - max(t["start_s"], r.start_s)
            if overlap > best_overlap:
                best, best_overlap = j, overlap
        if best is not None:
            used.add(best)
            pairs.append((i, best))
    return pairs


def _span(truth: dict[str, Any], movement: str) -> tuple[float, float]:
    """Onset and offset of a true rep's ``lower`` or ``rise``: a pair in stress truth, two keys in
    the simulator's (``lower_onset_s``, ``lower_offset_s``)."""
    if movement in truth:
        onset, offset = truth[movement]
        return onset, offset
    return truth[f"{movement}_onset_s"], truth[f"{movement}_offset_s"]


def _has(rep: Rep, code: CueCode) -> bool:
    return any(c.code is code for c in rep.cues)


def _percent_error(got: float | None, want: float | None) -> float | None:
    return None if got is None or want is None else 100.0 * abs(got / want - 1.0)


def _score_lockout(score: SetScore, truth: dict[str, Any], rep: Rep, two_sensors: bool) -> None:
    """A hip thrust's arching (two sensors) and lockout against their truth."""
    short = truth["lockout_short_deg"]
    if short >= SHORT_MIN_DEG:
        score.short_reps += 1
        score.short_flagged += _has(rep, CueCode.INCOMPLETE_LOCKOUT)
    elif short <= FULL_LOCKOUT_MAX_DEG:
        score.full_reps += 1
        score.full_flagged += _has(rep, CueCode.INCOMPLETE_LOCKOUT)
    if not two_sensors:
        return
    arch = truth["lockout_lumbar_extension_deg"]
    if arch >= ARCHED_MIN_DEG:
        score.arched_reps += 1
        score.arched_flagged += _has(rep, CueCode.OVEREXTENDED)
    elif arch <= NEUTRAL_MAX_DEG:
        score.flat_reps += 1
        score.flat_flagged += _has(rep, CueCode.OVEREXTENDED)


def _score_neck(score: SetScore, truth: dict[str, Any], rep: Rep, detail: dict[str, Any]) -> None:
    """The rep's neck peaks against the truth, and its head cues against how far the neck went."""
    flexion, extension = truth["peak_neck_flexion_deg"], truth["peak_neck_extension_deg"]
    if rep.peak_neck_flexion_deg is None or rep.peak_neck_extension_deg is None:
        score.neck_unmeasured += 1
        return
    errors = (rep.peak_neck_flexion_deg - flexion, rep.peak_neck_extension_deg - extension)
    score.neck_errors_deg.append(max(abs(e) for e in errors))
    detail["neck"] = errors
    cued = {c.code for c in rep.cues}
    for value, code in ((flexion, CueCode.HEAD_DROPPED), (extension, CueCode.NECK_CRANED)):
        if value >= ROUNDED_MIN_DEG:
            score.neck_off_reps += 1
            score.neck_off_flagged += code in cued
    if max(flexion, extension) <= NEUTRAL_MAX_DEG:
        score.neck_neutral_reps += 1
        score.neck_neutral_flagged += bool(cued & {CueCode.HEAD_DROPPED, CueCode.NECK_CRANED})


def score_set(report: SetReport, truth: dict[str, Any]) -> SetScore:
    """Compare a report with the truth of its set.

    Parameters
    ----------
    report : SetReport
    truth : dict
        ``reps`` (list of rep dicts) and ``pattern`` (``hinge`` or ``squat``).

    Returns
    -------
    SetScore
    """
    true_reps = truth["reps"]
    score = SetScore(len(true_reps), report.rep_count)
    pairs = match_reps(true_reps, report.reps)
    score.missed = len(true_reps) - len(pairs)
    score.phantom = report.rep_count - len(pairs)
    for i, j in pairs:
        t, r = true_reps[i], report.reps[j]
        detail: dict[str, Any] = {"truth": i, "rep": j}
        for phase in Tempo.PHASES:
            want, got = t.get(f"{phase}_s"), r.phase_s(phase)
            if want is None and got is not None:
                score.invented_phases += 1
            elif want is not None and got is None:
                score.unmeasured_phases += 1
            elif want is not None and got is not None:
                score.phase_errors_s.append(abs(got - want))
                detail[phase] = got - want
        for (want_on, want_off), got_pair in (
            (_span(t, "lower"), (r.lower_onset_s, r.lower_offset_s)),
            (_span(t, "rise"), (r.rise_onset_s, r.rise_offset_s)),
        ):
            for want_b, got_b in zip((want_on, want_off), got_pair, strict=True):
                near_gap = any(a - 0.2 < got_b < b + 0.2 for a, b in r.data_gaps_s)
                if np.isfinite(got_b) and not near_gap:  # a boundary in a gap is a guess the report nulls
                    score.boundary_errors_s.append(abs(got_b - want_b))
        if r.peak_trunk_flexion_deg is not None:
            score.peak_errors_deg.append(abs(r.peak_trunk_flexion_deg - t["peak_trunk_flexion_deg"]))
            detail["peak"] = r.peak_trunk_flexion_deg - t["peak_trunk_flexion_deg"]
        for errors, key in (
            (score.speed_errors_pct, "concentric_mean_speed_dps"),
            (score.peak_speed_errors_pct, "concentric_peak_speed_dps"),
        ):
            error = _percent_error(getattr(r, key), t.get(key))
            if error is not None:
                errors.append(error)
        two_sensors = "sacrum" in report.sensors
        if report.exercise.lockout_reference:
            _score_lockout(score, t, r, two_sensors)
        lumbar = t.get("peak_lumbar_flexion_deg")
        if lumbar is not None and two_sensors:
            if r.peak_lumbar_flexion_deg is None:
                score.lumbar_unmeasured += 1
            else:
                score.lumbar_errors_deg.append(abs(r.peak_lumbar_flexion_deg - lumbar))
                detail["lumbar"] = r.peak_lumbar_flexion_deg - lumbar
        if lumbar is not None and two_sensors and not report.exercise.lockout_reference:
            flagged = _has(r, CueCode.ROUNDED_BACK)
            if lumbar >= ROUNDED_MIN_DEG:
                score.rounded_reps += 1
                score.rounded_flagged += flagged
            elif lumbar <= NEUTRAL_MAX_DEG:
                score.neutral_reps += 1
                score.neutral_flagged += flagged
        if "peak_neck_flexion_deg" in t and report.measured.get("neck_flexion"):
            _score_neck(score, t, r, detail)
        pattern = r.hip_pattern or "not measured"
        score.pattern_counts[pattern] = score.pattern_counts.get(pattern, 0) + 1
        score.details.append(detail)
    score.set_pattern = report.summary.pattern
    return score
