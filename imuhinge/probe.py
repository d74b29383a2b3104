"""Robustness probes of the whole tool: hostile recordings, packets and training logs, and the
commands run on them as a user runs them (in this process, through ``imuhinge.cli.main``).

Everything is seeded: the same seed gives the same cases. The tests run a few hundred recordings,
10 000 packets per decoder and a few dozen logs; ``benchmarks/bench_probe.py`` runs more and counts.
A command is sound when it exits 2 with one error line, or exits 0 (with results within physical
bounds, where it reports results); it never raises, and never changes a file it only reads.

- :func:`recording_mutation` damages a valid recording in the ways files get damaged or hand-made:
  bytes flipped, cut or padded, lines lost, doubled or swapped, values that are not numbers or
  beyond any sensor, columns in the wrong units or swapped, headers that lie, clocks and counters
  that jump.
- :func:`packets` makes notifications for a decoder: random bytes, and valid packets (from the
  profiles' own encoders) with bits flipped, cut short, run on, or with random content behind a
  valid header.
- :func:`probe_decoder` feeds them to a decoder and sorts the outcomes: decoded (and plausible),
  refused as a packet error, or anything else (a crash).
- :func:`implausible` says why a JSON report's results are outside physical bounds, if they are.
- :func:`corrupt_log` damages a training log: bytes flipped, cut, run on, or a cell hand-edited.
- :func:`run_command`, :func:`probe_recording` and :func:`probe_log` run commands on these.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import re
import shutil
import sqlite3
import struct
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from imuhinge.cli import main
from imuhinge.io.validate import ACC_MAX_G, GYRO_MAX_DPS
from imuhinge.report.bounds import rep_problem
from imuhinge.sources.ble.profiles import (
    DeviceProfile,
    DiyProfile,
    PacketError,
    PolarPmdProfile,
    Thingy52Profile,
    WitMotionProfile,
    diy,
    polar_pmd,
    thingy52,
    witmotion,
)

MIN_REP_S = 0.5  # no rep of any exercise is quicker than this, lowering and rising together

HOSTILE_VALUES = (
    "1e308",
    "-1e308",
    "1e30",
    "-4.5e4",
    "nan",
    "inf",
    "-inf",
    "",
    "0x10",
    "1_000",
    "\uff11",
    "99999999999999999999999",
    "1e-320",
    "-0",
    "abc",
    " 1",
    "1 2",
    '"1"',
)

Mutation = Callable[[bytes, np.random.Generator], bytes]


def _lines(data: bytes) -> list[bytes]:
    return data.split(b"\n")


def _join(lines: list[bytes]) -> bytes:
    return b"\n".join(lines)


def _data_range(lines: list[bytes]) -> tuple[int, int]:
    """Indexes of the first and last data line (after the column header)."""
    header = next(i for i, line in enumerate(lines) if line.startswith(b"time_s"))
    last = len(lines) - 1 if lines[-1] else len(lines) - 2
    return header + 1, last


def _random_data_line(lines: list[bytes], rng: np.random.Generator) -> int:
    first, last = _data_range(lines)
    return int(rng.integers(first, last + 1))


def _flip_bytes(data: bytes, rng: np.random.Generator) -> bytes:
    out = bytearray(data)
    for at in rng.integers(0, len(out), int(rng.integers(1, 12))):
        out[at] ^= 1 << int(rng.integers(0, 8))
    return bytes(out)


def _random_bytes_at(data: bytes, rng: np.random.Generator) -> bytes:
    at = int(rng.integers(0, len(data)))
    return data[:at] + rng.bytes(int(rng.integers(1, 300))) + data[at:]


def _cut(data: bytes, rng: np.random.Generator) -> bytes:
    return data[: int(rng.integers(1, len(data)))]


def _delete_range(data: bytes, rng: np.random.Generator) -> bytes:
    at = int(rng.integers(0, len(data)))
    return data[:at] + data[at + int(rng.integers(1, 5000)) :]


def _duplicate_range(data: bytes, rng: np.random.Generator) -> bytes:
    at = int(rng.integers(0, len(data)))
    return data[: at + 2000] + data[at : at + 2000] + data[at + 2000 :]


def _append(data: bytes, rng: np.random.Generator) -> bytes:
    tails = (b"\x00" * 100_000, b"\n" * 50_000, rng.bytes(100_000), b"garbage,at,the,end\n", b"1" * 200_000)
    return data + tails[int(rng.integers(0, len(tails)))]


def _nul_bytes(data: bytes, rng: np.random.Generator) -> bytes:
    out = bytearray(data)
    for at in rng.integers(0, len(out), int(rng.integers(1, 6))):
        out[at] = 0
    return bytes(out)


def _delete_lines(data: bytes, rng: np.random.Generator) -> bytes:
    lines = _lines(data)
    at = _random_data_line(lines, rng)
    del lines[at : at + int(rng.integers(1, 200))]
    return _join(lines)


def _duplicate_line(data: bytes, rng: np.random.Generator) -> bytes:
    lines = _lines(data)
    at = _random_data_line(lines, rng)
    lines.insert(at, lines[at])
    return _join(lines)


def _swap_lines(data: bytes, rng: np.random.Generator) -> bytes:
    lines = _lines(data)
    a, b = _random_data_line(lines, rng), _random_data_line(lines, rng)
    lines[a], lines[b] = lines[b], lines[a]
    return _join(lines)


def _shuffle_block(data: bytes, rng: np.random.Generator) -> bytes:
    lines = _lines(data)
    at = _random_data_line(lines, rng)
    block = lines[at : at + 20]
    rng.shuffle(block)
    lines[at : at + 20] = block
    return _join(lines)


def _insert_line(data: bytes, rng: np.random.Generator) -> bytes:
    lines = _lines(data)
    inserts = (b"", b"# a comment", b"time_s,sensor", b"\r", b",,,,,,,,", b"1,2,3")
    lines.insert(_random_data_line(lines, rng), inserts[int(rng.integers(0, len(inserts)))])
    return _join(lines)


def _set_field(data: bytes, rng: np.random.Generator) -> bytes:
    lines = _lines(data)
    value = HOSTILE_VALUES[int(rng.integers(0, len(HOSTILE_VALUES)))].encode()
    for _ in range(int(rng.integers(1, 4))):
        at = _random_data_line(lines, rng)
        fields = lines[at].split(b",")
        fields[int(rng.integers(0, len(fields)))] = value
        lines[at] = b",".join(fields)
    return _join(lines)


def _scale_column(data: bytes, rng: np.random.Generator) -> bytes:
    """Multiply one numeric column over a stretch of rows (or all of them)."""
    lines = _lines(data)
    first, last = _data_range(lines)
    column = int(rng.choice([0, 2, 3, 4, 5, 6, 7, 8]))
    factor = float(rng.choice([0.0, -1.0, 0.001, 3.0, 57.29578, 1000.0, 1e6]))
    start = int(rng.integers(first, last + 1)) if rng.random() < 0.5 else first
    stop = min(last + 1, start + int(rng.integers(50, 3000))) if start != first else last + 1
    for at in range(start, stop):
        fields = lines[at].split(b",")
        if len(fields) > column:
            try:
                fields[column] = repr(float(fields[column]) * factor).encode()
            except ValueError:
                continue
            lines[at] = b",".join(fields)
    return _join(lines)


def _swap_columns(data: bytes, rng: np.random.Generator) -> bytes:
    lines = _lines(data)
    first, last = _data_range(lines)
    a, b = rng.choice([2, 3, 4, 5, 6, 7, 8], 2, replace=False)
    for at in range(first, last + 1):
        fields = lines[at].split(b",")
        if len(fields) > max(a, b):
            fields[a], fields[b] = fields[b], fields[a]
            lines[at] = b",".join(fields)
    return _join(lines)


def _relabel_sensor(data: bytes, rng: np.random.Generator) -> bytes:
    """Give a stretch of one sensor's rows the other sensor's name."""
    lines = _lines(data)
    at = _random_data_line(lines, rng)
    for k in range(at, min(at + int(rng.integers(1, 500)), len(lines))):
        lines[k] = lines[k].replace(b",sacrum,", b",upper_back,")
    return _join(lines)


def _rename_units(data: bytes, rng: np.random.Generator) -> bytes:
    swaps = ((b"_dps", b"_rads"), (b"_g,", b"_mps2,"), (b"acc_x_g", b"acc_x"), (b"gyr_z_dps", b"gyr_z_degs"))
    old, new = swaps[int(rng.integers(0, len(swaps)))]
    lines = _lines(data)
    header = next(i for i, line in enumerate(lines) if line.startswith(b"time_s"))
    lines[header] = lines[header].replace(old, new)
    return _join(lines)


def _drop_column(data: bytes, rng: np.random.Generator) -> bytes:
    column = int(rng.integers(0, 9))
    lines = _lines(data)
    first, _ = _data_range(lines)
    for at in range(first - 1, len(lines)):
        fields = lines[at].split(b",")
        if len(fields) == 9:
            del fields[column]
            lines[at] = b",".join(fields)
    return _join(lines)


def _header_value(data: bytes, rng: np.random.Generator) -> bytes:
    rates = (b"0", b"-1", b"1e300", b"1e-300", b"1_00", b"nan", b"inf", b"abc", b"", b"49", b"5000")
    rate = rates[int(rng.integers(0, len(rates)))]
    return re.sub(rb"# sample_rate_hz: [^\n]*", b"# sample_rate_hz: " + rate, data, count=1)


def _header_lines(data: bytes, rng: np.random.Generator) -> bytes:
    choices = (
        lambda d: d.replace(b"# imuhinge recording v1\n", b"", 1),
        lambda d: d.replace(b"# imuhinge recording v1", b"# imuhinge recording v2", 1),
        lambda d: b"\xef\xbb\xbf" + d,
        lambda d: d.replace(b"\n", b"\r\n"),
        lambda d: d.replace(b"# sample_rate_hz", b"# sample_rate_hz: 50\n# sample_rate_hz", 1),
        lambda d: d.replace(b"# exercise: rdl", b"# exercise: " + b"x" * 70_000, 1),
        lambda d: d.replace(b"# exercise: rdl", b"# exercise: yoga", 1),
        lambda d: d.replace(b"# tempo: 3-1-2", b"# tempo: 99-X-1-2-3", 1),
        lambda d: d.replace(b"\ntime_s", b"\n" + b"# k: v\n" * 5000 + b"time_s", 1),
        lambda d: d.replace(b"# device.sacrum", b"# device.wrist", 1),
    )
    return choices[int(rng.integers(0, len(choices)))](data)


def _time_jump(data: bytes, rng: np.random.Generator) -> bytes:
    """Shift, scale or freeze the time column from a row on."""
    lines = _lines(data)
    first, last = _data_range(lines)
    at = int(rng.integers(first, last + 1))
    kind = int(rng.integers(0, 4))
    for k in range(at, last + 1):
        fields = lines[k].split(b",")
        t = float(fields[0])
        fields[0] = repr([t + 1e12, t * 1000.0, t * 0.001, float(lines[at].split(b",")[0])][kind]).encode()
        lines[k] = b",".join(fields)
    return _join(lines)


def _seq_jump(data: bytes, rng: np.random.Generator) -> bytes:
    lines = _lines(data)
    first, last = _data_range(lines)
    at = last if rng.random() < 0.5 else int(rng.integers(first, last + 1))
    fields = lines[at].split(b",")
    fields[2] = str(int(rng.choice([10**15, 3 * 10**7, 65536, -5, 0]))).encode()
    lines[at] = b",".join(fields)
    return _join(lines)


MUTATIONS: dict[str, Mutation] = {
    "flip-bytes": _flip_bytes,
    "random-bytes": _random_bytes_at,
    "cut": _cut,
    "delete-range": _delete_range,
    "duplicate-range": _duplicate_range,
    "append": _append,
    "nul-bytes": _nul_bytes,
    "delete-lines": _delete_lines,
    "duplicate-line": _duplicate_line,
    "swap-lines": _swap_lines,
    "shuffle-block": _shuffle_block,
    "insert-line": _insert_line,
    "set-field": _set_field,
    "scale-column": _scale_column,
    "swap-columns": _swap_columns,
    "relabel-sensor": _relabel_sensor,
    "rename-units": _rename_units,
    "drop-column": _drop_column,
    "header-rate": _header_value,
    "header-lines": _header_lines,
    "time-jump": _time_jump,
    "seq-jump": _seq_jump,
}


def recording_mutation(base: bytes, index: int, seed: int) -> tuple[str, bytes]:
    """The ``index``-th damaged copy of a recording: every kind of damage in turn, seeded.

    Parameters
    ----------
    base : bytes
        A valid v1 recording with ``sensor`` and ``seq`` columns.
    index : int
    seed : int

    Returns
    -------
    (str, bytes)
        ``kind-index`` and the damaged file's bytes.
    """
    kinds = list(MUTATIONS)
    kind = kinds[index % len(kinds)]
    return f"{kind}-{index}", MUTATIONS[kind](base, np.random.default_rng([seed, index]))


def recording_mutations(base: bytes, n: int, seed: int) -> Iterator[tuple[str, bytes]]:
    """The first ``n`` of :func:`recording_mutation`."""
    for index in range(n):
        yield recording_mutation(base, index, seed)


def implausible(report: Mapping[str, Any]) -> str | None:
    """Why a JSON report (``imuhinge-report/1``) holds results outside physical bounds, or None.

    Every rep within ``report.bounds``, lasting at least ``MIN_REP_S``, the reps in time order and
    not overlapping.
    """
    end_s = -np.inf
    for row in report["reps"]:
        problem = rep_problem(row)
        if problem is not None:
            return f"rep {row['index']}: {problem}"
        if row["end_s"] - row["start_s"] < MIN_REP_S:
            return f"rep {row['index']} lasts {row['end_s'] - row['start_s']:.3f} s"
        if row["start_s"] < end_s - 1e-6:
            return f"rep {row['index']} starts before the rep before it ends"
        end_s = row["end_s"]
    return None


# --- packets ---------------------------------------------------------------------------------


def probe_profiles() -> dict[str, DeviceProfile]:
    """The decoders probed, by name: every profile, Polar as configured and not, and the H10."""
    return {
        "diy": DiyProfile(),
        "witmotion": WitMotionProfile(),
        "thingy52": Thingy52Profile(),
        "polar_verity": PolarPmdProfile(acc_factor=2.44e-4, gyr_factor=0.061),
        "polar_unconfigured": PolarPmdProfile(),
        "polar_h10": PolarPmdProfile(model="H10", sample_rate_hz=200.0, acc_factor=2.44e-4, gyr_factor=0.061),
    }


def _valid_packets(name: str, rng: np.random.Generator) -> list[bytes]:
    """A few valid packets for a decoder, from the profiles' own encoders."""
    acc, gyr = rng.normal(0, 2, (8, 3)), rng.normal(0, 300, (8, 3))
    if name == "diy":
        return [diy.encode_packet(int(rng.integers(0, 70000)), int(rng.integers(0, 2**33)), acc, gyr, 2, 3)]
    if name == "witmotion":
        return [witmotion.encode_frame(acc[0], gyr[0], rng.normal(0, 90, 3))]
    if name == "thingy52":
        return [thingy52.encode_raw(acc[0], gyr[0], rng.normal(0, 50, 3))]
    raw = np.clip(np.round(acc / 2.44e-4), -32768, 32767).astype(np.int64)
    floats = rng.normal(0, 100, (8, 3)).astype("<f4").view("<i4").astype(np.int64)
    last_ns = int(rng.integers(0, 2**63))
    return [
        polar_pmd.encode_data_frame(polar_pmd.ACC, last_ns, 0x80, polar_pmd.encode_delta_frames(raw, 16)),
        polar_pmd.encode_data_frame(polar_pmd.GYRO, last_ns, 0x80, polar_pmd.encode_delta_frames(raw, 16)),
        polar_pmd.encode_data_frame(polar_pmd.GYRO, last_ns, 0x81, polar_pmd.encode_delta_frames(floats, 32)),
        polar_pmd.encode_data_frame(polar_pmd.ACC, last_ns, 0x01, struct.pack("<6h", *raw[:2].ravel())),
    ]


