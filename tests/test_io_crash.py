"""Crash safety: the streaming writer, torn last lines, and a writer killed with SIGKILL."""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import imuhinge.io.csv_write as csv_write
from imuhinge.errors import InputError
from imuhinge.io import RecordingWriter, load_recording
from imuhinge.model import G_MPS2

RATE_HZ = 100.0
BLOCK = 10
PLACEMENTS = ("upper_back", "sacrum")

# The child streams both sensors in real time (blocks of 10 rows at 100 Hz) and, after each block,
# records how many samples per sensor it has handed to the writer.
CHILD = """
import sys, time
import numpy as np
from imuhinge.io import RecordingWriter

out, side = sys.argv[1], sys.argv[2]
rate_hz, block = 100.0, 10
placements = ("upper_back", "sacrum")
metadata = {f"device.{p}": "crash test" for p in placements}
with open(side, "w") as log, RecordingWriter(out, rate_hz, metadata, placements) as writer:
    start = time.monotonic()
    k = 0
    while True:
        seq = np.arange(k * block, (k + 1) * block)
        acc_g = np.column_stack([0.01 * np.sin(seq / 10), np.zeros(block), np.ones(block)])
        gyr_dps = np.column_stack([np.zeros(block), 5 * np.cos(seq / 10), np.zeros(block)])
        for placement in placements:
            writer.write(placement, seq / rate_hz, acc_g, gyr_dps, seq)
        k += 1
        log.write(f"{k * block}\\n")
        log.flush()
        time.sleep(max(0.0, start + k * block / rate_hz - time.monotonic()))
"""


def _written(side: Path) -> int:
    lines = side.read_text().splitlines()
    return int(lines[-1]) if lines else 0


@pytest.mark.slow
def test_writer_killed_with_sigkill_keeps_all_but_the_last_half_second(tmp_path: Path) -> None:
    path, side = tmp_path / "set.csv", tmp_path / "written.txt"
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(path), str(side)])
    try:
        deadline = time.monotonic() + 60
        while not (side.exists() and _written(side) > 0):
            assert proc.poll() is None, "the writer process ended early"
            assert time.monotonic() < deadline, "the writer process did not start"
            time.sleep(0.02)
        time.sleep(2.0)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    written = _written(side)
    assert written >= 150, "the child should have streamed about 2 s"

    partial = tmp_path / "set.csv.partial"
    assert partial.exists() and not path.exists()
    rec = load_recording(partial)
    assert rec.placements == list(PLACEMENTS)
    for placement in PLACEMENTS:
        stream = rec.sensors[placement]
        n = len(stream)
        # At most 0.5 s lost; at most one block more than the side file says (killed in between).
        assert written - 0.5 * RATE_HZ <= n <= written + BLOCK
        np.testing.assert_array_equal(stream.seq, np.arange(n))
        np.testing.assert_allclose(stream.time_s, np.arange(n) / RATE_HZ, atol=1e-9)
        np.testing.assert_allclose(
            stream.acc_mps2[:, 0] / G_MPS2, 0.01 * np.sin(np.arange(n) / 10), atol=6e-7
        )
        np.testing.assert_allclose(
            np.degrees(stream.gyr_rads[:, 1]), 5 * np.cos(np.arange(n) / 10), atol=6e-7
        )


def _block(start: int, n: int = BLOCK) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    seq = np.arange(start, start + n)
    acc_g = np.tile([0.0, 0.0, 1.0], (n, 1)) + 0.001 * seq[:, None]
    gyr_dps = np.tile([1.0, -2.0, 3.0], (n, 1))
    return seq / RATE_HZ, acc_g, gyr_dps, seq


def _write_blocks(
    writer: RecordingWriter, blocks: int, placements: tuple[str, ...] = ("upper_back",)
) -> None:
    for k in range(blocks):
        for placement in placements:
            time_s, acc_g, gyr_dps, seq = _block(k * BLOCK)
            writer.write(placement, time_s, acc_g, gyr_dps, seq)


