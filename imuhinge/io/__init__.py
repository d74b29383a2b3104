"""Recording files: the native CSV format v1 (``docs/format.md``), streaming and crash-safe."""

from imuhinge.io.csv_read import load_recording
from imuhinge.io.csv_write import RecordingWriter, save_recording

__all__ = ["RecordingWriter", "load_recording", "save_recording"]
