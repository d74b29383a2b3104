"""The virtual dowel: the neck angle and the three clocks on simulated three-sensor sets.

Two tables, each row scored against truth from the noise-free body:

1. The simulator (``imuhinge.sim.simulate``): upper back, sacrum and head, each strapped on in a
   random orientation, 1 deg/s gyro bias, 2 % packet loss, the sacrum's and the head's clocks off by
   up to 0.5 s and 100 ppm; the head drops or cranes by 0, 5, 10, 15, 20 and 25 deg in random order
   over six reps, and looks around (turns between reps, glances to the side at the bottom of every
   other rep, a look at the floor before the set). One row per exercise and rate.
2. The stress generator (``imuhinge.sim.stress``, its own body: neck joint, head lever and standing
   posture drawn, drops and cranes of 15-25 deg in half the reps, turns, rolls, sensor errors, phone
   timestamps for ``jitter``): its ``dowel`` sets, and the other categories with a head added.

Columns: sets whose head could not be used (``unused``); reps scored; worst error of the neck peaks
(flexion and extension, deg: median and worst); the worst a plain sagittal projection of the head
would have given (what looking around costs without the turn-tolerant flexion); reps with a drop or
crane of 15 deg or more and how many were flagged; reps within 5 deg and how many were falsely
flagged; reps whose neck was not measured (a hole in the head's data); the head's and the sacrum's
clock alignment error in sample periods (worst over each set's samples; median and worst over sets,
simulator only).

Run: python benchmarks/bench_dowel.py [--quick] [--stress-sets 24]
"""

from __future__ import annotations

import argparse
import itertools
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from imuhinge.analysis.replay import analyze, body_angles
from imuhinge.coaching.cues import CueCode
from imuhinge.io import load_recording
from imuhinge.model import Recording, SetReport
from imuhinge.signal.orientation import up_in_sensor
from imuhinge.sim import SimConfig, simulate
from imuhinge.sim.scoring import match_reps
from imuhinge.sim.stress import stress_set

EXCURSIONS_DEG = (0.0, 5.0, 10.0, 15.0, 20.0, 25.0)
EXERCISES = ("rdl", "hip_hinge", "good_morning", "single_leg_rdl", "deadlift", "kettlebell_swing")
STRESS = ("dowel", "hinge", "single_leg", "distractions", "gaps", "deadlift", "swing", "jitter")
OFF_DEG, NEUTRAL_DEG = 15.0, 5.0
HEAD_CUES = {CueCode.HEAD_DROPPED, CueCode.NECK_CRANED}


def plain_neck_deg(rec: Recording) -> tuple[np.ndarray, np.ndarray] | None:
    """Trunk times and the neck angle a plain sagittal projection of the head would give."""
    body = body_angles(rec)
    if body.head is None or body.head_alignment is None:
        return None
    cal = body.head.calibration
    assert cal.sagittal_axis is not None
    up = up_in_sensor(body.head.quat)
    forward = np.cross(cal.up_sensor, cal.sagittal_axis)
    head = np.degrees(np.arctan2(up @ forward, up @ cal.up_sensor))
    at = body.head_alignment.to_pelvis_time(body.trunk.time_s)
    head_on_trunk = np.interp(at, body.head.time_s, head, left=np.nan, right=np.nan)
    return body.trunk.time_s, head_on_trunk - body.trunk.flexion_deg


def score(
    report: SetReport, truth_reps: list[dict[str, Any]], plain: tuple[np.ndarray, np.ndarray] | None
) -> dict:
    """Neck errors, flags and false flags of one set."""
    out: dict[str, Any] = {
        "errs": [],
        "plain": [],
        "off": 0,
        "flagged": 0,
        "neutral": 0,
        "false": 0,
        "unmeasured": 0,
    }
    out["unused"] = not report.measured.get("neck_flexion")
    if out["unused"]:
        return out
    for i, j in match_reps(truth_reps, report.reps):
        t, r = truth_reps[i], report.reps[j]
        if r.peak_neck_flexion_deg is None or r.peak_neck_extension_deg is None:
            out["unmeasured"] += 1
            continue
        flexion, extension = t["peak_neck_flexion_deg"], t["peak_neck_extension_deg"]
        out["errs"].append(
            max(abs(r.peak_neck_flexion_deg - flexion), abs(r.peak_neck_extension_deg - extension))
        )
        if plain is not None:
            time_s, neck = plain
            part = neck[(time_s >= r.start_s) & (time_s <= r.end_s)]
            worst = max(abs(np.nanmax(part) - flexion), abs(max(0.0, -np.nanmin(part)) - extension))
            out["plain"].append(worst)
        cued = {c.code for c in r.cues} & HEAD_CUES
        for value, code in ((flexion, CueCode.HEAD_DROPPED), (extension, CueCode.NECK_CRANED)):
            if value >= OFF_DEG:
                out["off"] += 1
                out["flagged"] += code in cued
        if max(flexion, extension) <= NEUTRAL_DEG:
            out["neutral"] += 1
            out["false"] += bool(cued)
    return out


