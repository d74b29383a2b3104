"""Memory and time of ``imuhinge analyze`` on any file: valid recordings, corrupted counters and values,
recordings padded to 2 GB, and 2 GB files that are not recordings.

Every case runs as the user runs it, one fresh process each (``imuhinge analyze FILE``), and its peak
resident memory is read from the kernel (``wait4``). The constant is the peak of the same command on
a one-line file that is not a recording (start-up: Python, numpy, pandas, scipy, matplotlib); the
parsed arrays are what the loaded recording holds (times, counters, accelerometer, gyroscope). The
target: peak at most about 3x the parsed arrays plus the constant, whatever the file says, and a
2 GB file that is not a recording refused in under a second (beyond start-up).

The files are written to a temporary folder one at a time (up to about 2.2 GB at the default size) and
deleted. Times are the best of ``--repeats`` runs; ``load s`` is ``load_recording`` alone, in this
process (the part of the time the file's contents decide).

Run: ``python benchmarks/bench_memory.py [--minutes 60] [--big-gb 2]``
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from imuhinge.errors import InputError
from imuhinge.io import load_recording, save_recording
from imuhinge.sim import SimConfig, simulate

MIB = 1 << 20
BLOCK = 64 * MIB
MIN_PARSED_MIB = 5.0  # below, the ratio is noise on the constant


# A small launcher runs the command and reports its peak: a child's peak resident memory counts the
# memory of the process it was forked from, so that one must be small, not this benchmark.
LAUNCHER = """
import os, subprocess, sys
proc = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
_, status, usage = os.wait4(proc.pid, 0)
print(os.waitstatus_to_exitcode(status), usage.ru_maxrss)
"""


def run(path: Path, repeats: int) -> tuple[int, float, float, str]:
    """Exit status, peak resident MiB and wall seconds (best of ``repeats``) of ``imuhinge analyze
    PATH``, and its last stderr line."""
    walls, peaks = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", LAUNCHER, sys.executable, "-m", "imuhinge", "analyze", str(path)],
            capture_output=True,
            text=True,
        )
        walls.append(time.perf_counter() - t0)
        status, peak_kib = (int(v) for v in done.stdout.split())
        peaks.append(peak_kib / 1024)
    return status, max(peaks), min(walls), (done.stderr.splitlines() or [""])[-1]


def load_s(path: Path) -> float:
    """Seconds ``load_recording`` takes in this process, best of three (to its error, if any)."""
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        with contextlib.suppress(InputError):
            load_recording(path)
        best = min(best, time.perf_counter() - t0)
    return best


def parsed_mib(path: Path) -> float:
    """MiB of the arrays the loaded recording holds."""
    rec = load_recording(path)
    arrays = [
        a for s in rec.sensors.values() for a in (s.time_s, s.seq, s.acc_mps2, s.gyr_rads) if a is not None
    ]
    return sum(a.nbytes for a in arrays) / MIB


def with_row_changed(source: Path, out: Path, change: Callable[[list[str]], None]) -> Path:
    """A copy of ``source`` with its last row's fields changed in place by ``change``."""
    data = source.read_bytes()
    cut = data.rstrip(b"\n").rfind(b"\n") + 1
    fields = data[cut:].decode().rstrip("\n").split(",")
    change(fields)
    out.write_bytes(data[:cut] + (",".join(fields) + "\n").encode())
    return out


def padded(source: Path | None, out: Path, size: int, block: Callable[[], bytes]) -> Path:
    """``source`` (or nothing) followed by blocks from ``block`` up to ``size`` bytes."""
    with open(out, "wb") as fh:
        if source is not None:
            fh.write(source.read_bytes())
        while fh.tell() < size:
            fh.write(block()[: size - fh.tell()])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--minutes", type=float, default=60.0, help="length of the large recording")
    parser.add_argument("--big-gb", type=float, default=2.0, help="size of the padded and foreign files")
    parser.add_argument("--repeats", type=int, default=3, help="runs per file (best time, highest peak)")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    big = int(args.big_gb * (1 << 30))
    rng_block = os.urandom(BLOCK)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        recordings = {}
        for name, minutes in (("20 s", 1 / 3), ("10 min", 10.0), (f"{args.minutes:g} min", args.minutes)):
            config = SimConfig(
                reps=max(2, int(minutes * 60 / 7.2)),
                sensors=("upper_back", "sacrum"),
                sample_rate_hz=200.0,
                packet_loss=0.01,
                seed=1,
            )
            recordings[name] = folder / f"{name.replace(' ', '')}.csv"
            save_recording(simulate(config).recording, recordings[name])
        large = recordings[f"{args.minutes:g} min"]
        print(f"built the recordings in {time.perf_counter() - t0:.0f} s")

        not_recording = folder / "one-line.csv"
        not_recording.write_bytes(b"\x00" * 100)
        _, constant_mib, constant_s, _ = run(not_recording, args.repeats)
        print(
            f"constant: a 100-byte file that is not a recording, {constant_mib:.0f} MiB, {constant_s:.2f} s"
        )

        minutes, gb = f"{args.minutes:g} min", f"{args.big_gb:g} GB"
        made = folder / "case.csv"
        cases: list[tuple[str, Callable[[], Path], float | None]] = [
            (f"valid, {name}", lambda path=path: path, parsed_mib(path)) for name, path in recordings.items()
        ]
        large_mib = cases[-1][2]
        for label, column, value in (
            ("seq 1e15 in the last row", 2, "1000000000000000"),
            ("seq 3e7 in the last row", 2, "30000000"),
            ("acc 1e308 in the last row", 3, "1e308"),
        ):
            change = lambda f, c=column, v=value: f.__setitem__(c, v)  # noqa: E731
            cases.append(
                (f"{label}, {minutes}", lambda ch=change: with_row_changed(large, made, ch), large_mib)
            )
        blocks = {
            "zeros": lambda: bytes(BLOCK),
            "line breaks": lambda: b"\n" * BLOCK,
            "random bytes": lambda: rng_block,
        }
        for label, block in blocks.items():
            cases.append(
                (
                    f"{minutes} padded to {gb} with {label}",
                    lambda b=block: padded(large, made, big, b),
                    large_mib,
                )
            )
        for label in ("zeros", "random bytes"):
            cases.append(
                (
                    f"{gb} of {label} (not a recording)",
                    lambda b=blocks[label]: padded(None, made, big, b),
                    None,
                )
            )

        columns = (("exit", 5), ("peak MiB", 10), ("- const", 9), ("parsed", 8), ("ratio", 7), ("s", 7))
        head = "".join(f"{c:>{w}}" for c, w in (*columns, ("- const", 9), ("load s", 8)))
        print(f"\n{'file':<46}{head}")
        for name, make, parsed in cases:
            path = make()
            os.sync()  # the file's pages on disk before timing, not written back meanwhile
            status, peak, wall_s, last = run(path, args.repeats)
            above = peak - constant_mib
            ratio = f"{above / parsed:7.2f}" if parsed and parsed >= MIN_PARSED_MIB else f"{'-':>7}"
            shown = f"{parsed:8.0f}" if parsed else f"{'-':>8}"
            times = f"{wall_s:>7.2f}{wall_s - constant_s:>9.2f}{load_s(path):>8.3f}"
            print(f"{name:<46}{status:>5}{peak:>10.0f}{above:>9.0f}{shown}{ratio}{times}", flush=True)
            if status:
                print(f"  {last[:150]}")
            if path == made:
                made.unlink()


if __name__ == "__main__":
    main()
