"""Simulator physics and ground truth."""

import numpy as np
import pytest

from imuhinge.model import G_MPS2, Exercise
from imuhinge.sim import SimConfig, simulate
from imuhinge.sim.kinematics import euler_zxy

CLEAN = {"acc_noise_g": 0.0, "gyr_noise_dps": 0.0}


def test_accelerometer_reads_one_g_at_rest():
    sim = simulate(SimConfig(reps=2, sensors=("upper_back", "sacrum"), random_mounting=True, **CLEAN))
    for stream in sim.recording.sensors.values():
        quiet = stream.time_s < 3.5
        norm_g = np.linalg.norm(stream.acc_mps2[quiet], axis=1) / G_MPS2
        np.testing.assert_allclose(norm_g, 1.0, atol=1e-9)
        np.testing.assert_allclose(stream.gyr_rads[quiet], 0.0, atol=1e-12)


@pytest.mark.parametrize("exercise", [Exercise.RDL, Exercise.HIP_THRUST])
@pytest.mark.parametrize("placement", ["upper_back", "sacrum"])
def test_integrated_gyro_reproduces_truth_angle(placement, exercise):
    """The hip thrust too: lying back on the bench, the segments still turn about their left axis."""
    sim = simulate(
        SimConfig(
            exercise=exercise,
            reps=3,
            sensors=(placement,),
            random_mounting=True,
            seed=7,
            sample_rate_hz=200,
            **CLEAN,
        )
    )
    stream = sim.recording.sensors[placement]
    mount = euler_zxy(*np.radians(sim.truth["mounting_deg"][placement]))
    gyr_segment = stream.gyr_rads @ mount.T
    # Sagittal-plane motion only: flexion rate is the segment's y rate; trapezoidal integration.
    dt = np.diff(stream.time_s)
    angle = np.degrees(
        np.concatenate([[0.0], np.cumsum(0.5 * dt * (gyr_segment[1:, 1] + gyr_segment[:-1, 1]))])
    )
    truth = sim.pelvis_flexion_deg if placement == "sacrum" else sim.trunk_flexion_deg
    expected = np.interp(stream.time_s, sim.truth_time_s, truth) - truth[0]
    assert np.max(np.abs(angle - expected)) < 0.05
    np.testing.assert_allclose(gyr_segment[:, [0, 2]], 0.0, atol=1e-9)


def test_mounting_changes_raw_axes_not_truth():
    a = simulate(SimConfig(reps=3, seed=3, **CLEAN))
    b = simulate(SimConfig(reps=3, seed=3, mounting_deg={"upper_back": (40.0, -70.0, 120.0)}, **CLEAN))
    assert a.truth["reps"] == b.truth["reps"]
    raw_a, raw_b = a.recording.sensors["upper_back"], b.recording.sensors["upper_back"]
    assert np.max(np.abs(raw_a.acc_mps2 - raw_b.acc_mps2)) > 5.0
    np.testing.assert_allclose(
        np.linalg.norm(raw_a.acc_mps2, axis=1), np.linalg.norm(raw_b.acc_mps2, axis=1), atol=1e-9
    )


@pytest.mark.parametrize("exercise", [Exercise.RDL, Exercise.DEADLIFT, Exercise.HIP_THRUST])
@pytest.mark.parametrize("tempo", ["3-1-2", "3-2-1", "3-0-2", "2-0-2-0", "3-1-2-1", "31X0", "X"])
def test_truth_meets_requested_tempo(exercise, tempo):
    sim = simulate(SimConfig(exercise=exercise, reps=4, tempo=tempo, tempo_sd_fraction=0.0, **CLEAN))
    target = sim.truth["lifter_tempo"]
    # What the simulator does where the tempo sets no number: explosive moves, no bottom pause, 1 s on top.
    unset = {"eccentric": 0.8, "bottom": 0.0, "concentric": 0.6, "top": 1.0}
    assert sim.truth["rep_count"] == 4
    for rep in sim.truth["reps"]:
        for phase in ("eccentric", "bottom", "concentric", "top"):
            want = target[f"{phase}_s"]
            if want is None:
                want = unset[phase]
            got = rep[f"{phase}_s"]
            if got is None:  # the phase after the last rep's second movement
                assert rep["index"] == 4 and phase == ("bottom" if exercise.floor_start else "top")
                continue
            assert abs(got - want) <= 0.1, (phase, got, want)


