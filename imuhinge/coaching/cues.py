"""Cues as data: what was off, in which phase, the measured value and the limit it was judged against.

``coaching.verdicts`` (per rep) and ``coaching.summary`` (per set) create cues;
``imuhinge.report.wording`` puts them into words. Programs and tests read the code and the numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from imuhinge.model import Phase


class CueKind(StrEnum):
    """What a cue is about; the training log holds the load while tempo, spine, lean-back or lockout
    cues occur."""

    TEMPO = "tempo"
    SPINE = "spine"
    LEAN_BACK = "lean_back"
    DEPTH = "depth"
    PATTERN = "pattern"
    LOCKOUT = "lockout"
    SPEED = "speed"
    HOLD = "hold"
    NECK = "neck"


class Unit(StrEnum):
    """Units of a cue's value and limit."""

    SECONDS = "s"
    DEGREES = "deg"
    METRES = "m"
    REPS = "reps"
    PERCENT = "%"


class CueCode(StrEnum):
    """Every cue imuhinge gives; the value is the code in JSON reports and the training log."""

    # per rep, tempo (the cue's phase says which)
    PHASE_TOO_SHORT = "phase_too_short"
    PHASE_TOO_LONG = "phase_too_long"
    NO_PAUSE = "no_pause"
    NOT_EXPLOSIVE = "not_explosive"
    # per rep, holds (hinge_hold): the time held at depth against its range, and how steady
    HOLD_TOO_SHORT = "hold_too_short"
    HOLD_TOO_LONG = "hold_too_long"
    HOLD_UNSTEADY = "hold_unsteady"
    # per rep, form
    SHALLOW_REP = "shallow_rep"
    DEEP_REP = "deep_rep"
    LEAN_BACK = "lean_back"
    ROUNDED_BACK = "rounded_back"
    OVEREXTENDED = "overextended"
    SQUAT_PATTERN = "squat_pattern"
    INCOMPLETE_LOCKOUT = "incomplete_lockout"
    SPEED_LOSS = "speed_loss"
    HEAD_DROPPED = "head_dropped"
    NECK_CRANED = "neck_craned"
    # per set
    SQUATTING_SET = "squatting_set"
    DESCENT_SPED_UP = "descent_sped_up"
    DEPTH_DROPPED = "depth_dropped"
    INCONSISTENT_DEPTH = "inconsistent_depth"

    @property
    def kind(self) -> CueKind:
        """What the cue is about."""
        return _KIND_AND_UNIT[self][0]

    @property
    def unit(self) -> Unit:
        """Unit of the cue's value and limit."""
        return _KIND_AND_UNIT[self][1]


_KIND_AND_UNIT = {
    CueCode.PHASE_TOO_SHORT: (CueKind.TEMPO, Unit.SECONDS),
    CueCode.PHASE_TOO_LONG: (CueKind.TEMPO, Unit.SECONDS),
    CueCode.NO_PAUSE: (CueKind.TEMPO, Unit.SECONDS),
    CueCode.NOT_EXPLOSIVE: (CueKind.TEMPO, Unit.SECONDS),
    CueCode.HOLD_TOO_SHORT: (CueKind.HOLD, Unit.SECONDS),
    CueCode.HOLD_TOO_LONG: (CueKind.HOLD, Unit.SECONDS),
    CueCode.HOLD_UNSTEADY: (CueKind.HOLD, Unit.DEGREES),
    CueCode.SHALLOW_REP: (CueKind.DEPTH, Unit.DEGREES),
    CueCode.DEEP_REP: (CueKind.DEPTH, Unit.DEGREES),
    CueCode.LEAN_BACK: (CueKind.LEAN_BACK, Unit.DEGREES),
    CueCode.ROUNDED_BACK: (CueKind.SPINE, Unit.DEGREES),
    CueCode.OVEREXTENDED: (CueKind.SPINE, Unit.DEGREES),
    CueCode.SQUAT_PATTERN: (CueKind.PATTERN, Unit.METRES),
    CueCode.INCOMPLETE_LOCKOUT: (CueKind.LOCKOUT, Unit.DEGREES),
    CueCode.SPEED_LOSS: (CueKind.SPEED, Unit.PERCENT),
    CueCode.HEAD_DROPPED: (CueKind.NECK, Unit.DEGREES),
    CueCode.NECK_CRANED: (CueKind.NECK, Unit.DEGREES),
    CueCode.SQUATTING_SET: (CueKind.PATTERN, Unit.REPS),
    CueCode.DESCENT_SPED_UP: (CueKind.TEMPO, Unit.SECONDS),
    CueCode.DEPTH_DROPPED: (CueKind.DEPTH, Unit.DEGREES),
    CueCode.INCONSISTENT_DEPTH: (CueKind.DEPTH, Unit.DEGREES),
}


@dataclass(frozen=True)
class Cue:
    """One thing to work on, with the numbers behind it.

    Attributes
    ----------
    code : CueCode
    value : float
        What was measured: a phase's seconds, an angle, the hips' least drop (m), a count of reps, a
        speed loss (%), or a change over the set (last reps minus first, negative when it fell).
    limit : float or None
        What the value was judged against: the phase's target (or the explosive limit), an angle limit,
        the set's median depth (shallow and deep reps), the set's rep count (``squatting_set``), the
        change allowed (drift, inconsistent depth), the speed loss allowed; None where a rule, not a
        number, decided (``squat_pattern``).
    phase : Phase or None
        The phase concerned: the phase off target, or where the lower back rounded (or the neck bent)
        most.
    reference_rep : int or None
        The rep a change is measured from: the fastest of the first reps (``speed_loss``).
    """

    code: CueCode
    value: float
    limit: float | None = None
    phase: Phase | None = None
    reference_rep: int | None = None

    @property
    def kind(self) -> CueKind:
        """What the cue is about."""
        return self.code.kind

    @property
    def unit(self) -> Unit:
        """Unit of ``value`` and ``limit``."""
        return self.code.unit

    def to_dict(self, decimals: int = 3) -> dict[str, Any]:
        """The JSON form: ``code``, ``phase``, ``value``, ``limit``, ``units`` (numbers rounded), and
        ``reference_rep`` where the cue has one."""
        data: dict[str, Any] = {
            "code": self.code.value,
            "phase": None if self.phase is None else self.phase.value,
            "value": round(self.value, decimals),
            "limit": None if self.limit is None else round(self.limit, decimals),
            "units": self.unit.value,
        }
        if self.reference_rep is not None:
            data["reference_rep"] = self.reference_rep
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Cue:
        """Read back the JSON form."""
        phase = None if data["phase"] is None else Phase(data["phase"])
        reference = data.get("reference_rep")
        if reference is not None and (not isinstance(reference, int) or isinstance(reference, bool)):
            raise ValueError(f"reference_rep {reference!r} is not a rep number")
        return cls(CueCode(data["code"]), data["value"], data["limit"], phase, reference)
