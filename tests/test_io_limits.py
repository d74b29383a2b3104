"""The loader's limits: what is not a recording is refused early, glitches are dropped as gaps, units
that contradict the data and counters that contradict the clock are refused."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np
import pytest

from imuhinge.errors import InputError
from imuhinge.io import csv_read, load_recording, save_recording
from imuhinge.io.header import MAX_HEADER_LINES, MAX_LINE_BYTES
from imuhinge.model import G_MPS2, Recording, SensorStream

COLUMNS = "time_s,sensor,seq,acc_x_g,acc_y_g,acc_z_g,gyr_x_dps,gyr_y_dps,gyr_z_dps"
HEADER = "# imuhinge recording v1\n# sample_rate_hz: 100\n" + COLUMNS + "\n"
FIRST_ROW_LINE = 4


def _row(i: int, placement: str = "upper_back", acc_x: str = "0.010000", gyr_z: str = "0.300000") -> str:
    return f"{i / 100:.6f},{placement},{i},{acc_x},-0.020000,0.999000,0.100000,-0.200000,{gyr_z}\n"


def _write(path: Path, n: int = 3000, changes: dict[int, dict[str, str]] | None = None) -> Path:
    changes = changes or {}
    path.write_text(HEADER + "".join(_row(i, **changes.get(i, {})) for i in range(n)), encoding="utf-8")
    return path


def _error(path: Path) -> InputError:
    with pytest.raises(InputError) as info:
        load_recording(path)
    assert "\n" not in str(info.value)
    return info.value


# --- refused from the first bytes -----------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [b"\x00" * (4 * MAX_LINE_BYTES), b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 100, b"time_s,acc\n1,2\n"],
    ids=["zeros-without-a-line-break", "binary", "csv-without-format-line"],
)
def test_a_file_that_is_not_a_recording_is_refused_at_line_1(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(content)
    err = _error(path)
    assert (err.line, err.problem) == (
        1,
        "missing format line '# imuhinge recording v1': not an imuhinge recording",
    )


def test_a_header_line_longer_than_any_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("# imuhinge recording v1\n# note: " + "n" * MAX_LINE_BYTES + "\n" + COLUMNS + "\n")
    err = _error(path)
    assert (err.line, err.problem) == (2, f"header line longer than {MAX_LINE_BYTES} bytes: not a recording")


def test_an_endless_header_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text(
        "# imuhinge recording v1\n" + "".join(f"# k{i}: v\n" for i in range(2 * MAX_HEADER_LINES))
    )
    err = _error(path)
    assert (err.line, err.problem) == (
        MAX_HEADER_LINES + 1,
        f"no column header in the first {MAX_HEADER_LINES} lines",
    )


@pytest.mark.parametrize("special", ["fifo", "device"])
def test_special_files_are_refused_without_opening_them(tmp_path: Path, special: str) -> None:
    if special == "fifo":
        path = tmp_path / "pipe.csv"
        os.mkfifo(path)  # opening it for reading would wait for a writer forever
        expected = "is a FIFO (named pipe), not a recording file"
    else:
        path, expected = Path(os.devnull), "is a device, not a recording file"
    assert _error(path).problem == expected


# --- rows that are not rows --------------------------------------------------------------------


def test_a_long_line_after_good_rows_stops_the_parse_there(tmp_path: Path) -> None:
    path = _write(tmp_path / "x.csv", 500)
    with open(path, "ab") as fh:
        fh.write(b"1" * (8 * MAX_LINE_BYTES) + b"\n" + _row(500).encode())
    err = _error(path)
    assert (err.line, err.problem) == (
        FIRST_ROW_LINE + 500,
        f"line longer than {MAX_LINE_BYTES} bytes: not a row of a recording",
    )


def test_padding_without_a_line_break_is_not_a_torn_row(tmp_path: Path) -> None:
    path = _write(tmp_path / "x.csv.partial", 500)
    with open(path, "ab") as fh:
        fh.write(b"\x00" * (3 * MAX_LINE_BYTES))
    assert _error(path).line == FIRST_ROW_LINE + 500


def test_padding_with_line_breaks_is_refused_at_the_first_empty_line(tmp_path: Path) -> None:
    path = _write(tmp_path / "x.csv", 500)
    with open(path, "ab") as fh:
        fh.write(b"\n" * 1_000_000)
    err = _error(path)
    assert (err.line, err.problem) == (FIRST_ROW_LINE + 500, "empty line")


def test_blocks_join_to_the_same_recording_and_name_the_right_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rows of two sensors interleave across block boundaries; a bad value deep in the file is found
    in its block and named by its line."""
    n = 1000
    rng = np.random.default_rng(2)
    streams = {
        p: SensorStream(
            p,
            np.arange(n) / 100.0 + 0.003 * k,
            np.tile([0.0, 0.0, G_MPS2], (n, 1)) + rng.normal(0, 0.3, (n, 3)),
            rng.normal(0, 0.5, (n, 3)),
            np.arange(n) + 5,
        )
        for k, p in enumerate(("upper_back", "sacrum"))
    }
    path = tmp_path / "two.csv"
    save_recording(Recording(streams, 100.0), path)
    whole = load_recording(path)
    monkeypatch.setattr(csv_read, "CHUNK_ROWS", 37)
    blocks = load_recording(path)
    for p in streams:
        a, b = whole.sensors[p], blocks.sensors[p]
        for name in ("time_s", "acc_mps2", "gyr_rads", "seq"):
            np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    good = path.read_text().splitlines()
    for bad_line, value, problem in ((1500, "abc", "non-numeric value 'abc'"), (1700, "nan", "value 'nan'")):
        lines = list(good)
        fields = lines[bad_line - 1].split(",")
        fields[4] = value
        lines[bad_line - 1] = ",".join(fields)
        path.write_text("\n".join(lines) + "\n")
        err = _error(path)
        assert err.line == bad_line and err.problem.startswith(problem)


