"""Record a set: the BLE supervisor streams into the crash-safe writer and the live analyser at once.

The supervisor's sink only hands blocks on; the file is opened when every sensor streams (so its header
names every device), and blocks that arrive before that wait in memory for those few moments. Whatever
stops the set (Ctrl-C, a time limit, the end of a simulated set, an error) closes the file, so every
sample that arrived is kept.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from imuhinge.analysis.live import LiveAnalyzer, LiveStatus
from imuhinge.coaching.tempo import DEFAULT_TEMPO
from imuhinge.io import RecordingWriter
from imuhinge.model import G_MPS2, Exercise
from imuhinge.sim import SimConfig, simulate
from imuhinge.sources.ble.clock import SampleBlock
from imuhinge.sources.ble.scan import BleBackend
from imuhinge.sources.ble.supervisor import SensorStatus, SensorTarget, Supervisor
from imuhinge.sources.emulated.ble import Faults, VirtualSensor
from imuhinge.sources.emulated.bumble_backend import BumbleLink, bumble_backend

CONNECT_LEAD_S = 2.0  # emulated seconds before a simulated set starts: time to scan and connect


@dataclass
class RecordOptions:
    """What to record and how.

    Attributes
    ----------
    targets : list of SensorTarget
        One per placement.
    out : Path
        The recording to write (``NAME.partial`` while recording).
    exercise, tempo : Exercise, str
        For the live analysis and the metadata.
    sample_rate_hz : float
        Rate asked of every sensor (the file's ``sample_rate_hz``).
    metadata : dict
        Extra metadata lines (``load_kg``, notes...).
    duration_s : float, optional
        Stop after this long (None: until stopped).
    """

    targets: list[SensorTarget]
    out: Path
    exercise: Exercise = Exercise.RDL
    tempo: str = DEFAULT_TEMPO
    sample_rate_hz: float = 100.0
    metadata: dict[str, str] = field(default_factory=dict)
    duration_s: float | None = None


class _Sink:
    """Receives sample blocks: buffers them until the file is open, then writes and analyses."""

    def __init__(
        self,
        opts: RecordOptions,
        supervisor_ref: Callable[[], Supervisor],
        on_live: Callable[[LiveStatus], None] | None,
    ):
        self.opts = opts
        self._sup = supervisor_ref
        self.on_live = on_live
        self.writer: RecordingWriter | None = None
        self.live = LiveAnalyzer(
            opts.sample_rate_hz, opts.exercise, opts.tempo, tuple(t.placement for t in opts.targets)
        )
        self._early: list[SampleBlock] = []
        self.samples = 0

    def __call__(self, block: SampleBlock) -> None:
        if self.writer is None:
            if not self._sup().ready.is_set():
                self._early.append(block)
                return
            self.open()
        self._take(block)

    def open(self) -> None:
        sup = self._sup()
        meta = {
            "started_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "exercise": self.opts.exercise.value,
            "tempo": self.opts.tempo,
            **{f"device.{p}": d for p, d in sup.devices.items()},
            **self.opts.metadata,
        }
        self.writer = RecordingWriter(
            self.opts.out, self.opts.sample_rate_hz, meta, [t.placement for t in self.opts.targets]
        )
        early, self._early = self._early, []
        for block in early:
            self._take(block)

    def _take(self, block: SampleBlock) -> None:
        assert self.writer is not None
        self.writer.write(block.placement, block.time_s, block.acc_g, block.gyr_dps, block.seq)
        self.samples += len(block)
        status = self.live.feed(
            block.placement, block.time_s, block.seq, block.acc_g * G_MPS2, np.radians(block.gyr_dps)
        )
        if self.on_live is not None:
            self.on_live(status)

    def close(self) -> Path | None:
        if self.writer is None and self._early:
            self.open()
        if self.writer is None:
            return None
        self.writer.close()
        return self.opts.out


async def record(
    opts: RecordOptions,
    *,
    backend: BleBackend | None = None,
    clock_ns: Callable[[], int] = time.monotonic_ns,
    until: asyncio.Event | None = None,
    on_status: Callable[[SensorStatus], None] | None = None,
    on_live: Callable[[LiveStatus], None] | None = None,
    **supervisor_kwargs: Any,
) -> tuple[Path | None, LiveAnalyzer, Supervisor]:
    """Stream the sensors into ``opts.out`` with live analysis until stopped.

    Parameters
    ----------
    opts : RecordOptions
    backend : BleBackend, optional
        bleak backend (the emulated one for ``--simulate``).
    clock_ns : callable
        Host clock (the emulation's clock when emulated).
    until : asyncio.Event, optional
        Set it to end the set (the CLI sets it on Ctrl-C; simulations when the sensors are done).
    on_status, on_live : callable, optional
        Sensor state changes and live-analysis updates, for the terminal view.
    **supervisor_kwargs
        Passed to ``Supervisor`` (timeouts, backoff).

    Returns
    -------
    (path or None, LiveAnalyzer, Supervisor)
        The finished recording (None when no sample arrived), the live analyser and the supervisor
        (its ``gaps`` and per-sensor stats).
    """
    sup: Supervisor
    sink = _Sink(opts, lambda: sup, on_live)
    sup = Supervisor(
        opts.targets, sink, backend=backend, clock_ns=clock_ns, on_status=on_status, **supervisor_kwargs
    )
    task = asyncio.create_task(sup.run())
    waits: list[asyncio.Future[object]] = [asyncio.ensure_future(task)]
    if until is not None:
        waits.append(asyncio.ensure_future(until.wait()))
    if opts.duration_s is not None:
        waits.append(asyncio.ensure_future(asyncio.sleep(opts.duration_s)))
    try:
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    finally:
        sup.stop()
        for w in waits[1:]:
            w.cancel()
        try:
            await task
        finally:
            path = sink.close()
    return path, sink.live, sup


async def record_simulated(
    opts: RecordOptions,
    sim_config: SimConfig,
    faults: Faults | None = None,
    speed: float = 1.0,
    **kwargs: Any,
) -> tuple[Path | None, LiveAnalyzer, Supervisor]:
    """Record a simulated set through real bleak calls against emulated sensors (Bumble).

    Each placement gets a virtual sensor of ``opts.targets``' profile (``diy`` by default) streaming
    the simulated samples in that profile's byte format; the set ends when they have sent everything.

    Parameters
    ----------
    opts : RecordOptions
    sim_config : SimConfig
        The motion; its packet loss is left to ``faults`` (losses happen on the radio).
    faults : Faults, optional
        Radio faults: loss, duplicates, reordering, disconnects, MTU.
    speed : float
        Emulation speed (1 = real time).
    **kwargs
        Passed to ``record`` (``on_status``, ``on_live``, supervisor settings).
    """
    sim = simulate(replace(sim_config, packet_loss=0.0))
    link = BumbleLink(speed=speed).make_current()
    opts.targets = [replace(t, name=f"imuhinge-{t.placement}", address=None) for t in opts.targets]
    # One body: every sensor samples the motion on one timeline, starting once they can be connected.
    origin_s = link.now_s() + CONNECT_LEAD_S
    sensors = [
        VirtualSensor.from_sensor_stream(
            t.profile or "diy", sim.recording.sensors[t.placement], sim_config.sample_rate_hz,
            name=t.name, address=f"D{i + 1}:00:00:00:00:0{i + 1}", link=link, faults=faults,
            origin_s=origin_s,
        )
        for i, t in enumerate(opts.targets)
    ]  # fmt: skip
    done = asyncio.Event()

    async def when_sent() -> None:
        await asyncio.gather(*(s.done.wait() for s in sensors))
        await link.sleep(0.5)
        done.set()

    for s in sensors:
        await s.start()
    watcher = asyncio.create_task(when_sent())
    kwargs.setdefault("backoff_initial_s", 0.05)
    try:
        return await record(opts, backend=bumble_backend(link), clock_ns=link.clock_ns, until=done, **kwargs)
    finally:
        watcher.cancel()
        for s in sensors:
            await s.stop()
