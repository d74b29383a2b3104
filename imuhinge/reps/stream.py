"""Flexion in, reps out: gaps bridged (``bridge``), the angle smoothed (``signal.smoothing``) and
segmented (``segment``), fed in blocks of any size or all at once with the same result."""

from __future__ import annotations

import numpy as np

from imuhinge.model import PartialMovement
from imuhinge.reps.bridge import GapBridge
from imuhinge.reps.segment import RepBounds, Segmenter, SegmenterConfig
from imuhinge.signal.smoothing import StreamSmoother


class RepStream:
    """The trunk's flexion angle, block by block, to reps with their phase boundaries.

    Parameters
    ----------
    fs_hz : float
        Sample rate of the angle stream.
    floor_start : bool
        Floor-start reps (deadlift).
    config : SegmenterConfig, optional
    """

    def __init__(self, fs_hz: float, floor_start: bool = False, config: SegmenterConfig | None = None):
        self.fs_hz = fs_hz
        self.segmenter = Segmenter(fs_hz, floor_start, config)
        self.bridge = GapBridge()
        self._smoother = StreamSmoother(fs_hz)
        self._waiting_s = np.empty(0)  # times of samples the smoother has not given back yet
        self.last_angle_deg: float | None = None
        self.last_speed_dps = 0.0

    @property
    def reps(self) -> list[RepBounds]:
        """Every rep found so far."""
        return self.segmenter.reps

    @property
    def partials(self) -> list[PartialMovement]:
        """Movements too shallow to be reps."""
        return self.segmenter.partials

    @property
    def unmeasured_s(self) -> list[tuple[float, float]]:
        """Gaps bridged whose content is not known (``bridge.GapBridge``)."""
        return self.bridge.unmeasured_s

    @property
    def busy(self) -> bool:
        """True while a movement away from the top (or the floor) is under way."""
        return self.segmenter.busy

    def moving_since_s(self, moving_dps: float) -> float | None:
        """When the movement under way in a rep's first direction began (``Segmenter.moving_since_s``)."""
        return self.segmenter.moving_since_s(moving_dps)

    def rep_onset_s(self) -> float | None:
        """Onset of the rep under way, once it is deep enough (``Segmenter.rep_onset_s``)."""
        return self.segmenter.rep_onset_s()

    def feed(self, time_s: np.ndarray, angle_deg: np.ndarray) -> list[RepBounds]:
        """Add flexion samples (NaN where unknown); returns the reps they complete."""
        done: list[RepBounds] = []
        for piece in self.bridge.feed(time_s, angle_deg):
            if piece.is_break:
                done += self._break()
            else:
                done += self._segment(*self._smooth_feed(piece.time_s, piece.angle_deg))
        return done

    def finish(self) -> list[RepBounds]:
        """End of the stream: completes what can be completed."""
        self.bridge.finish()
        return self._break()

    def _smooth_feed(self, time_s: np.ndarray, angle_deg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        self._waiting_s = np.concatenate([self._waiting_s, time_s])
        return self._smoother.feed(angle_deg)

    def _segment(self, angle: np.ndarray, speed: np.ndarray) -> list[RepBounds]:
        if not len(angle):
            return []
        t, self._waiting_s = self._waiting_s[: len(angle)], self._waiting_s[len(angle) :]
        self.last_angle_deg, self.last_speed_dps = float(angle[-1]), float(speed[-1])
        return self.segmenter.feed(t, angle, speed)

    def _break(self) -> list[RepBounds]:
        done = self._segment(*self._smoother.finish())
        done += self.segmenter.gap()
        self._smoother = StreamSmoother(self.fs_hz)
        self._waiting_s = np.empty(0)
        return done
