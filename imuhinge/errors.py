"""Errors that reach the user as one clear line and exit status 2."""

from __future__ import annotations

from pathlib import Path


class ImuhingeError(Exception):
    """Base of every error the CLI reports as one line with exit status 2."""


class InputError(ImuhingeError):
    """Bad input: a file, a packet or an argument that cannot be used as it is.

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
