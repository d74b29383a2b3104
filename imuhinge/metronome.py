"""The metronome while recording: cues planned from the live analysis (``coaching.metronome``),
sounded on time through the audio output or the terminal bell, and kept for the cue track.

The recording's time runs on the host clock from the moment recording starts, a little behind it
(the radio's latency): the least difference between the host clock and the newest sample's time
seen so far maps a cue's recording time to the host clock, and the cue waits on that clock (the
emulation's, when simulated) until it is due.
"""

from __future__ import annotations

import asyncio
import math
from pathlib import Path
from typing import TYPE_CHECKING

from imuhinge.coaching.metronome import CueKind, Metronome
from imuhinge.recorder import Listener
from imuhinge.sound.tones import write_cue_track

if TYPE_CHECKING:
    from imuhinge.analysis.live import LiveStatus
    from imuhinge.model import Tempo
    from imuhinge.sound.output import CueOutput
    from imuhinge.sources.timing import HostClock


class LiveMetronome(Listener):
    """Cue the target tempo as the lifter moves, and write the cue track at the end.

    Parameters
    ----------
    tempo, floor_start
        As for ``coaching.metronome.Metronome``.
    output : CueOutput
        Where cues are heard (``sound.output.open_output``).
    wav : Path, optional
        Write the cue track there when the recording ends.
    """

    def __init__(self, tempo: Tempo, floor_start: bool, output: CueOutput, wav: Path | None = None) -> None:
        self.metronome = Metronome(tempo, floor_start)
        self.output = output
        self.wav = wav
        self.end_s = 0.0
        self._clock: HostClock | None = None
        self._offset_s = math.inf
        self._sounding: set[asyncio.Task[None]] = set()

    def start(self, clock: HostClock) -> None:
        """Cues wait on ``clock``."""
        self._clock = clock

    def live(self, status: LiveStatus) -> None:
        """Commit the cues now due and have each sounded at its time."""
        assert self._clock is not None
        host_s = self._clock.clock_ns() / 1e9
        self._offset_s = min(self._offset_s, host_s - status.time_s)
        self.end_s = max(self.end_s, status.time_s)
        for cue in self.metronome.update(status.time_s, status.rep_start_s, status.moving_since_s):
            task = asyncio.ensure_future(self._sound(cue.kind, cue.time_s + self._offset_s - host_s))
            self._sounding.add(task)
            task.add_done_callback(self._sounding.discard)

    async def _sound(self, kind: CueKind, delay_s: float) -> None:
        assert self._clock is not None
        if delay_s > 0:
            await self._clock.sleep(delay_s)
        self.output.play(kind)

    async def finish(self) -> None:
        """Sound the cues already committed (due within ``LOOKAHEAD_S``); write the cue track."""
        await asyncio.gather(*self._sounding)
        if self.wav is not None:
            write_cue_track(self.metronome.cues, self.wav, self.end_s)
