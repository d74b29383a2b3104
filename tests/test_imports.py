"""Phone and vendor exports: written by the tests from each format's published layout, recognised by
content, imported and analysed like the simulator's truth."""

from __future__ import annotations

import zipfile

import numpy as np
import pytest
from conftest import sim_set

from imuhinge.analysis.replay import analyze
from imuhinge.cli import main
from imuhinge.errors import InputError
from imuhinge.io import load_recording
from imuhinge.io.imports import import_recording
from imuhinge.io.imports.motion import Series, merge, series_at
from imuhinge.io.imports.table import parse_table
from imuhinge.io.load import load_any
from imuhinge.model import G_MPS2
from imuhinge.sources.emulated.phone import exports
from imuhinge.sources.emulated.phone.sampling import phone_motion

PHASES = ("eccentric_s", "bottom_s", "concentric_s")


@pytest.fixture(scope="module")
def phone_set():
    sim = sim_set(reps=5, seed=11, sample_rate_hz=200.0)
    return sim, phone_motion(sim.recording.sensors["upper_back"], seed=11)


def _write(kind: str, folder, motion):
    if kind == "phyphox-android-zip":
        return exports.write_phyphox(folder / "phyphox.zip", motion)
    if kind == "phyphox-ios-semicolon-decimal-comma":
        return exports.write_phyphox(
            folder / "p.zip", motion, platform="ios", separator=";", decimal_mark=","
        )
    if kind == "phyphox-one-csv-tab":
        return exports.write_phyphox(folder / "phyphox.csv", motion, single_csv=True, separator="\t")
    if kind == "sensorlogger-android-zip":
        return exports.write_sensorlogger(folder / "sl.zip", motion)
    if kind == "sensorlogger-ios-folder":
        return exports.write_sensorlogger(folder / "export", motion, platform="ios", archive=False)
    if kind == "metawear-pair":
        return exports.write_metawear(folder, motion)[0]
    if kind == "polar-pair":
        return exports.write_polar(folder, motion)[1]  # the gyroscope file: its partner is found
    raise AssertionError(kind)


KINDS = [
    "phyphox-android-zip",
    "phyphox-ios-semicolon-decimal-comma",
    "phyphox-one-csv-tab",
    "sensorlogger-android-zip",
    "sensorlogger-ios-folder",
    "metawear-pair",
    "polar-pair",
]


def phase_errors_s(report, truth_reps) -> np.ndarray:
    return np.array(
        [
            abs(getattr(rep, key) - truth[key])
            for rep, truth in zip(report.reps, truth_reps, strict=True)
            for key in PHASES
            if truth[key] is not None and getattr(rep, key) is not None
        ]
    )


@pytest.mark.parametrize("kind", KINDS)
def test_each_export_analyses_to_the_truth(kind, phone_set, tmp_path):
    sim, motion = phone_set
    rec = load_any(_write(kind, tmp_path, motion))
    report = analyze(rec)
    assert report.rep_count == sim.truth["rep_count"]
    errors = phase_errors_s(report, sim.truth["reps"])
    assert len(errors) >= 3 * 5 - 1
    assert errors.max() <= 0.100 and np.median(errors) <= 0.020
    assert rec.sensors["upper_back"].rate_hz == pytest.approx(99.3, rel=2e-3)  # the phone's, not 100


def test_import_writes_v1_with_the_source_and_loads_as_analyze_reads_it(phone_set, tmp_path, capsys):
    _, motion = phone_set
    src = exports.write_sensorlogger(tmp_path / "sl.zip", motion)
    out = tmp_path / "set.csv"
    assert main(["import", str(src), "-o", str(out), "--placement", "sacrum"]) == 0
    assert capsys.readouterr().out.startswith(f"wrote {out} (Sensor Logger export, ")
    rec = load_recording(out)
    assert rec.metadata["source"] == "Sensor Logger export"
    assert rec.metadata["source_file"] == "sl.zip (TotalAcceleration.csv, Gyroscope.csv)"
    assert rec.metadata["device.sacrum"] == "Sensor Logger on Pixel 7"
    assert rec.metadata["started_at"] == "2026-11-18T11:06:40Z"
    direct = load_any(src)
    assert list(rec.sensors) == ["sacrum"] and list(direct.sensors) == ["upper_back"]
    a, b = rec.sensors["sacrum"], direct.sensors["upper_back"]
    assert np.array_equal(a.time_s, b.time_s) and np.array_equal(a.acc_mps2, b.acc_mps2)


