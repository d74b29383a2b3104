"""Load speed: ``load_recording`` against bare ``pandas.read_csv`` on a 1-hour, two-sensor, 200 Hz file.

Builds the file in a temporary folder (random but plausible samples: a sensor at rest, about 1 g,
small gyro rates, a few lost packets), then times each reader, best of 3, and prints a table.
Run: ``python benchmarks/bench_load.py [--minutes 60]``.
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from imuhinge.io import load_recording, save_recording
from imuhinge.model import G_MPS2, PLACEMENTS, Recording, SensorStream

SAMPLE_RATE_HZ = 200.0
REPEATS = 3


def build_recording(duration_s: float, seed: int = 0) -> Recording:
    """Two sensors at rest with noise, slow sway and 0.1 % of 4-sample packets lost."""
    rng = np.random.default_rng(seed)
    n = int(duration_s * SAMPLE_RATE_HZ)
    sensors = {}
    for placement in PLACEMENTS:
        seq = np.arange(n, dtype=np.int64)
        time_s = seq / SAMPLE_RATE_HZ
        sway_rad = np.radians(5.0) * np.sin(2 * np.pi * time_s / 7.0)
        acc_g = np.column_stack([np.sin(sway_rad), np.zeros(n), np.cos(sway_rad)])
        acc_g += rng.normal(0.0, 0.01, (n, 3))
        gyr_dps = rng.normal(0.0, 0.5, (n, 3))
        gyr_dps[:, 1] += np.degrees(np.gradient(sway_rad, time_s))
        keep = ~np.repeat(rng.random(n // 4 + 1) < 0.001, 4)[:n]
        sensors[placement] = SensorStream(
            placement, time_s[keep], acc_g[keep] * G_MPS2, np.radians(gyr_dps[keep]), seq[keep]
        )
    metadata = {f"device.{p}": "benchmark" for p in PLACEMENTS}
    return Recording(sensors, SAMPLE_RATE_HZ, metadata)


def best_of(fn: Callable[[], object]) -> float:
    """Best wall time of ``REPEATS`` calls."""
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    """Build the file, time the readers and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=60.0, help="recording length (default 60)")
    args = parser.parse_args()
    logging.getLogger("imuhinge.io").setLevel(logging.ERROR)  # the gap summary is expected here

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.csv"
        recording = build_recording(60.0 * args.minutes)
        start = time.perf_counter()
        save_recording(recording, path)
        save_s = time.perf_counter() - start
        n_rows = sum(len(s) for s in recording.sensors.values())
        n_header = sum(1 for line in path.open() if line.startswith("#"))
        size_mb = path.stat().st_size / 1e6
        print(f"{n_rows} rows, {size_mb:.0f} MB, written by save_recording in {save_s:.2f} s\n")

        rows = [
            ("pandas.read_csv(path, comment='#')", best_of(lambda: pd.read_csv(path, comment="#"))),
            (
                f"pandas.read_csv(path, skiprows={n_header})",
                best_of(lambda: pd.read_csv(path, skiprows=n_header)),
            ),
            ("imuhinge.io.load_recording(path)", best_of(lambda: load_recording(path))),
        ]
    reference_s = rows[0][1]
    width = max(len(name) for name, _ in rows)
    print(f"{'reader':<{width}}  {'best of 3 (s)':>13}  {'ratio':>6}")
    for name, seconds in rows:
        print(f"{name:<{width}}  {seconds:>13.3f}  {seconds / reference_s:>6.2f}")


if __name__ == "__main__":
    main()