def packets(name: str, n: int, seed: int) -> Iterator[bytes]:
    """``n`` notifications for the decoder ``name`` of :func:`probe_profiles`.

    A quarter are random bytes of random length; the rest start from a valid packet and flip bits,
    cut it short, run it on, or keep its header and randomise the rest.
    """
    rng = np.random.default_rng(seed)
    valid = _valid_packets(name, rng)
    for i in range(n):
        kind = i % 4
        if kind == 0:
            yield rng.bytes(int(rng.integers(0, 245)))
            continue
        if i % 64 == 1:
            valid = _valid_packets(name, rng)
        packet = bytearray(valid[int(rng.integers(0, len(valid)))])
        if kind == 1:
            for at in rng.integers(0, len(packet), int(rng.integers(1, 8))):
                packet[at] ^= 1 << int(rng.integers(0, 8))
        elif kind == 2:
            packet = packet[: int(rng.integers(0, len(packet)))] + rng.bytes(int(rng.integers(0, 40)))
        else:
            keep = int(rng.integers(0, min(len(packet), 12) + 1))
            packet = packet[:keep] + rng.bytes(int(rng.integers(0, 240)))
        yield bytes(packet)


@dataclass
class DecoderProbe:
    """Outcomes of feeding packets to one decoder.

    Attributes
    ----------
    decoded, refused : int
        Packets decoded into plausible samples, and packets refused with a PacketError.
    crashes : list of (bytes, str)
        Packets that raised anything else, with the exception.
    implausible : list of (bytes, str)
        Packets decoded into samples that are not finite, beyond any IMU's range, or gyro samples
        from a sensor that has no gyroscope.
    """

    decoded: int = 0
    refused: int = 0
    crashes: list[tuple[bytes, str]] = field(default_factory=list)
    implausible: list[tuple[bytes, str]] = field(default_factory=list)


