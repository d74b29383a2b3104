"""Replay analysis: from a recording to a SetReport (reps, phases, metrics, verdicts, cues)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import numpy as np

from imuhinge.body.angles import AngleSeries, SegmentAngles, StandingGuide, uniform_angles
from imuhinge.body.hips import HipMotion, hip_motions
from imuhinge.body.lumbar import lumbar_series
from imuhinge.coaching.summary import summarize
from imuhinge.coaching.tempo import DEFAULT_TEMPO, parse_hold, parse_tempo
from imuhinge.coaching.verdicts import judge_reps
from imuhinge.errors import AlignmentError, AnalysisError, InputError
from imuhinge.model import (
    Exercise,
    Gap,
    OtherMovement,
    PartialMovement,
    Recording,
    Rep,
    SetReport,
    Targets,
    Tempo,
)
from imuhinge.reps.metrics import build_reps
from imuhinge.reps.sagittal import sagittal_only
from imuhinge.reps.segment import RepBounds, SegmenterConfig
from imuhinge.reps.stream import RepStream
from imuhinge.signal.clock_align import ClockAlignment, align_streams, check_pair, same_clock, shared_clock
from imuhinge.signal.resample import UniformStream, to_uniform


class CarriesRecording(Protocol):
    """Anything that carries a recording, as a simulated set (``imuhinge.sim.SimulatedSet``) does."""

    @property
    def recording(self) -> Recording:
        """The recording carried."""
        ...


def as_recording(data: Recording | CarriesRecording) -> Recording:
    """The recording itself, or the one a simulated set carries; a TypeError names what was given."""
    if isinstance(data, Recording):
        return data
    carried = getattr(data, "recording", None)
    if isinstance(carried, Recording):
        return carried
    raise TypeError(
        f"analyze() takes a Recording (load_recording(PATH)) or a simulated set, not {type(data).__name__}"
    )


log = logging.getLogger(__name__)


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
) -> RepStream:
    """A segment's whole flexion through ``RepStream`` (the live view feeds the same in blocks)."""
    reps = RepStream(angles.fs_hz, floor_start, config)
    reps.feed(angles.time_s, angles.flexion_deg)
    reps.finish()
    return reps


@dataclass
class BodyAngles:
    """What replay measures of the body before it looks for reps.

    Attributes
    ----------
    trunk : SegmentAngles
        The upper back (or the only sensor).
    pelvis : SegmentAngles or None
        The sacrum, when there is one and its stream could be used.
    sacrum : UniformStream or None
        The sacrum stream on its grid (hip travel integrates it).
    alignment : ClockAlignment or None
        Sacrum clock to trunk clock.
    notes : list of str
        Why the sacrum was not used, when it was not.
    """

    trunk: SegmentAngles
    pelvis: SegmentAngles | None = None
    sacrum: UniformStream | None = None
    alignment: ClockAlignment | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def lumbar_flexion_deg(self) -> np.ndarray | None:
        """Lumbar flexion at the trunk's sample times, None with one sensor."""
        if self.pelvis is None or self.alignment is None:
            return None
        return lumbar_series(self.trunk, self.pelvis, self.alignment)


def body_angles(recording: Recording) -> BodyAngles:
    """Calibrate each sensor and compute the segments' angles (offline), the sacrum's clock aligned.

    The pelvis takes its standing reference and the sign of its flexion from the trunk. When the
    sacrum stream cannot be used (no pair, clocks that cannot be matched), the trunk's angles stand
    on their own and ``notes`` says why.

    Parameters
    ----------
    recording : Recording

    Returns
    -------
    BodyAngles
    """
    trunk_name = trunk_placement(recording.placements)
    fs = recording.sample_rate_hz
    # The streams on their uniform grids are passed along explicitly, and the trunk's is let go once
    # its angles and the clock alignment have it, before the sacrum's orientation is computed.
    trunk_uni = to_uniform(recording.sensors[trunk_name], fs)
    pair: tuple[UniformStream, ClockAlignment] | None = None
    notes = []
    if "sacrum" in recording.sensors and trunk_name != "sacrum":
        try:
            check_pair(recording)
            sacrum_uni = to_uniform(recording.sensors["sacrum"], fs)
            one_clock = recording.metadata.get("clock") == "shared" or shared_clock(
                recording.sensors[trunk_name], recording.sensors["sacrum"]
            )
            pair = sacrum_uni, same_clock() if one_clock else align_streams(trunk_uni, sacrum_uni, fs)
        except AlignmentError as exc:
            # The upper-back analysis stands on its own: keep it, and say why the spine is unmeasured.
            notes.append(f"sacrum sensor not used ({exc}); lumbar flexion not measured")
    trunk = uniform_angles(trunk_uni, trunk_name)
    del trunk_uni
    if pair is None:
        return BodyAngles(trunk, notes=notes)
    sacrum, alignment = pair
    guide = StandingGuide(
        [tuple(alignment.to_pelvis_time(np.array(span))) for span in trunk.calibration.reference_s],
        alignment.to_pelvis_time(trunk.time_s),
        trunk.flexion_deg,
    )
    pelvis = uniform_angles(sacrum, "sacrum", out_of_plane=False, guide=guide)
    return BodyAngles(trunk, pelvis, sacrum, alignment, notes)


