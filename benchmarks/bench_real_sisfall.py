"""Real people: the SisFall data set's activity D16, one stoop bend per trial, counted as reps.

SisFall (A. Sucerquia, J. D. Lopez, J. F. Vargas-Bonilla, Sensors 17(1):198, 2017) has 38 people
wear a board at the waist (ADXL345 accelerometer, +-16 g at 13 bits; ITG3200 gyroscope, +-2000 deg/s
at 16 bits; 200 Hz). In D16 ("standing, slowly bending without bending knees, and getting up") each
12 s trial holds one bend. The data set carries no licence: it is read from a path you give and
nothing of it is kept. A copy is in the public GitHub repository Brisabrin/FallDetectionAlgorithm
(``SisFall_dataset/SAxx/D16_SAxx_Rnn.txt``, nine comma-separated raw columns per line, ``;`` at the
end).

Each trial is analysed as a hip hinge from its one sensor, at the waist: placed as ``sacrum`` (the
pelvis), which the analysis then follows as the only segment.
A trial counts as right with exactly one rep. The others are shown with what was found: a bend
shallower than the minimum depth at the waist (the back bent, not the hips), a bend cut by the end
of the trial (still more than a quarter of the way down when it ends), no rep found otherwise, or
more than one rep.

    python benchmarks/bench_real_sisfall.py PATH/TO/SisFall_dataset [--activity D16]
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import numpy as np

from imuhinge.analysis.replay import analyze
from imuhinge.errors import ImuhingeError
from imuhinge.model import G_MPS2, Recording, SensorStream

RATE_HZ = 200.0
ACC_G_PER_BIT = 32.0 / 2**13
GYR_DPS_PER_BIT = 4000.0 / 2**16


def read_trial(path: Path) -> Recording:
    """One SisFall trial as a recording (the ADXL345 and the ITG3200 columns)."""
    text = path.read_text().replace(";", "")
    raw = np.array([[float(v) for v in line.split(",")] for line in text.splitlines() if line.strip()])
    n = len(raw)
    acc = raw[:, 0:3] * ACC_G_PER_BIT * G_MPS2
    gyr = np.radians(raw[:, 3:6] * GYR_DPS_PER_BIT)
    stream = SensorStream("sacrum", np.arange(n) / RATE_HZ, acc, gyr, np.arange(n), RATE_HZ)
    return Recording({"sacrum": stream}, RATE_HZ, {"exercise": "hip_hinge", "source": path.name})


def classify(path: Path) -> tuple[str, str]:
    """(outcome, detail) of one trial."""
    try:
        report = analyze(read_trial(path), "hip_hinge")
    except ImuhingeError as exc:
        return "refused", str(exc)
    depths = ", ".join(f"{r.peak_trunk_flexion_deg:.0f}" for r in report.reps if r.peak_trunk_flexion_deg)
    if report.rep_count == 1:
        return "one rep", f"depth {depths} deg"
    if report.rep_count > 1:
        return "more than one", f"{report.rep_count} reps, depths {depths} deg"
    flex = report.trunk_flexion_deg
    finite = flex[np.isfinite(flex)] if flex is not None else np.empty(0)
    deepest = float(finite.max()) if len(finite) else 0.0
    if deepest < report.targets.min_depth_deg:
        return (
            "shallow bend",
            f"deepest {deepest:.0f} deg at the waist (minimum depth {report.targets.min_depth_deg:g})",
        )
    end_deg = float(np.median(finite[-int(RATE_HZ / 2) :]))
    if end_deg > 0.25 * deepest:
        return "cut at the end", f"bent {deepest:.0f} deg, still {end_deg:.0f} deg down when the trial ends"
    return "no movement", "; ".join(report.warnings)[:80]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path, help="the SisFall_dataset folder")
    parser.add_argument("--activity", default="D16")
    parser.add_argument("--show", action="store_true", help="list every trial that is not one rep")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    trials = sorted(args.path.glob(f"*/{args.activity}_*.txt"))
    if not trials:
        raise SystemExit(f"no {args.activity} trials under {args.path}")
    outcomes: dict[str, list[tuple[Path, str]]] = {}
    for path in trials:
        outcome, detail = classify(path)
        outcomes.setdefault(outcome, []).append((path, detail))
    print(f"SisFall {args.activity}: {len(trials)} trials, {len({p.parent.name for p in trials})} people\n")
    print(f"{'outcome':16s} {'trials':>7s} {'share':>7s}")
    for outcome in ("one rep", "shallow bend", "cut at the end", "no movement", "more than one", "refused"):
        got = outcomes.get(outcome, [])
        print(f"{outcome:16s} {len(got):7d} {100 * len(got) / len(trials):6.1f}%")
    one = len(outcomes.get("one rep", []))
    print(f"\nexactly one rep: {one} of {len(trials)} ({100 * one / len(trials):.1f} %, target >= 95 %)")
    if args.show:
        for outcome, items in outcomes.items():
            if outcome != "one rep":
                for path, detail in items:
                    print(f"  {outcome:16s} {path.parent.name}/{path.name}: {detail}")


if __name__ == "__main__":
    main()
