"""Whole sessions and the metronome, on simulated sessions with ground truth.

Sessions: the simulator's sessions (sets of different sizes, rests of 35-120 s, standing or walking
about between sets, one or two sensors) go through the live path (the live analysis fed block by
block, the session recorder cutting and writing each set, each set file replayed) and through the
replay of the whole session recording. One row per condition: sessions run, sets found against the
truth's, reps per set right, worst rest error (live and replay), and whether live and replay cut the
same sets. Then the cases that must not split: a 15 s top pause, 25 s isometric holds.

Metronome: the live analysis fed block by block drives the cues; the plan comes from the truth's
rep starts and the prescription (``sim.cue_plan``). One row per prescription and lifter: cues
planned and sounded, missing and extra, median and worst timing error.

Run: python benchmarks/bench_session.py [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

import numpy as np

from imuhinge.analysis.live import LiveAnalyzer
from imuhinge.analysis.replay import analyze
from imuhinge.analysis.session import SessionLoads, analyze_session
from imuhinge.coaching.metronome import Metronome
from imuhinge.coaching.tempo import parse_tempo
from imuhinge.io import load_recording
from imuhinge.model import G_MPS2, Exercise
from imuhinge.session_recorder import SessionRecorder
from imuhinge.sim import SimConfig, SimulatedSet, simulate
from imuhinge.sim.cue_plan import planned_cues, score_cues
from imuhinge.sources.ble.clock import SampleBlock
from imuhinge.sources.timing import RealClock

BLOCK = 4  # samples per block, as a BLE notification brings them


def blocks(sim: SimulatedSet):
    """The simulated streams as the recorder's sample blocks, in time order."""
    rec = sim.recording
    parts = []
    for placement, s in rec.sensors.items():
        for i in range(0, len(s), BLOCK):
            k = slice(i, i + BLOCK)
            block = SampleBlock(
                placement, s.time_s[k], s.seq[k], s.acc_mps2[k] / G_MPS2, np.degrees(s.gyr_rads[k])
            )
            parts.append((float(s.time_s[k][-1]), block))
    return [b for _, b in sorted(parts, key=lambda p: p[0])]


async def record_live(sim: SimulatedSet, folder: Path):
    """The live path: the session recorder fed as the recorder feeds it; returns each set's cut and
    its replayed report."""
    rec = sim.recording
    live = LiveAnalyzer(rec.sample_rate_hz, placements=tuple(rec.placements))
    session = SessionRecorder(
        folder / "s.csv",
        30.0,
        SessionLoads(),
        lambda cut, path: (cut, analyze(load_recording(path))),
        lambda _: None,
    )
    session.start(RealClock())
    session.opened(rec.sample_rate_hz, dict(rec.metadata))
    for block in blocks(sim):
        session.block(block)
        session.live(
            live.feed(
                block.placement, block.time_s, block.seq, block.acc_g * G_MPS2, np.radians(block.gyr_dps)
            )
        )
    await session.finish()
    return session.results


def session_case(sets, rest_s, walk_s, sensors, seed):
    cfg = SimConfig(sets=sets, rest_between_s=rest_s, walk_between_s=walk_s, sensors=sensors, seed=seed)
    sim = simulate(cfg)
    truth = sim.truth["sets"]
    with tempfile.TemporaryDirectory() as folder:
        live = asyncio.run(record_live(sim, Path(folder)))
    replay = analyze_session(sim.recording)
    found = {
        "live": [(cut.number, report.rep_count, cut.rest_before_s) for cut, report in live],
        "replay": [(s.cut.number, s.report.rep_count, s.cut.rest_before_s) for s in replay],
    }
    out = {"truth_sets": len(truth), "same_cuts": len(live) == len(replay)}
    if out["same_cuts"]:
        out["same_cuts"] = all(
            abs(a.start_s - b.cut.start_s) < 0.1 and abs(a.end_s - b.cut.end_s) < 0.1
            for (a, _), b in zip(live, replay, strict=True)
        )
    for path, sets_found in found.items():
        out[f"{path}_sets"] = len(sets_found)
        out[f"{path}_reps_ok"] = len(sets_found) == len(truth) and all(
            n == t["rep_count"] for (_, n, _), t in zip(sets_found, truth, strict=True)
        )
        errors = [
            abs(r - t["rest_before_s"])
            for (_, _, r), t in zip(sets_found, truth, strict=False)
            if r is not None and t["rest_before_s"] is not None
        ]
        out[f"{path}_rest_err"] = max(errors, default=0.0)
    return out


def not_a_rest_case(kind, seed):
    if kind == "15 s top pause":
        cfg = SimConfig(reps=6, tempo="3-1-2-15", target_tempo="3-1-2-15", seed=seed)
    else:
        cfg = SimConfig(exercise=Exercise.HINGE_HOLD, reps=3, hold_s=25.0, seed=seed)
    sim = simulate(cfg)
    sets = analyze_session(sim.recording)
    return len(sets), sum(s.report.rep_count for s in sets), sim.truth["rep_count"]


