"""Timestamps as phones log them: how far the analysis holds as their jitter grows.

Stress sets of the ``jitter`` category (``imuhinge.sim.stress``: phone-style rows stamped on arrival in
whole milliseconds, late bursts after holes of 0.1-0.5 s, 1 % of rows logged twice, a nominal header
rate 2-5 % off the real one) are written as CSV files with samples stamped up to J sample periods
late, J from 0 to 5, loaded with ``load_recording`` and analysed. Per J: files refused, reps missed
and phantom, phase errors, peak flexion errors against the truth of the noise-free motion.

    python benchmarks/bench_jitter.py [--sets 16] [--jobs 2]
"""

from __future__ import annotations

import argparse
import logging
import os
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from imuhinge.analysis.replay import analyze
from imuhinge.errors import ImuhingeError
from imuhinge.io import load_recording
from imuhinge.sim.scoring import SetScore, score_set
from imuhinge.sim.stress import stress_set

JITTERS = (0.0, 0.3, 0.8, 1.2, 2.0, 3.0, 5.0)


def run_one(jitter: float, seed: int) -> tuple[float, SetScore | None, str]:
    logging.disable(logging.WARNING)
    stress = stress_set("jitter", seed, jitter)
    assert stress.csv_text is not None
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "phone.csv"
        path.write_text(stress.csv_text)
        try:
            report = analyze(load_recording(path), stress.truth["exercise"])
        except ImuhingeError as exc:
            return jitter, None, str(exc)
    return jitter, score_set(report, stress.truth), ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", type=int, default=16, help="sets per jitter level")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    jobs = [(j, 2000 + k) for j in JITTERS for k in range(args.sets)]
    with ProcessPoolExecutor(args.jobs) as pool:
        results = list(pool.map(run_one, *zip(*jobs, strict=True)))
    print("jitter (periods)  sets refused  truth missed phantom | phase med   worst | peak med  worst")
    for j in JITTERS:
        rows = [r for r in results if r[0] == j]
        scores = [r[1] for r in rows if r[1] is not None]
        phase = [e for s in scores for e in s.phase_errors_s]
        peak = [e for s in scores for e in s.peak_errors_deg]
        print(
            f"{j:16.1f} {len(rows):5d} {len(rows) - len(scores):7d} {sum(s.truth_reps for s in scores):6d}"
            f" {sum(s.missed for s in scores):6d} {sum(s.phantom for s in scores):7d} |"
            f" {np.median(phase) if phase else np.nan:8.3f} {max(phase, default=np.nan):7.3f} |"
            f" {np.median(peak) if peak else np.nan:8.2f} {max(peak, default=np.nan):6.2f}"
        )
        for _, _, error in rows:
            if error:
                print(f"    refused: {error[:140]}")


if __name__ == "__main__":
    main()
