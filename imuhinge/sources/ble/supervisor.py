"""Keep one or two sensors streaming: connect, start, and reconnect after unexpected disconnects.

Per sensor: find it (by name, address, or the first supported sensor not taken by the other
placement), connect, subscribe, run the profile's start writes, then stream. On a disconnect the
application did not ask for: mark the reconnect in the stream (the clock measures the gap),
rescan, reconnect with exponential backoff and jitter, run the start writes again, re-subscribe,
keep going. ``stop()`` or cancelling ``run()`` stops streaming cleanly and flushes every sample.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TypeVar

from bleak import BleakClient
from bleak.exc import BleakError

from imuhinge.errors import DeviceError, InputError
from imuhinge.model import PLACEMENTS, Gap
from imuhinge.sources.ble.clock import SampleBlock
from imuhinge.sources.ble.scan import BleBackend, FoundSensor, find_sensor
from imuhinge.sources.ble.stream import NotificationStream, Sink

logger = logging.getLogger(__name__)
_T = TypeVar("_T")


class SensorNotFoundError(DeviceError):
    """No matching sensor could be connected in time."""


class SensorState(StrEnum):
    """Where a sensor's session is."""

    SCANNING = "scanning"
    CONNECTING = "connecting"
    STREAMING = "streaming"
    RECONNECTING = "reconnecting"
    STOPPED = "stopped"


@dataclass(frozen=True)
class SensorTarget:
    """Which sensor to stream for a placement.

    Attributes
    ----------
    placement : str
        ``upper_back`` or ``sacrum``.
    name, address : str, optional
        Advertised name or address to look for; the first supported sensor when both are None.
    profile : str, optional
        Only sensors of this profile (``diy``, ``witmotion``, ``polar_pmd``, ``thingy52``).
    rate_hz : float, optional
        Sample rate to configure (the profile's default when None).
    """

    placement: str = "upper_back"
    name: str | None = None
    address: str | None = None
    profile: str | None = None
    rate_hz: float | None = None

    def describe(self) -> str:
        """Plain words for messages."""
        what = self.name or self.address or (self.profile and f"{self.profile} sensor")
        return f"{what or 'supported sensor'} for {self.placement}"


@dataclass
class SensorStatus:
    """Live status of one placement, for the terminal view."""

    placement: str
    state: SensorState = SensorState.SCANNING
    sensor: FoundSensor | None = None
    connections: int = 0
    last_error: str | None = None
    stream: NotificationStream | None = field(default=None, repr=False)

    def line(self) -> str:
        """One line for the live view."""
        what = f" ({self.sensor.description})" if self.sensor else ""
        why = f" - {self.last_error}" if self.last_error else ""
        return f"{self.placement}: {self.state.value}{what}{why}"


class _StopRequestedError(Exception):
    """The supervisor was asked to stop while waiting."""