def run_sim(exercise: str, rate_hz: float, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    signed = rng.permutation(EXCURSIONS_DEG) * rng.choice([-1.0, 1.0], len(EXCURSIONS_DEG))
    drops = {k: float(v) for k, v in enumerate(signed, start=1) if v > 0}
    cranes = {k: float(-v) for k, v in enumerate(signed, start=1) if v < 0}
    offsets = {p: float(rng.uniform(-0.5, 0.5)) for p in ("sacrum", "head")}
    drifts = {p: float(rng.uniform(-100.0, 100.0)) for p in ("sacrum", "head")}
    sim = simulate(
        SimConfig(
            exercise=exercise, reps=len(EXCURSIONS_DEG), sensors=("upper_back", "sacrum", "head"),
            head_drop_reps=drops, neck_crane_reps=cranes, look_around=True, random_mounting=True,
            gyro_bias_dps=1.0, packet_loss=0.02, clock_offset_s=offsets, clock_drift_ppm=drifts,
            sample_rate_hz=rate_hz, seed=seed,
        )
    )  # fmt: skip
    rec = sim.recording
    report = analyze(rec)
    out = score(report, sim.truth["reps"], plain_neck_deg(rec))
    body = body_angles(rec)
    for placement, alignment in (("sacrum", body.alignment), ("head", body.head_alignment)):
        stream = rec.sensors[placement]
        true_s = stream.seq / (rate_hz * (1.0 + drifts[placement] * 1e-6))
        out[f"align_{placement}"] = (
            np.nan
            if alignment is None
            else float(np.max(np.abs(alignment.to_trunk_time(stream.time_s) - true_s)) * rate_hz)
        )
    return out


def run_stress(category: str, seed: int) -> dict:
    stress = stress_set(category, seed, head=True)
    rec = stress.recording
    if stress.csv_text is not None:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "phone.csv"
            path.write_text(stress.csv_text)
            rec = load_recording(path)
    report = analyze(rec, stress.truth["exercise"])
    return score(report, stress.truth["reps"], plain_neck_deg(rec))


def _q(values: list[float], q: float) -> str:
    return f"{np.percentile(values, q):6.2f}" if values else "     -"


def print_row(name: str, rows: list[dict], align: bool) -> None:
    errs = [e for r in rows for e in r["errs"]]
    plain = [e for r in rows for e in r["plain"]]
    cells = (
        f"{name:<24} {len(rows):>4} {sum(r['unused'] for r in rows):>6} {len(errs):>4} |"
        f"{_q(errs, 50)} {_q(errs, 100)} |{_q(plain, 100)} |"
        f" {sum(r['flagged'] for r in rows):>3}/{sum(r['off'] for r in rows):<3}"
        f" {sum(r['false'] for r in rows):>3}/{sum(r['neutral'] for r in rows):<4}"
        f" {sum(r['unmeasured'] for r in rows):>5}"
    )
    if align:
        for placement in ("head", "sacrum"):
            a = np.array([r[f"align_{placement}"] for r in rows])
            cells += f" | {np.nanmedian(a):6.2f} {np.nanmax(a):6.2f}"
    print(cells)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="RDL at 100 Hz only, few stress sets")
    parser.add_argument("--stress-sets", type=int, default=24, help="stress sets per category")
    args = parser.parse_args()
    t0 = time.perf_counter()
    exercises = EXERCISES[:1] if args.quick else EXERCISES
    rates = (100.0,) if args.quick else (50.0, 100.0, 200.0)
    seeds = 2 if args.quick else 3
    head = (
        f"{'':<24} {'sets':>4} {'unused':>6} {'reps':>4} | neck err med  worst | plain |"
        f" drops/off  false/ok unmeas"
    )
    print("simulator: three sensors, random mountings, clocks off, looking around")
    print(head + " | head align med worst | sacrum align med worst")
    results = []
    seed = 0
    for exercise, rate in itertools.product(exercises, rates):
        rows = []
        for _ in range(seeds):
            seed += 1
            rows.append(run_sim(exercise, rate, seed))
        results += rows
        print_row(f"{exercise} {rate:g} Hz", rows, align=True)
    print_row("all", results, align=True)
    print("\nstress generator: its own body, a head on every set")
    print(head)
    n = 4 if args.quick else args.stress_sets
    everything = []
    for category in STRESS[:2] if args.quick else STRESS:
        rows = [run_stress(category, 2000 + k) for k in range(n)]
        everything += rows
        print_row(category, rows, align=False)
    print_row("all", everything, align=False)
    print(f"\n{time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
