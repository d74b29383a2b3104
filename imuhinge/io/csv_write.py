"""Write v1 recordings: a whole :class:`~imuhinge.model.Recording`, or a live stream, crash-safe.

Every value is written in fixed point with 6 decimals: time in seconds (1 us), acceleration in g
(1e-6 g) and angular rate in deg/s (1e-6 deg/s), ``seq`` as an integer. The written decimal is
exactly ``round(value * 1e6) / 1e6`` (half to even, never ``-0.000000``), so loading a written file
gives every value to within 5e-7 of its unit, and writing it again gives the same bytes.

Rows are formatted with whole-array numpy operations: each field becomes a block of ASCII digit
columns plus a mask of the characters in use, and the masked characters, read row by row, are the
file's bytes.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from time import monotonic
from types import TracebackType
from typing import Self

import numpy as np

from imuhinge.errors import InputError
from imuhinge.io.header import check_placement, format_header
from imuhinge.io.output import check_output, commit_output, output_file, partial_path
from imuhinge.model import G_MPS2, PLACEMENTS, Recording

DECIMALS = 6
SYNC_INTERVAL_S = 0.5
_SCALE = 10**DECIMALS
_MAX_ABS = 1e12
_CHUNK_ROWS = 1 << 16
_ASCII_ZERO = ord("0")


def column_names(with_seq: bool) -> list[str]:
    """Columns written by this module: time, sensor, optional seq, acc in g, gyro in deg/s."""
    imu = [f"{kind}_{axis}_{unit}" for kind, unit in (("acc", "g"), ("gyr", "dps")) for axis in "xyz"]
    return ["time_s", "sensor", *(["seq"] if with_seq else []), *imu]


def to_fixed(values: np.ndarray, what: str) -> np.ndarray:
    """``values`` in millionths as int64, the integers the file holds.

    Raises
    ------
    ValueError
        Non-finite values, or values too large for the format.
    """
    values = np.asarray(values, dtype=np.float64)
    _check_range(values, what)
    return np.rint(values * _SCALE).astype(np.int64)


def _check_range(values: np.ndarray, what: str) -> None:
    if not np.isfinite(values).all() or (np.abs(values) >= _MAX_ABS).any():
        raise ValueError(f"{what}: values must be finite and below {_MAX_ABS:g} to be written")


def _number_field(fixed: np.ndarray, decimals: int) -> tuple[np.ndarray, np.ndarray]:
    """ASCII of ``fixed / 10**decimals``: characters (n, width) and which of them are used."""
    n = len(fixed)
    magnitude = np.abs(fixed)
    whole, fraction = np.divmod(magnitude, 10**decimals)
    n_digits = len(str(int(whole.max()))) if n else 1
    powers = 10 ** np.arange(n_digits - 1, -1, -1, dtype=np.int64)
    chars = [np.full((n, 1), ord("-")), whole[:, None] // powers % 10 + _ASCII_ZERO]
    used = [(fixed < 0)[:, None], (whole[:, None] >= powers) | (powers == 1)]
    if decimals:
        powers = 10 ** np.arange(decimals - 1, -1, -1, dtype=np.int64)
        chars += [np.full((n, 1), ord(".")), fraction[:, None] // powers % 10 + _ASCII_ZERO]
        used.append(np.ones((n, 1 + decimals), dtype=bool))
    return np.hstack(chars).astype(np.uint8), np.hstack(used)


def _text_field(index: np.ndarray, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """ASCII of ``texts[index]``: characters (n, width) and which of them are used."""
    encoded = [t.encode("ascii") for t in texts]
    width = max(len(e) for e in encoded)
    table = np.zeros((len(encoded), width), dtype=np.uint8)
    lengths = np.array([len(e) for e in encoded])
    for row, e in enumerate(encoded):
        table[row, : len(e)] = np.frombuffer(e, dtype=np.uint8)
    return table[index], (np.arange(width) < lengths[:, None])[index]


def encode_rows(
    time_fixed: np.ndarray,
    placement_index: np.ndarray,
    placements: Sequence[str],
    seq: np.ndarray | None,
    acc_fixed: np.ndarray,
    gyr_fixed: np.ndarray,
) -> bytes:
    """The bytes of data rows, each ending in a line break.

    Parameters
    ----------
    time_fixed : ndarray of int64, shape (N,)
        Time in microseconds (:func:`to_fixed` of seconds).
    placement_index : ndarray of int, shape (N,)
        Index into ``placements`` of each row's sensor.
    placements : sequence of str
    seq : ndarray of int64, shape (N,), or None
        Sample counter; None writes no seq field.
    acc_fixed, gyr_fixed : ndarray of int64, shape (N, 3)
        Acceleration in 1e-6 g and angular rate in 1e-6 deg/s.
    """
    fields = [_number_field(time_fixed, DECIMALS), _text_field(placement_index, placements)]
    if seq is not None:
        fields.append(_number_field(np.asarray(seq, dtype=np.int64), 0))
    fields += [_number_field(column, DECIMALS) for column in (*acc_fixed.T, *gyr_fixed.T)]
    n = len(time_fixed)
    comma = (np.full((n, 1), ord(","), dtype=np.uint8), np.ones((n, 1), dtype=bool))
    newline = (np.full((n, 1), ord("\n"), dtype=np.uint8), np.ones((n, 1), dtype=bool))
    pieces = [piece for field in fields for piece in (comma, field)][1:]
    pieces.append(newline)
    chars = np.hstack([c for c, _ in pieces])
    used = np.hstack([u for _, u in pieces])
    return chars[used].tobytes()


def save_recording(recording: Recording, path: str | os.PathLike[str], *, force: bool = False) -> None:
    """Write a recording in the v1 format (g, deg/s, fixed point with 6 decimals).

    The header holds the format line, ``sample_rate_hz``, ``started_at`` when the metadata has it,
    then the other metadata in order. Rows of all sensors are merged by written time (upper_back
    before sacrum at equal times) and carry the ``sensor`` column; ``seq`` is written when the
    streams have it. The file is written as ``NAME.partial`` and renamed over ``path`` when complete.

    Parameters
    ----------
    recording : Recording
    path : str or PathLike

    Raises
    ------
    InputError
        Metadata that cannot be written as one ``# key: value`` line, an unknown placement, or the
        file cannot be written.
    ValueError
        No streams, non-finite samples, times that do not increase at the written precision (1 us),
        or ``seq`` on some streams but not others.
    """
    path = Path(path)
    placements = recording.placements
    if not placements:
        raise ValueError("the recording has no sensor streams")
    for placement in placements:
        check_placement(placement, "the recording")
    streams = [recording.sensors[p] for p in placements]
    with_seq = [s.seq is not None for s in streams]
    if any(with_seq) and not all(with_seq):
        raise ValueError("seq is set on some sensor streams but not on others")
    header = format_header(recording.sample_rate_hz, recording.metadata, column_names(all(with_seq)), path)

    time_fixed = np.concatenate([_checked_times(s.time_s, s.placement) for s in streams])
    index = np.concatenate([np.full(len(s), PLACEMENTS.index(s.placement)) for s in streams])
    acc_g = np.concatenate([s.acc_mps2 for s in streams]) / G_MPS2
    gyr_dps = np.degrees(np.concatenate([s.gyr_rads for s in streams]))
    seq = np.concatenate([s.seq for s in streams]) if all(with_seq) else None
    _check_range(acc_g, "acc")
    _check_range(gyr_dps, "gyr")
    order = np.argsort(time_fixed, kind="stable")

    with output_file(path, force=force, recording=True) as partial, open(partial, "wb") as fh:
        fh.write(header.encode("utf-8"))
        for start in range(0, len(order), _CHUNK_ROWS):
            rows = order[start : start + _CHUNK_ROWS]
            fh.write(
                encode_rows(
                    time_fixed[rows],
                    index[rows],
                    PLACEMENTS,
                    None if seq is None else seq[rows],
                    to_fixed(acc_g[rows], "acc"),
                    to_fixed(gyr_dps[rows], "gyr"),
                )
            )


def _checked_times(time_s: np.ndarray, placement: str) -> np.ndarray:
    fixed = to_fixed(time_s, f"time of sensor {placement}")
    if (np.diff(fixed) <= 0).any():
        raise ValueError(f"times of sensor {placement} do not increase at the written precision (1 us)")
    return fixed


class RecordingWriter:
    """Write a recording as it streams in, so that a crash loses at most the last moments.

    The file is created as ``path + ".partial"`` with the header written and synced at once. Every
    :meth:`write` hands its rows to the operating system (so a killed process loses nothing written)
    and syncs them to disk (``flush`` + ``os.fsync``) when at least ``sync_interval_s`` of wall time
    (``time.monotonic``) has passed since the last sync, so a power loss loses at most that much.
    :meth:`close` syncs and renames the file to ``path``. Used as a context manager, the file is
    closed and renamed even when an exception leaves the ``with`` block, so nothing written is lost;
    only when the final sync itself fails is the ``.partial`` left as it is.

    Rows of different sensors may be written in separate blocks in any interleaving; each sensor's
    rows must be in time order (``load_recording`` checks that per sensor).

    Parameters
    ----------
    path : str or PathLike
        The final file name; neither it nor its ``.partial`` may exist.
    sample_rate_hz : float
        Nominal sample rate, written as ``sample_rate_hz``.
    metadata : mapping of str to str, optional
        Written after ``sample_rate_hz`` (``started_at`` first), for example ``device.<placement>``.
    placements : sequence of str
        The sensors that will be written (``upper_back``, ``sacrum``).
    with_seq : bool
        Whether rows carry the sensor's sample counter (then every :meth:`write` must pass ``seq``).
    sync_interval_s : float
        Longest wall time between syncs to disk.

    Raises
    ------
    InputError
        The file exists, cannot be created, or the metadata or placements cannot be written.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        sample_rate_hz: float,
        metadata: Mapping[str, str] | None = None,
        placements: Sequence[str] = ("upper_back",),
        with_seq: bool = True,
        sync_interval_s: float = SYNC_INTERVAL_S,
    ) -> None:
        self.path = Path(path)
        self.partial_path = partial_path(self.path)
        if not placements or len(set(placements)) != len(placements):
            raise InputError(f"placements must be distinct and not empty, got {list(placements)}", self.path)
        for placement in placements:
            check_placement(placement, "the placements to record", self.path)
        self.placements = tuple(placements)
        self.with_seq = with_seq
        self.sync_interval_s = sync_interval_s
        header = format_header(sample_rate_hz, dict(metadata or {}), column_names(with_seq), self.path)
        check_output(self.path, recording=True, force_option=None)
        try:
            self._file = open(self.partial_path, "xb")  # noqa: SIM115 (open until close())
            self._file.write(header.encode("utf-8"))
            self.sync()
        except OSError as exc:
            raise InputError(f"cannot create: {exc.strerror}", self.partial_path) from None
        self._last_time_us: dict[str, int] = {}
        self._last_seq: dict[str, int] = {}
        self._closed = False

    def write(
        self,
        placement: str,
        time_s: np.ndarray,
        acc_g: np.ndarray,
        gyr_dps: np.ndarray,
        seq: np.ndarray | None = None,
    ) -> None:
        """Append a block of one sensor's samples, in file units.

        Parameters
        ----------
        placement : str
            One of the writer's placements.
        time_s : ndarray, shape (N,)
            Seconds since the recording started; strictly increasing at 1 us, continuing the
            sensor's earlier blocks.
        acc_g : ndarray, shape (N, 3)
        gyr_dps : ndarray, shape (N, 3)
        seq : ndarray of int, shape (N,), optional
            Sample counter, strictly increasing; required when the writer has ``with_seq``.

        Raises
        ------
        ValueError
            Closed writer, unknown placement, wrong shapes, non-finite values, or time or seq that
            does not increase.
        """
        if self._closed:
            raise ValueError("write to a closed RecordingWriter")
        if placement not in self.placements:
            raise ValueError(f"placement {placement!r} is not one of {self.placements}")
        time_us = to_fixed(np.ravel(time_s), f"time of sensor {placement}")
        n = len(time_us)
        acc_fixed = to_fixed(acc_g, f"acc of sensor {placement}")
        gyr_fixed = to_fixed(gyr_dps, f"gyr of sensor {placement}")
        if acc_fixed.shape != (n, 3) or gyr_fixed.shape != (n, 3):
            raise ValueError(f"acc_g and gyr_dps must have shape ({n}, 3)")
        if self.with_seq != (seq is not None):
            raise ValueError("seq is required with with_seq=True and not allowed without")
        if n == 0:
            return
        _check_continues(time_us, self._last_time_us.get(placement), f"time of sensor {placement}")
        if seq is not None:
            seq = np.asarray(seq, dtype=np.int64).ravel()
            if seq.shape != (n,):
                raise ValueError(f"seq must have shape ({n},)")
            _check_continues(seq, self._last_seq.get(placement), f"seq of sensor {placement}")
            self._last_seq[placement] = int(seq[-1])
        self._last_time_us[placement] = int(time_us[-1])
        index = np.full(n, PLACEMENTS.index(placement))
        self._file.write(encode_rows(time_us, index, PLACEMENTS, seq, acc_fixed, gyr_fixed))
        self._file.flush()
        if monotonic() - self._last_sync >= self.sync_interval_s:
            self.sync()

    def sync(self) -> None:
        """Flush and fsync the rows written so far (:meth:`write` does it every ``sync_interval_s``)."""
        self._file.flush()
        os.fsync(self._file.fileno())
        self._last_sync = monotonic()

    def close(self) -> None:
        """Sync, close and rename ``NAME.partial`` to ``NAME``; closing twice does nothing.

        Raises
        ------
        InputError
            When something appeared at ``NAME`` while recording (the recording stays in
            ``NAME.partial``).
        """
        if self._closed:
            return
        self._closed = True
        try:
            self.sync()
        finally:
            self._file.close()
        commit_output(self.partial_path, self.path, recording=True, force_option=None)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _check_continues(values: np.ndarray, last: int | None, what: str) -> None:
    steps = np.diff(values) if last is None else np.diff(values, prepend=last)
    if (steps <= 0).any():
        raise ValueError(f"{what} must increase strictly (at 1e-6 resolution for time)")
