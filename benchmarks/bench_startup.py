"""Start-up and whole-process replay time, as a user meets them, against bare Python floors.

Each job is a fresh process, timed from start to exit, run ``--rounds`` times with the jobs
interleaved (so a busy machine weighs on all of them alike); the table shows the best and the median
of each, and the ratio of the command to its floor:

- ``imuhinge --version`` against ``python -c "import numpy"`` (target: 1.5x at most);
- ``imuhinge analyze`` of the bundled one-minute recording against a process that imports numpy,
  pandas and vqf and reads the CSV (target: 2x at most);
- with ``--hour``: ``imuhinge analyze`` of a simulated 1-hour, two-sensor, 200 Hz recording against a
  process that also runs offline VQF on each sensor (target: 1.5x at most; ``docs/validation.md``).

Run: python benchmarks/bench_startup.py [--rounds 7] [--hour]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ONE_MINUTE = ROOT / "recordings" / "rdl_8reps_two_sensors.csv"
IMUHINGE = str(Path(sys.executable).with_name("imuhinge"))

READ_CSV = "import numpy, pandas, vqf; pandas.read_csv({path!r}, comment='#')"
READ_CSV_AND_VQF = """
import numpy as np, pandas as pd
from vqf import offlineVQF
data = pd.read_csv({path!r}, comment="#")
rate_hz = float(open({path!r}).read(4096).split("sample_rate_hz:")[1].split()[0])
for _, s in data.groupby("sensor"):
    gyr = np.radians(s[["gyr_x_dps", "gyr_y_dps", "gyr_z_dps"]].to_numpy())
    acc = 9.80665 * s[["acc_x_g", "acc_y_g", "acc_z_g"]].to_numpy()
    offlineVQF(np.ascontiguousarray(gyr), np.ascontiguousarray(acc), None, 1 / rate_hz)
"""


def seconds(cmd: list[str]) -> float:
    """Wall time of one process, start to exit (its output discarded; it must succeed)."""
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def compare(name: str, command: list[str], floor: list[str], rounds: int, target: float) -> None:
    """Time a command and its floor in interleaved fresh processes and print both and their ratios."""
    seconds(command)  # once untimed, so the first timed run does not pay for a cold disk cache
    t_cmd, t_floor = [], []
    for _ in range(rounds):
        t_floor.append(seconds(floor))
        t_cmd.append(seconds(command))
    best = min(t_cmd) / min(t_floor)
    median = statistics.median(t_cmd) / statistics.median(t_floor)
    print(f"{name:<34} {min(t_cmd):7.3f} {statistics.median(t_cmd):9.3f} {min(t_floor):9.3f} "
          f"{statistics.median(t_floor):9.3f} {best:6.2f} {median:7.2f} {target:7.1f}")  # fmt: skip


def hour_recording(folder: Path) -> Path:
    """A simulated 1-hour, two-sensor, 200 Hz set with 1 % packet loss, written as CSV v1."""
    from imuhinge.io import save_recording
    from imuhinge.sim import SimConfig, simulate

    reps = int(3600 / 7.2)
    sim = simulate(
        SimConfig(reps=reps, sensors=("upper_back", "sacrum"), sample_rate_hz=200.0, packet_loss=0.01, seed=1)
    )
    path = folder / "hour.csv"
    save_recording(sim.recording, path)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--hour", action="store_true", help="also the 1-hour two-sensor replay (minutes)")
    args = parser.parse_args()
    python = sys.executable
    print(f"{'job':<34} {'best s':>7} {'median s':>9} {'floor best':>9} {'floor med':>9} "
          f"{'ratio':>6} {'ratio m':>7} {'target':>7}")  # fmt: skip
    compare("imuhinge --version", [IMUHINGE, "--version"], [python, "-c", "import numpy"], args.rounds, 1.5)
    compare(
        "imuhinge analyze (1 min, 2 sensors)",
        [IMUHINGE, "analyze", str(ONE_MINUTE)],
        [python, "-c", READ_CSV.format(path=str(ONE_MINUTE))],
        args.rounds,
        2.0,
    )
    if args.hour:
        with tempfile.TemporaryDirectory() as tmp:
            path = hour_recording(Path(tmp))
            compare(
                "imuhinge analyze (1 h, 2 x 200 Hz)",
                [IMUHINGE, "analyze", str(path)],
                [python, "-c", READ_CSV_AND_VQF.format(path=str(path))],
                max(args.rounds // 2, 1),
                1.5,
            )
    print("ratio: best over best; ratio m: median over median")


if __name__ == "__main__":
    main()
