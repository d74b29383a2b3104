"""Load whatever a user hands to ``analyze``, ``plot`` or ``report``: a v1 recording, or a phone or
vendor export recognised by its content (``io.imports``).

An export is converted exactly as ``imuhinge import`` converts it and read back by the v1 reader, so
analysing an export directly and analysing its imported file give the same result.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from imuhinge.errors import InputError
from imuhinge.io.csv_read import load_recording
from imuhinge.io.csv_write import save_recording
from imuhinge.io.header import PARTIAL_SUFFIX
from imuhinge.io.imports import detect, import_recording
from imuhinge.io.imports.bundle import open_bundle
from imuhinge.model import Recording

_SNIFF_BYTES = 64


def is_native(path: Path) -> bool:
    """True for a v1 recording (or what tries to be one: its first line is ``#`` metadata)."""
    if path.name.endswith(PARTIAL_SUFFIX):
        return True
    try:
        with open(path, "rb") as fh:
            head = fh.read(_SNIFF_BYTES)
    except OSError:
        return True  # let the v1 reader say what is wrong with it
    return head.removeprefix(b"\xef\xbb\xbf").lstrip().startswith(b"#")


def is_export_folder(path: Path) -> bool:
    """True for a folder that is one export (an unpacked Sensor Logger or phyphox export), not a
    folder of recordings."""
    if not path.is_dir():
        return False
    try:
        bundle = open_bundle(path)
    except InputError:
        return False  # too many files to be one export
    natives = [m for m in bundle.members.values() if m.path is not None and is_native(m.path)]
    return not natives and detect(bundle) is not None


def load_any(path: str | os.PathLike[str]) -> Recording:
    """Load a v1 recording or a phone / vendor export.

    Parameters
    ----------
    path : str or PathLike
        A v1 ``.csv`` or ``.partial``, or an export (zip, folder or file).

    Returns
    -------
    Recording
        Its ``path`` is the given path; an export's samples are on their sample grid, as the v1
        reader puts them.

    Raises
    ------
    InputError
        Bad input, or a file that is neither (the message lists what is supported).
    """
    path = Path(path)
    if path.is_file() and is_native(path):
        return load_recording(path)
    if not path.exists():
        return load_recording(path)  # the reader's "no such file"
    recording = import_recording(path)
    with tempfile.TemporaryDirectory(prefix="imuhinge-") as folder:
        converted = Path(folder) / "import.csv"
        save_recording(recording, converted)
        try:
            loaded = load_recording(converted)
        except InputError as exc:
            raise InputError(exc.problem, path) from None
    loaded.path = path
    return loaded
