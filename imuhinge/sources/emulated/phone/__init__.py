"""Emulated phones for tests and ``record --simulate``: a phyphox remote-access server and a Sensor
Logger push client on loopback, sampling a simulated set, so the live phone paths run through real
HTTP; and writers of the apps' export files."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from dataclasses import replace

from imuhinge.model import Recording
from imuhinge.sources.emulated.phone.faults import PhoneFaults
from imuhinge.sources.emulated.phone.phyphox_server import EmulatedPhyphox
from imuhinge.sources.emulated.phone.push_client import EmulatedSensorLogger
from imuhinge.sources.emulated.phone.sampling import phone_motion
from imuhinge.sources.emulated.time_base import EmulatedTime
from imuhinge.sources.phone import PhoneTarget
from imuhinge.sources.phone.sensorlogger import SensorLoggerSource

__all__ = ["EmulatedPhones", "PhoneFaults"]


class EmulatedPhones:
    """One emulated phone per target, all sampling one simulated body from ``origin_s`` on.

    Parameters
    ----------
    targets : sequence of PhoneTarget
        The phones to emulate (their app and placement).
    recording : Recording
        The simulated set (one stream per placement).
    time : EmulatedTime
        The emulated world's clock.
    origin_s : float
        Emulated time of the set's time 0.
    faults : PhoneFaults, optional
        Network faults of every phone.
    """

    def __init__(
        self,
        targets: Sequence[PhoneTarget],
        recording: Recording,
        time: EmulatedTime,
        origin_s: float,
        faults: PhoneFaults | None = None,
    ) -> None:
        self.targets = list(targets)
        self.time = time
        self.origin_s = origin_s
        self.faults = faults or PhoneFaults()
        self.motions = {
            t.placement: phone_motion(recording.sensors[t.placement], seed=k) for k, t in enumerate(targets)
        }
        self.servers: list[EmulatedPhyphox] = []
        self.clients: list[EmulatedSensorLogger] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._connected = asyncio.Event()

    async def start(self) -> list[PhoneTarget]:
        """Start the phyphox phones; returns the targets with the addresses to use."""
        out = []
        for target in self.targets:
            if target.app == "phyphox":
                server = EmulatedPhyphox(
                    self.motions[target.placement], self.time, self.faults, self.origin_s
                )
                host, port = await server.start()
                self.servers.append(server)
                out.append(replace(target, host=host, port=port))
            else:
                out.append(replace(target, host="127.0.0.1", port=0))
        return out

    async def connect(self, sources: Sequence[object]) -> None:
        """Point the Sensor Logger phones at their receivers once these listen."""
        for source in sources:
            if isinstance(source, SensorLoggerSource):
                await source.listening.wait()
                client = EmulatedSensorLogger(
                    self.motions[source.placement],
                    self.time,
                    source.url("127.0.0.1"),
                    faults=self.faults,
                    origin_s=self.origin_s,
                    device_id=f"emulated-{source.placement}",
                )
                self.clients.append(client)
                self._tasks.append(asyncio.create_task(client.run()))
        self._connected.set()

    async def wait_done(self) -> None:
        """Until every phone has measured (phyphox) or sent (Sensor Logger) the whole set."""
        if any(t.app == "sensorlogger" for t in self.targets):
            await self._connected.wait()
        await asyncio.gather(*(s.done.wait() for s in self.servers), *self._tasks)

    async def stop(self) -> None:
        """Stop the phones."""
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for server in self.servers:
            await server.stop()
