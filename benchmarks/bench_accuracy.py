"""Accuracy of rep counting and phase timing on simulated sets with ground truth.

Grid: exercises x tempos x mountings x noise/bias x packet loss x sample rates. Prints one row per
exercise and condition group, then the totals against the targets (``docs/validation.md``):
every rep counted, no phantom reps, phase durations within one sample period + 20 ms (median) and
100 ms (worst), peak flexion within 1 deg. "peak n/m" counts reps whose deepest part was lost in a
gap and is reported as not measured.

Run: python benchmarks/bench_accuracy.py [--quick]
"""

from __future__ import annotations

import argparse
import itertools
import time

import numpy as np

from imuhinge.analysis.replay import analyze
from imuhinge.model import Exercise
from imuhinge.sim import SimConfig, simulate

PHASES = ("eccentric_s", "bottom_s", "concentric_s", "top_s")
TEMPOS = ("3-1-2", "3-2-1", "2-0-X")
CONDITIONS = {  # name: (gyro noise deg/s, gyro bias deg/s, acc noise g)
    "clean": (0.02, 0.0, 0.001),
    "noisy+bias": (0.2, 2.0, 0.01),
}


def run_case(exercise, tempo, mounting, condition, loss, rate, seed):
    gyr_noise, bias, acc_noise = CONDITIONS[condition]
    cfg = SimConfig(
        exercise=exercise,
        reps=6,
        tempo=tempo,
        random_mounting=mounting == "random",
        gyr_noise_dps=gyr_noise,
        gyro_bias_dps=bias,
        acc_noise_g=acc_noise,
        packet_loss=loss,
        sample_rate_hz=rate,
        seed=seed,
        hold_s=10.0,
    )
    sim = simulate(cfg)
    report = analyze(sim.recording, exercise, None if exercise.ballistic else tempo)
    truth = sim.truth["reps"]
    # Reps are matched by time: a found rep belongs to the truth rep whose extreme it contains.
    errs, peak_errs, missed, unmeasured = [], [], 0, 0
    used = set()
    for want in truth:
        hits = [r for r in report.reps if r.start_s <= want["peak_time_s"] <= r.end_s and r.index not in used]
        if not hits:
            missed += 1
            continue
        rep = hits[0]
        used.add(rep.index)
        for key in PHASES:
            got, exp = getattr(rep, key), want[key]
            if got is not None and exp is not None:
                errs.append(abs(got - exp))
        if rep.peak_trunk_flexion_deg is None:  # the deep part of the rep was lost
            unmeasured += 1
        else:
            peak_errs.append(abs(rep.peak_trunk_flexion_deg - want["peak_trunk_flexion_deg"]))
    phantom = report.rep_count - len(used)
    return {
        "missed": missed,
        "phantom": phantom,
        "errs": errs,
        "peak": peak_errs,
        "peak_unmeasured": unmeasured,
        "reps": len(truth),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="one tempo, 100 Hz only")
    args = parser.parse_args()
    tempos = TEMPOS[:1] if args.quick else TEMPOS
    rates = (100.0,) if args.quick else (50.0, 100.0, 200.0)
    t0 = time.perf_counter()
    rows = []
    seed = 0
    print(
        f"{'exercise':<17} {'rate':>5} {'mount':<7} {'cond':<10} {'loss':>4} {'sets':>4} {'reps':>5} "
        f"{'missed':>6} {'phantom':>7} {'med ms':>7} {'worst ms':>8} {'peak°':>6} {'peak n/m':>8}"
    )
    for exercise, rate, mounting, condition, loss in itertools.product(
        list(Exercise), rates, ("default", "random"), CONDITIONS, (0.0, 0.05)
    ):
        results = []
        for tempo in (tempos[0],) if exercise.ballistic else tempos:
            seed += 1
            results.append(run_case(exercise, tempo, mounting, condition, loss, rate, seed))
        errs = np.concatenate([r["errs"] for r in results]) * 1000
        peak = np.concatenate([r["peak"] for r in results])
        row = {
            "exercise": exercise.value,
            "rate": rate,
            "missed": sum(r["missed"] for r in results),
            "phantom": sum(r["phantom"] for r in results),
            "reps": sum(r["reps"] for r in results),
            "median_ms": float(np.median(errs)),
            "worst_ms": float(errs.max()),
            "peak_deg": float(peak.max()),
            "peak_unmeasured": sum(r["peak_unmeasured"] for r in results),
        }
        rows.append(row)
        print(
            f"{exercise.value:<17} {rate:5.0f} {mounting:<7} {condition:<10} {loss:4.2f} {len(results):4d} "
            f"{row['reps']:5d} {row['missed']:6d} {row['phantom']:7d} {row['median_ms']:7.1f} "
            f"{row['worst_ms']:8.1f} {row['peak_deg']:6.2f} {row['peak_unmeasured']:8d}"
        )
    print()
    print("totals against the targets")
    print(
        f"{'rate Hz':>7} {'reps':>6} {'missed':>6} {'phantom':>7} {'worst median ms':>16} {'target':>7} "
        f"{'worst ms':>8} {'target':>6} {'peak°':>6} {'target':>6} {'peak n/m':>8}"
    )
    for rate in rates:
        rr = [r for r in rows if r["rate"] == rate]
        med = max(r["median_ms"] for r in rr)
        worst = max(r["worst_ms"] for r in rr)
        peak = max(r["peak_deg"] for r in rr)
        target_med = 1000.0 / rate + 20.0
        print(
            f"{rate:7.0f} {sum(r['reps'] for r in rr):6d} {sum(r['missed'] for r in rr):6d} "
            f"{sum(r['phantom'] for r in rr):7d} {med:16.1f} {target_med:7.1f} {worst:8.1f} {100.0:6.1f} "
            f"{peak:6.2f} {1.0:6.1f} {sum(r['peak_unmeasured'] for r in rr):8d}"
        )
        print(
            f"        ratios: median/target {med / target_med:.2f}, worst/target {worst / 100.0:.2f}, "
            f"peak/target {peak:.2f}"
        )
    print(f"\n{len(rows)} groups in {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