def probe_decoder(profile: DeviceProfile, cases: Iterator[bytes]) -> DecoderProbe:
    """Decode every packet of ``cases`` and sort the outcomes (:class:`DecoderProbe`)."""
    probe = DecoderProbe()
    for data in cases:
        try:
            packet = profile.decode(data)
        except PacketError:
            probe.refused += 1
            continue
        except Exception as exc:
            probe.crashes.append((data, repr(exc)))
            continue
        problem = _packet_problem(packet, profile.has_gyro)
        if problem is None:
            probe.decoded += 1
        else:
            probe.implausible.append((data, problem))
    return probe


def _packet_problem(packet: Any, has_gyro: bool) -> str | None:
    if packet.gyr_dps is not None and not has_gyro:
        return "gyro samples from a sensor without a gyroscope"
    for name, limit in (("acc_g", ACC_MAX_G), ("gyr_dps", GYRO_MAX_DPS), ("sensor_time_s", np.inf)):
        values = getattr(packet, name)
        if values is None:
            continue
        if not np.isfinite(values).all():
            return f"{name} not finite"
        if np.abs(values).max(initial=0.0) > limit:
            return f"{name} beyond {limit:g}"
    data = packet.acc_g if packet.acc_g is not None else packet.gyr_dps
    if data is None or data.ndim != 2 or data.shape[1] != 3 or len(data) == 0:
        return "no samples of three axes"
    return None


