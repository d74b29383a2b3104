"""Record a whole session: sets told apart by the rests between them, each written to its own
recording and handed on (analysed, logged) while the session goes on.

The session recording (``NAME.csv``) is written as any recording is, crash-safe, and holds every
sample. The sets are cut from the samples the recorder keeps in memory since the previous set, with
the rule of ``analysis.session``: when a rest follows a set (``rest_s`` without a rep, the lifter
back at the top), the set's span is written to ``NAME.setK.csv`` (under the output rule, through
``NAME.setK.csv.partial``) and processed in a worker thread, one set after the other, so the event
loop that reads the sensors never waits for it. A crash loses no sample: what was not yet cut into
a set file is in the session recording, and ``analyze`` of it splits it the same way.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Generic, TypeVar

import numpy as np

from imuhinge.analysis.session import SessionLoads, SetCut, cut_recording, is_rest, set_cut
from imuhinge.io import save_recording
from imuhinge.model import G_MPS2, Recording, Rep, SensorStream
from imuhinge.recorder import Listener

if TYPE_CHECKING:
    from imuhinge.analysis.live import LiveStatus
    from imuhinge.sources.ble.clock import SampleBlock
    from imuhinge.sources.timing import HostClock

T = TypeVar("T")
DECIDE_S = 5.0  # a set ends this long after a rest began: a rep's start can precede its detection
KEEP_IDLE_S = 120.0  # samples kept between sets: the longest rep and the lead before it


def set_path(out: Path, number: int) -> Path:
    """``NAME.setK.csv`` beside the session recording ``NAME.csv``."""
    return out.with_name(f"{out.name.removesuffix('.csv')}.set{number}.csv")


def existing_set_files(out: Path) -> list[Path]:
    """Set recordings (or their ``.partial``) of an earlier session under the same name."""
    return sorted(out.parent.glob(f"{out.name.removesuffix('.csv')}.set[0-9]*.csv*"))


class _Buffer:
    """The blocks of every sensor since a given time, as written (g, deg/s)."""

    def __init__(self) -> None:
        self.blocks: dict[str, list[SampleBlock]] = {}

    def add(self, block: SampleBlock) -> None:
        if len(block):
            self.blocks.setdefault(block.placement, []).append(block)

    def trim(self, before_s: float) -> None:
        """Drop the blocks that end before ``before_s``."""
        for placement, blocks in self.blocks.items():
            self.blocks[placement] = [b for b in blocks if b.time_s[-1] >= before_s]

    def recording(self, sample_rate_hz: float, metadata: dict[str, str]) -> Recording:
        streams = {}
        for placement, blocks in self.blocks.items():
            if not blocks:
                continue
            streams[placement] = SensorStream(
                placement,
                np.concatenate([b.time_s for b in blocks]),
                np.concatenate([b.acc_g for b in blocks]) * G_MPS2,
                np.radians(np.concatenate([b.gyr_dps for b in blocks])),
                np.concatenate([b.seq for b in blocks]),
            )
        return Recording(streams, sample_rate_hz, dict(metadata))


class SessionRecorder(Listener, Generic[T]):
    """Follows a session's recording: finds its sets, writes each one, processes it in a thread.

    Parameters
    ----------
    out : Path
        The session recording; set ``K`` goes to ``set_path(out, K)``.
    rest_s : float
        Shortest rest between two sets.
    loads : SessionLoads
        Loads from the command line; loads typed while recording are added (``type_load``).
    process : callable
        ``process(cut, path)``: run in a worker thread for each set written (analysis, training log).
    show : callable
        ``show(result)``: run in the event loop with what ``process`` returned, in set order.

    Attributes
    ----------
    cuts : list of SetCut
        The sets cut so far.
    results : list
        What ``process`` returned for each set processed so far, in set order.
    """

    def __init__(
        self,
        out: Path,
        rest_s: float,
        loads: SessionLoads,
        process: Callable[[SetCut, Path], T],
        show: Callable[[T], None],
    ) -> None:
        self.out = out
        self.rest_s = rest_s
        self.loads = loads
        self.process = process
        self.show = show
        self.cuts: list[SetCut] = []
        self.results: list[T] = []
        self.now_s = 0.0
        self._reps: list[Rep] = []
        self._buffer = _Buffer()
        self._rate_hz = 0.0
        self._metadata: dict[str, str] = {}
        self._pending: list[asyncio.Future[T]] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="imuhinge-set")

    # -- the recording's events ----------------------------------------------------------------

    def start(self, clock: HostClock) -> None:
        """Keep the event loop, for the worker threads."""
        self._loop = asyncio.get_running_loop()

    def opened(self, sample_rate_hz: float, metadata: dict[str, str]) -> None:
        """The session file's rate and header: each set's file starts from them."""
        self._rate_hz, self._metadata = sample_rate_hz, dict(metadata)

    def block(self, block: SampleBlock) -> None:
        """Keep the samples until the set they belong to is cut."""
        self._buffer.add(block)

    def live(self, status: LiveStatus) -> None:
        """New reps join the set or start the next one; a rest long enough ends the set."""
        self.now_s = max(self.now_s, status.time_s)
        for rep in status.new_reps:
            if self._reps and is_rest(self._reps[-1].end_s, rep.start_s, self.rest_s):
                self._close()
            self._reps.append(rep)
        if self._reps and not status.busy and self.now_s - self._reps[-1].end_s >= self.rest_s + DECIDE_S:
            self._close()
        if not self._reps:
            self._buffer.trim(self.now_s - KEEP_IDLE_S)

    async def finish(self) -> None:
        """Cut the set under way, if it has reps, and wait for every set to be processed.

        Raises
        ------
        Exception
            The first error of writing or processing a set (the others are still waited for).
        """
        if self._reps and self._rate_hz:
            self._close()
        error: BaseException | None = None
        for future in self._pending:
            try:
                await future
            except Exception as exc:  # every set is waited for; the first failure is raised after
                error = error or exc
        self._worker.shutdown()
        if error is not None:
            raise error

    # -- state, for the live view and the load prompt ------------------------------------------

    @property
    def set_number(self) -> int:
        """The set under way, or the next one between sets."""
        return len(self.cuts) + 1

    @property
    def set_reps(self) -> int:
        """Reps of the set under way so far (0 between sets)."""
        return len(self._reps)

    def number_in_set(self, rep: Rep) -> int | None:
        """A rep's number within the set under way (None when it is not one of its reps)."""
        return next((k for k, mine in enumerate(self._reps, start=1) if mine is rep), None)

    @property
    def resting(self) -> bool:
        """True between sets, once the last set has been cut."""
        return bool(self.cuts) and not self._reps

    def type_load(self, load_kg: float) -> int:
        """A load typed now, for the set to come and the sets after it: typed during a set, the next
        one; typed in a rest (no rep of the set to come found yet), that set. Returns its number."""
        first = self.set_number + (1 if self._reps else 0)
        self.loads = self.loads.typed_for(first, load_kg)
        return first

    # -- cutting a set -------------------------------------------------------------------------

    def _close(self) -> None:
        first, last = self._reps[0].start_s, self._reps[-1].end_s
        number = len(self.cuts) + 1
        previous = self.cuts[-1] if self.cuts else None
        cut = set_cut(number, first, last, previous, self.now_s, self.loads.load_for(number))
        self.cuts.append(cut)
        recording = cut_recording(self._buffer.recording(self._rate_hz, self._metadata), cut)
        self._buffer.trim(cut.end_s)
        self._reps = []
        assert self._loop is not None
        future = self._loop.run_in_executor(self._worker, self._write, cut, recording)
        future.add_done_callback(self._shown)
        self._pending.append(future)

    def _write(self, cut: SetCut, recording: Recording) -> T:
        path = set_path(self.out, cut.number)
        save_recording(recording, path)
        return self.process(cut, path)

    def _shown(self, future: asyncio.Future[T]) -> None:
        if not future.cancelled() and future.exception() is None:
            self.results.append(future.result())
            self.show(future.result())
