"""Imports of phone and vendor exports, recognised by what the files hold, as recordings (format v1).

Each format has a small module with ``detect(bundle)`` and ``read(bundle)``; both work on a
``Bundle`` (a zip, a folder, or a file and the files beside it). ``read`` gives the accelerometer
(with gravity, m/s^2) and the gyroscope (rad/s) on the device's clock; ``import_recording`` merges
them into one stream (``motion.merge``) with the device's timestamps, which the recording reader
puts on their sample grid like any other timestamps.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

from imuhinge.errors import InputError
from imuhinge.io.csv_write import save_recording
from imuhinge.io.header import PARTIAL_SUFFIX, check_placement
from imuhinge.io.imports import generic, metawear, phyphox, polar, sensorlogger
from imuhinge.io.imports.bundle import Bundle, open_bundle
from imuhinge.io.imports.motion import merge, strictly_increasing
from imuhinge.io.imports.readings import Readings, require_gravity
from imuhinge.io.timebase import initial_rate_hz
from imuhinge.model import Recording, SensorStream

FORMATS: tuple[ModuleType, ...] = (phyphox, sensorlogger, metawear, polar)
SUPPORTED = (
    "imuhinge CSV v1, phyphox export (zip or CSV), Sensor Logger export (zip or folder), "
    "MetaWear MetaBase CSV, Polar Sensor Logger TXT"
)
IMPORT_HINT = "imuhinge import FILE -o OUT.csv --columns time=...,acc_x=...,gyr_z=... [--units ...]"

__all__ = ["FORMATS", "SUPPORTED", "detect", "import_recording", "read_export", "write_import"]


def detect(bundle: Bundle) -> ModuleType | None:
    """The format module that recognises the bundle's files, or None."""
    return next((fmt for fmt in FORMATS if fmt.detect(bundle)), None)


def unknown_format(path: Path) -> InputError:
    """The one-line error for a file no reader recognises: what is supported and how to import."""
    return InputError(
        f"not a format imuhinge recognises (it reads {SUPPORTED}); for any other CSV: {IMPORT_HINT}", path
    )


def read_export(
    path: str | os.PathLike[str],
    columns: Mapping[str, str] | None = None,
    units: Mapping[str, str] | None = None,
) -> Readings:
    """The accelerometer and gyroscope of an export, in SI units on the device's clock.

    Parameters
    ----------
    path : str or PathLike
        A zip, a folder or a file.
    columns, units : mapping, optional
        A column mapping (``generic.parse_columns``) and units: read the file as a plain CSV.

    Raises
    ------
    InputError
        Unknown format, or what the format's reader refuses.
    """
    bundle = open_bundle(path)
    if columns is not None:
        return generic.read(bundle, dict(columns), generic.parse_units(None) | dict(units or {}))
    fmt = detect(bundle)
    if fmt is None:
        raise unknown_format(bundle.path)
    return fmt.read(bundle)


def _started_at(unix_s: float) -> str:
    return datetime.fromtimestamp(unix_s, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def to_recording(readings: Readings, path: Path, placement: str = "upper_back") -> Recording:
    """One sensor's recording from an export's readings (times since its first merged sample).

    Raises
    ------
    InputError
        Unknown placement, too few samples, no overlap, or timestamps that do not advance.
    """
    check_placement(placement, "--placement")
    time_s, acc, gyr = merge(readings.acc, readings.gyr, str(path))
    require_gravity(acc, str(path))
    rate_hz = initial_rate_hz(time_s)
    if rate_hz is None or not rate_hz > 0:
        raise InputError("the timestamps do not advance", path)
    metadata = {"source": readings.title, "source_file": path.name}
    if readings.files and readings.files != [path.name]:
        metadata["source_file"] += " (" + ", ".join(readings.files) + ")"
    if readings.unix_offset_s is not None:
        metadata["started_at"] = _started_at(readings.unix_offset_s + float(time_s[0]))
    metadata[f"device.{placement}"] = readings.device or readings.title
    metadata.update(readings.notes)
    stream = SensorStream(placement, strictly_increasing(time_s - time_s[0]), acc, gyr)
    return Recording({placement: stream}, float(f"{rate_hz:.4g}"), metadata, path=path)


def import_recording(
    path: str | os.PathLike[str],
    placement: str = "upper_back",
    columns: Mapping[str, str] | None = None,
    units: Mapping[str, str] | None = None,
) -> Recording:
    """An export as a recording, with the device's own timestamps (not yet on a regular grid).

    Parameters
    ----------
    path : str or PathLike
        A phone or vendor export (zip, folder or file).
    placement : str
        Where the phone or sensor was worn: ``upper_back`` (default) or ``sacrum``.
    columns, units : mapping, optional
        For a plain CSV: see ``read_export``.

    Raises
    ------
    InputError
        Unknown format, or what the format's reader refuses.
    """
    return to_recording(read_export(path, columns, units), Path(path), placement)


def write_import(
    source: str | os.PathLike[str],
    out: str | os.PathLike[str],
    placement: str = "upper_back",
    force: bool = False,
    columns: Mapping[str, str] | None = None,
    units: Mapping[str, str] | None = None,
) -> Recording:
    """Convert an export into a v1 recording file.

    An existing ``out`` is replaced only with ``force`` and only when it is a regular file that is
    not one of the inputs; nothing is written when the import fails.

    Returns
    -------
    Recording
        What was written.

    Raises
    ------
    InputError
        The output cannot be written (see above), or the import fails.
    """
    source, out = Path(source), Path(out)
    inputs = {p.resolve() for p in open_bundle(source).input_paths()}
    partial = out.with_name(out.name + PARTIAL_SUFFIX)
    if out.resolve() in inputs:
        raise InputError("is an input of this import; choose another output", out)
    if out.exists() or out.is_symlink():
        if not out.is_file():
            raise InputError("exists and is not a regular file; choose another output", out)
        if not force:
            raise InputError("already exists (--force replaces it)", out)
    if partial.exists():
        raise InputError("exists (a recording cut short?); move it away first", partial)
    recording = import_recording(source, placement, columns, units)
    save_recording(recording, out, force=force)
    return recording