# --- glitches --------------------------------------------------------------------------------


def test_a_rare_glitch_is_dropped_and_becomes_a_gap(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = _write(tmp_path / "x.csv", changes={1200: {"acc_x": "1e308"}, 2500: {"gyr_z": "-9000"}})
    with caplog.at_level(logging.WARNING):
        rec = load_recording(path)
    stream = rec.sensors["upper_back"]
    assert len(stream) == 2998
    assert np.all(np.isfinite(stream.acc_mps2)) and np.abs(stream.acc_mps2).max() < 2 * G_MPS2
    assert [(g.missing_samples, round(g.start_s, 2)) for g in rec.gaps] == [(1, 11.99), (1, 24.99)]
    assert (
        "sensor upper_back: dropped 2 samples beyond any IMU's range (|acc| > 32 g or |gyro| > 4000 deg/s, "
        f"first on line {FIRST_ROW_LINE + 1200}) as glitches; they are gaps in the data"
    ) in caplog.text


def test_many_glitches_are_bad_input(tmp_path: Path) -> None:
    changes = {i: {"acc_x": "-40.5"} for i in (700, 800, 900, 1000)}
    err = _error(_write(tmp_path / "x.csv", changes=changes))
    assert err.line == FIRST_ROW_LINE + 700
    assert err.problem == (
        "acc value -40.5 g in column acc_x_g is beyond any IMU's range (32 g) "
        "(4 of 3000 samples are: too many to drop as glitches)"
    )


# --- units and counters that contradict the data ------------------------------------------------


def _hinge(path: Path, gyr_column_unit: str, gyr_scale: float) -> Path:
    """12 s of hinging at 100 Hz about the sensor's y axis: 0 to 60 deg and back every 4 s."""
    time_s = np.arange(1200) / 100
    angle = np.radians(30.0) * (1 - np.cos(2 * np.pi * time_s / 4))
    rate_dps = np.degrees(np.radians(30.0) * 2 * np.pi / 4 * np.sin(2 * np.pi * time_s / 4))
    rows = "".join(
        f"{t:.6f},upper_back,{i},{np.sin(a):.6f},0,{np.cos(a):.6f},0,{r * gyr_scale:.6f},0\n"
        for i, (t, a, r) in enumerate(zip(time_s, angle, rate_dps, strict=True))
    )
    path.write_text(HEADER.replace("_dps", f"_{gyr_column_unit}") + rows)
    return path


def test_deg_per_s_in_a_rad_per_s_column_is_refused_with_a_hint(tmp_path: Path) -> None:
    assert len(load_recording(_hinge(tmp_path / "ok.csv", "rads", np.pi / 180)).sensors["upper_back"]) == 1200
    err = _error(_hinge(tmp_path / "dps.csv", "rads", 1.0))
    assert err.line == 3
    assert err.problem.startswith(
        "gyro too large for the motion of sensor upper_back: the accelerometer tilts"
    )
    assert err.problem.endswith("looks like deg/s in a rad/s column (name the columns gyr_*_dps)")


@pytest.mark.parametrize("jump", [30_000_000, 10**15])
def test_a_counter_jump_the_clock_cannot_hold_is_refused(tmp_path: Path, jump: int) -> None:
    path = _write(tmp_path / "x.csv")
    lines = path.read_text().splitlines()
    fields = lines[-1].split(",")
    fields[2] = str(jump)
    lines[-1] = ",".join(fields)
    path.write_text("\n".join(lines) + "\n")
    err = _error(path)
    assert err.line == FIRST_ROW_LINE + 2999
    assert err.problem.startswith(f"seq of sensor upper_back jumps by {jump - 2998} in 0.010 s")
    assert err.problem.endswith(
        f"the counter and the timestamps disagree (previous sample on line {err.line - 1})"
    )


def test_a_counter_gap_that_the_clock_holds_is_a_gap(tmp_path: Path) -> None:
    path = _write(tmp_path / "x.csv", 600)
    lines = path.read_text().splitlines()
    kept = lines[:303] + lines[453:]  # 1.5 s lost: seq and time jump together
    path.write_text("\n".join(kept) + "\n")
    (gap,) = load_recording(path).gaps
    assert gap.missing_samples == 150


def test_a_row_logged_twice_is_dropped_even_with_its_counter(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = _write(tmp_path / "x.csv", 600)
    lines = path.read_text().splitlines()
    lines.insert(300, lines[300])
    path.write_text("\n".join(lines) + "\n")
    with caplog.at_level(logging.WARNING):
        rec = load_recording(path)
    assert len(rec.sensors["upper_back"]) == 600 and rec.gaps == []
    assert "dropped 1 rows that repeat the row before" in caplog.text
