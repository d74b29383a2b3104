"""Accuracy of rep counting, phase timing and rep speed on simulated sets with ground truth.

Grid: exercises x tempos x mountings x noise/bias x packet loss x sample rates. Prints one row per
exercise and condition group, then the totals against the targets (``docs/validation.md``):
every rep counted, no phantom reps, phase durations within one sample period + 20 ms (median) and
100 ms (worst), peak flexion within 1 deg, rising speed (mean and peak) within 5 %. "peak n/m" counts
reps whose deepest part was lost in a gap and is reported as not measured.

Then two tables on their own sets:

- speed loss on fatiguing sets (rising speed falling 0-4 % per rep): the first rep the speed-loss cue
  names against the first rep whose true loss passes the threshold; a rep whose true loss is within
  the measurement's own spread of the threshold (``NEAR_PCT``) may go either way;
- hip thrust with two sensors: lower back arching at the top (0-25 deg, one value per rep in random
  order) and lockouts short by 0-9 deg, flagged against the truth (arching >= 15 deg must be flagged,
  <= 5 never; a lockout short by >= 7 deg must be flagged, <= 2 never).

Run: python benchmarks/bench_accuracy.py [--quick]
"""

from __future__ import annotations

import argparse
import itertools
import time

import numpy as np

from imuhinge.analysis.replay import analyze
from imuhinge.coaching.cues import CueCode
from imuhinge.model import Exercise, Targets
from imuhinge.sim import SimConfig, simulate
from imuhinge.sim.scoring import (
    ARCHED_MIN_DEG,
    FULL_LOCKOUT_MAX_DEG,
    NEUTRAL_MAX_DEG,
    SHORT_MIN_DEG,
    match_reps,
    score_set,
)

PHASES = ("eccentric_s", "bottom_s", "concentric_s", "top_s")
SPEEDS = ("concentric_mean_speed_dps", "concentric_peak_speed_dps")
FATIGUE = (0.0, 0.01, 0.02, 0.03, 0.04)
NEAR_PCT = 1.5  # true losses this close to the threshold may be flagged a rep early or late
ARCHES_DEG = (0.0, 5.0, 10.0, 15.0, 20.0, 25.0)
SHORTS_DEG = (0.0, 2.0, 7.0, 9.0)
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
    speed_errs: dict[str, list[float]] = {key: [] for key in SPEEDS}
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
        for key in SPEEDS:
            got = getattr(rep, key)
            if got is not None:
                speed_errs[key].append(100.0 * abs(got / want[key] - 1.0))
    phantom = report.rep_count - len(used)
    return {
        "missed": missed,
        "phantom": phantom,
        "errs": errs,
        "peak": peak_errs,
        "peak_unmeasured": unmeasured,
        "reps": len(truth),
        "speed": speed_errs,
    }


def speed_loss_case(fatigue: float, tempo: str, rate: float, seed: int) -> dict:
    """One fatiguing (or steady) set: where the truth passes the threshold, where the cue comes.

    Reps are numbered as in the truth (a rep the analysis missed cannot shift the count).
    """
    cfg = SimConfig(reps=12, tempo=tempo, fatigue_per_rep=fatigue, sample_rate_hz=rate, seed=seed)
    cfg.random_mounting, cfg.gyro_bias_dps, cfg.packet_loss = True, 1.0, 0.02
    sim = simulate(cfg)
    report = analyze(sim.recording)
    threshold = Targets().speed_loss_max_pct
    truth = sim.truth["reps"]
    pairs = [(i, report.reps[j]) for i, j in match_reps(truth, report.reps)]
    want = next((k for k, t in enumerate(truth, 1) if t["speed_loss_pct"] > threshold), None)
    cued = [i + 1 for i, rep in pairs if any(c.code is CueCode.SPEED_LOSS for c in rep.cues)]
    got = cued[0] if cued else None
    near = want is not None and abs(truth[want - 1]["speed_loss_pct"] - threshold) <= NEAR_PCT
    return {
        "want": want is not None,
        "exact": want is not None and got == want,
        "near": want is not None and got is not None and got != want and near and abs(got - want) == 1,
        "missed": want is not None and got is None,
        "early": got is not None and (want is None or got < want),
        "false": sum(truth[k - 1]["speed_loss_pct"] < threshold - NEAR_PCT for k in cued),
        "loss_err": [
            abs(rep.speed_loss_pct - truth[i]["speed_loss_pct"])
            for i, rep in pairs
            if rep.speed_loss_pct is not None
        ],
    }


