"""Live analyser: speed against real time, rep latency, and agreement with the replay.

A simulated two-sensor 200 Hz set is fed block by block in arrival order (as the BLE consumer does).
Targets (``docs/validation.md``): at least 100x faster than real time at 2 x 200 Hz; each rep
reported at most 300 ms (signal time) after its lockout; live and replay phase boundaries within 50 ms.

Run: python benchmarks/bench_live.py [--reps 40] [--block-s 0.05]
"""

from __future__ import annotations

import argparse
import time
from itertools import pairwise

import numpy as np

from imuhinge.analysis.live import LiveAnalyzer
from imuhinge.analysis.replay import analyze
from imuhinge.sim import SimConfig, simulate

BOUNDS = ("lower_onset_s", "lower_offset_s", "rise_onset_s", "rise_offset_s")


def run(cfg: SimConfig, block_s: float) -> dict[str, float]:
    sim = simulate(cfg)
    rec = sim.recording
    streams = list(rec.sensors.values())
    live = LiveAnalyzer(rec.sample_rate_hz, cfg.exercise, cfg.tempo, tuple(rec.sensors))
    blocks = []
    for s in streams:
        edges = np.arange(0.0, s.time_s[-1] + block_s, block_s)
        idx = np.searchsorted(s.time_s, edges)
        blocks += [(s.time_s[b - 1], s, a, b) for a, b in pairwise(idx) if b > a]
    blocks.sort(key=lambda x: x[0])
    latencies = []
    t0 = time.perf_counter()
    for _, s, a, b in blocks:
        status = live.feed(s.placement, s.time_s[a:b], s.seq[a:b], s.acc_mps2[a:b], s.gyr_rads[a:b])
        latencies += [status.time_s - r.end_s for r in status.new_reps]
    report = live.finish(rec.metadata)
    wall = time.perf_counter() - t0
    replay = analyze(rec, cfg.exercise, cfg.tempo)
    diffs = [
        abs(getattr(x, k) - getattr(y, k))
        for x, y in zip(report.reps, replay.reps, strict=False)
        for k in BOUNDS
    ]
    return {
        "signal_s": rec.duration_s,
        "wall_s": wall,
        "x_realtime": rec.duration_s / wall,
        "reps_live": report.rep_count,
        "reps_replay": replay.rep_count,
        "reps_truth": sim.truth["rep_count"],
        "latency_max_ms": 1000 * max(latencies),
        "latency_median_ms": 1000 * float(np.median(latencies)),
        "agree_max_ms": 1000 * max(diffs),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reps", type=int, default=40)
    parser.add_argument("--block-s", type=float, default=0.05)
    args = parser.parse_args()
    cases = {
        "rdl 3-1-2": SimConfig(reps=args.reps, seed=1),
        "rdl, 3% loss, random mount": SimConfig(
            reps=args.reps, packet_loss=0.03, random_mounting=True, seed=2
        ),
        "good morning 3-2-1": SimConfig(exercise="good_morning", tempo="3-2-1", reps=args.reps, seed=3),
        "kettlebell swing": SimConfig(exercise="kettlebell_swing", reps=args.reps, seed=4),
    }
    print(
        f"{'case':<28} {'signal s':>8} {'x realtime':>10} {'reps L/R/T':>11} {'latency med/max ms':>19} "
        f"{'live-replay max ms':>18}"
    )
    worst = {"x": np.inf, "lat": 0.0, "agree": 0.0}
    for name, cfg in cases.items():
        cfg.sensors, cfg.sample_rate_hz = ("upper_back", "sacrum"), 200.0
        r = run(cfg, args.block_s)
        worst = {
            "x": min(worst["x"], r["x_realtime"]),
            "lat": max(worst["lat"], r["latency_max_ms"]),
            "agree": max(worst["agree"], r["agree_max_ms"]),
        }
        reps = f"{r['reps_live']}/{r['reps_replay']}/{r['reps_truth']}"
        print(
            f"{name:<28} {r['signal_s']:8.0f} {r['x_realtime']:10.0f} {reps:>11} "
            f"{r['latency_median_ms']:9.0f}/{r['latency_max_ms']:<9.0f} {r['agree_max_ms']:18.1f}"
        )
    print(
        f"\nslowest {worst['x']:.0f}x real time (target >= 100, ratio {worst['x'] / 100:.1f}); "
        f"latest rep {worst['lat']:.0f} ms after lockout (target <= 300, ratio {worst['lat'] / 300:.2f}); "
        f"live vs replay {worst['agree']:.1f} ms (target <= 50, ratio {worst['agree'] / 50:.2f})"
    )


if __name__ == "__main__":
    main()
