"""Carry the flexion angle across gaps in the data, so a rep that spans one is still counted.

The lifter did the rep whether or not the radio heard all of it. Where the angle is unknown for at
most ``MAX_BRIDGE_S`` (NaN samples on the grid: a dropped connection, or lost packets whose fill may
be wrong), a straight line from the last angle before the gap to the first after it stands in for
segmentation; phases that overlap such a gap are reported as not measured. A longer gap breaks the
stream: no rep is joined across it. Fed block by block (live) or all at once (replay), it gives the
same pieces.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from imuhinge.signal.resample import MAX_BRIDGE_S


@dataclass
class Piece:
    """Samples to segment (``time_s``, ``angle_deg``), or a break in the stream (both empty)."""

    time_s: np.ndarray
    angle_deg: np.ndarray

    @property
    def is_break(self) -> bool:
        return not len(self.time_s)


@dataclass
class GapBridge:
    """Bridges the NaN runs of an angle stream.

    Attributes
    ----------
    unmeasured_s : list of (float, float)
        The bridged gaps, from the last sample before to the first after: what was there is not
        known.
    """

    max_bridge_s: float = MAX_BRIDGE_S
    unmeasured_s: list[tuple[float, float]] = field(default_factory=list)
    _last: tuple[float, float] | None = None
    _held: list[np.ndarray] = field(default_factory=list)

    def feed(self, time_s: np.ndarray, angle_deg: np.ndarray) -> list[Piece]:
        """Add samples (NaN where unknown); returns the pieces ready to segment, in order."""
        out: list[Piece] = []
        finite = np.isfinite(angle_deg)
        start = 0
        while start < len(time_s):
            if not finite[start]:
                stop = _run_end(finite, start, False)
                self._held.append(time_s[start:stop])
            else:
                stop = _run_end(finite, start, True)
                if self._held:
                    out += self._close(float(time_s[start]), float(angle_deg[start]))
                out.append(Piece(time_s[start:stop], angle_deg[start:stop]))
                self._last = float(time_s[stop - 1]), float(angle_deg[stop - 1])
            start = stop
        return out

    def _close(self, next_s: float, next_deg: float) -> list[Piece]:
        """The held gap ends at a finite sample: bridge it, or break when it is too long."""
        held = np.concatenate(self._held)
        self._held = []
        if self._last is None:
            return []
        last_s, last_deg = self._last
        if next_s - last_s > self.max_bridge_s:
            return [Piece(np.empty(0), np.empty(0))]
        self.unmeasured_s.append((last_s, next_s))
        line = last_deg + (held - last_s) / (next_s - last_s) * (next_deg - last_deg)
        return [Piece(held, line)]

    def finish(self) -> None:
        """End of stream: a gap still open at the end is not bridged."""
        self._held = []


def _run_end(mask: np.ndarray, start: int, value: bool) -> int:
    """End (exclusive) of the run of ``value`` that starts at ``start``."""
    other = np.flatnonzero(mask[start:] != value)
    return start + int(other[0]) if len(other) else len(mask)