def test_decoded_values_and_sign_conventions(phone_set, tmp_path):
    """Every format decodes to the specific force and rate the phone measured, at its timestamps."""
    _, motion = phone_set
    short = motion.window(0.0, 3.0)
    acc_t, gyr_t = short.acc_time_s, short.gyr_time_s
    inside = (acc_t >= gyr_t[0]) & (acc_t <= gyr_t[-1])  # where the gyroscope can be interpolated
    want_t = acc_t[inside] - acc_t[inside][0]
    want_acc = short.acc_mps2[inside]
    want_gyr = np.column_stack([np.interp(acc_t[inside], gyr_t, short.gyr_rads[:, k]) for k in range(3)])
    folder = tmp_path / "mw"
    folder.mkdir()
    exact = (1e-6, 1e-9, 1e-6)  # the gyroscope moves a little with the stamps rounded to ns
    cases = {
        "android": (exports.write_sensorlogger(tmp_path / "a.zip", short), exact),
        "ios": (exports.write_sensorlogger(tmp_path / "i.zip", short, platform="ios"), exact),
        "ios standardised": (
            exports.write_sensorlogger(tmp_path / "s.zip", short, platform="ios", standardised=True),
            exact,
        ),
        "phyphox tab, decimal comma": (
            exports.write_phyphox(tmp_path / "p.zip", short, separator="\t", decimal_mark=","),
            (1e-6, 1e-7, 1e-6),
        ),
        "metawear (ms, g and deg/s with 3 decimals)": (
            exports.write_metawear(folder, short)[0],
            (1e-3, 0.0006 * G_MPS2, np.radians(0.0006) + 5e-3),
        ),
    }
    for name, (path, (tol_t, tol_acc, tol_gyr)) in cases.items():
        stream = import_recording(path).sensors["upper_back"]
        assert len(stream) == inside.sum(), name
        assert np.allclose(stream.time_s, want_t, rtol=0, atol=tol_t), name
        assert np.allclose(stream.acc_mps2, want_acc, rtol=0, atol=tol_acc), name
        assert np.allclose(stream.gyr_rads, want_gyr, rtol=0, atol=tol_gyr), name


def test_java_number_style_and_decimal_commas():
    assert exports.java_scientific(np.array([57.72740775, -0.0012, 0.0, np.nan])) == [
        "5.772740775E1",
        "-1.200000000E-3",
        "0.000000000E0",
        "NaN",
    ]
    table = parse_table('"t (s)";"X (m/s^2)"\n5,772740775E1;-1,2E-3\nNaN;2\n', "x.csv")
    assert table.values[0].tolist() == [57.72740775, -0.0012]
    assert np.isnan(table.values[1, 0]) and table.values[1, 1] == 2.0


def test_a_pause_in_the_experiment_is_a_gap(phone_set, tmp_path):
    _, motion = phone_set
    path = exports.write_phyphox(tmp_path / "p.zip", motion, pause=(20.0, 23.5))
    rec = load_any(path)
    gaps = [g for g in rec.gaps if g.end_s - g.start_s > 1.0]
    assert len(gaps) == 1 and gaps[0].end_s - gaps[0].start_s == pytest.approx(3.5, abs=0.03)


def test_the_gyroscope_is_interpolated_and_holes_are_left_open():
    gyr = Series(np.array([0.0, 0.01, 0.02, 0.10, 0.11]), np.arange(15, dtype=float).reshape(5, 3))
    covered, rates = series_at(np.array([-0.005, 0.005, 0.015, 0.05, 0.105, 0.2]), gyr)
    assert covered.tolist() == [False, True, True, False, True, False]
    assert np.allclose(rates[:, 0], [1.5, 4.5, 10.5])
    acc = Series(np.array([0.002, 0.002, 0.012, 0.004]), np.ones((4, 3)) * 9.8)
    time_s, _, _ = merge(acc, gyr, "test")
    assert time_s.tolist() == [0.002, 0.004, 0.012]  # sorted, the repeated row dropped


def test_acceleration_without_gravity_is_refused(phone_set, tmp_path):
    _, motion = phone_set
    linear = exports.write_phyphox(tmp_path / "linear.zip", motion, linear=True)
    with pytest.raises(InputError, match=r"linear acceleration .*orientation needs gravity"):
        load_any(linear)
    folder = exports.write_sensorlogger(tmp_path / "android", motion, archive=False)
    (folder / "TotalAcceleration.csv").unlink()
    (folder / "Gravity.csv").unlink()
    with pytest.raises(InputError, match=r"without gravity .*orientation needs gravity"):
        load_any(folder)
    # Unlabelled acceleration that is near zero at rest is caught by its magnitude.
    mapped = tmp_path / "mapped.csv"
    mapped.write_text("t,ax,ay,az,gx,gy,gz\n" + "".join(f"{i / 100},0.01,0,0.02,0,0,0\n" for i in range(300)))
    cols = "time=t,acc_x=ax,acc_y=ay,acc_z=az,gyr_x=gx,gyr_y=gy,gyr_z=gz"
    assert main(["import", str(mapped), "-o", str(tmp_path / "m.csv"), "--columns", cols]) == 2


