"""The metronome's cue tones, and the cue track: every cue of a recording as a WAV file.

Each cue is a short tone with a pitch of its own (down, bottom, up, top), faded in and out over a
few milliseconds so it clicks neither on nor off. The track is mono 16-bit PCM whose first sample is
the recording's time 0, so a cue at ``time_s`` starts ``time_s * rate_hz`` samples in.
"""

from __future__ import annotations

import math
import wave
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from imuhinge.coaching.metronome import CueKind, MetronomeCue
from imuhinge.io.output import output_file

TONE_HZ = {CueKind.DOWN: 660.0, CueKind.BOTTOM: 440.0, CueKind.UP: 880.0, CueKind.TOP: 1320.0}
TONE_S = 0.06
FADE_S = 0.005
AMPLITUDE = 0.5
TRACK_RATE_HZ = 16000
_BLOCK_S = 10.0


def cue_tone(kind: CueKind, rate_hz: float) -> np.ndarray:
    """The tone of one cue: ``TONE_S`` of a sine at ``TONE_HZ[kind]``, raised-cosine faded.

    Parameters
    ----------
    kind : CueKind
    rate_hz : float
        Audio sample rate.

    Returns
    -------
    ndarray of float, shape (n,)
        Samples within -1..1.
    """
    n = round(TONE_S * rate_hz)
    t = np.arange(n) / rate_hz
    fade = np.minimum(1.0, np.minimum(t, TONE_S - t) / FADE_S)
    envelope = 0.5 - 0.5 * np.cos(np.pi * np.clip(fade, 0.0, 1.0))
    return AMPLITUDE * envelope * np.sin(2 * np.pi * TONE_HZ[kind] * t)


def write_cue_track(
    cues: Sequence[MetronomeCue], path: Path, duration_s: float, rate_hz: int = TRACK_RATE_HZ
) -> None:
    """Write the cue track of a recording as a WAV file (under the output rule; never replaces a file).

    Parameters
    ----------
    cues : sequence of MetronomeCue
        The cues sounded, at their times in the recording.
    path : Path
    duration_s : float
        The recording's length; the track lasts at least that long.
    rate_hz : int
        Audio sample rate.

    Raises
    ------
    InputError
        When the file exists or cannot be written.
    """
    tones = {kind: cue_tone(kind, rate_hz) for kind in CueKind}
    starts = [(round(c.time_s * rate_hz), tones[c.kind]) for c in cues]
    end_s = max([duration_s, *(c.time_s + TONE_S for c in cues)])
    total = math.ceil(end_s * rate_hz)
    block = int(_BLOCK_S * rate_hz)
    with output_file(path, force_option=None) as temp, wave.open(str(temp), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate_hz)
        for first in range(0, total, block):
            samples = np.zeros(min(block, total - first))
            for start, tone in starts:
                lo, hi = max(start, first), min(start + len(tone), first + len(samples))
                if lo < hi:
                    samples[lo - first : hi - first] += tone[lo - start : hi - start]
            wav.writeframes((np.clip(samples, -1.0, 1.0) * 32767).astype("<i2").tobytes())