def _good_file(tmp_path: Path, name: str, blocks: int = 5) -> Path:
    with RecordingWriter(tmp_path / "source.csv", RATE_HZ) as writer:
        _write_blocks(writer, blocks)
    return (tmp_path / "source.csv").rename(tmp_path / name)


# Header: format line, sample_rate_hz, column header; 50 rows on lines 4-53.
TORN = {
    "partial-cut-mid-number": ("set.csv.partial", lambda data: data[:-8], 49),
    "partial-cut-mid-field": ("set.csv.partial", lambda data: data[: data.rindex(b"\n", 0, -1) + 14], 49),
    "partial-complete-but-no-newline": ("set.csv.partial", lambda data: data[:-1], 49),
    "csv-too-few-fields": ("set.csv", lambda data: data[: data.rindex(b"\n", 0, -1) + 25], 49),
    "csv-unparseable-value": ("set.csv", lambda data: data[:-9] + b"-", 49),
    "short-line-with-newline": ("set.csv", lambda data: data + b"0.500000,upper_back\n", 50),
    "blank-last-line": ("set.csv", lambda data: data + b"\n", 50),
}


@pytest.mark.parametrize(("name", "tear", "kept"), TORN.values(), ids=TORN.keys())
def test_torn_last_line_is_dropped_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, name: str, tear, kept: int
) -> None:
    path = _good_file(tmp_path, name)
    path.write_bytes(tear(path.read_bytes()))
    with caplog.at_level(logging.WARNING, logger="imuhinge.io"):
        rec = load_recording(path)
    assert len(rec.sensors["upper_back"]) == kept
    [record] = [r for r in caplog.records if "incomplete last line" in r.getMessage()]
    assert record.getMessage().startswith(f"{path}:{4 + kept}: dropped the incomplete last line")


