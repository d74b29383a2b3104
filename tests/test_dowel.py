"""The virtual dowel: the neck angle from a head sensor, three clocks aligned, the contact points each
subset of sensors can check, against the simulator's noise-free body."""

import itertools
import json

import numpy as np
import pytest
from conftest import sim_set

from imuhinge.analysis.replay import analyze, body_angles
from imuhinge.body.angles import head_flexion_deg
from imuhinge.body.neck import neck_peaks_deg
from imuhinge.cli import main
from imuhinge.coaching.cues import CueCode
from imuhinge.coaching.dowel import ContactPoint, ContactState, Coverage, rep_contacts
from imuhinge.model import PLACEMENTS, Recording, SensorStream, Targets
from imuhinge.report.json_report import report_to_dict
from imuhinge.report.text import format_report
from imuhinge.sim import SimConfig, simulate
from imuhinge.sim.kinematics import euler_zxy
from imuhinge.sim.stress import RepPlan, rot_y, rot_z, stress_set
from imuhinge.sim.stress_head import HeadGeometry, head_rotations, head_script, neck_truth_deg

THREE = ("upper_back", "sacrum", "head")
HEAD_CUES = {CueCode.HEAD_DROPPED, CueCode.NECK_CRANED}
CLOCKS = {
    "clock_offset_s": {"sacrum": -0.3, "head": 0.4},
    "clock_drift_ppm": {"sacrum": 90.0, "head": -80.0},
}


def head_cues(rep) -> set[CueCode]:
    return {c.code for c in rep.cues} & HEAD_CUES


# -- the simulator's head ---------------------------------------------------------------------------


def test_simulated_head_turns_with_trunk_and_neck():
    """Noise-free, the head sensor's rate about the trunk's left-right axis integrates to trunk
    flexion plus the neck angle; at rest it reads 1 g."""
    sim = simulate(
        SimConfig(
            reps=3, sensors=("head",), head_drop_reps={2: 20.0}, random_mounting=True, seed=4,
            sample_rate_hz=200.0, acc_noise_g=0.0, gyr_noise_dps=0.0,
        )
    )  # fmt: skip
    stream = sim.recording.sensors["head"]
    mount = euler_zxy(*np.radians(sim.truth["mounting_deg"]["head"]))
    rate = stream.gyr_rads @ mount.T
    dt = np.diff(stream.time_s)
    angle = np.degrees(np.concatenate([[0.0], np.cumsum(0.5 * dt * (rate[1:, 1] + rate[:-1, 1]))]))
    expected = np.interp(stream.time_s, sim.truth_time_s, sim.trunk_flexion_deg + sim.neck_flexion_deg)
    assert np.max(np.abs(angle - expected)) < 0.05
    rest = stream.time_s < 3.5
    np.testing.assert_allclose(np.linalg.norm(stream.acc_mps2[rest], axis=1), 9.80665, atol=1e-9)
    peaks = [r["peak_neck_flexion_deg"] for r in sim.truth["reps"]]
    assert peaks[1] == pytest.approx(20.0, abs=3.0) and max(peaks[0], peaks[2]) < 5.0


def test_stress_neck_truth_is_the_head_axis_in_the_trunk_frame():
    """The stress generator's neck truth comes from the rotations: a turn of the head about its own
    axis leaves it alone, a flexion of the neck is it."""
    t = np.arange(0.0, 6.0, 0.001)
    trunk = rot_y(np.radians(np.full(len(t), 60.0)))
    geo = HeadGeometry(np.zeros(3), np.zeros(3), stand_deg=0.0)
    plan = RepPlan(1.0, 2.0, 1.0, 2.0, 60.0, 55.0, 0.1, 0.0, 1.0, 1.0)
    motion = head_script(t, [plan], False, 1.0, np.random.default_rng(0))
    motion.neck.value[:] = 12.0
    motion.turn.value[:] = np.linspace(-60.0, 60.0, len(t))
    motion.roll.value[:] = 0.0
    np.testing.assert_allclose(
        neck_truth_deg(trunk, head_rotations(trunk, motion, geo), geo), 12.0, atol=1e-9
    )
    turned = trunk @ rot_y(np.radians(np.full(len(t), 12.0))) @ rot_z(np.radians(motion.turn.value))
    np.testing.assert_allclose(neck_truth_deg(trunk, turned, geo), 12.0, atol=1e-9)


