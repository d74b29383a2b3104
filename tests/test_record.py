"""Recording a set end to end: real bleak calls against emulated sensors, the file, live vs replay."""

import asyncio

import numpy as np
import pytest

from imuhinge.analysis.replay import analyze
from imuhinge.cli import main
from imuhinge.io import load_recording
from imuhinge.model import Exercise
from imuhinge.recorder import CONNECT_LEAD_S, RecordOptions, record_simulated
from imuhinge.signal.resample import MAX_BRIDGE_S
from imuhinge.sim import SimConfig, simulate
from imuhinge.sources.ble.supervisor import SensorNotFoundError, SensorTarget
from imuhinge.sources.emulated.ble import Faults

SPEED = 20.0
BOUNDS = ("lower_onset_s", "lower_offset_s", "rise_onset_s", "rise_offset_s")


@pytest.mark.slow
def test_record_8_reps_with_a_disconnect_mid_set(tmp_path, capsys):
    # The lifter rests 3 s at the top and the link drops in one of those pauses. Reconnecting takes
    # real time, which the emulation stretches by its speed: a slower emulation keeps the gap short.
    tempo = "3-1-2-3"
    truth = simulate(SimConfig(reps=8, tempo=tempo, seed=3)).truth["reps"]
    pause_s = truth[3]["rise_offset_s"] + 0.3  # the virtual sensors' sample clock is the set's time
    out = tmp_path / "set.csv"
    args = ["record", "--simulate", "--speed", "5", "--reps", "8", "--sim-tempo", tempo, "--seed", "3",
            "--disconnect-at-s", f"{pause_s:.2f}", "--out", str(out)]  # fmt: skip
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "upper_back: reconnecting" in text and "1 gaps during the set" in text
    assert text.count("\nrep ") == 8, text  # the live view's plain lines (stdout is not a terminal)
    rec = load_recording(out)
    assert len(rec.gaps) == 1 and rec.gaps[0].start_s == pytest.approx(pause_s + CONNECT_LEAD_S, abs=0.3)
    report = analyze(rec)
    assert report.rep_count == 8
    assert all(r.tempo_ok for r in report.reps)
    assert report.reps[3].top_s is None  # the pause that the gap cut is not measured
    assert rec.metadata["device.upper_back"].startswith("imuhinge DIY sensor")
    assert not out.with_name("set.csv.partial").exists()


@pytest.mark.slow
def test_a_short_disconnect_inside_a_rep_keeps_the_rep(tmp_path, capsys):
    """The link drops at a rep's bottom and is back within a second: the rep counts, live and in
    replay; the phases over the gap (and the depth, missed in it) are not measured."""
    truth = simulate(SimConfig(reps=5, seed=4)).truth["reps"]
    bottom_s = truth[2]["lower_offset_s"] - 0.2
    out = tmp_path / "set.csv"
    # Reconnecting takes host time, which the emulation stretches by its speed: at 2x the gap stays
    # well under 2 s of the set's time even on a loaded machine.
    args = ["record", "--simulate", "--speed", "2", "--reps", "5", "--seed", "4",
            "--disconnect-at-s", f"{bottom_s:.2f}", "--out", str(out)]  # fmt: skip
    assert main(args) == 0
    text = capsys.readouterr().out
    assert text.count("\nrep ") == 5, text
    rec = load_recording(out)
    gap = rec.gaps[0]
    assert 0.3 < gap.end_s - gap.start_s < 2.0
    report = analyze(rec)
    assert report.rep_count == 5
    rep = report.reps[2]
    assert rep.data_gaps_s and rep.start_s < gap.start_s < rep.end_s
    assert rep.bottom_s is None and rep.peak_trunk_flexion_deg is None
    assert all(r.eccentric_s is not None for r in report.reps[:2] + report.reps[3:])
    assert "rep 3 spans" in text  # the replay summary's note


