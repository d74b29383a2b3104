"""``VirtualSensor``: an emulated BLE IMU on a ``BumbleLink``, streaming given samples."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from bumble.device import Connection, Device
from bumble.gatt import Characteristic

from imuhinge.model import G_MPS2, SensorStream
from imuhinge.sources.emulated.ble.base import Emulation, Notification
from imuhinge.sources.emulated.ble.diy import DiyEmulation
from imuhinge.sources.emulated.ble.polar_pmd import PolarPmdEmulation
from imuhinge.sources.emulated.ble.thingy52 import Thingy52Emulation
from imuhinge.sources.emulated.ble.witmotion import WitMotionEmulation
from imuhinge.sources.emulated.bumble_backend import BumbleLink

logger = logging.getLogger(__name__)

EMULATIONS: dict[str, type[Emulation]] = {
    e.profile.name: e for e in (DiyEmulation, WitMotionEmulation, PolarPmdEmulation, Thingy52Emulation)
}
ADVERTISING_INTERVAL_MS = 20.0
_DEFAULT_ADDRESSES = {
    "diy": "D1:00:00:00:00:01",
    "witmotion": "D2:00:00:00:00:01",
    "polar_pmd": "D3:00:00:00:00:01",
    "thingy52": "D4:00:00:00:00:01",
}


@dataclass(frozen=True)
class Faults:
    """Radio and device faults a virtual sensor injects.

    Attributes
    ----------
    loss : float
        Fraction of notifications dropped.
    duplicate : float
        Fraction of notifications sent twice.
    reorder : float
        Fraction of notifications sent after the following one.
    corrupt : float
        Fraction of notifications sent one byte short (malformed).
    disconnect_at_s : tuple of float
        Stream times (seconds of samples since streaming first started) at which the peripheral
        drops the link; it advertises again ``readvertise_after_s`` later.
    readvertise_after_s : float
        Emulated seconds between a forced disconnect and advertising again.
    max_mtu : int
        Largest ATT MTU the peripheral accepts (23: no MTU exchange possible).
    seed : int
        Seed of the fault generator.
    """

    loss: float = 0.0
    duplicate: float = 0.0
    reorder: float = 0.0
    corrupt: float = 0.0
    disconnect_at_s: tuple[float, ...] = ()
    readvertise_after_s: float = 0.5
    max_mtu: int = 247
    seed: int = 0


@dataclass
class VirtualSensorStats:
    """What a virtual sensor did: notifications sent, faults injected, samples consumed."""

    notifications: int = 0
    samples_sent: int = 0
    dropped: int = 0
    duplicated: int = 0
    reordered: int = 0
    corrupted: int = 0
    forced_disconnects: int = 0
    connections: int = 0
    streams_started: int = field(default=0)


class VirtualSensor:
    """An emulated sensor: a Bumble peripheral with the profile's GATT server and byte format.

    It advertises every 20 ms; when a client starts streaming (by the profile's start writes or
    subscription), it samples the given arrays on its own clock (sample 0 when streaming first
    starts, the clock keeps running through disconnections) and notifies the samples that are due
    at each connection event. Samples due while not streaming are lost, as on a real device.

    Parameters
    ----------
    kind : str
        Profile name: ``diy``, ``witmotion``, ``polar_pmd`` or ``thingy52``.
    acc_g, gyr_dps : ndarray, shape (N, 3)
        Samples to stream, in g and deg/s.
    sample_rate_hz : float
        Rate of the arrays; the device resamples them (linear interpolation) when a client
        configures another rate.
    name : str, optional
        Advertised name (default: the model's usual name).
    address : str, optional
        Random static address (default: one per kind).
    link : BumbleLink, optional
        The radio (default: ``BumbleLink.current()``), which also sets the speed.
    faults : Faults
        Faults to inject.
    connection_interval_s : float
        Emulated connection interval: notifications go out in bursts this far apart.
    clock_drift : float
        Relative error of the sensor's sample clock (1e-4 = 100 ppm fast).
    origin_s : float, optional
        Link time of sample 0. Sensors on one body share it, so they sample one motion at the same
        moments whenever each gets connected (samples due before a client streams are lost). By
        default the sample clock starts when streaming first starts.
    """

    def __init__(
        self,
        kind: str,
        acc_g: np.ndarray,
        gyr_dps: np.ndarray,
        sample_rate_hz: float,
        *,
        name: str | None = None,
        address: str | None = None,
        link: BumbleLink | None = None,
        faults: Faults | None = None,
        connection_interval_s: float = 0.015,
        clock_drift: float = 0.0,
        origin_s: float | None = None,
    ) -> None:
        if kind not in EMULATIONS:
            raise ValueError(f"unknown virtual sensor kind {kind!r} (known: {', '.join(EMULATIONS)})")
        self.acc_g = np.asarray(acc_g, dtype=float)
        self.gyr_dps = np.asarray(gyr_dps, dtype=float)
        if self.acc_g.shape != self.gyr_dps.shape or self.acc_g.ndim != 2 or self.acc_g.shape[1] != 3:
            raise ValueError("acc_g and gyr_dps must both have shape (N, 3)")
        self.source_rate_hz = float(sample_rate_hz)
        self.emulation = EMULATIONS[kind](self)
        self.kind = kind
        self.name = name or self.emulation.default_name
        self.address = address or _DEFAULT_ADDRESSES[kind]
        self.faults = faults or Faults()
        self.connection_interval_s = connection_interval_s
        self.clock_drift = clock_drift
        self.stats = VirtualSensorStats()
        self.done = asyncio.Event()
        """Set when every sample has been sent or lost."""
        self._link = link
        self._device: Device | None = None
        self._connection: Connection | None = None
        self._rng = np.random.default_rng(self.faults.seed)
        self._rate_hz = self.emulation.default_rate_hz
        self._origin_s: float | None = origin_s
        self._next = 0
        self._streaming = False
        self._held: Notification | None = None
        self._forced = False
        self._disconnects = sorted(self.faults.disconnect_at_s)
        self._tasks: set[asyncio.Task[None]] = set()
        self._ticker: asyncio.Task[None] | None = None

    @classmethod
    def from_sensor_stream(
        cls, kind: str, stream: SensorStream, sample_rate_hz: float, **kwargs: Any
    ) -> VirtualSensor:
        """A virtual sensor streaming a ``SensorStream`` (SI units, as ``imuhinge.sim`` makes).

        Parameters
        ----------
        kind : str
            Profile name.
        stream : SensorStream
            Samples in m/s^2 and rad/s, without gaps.
        sample_rate_hz : float
            Their sample rate.
        **kwargs
            As for ``VirtualSensor``.

        Raises
        ------
        ValueError
            If the stream has gaps in its sample counter.
        """
        if stream.seq is not None and np.any(np.diff(stream.seq) != 1):
            raise ValueError("a virtual sensor streams contiguous samples; the stream has gaps")
        acc_g = stream.acc_mps2 / G_MPS2
        return cls(kind, acc_g, np.degrees(stream.gyr_rads), sample_rate_hz, **kwargs)

    @property
    def link(self) -> BumbleLink:
        """The radio this sensor is on."""
        if self._link is None:
            self._link = BumbleLink.current()
        return self._link

    @property
    def rate_hz(self) -> float:
        """The device's configured sample rate."""
        return self._rate_hz

    @property
    def n_samples(self) -> int:
        """Samples the device will produce at its configured rate."""
        duration_s = (len(self.acc_g) - 1) / self.source_rate_hz
        return math.floor(duration_s * self._rate_hz + 1e-9) + 1

    async def start(self) -> VirtualSensor:
        """Power on, register the GATT services and advertise."""
        device = self.link.add_device(self.name, self.address)
        device.gatt_server.max_mtu = self.faults.max_mtu
        device.add_services(self.emulation.services())
        device.on(device.EVENT_CONNECTION, self._on_connection)
        await device.power_on()
        self._device = device
        await self._advertise()
        self._ticker = asyncio.create_task(self._run())
        return self

    async def stop(self) -> None:
        """Stop streaming, drop any link and power off."""
        if self._ticker is not None:
            self._ticker.cancel()
            await asyncio.gather(self._ticker, return_exceptions=True)
        # Let pending indications and re-advertising finish: cancelling a Bumble HCI command
        # mid-flight leaves its host expecting a response.
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._device is not None:
            self._streaming = False
            if self._connection is not None:
                with contextlib.suppress(Exception):
                    await self._connection.disconnect()
            with contextlib.suppress(Exception):
                await self._device.stop_advertising()
            await self._device.power_off()
            self._device = None

    async def __aenter__(self) -> VirtualSensor:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # Called by emulations.

    def set_rate(self, rate_hz: float) -> None:
        """Configure the sample rate (keeps the sample clock continuous if already running)."""
        if rate_hz == self._rate_hz:
            return
        if self._origin_s is not None:
            due = self._due()
            self._origin_s = self.link.now_s() - due / (rate_hz * (1 + self.clock_drift))
            self._next = due
        self._rate_hz = float(rate_hz)

    def start_streaming(self) -> None:
        """Start notifying due samples (the sample clock starts with the first stream)."""
        if self._origin_s is None:
            self._origin_s = self.link.now_s()
        elif not self._streaming:
            self._next = max(self._next, self._due())
        if not self._streaming:
            self.stats.streams_started += 1
        self._streaming = True

    def stop_streaming(self) -> None:
        """Stop notifying; samples taken meanwhile are lost."""
        self._streaming = False

    def samples(self, index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Acc (g) and gyro (deg/s) of device samples ``index`` at the configured rate."""
        if self._rate_hz == self.source_rate_hz:
            return self.acc_g[index], self.gyr_dps[index]
        source_t = np.arange(len(self.acc_g)) / self.source_rate_hz
        t = np.asarray(index) / self._rate_hz
        acc = np.column_stack([np.interp(t, source_t, self.acc_g[:, i]) for i in range(3)])
        gyr = np.column_stack([np.interp(t, source_t, self.gyr_dps[:, i]) for i in range(3)])
        return acc, gyr

    def spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        """Run a coroutine (an indication after a write response) in the background."""
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def indicate(self, characteristic: Characteristic[bytes], value: bytes) -> None:
        """Indicate ``value`` to the connected client, if it subscribed."""
        if self._device is not None and self._connection is not None:
            with contextlib.suppress(Exception):
                await self._device.indicate_subscriber(self._connection, characteristic, value)

    # Internals.

    def _due(self) -> int:
        if self._origin_s is None:
            return 0
        elapsed_s = self.link.now_s() - self._origin_s
        due = math.floor(elapsed_s * self._rate_hz * (1 + self.clock_drift)) + 1
        return min(max(due, 0), self.n_samples)

    async def _advertise(self) -> None:
        assert self._device is not None
        await self._device.start_advertising(
            advertising_data=self.emulation.advertising_data(self.name),
            scan_response_data=b"",
            advertising_interval_min=ADVERTISING_INTERVAL_MS,
            advertising_interval_max=ADVERTISING_INTERVAL_MS,
        )

    def _on_connection(self, connection: Connection) -> None:
        self._connection = connection
        self.stats.connections += 1
        connection.on(connection.EVENT_DISCONNECTION, self._on_disconnection)

    def _on_disconnection(self, reason: int) -> None:
        self._connection = None
        self._streaming = False
        self._held = None
        self.emulation.on_disconnection()
        delay_s = self.faults.readvertise_after_s if self._forced else 0.0
        self._forced = False
        self.spawn(self._readvertise(delay_s))

    async def _readvertise(self, delay_s: float) -> None:
        await self.link.sleep(delay_s)
        if self._device is not None and self._connection is None:
            await self._advertise()

    async def _run(self) -> None:
        while True:
            await self.link.sleep(self.connection_interval_s)
            await self._tick()

    async def _tick(self) -> None:
        due = self._due()
        if not self._streaming or self._connection is None:
            self._next = max(self._next, due)
        else:
            end, flush = due, due >= self.n_samples
            limit = None
            if self._disconnects:
                limit = math.ceil(self._disconnects[0] * self._rate_hz - 1e-9)
                end, flush = min(due, limit), flush or due >= limit
            notifications, used = self.emulation.notifications(
                self._next, end, self._connection.att_mtu, flush
            )
            self._next += used
            self.stats.samples_sent += used
            await self._send(notifications, final=self._next >= self.n_samples)
            if limit is not None and self._next >= limit:
                self._disconnects.pop(0)
                await self._force_disconnect()
                return
        if self._origin_s is not None and due >= self.n_samples and self._next >= self.n_samples:
            self.done.set()

    async def _force_disconnect(self) -> None:
        assert self._connection is not None
        self.stats.forced_disconnects += 1
        self._forced = True
        with contextlib.suppress(Exception):
            await self._connection.disconnect()

    async def _send(self, notifications: list[Notification], final: bool) -> None:
        out: list[Notification] = []
        for item in notifications:
            if self._rng.random() < self.faults.loss:
                self.stats.dropped += 1
                continue
            if self._held is None and self._rng.random() < self.faults.reorder:
                self._held = item
                self.stats.reordered += 1
                continue
            if self._rng.random() < self.faults.corrupt:
                item = (item[0], item[1][:-1])
                self.stats.corrupted += 1
            out.append(item)
            if self._held is not None:
                out.append(self._held)
                self._held = None
            if self._rng.random() < self.faults.duplicate:
                out.append(item)
                self.stats.duplicated += 1
        if final and self._held is not None:
            out.append(self._held)
            self._held = None
        for characteristic, payload in out:
            if self._device is None or self._connection is None:
                return
            await self._device.notify_subscriber(self._connection, characteristic, payload)
            self.stats.notifications += 1