# -- the head's flexion, turning and timing ---------------------------------------------------------


def test_head_flexion_ignores_turns_when_bent_and_tilts_when_upright():
    """Earth's up seen from a head bent forward by 70 deg and turned about its own axis by up to 60
    deg: the turn-tolerant flexion stays at 70, the sagittal projection does not; upright, a sideways
    tilt of the head is not read as flexion."""
    bend, turn = np.radians(70.0), np.radians(np.linspace(-60.0, 60.0, 25))
    # up in the head frame (forward, side, along) after a turn by `turn` about the head's axis
    forward, side, along = np.sin(bend) * np.cos(turn), np.sin(bend) * np.sin(turn), np.full(25, np.cos(bend))
    flex, turned = head_flexion_deg(forward, side, along)
    np.testing.assert_allclose(flex, 70.0, atol=1e-9)
    assert np.all(turned == 1.0)
    plain = np.degrees(np.arctan2(forward, along))
    assert plain.min() < 60.0  # what the projection would read at a 60 deg look to the side
    tilt = np.radians(np.linspace(-15.0, 15.0, 7))
    for lean in (-3.0, 0.0, 3.0):
        f = np.radians(lean)
        flex, _ = head_flexion_deg(np.full(7, np.sin(f)), np.cos(f) * np.sin(tilt), np.cos(f) * np.cos(tilt))
        np.testing.assert_allclose(flex, lean, atol=1e-9)
    # Continuous and odd in the forward component: no jump of sign near upright.
    f = np.radians(np.linspace(-30.0, 30.0, 601))
    flex, _ = head_flexion_deg(np.sin(f), np.full(601, 0.1), np.cos(f))
    assert np.all(np.diff(flex) > 0) and flex[300] == pytest.approx(0.0, abs=1e-9)


def test_neck_peaks_hold_for_every_clock_offset_in_reach():
    """A swing's fast reversal (down 60 deg in 0.5 s, straight back up), the head's clock 80 ms off:
    the plain difference makes a neck angle of several degrees out of the trunk's own movement; the
    peaks over offsets within 0.1 s do not, and a real 15 deg drop at the bottom still shows."""
    fs, reach, late = 100.0, 10, 8
    t = np.arange(-0.5, 2.0, 1.0 / fs)
    trunk = 60.0 * np.sin(np.pi * np.clip(t, 0.0, 1.0)) ** 2

    def seen(neck: np.ndarray) -> np.ndarray:
        head = trunk + neck
        return np.concatenate([head[late:], np.full(late, head[-1])]) - trunk  # head read 80 ms late

    none = seen(np.zeros(len(t)))
    assert np.abs(none).max() > 5.0  # what the clock error alone makes of it
    flexion, _, extension, _ = neck_peaks_deg(none, trunk, reach)
    assert flexion == pytest.approx(0.0, abs=0.2) and extension == pytest.approx(0.0, abs=0.2)
    drop = 15.0 * np.exp(-(((t - 0.5) / 0.15) ** 2))
    flexion, at, extension, _ = neck_peaks_deg(seen(drop), trunk, reach)
    assert flexion == pytest.approx(15.0, abs=0.5) and extension < 0.5
    assert t[reach + at] == pytest.approx(0.5, abs=0.1)
    assert neck_peaks_deg(drop, trunk, 0)[0] == pytest.approx(15.0, abs=1e-9)


