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
    """What a cue is about; the training log holds the load while tempo, spine or lean-back cues occur."""

    TEMPO = "tempo"
    SPINE = "spine"
    LEAN_BACK = "lean_back"
    DEPTH = "depth"
    PATTERN = "pattern"
    HOLD = "hold"


class Unit(StrEnum):
    """Units of a cue's value and limit."""

    SECONDS = "s"
    DEGREES = "deg"
    METRES = "m"
    REPS = "reps"


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
        What was measured: a phase's seconds, an angle, the hips' least drop (m), a count of reps, or
        a change over the set (last reps minus first, negative when it fell).
    limit : float or None
        What the value was judged against: the phase's target (or the explosive limit), an angle limit,
        the set's median depth (shallow and deep reps), the set's rep count (``squatting_set``), the
        change allowed (drift, inconsistent depth); None where a rule, not a number, decided
        (``squat_pattern``).
    phase : Phase or None
        The phase concerned: the phase off target, or where the lower back rounded most.
    """

    code: CueCode
    value: float
    limit: float | None = None
    phase: Phase | None = None

    @property
    def kind(self) -> CueKind:
        """What the cue is about."""
        return self.code.kind

    @property
    def unit(self) -> Unit:
        """Unit of ``value`` and ``limit``."""
        return self.code.unit

    def to_dict(self, decimals: int = 3) -> dict[str, Any]:
        """The JSON form: ``code``, ``phase``, ``value``, ``limit``, ``units`` (numbers rounded)."""
        return {
            "code": self.code.value,
            "phase": None if self.phase is None else self.phase.value,
            "value": round(self.value, decimals),
            "limit": None if self.limit is None else round(self.limit, decimals),
            "units": self.unit.value,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Cue:
        """Read back the JSON form."""
        phase = None if data["phase"] is None else Phase(data["phase"])
        return cls(CueCode(data["code"]), data["value"], data["limit"], phase)