def test_complete_last_line_without_newline_is_kept_in_a_csv(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = _good_file(tmp_path, "set.csv")
    path.write_bytes(path.read_bytes()[:-1])
    with caplog.at_level(logging.WARNING, logger="imuhinge.io"):
        rec = load_recording(path)
    assert len(rec.sensors["upper_back"]) == 50
    assert not caplog.records


def test_only_a_torn_row(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = _good_file(tmp_path, "set.csv.partial", blocks=1)
    data = path.read_bytes()
    path.write_bytes(data[: data.index(b"0.000000,") + 20])
    with caplog.at_level(logging.WARNING, logger="imuhinge.io"), pytest.raises(InputError) as info:
        load_recording(path)
    assert (info.value.line, info.value.problem) == (4, "no samples after the column header")
    assert any("incomplete last line" in r.getMessage() for r in caplog.records)


def test_header_is_on_disk_at_once_and_rows_after_each_write(tmp_path: Path) -> None:
    path = tmp_path / "live.csv"
    writer = RecordingWriter(path, RATE_HZ, {"exercise": "rdl"}, placements=PLACEMENTS)
    partial = tmp_path / "live.csv.partial"
    assert partial.read_text().splitlines() == [
        "# imuhinge recording v1",
        "# sample_rate_hz: 100",
        "# exercise: rdl",
        "time_s,sensor,seq,acc_x_g,acc_y_g,acc_z_g,gyr_x_dps,gyr_y_dps,gyr_z_dps",
    ]
    _write_blocks(writer, 3, PLACEMENTS)
    # Another reader sees every row written so far, while the writer is still open.
    rec = load_recording(partial)
    assert [len(rec.sensors[p]) for p in PLACEMENTS] == [30, 30]
    writer.close()
    writer.close()
    assert path.exists() and not partial.exists()
    with pytest.raises(ValueError, match="closed"):
        _write_blocks(writer, 1)


def test_sync_every_half_second_of_wall_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [100.0]
    synced: list[float] = []
    monkeypatch.setattr(csv_write, "monotonic", lambda: clock[0])
    real_fsync = csv_write.os.fsync
    monkeypatch.setattr(csv_write.os, "fsync", lambda fd: (synced.append(clock[0]), real_fsync(fd)))
    with RecordingWriter(tmp_path / "s.csv", RATE_HZ) as writer:
        for k in range(12):
            clock[0] = 100.0 + 0.1 * (k + 1)
            _write_blocks_at(writer, k)
        clock[0] = 101.25
    assert synced == pytest.approx([100.0, 100.5, 101.0, 101.25])


def _write_blocks_at(writer: RecordingWriter, k: int) -> None:
    time_s, acc_g, gyr_dps, seq = _block(k * BLOCK)
    writer.write("upper_back", time_s, acc_g, gyr_dps, seq)


def test_exception_in_with_block_still_closes_and_renames(tmp_path: Path) -> None:
    path = tmp_path / "set.csv"
    with pytest.raises(RuntimeError, match="sensor lost"), RecordingWriter(path, RATE_HZ) as writer:
        _write_blocks(writer, 4)
        raise RuntimeError("sensor lost")
    assert not (tmp_path / "set.csv.partial").exists()
    assert len(load_recording(path).sensors["upper_back"]) == 40


def test_writer_refuses_existing_files(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("keep me")
    with pytest.raises(InputError, match="already exists") as info:
        RecordingWriter(tmp_path / "a.csv", RATE_HZ)
    assert info.value.path == str(tmp_path / "a.csv")
    (tmp_path / "b.csv.partial").write_text("crash left-over")
    with pytest.raises(InputError, match="already exists"):
        RecordingWriter(tmp_path / "b.csv", RATE_HZ)
    assert (tmp_path / "a.csv").read_text() == "keep me"
    assert (tmp_path / "b.csv.partial").read_text() == "crash left-over"


def test_writer_checks_its_input(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="unknown sensor placement 'wrist'"):
        RecordingWriter(tmp_path / "p.csv", RATE_HZ, placements=("wrist",))
    with pytest.raises(InputError, match="one line"):
        RecordingWriter(tmp_path / "m.csv", RATE_HZ, {"note": "a\nb"})
    assert not list(tmp_path.iterdir())
    with RecordingWriter(tmp_path / "w.csv", RATE_HZ, placements=PLACEMENTS) as writer:
        time_s, acc_g, gyr_dps, seq = _block(0)
        writer.write("upper_back", time_s, acc_g, gyr_dps, seq)
        # The other sensor may start later and lag behind; each sensor's own time must increase.
        writer.write("sacrum", time_s[:5], acc_g[:5], gyr_dps[:5], seq[:5])
        with pytest.raises(ValueError, match="time of sensor upper_back must increase"):
            writer.write("upper_back", time_s, acc_g, gyr_dps, seq + 100)
        with pytest.raises(ValueError, match="seq of sensor sacrum must increase"):
            writer.write("sacrum", time_s[5:] + 1, acc_g[5:], gyr_dps[5:], seq[:5])
        with pytest.raises(ValueError, match="seq is required"):
            writer.write("sacrum", time_s[5:], acc_g[5:], gyr_dps[5:])
        with pytest.raises(ValueError, match=r"shape \(10, 3\)"):
            writer.write("sacrum", time_s + 1, acc_g[:, :2], gyr_dps, seq + 10)
        with pytest.raises(ValueError, match="finite"):
            writer.write("sacrum", time_s + 1, acc_g * np.nan, gyr_dps, seq + 10)
        with pytest.raises(ValueError, match="placement 'hip'"):
            writer.write("hip", time_s, acc_g, gyr_dps, seq)
    rec = load_recording(tmp_path / "w.csv")
    assert [len(rec.sensors[p]) for p in PLACEMENTS] == [10, 5]


def test_writer_without_seq(tmp_path: Path) -> None:
    path = tmp_path / "noseq.csv"
    with RecordingWriter(path, RATE_HZ, with_seq=False) as writer:
        for k in range(3):
            time_s, acc_g, gyr_dps, _ = _block(k * BLOCK)
            writer.write("upper_back", time_s, acc_g, gyr_dps)
    rec = load_recording(path)
    assert rec.sensors["upper_back"].seq is None
    assert len(rec.sensors["upper_back"]) == 30
