"""Every example command in every subcommand's ``--help`` and in the README, run as written.

Each runs in a folder of its own beside the repository's ``recordings/`` (its outputs land there), with
the files a user brings (phone exports, a CSV of their own) and a training log with two sets in it.
What needs hardware meets this machine's: no Bluetooth adapter (the system bus is pointed at a socket
that is not there, so this holds on any machine) gets the one-line error; a phone that never calls
gets the waiting line, and Ctrl-C ends it with one line."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
from itertools import pairwise
from pathlib import Path

import pytest
from conftest import sim_set

from imuhinge.cli import build_parser
from imuhinge.sources.emulated.phone import exports
from imuhinge.sources.emulated.phone.sampling import phone_motion

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
COMMAND = re.compile(r"^(?:\.venv/bin/)?imuhinge\s")
OUTPUT_OPTIONS = ("-o", "--out", "--output", "--json", "--csv", "--plot")


def help_examples() -> list[str]:
    """The example lines of every subcommand's epilog (continued lines joined, comments dropped)."""
    parser = build_parser()
    subparsers = next(a for a in parser._actions if a.dest == "command")
    found = []
    for command in subparsers.choices.values():
        text = re.sub(r"\\\n\s*", "", command.epilog or "")
        for line in text.splitlines():
            line = re.sub(r"\s{2,}\(.*\)$", "", line.strip())
            if COMMAND.match(line):
                found.append(line)
    return found


def readme_examples() -> list[str]:
    """Commands in the README's code blocks (after ``&&`` where they are chained) and its table."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    found = []
    for block in re.findall(r"```\n(.*?)```", text, flags=re.DOTALL):
        for line in block.splitlines():
            line = line.split("&& ")[-1].strip()
            if COMMAND.match(line):
                found.append(line)
    found += re.findall(r"^\| `((?:\.venv/bin/)?imuhinge [^`]+)` \|", text, flags=re.MULTILINE)
    return found


EXAMPLES = sorted(set(help_examples() + readme_examples()))


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    """The files a user brings to the examples, and a training log with two sets."""
    folder = tmp_path_factory.mktemp("inputs")
    motion = phone_motion(
        sim_set(reps=3, seed=11, sample_rate_hz=200.0).recording.sensors["upper_back"], seed=11
    )
    exports.write_phyphox(folder / "phyphox-export.zip", motion)
    exports.write_sensorlogger(folder / "2026-11-18_19-33-20.zip", motion)
    exports.write_metawear(folder, motion)
    stream = sim_set(reps=2, seed=3).recording.sensors["upper_back"]
    rows = ["t,ax,ay,az,gx,gy,gz"]
    for t, acc, gyr in zip(
        stream.time_s, stream.acc_mps2 / 9.80665, stream.gyr_rads * 57.29577951308232, strict=True
    ):
        rows.append(",".join(f"{v:.6f}" for v in (1000 * t, *acc, *gyr)))
    (folder / "log.csv").write_text("\n".join(rows) + "\n")
    db = tmp_path_factory.mktemp("log") / "training.sqlite"
    for name in ("rdl_rushed_6reps.csv", "rdl_8reps_two_sensors.csv"):
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "imuhinge",
                "analyze",
                str(ROOT / "recordings" / name),
                "--log",
                "--db",
                str(db),
            ],
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr
    return folder, db


def kind(args: list[str]) -> str:
    """``ble`` (needs a Bluetooth adapter), ``phone`` (waits for a phone) or ``runs``."""
    if args[0] not in ("record", "scan") or "--simulate" in args:
        return "runs"
    if args[0] == "scan" or "--phone" not in args or {"--upper-back", "--sacrum"} & set(args):
        return "ble"
    return "phone"


@pytest.mark.parametrize("example", EXAMPLES)
def test_example_runs_as_written(example, inputs, tmp_path):
    folder, db = inputs
    for path in folder.iterdir():
        shutil.copy(path, tmp_path / path.name)
    (tmp_path / "recordings").symlink_to(ROOT / "recordings")
    args = shlex.split(example)[1:]
    env = {**os.environ, "IMUHINGE_DB": str(db), "DBUS_SYSTEM_BUS_ADDRESS": f"unix:path={tmp_path}/no-bus"}
    command = [sys.executable, "-m", "imuhinge", *args]
    if kind(args) == "phone":
        # Waits for the phone; says how to start it; Ctrl-C ends it with one line (nothing arrived).
        job = subprocess.Popen(
            command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        assert job.stdout is not None
        waiting = [job.stdout.readline() for _ in range(2)]
        assert "waiting for the phone" in waiting[1]
        time.sleep(0.5)
        job.send_signal(signal.SIGINT)
        _, err = job.communicate(timeout=30)
        assert (
            job.returncode == 2
            and err == "imuhinge record: error: no samples arrived; nothing was recorded\n"
        )
        return
    done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    if kind(args) == "ble":
        assert done.returncode == 2
        assert done.stderr.splitlines()[-1].startswith(
            f"imuhinge {args[0]}: error: no Bluetooth adapter found: "
        )
        return
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and "error" not in done.stderr
    for option, value in pairwise(args):
        if option in OUTPUT_OPTIONS:
            assert (tmp_path / value).exists(), f"{example}: no {value}"
    assert done.stdout.strip(), "every example says what it did"


def test_every_command_has_examples_and_none_is_missed():
    commands = {shlex.split(e)[1] for e in EXAMPLES}
    assert commands == {"simulate", "analyze", "record", "scan", "report", "plot", "history", "import"}
    assert {kind(shlex.split(e)[1:]) for e in EXAMPLES} == {"runs", "ble", "phone"}
    assert len(help_examples()) >= 25 and len(readme_examples()) >= 12
