"""The tempo metronome: when to cue each phase change of a rep, timed from the prescription and
re-synchronised to the lifter's own rep starts.

A rep's cues are the starts of its phases after the first, at the prescribed seconds from the rep's
start: for ``3-1-2-1`` the bottom at 3 s, up at 4 s, the top at 6 s, and at 7 s the next rep's
"down", the go cue. A pause of 0 s has no cue of its own (the movement after it is cued), and no cue
can follow a phase without a duration (explosive, or a top pause without a target): the lifter's
next rep start is then awaited. The lifter sets the pace: every rep start the live analysis finds
(``LiveStatus.rep_start_s``, the phase rule on the data so far) re-anchors the cues still to come,
and what was left of the previous rep's is dropped. The rep's last cues (the top, and the go cue)
are dropped when the lifter started moving into the next rep ``EARLY_S`` or more before they are
due (the live analysis sees a lowering once it is faster than 5 deg/s, some 0.3 s into a 3 s
descent, and dates its start back to where its speed rose). Cues are committed ``LOOKAHEAD_S``
ahead, so that they can be played on time; one found more than ``LATE_S`` late is not sounded.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from imuhinge.model import Phase, Tempo

LOOKAHEAD_S = 0.1
LATE_S = 0.15
EARLY_S = 0.5
NEW_REP_S = 0.5  # a rep start that moves more than this is the next rep, not a refined estimate


class CueKind(StrEnum):
    """The phase change a cue marks; the value names it in files and on the terminal."""

    DOWN = "down"
    BOTTOM = "bottom"
    UP = "up"
    TOP = "top"


PHASE_CUE = {
    Phase.ECCENTRIC: CueKind.DOWN,
    Phase.BOTTOM: CueKind.BOTTOM,
    Phase.CONCENTRIC: CueKind.UP,
    Phase.TOP: CueKind.TOP,
}


@dataclass(frozen=True)
class PlannedCue:
    """A cue of the prescription: its kind and seconds after the rep's start; ``ends_rep`` for the
    start of the rep's last phase (the top pause; at the floor, floor-start) and the go cue."""

    kind: CueKind
    after_s: float
    ends_rep: bool = False


@dataclass(frozen=True)
class MetronomeCue:
    """A cue committed to be sounded at ``time_s`` (recording seconds), timed from the rep start
    ``rep_start_s``."""

    time_s: float
    kind: CueKind
    rep_start_s: float


def rep_cues(tempo: Tempo, floor_start: bool = False) -> list[PlannedCue]:
    """The cues of one rep of ``tempo``, from its start.

    Parameters
    ----------
    tempo : Tempo
    floor_start : bool
        A rep that starts at the floor (deadlift): up, top, down, bottom.

    Returns
    -------
    list of PlannedCue
        In time order; the last is the next rep's start (the go cue) when every phase has a
        duration.
    """
    order = (
        (Phase.CONCENTRIC, Phase.TOP, Phase.ECCENTRIC, Phase.BOTTOM)
        if floor_start
        else (Phase.ECCENTRIC, Phase.BOTTOM, Phase.CONCENTRIC, Phase.TOP)
    )

    def seconds(phase: Phase) -> float | None:
        return None if phase in tempo.explosive else tempo.phase_s(phase)

    cues = []
    at_s = 0.0
    for i, phase in enumerate(order):
        duration = seconds(phase)
        if duration is None:
            break
        at_s += duration
        following = order[(i + 1) % len(order)]
        if following.is_pause and seconds(following) == 0.0:
            continue
        cues.append(PlannedCue(PHASE_CUE[following], at_s, ends_rep=i >= len(order) - 2))
    return cues


class Metronome:
    """The cues of a set as the lifter moves: fed the live analysis, it commits each cue shortly
    before it is due.

    Parameters
    ----------
    tempo : Tempo
        The prescription.
    floor_start : bool
        Reps start at the floor (deadlift).
    lookahead_s : float
        How long before its time a cue is committed.
    """

    def __init__(self, tempo: Tempo, floor_start: bool = False, lookahead_s: float = LOOKAHEAD_S) -> None:
        self.plan = rep_cues(tempo, floor_start)
        self.lookahead_s = lookahead_s
        self.cues: list[MetronomeCue] = []
        self._start_s: float | None = None
        self._next = 0

    def update(
        self, time_s: float, rep_start_s: float | None, moving_since_s: float | None
    ) -> list[MetronomeCue]:
        """Take the live analysis after a block; returns the cues committed now.

        Parameters
        ----------
        time_s : float
            The latest sample's time.
        rep_start_s : float or None
            Start of the rep under way, when one is (``LiveStatus.rep_start_s``).
        moving_since_s : float or None
            When the lifter began moving the way a rep starts (lowering; rising from the floor),
            while so moving (``LiveStatus.moving_since_s``).

        Returns
        -------
        list of MetronomeCue
            Each at its planned time, or at ``time_s`` when that has just passed.
        """
        if rep_start_s is not None:
            if self._start_s is None or abs(rep_start_s - self._start_s) > NEW_REP_S:
                self._next = 0
            self._start_s = rep_start_s
        committed = []
        while self._start_s is not None and self._next < len(self.plan):
            planned = self.plan[self._next]
            at_s = self._start_s + planned.after_s
            if at_s > time_s + self.lookahead_s:
                break
            self._next += 1
            early = moving_since_s is not None and moving_since_s <= at_s - EARLY_S
            if at_s < time_s - LATE_S or (planned.ends_rep and early):
                continue
            committed.append(MetronomeCue(max(at_s, time_s), planned.kind, self._start_s))
        self.cues += committed
        return committed
