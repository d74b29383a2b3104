"""Memory and time of ``imuhinge analyze`` on any file: valid recordings, corrupted counters and values,
recordings padded to 2 GB, and 2 GB files that are not recordings.

Every case runs as the user runs it, one fresh process each (``imuhinge analyze FILE``), and its peak
resident memory is read from the kernel (``wait4``). The constant is the peak of the same command on
a one-line file that is not a recording (start-up: Python, numpy, pandas, scipy, matplotlib); the
parsed arrays are what the loaded recording holds (times, counters, accelerometer, gyroscope). The
target: peak at most about 3x the parsed arrays plus the constant, whatever the file says, and a
2 GB file that is not a recording refused in under a second (beyond start-up).

The files are written to a temporary folder (about 8.5 GB at the default size) and deleted.

Run: ``python benchmarks/bench_memory.py [--minutes 60] [--big-gb 2]``
"""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

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


def run(path: Path) -> tuple[int, float, float, str]:
    """Exit status, peak resident MiB and wall seconds of ``imuhinge analyze PATH``, and its last
    stderr line."""
    t0 = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", LAUNCHER, sys.executable, "-m", "imuhinge", "analyze", str(path)],
        capture_output=True,
        text=True,
    )
    wall_s = time.perf_counter() - t0
    status, peak_kib = (int(v) for v in done.stdout.split())
    return status, peak_kib / 1024, wall_s, (done.stderr.splitlines() or [""])[-1]


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
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    big = int(args.big_gb * (1 << 30))
    rng_block = os.urandom(BLOCK)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        recordings = {}
        for name, minutes in (("20 s", 1 / 3), ("10 min", 10.0), (f"{args.minutes:g} min", args.minutes)):
            reps = max(2, int(minutes * 60 / 7.2))
            sim = simulate(
                SimConfig(
                    reps=reps,
                    sensors=("upper_back", "sacrum"),
                    sample_rate_hz=200.0,
                    packet_loss=0.01,
                    seed=1,
                )
            )
            path = folder / f"{name.replace(' ', '')}.csv"
            save_recording(sim.recording, path)
            recordings[name] = path
        large = recordings[f"{args.minutes:g} min"]
        print(f"built the recordings in {time.perf_counter() - t0:.0f} s")

        not_recording = folder / "one-line.csv"
        not_recording.write_bytes(b"\x00" * 100)
        _, constant_mib, constant_s, _ = run(not_recording)
        print(
            f"constant: a 100-byte file that is not a recording, {constant_mib:.0f} MiB, {constant_s:.2f} s"
        )

        cases: list[tuple[str, Path, float | None]] = []
        for name, path in recordings.items():
            cases.append((f"valid, {name}", path, parsed_mib(path)))
        large_mib = cases[-1][2]
        for label, change in (
            ("seq 1e15 in the last row", lambda f: f.__setitem__(2, "1000000000000000")),
            ("seq 3e7 in the last row", lambda f: f.__setitem__(2, "30000000")),
            ("acc 1e308 in the last row", lambda f: f.__setitem__(3, "1e308")),
        ):
            cases.append(
                (
                    f"{label}, {args.minutes:g} min",
                    with_row_changed(large, folder / "changed.csv", change),
                    None,
                )
            )
            cases[-1] = (cases[-1][0], cases[-1][1].rename(folder / f"{len(cases)}.csv"), large_mib)
        gb = f"{args.big_gb:g} GB"
        for label, block in (
            ("zeros", lambda: bytes(BLOCK)),
            ("line breaks", lambda: b"\n" * BLOCK),
            ("random bytes", lambda: rng_block),
        ):
            cases.append(
                (
                    f"{args.minutes:g} min padded to {gb} with {label}",
                    padded(large, folder / "p.csv", big, block),
                    large_mib,
                )
            )
            cases[-1] = (cases[-1][0], cases[-1][1].rename(folder / f"{len(cases)}.csv"), large_mib)
        for label, block in (("zeros", lambda: bytes(BLOCK)), ("random bytes", lambda: rng_block)):
            cases.append(
                (f"{gb} of {label} (not a recording)", padded(None, folder / "n.csv", big, block), None)
            )
            cases[-1] = (cases[-1][0], cases[-1][1].rename(folder / f"{len(cases)}.csv"), None)

        head = f"{'exit':>5}{'peak MiB':>10}{'- const':>9}{'parsed':>8}{'ratio':>7}{'s':>7}{'- const':>9}"
        print(f"\n{'file':<46}{head}")
        for name, path, parsed in cases:
            status, peak, wall_s, last = run(path)
            above = peak - constant_mib
            ratio = f"{above / parsed:7.2f}" if parsed and parsed >= MIN_PARSED_MIB else f"{'-':>7}"
            shown = f"{parsed:8.0f}" if parsed else f"{'-':>8}"
            times = f"{wall_s:>7.2f}{wall_s - constant_s:>9.2f}"
            print(f"{name:<46}{status:>5}{peak:>10.0f}{above:>9.0f}{shown}{ratio}{times}")
            if status:
                print(f"  {last[:150]}")
            path.unlink()


if __name__ == "__main__":
    main()