def thrust_case(arch_deg: float, short_deg: float, rate: float, seed: int) -> dict:
    """A two-sensor hip thrust of 8 reps: one arches at the top, another stops short (random reps)."""
    rng = np.random.default_rng(seed)
    arched, short = (int(k) + 1 for k in rng.permutation(8)[:2])
    cfg = SimConfig(
        exercise=Exercise.HIP_THRUST,
        reps=8,
        sensors=("upper_back", "sacrum"),
        depth_deg=40.0,
        arched_reps={arched: arch_deg},
        incomplete_reps={short: short_deg},
        top_pause_s=1.5,
        random_mounting=True,
        gyro_bias_dps=1.0,
        packet_loss=0.02,
        clock_offset_s={"sacrum": float(rng.uniform(-0.5, 0.5))},
        sample_rate_hz=rate,
        seed=seed,
    )
    sim = simulate(cfg)
    return {"score": score_set(analyze(sim.recording), sim.truth)}


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
        f"{'missed':>6} {'phantom':>7} {'med ms':>7} {'worst ms':>8} {'peak°':>6} {'peak n/m':>8} "
        f"{'speed med%':>10} {'worst%':>6} {'peak spd%':>9}"
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
        speed = np.concatenate([r["speed"][SPEEDS[0]] for r in results])
        peak_speed = np.concatenate([r["speed"][SPEEDS[1]] for r in results])
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
            "speed_med": float(np.median(speed)),
            "speed_worst": float(speed.max()),
            "peak_speed_worst": float(peak_speed.max()),
        }
        rows.append(row)
        print(
            f"{exercise.value:<17} {rate:5.0f} {mounting:<7} {condition:<10} {loss:4.2f} {len(results):4d} "
            f"{row['reps']:5d} {row['missed']:6d} {row['phantom']:7d} {row['median_ms']:7.1f} "
            f"{row['worst_ms']:8.1f} {row['peak_deg']:6.2f} {row['peak_unmeasured']:8d} "
            f"{row['speed_med']:10.2f} {row['speed_worst']:6.2f} {row['peak_speed_worst']:9.2f}"
        )
    print()
    print("totals against the targets")
    print(
        f"{'rate Hz':>7} {'reps':>6} {'missed':>6} {'phantom':>7} {'worst median ms':>16} {'target':>7} "
        f"{'worst ms':>8} {'target':>6} {'peak°':>6} {'target':>6} {'peak n/m':>8} "
        f"{'speed%':>6} {'target':>6}"
    )
    for rate in rates:
        rr = [r for r in rows if r["rate"] == rate]
        med = max(r["median_ms"] for r in rr)
        worst = max(r["worst_ms"] for r in rr)
        peak = max(r["peak_deg"] for r in rr)
        speed_worst = max(max(r["speed_worst"], r["peak_speed_worst"]) for r in rr)
        target_med = 1000.0 / rate + 20.0
        print(
            f"{rate:7.0f} {sum(r['reps'] for r in rr):6d} {sum(r['missed'] for r in rr):6d} "
            f"{sum(r['phantom'] for r in rr):7d} {med:16.1f} {target_med:7.1f} {worst:8.1f} {100.0:6.1f} "
            f"{peak:6.2f} {1.0:6.1f} {sum(r['peak_unmeasured'] for r in rr):8d} {speed_worst:6.2f} {5.0:6.1f}"
        )
        print(
            f"        ratios: median/target {med / target_med:.2f}, worst/target {worst / 100.0:.2f}, "
            f"peak/target {peak:.2f}, speed/target {speed_worst / 5.0:.2f}"
        )
    print(f"\n{len(rows)} groups in {time.perf_counter() - t0:.0f} s")
    speed_loss_table(rates, 1 if args.quick else 3)
    thrust_table(rates, 1 if args.quick else 2)


