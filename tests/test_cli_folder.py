"""``imuhinge analyze FOLDER``: the same lines and files whatever ``--jobs``; on a terminal a progress
bar that log lines and summary lines never share a line with; colour only where it may be."""

import os
import pty
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import sim_set

from imuhinge.io import save_recording

RECORDINGS = Path(__file__).resolve().parent.parent / "recordings"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """Bundled recordings, a set with lost packets (a log message with -v) and a file that is not one."""
    folder = tmp_path_factory.mktemp("folder")
    for path in sorted(RECORDINGS.glob("*.csv")):
        shutil.copy(path, folder / path.name)
    save_recording(sim_set(reps=3, packet_loss=0.05, seed=4).recording, folder / "lossy.csv")
    (folder / "broken.csv").write_text("time_s,acc_x_g\n0.0,zero\n")
    return folder


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "IMUHINGE_DB"}
    return subprocess.run(
        [sys.executable, "-m", "imuhinge", *args], capture_output=True, text=True, cwd=cwd, env=env
    )


@pytest.mark.slow
def test_serial_and_parallel_give_the_same_lines_and_files(folder, tmp_path):
    serial = run(["analyze", str(folder), "--jobs", "1", "-v", "--json", "serial"], tmp_path)
    parallel = run(["analyze", str(folder), "--jobs", "3", "-v", "--json", "parallel"], tmp_path)
    assert serial.returncode == parallel.returncode == 2  # broken.csv
    assert serial.stdout == parallel.stdout and serial.stderr == parallel.stderr
    lines = serial.stdout.splitlines()
    assert [line.split(":")[0] for line in lines] == sorted(p.name for p in folder.iterdir())
    assert lines[0].startswith("broken.csv: error: ")
    assert "lossy.csv: 3 reps, tempo on target 100%" in serial.stdout
    # -v: each file's messages, in file order, the gaps once (the lost packets' detail is at -v only)
    assert re.search(r"INFO: .*lossy.csv: upper_back: \d+ gaps, \d+ samples missing", serial.stderr)
    names = [Path(p).name for p in re.findall(r"INFO: (\S+\.csv): \S+ (?:and \S+ )?at \d+ Hz", serial.stderr)]
    assert names == sorted(p.name for p in folder.iterdir() if p.name != "broken.csv")
    outputs = sorted(p.name for p in (tmp_path / "serial").iterdir())
    assert outputs == sorted(p.name for p in (tmp_path / "parallel").iterdir())
    assert len(outputs) == 5
    for name in outputs:
        assert (tmp_path / "serial" / name).read_bytes() == (tmp_path / "parallel" / name).read_bytes()


def test_without_v_the_gaps_are_said_once(folder, tmp_path):
    single = run(["analyze", str(folder / "lossy.csv")], tmp_path)
    assert single.returncode == 0 and single.stderr == ""
    assert len(re.findall(r"gaps", single.stdout)) == 1
    assert run(["analyze", str(folder), "--jobs", "0"], tmp_path).stderr.endswith(
        "--jobs: must be at least 1, got 0\n"
    )


def on_terminal(args: list[str], cwd: Path, **env: str) -> str:
    """Run with stdout and stderr on a pseudo-terminal; everything it drew."""
    main, terminal = pty.openpty()
    environ = {**{k: v for k, v in os.environ.items() if k != "NO_COLOR"}, "COLUMNS": "100", **env}
    done = subprocess.Popen(
        [sys.executable, "-m", "imuhinge", *args], stdout=terminal, stderr=terminal, cwd=cwd, env=environ
    )
    os.close(terminal)
    drawn = b""
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:  # the other end closed
            break
        if not chunk:
            break
        drawn += chunk
    done.wait()
    os.close(main)
    return drawn.decode()


@pytest.mark.slow
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_progress_bar_on_a_terminal_lines_above_it(folder, tmp_path, jobs):
    drawn = on_terminal(["analyze", str(folder), "--jobs", jobs, "-v"], tmp_path)
    segments = [ANSI.sub("", s).strip() for s in re.split(r"[\r\n]", drawn)]
    segments = [s for s in segments if s]
    summaries = [s for s in segments if re.match(r"\S+\.csv: (\d+ reps|error)", s)]
    assert len(summaries) == 6, "every summary line whole, on a line of its own"
    infos = [s for s in segments if "INFO:" in s]
    assert infos and all(s.startswith("INFO: ") for s in infos), "log lines never share the bar's line"
    bars = [s for s in segments if re.search(r"\d+/6", s)]
    assert bars[-1].split()[1] == "6/6"
    assert "\x1b[3" in drawn, "colour on a terminal"


@pytest.mark.slow
def test_no_colour_with_no_color_and_no_bar_when_piped(folder, tmp_path):
    drawn = on_terminal(["analyze", str(folder)], tmp_path, NO_COLOR="1")
    assert "6/6" in ANSI.sub("", drawn) and not re.search(r"\x1b\[(3\d|9\d)m", drawn)
    piped = run(["analyze", str(folder)], tmp_path)
    assert piped.stderr == "" and "6/6" not in piped.stdout
