"""Replay speed: analysing a 1-hour, two-sensor, 200 Hz recording against offline VQF alone.

DESIGN target: the whole analysis (calibration, orientation, angles, segmentation, metrics, verdicts,
clock alignment, lumbar flexion, hip travel) in at most 1.5x the time offline VQF alone takes on the
same data. Loading the CSV is timed apart (``benchmarks/bench_load.py``).

Every timed analysis gets a fresh copy of the recording, so nothing computed by an earlier run (the
resampled streams are cached per stream object) is reused: each run costs what ``imuhinge analyze``
pays. VQF and the analysis alternate for ``--rounds`` rounds; the table shows the best and the median
of each, and the ratio of each.

Run: python benchmarks/bench_speed.py [--minutes 60] [--rounds 5]
"""

from __future__ import annotations

import argparse
import copy
import statistics
import time

import numpy as np
from vqf import offlineVQF

from imuhinge.model import Recording
from imuhinge.pipeline import analyze
from imuhinge.sim import SimConfig, simulate


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
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

    def vqf_only() -> None:
        for s in rec.sensors.values():
            offlineVQF(np.ascontiguousarray(s.gyr_rads), np.ascontiguousarray(s.acc_mps2), None, 1 / 200.0)

    found = analyze(copy.deepcopy(rec)).rep_count
    t_vqf, t_all = [], []
    for _ in range(args.rounds):
        t_vqf.append(timed(vqf_only))
        fresh: Recording = copy.deepcopy(rec)
        t_all.append(timed(lambda fresh=fresh: analyze(fresh)))
    rows = [("offline VQF alone", t_vqf), ("imuhinge analyze", t_all)]
    print(f"{'step':<22} {'best s':>8} {'median s':>9} {'samples/s (best)':>17}")
    for name, ts in rows:
        print(f"{name:<22} {min(ts):8.2f} {statistics.median(ts):9.2f} {n / min(ts):17.0f}")
    print(
        f"ratio analyze / VQF: best {min(t_all) / min(t_vqf):.2f}, median "
        f"{statistics.median(t_all) / statistics.median(t_vqf):.2f} (target <= 1.5); "
        f"{found} reps found of {reps}"
    )


if __name__ == "__main__":
    main()