def test_unknown_file_gets_one_line_with_the_formats_and_the_import_command(tmp_path, capsys):
    odd = tmp_path / "odd.csv"
    odd.write_text("a,b,c\n1,2,3\n")
    assert main(["analyze", str(odd)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    for word in ("phyphox", "Sensor Logger", "MetaWear", "Polar", "imuhinge import", "--columns"):
        assert word in err


def test_mapped_csv_with_units(phone_set, tmp_path, capsys):
    sim, _ = phone_set
    stream = sim.recording.sensors["upper_back"]
    src = exports.write_mapped_csv(tmp_path / "log.csv", stream)
    out = tmp_path / "set.csv"
    cols = "time=stamp_ms,acc_x=ax,acc_y=ay,acc_z=az,gyr_x=gx,gyr_y=gy,gyr_z=gz"
    assert main(["import", str(src), "-o", str(out), "--columns", cols, "--units", "time=ms"]) == 0
    rec = load_recording(out)
    got = rec.sensors["upper_back"]
    assert np.allclose(got.acc_mps2, stream.acc_mps2, atol=1e-5 * G_MPS2)
    assert np.allclose(got.gyr_rads, stream.gyr_rads, atol=1e-4)
    assert analyze(rec).rep_count == sim.truth["rep_count"]
    capsys.readouterr()
    bad = [
        (["--columns", "time=stamp_ms"], "--columns: missing acc_x"),
        (["--columns", cols.replace("gx", "gq")], "does not have (gyr_x=gq)"),
        (["--columns", cols, "--units", "time=min"], "--units: time='min'"),
        (["--units", "acc=g"], "--units goes with --columns"),
    ]
    for extra, message in bad:
        assert main(["import", str(src), "-o", str(tmp_path / "x.csv"), *extra]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and message in err, err
    assert not (tmp_path / "x.csv").exists()


def test_import_output_safety(phone_set, tmp_path, capsys):
    _, motion = phone_set
    src = exports.write_phyphox(tmp_path / "p.csv", motion.window(0, 5), single_csv=True)
    before = src.read_bytes()
    out = tmp_path / "set.csv"
    out.write_text("keep me")
    folder = tmp_path / "folder.csv"
    folder.mkdir()
    cases = [
        ([str(src), "-o", str(out)], "already exists (--force replaces it)"),
        ([str(src), "-o", str(src), "--force"], "is an input of this import"),
        ([str(src), "-o", str(folder), "--force"], "is not a regular file"),
    ]
    for args, message in cases:
        assert main(["import", *args]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and message in err, err
    assert out.read_text() == "keep me" and src.read_bytes() == before
    assert main(["import", str(src), "-o", str(out), "--force"]) == 0
    assert load_recording(out).metadata["source"] == "phyphox export"


def test_bad_values_name_the_file_and_line(phone_set, tmp_path):
    _, motion = phone_set
    path = exports.write_phyphox(tmp_path / "p.zip", motion.window(0, 2))
    with zipfile.ZipFile(path) as z:
        files = {n: z.read(n).decode() for n in z.namelist()}
    lines = files["Gyroscope.csv"].splitlines()
    lines[7] = lines[7].replace("E", "x", 1)
    files["Gyroscope.csv"] = "\n".join(lines)
    broken = tmp_path / "broken.zip"
    with zipfile.ZipFile(broken, "w") as z:
        for name, text in files.items():
            z.writestr(name, text)
    with pytest.raises(InputError, match=r"broken.zip:Gyroscope.csv:8: value '.*' in column 'Time \(s\)'"):
        load_any(broken)


def test_analyze_an_export_folder_and_a_folder_of_exports(phone_set, tmp_path, capsys):
    sim, motion = phone_set
    folder = exports.write_sensorlogger(tmp_path / "export", motion, platform="ios", archive=False)
    assert main(["analyze", str(folder)]) == 0
    assert f"{sim.truth['rep_count']} reps" in capsys.readouterr().out
    sets = tmp_path / "sets"
    sets.mkdir()
    exports.write_phyphox(sets / "monday.zip", motion)
    exports.write_sensorlogger(sets / "tuesday.zip", motion)
    assert main(["analyze", str(sets)]) == 0
    out = capsys.readouterr().out
    assert out.count(f": {sim.truth['rep_count']} reps") == 2 and "monday.zip" in out
