"""Read a v1 recording (``docs/format.md``) into a :class:`~imuhinge.model.Recording`.

The rows are parsed by pandas' C parser with float dtypes and checked with whole-array numpy
operations; Python only looks at single lines to describe an error, or the last line of the file to
decide whether it was torn by a crash.
"""

from __future__ import annotations

import csv
import io
import logging
import math
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pandas as pd

from imuhinge.errors import InputError
from imuhinge.io.header import (
    DEVICE_PREFIX,
    PARTIAL_SUFFIX,
    PLACEMENT_KEY,
    RATE_KEY,
    Columns,
    Header,
    check_placement,
    parse_header,
)
from imuhinge.io.validate import (
    RawStream,
    check_header_rate,
    check_magnitudes,
    check_order,
    drop_duplicates,
    find_gaps,
    stream_timebase,
)
from imuhinge.model import G_MPS2, PLACEMENTS, Gap, Recording, SensorStream

logger = logging.getLogger(__name__)

DEFAULT_PLACEMENT = "upper_back"
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_TAIL_BYTES = 1 << 16


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
    when more than 1 % off); without one, the rate is derived with a logged warning. Gaps (jumps of
    ``seq``, or of the grid positions) are listed in ``Recording.gaps`` and summarised in one
    logged warning.

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
    _check_file(path)
    partial = path.name.endswith(PARTIAL_SUFFIX)
    try:
        with open(path, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            header = parse_header(iter(fh.readline, b""), path)
            data_start = fh.tell()
            first_line = fh.readline()
            end, torn_text = _split_torn_tail(fh, data_start, size, header.columns, partial)
            if torn_text is None and not partial:
                source: Path | BinaryIO = path
                skip = header.n_lines
            else:
                # Parse exactly the rows checked above: a .partial may still be growing.
                fh.seek(data_start)
                source, skip = io.BytesIO(fh.read(end - data_start)), 0
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", path) from None

    if end > data_start:
        _check_field_count(first_line, header, path)
    table = _read_table(source, skip, header, path) if end > data_start else None
    n_rows = 0 if table is None else len(table)
    if torn_text is not None:
        logger.warning(
            "%s:%d: dropped the incomplete last line %r (written when the recording was cut off?)",
            path,
            header.n_lines + 1 + n_rows,
            torn_text[:80],
        )
    if table is None or n_rows == 0:
        raise InputError("no samples after the column header", path, header.n_lines + 1)
    streams = _split_streams(table, header, path)
    return _build_recording(streams, header, path)


def _check_file(path: Path) -> None:
    try:
        if path.is_dir():
            raise InputError("is a folder, not a recording", path)
        size = path.stat().st_size
    except FileNotFoundError:
        raise InputError("no such file", path) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", path) from None
    if size == 0:
        raise InputError("empty file", path)


def _split_torn_tail(
    fh: BinaryIO, data_start: int, size: int, columns: Columns, partial: bool
) -> tuple[int, str | None]:
    """Find where the rows to parse end, and the text of a torn last line (None when complete).

    The last line is torn when it has fewer fields than the header, or when it has no line break
    and either the file is a ``.partial`` (its last value may be cut short and still parse) or it
    does not parse.
    """
    chunk = _TAIL_BYTES
    while True:
        start = max(data_start, size - chunk)
        fh.seek(start)
        tail = fh.read(size - start)
        complete = tail.endswith(b"\n")
        cut = (tail[:-1] if complete else tail).rfind(b"\n")
        if cut >= 0 or start == data_start:
            break
        chunk *= 8
    if not tail:
        return data_start, None
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


def _read_table(source: Path | BinaryIO, skip: int, header: Header, path: Path) -> pd.DataFrame:
    columns = header.columns
    try:
        return pd.read_csv(
            source,
            skiprows=skip,
            header=None,
            names=columns.names,
            # usecols slows the parser down by half: only pass it when there are columns to skip.
            usecols=columns.used if columns.extra else None,
            # pandas >= 3 reads text as its "str" dtype, much slower to build than object.
            dtype={**dict.fromkeys(columns.numeric, np.float64), "sensor": object},
            engine="c",
            index_col=False,
            skip_blank_lines=False,
            quoting=csv.QUOTE_NONE,
            encoding="utf-8",
        )
    except ValueError as exc:
        # The fast path failed: find the first offending line with a slow scan.
        line_no, problem = _first_bad_line(path, header)
        if line_no is None:
            raise InputError(f"cannot parse the rows: {exc}", path) from None
        raise InputError(problem, path, line_no) from None


def _line_problem(text: str, columns: Columns) -> str | None:
    """What is wrong with one data line, or None if it is a valid row."""
    fields = text.split(",")
    if len(fields) != len(columns.names):
        if not text.strip():
            return "empty line"
        return f"expected {len(columns.names)} fields, found {len(fields)}"
    index = {name: i for i, name in enumerate(columns.names)}
    for name in columns.numeric:
        value = fields[index[name]].strip()
        if not value:
            return f"empty value in column {name}"
        try:
            number = float(value)
        except ValueError:
            number = None
        # Python's float() also takes "1_000" and "infinity"; pandas' parser does not.
        if number is None or (math.isfinite(number) and _NUMBER.fullmatch(value) is None):
            return f"non-numeric value {value!r} in column {name}"
        if not math.isfinite(number):
            return f"value {value!r} in column {name} is not a finite number"
        if name == "seq" and not number.is_integer():
            return f"seq must be a whole number, got {value!r}"
    if columns.has_sensor:
        sensor = fields[index["sensor"]]
        if not sensor:
            return "empty value in column sensor"
        if sensor not in PLACEMENTS:
            return f"unknown sensor placement {sensor!r} (allowed: {', '.join(PLACEMENTS)})"
    return None


def _data_lines(path: Path, header: Header) -> Iterator[tuple[int, str]]:
    with open(path, "rb") as fh:
        for line_no, raw in enumerate(fh, start=1):
            if line_no > header.n_lines:
                yield line_no, raw.decode("utf-8", errors="replace").removesuffix("\n").removesuffix("\r")


def _first_bad_line(path: Path, header: Header) -> tuple[int | None, str]:
    for line_no, text in _data_lines(path, header):
        problem = _line_problem(text, header.columns)
        if problem is not None:
            return line_no, problem
    return None, ""


def _bad_row_error(row: int, header: Header, path: Path) -> InputError:
    line_no = header.n_lines + 1 + row
    for number, text in _data_lines(path, header):
        if number == line_no:
            problem = _line_problem(text, header.columns) or "invalid row"
            return InputError(problem, path, line_no)
    return InputError("invalid row", path, line_no)


def _split_streams(table: pd.DataFrame, header: Header, path: Path) -> list[RawStream]:
    columns = header.columns
    numeric = {name: table[name].to_numpy() for name in columns.numeric}
    bad = np.zeros(len(table), dtype=bool)
    for values in numeric.values():
        bad |= ~np.isfinite(values)
    if columns.has_seq:
        bad |= numeric["seq"] != np.floor(numeric["seq"])
    masks: dict[str, np.ndarray] = {}
    if columns.has_sensor:
        sensor = table["sensor"].to_numpy()
        masks = {p: sensor == p for p in PLACEMENTS}
        bad |= ~np.logical_or.reduce(list(masks.values()))
    if bad.any():
        raise _bad_row_error(int(np.argmax(bad)), header, path)

    devices = _declared_devices(header, path)
    if not columns.has_sensor:
        masks = {_single_placement(header, devices, path): np.ones(len(table), dtype=bool)}
    present = {placement for placement, mask in masks.items() if mask.any()}
    for placement, key in devices.items():
        if placement not in present:
            raise InputError(
                f"sensor {placement!r} is named in the metadata ({key}) but has no samples",
                path,
                header.metadata_lines[key],
            )
    line_no = np.arange(header.n_lines + 1, header.n_lines + 1 + len(table), dtype=np.int64)
    streams = []
    for placement, mask in masks.items():
        if not mask.any():
            continue
        rows = np.flatnonzero(mask) if not mask.all() else slice(None)
        streams.append(
            RawStream(
                placement=placement,
                time_s=numeric["time_s"][rows],
                seq=numeric["seq"][rows] if columns.has_seq else None,
                acc=np.column_stack([numeric[n][rows] for n in columns.acc]),
                gyr=np.column_stack([numeric[n][rows] for n in columns.gyr]),
                line_no=line_no[rows],
            )
        )
    return streams


def _declared_devices(header: Header, path: Path) -> dict[str, str]:
    """Placements named by ``device.<placement>`` metadata keys, each with its key."""
    devices = {}
    for key in header.metadata:
        if key.startswith(DEVICE_PREFIX):
            placement = key.removeprefix(DEVICE_PREFIX)
            check_placement(placement, f"metadata key {key!r}", path, header.metadata_lines[key])
            devices[placement] = key
    return devices


def _single_placement(header: Header, devices: dict[str, str], path: Path) -> str:
    """The placement of a file without a ``sensor`` column."""
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
        check_order(raw, path)
        stream, repeated = drop_duplicates(raw)
        if repeated:
            logger.warning(
                "%s: sensor %s: dropped %d rows that repeat the row before", path, raw.placement, repeated
            )
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
        sensors[stream.placement] = SensorStream(
            placement=stream.placement,
            time_s=tb.time_s,
            acc_mps2=stream.acc * G_MPS2 if columns.acc_unit == "g" else stream.acc,
            gyr_rads=np.radians(stream.gyr) if columns.gyr_unit == "dps" else stream.gyr,
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
    logger.warning(
        "%s: %s; longest %.3f s after %.3f s (sensor %s)",
        path,
        "; ".join(per_sensor),
        longest.end_s - longest.start_s,
        longest.start_s,
        longest.sensor,
    )
