"""A phone's sample clock, live: sample numbers, recording times and gaps from the phone's timestamps.

A phone stamps every sensor sample with its own clock; those stamps, not the moments the data reach
the computer (batched by the app, delayed by Wi-Fi), are the sample clock. Live, and causally:

1. The first ``RATE_SPAN_S`` of samples are held back until their timestamps give the rate
   (``io.timebase.initial_rate_hz``: the mean of the regular intervals).
2. Every sample gets a sample number from a phase-locked grid: the number of periods since the grid's
   last sample, rounded, after which the grid moves a fraction of the way to the sample. Timestamp
   jitter then cannot add or lose a sample, and a jump of more than one number is a gap of exactly
   that many samples (a Wi-Fi drop that lost pushes). The period is refined by a straight-line fit
   of the timestamps against the sample numbers as the set goes on.
3. A sample's recording time is its timestamp plus one offset per clock epoch: the smallest
   difference between arrival and timestamp seen while the rate was measured, the earliest the
   data could have been taken on the host's clock (``SensorClock`` reasons the same way for BLE).
   A phone whose clock restarts (a new Sensor Logger session, phyphox cleared) starts a new epoch
   after a gap sized from the host's clock.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from imuhinge.io.imports.motion import strictly_increasing
from imuhinge.io.timebase import initial_rate_hz
from imuhinge.model import G_MPS2, Gap
from imuhinge.sources.ble.clock import SampleBlock

RATE_SPAN_S = 1.5
MIN_RATE_SAMPLES = 20
LOCK_GAIN = 0.05
REFIT_SPAN_S = 10.0


@dataclass
class PhoneClockStats:
    """What a phone's clock saw: samples emitted, gaps, samples missing in them, epochs."""

    samples: int = 0
    gaps: int = 0
    missing_samples: int = 0
    epochs: int = 1
    stale_samples: int = 0


class _LineFit:
    """Running least-squares line of timestamps against sample numbers (the period is its slope)."""

    def __init__(self) -> None:
        self.n = 0
        self.p0 = self.t0 = 0.0
        self.sp = self.st = self.spp = self.spt = 0.0

    def add(self, pos: np.ndarray, t: np.ndarray) -> None:
        if self.n == 0:
            self.p0, self.t0 = float(pos[0]), float(t[0])
        p, tt = pos - self.p0, t - self.t0  # centred for precision
        self.n += len(p)
        self.sp += float(p.sum())
        self.st += float(tt.sum())
        self.spp += float(p @ p)
        self.spt += float(p @ tt)

    def slope(self) -> float | None:
        if self.n < 2:
            return None
        var = self.spp - self.sp * self.sp / self.n
        return None if var <= 0 else (self.spt - self.sp * self.st / self.n) / var


