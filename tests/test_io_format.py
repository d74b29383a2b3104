"""Recording format v1: round trips, units, placements, metadata, gaps and sample rate."""

from __future__ import annotations

import logging
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from imuhinge.io import RecordingWriter, load_recording, save_recording
from imuhinge.model import G_MPS2, Exercise, Recording, SensorStream
from imuhinge.sim import SimConfig, simulate

TIME_TOL_S = 0.5e-6 + 1e-9
ACC_TOL_MPS2 = (0.5e-6 + 1e-9) * G_MPS2
GYR_TOL_RADS = np.radians(0.5e-6 + 1e-9)

COLUMNS = "time_s,acc_x_g,acc_y_g,acc_z_g,gyr_x_dps,gyr_y_dps,gyr_z_dps"

# Metadata text: anything on one line (line breaks and lone surrogates cannot be written as UTF-8 lines).
_chars = st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r")
_keys = st.text(_chars, min_size=1, max_size=12).filter(
    lambda k: (
        k == k.strip()
        and ":" not in k
        and k not in ("sample_rate_hz", "placement")
        and not k.startswith("device.")
    )
)
_values = st.text(_chars, max_size=30).filter(lambda v: v == v.strip())


@st.composite
def _stream(draw: st.DrawFn, placement: str, rate_hz: float, with_seq: bool) -> SensorStream:
    n = draw(st.integers(2, 80))
    steps = np.ones(n - 1, dtype=np.int64)
    # A few gaps, so the median interval stays one sample period.
    for position in draw(st.lists(st.integers(0, n - 2), max_size=(n - 1) // 4, unique=True)):
        steps[position] = draw(st.integers(2, 40))
    seq0 = draw(st.integers(0, 10**9))
    seq = seq0 + np.concatenate([[0], np.cumsum(steps)])
    offset_s = draw(st.floats(-5.0, 5000.0, allow_nan=False))
    time_s = offset_s + (seq - seq0) / rate_hz
    acc_g = draw(arrays(np.float64, (n, 3), elements=st.floats(-0.05, 0.05))) + np.array([0.0, 0.0, 1.0])
    gyr_dps = draw(arrays(np.float64, (n, 3), elements=st.floats(-2000.0, 2000.0)))
    return SensorStream(placement, time_s, acc_g * G_MPS2, np.radians(gyr_dps), seq if with_seq else None)


@st.composite
def recordings(draw: st.DrawFn) -> Recording:
    """One or two sensors, with or without seq, with gaps and random one-line metadata."""
    rate_hz = draw(st.sampled_from([25.0, 52.0, 100.0, 104.16666666666667, 200.0, 833.0]))
    placements = draw(st.sampled_from([("upper_back",), ("sacrum",), ("upper_back", "sacrum")]))
    with_seq = draw(st.booleans())
    sensors = {p: draw(_stream(p, rate_hz, with_seq)) for p in placements}
    metadata = draw(st.dictionaries(_keys, _values, max_size=6))
    if draw(st.booleans()):
        metadata["started_at"] = draw(_values)
    for placement in placements:
        if draw(st.booleans()):
            metadata[f"device.{placement}"] = draw(_values)
    return Recording(sensors, rate_hz, metadata)


def assert_recordings_close(loaded: Recording, original: Recording) -> None:
    """Equal to within the written precision (6 decimals of s, g and deg/s)."""
    assert loaded.sample_rate_hz == original.sample_rate_hz
    assert loaded.metadata == original.metadata
    assert loaded.placements == original.placements
    for placement in original.placements:
        a, b = loaded.sensors[placement], original.sensors[placement]
        assert a.placement == placement
        np.testing.assert_allclose(a.time_s, b.time_s, rtol=0, atol=TIME_TOL_S)
        np.testing.assert_allclose(a.acc_mps2, b.acc_mps2, rtol=0, atol=ACC_TOL_MPS2)
        np.testing.assert_allclose(a.gyr_rads, b.gyr_rads, rtol=0, atol=GYR_TOL_RADS)
        if b.seq is None:
            assert a.seq is None
        else:
            np.testing.assert_array_equal(a.seq, b.seq)
            assert a.seq.dtype == np.int64


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(recordings())
def test_round_trip(recording: Recording) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        first, second = Path(tmp) / "a.csv", Path(tmp) / "b.csv"
        save_recording(recording, first)
        loaded = load_recording(first)
        assert_recordings_close(loaded, recording)
        assert loaded.path == first
        save_recording(loaded, second)
        assert second.read_bytes() == first.read_bytes()
        assert not list(Path(tmp).glob("*.partial"))


def _recording(
    placements: tuple[str, ...] = ("upper_back",), n: int = 50, rate_hz: float = 100.0
) -> Recording:
    rng = np.random.default_rng(1)
    sensors = {}
    for i, p in enumerate(placements):
        time_s = np.arange(n) / rate_hz + 0.002 * i
        acc = np.tile([0.0, 0.0, G_MPS2], (n, 1)) + rng.normal(0, 0.05, (n, 3))
        sensors[p] = SensorStream(p, time_s, acc, rng.normal(0, 0.1, (n, 3)), np.arange(n) + 7)
    return Recording(sensors, rate_hz, {"exercise": "rdl", "started_at": "2026-11-23T19:28:01Z"})


def test_header_order_and_columns(tmp_path: Path) -> None:
    path = tmp_path / "set.csv"
    save_recording(_recording(("upper_back", "sacrum")), path)
    lines = path.read_text().splitlines()
    assert lines[:4] == [
        "# imuhinge recording v1",
        "# sample_rate_hz: 100",
        "# started_at: 2026-11-23T19:28:01Z",
        "# exercise: rdl",
    ]
    assert lines[4] == "time_s,sensor,seq,acc_x_g,acc_y_g,acc_z_g,gyr_x_dps,gyr_y_dps,gyr_z_dps"
    assert lines[5].startswith("0.000000,upper_back,7,")
    assert lines[6].startswith("0.002000,sacrum,7,")
    assert list(load_recording(path).metadata) == ["started_at", "exercise"]


def test_equal_times_upper_back_first_and_no_negative_zero(tmp_path: Path) -> None:
    rec = Recording(
        {
            p: SensorStream(
                p, np.array([0.0, 0.01]), np.tile([0.0, 0.0, G_MPS2], (2, 1)), np.full((2, 3), -1e-12)
            )
            for p in ("sacrum", "upper_back")
        },
        100.0,
    )
    path = tmp_path / "s.csv"
    save_recording(rec, path)
    rows = path.read_text().splitlines()[3:]
    assert [r.split(",")[1] for r in rows] == ["upper_back", "sacrum", "upper_back", "sacrum"]
    assert rows[0] == "0.000000,upper_back,0.000000,0.000000,1.000000,0.000000,0.000000,0.000000"


def test_save_refuses_unwritable_metadata(tmp_path: Path) -> None:
    from imuhinge.errors import InputError

    rec = _recording()
    rec.metadata["note"] = "two\nlines"
    with pytest.raises(InputError, match="one line"):
        save_recording(rec, tmp_path / "x.csv")
    assert not list(tmp_path.iterdir())


def test_units_by_suffix(tmp_path: Path) -> None:
    path = tmp_path / "si.csv"
    body = "\n".join(f"{i / 50:.4f},0.5,0.0,9.80665,0.1,-0.2,0.3" for i in range(20))
    path.write_text(
        "# imuhinge recording v1\n# sample_rate_hz: 50\n"
        "time_s,acc_x_mps2,acc_y_mps2,acc_z_mps2,gyr_x_rads,gyr_y_rads,gyr_z_rads\n" + body + "\n"
    )
    rec = load_recording(path)
    stream = rec.sensors["upper_back"]
    np.testing.assert_allclose(stream.acc_mps2[0], [0.5, 0.0, G_MPS2])
    np.testing.assert_allclose(stream.gyr_rads[0], [0.1, -0.2, 0.3])
    assert stream.seq is None

    g_path = tmp_path / "g.csv"
    body = "\n".join(f"{i / 50:.4f},0.0,-1.0,0.0,90.0,0.0,-180.0" for i in range(20))
    g_path.write_text(f"# imuhinge recording v1\n# sample_rate_hz: 50\n{COLUMNS}\n{body}\n")
    stream = load_recording(g_path).sensors["upper_back"]
    np.testing.assert_allclose(stream.acc_mps2[0], [0.0, -G_MPS2, 0.0])
    np.testing.assert_allclose(stream.gyr_rads[0], [np.pi / 2, 0.0, -np.pi])


def _single_sensor_file(path: Path, metadata: str) -> Path:
    body = "\n".join(f"{i / 50:.4f},0.0,0.0,1.0,0.0,0.0,0.0" for i in range(10))
    path.write_text(f"# imuhinge recording v1\n# sample_rate_hz: 50\n{metadata}{COLUMNS}\n{body}\n")
    return path


@pytest.mark.parametrize(
    ("metadata", "placement"),
    [
        ("", "upper_back"),
        ("# placement: sacrum\n", "sacrum"),
        ("# device.sacrum: WitMotion WT901BLE (C1:23:45:67:89:AB)\n", "sacrum"),
        ("# device.upper_back: Polar Verity Sense\n# exercise: rdl\n", "upper_back"),
    ],
)
def test_placement_without_sensor_column(tmp_path: Path, metadata: str, placement: str) -> None:
    rec = load_recording(_single_sensor_file(tmp_path / "one.csv", metadata))
    assert rec.placements == [placement]
    assert len(rec.sensors[placement]) == 10


def test_extra_columns_are_ignored(tmp_path: Path) -> None:
    path = tmp_path / "extra.csv"
    body = "\n".join(f"{i / 50:.4f},21.5,0.0,0.0,1.0,0.0,0.0,0.0,x" for i in range(10))
    path.write_text(
        "# imuhinge recording v1\n# sample_rate_hz: 50\n"
        "time_s,temp_c,acc_x_g,acc_y_g,acc_z_g,gyr_x_dps,gyr_y_dps,gyr_z_dps,note\n" + body + "\n"
    )
    stream = load_recording(path).sensors["upper_back"]
    np.testing.assert_allclose(stream.acc_mps2[:, 2], G_MPS2)


def test_interleaving_between_sensors_is_free(tmp_path: Path) -> None:
    """Blocks of each sensor in any order; only each sensor's own rows must be in time order."""
    path = tmp_path / "blocks.csv"
    rec = _recording(("upper_back", "sacrum"), n=40)
    with RecordingWriter(path, 100.0, placements=("upper_back", "sacrum")) as writer:
        for start in (0, 10, 20, 30):
            for p in ("sacrum", "upper_back") if start % 20 else ("upper_back", "sacrum"):
                s = rec.sensors[p]
                rows = slice(start, start + 10)
                writer.write(
                    p, s.time_s[rows], s.acc_mps2[rows] / G_MPS2, np.degrees(s.gyr_rads[rows]), s.seq[rows]
                )
    loaded = load_recording(path)
    rec.metadata = {}
    assert_recordings_close(loaded, rec)


def test_gaps_from_seq(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    rate_hz = 100.0
    seq = np.arange(300)
    keep = np.ones(300, dtype=bool)
    keep[50:54] = False  # 4 missing after seq 49
    keep[200:210] = False  # 10 missing after seq 199
    seq = seq[keep]
    n = len(seq)
    # Jittered clock times: the gaps come from the counter, not from the time steps.
    time_s = seq / rate_hz + np.random.default_rng(0).uniform(0, 0.002, n)
    stream = SensorStream("upper_back", time_s, np.tile([0.0, 0.0, G_MPS2], (n, 1)), np.zeros((n, 3)), seq)
    sacrum_seq = np.arange(300)
    sacrum = SensorStream(
        "sacrum", sacrum_seq / rate_hz, np.tile([0.0, 0.0, G_MPS2], (300, 1)), np.zeros((300, 3)), sacrum_seq
    )
    path = tmp_path / "gaps.csv"
    save_recording(Recording({"upper_back": stream, "sacrum": sacrum}, rate_hz), path)
    with caplog.at_level(logging.INFO, logger="imuhinge.io"):
        rec = load_recording(path)
    assert [(g.sensor, g.missing_samples) for g in rec.gaps] == [("upper_back", 4), ("upper_back", 10)]
    # Gap times are on the regular grid the jittered times are put on: within the 2 ms of jitter.
    assert rec.gaps[0].start_s == pytest.approx(time_s[49], abs=0.002)
    assert rec.gaps[0].end_s == pytest.approx(time_s[50], abs=0.002)
    assert rec.gaps[1].start_s == pytest.approx(time_s[195], abs=0.002)
    assert rec.gaps[1].end_s == pytest.approx(time_s[196], abs=0.002)
    grid = rec.sensors["upper_back"].time_s - seq / rate_hz
    assert np.ptp(grid) < 0.0005  # regular: the jitter (2 ms wide) is gone from the times
    gap_logs = [r for r in caplog.records if "samples missing" in r.getMessage()]
    assert len(gap_logs) == 1 and gap_logs[0].levelno == logging.INFO  # the report's note says it once
    assert "upper_back: 2 gaps, 14 samples missing" in gap_logs[0].getMessage()


def test_gaps_from_time_without_seq(tmp_path: Path) -> None:
    time_s = np.concatenate([np.arange(0, 100), np.arange(103, 200), np.arange(250, 300)]) / 50.0
    n = len(time_s)
    rec = Recording(
        {"upper_back": SensorStream("upper_back", time_s, np.tile([0, 0, G_MPS2], (n, 1)), np.zeros((n, 3)))},
        50.0,
    )
    path = tmp_path / "gaps.csv"
    save_recording(rec, path)
    gaps = load_recording(path).gaps
    assert [g.missing_samples for g in gaps] == [3, 50]
    assert [(g.start_s, g.end_s) for g in gaps] == [pytest.approx((1.98, 2.06)), pytest.approx((3.98, 5.0))]


def test_no_gap_warning_without_gaps(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "ok.csv"
    save_recording(_recording(), path)
    with caplog.at_level(logging.WARNING, logger="imuhinge.io"):
        assert load_recording(path).gaps == []
    assert not caplog.records


def test_rate_derived_from_regular_timestamps(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "norate.csv"
    body = "\n".join(f"{i / 52:.6f},0.0,0.0,1.0,0.0,0.0,0.0" for i in range(200) if i not in (60, 61))
    path.write_text(f"# imuhinge recording v1\n{COLUMNS}\n{body}\n")
    with caplog.at_level(logging.WARNING, logger="imuhinge.io"):
        rec = load_recording(path)
    assert rec.sample_rate_hz == 52.0
    assert any("derived from the timestamps" in r.getMessage() for r in caplog.records)
    assert [g.missing_samples for g in rec.gaps] == [2]


def test_partial_path_loads_directly(tmp_path: Path) -> None:
    path = tmp_path / "set.csv"
    save_recording(_recording(), path)
    partial = path.rename(tmp_path / "set.csv.partial")
    rec = load_recording(partial)
    assert len(rec.sensors["upper_back"]) == 50
    assert rec.path == partial


@pytest.mark.parametrize(
    "config",
    [
        SimConfig(
            sensors=("upper_back", "sacrum"), random_mounting=True, gyro_bias_dps=2.0, packet_loss=0.05
        ),
        SimConfig(
            exercise=Exercise.KETTLEBELL_SWING, sensors=("upper_back", "sacrum"), sample_rate_hz=200.0, reps=6
        ),
        SimConfig(exercise=Exercise.DEADLIFT, reps=4, walk_in_s=3.0, acc_offset_g=0.03, seed=3),
        SimConfig(
            exercise=Exercise.SINGLE_LEG_RDL,
            reps=4,
            clock_offset_s={"sacrum": 0.013},
            sensors=("upper_back", "sacrum"),
        ),
    ],
    ids=["random-mount-bias-loss", "swing-200hz", "deadlift-walk", "slrdl-offset"],
)
def test_simulated_sets_pass_the_plausibility_checks(tmp_path: Path, config: SimConfig) -> None:
    recording = simulate(config).recording
    path = tmp_path / "sim.csv"
    save_recording(recording, path)
    loaded = load_recording(path)
    assert_recordings_close(loaded, recording)


def test_errors_are_one_line_without_the_cli(tmp_path: Path) -> None:
    """The API reports bad input itself (file:line: problem); the CLI only prints it."""
    path = tmp_path / "bad.csv"
    path.write_text(f"# imuhinge recording v1\n# sample_rate_hz: 50\n{COLUMNS}\n0.0,0,0,1,0,0,oops\n")
    code = (
        "import sys\n"
        "from imuhinge.errors import InputError\n"
        "from imuhinge.io import load_recording\n"
        "try:\n"
        f"    load_recording({str(path)!r})\n"
        "except InputError as exc:\n"
        "    print(exc)\n"
        "print(any(m.startswith('imuhinge.cli') for m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.splitlines() == [f"{path}:4: non-numeric value 'oops' in column gyr_z_dps", "False"]
    assert out.stderr == ""


def test_crlf_line_ends_and_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "windows.csv"
    body = "\r\n".join(f"{i / 50:.4f},0.0,0.0,1.0,0.0,0.0,0.0" for i in range(10))
    header = ["\ufeff# imuhinge recording v1", "# sample_rate_hz: 50", "# note: from Excel", COLUMNS]
    text = "\r\n".join([*header, body]) + "\r\n"
    path.write_bytes(text.encode("utf-8"))
    rec = load_recording(path)
    assert rec.metadata == {"note": "from Excel"}
    assert len(rec.sensors["upper_back"]) == 10


def test_numpy_sample_rate_is_written_plainly(tmp_path: Path) -> None:
    rec = _recording(rate_hz=100.0)
    for rate_hz, text in ((np.float64(100.0), "100"), (np.float64(104.25), "104.25")):
        rec.sample_rate_hz = rate_hz
        for stream in rec.sensors.values():
            stream.time_s = np.arange(len(stream)) / rate_hz
        path = tmp_path / f"r{text}.csv"
        save_recording(rec, path)
        assert path.read_text().splitlines()[1] == f"# sample_rate_hz: {text}"
        assert load_recording(path).sample_rate_hz == rate_hz
