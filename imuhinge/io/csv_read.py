"""Read a v1 recording (``docs/format.md``) into a :class:`~imuhinge.model.Recording`.

The rows are parsed by pandas' C parser in blocks of ``CHUNK_ROWS`` rows with float dtypes, and each
block is checked with whole-array numpy operations as it comes; Python only looks at single lines to
describe an error, or the last line of the file to decide whether it was torn by a crash.

Memory stays within a small multiple of the parsed arrays, whatever the file holds: a file that is
not a recording is refused from its first line, no line is buffered beyond ``MAX_LINE_BYTES``, the
parse stops at the first block with a bad row, and the blocks are joined column by column.
"""

from __future__ import annotations

import csv
import io
import logging
import math
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pandas as pd

from imuhinge.errors import InputError
from imuhinge.io.header import (
    DEVICE_PREFIX,
    MAX_LINE_BYTES,
    NUMBER,
    PARTIAL_SUFFIX,
    PLACEMENT_KEY,
    RATE_KEY,
    Columns,
    Header,
    check_placement,
    parse_header,
)
from imuhinge.io.output import special_file_kind
from imuhinge.io.validate import (
    RawStream,
    check_header_rate,
    check_magnitudes,
    check_order,
    drop_duplicates,
    drop_glitches,
    find_gaps,
    stream_timebase,
)
from imuhinge.model import G_MPS2, PLACEMENTS, Gap, Recording, SensorStream

logger = logging.getLogger(__name__)

DEFAULT_PLACEMENT = "upper_back"
CHUNK_ROWS = 1 << 15
_COLUMNS = ("time_s", "seq", "acc", "gyr", "line_no")


