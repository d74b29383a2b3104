"""Replay speed: analysing a 1-hour, two-sensor, 200 Hz recording against offline VQF alone.

Target (``docs/validation.md``): the whole analysis (calibration, orientation, angles, segmentation,
metrics, verdicts, clock alignment, lumbar flexion, hip travel) in at most 1.5x the time offline VQF
alone takes on the same data. Loading the CSV is timed apart (``benchmarks/bench_load.py``).

Two ways of timing, VQF and the analysis alternating for ``--rounds`` rounds each:

- in one process: every timed analysis gets a fresh copy of the recording, so nothing an earlier
  run computed or touched is reused;
- one fresh process per run, as ``imuhinge analyze FILE`` runs: the recording is written as a CSV
  once, each process loads it (not timed) and times one job. Memory the analysis needs beyond what
  loading left free is faulted in afresh; on a virtual machine that hands freed pages back to its
  host that is expensive, and it weighs more on the analysis, which keeps more arrays than VQF.

The table shows the best and the median of each, and their ratios.

Run: python benchmarks/bench_speed.py [--minutes 60] [--rounds 5]
"""

from __future__ import annotations

import argparse
import copy
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from vqf import offlineVQF

from imuhinge.analysis.replay import analyze
from imuhinge.io import load_recording, save_recording
from imuhinge.model import Recording
from imuhinge.sim import SimConfig, simulate


def vqf_only(rec: Recording) -> None:
    for s in rec.sensors.values():
        offlineVQF(
            np.ascontiguousarray(s.gyr_rads), np.ascontiguousarray(s.acc_mps2), None, 1 / rec.sample_rate_hz
        )


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def child(job: str, path: str) -> None:
    """One fresh-process run: load the file, time the job, print the seconds."""
    rec = load_recording(path)
    print(timed(lambda: vqf_only(rec) if job == "vqf" else analyze(rec)))


def in_process(rec: Recording, rounds: int) -> tuple[list[float], list[float]]:
    t_vqf, t_all = [], []
    for _ in range(rounds):
        t_vqf.append(timed(lambda: vqf_only(rec)))
        fresh = copy.deepcopy(rec)
        t_all.append(timed(lambda fresh=fresh: analyze(fresh)))
    return t_vqf, t_all


def fresh_processes(rec: Recording, rounds: int) -> tuple[list[float], list[float]]:
    def run(job: str, path: Path) -> float:
        cmd = [sys.executable, __file__, "--child", job, str(path)]
        return float(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "hour.csv"
        save_recording(rec, path)
        t_vqf, t_all = [], []
        for _ in range(rounds):
            t_vqf.append(run("vqf", path))
            t_all.append(run("analyze", path))
    return t_vqf, t_all


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--child", nargs=2, metavar=("JOB", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    t0 = time.perf_counter()
    reps = int(args.minutes * 60 / 7.2)
    sim = simulate(
        SimConfig(reps=reps, sensors=("upper_back", "sacrum"), sample_rate_hz=200.0, packet_loss=0.01, seed=1)
    )
    rec = sim.recording
    n = sum(len(s) for s in rec.sensors.values())
    print(
        f"simulated {rec.duration_s / 60:.1f} min, {len(rec.sensors)} sensors, {n} samples, "
        f"{reps} reps in {time.perf_counter() - t0:.1f} s"
    )
    found = analyze(copy.deepcopy(rec)).rep_count
    print(f"{'timing':<16} {'job':<18} {'best s':>7} {'median s':>9} {'samples/s (best)':>17}")
    ratios = []
    for mode, measure in (("one process", in_process), ("fresh processes", fresh_processes)):
        t_vqf, t_all = measure(rec, args.rounds)
        for name, ts in (("offline VQF alone", t_vqf), ("imuhinge analyze", t_all)):
            print(f"{mode:<16} {name:<18} {min(ts):7.2f} {statistics.median(ts):9.2f} {n / min(ts):17.0f}")
        ratios.append((mode, min(t_all) / min(t_vqf), statistics.median(t_all) / statistics.median(t_vqf)))
    for mode, best, median in ratios:
        print(f"ratio analyze / VQF, {mode}: best {best:.2f}, median {median:.2f} (target <= 1.5)")
    print(f"{found} reps found of {reps}")


if __name__ == "__main__":
    main()
