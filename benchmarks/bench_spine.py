"""Two-sensor form checks on simulated sets: clock alignment, lumbar flexion, hinge or squat.

Every set has both sensors strapped on in random orientations, a sacrum clock offset drawn from
[-0.5, 0.5] s and a drift from [-100, 100] ppm, 1 deg/s gyro bias, 2 % packet loss, and six reps
rounded by 0, 5, 10, 15, 20 and 25 deg in random order. Prints one row per exercise, pattern and
sample rate, then the totals:

- lumbar peak error per rep (deg, median and worst) against the simulator's truth, and the worst
  error when the file's times are taken as they are (no clock alignment);
- rounded reps flagged against the default limit (flagged / should be flagged) and false flags;
- hinge-or-squat verdict per set: right / wrong / not measured (a verdict only where the hip travel,
  with the sacrum sensor's unknown place on the pelvis, allows one);
- clock alignment error in sample periods (median and worst over sets; each set's error is the
  largest over all its sacrum samples).

Run: python benchmarks/bench_spine.py [--quick]
"""

from __future__ import annotations

import argparse
import itertools
import time

import numpy as np

from imuhinge.analysis.replay import analyze, body_angles
from imuhinge.body.hips import classify_pattern, hip_motions
from imuhinge.body.lumbar import lumbar_series
from imuhinge.model import Targets
from imuhinge.signal.clock_align import ClockAlignment
from imuhinge.signal.resample import to_uniform
from imuhinge.sim import SimConfig, simulate

ROUNDING_DEG = (0.0, 5.0, 10.0, 15.0, 20.0, 25.0)
EXERCISES = ("rdl", "deadlift", "good_morning", "single_leg_rdl", "kettlebell_swing")


def run_set(exercise: str, squat: bool, rate_hz: float, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    rounding = dict(enumerate(rng.permutation(ROUNDING_DEG).tolist(), start=1))
    offset_s, drift_ppm = float(rng.uniform(-0.5, 0.5)), float(rng.uniform(-100.0, 100.0))
    sim = simulate(
        SimConfig(
            exercise=exercise,
            reps=len(ROUNDING_DEG),
            squat=squat,
            rounded_reps=rounding,
            sensors=("upper_back", "sacrum"),
            random_mounting=True,
            gyro_bias_dps=1.0,
            packet_loss=0.02,
            clock_offset_s={"sacrum": offset_s},
            clock_drift_ppm={"sacrum": drift_ppm},
            sample_rate_hz=rate_hz,
            seed=seed,
        )
    )
    rec = sim.recording
    body = body_angles(rec)
    assert body.pelvis is not None and body.alignment is not None, body.notes
    alignment, trunk, pelvis = body.alignment, body.trunk, body.pelvis
    pelvis_stream = rec.sensors["sacrum"]
    true_s = pelvis_stream.seq / (rate_hz * (1.0 + drift_ppm * 1e-6))
    align_err = float(np.max(np.abs(alignment.to_trunk_time(pelvis_stream.time_s) - true_s)) * rate_hz)

    lumbar = lumbar_series(trunk, pelvis, alignment)
    unaligned = lumbar_series(trunk, pelvis, ClockAlignment(1.0, 0.0, 1.0, 0, 0.0))
    report = analyze(rec)
    limit = Targets().lumbar_flexion_max_deg
    errs, raw_errs, flagged, should, false_flags, missed = [], [], 0, 0, 0, 0
    for want in sim.truth["reps"]:
        hits = [r for r in report.reps if r.start_s <= want["peak_time_s"] <= r.end_s]
        truth_peak = want["peak_lumbar_flexion_deg"]
        should += truth_peak > limit
        if not hits:
            missed += 1
            continue
        rep = hits[0]
        in_rep = (trunk.time_s >= rep.start_s) & (trunk.time_s <= rep.end_s)
        peak = float(np.nanmax(lumbar[in_rep]))
        errs.append(abs(peak - truth_peak))
        raw_errs.append(abs(float(np.nanmax(unaligned[in_rep])) - truth_peak))
        flagged += peak > limit and truth_peak > limit
        false_flags += peak > limit and truth_peak <= limit
    sacrum = to_uniform(rec.sensors["sacrum"], rec.sample_rate_hz)
    pattern = classify_pattern(m.pattern for m in hip_motions(sacrum, trunk, pelvis, alignment, report.reps))
    return {
        "errs": errs,
        "raw_errs": raw_errs,
        "flagged": flagged,
        "should": should,
        "false": false_flags,
        "missed": missed,
        "pattern": pattern,
        "true_pattern": sim.truth["pattern"],
        "align": align_err,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="RDL only, 100 Hz, one seed per pattern")
    args = parser.parse_args()
    exercises = EXERCISES[:1] if args.quick else EXERCISES
    rates = (100.0,) if args.quick else (50.0, 100.0, 200.0)
    seeds = 1 if args.quick else 3
    t0 = time.perf_counter()
    print(
        f"{'exercise':<17} {'pattern':<7} {'rate':>5} {'sets':>4} {'reps':>4} {'lumbar err med':>14} "
        f"{'worst':>6} {'unaligned':>9} {'flagged':>8} {'false':>5} {'pattern r/w/nm':>14} "
        f"{'align med':>9} {'worst':>6}"
    )
    results = []
    seed = 0
    for exercise, squat, rate in itertools.product(exercises, (False, True), rates):
        rows = []
        for _ in range(seeds):
            seed += 1
            rows.append(run_set(exercise, squat, rate, seed))
        results += rows
        print_row(exercise, "squat" if squat else "hinge", f"{rate:>5.0f}", rows)
    print("-" * 118)
    print_row("all", "", "", results)
    missed = sum(r["missed"] for r in results)
    print(f"\nreps not found by the segmentation: {missed}; {time.perf_counter() - t0:.1f} s")


def print_row(exercise: str, pattern: str, rate: str, rows: list[dict]) -> None:
    errs = np.concatenate([r["errs"] for r in rows])
    raw_worst = max(max(r["raw_errs"]) for r in rows)
    align = np.array([r["align"] for r in rows])
    flagged = f"{sum(r['flagged'] for r in rows)}/{sum(r['should'] for r in rows)}"
    right = sum(r["pattern"] == r["true_pattern"] for r in rows)
    wrong = sum(r["pattern"] is not None and r["pattern"] != r["true_pattern"] for r in rows)
    correct = f"{right}/{wrong}/{len(rows) - right - wrong}"
    print(
        f"{exercise:<17} {pattern:<7} {rate:>5} {len(rows):>4} {len(errs):>4} {np.median(errs):>14.2f} "
        f"{errs.max():>6.2f} {raw_worst:>9.1f} {flagged:>8} {sum(r['false'] for r in rows):>5} {correct:>14} "
        f"{np.median(align):>9.3f} {align.max():>6.3f}"
    )


if __name__ == "__main__":
    main()