def analyze(
    recording: Recording | CarriesRecording,
    exercise: Exercise | str | None = None,
    tempo: str | None = None,
    targets: Targets | None = None,
    segmenter_config: SegmenterConfig | None = None,
    hold_s: str | None = None,
) -> SetReport:
    """Analyse a recorded set.

    Parameters
    ----------
    recording : Recording or a simulated set
        A loaded recording, or a simulated set (``imuhinge.sim.simulate``), whose recording is analysed.
    exercise : Exercise or str, optional
        Defaults to the recording's ``exercise`` metadata, else ``rdl``.
    tempo : str, optional
        Target tempo; defaults to the recording's ``tempo`` metadata, else ``3-1-2``.
    targets : Targets, optional
        Thresholds for verdicts.
    segmenter_config : SegmenterConfig, optional
    hold_s : str, optional
        A hold's target time (``hinge_hold``), seconds or a range (``15``, ``10-20``); defaults to the
        recording's ``hold_s`` metadata, else ``targets``' (10-20 s).

    Returns
    -------
    SetReport
    """
    recording = as_recording(recording)
    ex = parse_exercise(exercise or recording.metadata.get("exercise", "rdl"))
    tempo_text = tempo or recording.metadata.get("tempo") or DEFAULT_TEMPO
    tempo_obj = parse_tempo("X" if ex.ballistic and not tempo else tempo_text)
    targets = targets or Targets()
    hold_text = hold_s or recording.metadata.get("hold_s")
    if hold_text:
        low, high = parse_hold(hold_text)
        targets = replace(targets, hold_min_s=low, hold_max_s=high)
    config = segmenter_config or SegmenterConfig(min_depth_deg=targets.min_depth_deg)
    started = time.perf_counter()
    log.info(
        "%s: %s at %g Hz, %.1f s; %s, target %s",
        recording.path or "recording",
        " and ".join(recording.placements),
        recording.sample_rate_hz,
        recording.duration_s,
        ex.value,
        tempo_obj.notation,
    )
    body = body_angles(recording)
    trunk = body.trunk
    for angles in (trunk, body.pelvis):
        if angles is not None:
            log.info("%s: %s", angles.placement, angles.calibration.reference)
    log.debug("orientation, calibration and angles: %.2f s", time.perf_counter() - started)
    warnings = [*trunk.calibration.warnings, *body.notes]
    hips = None
    if body.pelvis is not None:
        warnings += body.pelvis.calibration.warnings
        sacrum, pelvis, alignment = body.sacrum, body.pelvis, body.alignment
        assert sacrum is not None and alignment is not None

        def hips(reps: list[Rep]) -> list[HipMotion]:
            return hip_motions(sacrum, trunk, pelvis, alignment, reps)

    seg = segment_stream(trunk, ex.floor_start, config)
    assert trunk.lateral_tilt_deg is not None and trunk.twist_deg is not None  # out_of_plane=True
    series = AngleSeries(
        trunk.time_s,
        trunk.flexion_deg,
        trunk.lateral_tilt_deg,
        trunk.twist_deg,
        body.lumbar_flexion_deg,
        seg.unmeasured_s,
    )
    references = {trunk.placement: trunk.calibration.reference}
    if body.pelvis is not None:
        references[body.pelvis.placement] = body.pelvis.calibration.reference
    reps, others = measure_reps(seg.reps, ex, series, hips)
    log.info("%d reps, %d partial movements, %d other movements", len(reps), len(seg.partials), len(others))
    log.debug("analysis done in %.2f s", time.perf_counter() - started)
    context = SetContext.of(recording, references=references, warnings=warnings, hip_travel=hips is not None)
    return set_report(context, ex, tempo_obj, targets, reps, seg.partials, others, series)


