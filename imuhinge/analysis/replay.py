"""Replay analysis: from a recording to a SetReport (reps, phases, metrics, verdicts, cues)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from imuhinge.body.angles import AngleSeries, SegmentAngles, uniform_angles
from imuhinge.body.hips import HipMotion, hip_motions
from imuhinge.body.lumbar import lumbar_series
from imuhinge.coaching.summary import summarize
from imuhinge.coaching.tempo import DEFAULT_TEMPO, parse_tempo
from imuhinge.coaching.verdicts import judge_reps
from imuhinge.errors import InputError
from imuhinge.model import Exercise, Recording, Rep, SetReport, Targets
from imuhinge.reps.metrics import build_reps
from imuhinge.reps.segment import RepBounds, Segmenter, SegmenterConfig
from imuhinge.signal.calibrate import runs
from imuhinge.signal.clock_align import ClockAlignment, align_streams, check_pair
from imuhinge.signal.resample import UniformStream, to_uniform
from imuhinge.signal.smoothing import smooth


def parse_exercise(text: str) -> Exercise:
    """Exercise from its id, with a clear error listing the valid ids."""
    try:
        return Exercise(text.strip().lower())
    except ValueError:
        valid = ", ".join(e.value for e in Exercise)
        raise InputError(f"unknown exercise {text!r}; expected one of: {valid}") from None


def trunk_placement(placements: Sequence[str]) -> str:
    """The sensor whose angle drives segmentation: upper_back when present, else the first."""
    return "upper_back" if "upper_back" in placements else placements[0]


def segment_stream(
    angles: SegmentAngles, floor_start: bool, config: SegmenterConfig | None = None
) -> Segmenter:
    """Smooth and segment each contiguous stretch of a segment's flexion, resetting at long gaps."""
    seg = Segmenter(angles.fs_hz, floor_start, config)
    finite = np.isfinite(angles.flexion_deg)
    for a, b in runs(finite):
        angle, speed = smooth(angles.flexion_deg[a:b], angles.fs_hz)
        seg.feed(angles.time_s[a:b], angle, speed)
        seg.gap()
    return seg


def analyze(
    recording: Recording,
    exercise: Exercise | str | None = None,
    tempo: str | None = None,
    targets: Targets | None = None,
    segmenter_config: SegmenterConfig | None = None,
) -> SetReport:
    """Analyse a recorded set.

    Parameters
    ----------
    recording : Recording
    exercise : Exercise or str, optional
        Defaults to the recording's ``exercise`` metadata, else ``rdl``.
    tempo : str, optional
        Target tempo; defaults to the recording's ``tempo`` metadata, else ``3-1-2``.
    targets : Targets, optional
        Thresholds for verdicts.
    segmenter_config : SegmenterConfig, optional

    Returns
    -------
    SetReport
    """
    ex = parse_exercise(exercise or recording.metadata.get("exercise", "rdl"))
    tempo_text = tempo or recording.metadata.get("tempo") or DEFAULT_TEMPO
    tempo_obj = parse_tempo("X" if ex.ballistic and not tempo else tempo_text)
    targets = targets or Targets()
    config = segmenter_config or SegmenterConfig(min_depth_deg=targets.min_depth_deg)
    trunk_name = trunk_placement(recording.placements)
    fs = recording.sample_rate_hz
    # The streams on their uniform grids are passed along explicitly, and the trunk's is let go once
    # its angles and the clock alignment have it, before the sacrum's orientation is computed.
    trunk_uni = to_uniform(recording.sensors[trunk_name], fs)
    pair: tuple[UniformStream, ClockAlignment] | None = None
    unused_sacrum = []
    if "sacrum" in recording.sensors and trunk_name != "sacrum":
        try:
            check_pair(recording)
            sacrum_uni = to_uniform(recording.sensors["sacrum"], fs)
            pair = sacrum_uni, align_streams(trunk_uni, sacrum_uni, fs)
        except InputError as exc:
            # The upper-back analysis stands on its own: keep it, and say why the spine is unmeasured.
            unused_sacrum.append(f"sacrum sensor not used ({exc}); lumbar flexion not measured")
    trunk = uniform_angles(trunk_uni, trunk_name)
    del trunk_uni
    warnings = [*trunk.calibration.warnings, *unused_sacrum]
    lumbar, hips = None, None
    if pair is not None:
        sacrum, alignment = pair
        pelvis = uniform_angles(sacrum, "sacrum", out_of_plane=False)
        warnings += pelvis.calibration.warnings
        lumbar = lumbar_series(trunk, pelvis, alignment)

        def hips(reps: list[Rep]) -> list[HipMotion]:
            return hip_motions(sacrum, trunk, pelvis, alignment, reps)

    seg = segment_stream(trunk, ex.floor_start, config)
    assert trunk.lateral_tilt_deg is not None and trunk.twist_deg is not None  # out_of_plane=True
    series = AngleSeries(trunk.time_s, trunk.flexion_deg, trunk.lateral_tilt_deg, trunk.twist_deg, lumbar)
    return build_report(recording, ex, tempo_obj, targets, seg.reps, seg.partials, series, warnings, hips)


def build_report(
    recording: Recording,
    exercise: Exercise,
    tempo,
    targets: Targets,
    bounds: list[RepBounds],
    partials,
    series: AngleSeries,
    warnings: list[str],
    hips: Callable[[list[Rep]], list[HipMotion]] | None = None,
) -> SetReport:
    """Metrics, verdicts and summary from segmentation results (shared by replay and live).

    ``hips`` measures each rep's hip travel from the sacrum sensor, when there is one.
    """
    reps = build_reps(bounds, exercise, series)
    if hips is not None:
        for rep, motion in zip(reps, hips(reps), strict=True):
            rep.hip_drop_m, rep.hip_back_m = motion.drop_m, motion.back_m
            rep.pelvis_rotation_deg = motion.pelvis_rotation_deg
    judge_reps(reps, exercise, tempo, targets)
    summary, cues = summarize(reps, exercise, tempo, targets, len(partials))
    if not reps:
        warnings = [
            *warnings,
            "no full rep found"
            + (
                f" ({len(partials)} partial movements shallower than {targets.min_depth_deg:g}°)"
                if partials
                else ""
            ),
        ]
    measured = {
        "trunk_flexion": True,
        "tempo": not exercise.ballistic,
        "lumbar_flexion": series.lumbar_flexion_deg is not None,
        "hip_travel": hips is not None,
        "lockout_lean_back": True,
        "lateral_tilt_and_twist": True,
        "foot_pressure": False,
        "core_bracing": False,
    }
    return SetReport(
        exercise=exercise,
        tempo=tempo,
        targets=targets,
        sensors=recording.placements,
        reps=reps,
        partials=list(partials),
        summary=summary,
        cues=cues,
        warnings=warnings,
        measured=measured,
        metadata=dict(recording.metadata),
        gaps=list(recording.gaps),
        source=None if recording.path is None else str(recording.path),
        time_s=series.time_s,
        trunk_flexion_deg=series.trunk_flexion_deg,
        lumbar_flexion_deg=series.lumbar_flexion_deg,
    )
