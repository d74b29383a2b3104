"""Replay speed: analysing a 1-hour, two-sensor, 200 Hz recording against offline VQF alone.

DESIGN target: the whole analysis (calibration, orientation, angles, segmentation, metrics, verdicts)
in at most 1.5x the time offline VQF alone takes on the same data. Loading the CSV is timed apart
(``benchmarks/bench_load.py``). Best of three runs each.

Run: python benchmarks/bench_speed.py [--minutes 60]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from vqf import offlineVQF

from imuhinge.pipeline import analyze
from imuhinge.sim import SimConfig, simulate


def best_of(n: int, fn) -> float:
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--minutes", type=float, default=60.0)
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

    report = analyze(rec)
    t_vqf = best_of(3, vqf_only)
    t_all = best_of(3, lambda: analyze(rec))
    print(f"{'step':<28} {'seconds':>8} {'samples/s':>12}")
    print(f"{'offline VQF alone':<28} {t_vqf:8.2f} {n / t_vqf:12.0f}")
    print(f"{'imuhinge analyze':<28} {t_all:8.2f} {n / t_all:12.0f}")
    print(
        f"ratio analyze / VQF: {t_all / t_vqf:.2f} (target <= 1.5); {report.rep_count} reps found of {reps}"
    )


if __name__ == "__main__":
    main()
