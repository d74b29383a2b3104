"""Record a set: the live sources (BLE sensors, phones) stream into the crash-safe writer and the live
analyser at once.

The sources' sink only hands blocks on; the file is opened when every sensor streams (so its header
names every device and the phones' rates are known), and blocks that arrive before that wait in
memory for those few moments. Whatever stops the set (Ctrl-C, a time limit, the end of a simulated
set, an error) closes the file, so every sample that arrived is kept.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from imuhinge.analysis.live import LiveAnalyzer, LiveStatus
from imuhinge.analysis.replay import trunk_placement
from imuhinge.coaching.tempo import DEFAULT_TEMPO, parse_hold
from imuhinge.errors import InputError
from imuhinge.io import RecordingWriter
from imuhinge.model import G_MPS2, Exercise, Gap, Targets
from imuhinge.sources.ble.clock import SampleBlock
from imuhinge.sources.phone import PhoneTarget, phone_source
from imuhinge.sources.timing import HostClock, RealClock

if TYPE_CHECKING:
    from imuhinge.sim import SimConfig
    from imuhinge.sources.ble.scan import BleBackend
    from imuhinge.sources.ble.supervisor import SensorTarget
    from imuhinge.sources.emulated.ble import Faults
    from imuhinge.sources.emulated.phone import PhoneFaults

CONNECT_LEAD_S = 2.0  # emulated seconds before a simulated set starts: time to scan and connect
RATE_TOLERANCE = 0.10  # the reader accepts streams within this of the file's nominal rate


@dataclass
class RecordOptions:
    """What to record and how.

    Attributes
    ----------
    targets : list of SensorTarget
        The BLE sensors, one per placement.
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
    phones : list of PhoneTarget
        The phones, one per placement (beside or instead of BLE sensors).
    """

    targets: list[SensorTarget]
    out: Path
    exercise: Exercise = Exercise.RDL
    tempo: str = DEFAULT_TEMPO
    sample_rate_hz: float = 100.0
    metadata: dict[str, str] = field(default_factory=dict)
    duration_s: float | None = None
    phones: list[PhoneTarget] = field(default_factory=list)

    @property
    def placements(self) -> list[str]:
        """Every placement recorded, BLE sensors first."""
        return [t.placement for t in self.targets] + [p.placement for p in self.phones]


class LiveSource(Protocol):
    """What the recorder needs of a source: the BLE ``Supervisor`` and the phone sources have it."""

    ready: asyncio.Event

    @property
    def gaps(self) -> list[Gap]: ...

    @property
    def devices(self) -> dict[str, str]: ...

    @property
    def sample_rates_hz(self) -> dict[str, float]: ...

    async def run(self) -> None: ...

    def stop(self) -> None: ...


class Listener:
    """Follows a recording beside the writer and the live view: a session's sets, the metronome.

    Every method runs in the recording's event loop and must not block it: ``start`` when the
    recording starts (with its host clock), ``opened`` when the file is opened (its rate and header
    metadata), ``block`` with each block of samples as written, ``live`` with the live analysis after
    each block, and ``finish`` once the recording has ended and its file is closed (also when the
    recording failed). The defaults do nothing.
    """

    def start(self, clock: HostClock) -> None:
        """The recording starts on ``clock``."""

    def opened(self, sample_rate_hz: float, metadata: dict[str, str]) -> None:
        """The file is open with this rate and header metadata."""

    def block(self, block: SampleBlock) -> None:
        """A block of samples was written."""

    def live(self, status: LiveStatus) -> None:
        """The live analysis after a block."""

    async def finish(self) -> None:
        """The recording has ended."""


class Sources:
    """The live sources of one set, run together and stopped together."""

    def __init__(self, sources: Sequence[LiveSource]) -> None:
        self.sources = list(sources)

    def all_ready(self) -> bool:
        """True when every source streams."""
        return all(s.ready.is_set() for s in self.sources)

    @property
    def devices(self) -> dict[str, str]:
        """Device description per placement."""
        return {p: d for s in self.sources for p, d in s.devices.items()}

    @property
    def sample_rates_hz(self) -> dict[str, float]:
        """Sample rate per placement (phones: measured from their timestamps)."""
        return {p: r for s in self.sources for p, r in s.sample_rates_hz.items()}

    @property
    def gaps(self) -> list[Gap]:
        """Every gap the sources marked."""
        return [g for s in self.sources for g in s.gaps]

    def stop(self) -> None:
        """Ask every source to stop."""
        for source in self.sources:
            source.stop()

    async def run(self) -> None:
        """Run every source until all return; the first failure stops the others and is raised."""
        tasks = [asyncio.create_task(s.run()) for s in self.sources]
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
            failed = [t for t in done if t.exception() is not None]
            if failed:
                raise failed[0].exception()  # type: ignore[misc]
        finally:
            self.stop()
            await asyncio.wait(tasks)


class _Sink:
    """Receives sample blocks: buffers them until the file is open, then writes and analyses."""

    def __init__(
        self,
        opts: RecordOptions,
        sources_ref: Callable[[], Sources],
        on_live: Callable[[LiveStatus], None] | None,
        listeners: Sequence[Listener] = (),
    ):
        self.opts = opts
        self._sources = sources_ref
        self.on_live = on_live
        self.listeners = list(listeners)
        self.writer: RecordingWriter | None = None
        self.live: LiveAnalyzer | None = None
        self._early: list[SampleBlock] = []
        self.samples = 0
        self.refused = False

    def __call__(self, block: SampleBlock) -> None:
        if self.refused:
            return  # the recording was refused; the sources are being stopped
        if self.writer is None:
            if not self._sources().all_ready():
                self._early.append(block)
                return
            try:
                self.open()
            except InputError:
                self.refused = True
                raise
        self._take(block)

    def _rate_hz(self) -> float:
        """The file's nominal rate: the trunk sensor's (a phone's from its timestamps)."""
        rates = {t.placement: self.opts.sample_rate_hz for t in self.opts.targets}
        rates |= {p: r for p, r in self._sources().sample_rates_hz.items() if p not in rates}
        placements = self.opts.placements
        rate = rates.get(trunk_placement(placements), self.opts.sample_rate_hz)
        for placement, other in rates.items():
            if abs(other / rate - 1.0) > RATE_TOLERANCE:
                raise InputError(
                    f"{placement} streams at {other:.4g} Hz and {trunk_placement(placements)} at "
                    f"{rate:.4g} Hz: one recording needs sample rates within 10 % of each other "
                    "(set the phone's or the sensor's rate to match)"
                )
        return float(f"{rate:.4g}")

    def open(self) -> None:
        sources = self._sources()
        rate_hz = self._rate_hz()
        meta = {
            "started_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "exercise": self.opts.exercise.value,
            "tempo": self.opts.tempo,
            **{f"device.{p}": d for p, d in sources.devices.items()},
            **self.opts.metadata,
        }
        placements = self.opts.placements
        targets = Targets()
        if "hold_s" in self.opts.metadata:  # a hold's target, judged live as replay will
            low, high = parse_hold(self.opts.metadata["hold_s"])
            targets = Targets(hold_min_s=low, hold_max_s=high)
        self.live = LiveAnalyzer(rate_hz, self.opts.exercise, self.opts.tempo, tuple(placements), targets)
        self.writer = RecordingWriter(self.opts.out, rate_hz, meta, placements)
        for listener in self.listeners:
            listener.opened(rate_hz, meta)
        early, self._early = self._early, []
        for block in early:
            self._take(block)

    def _take(self, block: SampleBlock) -> None:
        assert self.writer is not None and self.live is not None
        self.writer.write(block.placement, block.time_s, block.acc_g, block.gyr_dps, block.seq)
        self.samples += len(block)
        for listener in self.listeners:
            listener.block(block)
        status = self.live.feed(
            block.placement, block.time_s, block.seq, block.acc_g * G_MPS2, np.radians(block.gyr_dps)
        )
        for listener in self.listeners:
            listener.live(status)
        if self.on_live is not None:
            self.on_live(status)

    def close(self) -> Path | None:
        if self.writer is None and self._early and not self.refused:
            self.open()
        if self.writer is None:
            return None
        self.writer.close()
        return self.opts.out


async def record(
    opts: RecordOptions,
    *,
    backend: BleBackend | None = None,
    clock: HostClock | None = None,
    until: asyncio.Event | None = None,
    on_status: Callable[[Any], None] | None = None,
    on_live: Callable[[LiveStatus], None] | None = None,
    max_outage_s: float | None = None,
    on_start: Callable[[Sources], Awaitable[None]] | None = None,
    listeners: Sequence[Listener] = (),
    **supervisor_kwargs: Any,
) -> tuple[Path | None, LiveAnalyzer | None, Sources]:
    """Stream the sensors and phones into ``opts.out`` with live analysis until stopped.

    Parameters
    ----------
    opts : RecordOptions
    backend : BleBackend, optional
        bleak backend (the emulated one for ``--simulate``).
    clock : HostClock, optional
        Host clock (the emulation's clock when emulated).
    until : asyncio.Event, optional
        Set it to end the set (the CLI sets it on Ctrl-C; simulations when the devices are done).
    on_status, on_live : callable, optional
        Sensor and phone state changes (``SensorStatus``, ``PhoneStatus``: both have ``line()``)
        and live-analysis updates, for the terminal view.
    max_outage_s : float, optional
        Give up when a sensor or phone stays away this long.
    on_start : async callable, optional
        Called with the sources once they run (simulations point emulated phones at them).
    listeners : sequence of Listener
        Follow the recording beside the writer (a session's sets, the metronome); each one's
        ``finish`` is awaited once the file is closed.
    **supervisor_kwargs
        Passed to the BLE ``Supervisor`` (timeouts, backoff).

    Returns
    -------
    (path or None, LiveAnalyzer or None, Sources)
        The finished recording and its live analyser (None when no sample arrived), and the
        sources (their ``gaps``, and each source's own stats).

    Raises
    ------
    InputError
        Two devices for one placement, or rates too far apart to share one file.
    """
    clock = clock or RealClock()
    placements = opts.placements
    if not placements or len(set(placements)) != len(placements):
        raise InputError(f"give one sensor or phone per placement, got {placements}")
    sources: Sources
    sink = _Sink(opts, lambda: sources, on_live, listeners)
    for listener in listeners:
        listener.start(clock)
    members: list[LiveSource] = []
    if opts.targets:
        from imuhinge.sources.ble.supervisor import Supervisor

        members.append(
            Supervisor(
                opts.targets,
                sink,
                backend=backend,
                clock_ns=clock.clock_ns,
                on_status=on_status,
                max_outage_s=max_outage_s,
                **supervisor_kwargs,
            )
        )
    for phone in opts.phones:
        members.append(phone_source(phone, sink, clock=clock, on_status=on_status, max_outage_s=max_outage_s))
    sources = Sources(members)
    task = asyncio.create_task(sources.run())
    waits: list[asyncio.Future[Any]] = [asyncio.ensure_future(task)]
    if until is not None:
        waits.append(asyncio.ensure_future(until.wait()))
    if opts.duration_s is not None:
        waits.append(asyncio.ensure_future(clock.sleep(opts.duration_s)))
    starting = asyncio.ensure_future(on_start(sources)) if on_start is not None else None
    try:
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    finally:
        sources.stop()
        for w in [*waits[1:], *([starting] if starting is not None else [])]:
            w.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await w
        try:
            await task
        finally:
            try:
                path = sink.close()
            finally:
                for listener in listeners:
                    await listener.finish()
    return path, sink.live, sources


async def record_simulated(
    opts: RecordOptions,
    sim_config: SimConfig,
    faults: Faults | None = None,
    speed: float = 1.0,
    phone_faults: PhoneFaults | None = None,
    **kwargs: Any,
) -> tuple[Path | None, LiveAnalyzer | None, Sources]:
    """Record a simulated set through the real code paths: bleak calls against emulated BLE sensors
    (Bumble), HTTP on loopback against emulated phones.

    Each BLE placement gets a virtual sensor of ``opts.targets``' profile (``diy`` by default)
    streaming the simulated samples in that profile's byte format; each phone placement an emulated
    phone running its app. All sample one body on one timeline; the set ends when they have sent
    everything.

    Parameters
    ----------
    opts : RecordOptions
    sim_config : SimConfig
        The motion; its packet loss is left to ``faults`` (losses happen on the radio).
    faults : Faults, optional
        Radio faults: loss, duplicates, reordering, disconnects, MTU.
    speed : float
        Emulation speed (1 = real time).
    phone_faults : PhoneFaults, optional
        Network faults of the phones: Wi-Fi drops, repeated and reordered pushes.
    **kwargs
        Passed to ``record`` (``on_status``, ``on_live``, outage and supervisor settings).
    """
    from imuhinge.sim import simulate
    from imuhinge.sources.emulated.phone import EmulatedPhones
    from imuhinge.sources.emulated.time_base import EmulatedTime

    sim = simulate(replace(sim_config, packet_loss=0.0))
    sensors: list[Any] = []
    if not opts.targets:
        time = EmulatedTime(speed)
        origin_s = time.now_s() + CONNECT_LEAD_S
    else:
        from imuhinge.sources.emulated.ble import VirtualSensor
        from imuhinge.sources.emulated.bumble_backend import BumbleLink, bumble_backend

        time = link = BumbleLink(speed=speed).make_current()
        kwargs["backend"] = bumble_backend(link)
        kwargs.setdefault("backoff_initial_s", 0.05)
        opts.targets = [replace(t, name=f"imuhinge-{t.placement}", address=None) for t in opts.targets]
        # One body: every device samples the motion on one timeline, from when it can be connected.
        origin_s = time.now_s() + CONNECT_LEAD_S
        sensors = [
            VirtualSensor.from_sensor_stream(
                t.profile or "diy", sim.recording.sensors[t.placement], sim_config.sample_rate_hz,
                name=t.name, address=f"D{i + 1}:00:00:00:00:0{i + 1}", link=link, faults=faults,
                origin_s=origin_s,
            )
            for i, t in enumerate(opts.targets)
        ]  # fmt: skip
    phones = EmulatedPhones(opts.phones, sim.recording, time, origin_s, phone_faults)
    done = asyncio.Event()

    async def when_sent() -> None:
        await asyncio.gather(*(s.done.wait() for s in sensors), phones.wait_done())
        await time.sleep(0.5)
        done.set()

    async def connect_phones(sources: Sources) -> None:
        await phones.connect(sources.sources)

    for s in sensors:
        await s.start()
    opts.phones = await phones.start()
    watcher = asyncio.create_task(when_sent())
    try:
        return await record(opts, clock=time, until=done, on_start=connect_phones, **kwargs)
    finally:
        watcher.cancel()
        for s in sensors:
            await s.stop()
        await phones.stop()
