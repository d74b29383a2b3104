"""The header of a v1 recording: the format line, ``# key: value`` metadata and the column names.

Metadata keys are any text without ``:`` or line breaks; values are one line of text. Both are
stripped of surrounding whitespace when read, so a value that starts or ends with whitespace (or
holds a line break) cannot be written faithfully and is refused by :func:`format_header`.

A file that is not a recording is refused from its first bytes, and no header line is read beyond
``MAX_LINE_BYTES`` nor the header beyond ``MAX_HEADER_LINES``: whatever a file holds, reading its
header costs a bounded amount of memory and time.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from imuhinge.errors import InputError
from imuhinge.model import PLACEMENTS

FORMAT_LINE = "# imuhinge recording v1"
FORMAT_PREFIX = "# imuhinge recording v"
RATE_KEY = "sample_rate_hz"
STARTED_KEY = "started_at"
PLACEMENT_KEY = "placement"
DEVICE_PREFIX = "device."
PARTIAL_SUFFIX = ".partial"

AXES = ("x", "y", "z")
ACC_UNITS = ("g", "mps2")
GYR_UNITS = ("dps", "rads")
IMU_COLUMN = re.compile(r"^(acc|gyr)_([xyz])(?:_(.*))?$")
NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
"""A decimal number as the row parser reads it (Python's ``float`` also takes ``1_000``, ``inf``)."""
MAX_LINE_BYTES = 1 << 16
"""No line of a recording is longer: a row is about 80 bytes, a metadata line a few hundred."""
MAX_HEADER_LINES = 1000
_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class Columns:
    """The column header of a recording, resolved to the columns the reader uses.

    Attributes
    ----------
    names : list of str
        Every column name in file order (unknown extra columns included).
    acc_unit : str
        ``g`` or ``mps2``.
    gyr_unit : str
        ``dps`` or ``rads``.
    has_sensor, has_seq : bool
        Whether the ``sensor`` and ``seq`` columns are present.
    """

    names: list[str]
    acc_unit: str
    gyr_unit: str
    has_sensor: bool
    has_seq: bool

    @property
    def acc(self) -> list[str]:
        """The three accelerometer column names."""
        return [f"acc_{a}_{self.acc_unit}" for a in AXES]

    @property
    def gyr(self) -> list[str]:
        """The three gyroscope column names."""
        return [f"gyr_{a}_{self.gyr_unit}" for a in AXES]

    @property
    def numeric(self) -> list[str]:
        """Numeric columns the reader parses, in the order time, seq, acc, gyr."""
        return ["time_s", *(["seq"] if self.has_seq else []), *self.acc, *self.gyr]

    @property
    def used(self) -> list[str]:
        """Every column the reader parses."""
        return [*self.numeric, *(["sensor"] if self.has_sensor else [])]

    @property
    def extra(self) -> list[str]:
        """Columns the reader ignores."""
        used = set(self.used)
        return [n for n in self.names if n not in used]


@dataclass
class Header:
    """Everything before the first data row.

    Attributes
    ----------
    metadata : dict of str to str
        Metadata in file order, without the format line and ``sample_rate_hz``.
    metadata_lines : dict of str to int
        1-based line number of each metadata key (``sample_rate_hz`` included).
    sample_rate_hz : float or None
        The ``sample_rate_hz`` value, None when the header has none.
    columns : Columns
    n_lines : int
        Number of header lines (format line, metadata and the column header).
    """

    metadata: dict[str, str]
    metadata_lines: dict[str, int]
    sample_rate_hz: float | None
    columns: Columns
    n_lines: int

    @property
    def column_line(self) -> int:
        """1-based line number of the column header."""
        return self.n_lines


def parse_header(lines: Iterator[bytes], path: Path) -> Header:
    """Parse the header lines of a recording.

    Parameters
    ----------
    lines : iterator of bytes
        The file's lines, each with its line terminator, from the first line on, each read with a
        limit of ``MAX_LINE_BYTES + 1`` bytes (a longer piece is refused). Only the header lines
        are consumed.
    path : Path
        The file, for error messages.

    Returns
    -------
    Header

    Raises
    ------
    InputError
        Missing or unknown format line, malformed metadata, a bad column header, or a header
        line or header longer than any recording's.
    """
    metadata: dict[str, str] = {}
    metadata_lines: dict[str, int] = {}
    sample_rate_hz = None
    line_no = 0
    for raw in lines:
        line_no += 1
        if line_no == 1:
            _check_format_line(raw.removeprefix(_BOM), path)
            continue
        if len(raw) > MAX_LINE_BYTES:
            raise InputError(
                f"header line longer than {MAX_LINE_BYTES} bytes: not a recording", path, line_no
            )
        if line_no > MAX_HEADER_LINES:
            raise InputError(f"no column header in the first {MAX_HEADER_LINES} lines", path, line_no)
        text = _decode(raw, path, line_no)
        if not text.strip():
            raise InputError("blank line before the column header", path, line_no)
        if not text.startswith("#"):
            columns = parse_columns(text, path, line_no)
            return Header(metadata, metadata_lines, sample_rate_hz, columns, line_no)
        key, value = _parse_metadata_line(text, path, line_no)
        if key in metadata_lines:
            raise InputError(
                f"metadata key {key!r} appears twice (first on line {metadata_lines[key]})", path, line_no
            )
        metadata_lines[key] = line_no
        if key == RATE_KEY:
            sample_rate_hz = _parse_rate(value, path, line_no)
        else:
            metadata[key] = value
    if line_no == 0:
        raise InputError("empty file", path)
    raise InputError("no column header after the metadata lines", path, line_no + 1)


def _decode(raw: bytes, path: Path, line_no: int) -> str:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError("header line is not valid UTF-8 text", path, line_no) from None
    text = text.removesuffix("\n").removesuffix("\r")
    if "\r" in text:
        raise InputError("carriage return inside a header line", path, line_no)
    return text


def _check_format_line(raw: bytes, path: Path) -> None:
    """Judge the first line by its bytes: anything else is refused before more is read."""
    if raw.rstrip() == FORMAT_LINE.encode("ascii"):
        return
    prefix = FORMAT_PREFIX.encode("ascii")
    if raw.startswith(prefix) and len(raw) <= MAX_LINE_BYTES:
        version = raw.removeprefix(prefix).strip().decode("utf-8", errors="replace")
        raise InputError(f"unsupported format version v{version[:40]} (this reader knows v1)", path, 1)
    raise InputError(f"missing format line {FORMAT_LINE!r}: not an imuhinge recording", path, 1)


def _parse_metadata_line(text: str, path: Path, line_no: int) -> tuple[str, str]:
    key, sep, value = text[1:].partition(":")
    key = key.strip()
    if not sep or not key:
        raise InputError(f"metadata line must look like '# key: value', got {text!r}", path, line_no)
    return key, value.strip()


def _parse_rate(value: str, path: Path, line_no: int) -> float:
    rate_hz = float(value) if NUMBER.fullmatch(value) else math.nan
    if not (math.isfinite(rate_hz) and rate_hz > 0):
        raise InputError(f"{RATE_KEY} must be a positive number, got {value!r}", path, line_no)
    return rate_hz


def parse_columns(text: str, path: Path, line_no: int) -> Columns:
    """Resolve a column header line: units by suffix, required columns present, no duplicates.

    Raises
    ------
    InputError
        Unknown unit suffix, mixed units within a sensor, duplicate or missing columns.
    """
    names = [n.strip() for n in text.split(",")]
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise InputError(f"duplicate column {name!r}", path, line_no)
        seen.add(name)
    units: dict[str, set[str]] = {"acc": set(), "gyr": set()}
    allowed = {"acc": ACC_UNITS, "gyr": GYR_UNITS}
    for name in names:
        match = IMU_COLUMN.match(name)
        if match is None:
            continue
        kind, _, unit = match.groups()
        options = " or ".join(f"_{u}" for u in allowed[kind])
        if unit is None:
            raise InputError(f"column {name!r} has no unit suffix (use {options})", path, line_no)
        if unit not in allowed[kind]:
            raise InputError(
                f"unknown unit suffix '_{unit}' in column {name!r} (use {options})", path, line_no
            )
        units[kind].add(unit)
    for kind, found in units.items():
        if len(found) > 1:
            mixed = ", ".join(f"_{u}" for u in sorted(found))
            raise InputError(f"{kind}_* columns mix units ({mixed})", path, line_no)
    acc_unit = next(iter(units["acc"]), ACC_UNITS[0])
    gyr_unit = next(iter(units["gyr"]), GYR_UNITS[0])
    columns = Columns(names, acc_unit, gyr_unit, "sensor" in seen, "seq" in seen)
    missing = [n for n in ["time_s", *columns.acc, *columns.gyr] if n not in seen]
    if missing:
        raise InputError(f"missing columns: {', '.join(missing)}", path, line_no)
    return columns


def check_placement(name: str, what: str, path: Path | None = None, line: int | None = None) -> None:
    """Raise InputError unless ``name`` is a known placement; ``what`` says where it was found."""
    if name not in PLACEMENTS:
        raise InputError(
            f"unknown sensor placement {name!r} in {what} (allowed: {', '.join(PLACEMENTS)})", path, line
        )


def format_header(
    sample_rate_hz: float, metadata: dict[str, str], column_names: Iterable[str], path: Path
) -> str:
    """The header text of a v1 file: format line, rate, ``started_at``, other metadata, columns.

    Raises
    ------
    InputError
        A metadata key or value that would not read back as written, or a bad rate.
    """
    if not (math.isfinite(sample_rate_hz) and sample_rate_hz > 0):
        raise InputError(f"cannot write {RATE_KEY}={sample_rate_hz!r}: must be a positive number", path)
    rate_hz = float(sample_rate_hz)
    rate_text = str(int(rate_hz)) if rate_hz.is_integer() else repr(rate_hz)
    lines = [FORMAT_LINE, f"# {RATE_KEY}: {rate_text}"]
    ordered = sorted(metadata.items(), key=lambda kv: kv[0] != STARTED_KEY)
    for key, value in ordered:
        if key == RATE_KEY:
            continue
        _check_writable(key, value, path)
        lines.append(f"# {key}: {value}" if value else f"# {key}:")
    lines.append(",".join(column_names))
    return "\n".join(lines) + "\n"


def _check_writable(key: str, value: str, path: Path) -> None:
    problem = None
    if not isinstance(key, str) or not isinstance(value, str):
        problem = "keys and values must be strings"
    elif not key or key != key.strip() or ":" in key:
        problem = "keys must be non-empty, without ':' or surrounding whitespace"
    elif value != value.strip():
        problem = "values must not start or end with whitespace"
    elif any(c in key + value for c in "\r\n"):
        problem = "keys and values must be one line"
    else:
        try:
            (key + value).encode("utf-8")
        except UnicodeEncodeError:
            problem = "keys and values must be encodable as UTF-8"
    if problem is not None:
        raise InputError(f"cannot write metadata {key!r}: {value!r}: {problem}", path)
