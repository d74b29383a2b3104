"""Every word imuhinge says about a set: phase names, the tempo target spelled out, and the cues.

The analysis gives codes and numbers (``imuhinge.coaching.cues``); this module is the one place that
turns them into sentences, for the terminal, the JSON and HTML reports, the plots, the live view and
the training log's advice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from imuhinge.coaching.cues import Cue, CueCode
from imuhinge.model import Exercise, Phase, Targets, Tempo


@dataclass(frozen=True)
class PhaseWords:
    """How a phase is named where it appears.

    Attributes
    ----------
    label : str
        In tables and legends: ``eccentric (down)``.
    movement : str
        As something the lifter does: ``during the lowering``.
    tempo : str
        After a duration in a tempo: ``3 seconds down``.
    """

    label: str
    movement: str
    tempo: str


PHASE_WORDS = {
    Phase.ECCENTRIC: PhaseWords("eccentric (down)", "lowering", "down"),
    Phase.BOTTOM: PhaseWords("bottom pause", "bottom pause", "pause at the bottom"),
    Phase.CONCENTRIC: PhaseWords("concentric (up)", "rising", "up"),
    Phase.TOP: PhaseWords("top pause", "top pause", "pause at the top"),
}


# The training log's load panel when no set has a load.
NO_LOADS = "no loads logged (give one: imuhinge analyze FILE --load-kg KG --log)"


def _seconds(value: float) -> str:
    text = f"{value:g}"
    return f"{text} second" if value == 1 else f"{text} seconds"


def describe_tempo(tempo: Tempo) -> str:
    """Spell a tempo out in words, e.g. ``3-1-2: 3 seconds down, 1 second pause at the bottom, ...``."""
    if tempo.notation == "X":
        return "X: explosive, no tempo target (cadence, depth and lockout are judged)"
    words = []
    for phase in Tempo.PHASES:
        value = tempo.phase_s(phase)
        if phase in tempo.explosive:
            words.append(f"explosive {PHASE_WORDS[phase].tempo}")
        elif value is not None:
            words.append(f"{_seconds(value)} {PHASE_WORDS[phase].tempo}")
    if tempo.top_s is None:
        words.append("no top pause target")
    return f"{tempo.notation}: " + ", ".join(words)


def describe_hold(targets: Targets) -> str:
    """A hold's target in words: ``hold 10-20 s at depth, steady within 3° (standard deviation)``."""
    low, high = targets.hold_min_s, targets.hold_max_s
    time = f"{low:g} s" if low == high else f"{low:g}-{high:g} s"
    return f"hold {time} at depth, steady within {targets.hold_steady_max_deg:g}° (standard deviation)"


def describe_target(exercise: Exercise, tempo: Tempo, targets: Targets) -> str:
    """The set's target in words: the hold for holds, else the tempo (``describe_tempo``)."""
    return describe_hold(targets) if exercise.hold else describe_tempo(tempo)


# How a movement that missed its target is named, and what follows its seconds.
_MOVEMENT_HEADS = {
    (Phase.ECCENTRIC, CueCode.PHASE_TOO_SHORT): ("rushed the descent", " down"),
    (Phase.ECCENTRIC, CueCode.PHASE_TOO_LONG): ("descent too slow", " down"),
    (Phase.CONCENTRIC, CueCode.PHASE_TOO_SHORT): ("rushed the way up", ""),
    (Phase.CONCENTRIC, CueCode.PHASE_TOO_LONG): ("way up too slow", ""),
}
_PAUSE_HEADS = {
    CueCode.NO_PAUSE: "no pause {place}",
    CueCode.PHASE_TOO_SHORT: "pause {place} too short",
    CueCode.PHASE_TOO_LONG: "pause {place} too long",
}


