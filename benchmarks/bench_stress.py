"""Stress grid: the analysis on randomised bodies, sensors and lifters, scored against independent truth.

Every set comes from ``imuhinge.sim.stress`` (its own body model; truth from the noise-free motion by
a plain reference of the phase rule), is analysed as a user's recording would be (``jitter`` sets go
through a phone-style CSV file and the loader), and is scored by ``imuhinge.sim.scoring``. One table
per category, then the targets; a second table gives the rising speed (mean and peak, % from the
truth) and, for hip thrusts, arching at the top (>= 15 deg must be flagged, <= 5 deg never; two
sensors) and lockouts short of the set's (>= 7 deg flagged, <= 2 deg never).

    python benchmarks/bench_stress.py [--sets 24] [--categories hinge,swing] [--jobs 2] [--show-failures]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from imuhinge.analysis.replay import analyze
from imuhinge.io import load_recording
from imuhinge.sim.scoring import SetScore, match_reps, score_set
from imuhinge.sim.stress import CATEGORIES, stress_set

BALLISTIC = {"swing"}


def run_one(category: str, seed: int) -> tuple[str, int, SetScore | None, str, dict]:
    """Generate, analyse and score one set; errors are reported, not raised."""
    stress = stress_set(category, seed)
    try:
        if stress.csv_text is not None:
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / "phone.csv"
                path.write_text(stress.csv_text)
                recording = load_recording(path)
        else:
            recording = stress.recording
        report = analyze(recording, stress.truth["exercise"])
    except Exception as exc:  # a crash is a result here: count it, show it
        return category, seed, None, f"{type(exc).__name__}: {exc}", stress.case
    matched = {j for _, j in match_reps(stress.truth["reps"], report.reps)}
    unmatched = [r for j, r in enumerate(report.reps) if j not in matched]
    others = sum(
        1
        for o in stress.truth["others"]
        if o["kind"] in ("side_bend", "rotation", "fidget")
        and any(r.start_s < o["end_s"] and r.end_s > o["start_s"] for r in unmatched)
    )
    stress.case["others_counted"] = others
    stress.case["warnings"] = report.warnings
    return category, seed, score_set(report, stress.truth), "", stress.case


def _q(values: list[float], q: float) -> str:
    return f"{np.percentile(values, q):7.3f}" if values else "      -"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", type=int, default=24, help="sets per category")
    parser.add_argument("--categories", default=",".join(CATEGORIES))
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--first-seed", type=int, default=1000)
    parser.add_argument("--show-failures", action="store_true")
    args = parser.parse_args()
    cats = args.categories.split(",")
    jobs = [(c, args.first_seed + k) for c in cats for k in range(args.sets)]
    t0 = time.perf_counter()
    with ProcessPoolExecutor(args.jobs) as pool:
        results = list(pool.map(run_one, *zip(*jobs, strict=True)))
    elapsed = time.perf_counter() - t0
    print(f"{len(jobs)} sets in {elapsed:.0f} s\n")
    head = (
        "category      sets crash truth  miss phant other | phase med  p95   worst | bound worst"
        " | peak med  worst | lumbar med worst unm | rnd flag  neut flag | invent unmeas"
    )
    print(head)
    print("-" * len(head))
    totals: dict[str, float] = {}
    for cat in cats:
        rows = [r for r in results if r[0] == cat]
        scores = [r[2] for r in rows if r[2] is not None]
        crashes = [r for r in rows if r[2] is None]
        phase = [e for s in scores for e in s.phase_errors_s]
        bound = [e for s in scores for e in s.boundary_errors_s]
        peak = [e for s in scores for e in s.peak_errors_deg]
        lumbar = [e for s in scores for e in s.lumbar_errors_deg]
        others = sum(r[4].get("others_counted", 0) for r in rows)
        print(
            f"{cat:13s} {len(rows):4d} {len(crashes):5d} {sum(s.truth_reps for s in scores):5d}"
            f" {sum(s.missed for s in scores):5d} {sum(s.phantom for s in scores):5d} {others:5d} |"
            f"{_q(phase, 50)} {_q(phase, 95)} {_q(phase, 100)} |{_q(bound, 100)} |"
            f"{_q(peak, 50)} {_q(peak, 100)} |{_q(lumbar, 50)} {_q(lumbar, 100)}"
            f" {sum(s.lumbar_unmeasured for s in scores):3d} |"
            f" {sum(s.rounded_reps for s in scores):3d} {sum(s.rounded_flagged for s in scores):4d}"
            f"  {sum(s.neutral_reps for s in scores):4d} {sum(s.neutral_flagged for s in scores):4d} |"
            f" {sum(s.invented_phases for s in scores):5d} {sum(s.unmeasured_phases for s in scores):6d}"
        )
        for key, value in (
            ("missed", sum(s.missed for s in scores)),
            ("phantom", sum(s.phantom for s in scores)),
        ):
            totals[key] = totals.get(key, 0) + value
        if args.show_failures:
            for _, seed, score, err, case in rows:
                if score is None:
                    print(f"    seed {seed}: {err}")
                elif (
                    score.missed
                    or score.phantom
                    or case.get("others_counted")
                    or score.lumbar_unmeasured
                    or score.rounded_flagged < score.rounded_reps
                    or score.neutral_flagged
                    or max(score.phase_errors_s, default=0.0) > 0.1
                    or max(score.peak_errors_deg, default=0.0) > 1.0
                ):
                    print(
                        f"    seed {seed}: truth {score.truth_reps} got {score.reported_reps} "
                        f"(missed {score.missed}, phantom {score.phantom}, "
                        f"others {case.get('others_counted')}, "
                        f"lumbar unmeasured {score.lumbar_unmeasured}, rounded {score.rounded_flagged}/"
                        f"{score.rounded_reps}, neutral flagged {score.neutral_flagged}, worst phase "
                        f"{max(score.phase_errors_s, default=0.0):.3f} s, worst peak "
                        f"{max(score.peak_errors_deg, default=0.0):.2f} deg) {case}"
                    )
    speed_table(cats, results)
    patterns = [r for r in results if r[2] is not None and r[2].pattern_counts]
    if patterns:
        print("\nhinge or squat (reps by reported pattern), per true pattern:")
        for cat in cats:
            counts: dict[str, int] = {}
            sets: dict[str, int] = {}
            for r in patterns:
                if r[0] == cat:
                    for k, v in r[2].pattern_counts.items():
                        counts[k] = counts.get(k, 0) + v
                    sets[str(r[2].set_pattern)] = sets.get(str(r[2].set_pattern), 0) + 1
            if counts:
                print(f"  {cat:13s} reps {counts}  sets {sets}")


def speed_table(cats: list[str], results: list[tuple[str, int, SetScore | None, str, dict]]) -> None:
    """Rising speed against the truth, and a hip thrust's arching and lockout flags, per category."""
    head = (
        "\ncategory      speed % med  p95 worst | peak speed % med  p95 worst |"
        " arched  flat flags | short  full flags"
    )
    print(head)
    print("-" * len(head))
    for cat in cats:
        scores = [r[2] for r in results if r[0] == cat and r[2] is not None]
        speed = [e for s in scores for e in s.speed_errors_pct]
        peak = [e for s in scores for e in s.peak_speed_errors_pct]
        counts = []
        for name in ("arched", "flat", "short", "full"):
            flagged = sum(getattr(s, f"{name}_flagged") for s in scores)
            counts.append(f"{flagged}/{sum(getattr(s, f'{name}_reps') for s in scores)}")
        print(
            f"{cat:13s} {_q(speed, 50)} {_q(speed, 95)} {_q(speed, 100)} |"
            f"     {_q(peak, 50)} {_q(peak, 95)} {_q(peak, 100)} |"
            f" {counts[0]:>6} {counts[1]:>10} | {counts[2]:>5} {counts[3]:>10}"
        )


if __name__ == "__main__":
    main()
