"""Rep segmentation: one incremental implementation for replay and the live view.

The smoothed trunk flexion is scanned for excursions: from a running minimum (standing), an excursion
starts when the angle rises by ``partial_min_deg`` and ends when it falls back into the bottom quarter
of its own range. An excursion whose peak reaches ``min_depth_deg`` is a rep, a shallower one a partial
movement. Floor-start reps (deadlift) are the same on the mirrored angle: the excursion is the lockout.
Each rep's two movements get their onsets and offsets from the phase rule (``reps.phase_rule``,
``docs/method.md``).

Every decision depends only on samples up to a bounded look-ahead, so feeding a recording in chunks of
any size gives exactly the reps of a single batch call.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from imuhinge.model import MIN_DEPTH_DEG, PartialMovement
from imuhinge.reps.phase_rule import (
    SPEED_FLOOR_DPS,
    SPEED_FRACTION,
    Zone,
    crossing_time,
    movement_bounds,
    movement_onset_s,
)


@dataclass(frozen=True)
class SegmenterConfig:
    """Thresholds of the segmentation, all configurable."""

    min_depth_deg: float = MIN_DEPTH_DEG
    partial_min_deg: float = 7.0
    zone_fraction: float = 0.25
    speed_fraction: float = SPEED_FRACTION
    speed_floor_dps: float = SPEED_FLOOR_DPS
    max_onset_search_s: float = 10.0
    max_offset_search_s: float = 10.0
    floor_lookahead_s: float = 1.5
    scan_window_s: float = 5.0  # work per scan step; results do not depend on it


@dataclass
class RepBounds:
    """Phase boundaries of one rep (seconds) and its extreme, before any metric is computed.

    ``first`` is the movement into the excursion (the lowering of a standing-start rep, the rise of a
    floor-start rep), ``second`` the movement out of it.
    """

    first_onset_s: float
    first_offset_s: float
    second_onset_s: float
    second_offset_s: float
    extreme_time_s: float
    extreme_deg: float
    after_gap: bool = False


@dataclass
class _Excursion:
    start: int
    peak: int
    end: int
    peak_s: float
    base_s: float


def _last_in(angle: np.ndarray, zone: Zone) -> int | None:
    """Index of the last sample inside ``zone``, None when none is."""
    inside = np.flatnonzero((angle >= zone.low_deg) & (angle <= zone.high_deg))
    return int(inside[-1]) if len(inside) else None


def _first_in(angle: np.ndarray, zone: Zone) -> int | None:
    """Index of the first sample inside ``zone``, None when none is."""
    inside = np.flatnonzero((angle >= zone.low_deg) & (angle <= zone.high_deg))
    return int(inside[0]) if len(inside) else None


def _append(buffer: np.ndarray, new: np.ndarray) -> np.ndarray:
    """``buffer`` followed by ``new``; no copy while the buffer is empty (a whole recording at once)."""
    return np.asarray(new, dtype=float) if not len(buffer) else np.concatenate([buffer, new])


class Segmenter:
    """Incremental rep segmenter over a smoothed flexion stream.

    Parameters
    ----------
    fs_hz : float
        Sample rate of the stream.
    floor_start : bool
        True for floor-start reps (deadlift): rise, lockout, lower, pause at the floor.
    config : SegmenterConfig, optional
    """

    def __init__(self, fs_hz: float, floor_start: bool = False, config: SegmenterConfig | None = None):
        self.fs_hz = fs_hz
        self.floor_start = floor_start
        self.cfg = config or SegmenterConfig()
        self.sign = -1.0 if floor_start else 1.0
        self.reps: list[RepBounds] = []
        self.partials: list[PartialMovement] = []
        self._max_onset = int(self.cfg.max_onset_search_s * fs_hz)
        self._max_offset = int(self.cfg.max_offset_search_s * fs_hz)
        self._window = max(int(self.cfg.scan_window_s * fs_hz), 1)
        self._lookahead = int(self.cfg.floor_lookahead_s * fs_hz) if floor_start else 0
        self._reset()

    def _reset(self) -> None:
        self._t = np.empty(0)
        self._a = np.empty(0)
        self._v = np.empty(0)
        self._base = 0
        self._pos = 0
        self._top = True
        self._m = np.inf
        self._m_idx = 0
        self._exc: _Excursion | None = None
        self._pending: list[_Excursion] = []
        self._prev_second_peak: int | None = None
        self._after_gap = False

    def feed(self, time_s: np.ndarray, angle_deg: np.ndarray, speed_dps: np.ndarray) -> list[RepBounds]:
        """Add smoothed samples; returns the reps completed by them."""
        self._t, self._a, self._v = (
            _append(self._t, time_s),
            _append(self._a, angle_deg),
            _append(self._v, speed_dps),
        )
        self._scan()
        done = self._finalize(final=False)
        self._trim()
        return done

    def finish(self) -> list[RepBounds]:
        """End of stream: completes what can be completed; an unfinished excursion is not a rep."""
        done = self._finalize(final=True)
        self._pending.clear()
        return done

    def gap(self) -> list[RepBounds]:
        """A long gap in the data: no rep is joined across it, and the next rep is marked."""
        done = self.finish()
        self._reset()
        self._after_gap = bool(self.reps)
        return done

    # -- scanning -----------------------------------------------------------------------------

    def _s(self, lo: int, hi: int) -> np.ndarray:
        return self.sign * self._a[lo - self._base : hi - self._base]

    def _scan(self) -> None:
        end = self._base + len(self._a)
        while self._pos < end:
            # Bounded windows keep the cost linear in the stream length; decisions are per sample,
            # so the window size does not change any result.
            stop = min(end, self._pos + self._window)
            if self._top:
                self._scan_top(stop)
            else:
                self._scan_excursion(stop)

    def _scan_top(self, end: int) -> None:
        w = self._s(self._pos, end)
        running = np.minimum.accumulate(np.concatenate([[self._m], w]))[1:]
        hit = np.flatnonzero(w > running + self.cfg.partial_min_deg)
        stop = hit[0] if len(hit) else len(w) - 1
        seg = w[: stop + 1]
        k = int(np.argmin(seg))
        if seg[k] < self._m:
            self._m, self._m_idx = float(seg[k]), self._pos + k
        if not len(hit):
            self._pos = end
            return
        at = self._pos + int(stop)
        start = max(self._m_idx, at - self._max_onset)
        self._exc = _Excursion(start, at, at, float(w[stop]), self._m)
        self._top = False
        self._pos = at + 1

    def _scan_excursion(self, end: int) -> None:
        exc = self._exc
        assert exc is not None
        w = self._s(self._pos, end)
        running = np.maximum.accumulate(np.concatenate([[exc.peak_s], w]))[1:]
        back = exc.base_s + self.cfg.zone_fraction * (running - exc.base_s)
        hit = np.flatnonzero(w < back)
        stop = hit[0] if len(hit) else len(w) - 1
        seg = w[: stop + 1]
        k = int(np.argmax(seg))
        if seg[k] > exc.peak_s:
            exc.peak_s, exc.peak = float(seg[k]), self._pos + k
        if not len(hit):
            self._pos = end
            return
        exc.end = self._pos + int(stop)
        self._classify(exc)
        self._top = True
        self._m, self._m_idx = float(w[stop]), exc.end
        self._exc = None
        self._pos = exc.end + 1

    def _classify(self, exc: _Excursion) -> None:
        if self.floor_start:
            floor_deg, lock_deg = -exc.base_s, -exc.peak_s
            is_rep = (
                floor_deg - lock_deg >= self.cfg.min_depth_deg
                and lock_deg <= self.cfg.zone_fraction * floor_deg
            )
        else:
            is_rep = exc.peak_s >= self.cfg.min_depth_deg
        if is_rep:
            self._pending.append(exc)
        else:
            i = exc.start - self._base, exc.end - self._base
            self.partials.append(
                PartialMovement(
                    float(self._t[i[0]]),
                    float(self._t[i[1]]),
                    float(np.max(self._a[i[0] : i[1] + 1])),
                )
            )

    # -- phase boundaries ---------------------------------------------------------------------

    def _zones(self, exc: _Excursion, floor_after_deg: float) -> tuple[Zone, Zone, Zone, Zone]:
        """Onset and offset zones of the first and second movement."""
        q = self.cfg.zone_fraction
        if not self.floor_start:
            peak = exc.peak_s
            top, deep = Zone(-np.inf, q * peak), Zone((1 - q) * peak, np.inf)
            return top, deep, deep, top
        floor_before = -exc.base_s
        return (
            Zone((1 - q) * floor_before, np.inf),
            Zone(-np.inf, q * floor_before),
            Zone(-np.inf, q * floor_after_deg),
            Zone((1 - q) * floor_after_deg, np.inf),
        )

    def _finalize(self, final: bool) -> list[RepBounds]:
        done = []
        end = self._base + len(self._a)
        while self._pending:
            exc = self._pending[0]
            if not final and end <= exc.end + self._lookahead:
                break
            b = self._base
            t, a, v = self._t, self._a, self._v
            floor_after = float(np.max(a[exc.peak - b : min(exc.end + self._lookahead, end) - b]))
            on1, off1, on2, off2 = self._zones(exc, floor_after)
            # Each movement's peak speed is looked for where it crosses the range, between its last
            # sample in its onset zone and its first in its offset zone: a dip or a lean-back recovery
            # next to the rep stays inside the zone and is no rival.
            right = _first_in(a[exc.peak - b : exc.end - b + 1], off2)
            hi2 = exc.end if right is None else exc.peak + right
            j1, lo = self._first_peak(exc, on1)
            j2 = exc.peak + int(np.argmin(self.sign * v[exc.peak - b : hi2 - b + 1]))
            kw = {"fraction": self.cfg.speed_fraction, "floor_dps": self.cfg.speed_floor_dps}
            first = movement_bounds(t, a, v, j1 - b, on1, off1, (lo - b, j2 - b), **kw)
            limit = j2 + self._max_offset
            second = movement_bounds(t, a, v, j2 - b, on2, off2, (j1 - b, min(end, limit) - b), **kw)
            if second is None and not final and end < limit:
                break
            self._pending.pop(0)
            if first is None or second is None:
                continue
            self._prev_second_peak = j2
            rep = RepBounds(
                first[0],
                first[1],
                second[0],
                second[1],
                float(t[exc.peak - b]),
                float(a[exc.peak - b]),
                self._after_gap,
            )
            self._after_gap = False
            self.reps.append(rep)
            done.append(rep)
        return done

    def _first_peak(self, exc: _Excursion, onset_zone: Zone) -> tuple[int, int]:
        """Peak-speed index of an excursion's first movement (so far), and where its onset search
        starts."""
        b = self._base
        left = _last_in(self._a[exc.start - b : exc.peak - b + 1], onset_zone)
        lo1 = exc.start + (0 if left is None else left)
        j1 = lo1 + int(np.argmax(self.sign * self._v[lo1 - b : exc.peak - b + 1]))
        lo = max(j1 - self._max_onset, b if self._prev_second_peak is None else self._prev_second_peak)
        return j1, lo

    @property
    def busy(self) -> bool:
        """True while the angle is away from its top (or floor) level, or a rep waits for its end."""
        return self._exc is not None or bool(self._pending)

    def rep_onset_s(self) -> float | None:
        """Onset of the rep under way, once it is deep enough to be a rep; None otherwise.

        The phase rule applied to the samples so far: once the first movement's peak speed is past,
        this is the onset the finished rep will have.
        """
        exc = self._exc
        if exc is None or exc.peak_s - (exc.base_s if self.floor_start else 0.0) < self.cfg.min_depth_deg:
            return None
        on1 = self._zones(exc, 0.0)[0]
        j1, lo = self._first_peak(exc, on1)
        b = self._base
        return movement_onset_s(
            self._t, self._a, self._v, j1 - b, on1, lo - b, self.cfg.speed_fraction, self.cfg.speed_floor_dps
        )

    def moving_since_s(self, moving_dps: float) -> float | None:
        """When the movement under way in a rep's first direction (lowering; rising from the floor)
        began: where its speed last rose through the phase rule's floor. None unless the angle now
        moves that way faster than ``moving_dps``."""
        along = self.sign * self._v
        if not len(along) or along[-1] <= moving_dps:
            return None
        slow = np.flatnonzero(along < self.cfg.speed_floor_dps)
        if not len(slow):
            return None
        i = int(slow[-1])
        return crossing_time(self._t[i], self._t[i + 1], along[i], along[i + 1], self.cfg.speed_floor_dps)

    def _trim(self) -> None:
        keep = [self._pos - self._max_onset]
        keep += [e.start - self._max_onset for e in self._pending]
        if self._exc is not None:
            keep.append(self._exc.start - self._max_onset)
        cut = min(keep) - self._base
        if cut > 0:
            self._t, self._a, self._v = self._t[cut:], self._a[cut:], self._v[cut:]
            self._base += cut