def metronome_case(prescription, lifter, seed):
    sim = simulate(
        SimConfig(
            sets=(6, 5),
            rest_between_s=40.0,
            walk_between_s=20.0,
            tempo=lifter,
            target_tempo=prescription,
            seed=seed,
        )
    )
    stream = sim.recording.sensors["upper_back"]
    tempo = parse_tempo(prescription)
    live, met = LiveAnalyzer(sim.recording.sample_rate_hz, tempo=prescription), Metronome(tempo)
    for i in range(0, len(stream), BLOCK):
        k = slice(i, i + BLOCK)
        status = live.feed(
            "upper_back", stream.time_s[k], stream.seq[k], stream.acc_mps2[k], stream.gyr_rads[k]
        )
        met.update(status.time_s, status.rep_start_s, status.moving_since_s)
    plan = planned_cues(sim.truth["reps"], tempo.eccentric_s, tempo.bottom_s, tempo.concentric_s, tempo.top_s)
    score = score_cues(plan, [(c.time_s, c.kind.value) for c in met.cues])
    return len(plan), len(met.cues), len(score.missing), len(score.extra), [abs(e) for e in score.errors_s]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one seed per condition")
    args = parser.parse_args()
    seeds = range(1) if args.quick else range(3)
    t0 = time.perf_counter()

    print("Sessions: live path (recorder) and replay of the session recording, against the truth")
    print(f"{'rest':>5} {'between sets':<12} {'sensors':<8} {'runs':>4} {'sets ok':>8} {'reps ok':>8} "
          f"{'rest err live':>13} {'rest err replay':>15} {'same cuts':>9}")  # fmt: skip
    conditions = [
        (rest, walk, sensors)
        for rest in (35.0, 60.0, 120.0)
        for walk in (0.0, 1.0)
        for sensors in (("upper_back",), ("upper_back", "sacrum"))
    ]
    totals = {"runs": 0, "ok": 0}
    for rest, walk, sensors in conditions:
        if args.quick and len(sensors) == 2 and rest != 60.0:
            continue
        rows = [session_case((8, 10, 6), rest, (rest - 15.0) * walk, sensors, seed) for seed in seeds]
        sets_ok = sum(r["live_sets"] == r["replay_sets"] == r["truth_sets"] for r in rows)
        reps_ok = sum(r["live_reps_ok"] and r["replay_reps_ok"] for r in rows)
        totals["runs"] += len(rows)
        totals["ok"] += sum(r["live_reps_ok"] and r["replay_reps_ok"] and r["same_cuts"] for r in rows)
        sensors_text = "+".join(s[:2] for s in sensors)
        live_err = max(r["live_rest_err"] for r in rows)
        replay_err = max(r["replay_rest_err"] for r in rows)
        print(
            f"{rest:>4.0f}s {'walking' if walk else 'standing':<12} {sensors_text:<8} {len(rows):>4} "
            f"{sets_ok:>4}/{len(rows):<3} {reps_ok:>4}/{len(rows):<3} "
            f"{live_err:>11.3f} s {replay_err:>13.3f} s "
            f"{sum(r['same_cuts'] for r in rows):>5}/{len(rows)}"
        )
    right = f"{totals['ok']}/{totals['runs']}"
    print(f"sessions with every set and rep right, live and replay cutting the same sets: {right}")
    print()
    print("Not a rest (the threshold is 30 s without a rep)")
    for kind in ("15 s top pause", "25 s holds"):
        found = [not_a_rest_case(kind, seed) for seed in seeds]
        sets_found, reps, truth = ([f[k] for f in found] for k in range(3))
        print(f"  {kind:<15} sets found {sets_found}, reps {reps} of {truth}")
    print()
    print("Metronome: cues from the live analysis against the plan from the truth (2 sets, walking rest)")
    print(f"{'prescription':<13} {'lifter':<9} {'planned':>7} {'sounded':>7} {'missing':>7} {'extra':>5} "
          f"{'median':>8} {'worst':>8}")  # fmt: skip
    cases = [("3-1-2-1", "3-1-2-1"), ("3-1-2-1", "3-1-2-2"), ("3-1-2-2", "3-1-2-0"), ("3-1-2", "3-1-2"),
             ("3-2-1-1", "3-2-1-1"), ("2-0-1-1", "2-0-1-1"), ("1-0-1-1", "1-0-1-1"),
             ("5-1-3-1", "5-1-3-2")]  # fmt: skip
    worst_all = 0.0
    for prescription, lifter in cases:
        runs = [metronome_case(prescription, lifter, seed) for seed in seeds]
        errors = [e for r in runs for e in r[4]]
        worst_all = max(worst_all, max(errors))
        print(
            f"{prescription:<13} {lifter:<9} {sum(r[0] for r in runs):>7} {sum(r[1] for r in runs):>7} "
            f"{sum(r[2] for r in runs):>7} {sum(r[3] for r in runs):>5} {1000 * np.median(errors):>6.1f}ms "
            f"{1000 * max(errors):>6.1f}ms"
        )
    print(f"worst cue timing error: {1000 * worst_all:.1f} ms (target: within 20 ms)")
    print(f"({time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main()