# -- against the simulator's truth ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rate", "seed", "look"),
    [(50.0, 1, False), (100.0, 2, True), (200.0, 3, True), (100.0, 4, False)],
)
def test_neck_peaks_within_2_deg_drops_flagged_small_ones_never(rate, seed, look):
    drops = {1: 0.0, 2: 15.0, 3: 4.0, 4: 25.0, 5: 0.0, 6: 18.0}
    cranes = {1: 5.0, 3: 0.0, 5: 16.0}
    sim = simulate(
        SimConfig(
            sensors=THREE, reps=6, head_drop_reps=drops, neck_crane_reps=cranes, rounded_reps={4: 20.0},
            random_mounting=True, gyro_bias_dps=1.0, packet_loss=0.02, look_around=look,
            sample_rate_hz=rate, seed=seed, **CLOCKS,
        )
    )  # fmt: skip
    report = analyze(sim.recording)
    assert report.rep_count == sim.truth["rep_count"] == 6
    assert report.contact_points[ContactPoint.HEAD] is Coverage.CHECKED
    for rep, truth in zip(report.reps, sim.truth["reps"], strict=True):
        assert rep.peak_neck_flexion_deg == pytest.approx(truth["peak_neck_flexion_deg"], abs=2.0)
        assert rep.peak_neck_extension_deg == pytest.approx(truth["peak_neck_extension_deg"], abs=2.0)
        for key, code in (
            ("peak_neck_flexion_deg", CueCode.HEAD_DROPPED),
            ("peak_neck_extension_deg", CueCode.NECK_CRANED),
        ):
            if truth[key] >= 15.0:
                assert code in head_cues(rep), (rep.index, key)
            if truth[key] <= 5.0:
                assert code not in head_cues(rep), (rep.index, key)
        assert rep.neck_ok is (not head_cues(rep))
    assert [r.spine_ok for r in report.reps] == [True, True, True, False, True, True]


def true_time_s(sim, placement: str) -> np.ndarray:
    """Upper-back clock reading at the true instant of each sample of ``placement`` (its offset 0)."""
    fs = sim.recording.sample_rate_hz
    drift = sim.truth["clock_drift_ppm"][placement]
    return sim.recording.sensors[placement].seq / (fs * (1.0 + drift * 1e-6))


@pytest.mark.parametrize(("rate", "seed"), [(50.0, 11), (100.0, 12), (200.0, 13)])
def test_three_clocks_aligned_within_one_sample(rate, seed):
    sim = simulate(
        SimConfig(
            sensors=THREE, reps=6, head_drop_reps={2: 20.0}, neck_crane_reps={5: 15.0},
            random_mounting=True, gyro_bias_dps=1.0, look_around=True, sample_rate_hz=rate, seed=seed,
            **CLOCKS,
        )
    )  # fmt: skip
    body = body_angles(sim.recording)
    assert body.alignment is not None and body.head_alignment is not None, body.notes
    for placement, alignment in (("sacrum", body.alignment), ("head", body.head_alignment)):
        stream = sim.recording.sensors[placement]
        err = np.abs(alignment.to_trunk_time(stream.time_s) - true_time_s(sim, placement))
        assert err.max() * rate < 1.0, placement
        assert alignment.offset_s == pytest.approx(CLOCKS["clock_offset_s"][placement], abs=1.0 / rate)


def test_streams_on_one_clock_need_no_alignment():
    sim = sim_set(sensors=THREE, reps=4, head_drop_reps={2: 20.0}, seed=21)
    body = body_angles(sim.recording)
    assert body.head_alignment is not None and body.head_alignment.method == "shared clock"
    assert body.neck_timing_s == 0.0
    report = analyze(sim.recording)
    assert [bool(head_cues(r)) for r in report.reps] == [False, True, False, False]


def test_looking_around_is_not_craning():
    """Glances to the side at the bottom of reps and turns of the head between them: no neck cue, and
    the neck peaks stay with the truth."""
    sim = sim_set(
        sensors=THREE, reps=6, look_around=True, neck_sd_deg=1.0, random_mounting=True, seed=22, **CLOCKS
    )
    report = analyze(sim.recording)
    assert report.rep_count == 6
    for rep, truth in zip(report.reps, sim.truth["reps"], strict=True):
        assert not head_cues(rep) and rep.neck_ok is True
        assert rep.peak_neck_extension_deg == pytest.approx(truth["peak_neck_extension_deg"], abs=1.0)


# -- subsets of sensors -----------------------------------------------------------------------------


SUBSETS = [s for k in (1, 2, 3) for s in itertools.combinations(PLACEMENTS, k)]


def faulty_three_sensor_set():
    """Three sensors strapped on at random, clocks apart; rep 2 rounds the lower back, rep 3 drops the
    head."""
    return sim_set(
        sensors=THREE,
        reps=4,
        head_drop_reps={3: 20.0},
        rounded_reps={2: 20.0},
        random_mounting=True,
        seed=23,
        **CLOCKS,
    )