def _tempo_text(cue: Cue, exercise: Exercise) -> str:
    """A phase off its target: ``rushed the descent: 1.6 s down, target 3 s``."""
    phase, value, limit = cue.phase, cue.value, cue.limit
    if phase is None or limit is None:
        raise ValueError(f"a {cue.code} cue needs its phase and target")
    if cue.code is CueCode.NOT_EXPLOSIVE:
        return f"not explosive: {value:.1f} s {PHASE_WORDS[phase].tempo}, target under {limit:g} s"
    if phase.is_pause and cue.code in _PAUSE_HEADS:
        bottom = "at the floor" if exercise.floor_start else "at the bottom"
        place = "at the top" if phase is Phase.TOP else bottom
        return f"{_PAUSE_HEADS[cue.code].format(place=place)}: {value:.1f} s, target {limit:g} s"
    if (phase, cue.code) in _MOVEMENT_HEADS:
        head, after = _MOVEMENT_HEADS[phase, cue.code]
        return f"{head}: {value:.1f} s{after}, target {limit:g} s"
    raise ValueError(f"no wording for a {cue.code} cue of the {phase} phase")


def cue_text(cue: Cue, exercise: Exercise) -> str:
    """A cue in plain words, with its measured value and limit.

    Parameters
    ----------
    cue : Cue
    exercise : Exercise
        The set's exercise (a deadlift pauses at the floor, not at the bottom).

    Returns
    -------
    str
    """
    value, limit = cue.value, cue.limit
    match cue.code:
        case CueCode.PHASE_TOO_SHORT | CueCode.PHASE_TOO_LONG | CueCode.NO_PAUSE | CueCode.NOT_EXPLOSIVE:
            return _tempo_text(cue, exercise)
        case CueCode.HOLD_TOO_SHORT:
            return f"hold too short: {value:.1f} s at depth, target at least {limit:g} s"
        case CueCode.HOLD_TOO_LONG:
            return f"hold longer than planned: {value:.1f} s at depth, target at most {limit:g} s"
        case CueCode.HOLD_UNSTEADY:
            return f"hold not steady: the trunk wavered {value:.1f}° (limit {limit:g}°); brace and stay still"
        case CueCode.SHALLOW_REP:
            return f"shallow rep: {value:.0f}° against the set's {limit:.0f}°"
        case CueCode.DEEP_REP:
            return f"deeper than the rest: {value:.0f}° against the set's {limit:.0f}°"
        case CueCode.LEAN_BACK:
            return f"leaning back at lockout: {value:.0f}° past standing (limit {limit:g}°)"
        case CueCode.ROUNDED_BACK:
            during = "rep" if cue.phase is None else PHASE_WORDS[cue.phase].movement
            return f"rounded lower back: lumbar flexion {value:.0f}° (limit {limit:g}°) during the {during}"
        case CueCode.OVEREXTENDED:
            return f"overextended lockout: lower back {value:.0f}° past neutral (limit {limit:g}°)"
        case CueCode.SQUAT_PATTERN:
            return (
                f"knee-dominant (squatting) pattern: hips dropped at least {100 * value:.0f} cm; "
                "push the hips back, not down"
            )
        case CueCode.SQUATTING_SET:
            return (
                f"squatting the hinge: {value:.0f} of {limit:.0f} reps were knee-dominant "
                "(hips dropped instead of travelling back)"
            )
        case CueCode.DESCENT_SPED_UP:
            return f"the descent sped up over the set: last reps {abs(value):.1f} s faster than the first"
        case CueCode.DEPTH_DROPPED:
            return f"depth dropped over the set: last reps {abs(value):.0f}° shallower"
        case CueCode.INCONSISTENT_DEPTH:
            return f"inconsistent depth: reps vary by ±{value:.0f}°"
    raise ValueError(f"no wording for cue code {cue.code!r}")


def cue_texts(cues: Iterable[Cue], exercise: Exercise) -> list[str]:
    """``cue_text`` of each cue, in order."""
    return [cue_text(cue, exercise) for cue in cues]
