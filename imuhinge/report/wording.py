"""Every word imuhinge says about a set: phase names, the tempo target spelled out, and the cues.

The analysis gives codes and numbers (``imuhinge.coaching.cues``); this module is the one place that
turns them into sentences, for the terminal, the JSON and HTML reports, the plots, the live view and
the training log's advice.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from imuhinge.coaching.cues import Cue, CueCode
from imuhinge.coaching.dowel import NEEDS, ContactPoint, ContactState, Coverage, rep_contacts
from imuhinge.coaching.set_summary import SpeedSummary, StopAdvice
from imuhinge.model import Exercise, Phase, Rep, Targets, Tempo


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
        bottom = "at the floor" if exercise is Exercise.DEADLIFT else "at the bottom"
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
            return (
                f"rounded lower back: lumbar flexion {value:.0f}° (limit {limit:g}°) "
                f"during the {_during(cue)}"
            )
        case CueCode.OVEREXTENDED if exercise.lockout_reference:
            return (
                f"lower back arching at the top: {value:.0f}° more extended than at the bottom "
                f"(limit {limit:g}°); push the hips up with the glutes, ribs down"
            )
        case CueCode.OVEREXTENDED:
            return f"overextended lockout: lower back {value:.0f}° past neutral (limit {limit:g}°)"
        case CueCode.INCOMPLETE_LOCKOUT:
            return (
                f"incomplete lockout: {value:.0f}° short of the set's lockout (limit {limit:g}°); "
                "drive the hips all the way up"
            )
        case CueCode.SPEED_LOSS:
            since = "" if cue.reference_rep is None else f" since rep {cue.reference_rep}"
            return f"speed down {value:.0f} %{since}: form usually goes next"
        case CueCode.HEAD_DROPPED:
            return (
                f"head came off the dowel: it dropped {value:.0f}° toward the chest (limit {limit:g}°) "
                f"during the {_during(cue)}; keep the back of the head on the dowel"
            )
        case CueCode.NECK_CRANED:
            return (
                f"neck craned: the head tipped back {value:.0f}° (limit {limit:g}°) during the "
                f"{_during(cue)}; keep the chin tucked and the gaze down"
            )
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


def spine_unmeasured_text(exercise: Exercise) -> str:
    """Why the lower back was not judged in a set with one sensor."""
    what = "lower-back arching" if exercise.lockout_reference else "lumbar flexion"
    return f"{what} needs a second sensor on the sacrum: not measured in this set"


def speed_text(speed: SpeedSummary) -> str:
    """The set's rising speed and its loss in one line: ``speed up 48 °/s on average; ...``."""
    head = f"speed up {speed.mean_dps.mean:.0f} °/s on average"
    if speed.reference_rep is None or speed.reference_dps is None or speed.last_loss_pct is None:
        return head
    passed = (
        f", past {speed.threshold_pct:g} % from rep {speed.passed_at_rep}"
        if speed.passed_at_rep is not None
        else f" (cue beyond {speed.threshold_pct:g} %)"
    )
    return (
        f"{head}; fastest of the first reps: rep {speed.reference_rep} at {speed.reference_dps:.0f} °/s; "
        f"speed loss {speed.last_loss_pct:.0f} % by the last rep{passed}"
    )


def stop_text(stop: StopAdvice, exercise: Exercise) -> str:
    """When the set should have ended, with the signs that agree: ``stop after rep 6: ...``.

    Parameters
    ----------
    stop : StopAdvice
    exercise : Exercise
        Names the lower back's fault (rounding in a hinge, arching at the top of a hip thrust).

    Returns
    -------
    str
    """
    signs = [f"the reps slowed by up to {stop.speed_loss_pct:.0f} % against rep {stop.reference_rep}"]
    if stop.descent_change_s is not None:
        signs.append(f"the descent sped up by {abs(stop.descent_change_s):.1f} s")
    if stop.lumbar_change_deg is not None:
        fault = "arched" if exercise.lockout_reference else "rounded"
        signs.append(f"the lower back {fault} {stop.lumbar_change_deg:.0f}° more than in the first reps")
    listed = ", ".join(signs[:-1]) + " and " + signs[-1]
    return f"stop after rep {stop.after_rep} next time: from rep {stop.after_rep + 1} {listed}"


