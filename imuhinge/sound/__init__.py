"""Sound for the metronome: the cue tones, the cue track as a WAV file, and the audio output (the
system's, through the optional ``sounddevice`` package, else the terminal bell)."""
