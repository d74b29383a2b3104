"""Errors that reach the user as one clear line and exit status 2.

Every error the project raises on purpose derives from ``ImuhingeError``, so the CLI can report it
in one line; the subclasses say whose fault it is, so callers can catch just the one they can handle:

- ``InputError``: a file, an argument or a packet that cannot be used as it is;
- ``DeviceError``: a Bluetooth adapter or sensor that is missing, unsupported or refuses to stream;
- ``AnalysisError``: readable data that cannot measure what was asked (no reps to compare or plot);
  ``AlignmentError`` when two sensors' clocks cannot be matched.
"""

from __future__ import annotations

from pathlib import Path


class ImuhingeError(Exception):
    """Base of every error the CLI reports as one line with exit status 2.

    Parameters
    ----------
    problem : str
        What is wrong, in plain words.
    path : Path or str, optional
        The file concerned.
    line : int, optional
        The 1-based line number in that file.
    """

    def __init__(self, problem: str, path: Path | str | None = None, line: int | None = None):
        self.problem = problem
        self.path = None if path is None else str(path)
        self.line = line
        where = ""
        if self.path is not None:
            where = f"{self.path}:{line}: " if line is not None else f"{self.path}: "
        super().__init__(f"{where}{problem}")


class InputError(ImuhingeError):
    """Bad input: a file, a packet or an argument that cannot be used as it is."""


class DeviceError(ImuhingeError):
    """A Bluetooth problem: no adapter or BLE packages, a sensor not found, unsupported or refusing."""


class AnalysisError(ImuhingeError):
    """The data is readable but cannot measure what was asked (for example no full rep to plot)."""


class AlignmentError(AnalysisError):
    """Two sensors' clocks cannot be matched, so nothing that needs both (lumbar flexion) is measured."""