@pytest.mark.slow
def test_disconnect_mid_rep_drops_that_rep_never_joins_it(tmp_path):
    """The link drops at a rep's bottom and the sensor is away for longer than any rep is carried
    across: the reps the gap touches are not counted, every other one is, and none is joined across
    the gap."""
    cfg = SimConfig(reps=5, seed=4)
    truth = simulate(cfg).truth["reps"]
    opts = RecordOptions([SensorTarget("upper_back")], tmp_path / "set.csv", Exercise.RDL, "3-1-2", 100.0)
    faults = Faults(disconnect_at_s=(truth[2]["peak_time_s"],), readvertise_after_s=2.0)
    path, _, _ = asyncio.run(record_simulated(opts, cfg, faults, speed=SPEED))
    rec = load_recording(path)
    gap = rec.gaps[0]
    assert gap.end_s - gap.start_s > MAX_BRIDGE_S
    # The recording starts CONNECT_LEAD_S before the sensors' sample clock.
    start_s, end_s = gap.start_s - CONNECT_LEAD_S, gap.end_s - CONNECT_LEAD_S
    untouched = [r for r in truth if r["rise_offset_s"] < start_s or r["lower_onset_s"] > end_s]
    report = analyze(rec)
    assert 3 <= report.rep_count == len(untouched) < 5
    for rep, want in zip(report.reps, untouched, strict=True):
        assert rep.lower_onset_s == pytest.approx(want["lower_onset_s"] + CONNECT_LEAD_S, abs=0.1)