def speed_loss_table(rates: tuple[float, ...], seeds: int) -> None:
    """Speed loss on fatiguing sets: the cue's first rep against the truth's."""
    t0 = time.perf_counter()
    threshold = Targets().speed_loss_max_pct
    print(f"\nspeed loss on 12-rep sets (cue beyond {threshold:g} %), tempos 3-1-X and 3-1-2")
    print(
        f"{'fall/rep':>8} {'rate':>5} {'sets':>4} {'passed':>6} {'exact':>5} {'±1 near':>7} {'missed':>6} "
        f"{'early':>5} {'false reps':>10} {'loss err med':>12} {'worst':>6}"
    )
    seed = 5000
    for fatigue, rate in itertools.product(FATIGUE, rates):
        cases = []
        for tempo in ("3-1-X", "3-1-2"):
            for _ in range(seeds):
                seed += 1
                cases.append(speed_loss_case(fatigue, tempo, rate, seed))
        errs = np.concatenate([c["loss_err"] for c in cases])
        print(
            f"{100 * fatigue:7.0f}% {rate:5.0f} {len(cases):4d} {sum(c['want'] for c in cases):6d} "
            f"{sum(c['exact'] for c in cases):5d} {sum(c['near'] for c in cases):7d} "
            f"{sum(c['missed'] for c in cases):6d} {sum(c['early'] for c in cases):5d} "
            f"{sum(c['false'] for c in cases):10d} {np.median(errs):12.2f} {errs.max():6.2f}"
        )
    print(f"{time.perf_counter() - t0:.0f} s")


def thrust_table(rates: tuple[float, ...], seeds: int) -> None:
    """Hip thrust with two sensors: arching and short lockouts flagged against the truth."""
    t0 = time.perf_counter()
    print(
        f"\nhip thrust, two sensors: arching >= {ARCHED_MIN_DEG:g}° flagged, <= {NEUTRAL_MAX_DEG:g}° never; "
        f"lockout short >= {SHORT_MIN_DEG:g}° flagged, <= {FULL_LOCKOUT_MAX_DEG:g}° never"
    )
    print(
        f"{'rate':>5} {'sets':>4} {'reps':>4} {'missed':>6} {'phantom':>7} {'arched':>7} {'flat flags':>10} "
        f"{'short':>6} {'full flags':>10} {'phase worst ms':>14} {'peak° worst':>11}"
    )
    seed = 7000
    for rate in rates:
        scores = []
        for k in range(seeds * len(ARCHES_DEG)):
            seed += 1
            arch, short = ARCHES_DEG[k % len(ARCHES_DEG)], SHORTS_DEG[k % len(SHORTS_DEG)]
            scores.append(thrust_case(arch, short, rate, seed)["score"])
        phase = max(max(s.phase_errors_s) for s in scores) * 1000
        peak = max(max(s.peak_errors_deg) for s in scores)
        print(
            f"{rate:5.0f} {len(scores):4d} {sum(s.truth_reps for s in scores):4d} "
            f"{sum(s.missed for s in scores):6d} {sum(s.phantom for s in scores):7d} "
            f"{sum(s.arched_flagged for s in scores):3d}/{sum(s.arched_reps for s in scores):<3d} "
            f"{sum(s.flat_flagged for s in scores):4d}/{sum(s.flat_reps for s in scores):<5d} "
            f"{sum(s.short_flagged for s in scores):2d}/{sum(s.short_reps for s in scores):<3d} "
            f"{sum(s.full_flagged for s in scores):4d}/{sum(s.full_reps for s in scores):<5d} "
            f"{phase:14.1f} {peak:11.2f}"
        )
    print(f"{time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
