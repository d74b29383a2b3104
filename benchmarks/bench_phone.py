"""Phones: accuracy through every phone path, live latency, and the push receiver under load and abuse.

1. Simulated sets through each phone path, against the simulator's truth: every import format (files
   written from the formats' published layouts) and the live paths (emulated phones on loopback,
   real HTTP, the recorder), with Wi-Fi drops, repeated and reordered pushes. Targets: rep count
   exact; phase durations within 100 ms (worst) and 20 ms (median).
2. Live latency: signal time from a rep's lockout to the rep in the live view, with a 200 ms poll or
   push interval. Target: at most 400 ms.
3. The push receiver at 10 pushes/s for ``--minutes`` (run faster than real time): every sample
   delivered, memory flat (traced Python memory after the first minute and at the end).
4. The push receiver against ``--fuzz`` malformed, unauthorised and oversize requests: no crash,
   nothing delivered, still answering a valid push afterwards.

Run: python benchmarks/bench_phone.py [--sets 3] [--reps 8] [--speed 20] [--minutes 10] [--fuzz 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

from imuhinge.analysis.replay import analyze
from imuhinge.io import load_recording
from imuhinge.io.load import load_any
from imuhinge.recorder import RecordOptions, record_simulated
from imuhinge.sim import SimConfig, simulate
from imuhinge.sources.emulated.phone import PhoneFaults
from imuhinge.sources.emulated.phone import exports as ex
from imuhinge.sources.emulated.phone.push_client import EmulatedSensorLogger
from imuhinge.sources.emulated.phone.sampling import PhoneMotion, phone_motion
from imuhinge.sources.emulated.time_base import EmulatedTime
from imuhinge.sources.phone import PhoneTarget
from imuhinge.sources.phone.http import request
from imuhinge.sources.phone.sensorlogger import SensorLoggerSource

PHASES = ("eccentric_s", "bottom_s", "concentric_s", "top_s")
TEMPO = "3-1-2-3"  # a 3 s rest at the top, where a drop "in a pause" falls

IMPORTS = {
    "phyphox zip (Android labels)": lambda d, m: ex.write_phyphox(d / "p.zip", m),
    "phyphox zip (iOS labels, ; and ,)": lambda d, m: ex.write_phyphox(
        d / "pi.zip", m, platform="ios", separator=";", decimal_mark=","
    ),
    "phyphox one CSV (tab)": lambda d, m: ex.write_phyphox(d / "p.csv", m, single_csv=True, separator="\t"),
    "Sensor Logger zip (Android)": lambda d, m: ex.write_sensorlogger(d / "s.zip", m),
    "Sensor Logger folder (iOS)": lambda d, m: ex.write_sensorlogger(
        d / "si", m, platform="ios", archive=False
    ),
    "MetaWear MetaBase CSV pair": lambda d, m: ex.write_metawear(d, m)[0],
    "Polar Sensor Logger TXT pair": lambda d, m: ex.write_polar(d, m)[0],
}


def matched(report, truth) -> list[tuple]:
    """Each found rep with its true rep, by the time of its deepest point (the recording's clock
    starts where the phone's first sample is: its offset is taken from the first rep)."""
    if not report.reps:
        return []
    offset = report.reps[0].peak_time_s - truth["reps"][0]["peak_time_s"]
    pairs = []
    for want in truth["reps"]:
        near = [r for r in report.reps if abs(r.peak_time_s - offset - want["peak_time_s"]) < 1.0]
        if near:
            pairs.append((near[0], want))
    return pairs


def phase_errors(report, truth) -> list[float]:
    return [
        abs(getattr(rep, key) - want[key])
        for rep, want in matched(report, truth)
        for key in PHASES
        if want[key] is not None and getattr(rep, key) is not None
    ]


def live_run(cfg: SimConfig, app: str, faults: PhoneFaults | None, speed: float) -> tuple:
    folder = Path(tempfile.mkdtemp(prefix="bench-phone-"))
    opts = RecordOptions(
        [],
        folder / "set.csv",
        cfg.exercise,
        cfg.target_tempo,
        100.0,
        phones=[PhoneTarget("upper_back", app, "", 0)],
    )
    latencies: list[float] = []
    path, _, _ = asyncio.run(
        record_simulated(
            opts,
            cfg,
            speed=speed,
            phone_faults=faults,
            on_live=lambda s: latencies.extend(s.time_s - r.end_s for r in s.new_reps),
        )
    )
    return load_recording(path), latencies


def accuracy(args: argparse.Namespace) -> list[float]:
    rows: dict[str, dict] = {}
    all_latencies: list[float] = []

    def add(name: str, report, truth, gaps_s: tuple[float, ...] = ()) -> None:
        row = rows.setdefault(name, {"found": 0, "truth": 0, "errors": [], "gaps_s": []})
        row["found"] += report.rep_count
        row["truth"] += truth["rep_count"]
        row["errors"] += phase_errors(report, truth)
        row["gaps_s"] += gaps_s

    for seed in range(args.sets):
        cfg = SimConfig(reps=args.reps, tempo=TEMPO, seed=seed, sample_rate_hz=200.0)
        sim = simulate(cfg)
        truth = sim.truth
        motion = phone_motion(sim.recording.sensors["upper_back"], seed=seed)
        for name, write in IMPORTS.items():
            folder = Path(tempfile.mkdtemp(prefix="bench-phone-"))
            add(f"import: {name}", analyze(load_any(write(folder, motion))), truth)
        mid = truth["reps"][args.reps // 2]["peak_time_s"] - 1.0
        rest = truth["reps"][args.reps // 2]["rise_offset_s"] + 0.4
        live = {
            ("phyphox", "no faults"): None,
            ("phyphox", "2 s Wi-Fi drop mid-rep"): PhoneFaults(wifi_drops=((mid, 2.0),)),
            ("sensorlogger", "no faults"): None,
            ("sensorlogger", "10 % repeated, 10 % reordered"): PhoneFaults(
                duplicate=0.1, reorder=0.1, seed=seed
            ),
            ("sensorlogger", "2 s Wi-Fi drop in a rest"): PhoneFaults(wifi_drops=((rest, 2.0),)),
            ("sensorlogger", "1.5 s Wi-Fi drop mid-rep"): PhoneFaults(wifi_drops=((mid, 1.5),)),
            ("sensorlogger", "2 s Wi-Fi drop mid-rep"): PhoneFaults(wifi_drops=((mid, 2.0),)),
        }
        for (app, what), faults in live.items():
            rec, latencies = live_run(cfg, app, faults, args.speed)
            if faults is None:
                all_latencies += latencies
            gaps_s = tuple(g.end_s - g.start_s for g in rec.gaps)
            add(f"live {app}: {what}", analyze(rec), truth, gaps_s)
    print(
        f"\n1. Accuracy against the truth ({args.sets} sets x {args.reps} reps, tempo {TEMPO}, 200 Hz motion)"
    )
    print(f"{'path':<58} {'reps found/truth':>17} {'phase err med/max ms':>21}  gaps marked")
    for name, row in rows.items():
        errors = np.array(row["errors"]) * 1000
        gaps = (
            f"{len(row['gaps_s'])}, {min(row['gaps_s']):.2f}-{max(row['gaps_s']):.2f} s"
            if row["gaps_s"]
            else "-"
        )
        print(
            f"{name:<58} {row['found']:>8}/{row['truth']:<8} {np.median(errors):9.0f}/{errors.max():<10.0f}  "
            f"{gaps}"
        )
    return all_latencies


def latency(latencies: list[float]) -> None:
    ms = np.array(latencies) * 1000
    print("\n2. Live latency, signal time from lockout to the rep in the live view (200 ms poll/push)")
    print(
        f"{len(ms)} reps: median {np.median(ms):.0f} ms, 95th percentile {np.percentile(ms, 95):.0f} ms, "
        f"max {ms.max():.0f} ms (target <= 400, ratio {ms.max() / 400:.2f})"
    )


def standing_motion(minutes: float, seed: int = 0) -> PhoneMotion:
    rng = np.random.default_rng(seed)
    acc_t = np.arange(int(minutes * 60 * 99.3)) / 99.3
    gyr_t = 0.004 + np.arange(int(minutes * 60 * 103.7)) / 103.7
    acc = np.array([0.0, 0.0, 9.80665]) + rng.normal(0, 0.02, (len(acc_t), 3))
    return PhoneMotion(acc_t, acc, gyr_t, rng.normal(0, 0.001, (len(gyr_t), 3)))


async def throughput(minutes: float, speed: float) -> dict:
    clock = EmulatedTime(speed)
    delivered = [0]
    source = SensorLoggerSource(
        "upper_back", "127.0.0.1", 0, lambda b: delivered.__setitem__(0, delivered[0] + len(b)), clock=clock
    )
    task = asyncio.create_task(source.run())
    await source.listening.wait()
    motion = standing_motion(minutes)
    client = EmulatedSensorLogger(motion, clock, source.url("127.0.0.1"), batch_s=0.1, origin_s=clock.now_s())
    tracemalloc.start()
    pushing = asyncio.create_task(client.run())
    memory = []
    wall = time.perf_counter()
    while not pushing.done():
        await clock.sleep(60.0)
        memory.append(tracemalloc.get_traced_memory()[0])
    await pushing
    await clock.sleep(1.0)
    source.stop()
    await task
    wall = time.perf_counter() - wall
    tracemalloc.stop()
    return {
        "pushes": client.stats.posts,
        "accepted": source.accepted,
        "status": client.stats.statuses,
        "acc_sent": len(motion.acc_time_s),
        "received": source.stream.stats.acc_samples,
        "delivered": delivered[0],
        "first_min_mib": memory[0] / 2**20,
        "end_mib": memory[-1] / 2**20,
        "wall_s": wall,
        "signal_s": motion.acc_time_s[-1],
    }


def _junk_request(rng: np.random.Generator, path: str) -> bytes:
    kind = int(rng.integers(0, 7))
    junk = bytes(rng.integers(0, 256, int(rng.integers(0, 600)), dtype=np.uint8))
    good = json.dumps({"messageId": 1, "sessionId": "s", "deviceId": "d", "payload": []})
    bodies = [
        junk,
        f"POST {path} HTTP/1.1\r\nContent-Length: {len(junk)}\r\n\r\n".encode() + junk,
        f"POST {path} HTTP/1.1\r\nContent-Length: {rng.integers(10**7, 10**12)}\r\n\r\n".encode(),
        f"POST /push/{'x' * 10} HTTP/1.1\r\nContent-Length: {len(good)}\r\n\r\n{good}".encode(),
        f"POST /push HTTP/1.1\r\nContent-Length: {len(good)}\r\n\r\n{good}".encode(),
        f"GET {path} HTTP/1.1\r\n\r\n".encode(),
        f"POST {path} HTTP/1.1\r\nContent-Length: 300\r\n\r\n".encode() + b"[" * 300,
    ]
    return bodies[kind]


async def fuzz(n: int) -> dict:
    blocks: list = []
    source = SensorLoggerSource("upper_back", "127.0.0.1", 0, blocks.append, max_body_bytes=1 << 20)
    task = asyncio.create_task(source.run())
    await source.listening.wait()
    rng = np.random.default_rng(14)
    path = f"/push/{source.token}"
    for _ in range(n):
        reader, writer = await asyncio.open_connection("127.0.0.1", source.port)
        writer.write(_junk_request(rng, path))
        await writer.drain()
        writer.write_eof()
        await reader.read()
        writer.close()
    alive = not task.done()
    delivered = len(blocks) + source.accepted
    body = json.dumps({"messageId": 0, "sessionId": "s", "deviceId": "d", "payload": []}).encode()
    status, _ = await request("POST", "127.0.0.1", source.port, path, body)
    source.stop()
    await task
    return {
        "alive": alive,
        "delivered": delivered,
        "after": status,
        "refused": dict(sorted(source.refused.items())),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sets", type=int, default=3)
    parser.add_argument("--reps", type=int, default=8)
    parser.add_argument(
        "--speed", type=float, default=5.0, help="emulation speed of the live sets (latency is in their time)"
    )
    parser.add_argument("--minutes", type=float, default=10.0, help="length of the throughput run")
    parser.add_argument("--throughput-speed", type=float, default=30.0)
    parser.add_argument("--fuzz", type=int, default=10_000)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)  # the receiver logs every refusal; not here
    latency(accuracy(args))

    t = asyncio.run(throughput(args.minutes, args.throughput_speed))
    print(f"\n3. Push receiver at 10 pushes/s for {args.minutes:g} min ({t['signal_s']:.0f} s of phone time)")
    print(
        f"{t['pushes']} pushes, {t['accepted']} accepted ({t['status']}); accelerometer samples sent "
        f"{t['acc_sent']}, received {t['received']} (lost {t['acc_sent'] - t['received']}), merged and "
        f"handed on {t['delivered']} (the rest after the gyroscope's last sample); traced memory "
        f"{t['first_min_mib']:.2f} MiB after 1 min, {t['end_mib']:.2f} MiB at the end; "
        f"{t['wall_s']:.0f} s wall ({t['signal_s'] / t['wall_s']:.0f}x real time)"
    )

    f = asyncio.run(fuzz(args.fuzz))
    print(f"\n4. Push receiver against {args.fuzz} bad requests")
    print(
        f"crashes: {0 if f['alive'] else 1}; samples or messages taken from them: {f['delivered']}; "
        f"a valid push afterwards: {f['after']}; refused by status: {f['refused']}"
    )


if __name__ == "__main__":
    main()
