"""Probe suite: hostile recordings, packets, output paths and training logs (seeded, bounded in time).

Every command either exits 2 with one error line or exits 0 with results within physical bounds;
nothing raises; inputs are byte-identical afterwards; no special file is replaced.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from imuhinge.io import save_recording
from imuhinge.probe import (
    Outcome,
    digest,
    packets,
    probe_decoder,
    probe_log,
    probe_profiles,
    probe_recording,
    run_command,
)
from imuhinge.sim import SimConfig, simulate

SEED = 13
N_RECORDINGS = 330
N_PACKETS = 10_000
N_LOGS = 48


def _assert_sound(outcome: Outcome, command: str) -> None:
    assert outcome.exception is None, outcome.exception
    assert outcome.sound, (outcome.status, outcome.errors)
    assert all(line.startswith(f"imuhinge {command}: error: ") for line in outcome.errors)


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> bytes:
    """A short two-sensor set (3 reps, 50 Hz, with seq): quick to analyse, every column present."""
    path = tmp_path_factory.mktemp("base") / "base.csv"
    sim = simulate(SimConfig(reps=3, sensors=("upper_back", "sacrum"), sample_rate_hz=50.0, seed=SEED))
    save_recording(sim.recording, path)
    return path.read_bytes()


# --- mutated recordings ----------------------------------------------------------------------------


@pytest.mark.parametrize("index", range(N_RECORDINGS), ids=lambda i: f"mutation-{i}")
def test_mutated_recording(base: bytes, tmp_path: Path, index: int) -> None:
    probe = probe_recording(base, index, SEED, tmp_path)
    _assert_sound(probe.outcome, "analyze")
    assert probe.implausible is None, probe.name
    assert not probe.modified, probe.name


def test_the_probe_recordings_are_mostly_refused_and_partly_analysed(base: bytes, tmp_path: Path) -> None:
    """The mutations reach both ends: some files still analyse, most are refused."""
    statuses = [probe_recording(base, i, SEED, tmp_path).outcome.status for i in range(66)]
    assert 5 <= statuses.count(0) <= 60 and statuses.count(2) == 66 - statuses.count(0)


# --- packets ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(probe_profiles()))
def test_random_packets(name: str) -> None:
    probe = probe_decoder(probe_profiles()[name], packets(name, N_PACKETS, SEED))
    assert probe.crashes == [] and probe.implausible == []
    assert probe.decoded + probe.refused == N_PACKETS
    assert probe.decoded >= 100 and probe.refused >= 100  # both outcomes are exercised


def test_an_implausible_decode_is_caught() -> None:
    """The probe itself: a decoder that lets a non-finite value through is reported."""

    class Leaky(type(probe_profiles()["witmotion"])):
        def decode(self, data: bytes):  # type: ignore[no-untyped-def]
            packet = super().decode(data)
            return type(packet)(acc_g=packet.acc_g * 1e3, gyr_dps=packet.gyr_dps)

    probe = probe_decoder(Leaky(), packets("witmotion", 400, SEED))
    assert probe.crashes == [] and len(probe.implausible) > 0


# --- output paths ----------------------------------------------------------------------------------


@pytest.fixture
def source(base: bytes, tmp_path: Path) -> Path:
    path = tmp_path / "set.csv"
    path.write_bytes(base)
    return path


def _commands(source: Path, out: Path, db: Path) -> dict[str, list[object]]:
    return {
        "analyze-json": ["analyze", source, "--json", out],
        "analyze-csv": ["analyze", source, "--csv", out],
        "report": ["report", source, "-o", out],
        "plot": ["plot", source, "-o", out],
        "simulate": ["simulate", "--reps", "1", "--out", out],
        "history": ["history", "--db", db, "--plot", out],
    }


def _logged(source: Path, tmp_path: Path) -> Path:
    db = tmp_path / "log.sqlite"
    assert run_command(["analyze", source, "--log", "--db", db]).status == 0
    return db


SUFFIX = {
    "analyze-json": ".json",
    "analyze-csv": ".csv",
    "report": ".html",
    "plot": ".png",
    "simulate": ".csv",
}


def _special_paths(tmp_path: Path, source: Path, suffix: str) -> dict[str, Path]:
    fifo = tmp_path / f"fifo{suffix}"
    os.mkfifo(fifo)
    folder = tmp_path / f"folder{suffix}"
    folder.mkdir()
    link = tmp_path / f"link{suffix}"
    link.symlink_to(source)
    recording = tmp_path / f"recorded{suffix}"
    shutil.copy(source, recording)
    paths = {
        "input": source,
        "training-log": tmp_path / "log.sqlite",
        "link-to-input": link,
        "fifo": fifo,
        "folder": folder,
        "missing-folder": tmp_path / "nowhere" / f"x{suffix}",
        "recording": recording,
        "device": Path(os.devnull),
    }
    if Path("/dev/full").exists():
        paths["full-device"] = Path("/dev/full")
    return paths


@pytest.mark.parametrize("command", [*SUFFIX, "history"])
def test_outputs_never_destroy_anything(source: Path, tmp_path: Path, command: str) -> None:
    db = _logged(source, tmp_path)
    suffix = SUFFIX.get(command, ".png")
    kinds = {p: os.lstat(p).st_mode for p in (source, db)}
    for kind, out in _special_paths(tmp_path, source, suffix).items():
        mode = os.lstat(out).st_mode if os.path.lexists(out) else None
        before = digest(out) if mode is not None and stat.S_ISREG(mode) else None
        outcome = run_command([*_commands(source, out, db)[command], "--force"])
        assert outcome.status == 2 and outcome.sound, (kind, outcome)
        if mode is not None:
            assert os.lstat(out).st_mode == mode, kind  # a FIFO stays a FIFO, a device a device
        if before is not None:
            assert digest(out) == before, kind
    assert {p: os.lstat(p).st_mode for p in (source, db)} == kinds
    existing = tmp_path / f"existing{suffix}"
    existing.write_text("old")
    outcome = run_command(_commands(source, existing, db)[command])
    assert outcome.status == 2 and "already exists" in outcome.errors[0]
    assert existing.read_text() == "old"
    outcome = run_command([*_commands(source, existing, db)[command], "--force"])
    assert outcome.status == 0, outcome
    assert existing.read_bytes() != b"old"
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_folder_outputs_are_never_the_folder_read(source: Path, tmp_path: Path) -> None:
    folder = source.parent
    listing = sorted(p.name for p in folder.iterdir())
    for option in ("--csv", "--json"):
        outcome = run_command(["analyze", folder, option, folder])
        assert outcome.status == 2 and "is the folder being read" in outcome.errors[0]
    assert sorted(p.name for p in folder.iterdir()) == listing


@pytest.mark.parametrize("target", ["fifo", "full-device"])
def test_special_outputs_in_a_real_process(tmp_path: Path, target: str) -> None:
    """As the issue found them: a FIFO and /dev/full given to a real ``imuhinge`` process."""
    if target == "fifo":
        out = tmp_path / "p.csv"
        os.mkfifo(out)
    else:
        out = Path("/dev/full") if Path("/dev/full").exists() else Path(os.devnull)
    mode = os.lstat(out).st_mode
    done = subprocess.run(
        [sys.executable, "-m", "imuhinge", "simulate", "--reps", "1", "--out", str(out), "--force"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.splitlines() == [f"imuhinge simulate: error: {out}: {_kind_words(mode)}"]
    assert os.lstat(out).st_mode == mode


def _kind_words(mode: int) -> str:
    kind = "a FIFO (named pipe)" if stat.S_ISFIFO(mode) else "a device"
    return f"is {kind}, not a regular file: refusing to write to it"


# --- corrupted training logs ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def clean_log(tmp_path_factory, base: bytes) -> tuple[Path, Path]:
    """A log of two sets, and a third recording to log into damaged copies of it."""
    folder = tmp_path_factory.mktemp("logs")
    db = folder / "log.sqlite"
    for seed, sensors in (
        (SEED, ("upper_back", "sacrum")),
        (SEED + 1, ("upper_back",)),
        (SEED + 2, ("sacrum",)),
    ):
        sim = simulate(SimConfig(reps=2, sensors=sensors, sample_rate_hz=50.0, seed=seed))
        path = folder / f"{seed}.csv"
        save_recording(sim.recording, path)
        if seed != SEED + 2:
            assert run_command(["analyze", path, "--log", "--db", db]).status == 0
    return db, path


@pytest.mark.parametrize("index", range(N_LOGS), ids=lambda i: f"log-{i}")
def test_corrupted_log(clean_log: tuple[Path, Path], tmp_path: Path, index: int) -> None:
    probe = probe_log(*clean_log, index, SEED, tmp_path, plot=index % 6 == 0)
    for name, outcome in probe.outcomes.items():
        _assert_sound(outcome, "analyze" if name == "log" else "history")
    assert not probe.modified
