"""The consumer side of one sensor's notifications: decode, clock, gaps, hand blocks to a sink.

bleak's notify callback only enqueues ``(host_monotonic_ns, kind, bytes)``; a consumer task does
everything else, so a slow sink never blocks the Bluetooth stack and the arrival times stay true.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum

from imuhinge.sources.ble.clock import HOLD_S, REORDER_DEPTH, SampleBlock, SensorClock
from imuhinge.sources.ble.profiles.base import DeviceProfile, PacketError

logger = logging.getLogger(__name__)

Sink = Callable[[SampleBlock], None]
IDLE_FLUSH_S = 0.05


class _Kind(IntEnum):
    DATA = 0
    CONTROL = 1
    RECONNECT = 2
    CLOSE = 3


@dataclass
class StreamStats:
    """Notifications seen by the consumer and how many were malformed (counted and dropped)."""

    notifications: int = 0
    malformed: int = 0
    control_responses: int = 0


class NotificationStream:
    """Decode, order, time and gap-mark one sensor's notifications for a sink.

    Parameters
    ----------
    placement : str
        ``upper_back`` or ``sacrum``.
    profile : DeviceProfile
        The configured profile (its rate and clock model set up the clock).
    sink : callable
        Called with each ``SampleBlock`` from the consumer task.
    t0_ns : int
        Host time of the recording start; block times are seconds since then.
    clock_ns : callable
        Host monotonic clock in nanoseconds (``BumbleLink.clock_ns`` when emulated).
    reorder_depth, hold_s : int, float
        Reorder buffer size (packets) and longest hold (seconds), see ``SensorClock``.
    """

    def __init__(
        self,
        placement: str,
        profile: DeviceProfile,
        sink: Sink,
        *,
        t0_ns: int,
        clock_ns: Callable[[], int] = time.monotonic_ns,
        reorder_depth: int = REORDER_DEPTH,
        hold_s: float = HOLD_S,
    ) -> None:
        self.placement = placement
        self.profile = profile
        self.sink = sink
        self.t0_ns = t0_ns
        self.clock_ns = clock_ns
        self.stats = StreamStats()
        self.control_errors: list[PacketError] = []
        self.control_failed = asyncio.Event()
        """Set when the device refused a start write (see ``control_errors``)."""
        self.clock = SensorClock(
            placement,
            profile.clock_model,
            profile.sample_rate_hz,
            counter_modulus=profile.counter_modulus,
            timestamp_modulus_s=profile.timestamp_modulus_s,
            max_drift=profile.max_drift,
            reorder_depth=reorder_depth,
            hold_s=hold_s,
        )
        self._queue: asyncio.Queue[tuple[int, _Kind, bytes]] = asyncio.Queue()

    def on_data(self, _characteristic: object, data: bytearray) -> None:
        """bleak notify callback for the data characteristic(s): enqueue only."""
        self._queue.put_nowait((self.clock_ns(), _Kind.DATA, bytes(data)))

    def on_control(self, _characteristic: object, data: bytearray) -> None:
        """bleak notify callback for the profile's control characteristic: enqueue only."""
        self._queue.put_nowait((self.clock_ns(), _Kind.CONTROL, bytes(data)))

    def mark_reconnect(self) -> None:
        """Record, in order with the notifications, that the link was re-established."""
        self._queue.put_nowait((self.clock_ns(), _Kind.RECONNECT, b""))

    def close(self) -> None:
        """Ask ``run`` to process what is queued, flush the clock and return."""
        self._queue.put_nowait((self.clock_ns(), _Kind.CLOSE, b""))

    def _seconds(self, host_ns: int) -> float:
        return (host_ns - self.t0_ns) * 1e-9

    async def run(self) -> None:
        """Consume until ``close``; on cancellation, flush what is queued first."""
        try:
            while True:
                try:
                    host_ns, kind, data = await asyncio.wait_for(self._queue.get(), IDLE_FLUSH_S)
                except TimeoutError:
                    self._deliver(self.clock.flush(self._seconds(self.clock_ns())))
                    continue
                if kind is _Kind.CLOSE:
                    break
                self._handle(host_ns, kind, data)
        finally:
            with contextlib.suppress(asyncio.QueueEmpty):
                while True:
                    host_ns, kind, data = self._queue.get_nowait()
                    if kind is not _Kind.CLOSE:
                        self._handle(host_ns, kind, data)
            self._deliver(self.clock.flush())

    def _handle(self, host_ns: int, kind: _Kind, data: bytes) -> None:
        if kind is _Kind.RECONNECT:
            self.clock.reconnect()
        elif kind is _Kind.CONTROL:
            self.stats.control_responses += 1
            try:
                self.profile = self.profile.apply_control_response(data)
            except PacketError as error:
                logger.warning("%s: %s", self.placement, error)
                self.control_errors.append(error)
                self.control_failed.set()
        else:
            self.stats.notifications += 1
            try:
                packet = self.profile.decode(data)
            except PacketError as error:
                self.stats.malformed += 1
                logger.debug("%s: dropped a malformed notification: %s", self.placement, error)
                return
            self._deliver(self.clock.push(packet, self._seconds(host_ns)))

    def _deliver(self, blocks: list[SampleBlock]) -> None:
        for block in blocks:
            self.sink(block)