# --- commands ------------------------------------------------------------------------------------


@dataclass
class Outcome:
    """What one command did.

    Attributes
    ----------
    status : int or None
        Exit status; None when an exception escaped (a traceback for the user).
    errors : list of str
        The ``imuhinge COMMAND: error:`` lines it wrote.
    exception : str or None
        The exception that escaped, if one did.
    """

    status: int | None
    errors: list[str]
    exception: str | None = None

    @property
    def sound(self) -> bool:
        """Exit 0 without an error line, or exit 2 with exactly one."""
        return (self.status == 0 and not self.errors) or (self.status == 2 and len(self.errors) == 1)


def run_command(argv: Sequence[object]) -> Outcome:
    """Run ``imuhinge ARGV`` in this process, its output captured."""
    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                status = main([str(a) for a in argv])
            except SystemExit as exc:  # how argparse ends on a bad option: exit status and one line
                status = exc.code if isinstance(exc.code, int) else 1
    except Exception as exc:
        return Outcome(None, [], repr(exc))
    return Outcome(status, [line for line in err.getvalue().splitlines() if ": error: " in line])


def digest(path: Path) -> str:
    """SHA-256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass
class RecordingProbe:
    """``analyze`` on one damaged recording: the outcome, and what went wrong beyond it.

    Attributes
    ----------
    name : str
    outcome : Outcome
    implausible : str or None
        Why the results of an exit 0 are outside physical bounds (:func:`implausible`).
    modified : bool
        The recording changed.
    """

    name: str
    outcome: Outcome
    implausible: str | None
    modified: bool


def probe_recording(base: bytes, index: int, seed: int, folder: Path) -> RecordingProbe:
    """Damage ``base`` (:func:`recording_mutation`), write it into ``folder`` (every seventh as a
    ``.partial``) and run ``analyze`` on it with JSON and CSV reports."""
    name, content = recording_mutation(base, index, seed)
    source = folder / ("set.csv.partial" if index % 7 == 0 else "set.csv")
    source.write_bytes(content)
    before = digest(source)
    report = folder / "report.json"
    report.unlink(missing_ok=True)
    (folder / "reps.csv").unlink(missing_ok=True)
    outcome = run_command(["analyze", source, "--json", report, "--csv", folder / "reps.csv"])
    problem = implausible(json.loads(report.read_text())) if outcome.status == 0 else None
    return RecordingProbe(name, outcome, problem, digest(source) != before)


HOSTILE_CELLS = ("'heavy'", "NULL", "-1", "1e308", "X'00ff'", "'[]'", "'{}'", '\'[{"index": "a"}]\'', "''")


def corrupt_log(db: Path, index: int, seed: int) -> None:
    """Damage a training log in place: every fourth case flips bytes, cuts the file, runs it on,
    or hand-edits one cell (every twelfth the schema version) with a hostile value."""
    rng = np.random.default_rng([seed, index])
    data = bytearray(db.read_bytes())
    kind = index % 4
    if kind == 0:
        for at in rng.integers(0, len(data), int(rng.integers(1, 20))):
            data[at] ^= 1 << int(rng.integers(0, 8))
        db.write_bytes(bytes(data))
    elif kind == 1:
        db.write_bytes(bytes(data[: int(rng.integers(1, len(data)))]))
    elif kind == 2:
        db.write_bytes(bytes(data) + rng.bytes(int(rng.integers(1, 5000))))
    else:
        conn = sqlite3.connect(db)
        table = "schema_version" if index % 12 == 3 else "sets"
        not_null = {row[1]: row[3] for row in conn.execute(f"PRAGMA table_info({table})") if row[1] != "id"}
        column = list(not_null)[int(rng.integers(0, len(not_null)))]
        allowed = [v for v in HOSTILE_CELLS if not (v == "NULL" and not_null[column])]
        value = allowed[int(rng.integers(0, len(allowed)))]
        edit = f"UPDATE {table} SET {column} = {value}" + (" WHERE id = 1" if table == "sets" else "")
        with conn:
            conn.execute(edit)
        conn.close()


@dataclass
class LogProbe:
    """Commands on one damaged training log.

    Attributes
    ----------
    outcomes : dict of str to Outcome
        ``history``, ``history --check``, ``history --plot`` (when drawn) and ``analyze --log``.
    modified : bool
        A command that only reads the log changed it.
    """

    outcomes: dict[str, Outcome]
    modified: bool


def probe_log(clean: Path, source: Path, index: int, seed: int, folder: Path, plot: bool) -> LogProbe:
    """Copy the log ``clean`` into ``folder``, damage it (:func:`corrupt_log`), read it with
    ``history`` (and ``--check``, and ``--plot`` when ``plot``), then log ``source`` into it."""
    db = folder / "log.sqlite"
    shutil.copy(clean, db)
    corrupt_log(db, index, seed)
    before = digest(db)
    reads = {"history": ["history", "--db", db], "check": ["history", "--check", "--db", db]}
    if plot:
        (folder / "trend.png").unlink(missing_ok=True)
        reads["plot"] = ["history", "--db", db, "--plot", folder / "trend.png"]
    outcomes = {name: run_command(argv) for name, argv in reads.items()}
    modified = digest(db) != before
    outcomes["log"] = run_command(["analyze", source, "--log", "--db", db])
    return LogProbe(outcomes, modified)
