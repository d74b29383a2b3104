"""One phone's accelerometer and gyroscope, merged and clocked as they arrive, handed to a sink.

Phone apps deliver the two sensors in batches (a poll answer, a push), each with its own timestamps.
As in the imports (``io.imports.motion``), the gyroscope is interpolated at the accelerometer's
timestamps; live, an accelerometer sample waits only until the gyroscope has a sample at or after
it (at most one gyroscope interval, usually in the same batch), and the gyroscope is kept back to
the last accelerometer sample taken, for accelerometer samples that come a batch late. The merged
samples then get their sample numbers and recording times from the ``PhoneClock``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from imuhinge.io.imports.motion import Series, series_at
from imuhinge.model import Gap
from imuhinge.sources.ble.clock import SampleBlock
from imuhinge.sources.phone.clock import RATE_SPAN_S, PhoneClock

Sink = Callable[[SampleBlock], None]
_EMPTY = Series(np.empty(0), np.empty((0, 3)))


@dataclass
class PhoneStreamStats:
    """Samples received per sensor and merged samples handed on."""

    acc_samples: int = 0
    gyr_samples: int = 0
    merged_samples: int = 0


def _append(old: Series, new: Series, after_s: float) -> Series:
    """``new`` after ``old``, without what is not later than ``after_s`` or ``old``'s last sample
    (repeats of samples already seen)."""
    new = new.cleaned()
    if len(old):
        after_s = max(after_s, float(old.time_s[-1]))
    later = new.time_s > after_s
    new = Series(new.time_s[later], new.xyz[later])
    return Series(np.concatenate([old.time_s, new.time_s]), np.concatenate([old.xyz, new.xyz]))


class PhoneStream:
    """Merge, clock and deliver one phone's samples (see the module docstring).

    Parameters
    ----------
    placement : str
        Where the phone is worn.
    sink : callable
        Receives every ``SampleBlock`` (file units), in time order; gaps are also kept in ``gaps``.
    rate_span_s : float
        Phone time collected before the rate is measured (``PhoneClock``).
    """

    def __init__(self, placement: str, sink: Sink, rate_span_s: float = RATE_SPAN_S) -> None:
        self.placement = placement
        self.sink = sink
        self.clock = PhoneClock(placement, rate_span_s)
        self.stats = PhoneStreamStats()
        self.gaps: list[Gap] = []
        self._acc = _EMPTY
        self._gyr = _EMPTY
        self._acc_through_s = -np.inf
        self._arrival_s = 0.0

    @property
    def streaming(self) -> bool:
        """True once samples go out (the rate is known)."""
        return self.clock.stats.samples > 0

    def add(self, acc: Series, gyr: Series, arrival_s: float) -> None:
        """Take one batch: accelerometer (m/s^2, gravity included) and gyroscope (rad/s) samples on
        the phone's clock, arrived at ``arrival_s`` (recording time)."""
        self.stats.acc_samples += len(acc)
        self.stats.gyr_samples += len(gyr)
        self._arrival_s = arrival_s
        self._acc = _append(self._acc, acc, self._acc_through_s)
        self._gyr = _append(self._gyr, gyr, -np.inf)
        self._push(final=False)

    def restart(self) -> None:
        """The phone's clock started again: finish the old epoch; later samples begin a new one."""
        self._push(final=True)
        self._deliver(self.clock.restart())
        self._acc, self._gyr, self._acc_through_s = _EMPTY, _EMPTY, -np.inf

    def close(self) -> None:
        """End of the set: deliver everything that can still be merged and timed."""
        self._push(final=True)
        self._deliver(self.clock.flush())

    def _push(self, final: bool) -> None:
        time_s, acc_mps2, gyr_rads = self._merge(final)
        if len(time_s):
            # Leftovers arrived no later than the last batch: its arrival time bounds their lead.
            self._deliver(self.clock.push(time_s, acc_mps2, gyr_rads, self._arrival_s))

    def _merge(self, final: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        acc, gyr = self._acc, self._gyr
        if not len(acc) or len(gyr) < 2:
            return np.empty(0), np.empty((0, 3)), np.empty((0, 3))
        ready = acc.time_s <= gyr.time_s[-1]
        if final:
            ready[:] = True
        covered, rates = series_at(acc.time_s[ready], gyr)
        if ready.any():
            self._acc_through_s = float(acc.time_s[ready][-1])
        t, xyz = acc.time_s[ready][covered], acc.xyz[ready][covered]
        waiting = Series(acc.time_s[~ready], acc.xyz[~ready])
        # Phones fill the two sensors' buffers separately, so an accelerometer sample may arrive
        # after later gyroscope samples: keep the gyroscope from the sample before the earliest
        # accelerometer time still to come (at least its last two samples).
        anchor = waiting.time_s[0] if len(waiting) else self._acc_through_s
        first = int(np.searchsorted(gyr.time_s, anchor)) - 1
        keep = max(min(first, len(gyr) - 2), 0)
        self._acc, self._gyr = waiting, Series(gyr.time_s[keep:], gyr.xyz[keep:])
        self.stats.merged_samples += len(t)
        return t, xyz, rates

    def _deliver(self, blocks: list[SampleBlock]) -> None:
        for block in blocks:
            if block.gap is not None:
                self.gaps.append(block.gap)
            self.sink(block)