@pytest.mark.parametrize("sensors", SUBSETS, ids=["+".join(s) for s in SUBSETS])
def test_any_subset_analyses_and_says_which_contact_points_it_checked(sensors):
    sim = faulty_three_sensor_set()
    rec = Recording(
        {p: sim.recording.sensors[p] for p in sensors},
        sim.recording.sample_rate_hz,
        dict(sim.recording.metadata),
    )
    report = analyze(rec)
    assert report.rep_count == 4
    neck = {"upper_back", "head"} <= set(sensors)
    lumbar = {"upper_back", "sacrum"} <= set(sensors)
    unused = {
        p for p in ("sacrum", "head") if p in sensors and "upper_back" not in sensors and len(sensors) > 1
    }
    expected = {
        ContactPoint.HEAD: Coverage.CHECKED if neck else Coverage.MISSING_SENSOR,
        ContactPoint.SHOULDER_BLADES: Coverage.NOT_OBSERVABLE,
        ContactPoint.TAILBONE: Coverage.CHECKED if lumbar else Coverage.MISSING_SENSOR,
    }
    assert report.contact_points == expected
    assert report.measured["neck_flexion"] is neck and report.measured["upper_back_curve"] is False
    contacts = [rep_contacts(r) for r in report.reps]
    assert all(c[ContactPoint.SHOULDER_BLADES] is None for c in contacts)
    assert [c[ContactPoint.HEAD] for c in contacts] == (
        [ContactState.HELD, ContactState.HELD, ContactState.DROPPED, ContactState.HELD]
        if neck
        else [None] * 4
    )
    assert [c[ContactPoint.TAILBONE] for c in contacts] == (
        [ContactState.HELD, ContactState.ROUNDED, ContactState.HELD, ContactState.HELD]
        if lumbar
        else [None] * 4
    )
    for placement in unused - {sensors[0]}:
        assert any(w.startswith(f"{placement} sensor not used") for w in report.warnings)
    data = report_to_dict(report)
    assert {k: v["status"] for k, v in data["contact_points"].items()} == {
        p.value: c.value for p, c in expected.items()
    }
    assert [row["dowel"]["head"] for row in data["reps"]] == [
        None if s is None else s.value for s in (c[ContactPoint.HEAD] for c in contacts)
    ]
    text = format_report(report)
    for point, coverage in expected.items():
        words = {
            ContactPoint.HEAD: "back of the head",
            ContactPoint.SHOULDER_BLADES: "between the shoulder blades",
            ContactPoint.TAILBONE: "above the tailbone",
        }[point]
        assert f"dowel   {words}: {'checked' if coverage is Coverage.CHECKED else 'not'}" in text


def test_a_head_alone_counts_the_reps_and_says_what_it_cannot_see():
    sim = faulty_three_sensor_set()
    report = analyze(Recording({"head": sim.recording.sensors["head"]}, sim.recording.sample_rate_hz))
    assert report.measured["lateral_tilt_and_twist"] is False
    assert any(w.startswith("reps measured from the head sensor") for w in report.warnings)
    assert all(r.peak_twist_deg is None for r in report.reps)
    # The head's flexion holds the neck's: the dropped rep reads deeper by the drop.
    depth = [r.peak_trunk_flexion_deg for r in report.reps]
    truth = [r["peak_trunk_flexion_deg"] + r["peak_neck_flexion_deg"] for r in sim.truth["reps"]]
    np.testing.assert_allclose(depth, truth, atol=1.5)


def test_a_head_stream_that_cannot_be_used_is_not_measured():
    sim = sim_set(sensors=THREE, reps=4, head_drop_reps={3: 20.0}, random_mounting=True, seed=23, **CLOCKS)
    other = sim_set(sensors=THREE, reps=4, tempo="2-0-2", seed=24, clock_offset_s={"head": 0.2})
    rec = Recording(
        {**sim.recording.sensors, "head": other.recording.sensors["head"]}, sim.recording.sample_rate_hz
    )
    report = analyze(rec)
    assert report.rep_count == 4
    assert report.contact_points[ContactPoint.HEAD] is Coverage.STREAM_NOT_USED
    assert report.contact_points[ContactPoint.TAILBONE] is Coverage.CHECKED
    assert any(w.startswith("head sensor not used (the head and upper_back") for w in report.warnings)
    assert all(
        r.peak_neck_flexion_deg is None and r.neck_ok is None and not head_cues(r) for r in report.reps
    )
    assert "the head sensor could not be used" in format_report(report)


