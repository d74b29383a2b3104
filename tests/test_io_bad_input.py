"""Bad recordings: every problem is one InputError naming the file, the exact line and the problem."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from imuhinge.errors import InputError
from imuhinge.io import load_recording

COLUMNS = "time_s,sensor,seq,acc_x_g,acc_y_g,acc_z_g,gyr_x_dps,gyr_y_dps,gyr_z_dps"
FIELDS = COLUMNS.split(",")
# Lines 1-3 are metadata, line 4 the column header, data row k is on line 5 + k.
HEADER = ["# imuhinge recording v1", "# sample_rate_hz: 100", "# device.upper_back: test sensor"]
FIRST_ROW_LINE = 5


def _rows(n: int = 100, placements: tuple[str, ...] = ("upper_back",)) -> list[str]:
    return [
        f"{i / 100:.6f},{p},{i},0.010000,-0.020000,0.999000,0.100000,-0.200000,0.300000"
        for i in range(n)
        for p in placements
    ]


def _lines() -> list[str]:
    return [*HEADER, COLUMNS, *_rows()]


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _load_error(path: Path) -> InputError:
    with pytest.raises(InputError) as info:
        load_recording(path)
    return info.value


def _assert_error(err: InputError, path: Path, line: int | None, text: str) -> None:
    assert err.path == str(path)
    assert err.line == line
    assert text in err.problem
    where = f"{path}:{line}: " if line is not None else f"{path}: "
    assert str(err) == where + err.problem
    assert "\n" not in str(err)


def _set(row: int, column: str, value: str) -> Callable[[list[str]], list[str]]:
    def mutate(lines: list[str]) -> list[str]:
        index = FIRST_ROW_LINE - 1 + row
        fields = lines[index].split(",")
        fields[FIELDS.index(column)] = value
        lines[index] = ",".join(fields)
        return lines

    return mutate


def _replace(index: int, text: str) -> Callable[[list[str]], list[str]]:
    def mutate(lines: list[str]) -> list[str]:
        lines[index] = text
        return lines

    return mutate


def _insert(index: int, text: str) -> Callable[[list[str]], list[str]]:
    def mutate(lines: list[str]) -> list[str]:
        lines.insert(index, text)
        return lines

    return mutate


def _columns(text: str) -> Callable[[list[str]], list[str]]:
    return _replace(3, text)


def _all_rows(column: str, value: str) -> Callable[[list[str]], list[str]]:
    def mutate(lines: list[str]) -> list[str]:
        for row in range(len(lines) - FIRST_ROW_LINE + 1):
            _set(row, column, value)(lines)
        return lines

    return mutate


CASES = {
    "format-line-missing": (lambda lines: lines[1:], 1, "missing format line '# imuhinge recording v1'"),
    "format-version": (_replace(0, "# imuhinge recording v2"), 1, "unsupported format version v2"),
    "metadata-malformed": (_insert(2, "# just a comment"), 3, "metadata line must look like '# key: value'"),
    "metadata-duplicate": (
        _insert(3, "# device.upper_back: again"),
        4,
        "metadata key 'device.upper_back' appears twice (first on line 3)",
    ),
    "rate-not-a-number": (
        _replace(1, "# sample_rate_hz: fast"),
        2,
        "sample_rate_hz must be a positive number",
    ),
    "rate-zero": (_replace(1, "# sample_rate_hz: 0"), 2, "sample_rate_hz must be a positive number, got '0'"),
    "rate-underscore": (
        _replace(1, "# sample_rate_hz: 1_00"),
        2,
        "sample_rate_hz must be a positive number, got '1_00'",
    ),
    "blank-line-in-header": (_insert(3, ""), 4, "blank line before the column header"),
    "no-column-header": (lambda lines: lines[:3], 4, "no column header"),
    "no-samples": (lambda lines: lines[:4], 5, "no samples after the column header"),
    "missing-columns": (
        _columns("sensor,seq,acc_x_g,acc_y_g,acc_z_g,gyr_x_dps,gyr_y_dps"),
        4,
        "missing columns: time_s, gyr_z_dps",
    ),
    "unknown-acc-unit": (
        _columns(COLUMNS.replace("acc_x_g", "acc_x_ms2")),
        4,
        "unknown unit suffix '_ms2' in column 'acc_x_ms2' (use _g or _mps2)",
    ),
    "unknown-gyr-unit": (
        _columns(COLUMNS.replace("gyr_z_dps", "gyr_z_degs")),
        4,
        "unknown unit suffix '_degs' in column 'gyr_z_degs' (use _dps or _rads)",
    ),
    "no-unit": (_columns(COLUMNS.replace("acc_y_g", "acc_y")), 4, "column 'acc_y' has no unit suffix"),
    "mixed-units": (
        _columns(COLUMNS.replace("acc_y_g", "acc_y_mps2")),
        4,
        "acc_* columns mix units (_g, _mps2)",
    ),
    "duplicate-column": (_columns(COLUMNS.replace("sensor", "seq")), 4, "duplicate column 'seq'"),
    "non-numeric": (_set(10, "acc_y_g", "abc"), 15, "non-numeric value 'abc' in column acc_y_g"),
    "non-numeric-time": (_set(0, "time_s", "t0"), 5, "non-numeric value 't0' in column time_s"),
    "non-numeric-na": (_set(90, "gyr_z_dps", "NA"), 95, "non-numeric value 'NA' in column gyr_z_dps"),
    "non-numeric-underscore": (
        _set(7, "acc_x_g", "1_000"),
        12,
        "non-numeric value '1_000' in column acc_x_g",
    ),
    "empty-value": (_set(20, "gyr_x_dps", ""), 25, "empty value in column gyr_x_dps"),
    "nan": (_set(30, "acc_z_g", "nan"), 35, "value 'nan' in column acc_z_g is not a finite number"),
    "inf": (_set(31, "seq", "inf"), 36, "value 'inf' in column seq is not a finite number"),
    "extra-field-first-row": (
        lambda lines: [*lines[:4], lines[4] + ",1", *lines[5:]],
        5,
        "expected 9 fields, found 10",
    ),
    "extra-field-later-row": (_set(50, "gyr_z_dps", "0.3,0.4"), 55, "expected 9 fields, found 10"),
    "short-row-not-last": (
        lambda lines: _replace(54, "0.500000,upper_back,50,0.1")(lines),
        55,
        "expected 9 fields, found 4",
    ),
    "empty-line-not-last": (_replace(54, ""), 55, "empty line"),
    "time-backwards": (
        _set(40, "time_s", "0.380000"),
        45,
        "time goes backwards for sensor upper_back: 0.380000 s after 0.390000 s (previous sample on line 44)",
    ),
    "seq-repeats": (_set(40, "seq", "39"), 45, "seq repeats for sensor upper_back: 39 again"),
    "seq-backwards": (_set(60, "seq", "10"), 65, "seq goes backwards for sensor upper_back: 10 after 59"),
    "seq-not-whole": (_set(60, "seq", "60.5"), 65, "seq must be a whole number, got '60.5'"),
    "unknown-placement": (
        _set(70, "sensor", "wrist"),
        75,
        "unknown sensor placement 'wrist' (allowed: upper_back, sacrum)",
    ),
    "empty-placement": (_set(70, "sensor", ""), 75, "empty value in column sensor"),
    "mps2-in-g-column": (
        _all_rows("acc_z_g", "9.806650"),
        4,
        "median |acc| is 9.81 g, expected about 1 g: looks like m/s^2 in a g column",
    ),
    "g-in-mps2-column": (
        lambda lines: _columns(COLUMNS.replace("_g", "_mps2"))(lines),
        4,
        "looks like g in an m/s^2 column",
    ),
    "gyro-over-4000-dps": (
        _set(80, "gyr_y_dps", "-4500.5"),
        85,
        "gyro value -4500.5 deg/s in column gyr_y_dps is beyond any IMU's range (4000 deg/s)",
    ),
    "gyro-dps-in-rads-column": (
        lambda lines: _columns(COLUMNS.replace("_dps", "_rads"))(_set(3, "gyr_x_dps", "120.0")(lines)),
        8,
        "120.00 rad/s (6875 deg/s) in column gyr_x_rads is beyond any IMU's range (4000 deg/s): "
        "are these deg/s in a rad/s column?",
    ),
    "rate-mismatch": (
        _replace(1, "# sample_rate_hz: 50"),
        2,
        "sample rate mismatch: the header's sample_rate_hz is 50 Hz but sensor upper_back's timestamps "
        "give 100 Hz",
    ),
    "rate-off-by-12-percent": (_replace(1, "# sample_rate_hz: 112"), 2, "sample rate mismatch"),
    "device-unknown-placement": (
        _insert(3, "# device.wrist: band"),
        4,
        "unknown sensor placement 'wrist' in metadata key 'device.wrist' (allowed: upper_back, sacrum)",
    ),
    "second-sensor-without-rows": (
        _insert(3, "# device.sacrum: second sensor"),
        4,
        "sensor 'sacrum' is named in the metadata (device.sacrum) but has no samples",
    ),
}


@pytest.mark.parametrize(("mutate", "line", "text"), CASES.values(), ids=CASES.keys())
def test_bad_input(tmp_path: Path, mutate: Callable[[list[str]], list[str]], line: int, text: str) -> None:
    path = _write(tmp_path / "bad.csv", mutate(_lines()))
    _assert_error(_load_error(path), path, line, text)


def test_the_base_file_is_good(tmp_path: Path) -> None:
    rec = load_recording(_write(tmp_path / "good.csv", _lines()))
    assert len(rec.sensors["upper_back"]) == 100


def test_rate_within_two_percent_is_accepted(tmp_path: Path) -> None:
    rec = load_recording(_write(tmp_path / "ok.csv", _replace(1, "# sample_rate_hz: 101.5")(_lines())))
    assert rec.sample_rate_hz == 101.5


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.csv"
    _assert_error(_load_error(path), path, None, "no such file")


def test_folder(tmp_path: Path) -> None:
    _assert_error(_load_error(tmp_path), tmp_path, None, "is a folder, not a recording")


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.touch()
    _assert_error(_load_error(path), path, None, "empty file")


def test_not_utf8_in_data(tmp_path: Path) -> None:
    path = _write(tmp_path / "latin1.csv", _lines())
    path.write_bytes(path.read_bytes().replace(b"0.010000,-0.020000", b"0.01\xb0,-0.020000", 1))
    _assert_error(_load_error(path), path, 5, "non-numeric value '0.01\ufffd' in column acc_x_g")


def test_not_utf8_in_header(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes(b"# imuhinge recording v1\n# note: caf\xe9\n" + COLUMNS.encode() + b"\n")
    _assert_error(_load_error(path), path, 2, "header line is not valid UTF-8 text")


def test_non_numeric_in_second_sensor(tmp_path: Path) -> None:
    lines = [*HEADER[:2], COLUMNS, *_rows(50, ("upper_back", "sacrum"))]
    lines[3 + 2 * 20 + 1] = lines[3 + 2 * 20 + 1].replace("0.999000", "0.99x")
    path = _write(tmp_path / "two.csv", lines)
    # Row 41 (sacrum, sample 20) is on line 4 + 41.
    _assert_error(_load_error(path), path, 45, "non-numeric value '0.99x' in column acc_z_g")


def test_time_backwards_in_second_sensor_names_it(tmp_path: Path) -> None:
    lines = [*HEADER[:2], COLUMNS, *_rows(50, ("upper_back", "sacrum"))]
    index = 3 + 2 * 30 + 1
    lines[index] = lines[index].replace("0.300000,", "0.100000,", 1)
    path = _write(tmp_path / "two.csv", lines)
    _assert_error(
        _load_error(path), path, 65, "time goes backwards for sensor sacrum: 0.100000 s after 0.290000 s"
    )


def test_two_devices_without_sensor_column(tmp_path: Path) -> None:
    columns = COLUMNS.replace("sensor,", "")
    rows = [r.replace("upper_back,", "") for r in _rows()]
    path = _write(tmp_path / "two.csv", [*HEADER, "# device.sacrum: other", columns, *rows])
    _assert_error(
        _load_error(path),
        path,
        4,
        "the metadata names 2 sensors (device.upper_back, device.sacrum) but there is no sensor column",
    )


def test_unknown_placement_key(tmp_path: Path) -> None:
    columns = COLUMNS.replace("sensor,", "")
    rows = [r.replace("upper_back,", "") for r in _rows()]
    path = _write(tmp_path / "one.csv", [*HEADER[:2], "# placement: chest", columns, *rows])
    _assert_error(_load_error(path), path, 3, "unknown sensor placement 'chest' in metadata key 'placement'")


def test_timestamps_no_clock_explains(tmp_path: Path) -> None:
    """Intervals drawn at random (no steady sample clock, no counter) are refused, not put on a grid."""
    times = np.cumsum(np.random.default_rng(3).exponential(0.01, 100))
    columns = COLUMNS.replace("seq,", "")
    rows = [
        f"{t:.6f},{','.join(np.delete(r.split(','), [0, 2]))}" for t, r in zip(times, _rows(), strict=True)
    ]
    path = _write(tmp_path / "norate.csv", [HEADER[0], columns, *rows])
    _assert_error(_load_error(path), path, 3, "the timestamps of sensor upper_back are irregular")


def test_a_counter_places_samples_whose_timestamps_wobble(tmp_path: Path) -> None:
    """With the sensor's counter, a lossy link (every other sample lost for most of the set) stamped
    with a millisecond of wobble by a loaded host loads: the counter says which samples were lost."""
    wobble = np.random.default_rng(4).uniform(-0.001, 0.001, 100)
    kept = [i for i in range(100) if not (5 <= i < 95 and i % 2)]
    rows = [f"{i / 100 + wobble[i]:.6f},{_rows()[i].split(',', 1)[1]}" for i in kept]
    path = _write(tmp_path / "wobble.csv", [*HEADER, COLUMNS, *rows])
    rec = load_recording(path)
    stream = rec.sensors["upper_back"]
    np.testing.assert_array_equal(stream.seq, kept)
    assert sum(g.missing_samples for g in rec.gaps) == 100 - len(kept) == 45
    assert np.all(np.diff(stream.time_s) > 0)


def test_timestamps_that_do_not_advance(tmp_path: Path) -> None:
    rows = [f"1.000000,{r.split(',', 1)[1]}" for r in _rows(10)]
    path = _write(tmp_path / "still.csv", [HEADER[0], COLUMNS, *rows])
    _assert_error(_load_error(path), path, 3, "the timestamps of sensor upper_back do not advance")


def test_bad_line_inside_a_partial_file_is_an_error(tmp_path: Path) -> None:
    """Only the last line may be torn: a cut-off line anywhere else is bad input."""
    lines = _lines()
    lines[40] = lines[40][:17]
    path = _write(tmp_path / "set.csv.partial", lines)
    _assert_error(_load_error(path), path, 41, "expected 9 fields, found 2")


def _hinge_lines(gyr_scale: float) -> list[str]:
    """12 s of hinging at 100 Hz about the sensor's y axis: 0 to 60 deg and back every 4 s."""
    time_s = np.arange(1200) / 100
    angle = np.radians(30.0) * (1 - np.cos(2 * np.pi * time_s / 4))
    rate_dps = np.degrees(np.radians(30.0) * 2 * np.pi / 4 * np.sin(2 * np.pi * time_s / 4))
    rows = [
        f"{t:.6f},upper_back,{i},{np.sin(a):.6f},0,{np.cos(a):.6f},0,{r * gyr_scale:.6f},0"
        for i, (t, a, r) in enumerate(zip(time_s, angle, rate_dps, strict=True))
    ]
    return [*HEADER, COLUMNS, *rows]


def test_gyro_in_rads_written_into_dps_column(tmp_path: Path) -> None:
    assert len(load_recording(_write(tmp_path / "ok.csv", _hinge_lines(1.0))).sensors["upper_back"]) == 1200
    path = _write(tmp_path / "rads.csv", _hinge_lines(np.pi / 180))
    err = _load_error(path)
    _assert_error(err, path, 4, "gyro too small for the motion of sensor upper_back")
    assert "looks like rad/s in a deg/s column (name the columns gyr_*_rads)" in err.problem
