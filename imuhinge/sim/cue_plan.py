"""The metronome's cues as they should be, from the ground truth: each true rep start plus the
prescription, written apart from the metronome's own planning, and a cue track scored against them.

For a standing-start rep starting at ``s`` (its lowering onset) with the prescription ``E-B-C-T``:
the bottom at ``s + E`` (none when ``B`` is 0), up at ``s + E + B``, the top at ``s + E + B + C`` (none
when ``T`` is 0) and, when ``T`` is given, the next rep's "down" at ``s + E + B + C + T``. The top and
the "down" are not expected when the lifter started the next rep ``EARLY_S`` or more before them
(already moving into it); no cue of a rep is expected after the next rep has started.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

EARLY_S = 0.5
MATCH_S = 0.25


def planned_cues(
    truth_reps: list[dict[str, Any]],
    eccentric_s: float,
    bottom_s: float,
    concentric_s: float,
    top_s: float | None,
    offset_s: float = 0.0,
) -> list[tuple[float, str]]:
    """``(time_s, kind)`` of every cue a set's reps should hear, in time order.

    Parameters
    ----------
    truth_reps : list of dict
        The simulator's truth reps (``lower_onset_s``, and ``set`` for a session).
    eccentric_s, bottom_s, concentric_s, top_s : float
        The prescription (``top_s`` None: no top pause target).
    offset_s : float
        Added to the truth times (the recording's time of the simulation's time 0).
    """
    cues: list[tuple[float, str]] = []
    for k, rep in enumerate(truth_reps):
        start = rep["lower_onset_s"] + offset_s
        nxt = truth_reps[k + 1] if k + 1 < len(truth_reps) else None
        next_start = (
            None if nxt is None or nxt.get("set") != rep.get("set") else nxt["lower_onset_s"] + offset_s
        )
        bottom_at = start + eccentric_s
        up_at = bottom_at + bottom_s
        top_at = up_at + concentric_s
        during = [(bottom_at, "bottom")] if bottom_s > 0 else []
        during.append((up_at, "up"))
        ending = [(top_at, "top")] if top_s != 0 else []
        if top_s is not None:
            ending.append((top_at + top_s, "down"))
        cues += [(t, kind) for t, kind in during if next_start is None or t < next_start]
        cues += [(t, kind) for t, kind in ending if next_start is None or next_start > t - EARLY_S]
    return cues


@dataclass
class CueScore:
    """A cue track against the plan: timing errors of the matched cues, and what did not match."""

    errors_s: list[float] = field(default_factory=list)
    missing: list[tuple[float, str]] = field(default_factory=list)
    extra: list[tuple[float, str]] = field(default_factory=list)


def score_cues(planned: list[tuple[float, str]], track: list[tuple[float, str]]) -> CueScore:
    """Match each planned cue to the track's nearest cue of its kind within ``MATCH_S``."""
    score = CueScore()
    left = list(track)
    for at, kind in planned:
        near = [c for c in left if c[1] == kind and abs(c[0] - at) <= MATCH_S]
        if not near:
            score.missing.append((at, kind))
            continue
        best = min(near, key=lambda c: abs(c[0] - at))
        left.remove(best)
        score.errors_s.append(best[0] - at)
    score.extra = left
    return score