def test_a_rep_the_head_stream_misses_is_not_judged():
    sim = sim_set(sensors=THREE, reps=4, head_drop_reps={3: 20.0}, random_mounting=True, seed=23, **CLOCKS)
    head = sim.recording.sensors["head"]
    third = sim.truth["reps"][2]
    # Away for 1.5 s over the third rep's bottom (head clock: 0.4 s ahead).
    start = third["lower_offset_s"] + 0.4 - 0.5
    keep = (head.time_s < start) | (head.time_s > start + 1.5)
    cut = SensorStream("head", head.time_s[keep], head.acc_mps2[keep], head.gyr_rads[keep], head.seq[keep])
    report = analyze(Recording({**sim.recording.sensors, "head": cut}, sim.recording.sample_rate_hz))
    assert [r.neck_ok for r in report.reps] == [True, True, None, True]
    assert report.reps[2].peak_neck_flexion_deg is None and not head_cues(report.reps[2])


def test_stress_dowel_sets_against_their_own_body_model():
    """Sets from the stress generator's body (its own neck, head turns and rolls, lever arms and
    mountings, sensor errors, clocks): neck peaks within 2 deg, drops and cranes of 15 deg or more
    flagged, none of 5 deg or less."""
    flagged = neutral = 0
    for seed in (0, 1, 2, 4):
        stress = stress_set("dowel", seed)
        report = analyze(stress.recording, stress.truth["exercise"])
        assert report.rep_count == len(stress.truth["reps"])
        assert report.contact_points[ContactPoint.HEAD] is Coverage.CHECKED, report.warnings
        for rep, truth in zip(report.reps, stress.truth["reps"], strict=True):
            if rep.peak_neck_flexion_deg is None:
                continue
            assert rep.peak_neck_flexion_deg == pytest.approx(truth["peak_neck_flexion_deg"], abs=2.0)
            assert rep.peak_neck_extension_deg == pytest.approx(truth["peak_neck_extension_deg"], abs=2.0)
            worst = max(truth["peak_neck_flexion_deg"], truth["peak_neck_extension_deg"])
            if worst >= 15.0:
                flagged += 1
                assert head_cues(rep)
            if worst <= 5.0:
                neutral += 1
                assert not head_cues(rep)
    assert flagged >= 5 and neutral >= 5


# -- words and limits -------------------------------------------------------------------------------


def test_neck_limits_are_configurable_and_named_in_the_cue():
    sim = sim_set(sensors=THREE, reps=4, head_drop_reps={3: 20.0}, random_mounting=True, seed=23, **CLOCKS)
    strict = analyze(sim.recording, targets=Targets(neck_flexion_max_deg=25.0))
    assert not any(head_cues(r) for r in strict.reps)
    report = analyze(sim.recording)
    cue = next(c for c in report.reps[2].cues if c.code is CueCode.HEAD_DROPPED)
    assert cue.limit == 10.0 and cue.value == report.reps[2].peak_neck_flexion_deg
    row = report_to_dict(report)["reps"][2]
    assert "head came off the dowel" in row["cues"][0] and row["cue_codes"][0]["code"] == "head_dropped"
    assert row["neck_ok"] is False and row["dowel"] == {
        "head": "dropped",
        "shoulder_blades": None,
        "tailbone": "held",
    }


def test_cli_simulates_and_analyses_a_three_sensor_set(tmp_path, capsys):
    out = tmp_path / "set.csv"
    args = ["simulate", "--sensors", "upper_back,sacrum,head", "--reps", "4", "--head-drop", "2:20",
            "--neck-crane", "4:15", "--look-around", "--mounting", "random", "--out", str(out)]  # fmt: skip
    assert main(args) == 0
    report_path = tmp_path / "report.json"
    assert main(["analyze", str(out), "--json", str(report_path)]) == 0
    text = capsys.readouterr().out
    assert "dowel   back of the head: checked" in text and "rep 2: head off (head dropped)" in text
    data = json.loads(report_path.read_text())
    assert data["sensors"] == ["upper_back", "sacrum", "head"]
    assert [r["dowel"]["head"] for r in data["reps"]] == ["held", "dropped", "held", "craned"]
    assert data["contact_points"]["shoulder_blades"]["status"] == "not_observable"
    assert main(["simulate", "--sensors", "head,head", "--out", str(tmp_path / "x.csv")]) == 2
    assert "one to three of upper_back, sacrum, head" in capsys.readouterr().err
