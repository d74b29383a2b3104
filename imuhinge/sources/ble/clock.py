"""Sensor clocks: put packets in order, number samples, find gaps and map them to recording time.

Sample times come from the sensor's own clock (timestamps or a sample counter) or, for devices
without one, from sample numbers at the nominal rate. Host arrival times only fix the offset and
the drift between that clock and the host's, because arrival is batched by the connection interval
(10+ ms of jitter, always late, never early). ``LowerEnvelopeFit`` fits that relation to the lower
envelope of the arrivals; ``SensorClock`` does the per-sensor bookkeeping around it.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import math
from collections import deque
from dataclasses import dataclass, field

import numpy as np

from imuhinge.model import Gap
from imuhinge.sources.ble.profiles.base import ClockModel, DecodedPacket

REORDER_DEPTH = 4
HOLD_S = 0.15
MAX_BACKWARD_S = 5.0
AHEAD_TOLERANCE_S = 0.25
MIN_SPAN_S = 1.0
SLEW_HORIZON_S = 1.0
MAX_SLEW = 0.005
DROPOUT_WINDOW_S = 0.5


class LowerEnvelopeFit:
    """Online fit of ``host_s = offset_s + (1 + drift) * sensor_s`` to the lower envelope.

    A notification cannot arrive before its last sample was taken, so every arrival lies on or
    above the true line, by the radio latency plus a delay that is uniform over the connection
    interval. The fitted line is the one below all points that is closest to them on average (the
    linear program min sum(y - a - b x) s.t. y >= a + b x); its optimum is the lower-convex-hull
    edge spanning the mean sensor time, so it costs O(1) amortised per point. Any amount of extra
    delay (batching, retransmissions, a busy host) only lifts points and does not bias the fit.

    The slope is confined to ``1 +- max_drift``; until the points span ``min_span_s`` of sensor
    time the envelope cannot tell a drift from the jitter, and the prior drift holds.

    Parameters
    ----------
    max_drift : float
        Largest plausible relative clock error, for example 1e-3 for a crystal.
    prior_drift : float
        Drift assumed before the data can show it (the previous fit's, after a reconnect).
    min_span_s : float
        Sensor time the points must span before their slope is used.
    """

    def __init__(
        self,
        max_drift: float = 1e-3,
        prior_drift: float = 0.0,
        min_span_s: float = MIN_SPAN_S,
    ) -> None:
        self.max_drift = max_drift
        self.prior_drift = prior_drift
        self.min_span_s = min_span_s
        self._origin: tuple[float, float] | None = None
        self._hull_x: list[float] = []
        self._hull_y: list[float] = []
        self._sum_x = 0.0
        self.n_points = 0
        self._line: tuple[float, float] | None = None

    def add(self, sensor_s: float, host_s: float) -> None:
        """Add one arrival: the sensor time of a notification's last sample and its host time.

        Points older than the newest sensor time so far (reordered packets) are ignored.
        """
        if self._origin is None:
            self._origin = (sensor_s, host_s)
        x, y = sensor_s - self._origin[0], host_s - self._origin[1]
        hx, hy = self._hull_x, self._hull_y
        if hx and x < hx[-1]:
            return
        if hx and x == hx[-1]:
            if y >= hy[-1]:
                return
            hx.pop()
            hy.pop()
        while len(hx) >= 2 and (hx[-1] - hx[-2]) * (y - hy[-2]) - (hy[-1] - hy[-2]) * (x - hx[-2]) <= 0:
            hx.pop()
            hy.pop()
        hx.append(x)
        hy.append(y)
        self._sum_x += x
        self.n_points += 1
        self._line = None

    @property
    def span_s(self) -> float:
        """Sensor time covered by the points."""
        return self._hull_x[-1] - self._hull_x[0] if self._hull_x else 0.0

    def _fit(self) -> tuple[float, float]:
        if self._line is None:
            hx, hy = self._hull_x, self._hull_y
            slope = 1.0 + self.prior_drift
            if len(hx) >= 2 and self.span_s >= self.min_span_s:
                mean_x = self._sum_x / self.n_points
                i = min(max(bisect.bisect_right(hx, mean_x) - 1, 0), len(hx) - 2)
                edge = (hy[i + 1] - hy[i]) / (hx[i + 1] - hx[i])
                slope = min(max(edge, 1.0 - self.max_drift), 1.0 + self.max_drift)
            self._line = (min(y - slope * x for x, y in zip(hx, hy, strict=True)), slope)
        return self._line

    @property
    def drift(self) -> float:
        """Fitted relative rate error of the sensor clock (host seconds per sensor second - 1)."""
        return self._fit()[1] - 1.0

    @property
    def offset_s(self) -> float:
        """Fitted host time at sensor time 0."""
        intercept, slope = self._fit()
        assert self._origin is not None
        return self._origin[1] + intercept - slope * self._origin[0]

    def predict(self, sensor_s: float | np.ndarray) -> float | np.ndarray:
        """Earliest host arrival time of a sample taken at ``sensor_s``."""
        intercept, slope = self._fit()
        assert self._origin is not None
        return self._origin[1] + intercept + slope * (sensor_s - self._origin[0])

    def inverse(self, host_s: float) -> float:
        """Sensor time whose earliest arrival is ``host_s``."""
        intercept, slope = self._fit()
        assert self._origin is not None
        return self._origin[0] + (host_s - self._origin[1] - intercept) / slope


@dataclass
class _Mapping:
    """Continuous, strictly increasing map from sensor time to recording time.

    It follows the fit by slewing its rate (at most ``MAX_SLEW``) instead of jumping, so emitted
    times never go backwards while the envelope is still settling.
    """

    anchor_x: float
    anchor_t: float
    rate: float

    def __call__(self, sensor_s: np.ndarray) -> np.ndarray:
        return self.anchor_t + (sensor_s - self.anchor_x) * self.rate

    def steer(self, fit: LowerEnvelopeFit, sensor_s: float) -> None:
        now_t = self.anchor_t + (sensor_s - self.anchor_x) * self.rate
        error_s = float(fit.predict(sensor_s)) - now_t
        correction = min(max(error_s / SLEW_HORIZON_S, -MAX_SLEW), MAX_SLEW)
        self.anchor_x, self.anchor_t = sensor_s, now_t
        self.rate = 1.0 + fit.drift + correction


@dataclass(frozen=True)
class SampleBlock:
    """Consecutive samples of one sensor, ready for a sink (recording writer, live analyser).

    Attributes
    ----------
    placement : str
        ``upper_back`` or ``sacrum``.
    time_s : ndarray, shape (n,)
        Seconds since the recording started, strictly increasing across blocks.
    seq : ndarray of int64, shape (n,)
        Sample number since the stream started; a jump marks lost samples.
    acc_g : ndarray, shape (n, 3)
    gyr_dps : ndarray, shape (n, 3)
    gap : Gap or None
        The gap just before this block's first sample, if any.
    """

    placement: str
    time_s: np.ndarray
    seq: np.ndarray
    acc_g: np.ndarray
    gyr_dps: np.ndarray
    gap: Gap | None = None

    def __len__(self) -> int:
        return len(self.time_s)


@dataclass
class ClockStats:
    """What a sensor's clock saw: packets, samples emitted, duplicates dropped, gaps."""

    packets: int = 0
    samples: int = 0
    duplicate_samples: int = 0
    gaps: int = 0
    missing_samples: int = 0
    clock_restarts: int = 0
    reconnects: int = 0


def _unwrap(value: float, reference: float, modulus: float | None) -> float:
    """``value`` plus the multiple of ``modulus`` that brings it nearest to ``reference``."""
    if modulus is None:
        return value
    return value + round((reference - value) / modulus) * modulus


@dataclass(order=True)
class _Pending:
    key: float
    channel: int
    order: int
    arrival_s: float = field(compare=False)
    epoch: int = field(compare=False)
    sensor_s: np.ndarray = field(compare=False)
    count: np.ndarray | None = field(compare=False)
    packet: DecodedPacket = field(compare=False)


class SensorClock:
    """Order, number and time one sensor's samples; report gaps.

    For sensors with a counter or timestamps, packets wait in a small reorder buffer (at most
    ``reorder_depth`` packets or ``hold_s`` of arrival time) and come out in sensor order;
    duplicates and overlaps are dropped by sample number; a jump in sample numbers is a gap with
    its exact size. A packet whose clock does not fit the host's elapsed time (the device
    restarted its clock) starts a new clock epoch, bridged by a gap sized from host time. Sensors
    without a clock are numbered by arrival: a notification that arrives later than the fitted
    envelope allows marks lost samples, sized from the delay (short losses within the jitter
    cannot be seen). Accelerometer-only and gyroscope-only packets (Polar) are paired by time.

    Parameters
    ----------
    placement : str
        Sensor placement, copied into blocks and gaps.
    model : ClockModel
        The profile's clock model.
    sample_rate_hz : float
        Nominal sample rate.
    counter_modulus : int, optional
        Wrap of the sample counter (65536 for a u16).
    timestamp_modulus_s : float, optional
        Wrap of the sensor timestamp.
    max_drift : float
        Largest plausible relative error of the sensor's clock.
    reorder_depth : int
        Packets held back for reordering.
    hold_s : float
        Longest time (arrival clock) a packet is held back.
    """

    def __init__(
        self,
        placement: str,
        model: ClockModel,
        sample_rate_hz: float,
        *,
        counter_modulus: int | None = None,
        timestamp_modulus_s: float | None = None,
        max_drift: float = 1e-3,
        reorder_depth: int = REORDER_DEPTH,
        hold_s: float = HOLD_S,
    ) -> None:
        self.placement = placement
        self.model = model
        self.sample_rate_hz = float(sample_rate_hz)
        self.period_s = 1.0 / self.sample_rate_hz
        self.counter_modulus = counter_modulus
        self.timestamp_modulus_s = timestamp_modulus_s
        self.max_drift = max_drift
        self.reorder_depth = reorder_depth
        self.hold_s = hold_s
        self.stats = ClockStats()
        self.fit = LowerEnvelopeFit(max_drift)
        self._epoch = 0
        self._counter_anchor: tuple[float, int] | None = None
        self._newest_s = -math.inf
        self._pending: list[_Pending] = []
        self._order = itertools.count()
        self._reconnected = False
        self._map: _Mapping | None = None
        self._emitted_epoch = -1
        self._epoch_seq0 = 0
        self._epoch_count0 = 0
        self._last_seq: int | None = None
        self._last_x = 0.0
        self._last_time_s = 0.0
        self._late_s: deque[float] = deque(maxlen=256)
        self._dropout: list[tuple[DecodedPacket, float]] = []
        self._acc_queue: deque[tuple[float, np.ndarray, float]] = deque()
        self._gyr_queue: deque[tuple[float, np.ndarray, float]] = deque()
        self._acc_last_x = -math.inf
        self._gyr_last_x = -math.inf

    def reconnect(self) -> None:
        """Mark that the link was lost and re-established; the next packet may follow a gap."""
        self._reconnected = True
        self.stats.reconnects += 1

    def push(self, packet: DecodedPacket, arrival_s: float) -> list[SampleBlock]:
        """Take one decoded notification and return the blocks that are ready.

        Parameters
        ----------
        packet : DecodedPacket
            Decoded samples.
        arrival_s : float
            Host arrival time in recording seconds.

        Returns
        -------
        list of SampleBlock
        """
        self.stats.packets += 1
        if self.model is ClockModel.NOMINAL_RATE:
            return self._push_nominal(packet, arrival_s)
        sensor_s, modulus_s = self._sensor_domain(packet)
        last = float(sensor_s[-1])
        blocks: list[SampleBlock] = []
        if self.fit.n_points:
            reference = self.fit.inverse(arrival_s)
            unwrapped = _unwrap(last, reference, modulus_s)
            # Late is normal (retransmissions, a busy host); running backwards past the reorder
            # window or ahead of the host's elapsed time means the device's clock restarted.
            if self._newest_s - MAX_BACKWARD_S <= unwrapped <= reference + AHEAD_TOLERANCE_S:
                sensor_s = sensor_s + (unwrapped - last)
                last = unwrapped
            else:
                blocks = self.flush()
                self._new_epoch()
        count = self._unwrap_counter(packet.counter, float(sensor_s[0]))
        self.fit.add(last, arrival_s)
        self._newest_s = max(self._newest_s, last)
        channel = 0 if packet.acc_g is not None and packet.gyr_dps is not None else 1
        channel += packet.acc_g is None
        key = round(float(sensor_s[0]) * self.sample_rate_hz * 4) / (self.sample_rate_hz * 4)
        if any(p.key == key and p.channel == channel for p in self._pending):
            self.stats.duplicate_samples += len(packet)
            return blocks
        item = _Pending(key, channel, next(self._order), arrival_s, self._epoch, sensor_s, count, packet)
        heapq.heappush(self._pending, item)
        return blocks + self._drain(arrival_s)

    def flush(self, now_s: float | None = None) -> list[SampleBlock]:
        """Release held packets: all of them, or those held longer than ``hold_s`` at ``now_s``."""
        if self._dropout and (now_s is None or now_s - self._dropout[0][1] >= DROPOUT_WINDOW_S):
            return self._resolve_dropout()
        if now_s is not None:
            return self._drain(now_s)
        blocks: list[SampleBlock] = []
        while self._pending:
            blocks += self._emit_pending(heapq.heappop(self._pending))
        return blocks

    def _sensor_domain(self, packet: DecodedPacket) -> tuple[np.ndarray, float | None]:
        if self.model is ClockModel.SENSOR_TIMESTAMP and packet.sensor_time_s is not None:
            return np.asarray(packet.sensor_time_s, dtype=float), self.timestamp_modulus_s
        if packet.counter is None:
            raise ValueError(f"a {self.model} clock needs packets with timestamps or a counter")
        modulus = self.counter_modulus and self.counter_modulus * self.period_s
        return np.asarray(packet.counter, dtype=float) * self.period_s, modulus

    def _unwrap_counter(self, counter: np.ndarray | None, first_s: float) -> np.ndarray | None:
        if counter is None:
            return None
        counter = np.asarray(counter, dtype=np.int64)
        if self._counter_anchor is None:
            self._counter_anchor = (first_s, int(counter[0]))
        anchor_s, anchor_count = self._counter_anchor
        expected = anchor_count + round((first_s - anchor_s) * self.sample_rate_hz)
        first = int(_unwrap(float(counter[0]), expected, self.counter_modulus))
        steps = counter - counter[0]
        if self.counter_modulus:
            steps %= self.counter_modulus
        return first + steps

    def _new_epoch(self) -> None:
        self._epoch += 1
        self.stats.clock_restarts += 1
        prior = self.fit.drift if self.fit.n_points else 0.0
        self.fit = LowerEnvelopeFit(self.max_drift, prior_drift=prior)
        self._counter_anchor = None
        self._newest_s = -math.inf
        self._reconnected = False
        self._acc_queue.clear()
        self._gyr_queue.clear()
        self._acc_last_x = self._gyr_last_x = -math.inf

    def _drain(self, now_s: float) -> list[SampleBlock]:
        blocks: list[SampleBlock] = []
        while self._pending and (
            len(self._pending) > self.reorder_depth
            or min(p.arrival_s for p in self._pending) <= now_s - self.hold_s
        ):
            blocks += self._emit_pending(heapq.heappop(self._pending))
        return blocks

    def _emit_pending(self, item: _Pending) -> list[SampleBlock]:
        packet = item.packet
        if packet.acc_g is not None and packet.gyr_dps is not None:
            return self._emit(
                item.sensor_s, item.count, packet.acc_g, packet.gyr_dps, item.arrival_s, item.epoch
            )
        paired = self._pair(item)
        if paired is None:
            return []
        sensor_s, acc_g, gyr_dps, arrival_s = paired
        return self._emit(sensor_s, None, acc_g, gyr_dps, arrival_s, item.epoch)

    def _pair(self, item: _Pending) -> tuple[np.ndarray, np.ndarray, np.ndarray, float] | None:
        half = 0.5 * self.period_s
        is_acc = item.packet.acc_g is not None
        values = item.packet.acc_g if is_acc else item.packet.gyr_dps
        assert values is not None
        queue = self._acc_queue if is_acc else self._gyr_queue
        last = self._acc_last_x if is_acc else self._gyr_last_x
        for x, value in zip(item.sensor_s, values, strict=True):
            if x > last + half:
                queue.append((float(x), value, item.arrival_s))
                last = float(x)
            else:
                self.stats.duplicate_samples += 1
        if is_acc:
            self._acc_last_x = last
        else:
            self._gyr_last_x = last
        xs, accs, gyrs, arrivals = [], [], [], []
        while self._acc_queue and self._gyr_queue:
            (xa, acc, arrival_a), (xg, gyr, arrival_g) = self._acc_queue[0], self._gyr_queue[0]
            if abs(xa - xg) <= half:
                xs.append(xa)
                accs.append(acc)
                gyrs.append(gyr)
                arrivals.append(max(arrival_a, arrival_g))
                self._acc_queue.popleft()
                self._gyr_queue.popleft()
            elif xa < xg:
                self._acc_queue.popleft()
            else:
                self._gyr_queue.popleft()
        if not xs:
            return None
        return np.array(xs), np.array(accs), np.array(gyrs), max(arrivals)

    def _push_nominal(self, packet: DecodedPacket, arrival_s: float) -> list[SampleBlock]:
        blocks: list[SampleBlock] = []
        if self._reconnected:
            blocks = self._resolve_dropout()
            self._new_epoch()
        if self._dropout:
            self._dropout.append((packet, arrival_s))
            if arrival_s - self._dropout[0][1] >= DROPOUT_WINDOW_S:
                blocks += self._resolve_dropout()
            return blocks
        if self._last_seq is not None and self._epoch == self._emitted_epoch:
            last_index = self._last_seq - self._epoch_seq0 + len(packet)
            late_s = arrival_s - float(self.fit.predict(last_index * self.period_s))
            if late_s > max(4 * self.period_s, 0.05, 2 * self._jitter_s()):
                self._dropout.append((packet, arrival_s))
                return blocks
            self._late_s.append(late_s)
        return blocks + self._emit_nominal(packet, arrival_s, 0)

    def _jitter_s(self) -> float:
        """95th percentile of recent arrival delays over the envelope."""
        return float(np.percentile(self._late_s, 95)) if self._late_s else 0.0

    def _resolve_dropout(self) -> list[SampleBlock]:
        """Size a dropout from the earliest of the packets after it, then emit them.

        One packet's delay mixes the lost samples with up to a connection interval of jitter;
        the smallest delay over the following ``DROPOUT_WINDOW_S`` is nearly jitter-free.
        """
        held, self._dropout = self._dropout, []
        if not held:
            return []
        assert self._last_seq is not None
        last_index = self._last_seq - self._epoch_seq0 + np.cumsum([len(p) for p, _ in held])
        late_s = [
            a - float(self.fit.predict(i * self.period_s)) for (_, a), i in zip(held, last_index, strict=True)
        ]
        # A burst of delay (retransmissions, a busy host) lifts the following packets too; only
        # lateness beyond the usual jitter at its smallest is lost samples.
        earliest_s = min(late_s)
        missing = round(earliest_s * self.sample_rate_hz) if earliest_s > self._jitter_s() else 0
        blocks: list[SampleBlock] = []
        for i, (packet, arrival_s) in enumerate(held):
            blocks += self._emit_nominal(packet, arrival_s, missing if i == 0 else 0)
        return blocks

    def _emit_nominal(self, packet: DecodedPacket, arrival_s: float, missing: int) -> list[SampleBlock]:
        assert packet.acc_g is not None and packet.gyr_dps is not None
        n = len(packet)
        if self._last_seq is None or self._epoch != self._emitted_epoch:
            sensor_s = np.arange(n) * self.period_s
        else:
            first = self._last_seq + 1 - self._epoch_seq0 + missing
            sensor_s = (first + np.arange(n)) * self.period_s
        self.fit.add(float(sensor_s[-1]), arrival_s)
        count = np.round(sensor_s * self.sample_rate_hz).astype(np.int64)
        return self._emit(sensor_s, count, packet.acc_g, packet.gyr_dps, arrival_s, self._epoch)

    def _emit(
        self,
        sensor_s: np.ndarray,
        count: np.ndarray | None,
        acc_g: np.ndarray,
        gyr_dps: np.ndarray,
        arrival_s: float,
        epoch: int,
    ) -> list[SampleBlock]:
        if self._last_seq is None or epoch != self._emitted_epoch:
            if self._last_seq is None:
                seq0, first_time_s = 0, float(self.fit.predict(float(sensor_s[0])))
            else:
                span_s = float(sensor_s[-1] - sensor_s[0])
                missing = max(0, round((arrival_s - span_s - self._last_time_s) / self.period_s) - 1)
                seq0 = self._last_seq + 1 + missing
                first_time_s = self._last_time_s + (missing + 1) * self.period_s
            rate = 1.0 + self.fit.drift
            self._map = _Mapping(float(sensor_s[0]), first_time_s, rate)
            self._emitted_epoch = epoch
            self._epoch_seq0 = seq0
            self._epoch_count0 = int(count[0]) if count is not None else 0
            if count is not None:
                seq = seq0 + (count - count[0])
            else:
                seq = seq0 + np.round((sensor_s - sensor_s[0]) * self.sample_rate_hz)
        elif count is not None:
            seq = self._epoch_seq0 + (count - self._epoch_count0)
        else:
            seq = self._last_seq + np.round((sensor_s - self._last_x) * self.sample_rate_hz)
        seq = np.asarray(seq, dtype=np.int64)
        assert self._map is not None
        keep = seq > self._last_seq if self._last_seq is not None else np.ones(len(seq), bool)
        self.stats.duplicate_samples += int(np.count_nonzero(~keep))
        if not keep.any():
            return []
        seq, sensor_s = seq[keep], sensor_s[keep]
        time_s = self._map(sensor_s)
        gap = None
        if self._last_seq is not None and seq[0] > self._last_seq + 1:
            missing = int(seq[0] - self._last_seq - 1)
            gap = Gap(self.placement, self._last_time_s, float(time_s[0]), missing)
            self.stats.gaps += 1
            self.stats.missing_samples += missing
        self._map.steer(self.fit, float(sensor_s[-1]))
        self._last_seq, self._last_x = int(seq[-1]), float(sensor_s[-1])
        self._last_time_s = float(time_s[-1])
        self.stats.samples += len(seq)
        return [SampleBlock(self.placement, time_s, seq, acc_g[keep], gyr_dps[keep], gap)]