class Supervisor:
    """Stream one or two sensors into a sink, reconnecting as needed.

    Parameters
    ----------
    targets : list of SensorTarget
        One per placement.
    sink : callable
        Receives every ``SampleBlock`` (from the consumer tasks, in order per sensor).
    backend : BleBackend, optional
        bleak backend (default: the platform's; ``bumble_backend(link)`` when emulated).
    clock_ns : callable
        Host monotonic clock in ns (``BumbleLink.clock_ns`` when emulated).
    connect_timeout_s : float
        How long to look for each sensor before the first connection gives up.
    scan_timeout_s : float
        Length of one scan while reconnecting.
    backoff_initial_s, backoff_max_s : float
        Delay before the second reconnection attempt, doubling up to the maximum; the first
        attempt is immediate, every delay is jittered to 50-100 %.
    max_outage_s : float, optional
        Give up when a sensor stays disconnected this long (None: never).
    on_status : callable, optional
        Called with a ``SensorStatus`` whenever a sensor changes state.
    seed : int, optional
        Seed of the backoff jitter.
    """

    def __init__(
        self,
        targets: list[SensorTarget],
        sink: Sink,
        *,
        backend: BleBackend | None = None,
        clock_ns: Callable[[], int] = time.monotonic_ns,
        connect_timeout_s: float = 30.0,
        scan_timeout_s: float = 5.0,
        backoff_initial_s: float = 0.5,
        backoff_max_s: float = 8.0,
        max_outage_s: float | None = None,
        on_status: Callable[[SensorStatus], None] | None = None,
        seed: int | None = None,
    ) -> None:
        placements = [t.placement for t in targets]
        if not targets or len(set(placements)) != len(placements):
            raise InputError(f"give one target per placement, got {placements}")
        unknown = set(placements) - set(PLACEMENTS)
        if unknown:
            raise InputError(f"unknown placement {sorted(unknown)[0]!r} (known: {', '.join(PLACEMENTS)})")
        self.targets = targets
        self.sink = sink
        self.backend = backend or BleBackend()
        self.clock_ns = clock_ns
        self.connect_timeout_s = connect_timeout_s
        self.scan_timeout_s = scan_timeout_s
        self.backoff_initial_s = backoff_initial_s
        self.backoff_max_s = backoff_max_s
        self.max_outage_s = max_outage_s
        self.on_status = on_status
        self.status = {t.placement: SensorStatus(t.placement) for t in targets}
        self.gaps: list[Gap] = []
        self.t0_ns: int | None = None
        self.ready = asyncio.Event()
        """Set when every sensor is streaming for the first time."""
        self._stop = asyncio.Event()
        self._claimed: dict[str, str] = {}
        self._rng = random.Random(seed)

    @property
    def devices(self) -> dict[str, str]:
        """``Model (address)`` per placement, for the recording metadata."""
        return {p: s.sensor.description for p, s in self.status.items() if s.sensor is not None}

    @property
    def sample_rates_hz(self) -> dict[str, float]:
        """Configured sample rate per placement."""
        return {p: s.stream.profile.sample_rate_hz for p, s in self.status.items() if s.stream}

    def stop(self) -> None:
        """Stop streaming: every session sends its stop writes, disconnects and flushes."""
        self._stop.set()

    async def run(self) -> None:
        """Stream until ``stop()`` or cancellation (both stop cleanly).

        Raises
        ------
        SensorNotFoundError
            If a sensor cannot be connected within ``connect_timeout_s``, or stays away longer
            than ``max_outage_s``.
        InputError
            If a sensor cannot stream at the rate asked.
        DeviceError
            If a sensor has no gyroscope or refuses to start streaming.
        """
        self.t0_ns = self.clock_ns()
        pending = {asyncio.create_task(self._session(t)) for t in self.targets}
        try:
            while pending:
                done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_EXCEPTION)
                # Every failure is taken (two sensors may fail alike: no adapter); the first is raised.
                failed = [task.exception() for task in done if task.exception() is not None]
                if failed:
                    raise failed[0]  # type: ignore[misc]
        finally:
            self.stop()
            if pending:
                await asyncio.wait(pending)
                for task in pending:
                    if not task.cancelled():
                        task.exception()  # taken: the one raised above says what went wrong

    def _set_state(self, status: SensorStatus, state: SensorState, error: str | None = None) -> None:
        status.state = state
        if error is not None:
            status.last_error = error
        if state is SensorState.STREAMING and all(
            s.state is SensorState.STREAMING for s in self.status.values()
        ):
            self.ready.set()
        if self.on_status is not None:
            self.on_status(status)

    def _sink(self, block: SampleBlock) -> None:
        if block.gap is not None:
            self.gaps.append(block.gap)
        self.sink(block)

    async def _until_stopped(self, awaitable: Awaitable[_T]) -> _T:
        task = asyncio.ensure_future(awaitable)
        stop = asyncio.ensure_future(self._stop.wait())
        try:
            await asyncio.wait({task, stop}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stop.cancel()
        if not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
            raise _StopRequestedError
        return task.result()

    async def _session(self, target: SensorTarget) -> None:
        status = self.status[target.placement]
        consumer: asyncio.Task[None] | None = None
        started_ns = self.clock_ns()
        outage_ns: int | None = None
        attempt = 0
        try:
            while not self._stop.is_set():
                error = None
                try:
                    found = await self._find(target, status)
                    stream = status.stream
                    if stream is None:
                        stream = self._new_stream(target, found)
                        status.stream = stream
                        consumer = asyncio.create_task(stream.run())
                    await self._connect_and_stream(target, status, found, stream)
                    attempt = 0
                    outage_ns = self.clock_ns()
                except _StopRequestedError:
                    break
                except (BleakError, TimeoutError, SensorNotFoundError) as exc:
                    error = f"{type(exc).__name__}: {exc}"
                    logger.info("%s: %s", target.placement, error)
                if self._stop.is_set():
                    break
                self._check_deadlines(target, status, started_ns, outage_ns)
                self._set_state(status, SensorState.RECONNECTING, error)
                await self._backoff(attempt)
                attempt += 1
        finally:
            if status.stream is not None:
                status.stream.close()
            if consumer is not None:
                await consumer
            self._set_state(status, SensorState.STOPPED)

    def _check_deadlines(
        self, target: SensorTarget, status: SensorStatus, started_ns: int, outage_ns: int | None
    ) -> None:
        now_ns = self.clock_ns()
        if status.connections == 0 and (now_ns - started_ns) * 1e-9 > self.connect_timeout_s:
            raise SensorNotFoundError(
                f"no {target.describe()} could be connected within {self.connect_timeout_s:g} s"
                f" (last error: {status.last_error or 'not found'})"
            )
        if (
            self.max_outage_s is not None
            and outage_ns is not None
            and (now_ns - outage_ns) * 1e-9 > self.max_outage_s
        ):
            raise SensorNotFoundError(
                f"{target.describe()} has been away for more than {self.max_outage_s:g} s"
            )

    async def _backoff(self, attempt: int) -> None:
        if attempt == 0:
            return
        delay_s = min(self.backoff_max_s, self.backoff_initial_s * 2 ** (attempt - 1))
        delay_s *= self._rng.uniform(0.5, 1.0)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), delay_s)

    async def _find(self, target: SensorTarget, status: SensorStatus) -> FoundSensor:
        self._set_state(status, SensorState.SCANNING)
        address = self._claimed.get(target.placement, target.address)
        while True:
            taken = [a for p, a in self._claimed.items() if p != target.placement]
            found = await self._until_stopped(
                find_sensor(
                    name=target.name if address is None else None,
                    address=address,
                    profile=target.profile,
                    exclude=taken,
                    timeout_s=self.connect_timeout_s if status.connections == 0 else self.scan_timeout_s,
                    backend=self.backend,
                )
            )
            if found is None:
                raise SensorNotFoundError(f"no {target.describe()} is advertising")
            # Both placements may scan at once and see the same sensor first: the first claims it.
            if found.address not in {a for p, a in self._claimed.items() if p != target.placement}:
                break
        if not found.profile.has_gyro:
            raise DeviceError(
                f"{found.name or found.address} ({found.profile.title}) has no gyroscope;"
                " trunk angles need one"
            )
        self._claimed[target.placement] = found.address
        status.sensor = found
        return found

    def _new_stream(self, target: SensorTarget, found: FoundSensor) -> NotificationStream:
        profile = found.profile
        if target.rate_hz is not None:
            profile = profile.with_rate(target.rate_hz)
        assert self.t0_ns is not None
        return NotificationStream(
            target.placement, profile, self._sink, t0_ns=self.t0_ns, clock_ns=self.clock_ns
        )

    async def _connect_and_stream(
        self,
        target: SensorTarget,
        status: SensorStatus,
        found: FoundSensor,
        stream: NotificationStream,
    ) -> None:
        """Connect and stream until the link drops or a stop request."""
        self._set_state(status, SensorState.CONNECTING)
        dropped = asyncio.Event()
        client = BleakClient(
            found.device,
            lambda _client: dropped.set(),
            timeout=self.scan_timeout_s,
            **self.backend.client_kwargs(),
        )
        try:
            await self._until_stopped(client.connect())
            profile = stream.profile
            if profile.control_uuid is not None:
                await client.start_notify(profile.control_uuid, stream.on_control)
            for uuid in profile.notify_uuids:
                await client.start_notify(uuid, stream.on_data)
            for write in profile.start_writes():
                await client.write_gatt_char(write.char_uuid, write.data, response=write.response)
            status.connections += 1
            self._set_state(status, SensorState.STREAMING)
            with contextlib.suppress(_StopRequestedError):
                await self._until_stopped(_first_of(dropped, stream.control_failed))
            if stream.control_errors:
                raise DeviceError(f"{found.description}: {stream.control_errors[-1].problem}")
            if dropped.is_set():
                stream.mark_reconnect()
        finally:
            if client.is_connected:
                await self._stop_streaming(client, stream)

    async def _stop_streaming(self, client: BleakClient, stream: NotificationStream) -> None:
        with contextlib.suppress(BleakError, TimeoutError):
            for write in stream.profile.stop_writes():
                await client.write_gatt_char(write.char_uuid, write.data, response=write.response)
            for uuid in stream.profile.notify_uuids:
                await client.stop_notify(uuid)
        with contextlib.suppress(BleakError, TimeoutError):
            await client.disconnect()


async def _first_of(*events: asyncio.Event) -> None:
    """Return as soon as any of the events is set."""
    waiters = [asyncio.ensure_future(e.wait()) for e in events]
    try:
        await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