def load_recording(path: str | os.PathLike[str]) -> Recording:
    """Load a recording in the native CSV format, version 1.

    Accelerometer columns in g (``acc_*_g``) or m/s^2 (``acc_*_mps2``) and gyroscope columns in deg/s
    (``gyr_*_dps``) or rad/s (``gyr_*_rads``) are converted to m/s^2 and rad/s. Rows of two sensors
    may interleave in any way; each sensor's rows must be in time order.

    A ``NAME.partial`` file left by a crash loads too: an incomplete last line (no line break at the
    end of a ``.partial`` file, or too few fields, or values that do not parse) is dropped with a
    logged warning. Only the last line may be incomplete.

    Each sensor's samples are put on its sample grid (``io.timebase``): the rate comes from the
    timestamps, which may jitter, be quantised, come in bursts or repeat inside a burst; the stream's
    times are the regular times of that grid, and rows that repeat the previous row exactly are
    dropped. A header ``sample_rate_hz`` within 10 % of the timestamps' rate is nominal (a warning
    when more than 1 % off); without one, the rate is derived with a logged warning. Samples beyond
    any IMU's range are dropped as glitches when they are rare (``validate.drop_glitches``), with a
    warning. Gaps (jumps of ``seq``, or of the grid positions) are listed in ``Recording.gaps`` and
    summarised in one logged warning.

    Parameters
    ----------
    path : str or PathLike
        A ``.csv`` recording or a ``.partial`` file.

    Returns
    -------
    Recording
        Streams in canonical placement order; ``metadata`` holds every header key except the
        format line and ``sample_rate_hz``.

    Raises
    ------
    InputError
        Bad input, with the file, the 1-based line (where there is one) and the problem.
    """
    path = Path(path)
    partial = path.name.endswith(PARTIAL_SUFFIX)
    try:
        _check_file(path)
        with open(path, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            header = parse_header(iter(lambda: fh.readline(MAX_LINE_BYTES + 1), b""), path)
            data_start = fh.tell()
            end, torn_text = _split_torn_tail(fh, data_start, size, header.columns, partial)
            placement = None if header.columns.has_sensor else _single_placement(header, path)
            streams, n_rows = _read_streams(fh, data_start, end, header, placement, path)
    except FileNotFoundError:
        raise InputError("no such file", path) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", path) from None
    if torn_text is not None:
        logger.warning(
            "%s:%d: dropped the incomplete last line %r (written when the recording was cut off?)",
            path,
            header.n_lines + 1 + n_rows,
            torn_text[:80],
        )
    if n_rows == 0:
        raise InputError("no samples after the column header", path, header.n_lines + 1)
    _check_declared_devices(streams, header, path)
    return _build_recording(streams, header, path)


def _check_file(path: Path) -> None:
    """Refuse what is not a regular file with something in it, before opening it (a FIFO would
    block the open)."""
    info = os.stat(path)
    if stat.S_ISDIR(info.st_mode):
        raise InputError("is a folder, not a recording", path)
    if not stat.S_ISREG(info.st_mode):
        raise InputError(f"is {special_file_kind(info.st_mode)}, not a recording file", path)
    if info.st_size == 0:
        raise InputError("empty file", path)


def _split_torn_tail(
    fh: BinaryIO, data_start: int, size: int, columns: Columns, partial: bool
) -> tuple[int, str | None]:
    """Find where the rows to parse end, and the text of a torn last line (None when complete).

    The last line is torn when it has fewer fields than the header, or when it has no line break
    and either the file is a ``.partial`` (its last value may be cut short and still parse) or it
    does not parse. A last line longer than any row is not a torn row: the parser refuses it.
    """
    start = max(data_start, size - MAX_LINE_BYTES - 2)
    fh.seek(start)
    tail = fh.read(size - start)
    complete = tail.endswith(b"\n")
    cut = (tail[:-1] if complete else tail).rfind(b"\n")
    if not tail or (cut < 0 and start > data_start):
        return size, None
    text = tail[cut + 1 :].decode("utf-8", errors="replace").removesuffix("\n").removesuffix("\r")
    short = text.count(",") + 1 < len(columns.names)
    if short or (not complete and (partial or _line_problem(text, columns) is not None)):
        return start + cut + 1, text
    return size, None


def _check_field_count(raw: bytes, header: Header, path: Path) -> None:
    # With index_col=False pandas drops extra fields of the first row (with a warning only).
    fields = raw.count(b",") + 1
    if fields > len(header.columns.names):
        raise InputError(
            f"expected {len(header.columns.names)} fields, found {fields}", path, header.n_lines + 1
        )


class _Rows(io.RawIOBase):
    """The data rows of an open recording, bytes ``[start, end)``, as the parser reads them.

    A line longer than ``MAX_LINE_BYTES`` stops the read: a file of anything but rows is never
    buffered whole.
    """

    def __init__(self, fh: BinaryIO, start: int, end: int, first_line: int, path: Path) -> None:
        super().__init__()
        fh.seek(start)
        self._fh = fh
        self._start = start
        self._end = end
        self._run = 0
        self._first_line = first_line
        self._path = path

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        left = self._end - self._fh.tell()
        data = self._fh.read(left if size is None or size < 0 else min(size, left))
        first = data.find(b"\n")
        if first < 0:
            self._run += len(data)
        else:
            self._check_run(self._run + first, len(data) - first)
            self._run = len(data) - data.rfind(b"\n") - 1
        self._check_run(self._run, 0)
        return data

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def _check_run(self, length: int, after: int) -> None:
        """Refuse a line of ``length`` bytes that ends ``after`` bytes before the file position."""
        if length <= MAX_LINE_BYTES:
            return
        line_start = self._fh.tell() - after - length
        self._fh.seek(self._start)
        line = self._first_line + _count_lines(self._fh, line_start - self._start)
        raise InputError(
            f"line longer than {MAX_LINE_BYTES} bytes: not a row of a recording", self._path, line
        )


def _count_lines(fh: BinaryIO, n_bytes: int) -> int:
    """Line breaks in the next ``n_bytes`` of ``fh``, read a block at a time."""
    count = 0
    while n_bytes > 0:
        block = fh.read(min(n_bytes, 1 << 20))
        if not block:
            break
        count += block.count(b"\n")
        n_bytes -= len(block)
    return count


def _read_streams(
    fh: BinaryIO, start: int, end: int, header: Header, placement: str | None, path: Path
) -> tuple[list[RawStream], int]:
    """Parse the rows in ``[start, end)`` block by block into one RawStream per sensor.

    ``placement`` is the sensor of a file without a ``sensor`` column. Returns the streams and the
    number of rows.
    """
    if end <= start:
        return [], 0
    fh.seek(start)
    _check_field_count(fh.readline(MAX_LINE_BYTES + 1), header, path)
    columns = header.columns
    parts: dict[str, dict[str, list[np.ndarray]]] = {}
    n_rows = 0
    try:
        with pd.read_csv(
            _Rows(fh, start, end, header.n_lines + 1, path),
            chunksize=CHUNK_ROWS,
            header=None,
            names=columns.names,
            # usecols slows the parser down by half: only pass it when there are columns to skip.
            usecols=columns.used if columns.extra else None,
            dtype={**dict.fromkeys(columns.numeric, np.float64), "sensor": "category"},
            engine="c",
            index_col=False,
            skip_blank_lines=False,
            quoting=csv.QUOTE_NONE,
            encoding="utf-8",
        ) as blocks:
            for table in blocks:
                bad_row = _add_block(table, n_rows, header, placement, parts)
                if bad_row is not None:
                    raise _bad_row_error(fh, start, end, n_rows + bad_row, header, path)
                n_rows += len(table)
    except ValueError as exc:
        # The block failed to parse: find its first offending line with a slow scan.
        line_no, problem = _first_bad_line(fh, start, end, header, n_rows)
        if line_no is None:
            raise InputError(f"cannot parse the rows: {exc}", path) from None
        raise InputError(problem, path, line_no) from None
    streams = [
        RawStream(p, *(_join(columns_parts, name) for name in _COLUMNS))  # type: ignore[arg-type]
        for p, columns_parts in parts.items()
    ]
    return streams, n_rows


def _join(parts: dict[str, list[np.ndarray]], name: str) -> np.ndarray | None:
    """One column from its blocks, the blocks let go as it is built (no seq column: None)."""
    pieces = parts.pop(name)
    if not pieces:
        return None
    joined = np.concatenate(pieces)
    pieces.clear()
    return joined


def _add_block(
    table: pd.DataFrame,
    first_row: int,
    header: Header,
    placement: str | None,
    parts: dict[str, dict[str, list[np.ndarray]]],
) -> int | None:
    """Append each sensor's rows of one parsed block (copies) to ``parts``; the block's first bad
    row (a value that is not a finite number, an unknown sensor), if any, instead."""
    columns = header.columns
    numeric = {name: table[name].to_numpy() for name in columns.numeric}
    bad = np.zeros(len(table), dtype=bool)
    for values in numeric.values():
        bad |= ~np.isfinite(values)
    if columns.has_seq:
        bad |= numeric["seq"] != np.floor(numeric["seq"])
    rows_of: dict[str, slice | np.ndarray] = {}
    if placement is None:
        sensor = table["sensor"]
        masks = {p: (sensor == p).to_numpy() for p in PLACEMENTS}
        bad |= ~np.logical_or.reduce(list(masks.values()))
        rows_of = {p: np.flatnonzero(mask) for p, mask in masks.items() if mask.any()}
    else:
        rows_of = {placement: slice(None)}
    if bad.any():
        return int(np.argmax(bad))
    first_line = header.n_lines + 1 + first_row
    line_no = np.arange(first_line, first_line + len(table), dtype=np.int64)
    for name, rows in rows_of.items():
        own = parts.setdefault(name, {column: [] for column in _COLUMNS})
        own["time_s"].append(numeric["time_s"][rows].copy())
        if columns.has_seq:
            own["seq"].append(numeric["seq"][rows].copy())
        own["acc"].append(np.column_stack([numeric[n][rows] for n in columns.acc]))
        own["gyr"].append(np.column_stack([numeric[n][rows] for n in columns.gyr]))
        own["line_no"].append(line_no[rows])
    return None


def _line_problem(text: str, columns: Columns) -> str | None:
    """What is wrong with one data line, or None if it is a valid row."""
    fields = text.split(",")
    if len(fields) != len(columns.names):
        if not text.strip():
            return "empty line"
        return f"expected {len(columns.names)} fields, found {len(fields)}"
    row = dict(zip(columns.names, fields, strict=True))
    for name in columns.numeric:
        value = row[name].strip()
        if not value:
            return f"empty value in column {name}"
        try:
            number = float(value)
        except ValueError:
            number = None
        # Python's float() also takes "1_000" and "infinity"; pandas' parser does not.
        if number is None or (math.isfinite(number) and NUMBER.fullmatch(value) is None):
            return f"non-numeric value {value!r:.60} in column {name}"
        if not math.isfinite(number):
            return f"value {value!r:.60} in column {name} is not a finite number"
        if name == "seq" and not number.is_integer():
            return f"seq must be a whole number, got {value!r:.60}"
    if columns.has_sensor:
        sensor = row["sensor"]
        if not sensor:
            return "empty value in column sensor"
        if sensor not in PLACEMENTS:
            return f"unknown sensor placement {sensor!r:.60} (allowed: {', '.join(PLACEMENTS)})"
    return None


def _data_lines(fh: BinaryIO, start: int, end: int, first_line: int, skip: int) -> Iterator[tuple[int, str]]:
    """``(line number, text)`` of the lines in ``[start, end)`` after the first ``skip``, each read at
    most MAX_LINE_BYTES (the skipped lines are counted a block at a time, not read one by one)."""
    fh.seek(start)
    line_no = first_line
    while skip:
        block = fh.read(min(1 << 20, end - fh.tell()))
        if not block:
            return
        breaks = min(block.count(b"\n"), skip)
        at = -1
        if breaks == skip:
            for _ in range(skip):
                at = block.index(b"\n", at + 1)
            fh.seek(fh.tell() - len(block) + at + 1)
        skip -= breaks
        line_no += breaks
    while fh.tell() < end:
        raw = fh.readline(min(MAX_LINE_BYTES + 1, end - fh.tell()))
        if not raw:
            return
        yield line_no, raw.decode("utf-8", errors="replace").removesuffix("\n").removesuffix("\r")
        line_no += 1


def _first_bad_line(
    fh: BinaryIO, start: int, end: int, header: Header, from_row: int
) -> tuple[int | None, str]:
    """The first line at or after data row ``from_row`` that is not a valid row (a block at most is
    read line by line)."""
    for line_no, text in _data_lines(fh, start, end, header.n_lines + 1, from_row):
        problem = _line_problem(text, header.columns)
        if problem is not None:
            return line_no, problem
    return None, ""


def _bad_row_error(fh: BinaryIO, start: int, end: int, row: int, header: Header, path: Path) -> InputError:
    for line_no, text in _data_lines(fh, start, end, header.n_lines + 1, row):
        return InputError(_line_problem(text, header.columns) or "invalid row", path, line_no)
    return InputError("invalid row", path, header.n_lines + 1 + row)


def _declared_devices(header: Header, path: Path) -> dict[str, str]:
    """Placements named by ``device.<placement>`` metadata keys, each with its key."""
    devices = {}
    for key in header.metadata:
        if key.startswith(DEVICE_PREFIX):
            placement = key.removeprefix(DEVICE_PREFIX)
            check_placement(placement, f"metadata key {key!r}", path, header.metadata_lines[key])
            devices[placement] = key
    return devices


def _check_declared_devices(streams: list[RawStream], header: Header, path: Path) -> None:
    """Refuse a sensor named in the metadata that has no rows."""
    present = {stream.placement for stream in streams}
    for placement, key in _declared_devices(header, path).items():
        if placement not in present:
            raise InputError(
                f"sensor {placement!r} is named in the metadata ({key}) but has no samples",
                path,
                header.metadata_lines[key],
            )


def _single_placement(header: Header, path: Path) -> str:
    """The placement of a file without a ``sensor`` column."""
    devices = _declared_devices(header, path)
    if PLACEMENT_KEY in header.metadata:
        placement = header.metadata[PLACEMENT_KEY]
        check_placement(
            placement, f"metadata key {PLACEMENT_KEY!r}", path, header.metadata_lines[PLACEMENT_KEY]
        )
        return placement
    if len(devices) > 1:
        keys = list(devices.values())
        raise InputError(
            f"the metadata names {len(keys)} sensors ({', '.join(keys)}) but there is no sensor column",
            path,
            header.metadata_lines[keys[1]],
        )
    return next(iter(devices), DEFAULT_PLACEMENT)


def _build_recording(streams: list[RawStream], header: Header, path: Path) -> Recording:
    columns = header.columns
    sensors: dict[str, SensorStream] = {}
    gaps: list[Gap] = []
    rates: dict[str, float] = {}
    for raw in sorted(streams, key=lambda s: PLACEMENTS.index(s.placement)):
        # A row logged twice repeats its counter too: dropped before the counter's order is checked.
        stream, repeated = drop_duplicates(raw)
        if repeated:
            logger.warning(
                "%s: sensor %s: dropped %d rows that repeat the row before", path, raw.placement, repeated
            )
        check_order(stream, path)
        stream, glitches = drop_glitches(stream, columns, path)
        if glitches:
            logger.warning("%s: %s", path, glitches)
        tb = stream_timebase(stream, path)
        rates[stream.placement] = tb.rate_hz
        if header.sample_rate_hz is not None:
            note = check_header_rate(
                stream, tb.rate_hz, header.sample_rate_hz, path, header.metadata_lines[RATE_KEY]
            )
            if note:
                logger.warning("%s: %s", path, note)
        if tb.jitter_s:
            logger.info(
                "%s: sensor %s: timestamps jitter by %.1f ms (rms) around a regular %.6g Hz grid",
                path,
                stream.placement,
                1e3 * tb.jitter_s,
                tb.rate_hz,
            )
        regular = RawStream(stream.placement, tb.time_s, stream.seq, stream.acc, stream.gyr, stream.line_no)
        check_magnitudes(regular, columns, path, header.column_line)
        gaps += find_gaps(stream.placement, tb)
        # To SI units in place: the file's values are not needed any more.
        if columns.acc_unit == "g":
            stream.acc *= G_MPS2
        if columns.gyr_unit == "dps":
            np.radians(stream.gyr, out=stream.gyr)
        sensors[stream.placement] = SensorStream(
            placement=stream.placement,
            time_s=tb.time_s,
            acc_mps2=stream.acc,
            gyr_rads=stream.gyr,
            seq=None if stream.seq is None else stream.seq.astype(np.int64),
            rate_hz=tb.rate_hz,
        )
    if header.sample_rate_hz is not None:
        rate_hz = header.sample_rate_hz
    else:
        first = next(iter(sensors))
        rate_hz = float(f"{rates[first]:.6g}")
        logger.warning(
            "%s: no %s in the header: using %g Hz, derived from the timestamps of sensor %s",
            path,
            RATE_KEY,
            rate_hz,
            first,
        )
    if gaps:
        _log_gaps(path, gaps)
    return Recording(sensors, rate_hz, dict(header.metadata), gaps, path)


def _log_gaps(path: Path, gaps: list[Gap]) -> None:
    per_sensor = []
    for placement in PLACEMENTS:
        own = [g for g in gaps if g.sensor == placement]
        if own:
            per_sensor.append(
                f"{placement}: {len(own)} gaps, {sum(g.missing_samples for g in own)} samples missing"
            )
    longest = max(gaps, key=lambda g: g.end_s - g.start_s)
    logger.info(  # the report's notes say how many; here the detail, with -v
        "%s: %s; longest %.3f s after %.3f s (sensor %s)",
        path,
        "; ".join(per_sensor),
        longest.end_s - longest.start_s,
        longest.start_s,
        longest.sensor,
    )