@pytest.mark.slow
@pytest.mark.parametrize("mtu", [23, 247])
def test_two_sensors_with_loss_duplicates_and_reordering(tmp_path, mtu, capsys):
    out = tmp_path / "set.csv"
    assert (
        main(
            [
                "record",
                "--simulate",
                "--speed",
                str(SPEED),
                "--reps",
                "6",
                "--sensors",
                "upper_back,sacrum",
                "--round",
                "4:20",
                "--mtu",
                str(mtu),
                "--loss",
                "0.02",
                "--duplicate",
                "0.03",
                "--reorder",
                "0.03",
                "--seed",
                "5",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    rec = load_recording(out)
    assert set(rec.sensors) == {"upper_back", "sacrum"}
    for stream in rec.sensors.values():
        assert np.all(np.diff(stream.seq) >= 1)  # duplicates dropped, reordered put back in order
    report = analyze(rec)
    assert report.rep_count == 6
    assert [r.spine_ok for r in report.reps] == [True, True, True, False, True, True], report.warnings
    live_lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("rep ")]
    assert len(live_lines) == 6  # the live view judged the spine as each rep ended
    assert ["NOT neutral" in line for line in live_lines] == [False, False, False, True, False, False]
    assert all("lumbar" in line for line in live_lines)


@pytest.mark.slow
def test_three_sensors_the_virtual_dowel(tmp_path, capsys):
    """Upper back, sacrum and head through emulated BLE, each on its own clock, with some loss: the
    file holds all three, the live view judged the neck and the lower back rep by rep, and the
    replay says what the dowel showed."""
    out = tmp_path / "set.csv"
    args = ["record", "--simulate", "--speed", str(SPEED), "--reps", "5",
            "--sensors", "upper_back,sacrum,head", "--head-drop", "2:20", "--neck-crane", "4:16",
            "--round", "3:20", "--look-around", "--loss", "0.02", "--clock-offset-s", "head:0.3,sacrum:-0.2",
            "--seed", "6", "--out", str(out)]  # fmt: skip
    assert main(args) == 0
    text = capsys.readouterr().out
    rec = load_recording(out)
    assert rec.placements == ["upper_back", "sacrum", "head"]
    assert all(rec.metadata[f"device.{p}"].startswith("imuhinge DIY sensor") for p in rec.placements)
    live_lines = [line for line in text.splitlines() if line.startswith("rep ")]
    assert len(live_lines) == 5
    assert ["head OFF the dowel" in line for line in live_lines] == [False, True, False, True, False]
    assert ["NOT neutral" in line for line in live_lines] == [False, False, True, False, False]
    report = analyze(rec)
    assert [r.neck_ok for r in report.reps] == [True, False, True, False, True]
    assert [r.spine_ok for r in report.reps] == [True, True, False, True, True]
    assert "dowel   back of the head: checked" in text and "dowel   above the tailbone: checked" in text
    assert "rep 2: head off (head dropped)" in text and "rep 4: head off (neck craned)" in text


@pytest.mark.slow
def test_live_and_replay_agree(tmp_path):
    opts = RecordOptions([SensorTarget("upper_back")], tmp_path / "set.csv", Exercise.RDL, "3-1-2", 100.0)
    live_reps = []
    path, _, _ = asyncio.run(
        record_simulated(
            opts, SimConfig(reps=6, seed=6), speed=SPEED, on_live=lambda s: live_reps.extend(s.new_reps)
        )
    )
    replay = analyze(load_recording(path))
    assert len(live_reps) == replay.rep_count == 6
    for a, b in zip(live_reps, replay.reps, strict=True):
        for key in BOUNDS:
            assert abs(getattr(a, key) - getattr(b, key)) <= 0.050, (a.index, key)


@pytest.mark.slow
def test_record_a_hip_thrust_with_two_emulated_sensors(tmp_path, capsys):
    """A hip thrust through real bleak calls: the live view reports every rep with its rising speed and
    the arching on rep 3, and the replay of the file agrees with the simulator's truth."""
    out = tmp_path / "thrust.csv"
    args = ["record", "--simulate", "--speed", str(SPEED), "--exercise", "hip_thrust", "--reps", "5",
            "--sensors", "upper_back,sacrum", "--arch", "3:20", "--depth-deg", "40", "--seed", "8",
            "--out", str(out)]  # fmt: skip
    assert main(args) == 0
    live_lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("rep ")]
    assert len(live_lines) == 5
    assert ["NOT neutral" in line for line in live_lines] == [False, False, True, False, False]
    assert all("°/s" in line and ", arch " in line for line in live_lines)
    truth = simulate(SimConfig(exercise=Exercise.HIP_THRUST, reps=5, arched_reps={3: 20.0}, depth_deg=40.0,
                               sensors=("upper_back", "sacrum"), seed=8)).truth["reps"]  # fmt: skip
    report = analyze(load_recording(out))
    assert report.exercise is Exercise.HIP_THRUST and report.rep_count == len(truth) == 5
    for rep, want in zip(report.reps, truth, strict=True):
        assert rep.lockout_lumbar_extension_deg == pytest.approx(
            want["lockout_lumbar_extension_deg"], abs=1.5
        )
        assert rep.concentric_mean_speed_dps == pytest.approx(want["concentric_mean_speed_dps"], rel=0.05)


@pytest.mark.slow
def test_a_sensor_that_never_returns_leaves_a_loadable_recording(tmp_path):
    out = tmp_path / "set.csv"
    opts = RecordOptions([SensorTarget("upper_back")], out, Exercise.RDL, "3-1-2", 100.0)
    faults = Faults(disconnect_at_s=(12.0,), readvertise_after_s=60.0)
    with pytest.raises(SensorNotFoundError):
        asyncio.run(
            record_simulated(
                opts, SimConfig(reps=8, seed=7), faults, speed=SPEED, max_outage_s=1.0, scan_timeout_s=0.1
            )
        )
    rec = load_recording(out)
    stream = rec.sensors["upper_back"]
    assert stream.time_s[-1] == pytest.approx(12.0 + CONNECT_LEAD_S, abs=0.5)
    assert analyze(rec).rep_count == 1  # the first rep, complete before the sensor went away


def test_scan_lists_every_emulated_profile(capsys):
    assert main(["scan", "--simulate", "--timeout-s", "1"]) == 0
    out = capsys.readouterr().out
    for profile in ("diy", "witmotion", "polar_pmd", "thingy52"):
        assert f"\n{profile} " in out
    assert "dBm" in out


def test_record_refuses_to_overwrite(tmp_path, capsys):
    out = tmp_path / "set.csv"
    out.write_text("x")
    assert main(["record", "--simulate", "--out", str(out)]) == 2
    assert "already exists" in capsys.readouterr().err