def test_truth_flags_rounding_and_lean_back():
    sim = simulate(
        SimConfig(
            reps=5,
            sensors=("upper_back", "sacrum"),
            rounded_reps={2: 20.0},
            lean_back_reps={4: 10.0},
            partial_after={3: 10.0},
            **CLEAN,
        )
    )
    reps = sim.truth["reps"]
    assert reps[1]["peak_lumbar_flexion_deg"] > 20.0
    assert all(r["peak_lumbar_flexion_deg"] < 5.0 for i, r in enumerate(reps) if i != 1)
    assert reps[3]["lockout_extension_deg"] == pytest.approx(10.0, abs=0.01)
    assert len(sim.truth["partials"]) == 1
    assert sim.truth["partials"][0]["peak_trunk_flexion_deg"] == pytest.approx(10.0, abs=0.5)


def test_packet_loss_keeps_counter_and_drift_stretches_time():
    sim = simulate(
        SimConfig(
            reps=2, packet_loss=0.05, samples_per_packet=4, clock_drift_ppm={"upper_back": 1000.0}, seed=5
        )
    )
    s = sim.recording.sensors["upper_back"]
    assert s.seq is not None and np.all(np.diff(s.seq) >= 1)
    missing = int(s.seq[-1] + 1 - len(s.seq))
    assert 0.02 < missing / (s.seq[-1] + 1) < 0.09
    np.testing.assert_allclose(s.time_s, s.seq / 100.0)
    # A fast sensor clock produces more samples over the same true duration.
    assert s.seq[-1] + 1 == pytest.approx(sim.truth_time_s[-1] * 100.0 * 1.001, abs=2)


@pytest.mark.parametrize("exercise", list(Exercise))
def test_every_exercise_simulates(exercise):
    sim = simulate(SimConfig(exercise=exercise, reps=3, hold_s=10.0))
    assert sim.truth["rep_count"] == 3
    assert sim.truth["exercise"] == exercise.value


def test_hip_thrust_lies_back_on_the_bench():
    """At the lockout both segments lie level (gravity across the back, none along the spine); at the
    bottom the trunk has turned about the bench's edge and the hips are lower by the lever times the
    sine of the angle."""
    sim = simulate(SimConfig(exercise=Exercise.HIP_THRUST, reps=2, sensors=("upper_back", "sacrum"), **CLEAN))
    rep = sim.truth["reps"][0]
    stream = sim.recording.sensors["upper_back"]
    # The default mount: sensor x up the spine, z out of the back (facing the floor when lying back).
    at_top = np.argmin(np.abs(stream.time_s - (rep["rise_offset_s"] + rep["lower_onset_s"]) / 2))
    np.testing.assert_allclose(stream.acc_mps2[at_top] / G_MPS2, [0.0, 0.0, -1.0], atol=1e-6)
    at_bottom = np.argmin(np.abs(stream.time_s - 1.0))
    depth = np.radians(sim.trunk_flexion_deg[1000])
    np.testing.assert_allclose(
        stream.acc_mps2[at_bottom] / G_MPS2, [np.sin(depth), 0.0, -np.cos(depth)], atol=1e-6
    )
    assert rep["peak_trunk_flexion_deg"] > 30.0 and rep["lockout_short_deg"] == 0.0


def test_fatigue_slows_the_rise_and_the_truth_measures_it():
    fatigue = 0.03
    sim = simulate(
        SimConfig(
            reps=8, tempo="3-1-X", fatigue_per_rep=fatigue, tempo_sd_fraction=0.0, depth_sd_deg=0.0, **CLEAN
        )
    )
    speeds = np.array([r["concentric_mean_speed_dps"] for r in sim.truth["reps"]])
    np.testing.assert_allclose(speeds[1:] / speeds[:-1], 1.0 - fatigue, atol=0.005)
    losses = [r["speed_loss_pct"] for r in sim.truth["reps"]]
    assert losses[0] == 0.0  # the first rep is the fastest of the first three
    assert losses[-1] == pytest.approx(100.0 * (1.0 - (1.0 - fatigue) ** 7), abs=0.5)
    steady = simulate(SimConfig(reps=4, tempo="3-1-X", tempo_sd_fraction=0.0, depth_sd_deg=0.0, **CLEAN))
    assert np.ptp([r["concentric_mean_speed_dps"] for r in steady.truth["reps"]]) < 0.01