class PhoneClock:
    """Number, time and gap-mark one phone sensor's samples (see the module docstring).

    Parameters
    ----------
    placement : str
        ``upper_back`` or ``sacrum``, copied into blocks and gaps.
    rate_span_s : float
        Phone time to collect before the rate is taken from the timestamps.
    """

    def __init__(self, placement: str, rate_span_s: float = RATE_SPAN_S) -> None:
        self.placement = placement
        self.rate_span_s = rate_span_s
        self.stats = PhoneClockStats()
        self.period_s: float | None = None
        self._held: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self._lead_s = math.inf  # smallest arrival minus newest timestamp of a chunk, this epoch
        self._offset_s: float | None = None
        self._fit = _LineFit()
        self._grid_s = 0.0
        self._pos = -1
        self._seq0 = 0
        self._last_phone_s = -math.inf
        self._last_seq: int | None = None
        self._last_time_s = -math.inf

    @property
    def rate_hz(self) -> float | None:
        """The sample rate from the timestamps, once measured."""
        return None if self.period_s is None else 1.0 / self.period_s

    def push(
        self, phone_s: np.ndarray, acc_mps2: np.ndarray, gyr_rads: np.ndarray, arrival_s: float
    ) -> list[SampleBlock]:
        """Take samples (phone timestamps in seconds, SI units) that arrived at ``arrival_s``.

        Samples not later than the last one taken (repeats of data already seen) are dropped.

        Returns
        -------
        list of SampleBlock
            Blocks ready for a sink (file units), in time order.
        """
        fresh = phone_s > self._last_phone_s
        self.stats.stale_samples += int(np.count_nonzero(~fresh))
        phone_s, acc_mps2, gyr_rads = phone_s[fresh], acc_mps2[fresh], gyr_rads[fresh]
        if not len(phone_s):
            return []
        self._last_phone_s = float(phone_s[-1])
        self._lead_s = min(self._lead_s, arrival_s - float(phone_s[-1]))
        if self._offset_s is None:
            self._held.append((phone_s, acc_mps2, gyr_rads))
            return self._release(final=False)
        return self._emit(phone_s, acc_mps2, gyr_rads)

    def restart(self) -> list[SampleBlock]:
        """The phone's clock starts again (a new session): what is held goes out, a new epoch begins."""
        blocks = self.flush()
        self._offset_s = None
        self._lead_s = math.inf
        self._last_phone_s = -math.inf
        self.stats.epochs += 1
        return blocks

    def flush(self) -> list[SampleBlock]:
        """Emit the samples held back for the rate (at the end of a set, however few)."""
        return self._release(final=True)

    def _release(self, final: bool) -> list[SampleBlock]:
        if not self._held:
            return []
        t = np.concatenate([h[0] for h in self._held])
        if self.period_s is None:
            if not final and (t[-1] - t[0] < self.rate_span_s or len(t) < MIN_RATE_SAMPLES):
                return []
            rate = initial_rate_hz(t)
            if rate is None or not rate > 0:
                return []
            self.period_s = 1.0 / rate
        acc = np.concatenate([h[1] for h in self._held])
        gyr = np.concatenate([h[2] for h in self._held])
        self._held = []
        self._start_epoch(float(t[0]))
        return self._emit(t, acc, gyr)

    def _start_epoch(self, first_phone_s: float) -> None:
        assert self.period_s is not None
        self._offset_s = self._lead_s
        self._grid_s = first_phone_s - self.period_s
        self._pos = -1
        self._fit = _LineFit()
        if self._last_seq is None:
            return
        # Continue the numbering after the silence, sized on the host's clock.
        first_time_s = first_phone_s + self._offset_s
        missing = max(round((first_time_s - self._last_time_s) / self.period_s) - 1, 0)
        self._seq0 = self._last_seq + 1 + missing
        if first_time_s <= self._last_time_s:
            self._offset_s += self._last_time_s - first_time_s + self.period_s

    def _positions(self, phone_s: np.ndarray) -> np.ndarray:
        assert self.period_s is not None
        out = np.empty(len(phone_s), dtype=np.int64)
        period, grid, pos = self.period_s, self._grid_s, self._pos
        for k, t in enumerate(phone_s.tolist()):
            step = max(round((t - grid) / period), 1)
            pos += step
            grid += step * period
            grid += LOCK_GAIN * (t - grid)
            out[k] = pos
        self._grid_s, self._pos = grid, pos
        self._fit.add(out.astype(float), phone_s)
        slope = self._fit.slope()
        if slope is not None and (pos + 1) * period >= REFIT_SPAN_S and abs(slope / period - 1.0) < 0.05:
            self.period_s = slope
        return out

    def _emit(self, phone_s: np.ndarray, acc_mps2: np.ndarray, gyr_rads: np.ndarray) -> list[SampleBlock]:
        assert self._offset_s is not None
        seq = self._seq0 + self._positions(phone_s)
        # The file keeps microseconds: every sample strictly after the one before at that resolution.
        before = [self._last_time_s] if self._last_seq is not None else []
        time_s = strictly_increasing(np.concatenate([before, phone_s + self._offset_s]))[len(before) :]
        gap = None
        if self._last_seq is not None and seq[0] > self._last_seq + 1:
            missing = int(seq[0] - self._last_seq - 1)
            gap = Gap(self.placement, self._last_time_s, float(time_s[0]), missing)
            self.stats.gaps += 1
            self.stats.missing_samples += missing
        gaps_inside = np.flatnonzero(np.diff(seq) > 1)
        blocks = []
        for a, b in zip([0, *(gaps_inside + 1)], [*(gaps_inside + 1), len(seq)], strict=True):
            if a > 0:
                missing = int(seq[a] - seq[a - 1] - 1)
                gap = Gap(self.placement, float(time_s[a - 1]), float(time_s[a]), missing)
                self.stats.gaps += 1
                self.stats.missing_samples += missing
            blocks.append(
                SampleBlock(
                    self.placement,
                    time_s[a:b],
                    seq[a:b],
                    acc_mps2[a:b] / G_MPS2,
                    np.degrees(gyr_rads[a:b]),
                    gap,
                )
            )
            gap = None
        self._last_seq, self._last_time_s = int(seq[-1]), float(time_s[-1])
        self.stats.samples += len(seq)
        return blocks
