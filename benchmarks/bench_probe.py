"""Probe at scale: damaged recordings, random packets per decoder and damaged training logs, counted.

The same cases as ``tests/test_probe.py`` (``imuhinge.probe``), more of them, each run as a user runs
the command (in this process). Every outcome is sorted: exit 0 with plausible results, exit 2 with
one error line, or a failure of the probe's targets: a traceback, another exit status or more error
lines, exit-0 results outside physical bounds, an input changed.

Run: ``python benchmarks/bench_probe.py [--recordings 2000] [--packets 100000] [--logs 200] [--seed 1]``
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import time
from collections import Counter
from pathlib import Path

from imuhinge.io import save_recording
from imuhinge.probe import (
    MUTATIONS,
    packets,
    probe_decoder,
    probe_log,
    probe_profiles,
    probe_recording,
    run_command,
)
from imuhinge.sim import SimConfig, simulate


def _base(folder: Path, seed: int) -> bytes:
    path = folder / "base.csv"
    sim = simulate(SimConfig(reps=3, sensors=("upper_back", "sacrum"), sample_rate_hz=50.0, seed=seed))
    save_recording(sim.recording, path)
    return path.read_bytes()


def recordings(n: int, seed: int, folder: Path) -> int:
    base = _base(folder, seed)
    kinds = list(MUTATIONS)
    counts: dict[str, Counter] = {kind: Counter() for kind in kinds}
    failures = []
    t0 = time.perf_counter()
    for index in range(n):
        probe = probe_recording(base, index, seed, folder)
        kind = kinds[index % len(kinds)]
        outcome = probe.outcome
        if outcome.status is None:
            verdict = "traceback"
        elif not outcome.sound:
            verdict = "bad exit"
        elif probe.implausible:
            verdict = "implausible"
        elif probe.modified:
            verdict = "input changed"
        else:
            verdict = f"exit {outcome.status}"
        counts[kind][verdict] += 1
        if not verdict.startswith("exit "):
            failures.append((probe.name, verdict, outcome.exception or outcome.errors or probe.implausible))
    elapsed = time.perf_counter() - t0
    columns = ["exit 0", "exit 2", "traceback", "bad exit", "implausible", "input changed"]
    per_case_ms = 1e3 * elapsed / max(n, 1)
    print(f"\ndamaged recordings: {n} cases, imuhinge analyze --json --csv, {per_case_ms:.0f} ms per case")
    print(f"{'damage':<16}" + "".join(f"{c:>14}" for c in columns))
    for kind in kinds:
        print(f"{kind:<16}" + "".join(f"{counts[kind][c]:>14}" for c in columns))
    total = sum(counts.values(), Counter())
    print(f"{'all':<16}" + "".join(f"{total[c]:>14}" for c in columns))
    for failure in failures[:20]:
        print("  failure:", *failure)
    return len(failures)


def decoders(n: int, seed: int) -> int:
    print(f"\nrandom packets: {n} per decoder")
    print(f"{'decoder':<20}{'decoded':>10}{'refused':>10}{'crashes':>10}{'implausible':>13}{'us/packet':>11}")
    failures = 0
    for name, profile in probe_profiles().items():
        t0 = time.perf_counter()
        probe = probe_decoder(profile, packets(name, n, seed))
        us = 1e6 * (time.perf_counter() - t0) / n
        print(
            f"{name:<20}{probe.decoded:>10}{probe.refused:>10}{len(probe.crashes):>10}"
            f"{len(probe.implausible):>13}{us:>11.1f}"
        )
        for data, problem in (probe.crashes + probe.implausible)[:3]:
            print(f"  failure: {data.hex()} {problem}")
        failures += len(probe.crashes) + len(probe.implausible)
    return failures


def logs(n: int, seed: int, folder: Path) -> int:
    db = folder / "clean.sqlite"
    for k, sensors in enumerate((("upper_back", "sacrum"), ("upper_back",), ("sacrum",))):
        sim = simulate(SimConfig(reps=2, sensors=sensors, sample_rate_hz=50.0, seed=seed + k))
        source = folder / f"set{k}.csv"
        save_recording(sim.recording, source)
        if k < 2:
            run_command(["analyze", source, "--log", "--db", db])
    counts: dict[str, Counter] = {}
    modified = 0
    work = folder / "logs"
    work.mkdir()
    for index in range(n):
        probe = probe_log(db, source, index, seed, work, plot=index % 10 == 0)
        modified += probe.modified
        for name, outcome in probe.outcomes.items():
            verdict = "traceback" if outcome.status is None else "bad exit" if not outcome.sound else "ok"
            counts.setdefault(name, Counter())[verdict if verdict != "ok" else f"exit {outcome.status}"] += 1
    print(f"\ndamaged training logs: {n} cases (bytes flipped, cut, run on, cells edited)")
    print(f"{'command':<22}{'exit 0':>8}{'exit 2':>8}{'traceback':>11}{'bad exit':>10}")
    names = {
        "history": "history",
        "check": "history --check",
        "plot": "history --plot",
        "log": "analyze --log",
    }
    for name, count in counts.items():
        cells = "".join(f"{count[c]:>{w}}" for c, w in (("exit 0", 8), ("exit 2", 8), ("traceback", 11)))
        print(f"{names[name]:<22}{cells}{count['bad exit']:>10}")
    print(f"logs changed by a command that only reads them: {modified}")
    return modified + sum(c["traceback"] + c["bad exit"] for c in counts.values())


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--recordings", type=int, default=2000)
    parser.add_argument("--packets", type=int, default=100_000)
    parser.add_argument("--logs", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # the warnings of damaged files are expected; outcomes are counted
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        failures = recordings(args.recordings, args.seed, folder)
        failures += decoders(args.packets, args.seed)
        failures += logs(args.logs, args.seed, folder)
    print(f"\nfailures of the probe's targets: {failures}")


if __name__ == "__main__":
    main()
