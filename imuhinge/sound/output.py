"""Where the metronome's cues are heard: the system's audio output when the optional
``sounddevice`` package (``pip install 'imuhinge[audio]'``) finds PortAudio and an output device,
otherwise the terminal bell."""

from __future__ import annotations

from typing import Any, Protocol, TextIO

from imuhinge.coaching.metronome import CueKind
from imuhinge.sound.tones import cue_tone


class CueOutput(Protocol):
    """Sounds a cue at once, without waiting for it to finish."""

    description: str

    def play(self, kind: CueKind) -> None:
        """Sound the cue ``kind`` now."""
        ...


class AudioOutput:
    """The system's audio output, through ``sounddevice`` (non-blocking playback)."""

    def __init__(self, sd: Any, device: dict[str, Any]) -> None:
        self._sd = sd
        self.rate_hz = float(device["default_samplerate"])
        self._tones = {kind: cue_tone(kind, self.rate_hz).astype("float32") for kind in CueKind}
        self.description = f"sound on {device['name']}"

    def play(self, kind: CueKind) -> None:
        """Start the cue's tone on the default output."""
        self._sd.play(self._tones[kind], self.rate_hz)


class BellOutput:
    """The terminal bell: one BEL character per cue, whatever the cue."""

    def __init__(self, stream: TextIO, reason: str) -> None:
        self._stream = stream
        self.description = f"the terminal bell ({reason})"

    def play(self, kind: CueKind) -> None:
        """Ring the bell."""
        self._stream.write("\a")
        self._stream.flush()


class SilentOutput:
    """No sound: the cues only go to the cue track."""

    description = "silent"

    def play(self, kind: CueKind) -> None:
        """Nothing is heard."""


def open_output(stream: TextIO) -> CueOutput:
    """The system's audio output when there is one, else the bell on ``stream``.

    Parameters
    ----------
    stream : TextIO
        Where the bell rings (the terminal).

    Returns
    -------
    CueOutput
        Its ``description`` says which, and why not the audio output.
    """
    try:
        import sounddevice as sd
    except ImportError:
        return BellOutput(stream, "no audio library: install imuhinge[audio] for sound")
    except OSError as exc:  # sounddevice is there, the PortAudio library is not
        return BellOutput(stream, f"no audio output: {exc}")
    try:
        device = sd.query_devices(kind="output")
    except sd.PortAudioError as exc:
        return BellOutput(stream, f"no audio output device: {exc}")
    return AudioOutput(sd, dict(device))