def _during(cue: Cue) -> str:
    return "rep" if cue.phase is None else PHASE_WORDS[cue.phase].movement


def cue_texts(cues: Iterable[Cue], exercise: Exercise) -> list[str]:
    """``cue_text`` of each cue, in order."""
    return [cue_text(cue, exercise) for cue in cues]


CONTACT_WORDS = {
    ContactPoint.HEAD: "back of the head",
    ContactPoint.SHOULDER_BLADES: "between the shoulder blades",
    ContactPoint.TAILBONE: "above the tailbone",
}
_CHECKS = {
    ContactPoint.HEAD: "the head dropping or craning, from the neck angle",
    ContactPoint.TAILBONE: "the lower back rounding or arching, from lumbar flexion",
}
_SHORT = {
    ContactPoint.HEAD: "head",
    ContactPoint.SHOULDER_BLADES: "upper back",
    ContactPoint.TAILBONE: "tailbone",
}
_STATE_WORDS = {
    ContactState.HELD: "on",
    ContactState.DROPPED: "off (head dropped)",
    ContactState.CRANED: "off (neck craned)",
    ContactState.ROUNDED: "off (lower back rounded)",
    ContactState.ARCHED: "off (lower back arched)",
}


def _sensor_names(placements: Iterable[str]) -> str:
    """``an upper-back and a head``."""
    words = [p.replace("_", "-") for p in placements]
    return " and ".join(("an " if w[0] in "aeiou" else "a ") + w for w in words)


def coverage_text(point: ContactPoint, coverage: Coverage) -> str:
    """Whether a set could check a contact point of the dowel drill, and why not when it could not.

    For example ``back of the head: checked (the head dropping or craning, from the neck angle)``.
    """
    name = CONTACT_WORDS[point]
    needs = NEEDS[point]
    match coverage:
        case Coverage.CHECKED:
            return f"{name}: checked ({_CHECKS[point]})"
        case Coverage.MISSING_SENSOR:
            return f"{name}: not checked, it needs {_sensor_names(needs)} sensor"
        case Coverage.STREAM_NOT_USED:
            unused = needs[-1].replace("_", "-")
            return f"{name}: not checked, the {unused} sensor could not be used (see the notes)"
        case Coverage.NOT_OBSERVABLE:
            return (
                f"{name}: not measured; the upper back's curve needs sensors along it, one upper-back "
                "sensor gives its angle only (rounding above it shows in the neck angle, below it in the "
                "lower back's)"
            )
    raise ValueError(f"no wording for coverage {coverage!r}")


def dowel_text(contacts: Mapping[ContactPoint, ContactState | None]) -> str:
    """A rep's dowel contacts in a few words, the measured ones only: ``head on, tailbone off (...)``."""
    return ", ".join(f"{_SHORT[p]} {_STATE_WORDS[s]}" for p, s in contacts.items() if s is not None)


def dowel_lines(reps: Iterable[Rep]) -> str:
    """What the dowel showed over a set, in one line: the reps that lost a contact, then the rest.

    For example ``rep 3: head off (head dropped); rep 4: tailbone off (lower back rounded); the
    other 6 reps kept every contact checked (head, tailbone)``; empty when no contact was measured.
    """
    lost, held, checked = [], 0, set()
    for rep in reps:
        contacts = rep_contacts(rep)
        checked |= {p for p, s in contacts.items() if s is not None}
        off = {p: s for p, s in contacts.items() if s not in (None, ContactState.HELD)}
        if off:
            lost.append(f"rep {rep.index}: {dowel_text(off)}")
        elif any(s is not None for s in contacts.values()):
            held += 1
    if not checked:
        return ""
    names = ", ".join(_SHORT[p] for p in ContactPoint if p in checked)
    if held:
        rest = "the other " if lost else ""
        lost.append(f"{rest}{held} rep{'s' if held > 1 else ''} kept every contact checked ({names})")
    return "; ".join(lost)