def measure_reps(
    bounds: list[RepBounds],
    exercise: Exercise,
    series: AngleSeries,
    hips: Callable[[list[Rep]], list[HipMotion]] | None = None,
) -> tuple[list[Rep], list[OtherMovement]]:
    """Reps from segmentation results: sagittal movements only, their phases and angle metrics, and
    (with a sacrum sensor) the hips' travel. Shared by replay and the live view.

    Parameters
    ----------
    bounds : list of RepBounds
        Candidate reps, in time order.
    exercise : Exercise
    series : AngleSeries
        The angles around the candidates (lumbar flexion included with two sensors).
    hips : callable, optional
        Measures each rep's hip travel from the sacrum sensor.

    Returns
    -------
    (list of Rep, list of OtherMovement)
    """
    rep_bounds, others = sagittal_only(bounds, series)
    reps = build_reps(rep_bounds, exercise, series)
    if hips is not None:
        for rep, motion in zip(reps, hips(reps), strict=True):
            rep.hip_drop_m, rep.hip_drop_low_m, rep.hip_drop_high_m = (
                motion.drop_m,
                motion.drop_low_m,
                motion.drop_high_m,
            )
            rep.hip_pattern = motion.pattern if exercise.judges_hip_pattern else None
            rep.pelvis_rotation_deg = motion.pelvis_rotation_deg
    return reps, others


@dataclass
class SetContext:
    """What a set report says about where its data came from."""

    sensors: list[str]
    metadata: dict[str, str] = field(default_factory=dict)
    gaps: list[Gap] = field(default_factory=list)
    source: str | None = None
    references: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    hip_travel: bool = False

    @classmethod
    def of(cls, recording: Recording, **kwargs: Any) -> SetContext:
        """The context of a recorded set."""
        source = None if recording.path is None else str(recording.path)
        return cls(recording.placements, dict(recording.metadata), list(recording.gaps), source, **kwargs)


def set_report(
    context: SetContext,
    exercise: Exercise,
    tempo: Tempo,
    targets: Targets,
    reps: list[Rep],
    partials: list[PartialMovement],
    others: list[OtherMovement],
    series: AngleSeries,
) -> SetReport:
    """Verdicts, cues and the set summary over measured reps (shared by replay and live)."""
    judge_reps(reps, exercise, tempo, targets)
    summary, cues = summarize(reps, exercise, tempo, targets, len(partials))
    warnings = list(context.warnings)
    if not reps:
        shallow = f" ({len(partials)} partial movements shallower than {targets.min_depth_deg:g}°)"
        warnings.append("no full rep found" + (shallow if partials else ""))
    measured = {
        "trunk_flexion": True,
        "tempo": not exercise.ballistic,
        "lumbar_flexion": series.lumbar_flexion_deg is not None,
        "hip_travel": context.hip_travel,
        "lockout_lean_back": True,
        "lateral_tilt_and_twist": True,
        "foot_pressure": False,
        "core_bracing": False,
    }
    return SetReport(
        exercise=exercise,
        tempo=tempo,
        targets=targets,
        sensors=context.sensors,
        reps=reps,
        partials=list(partials),
        other_movements=others,
        summary=summary,
        cues=cues,
        warnings=warnings,
        measured=measured,
        references=dict(context.references),
        metadata=dict(context.metadata),
        gaps=list(context.gaps),
        source=context.source,
        time_s=series.time_s,
        trunk_flexion_deg=series.trunk_flexion_deg,
        lumbar_flexion_deg=series.lumbar_flexion_deg,
    )


def max_lumbar_flexion_deg(
    recording: Recording, start_s: float | None = None, end_s: float | None = None
) -> float:
    """Largest lumbar flexion in a calibration recording (or part of one) of a full forward bend.

    Parameters
    ----------
    recording : Recording
        Two sensors; a quiet stand first (the upright reference), then the bend.
    start_s, end_s : float, optional
        Part of the recording to look at (upper-back clock); the whole recording by default.

    Returns
    -------
    float
        Degrees.

    Raises
    ------
    AnalysisError
        A bad sensor pair, clocks that cannot be matched (``AlignmentError``), or no lumbar angle in
        the part given.
    """
    check_pair(recording)
    body = body_angles(recording)
    lumbar = body.lumbar_flexion_deg
    if lumbar is None:
        raise AnalysisError(
            body.notes[0] if body.notes else "lumbar flexion needs an upper_back and a sacrum sensor"
        )
    lo = -np.inf if start_s is None else start_s
    hi = np.inf if end_s is None else end_s
    part = lumbar[(body.trunk.time_s >= lo) & (body.trunk.time_s <= hi)]
    if not np.isfinite(part).any():
        raise AnalysisError(f"no lumbar flexion measured between {lo:g} s and {hi:g} s of the recording")
    return float(np.nanmax(part))
