"""Hip thrust: upper back on a bench, measured from the set's own lockout, against independent truth.

Truth comes from the noise-free motion: the simulator's phase truth by ``sim.reference_rule`` on the
trunk angle, its arching from the simulated lumbar angle; the stress generator's from its own body
model, where the trunk turns about the bench's edge.
"""

import json
from dataclasses import replace

import numpy as np
import pytest
from conftest import sim_set

from imuhinge.analysis.replay import analyze
from imuhinge.cli import main
from imuhinge.coaching.cues import CueCode
from imuhinge.io import save_recording
from imuhinge.log.training_log import load_sessions, log_set, progression_advice
from imuhinge.model import Exercise, Phase
from imuhinge.report import format_report, report_to_dict
from imuhinge.report.plots import plot_dashboard, plot_timeline
from imuhinge.report.wording import cue_text
from imuhinge.sim.scoring import score_set
from imuhinge.sim.stress import stress_set

TWO = ("upper_back", "sacrum")
THRUST = Exercise.HIP_THRUST


def codes(rep):
    return [c.code for c in rep.cues]


@pytest.fixture(scope="module")
def faulty():
    """Two sensors, random mounting: rep 3 arches 20 deg at the top, rep 5 stops 7 deg short, rep 6
    arches a little (3 deg, with the lower back flexed at the bottom under 5 deg in all)."""
    sim = sim_set(
        exercise=THRUST,
        reps=7,
        sensors=TWO,
        depth_deg=40.0,
        arched_reps={3: 20.0, 6: 3.0},
        incomplete_reps={5: 7.0},
        random_mounting=True,
        gyro_bias_dps=1.0,
        packet_loss=0.02,
        top_pause_s=1.5,
        seed=31,
    )
    return sim, analyze(sim.recording)


def test_reps_phases_and_depth_match_truth(faulty):
    sim, report = faulty
    truth = sim.truth["reps"]
    assert report.rep_count == len(truth) == 7
    for rep, want in zip(report.reps, truth, strict=True):
        for phase in Phase:
            got, exp = rep.phase_s(phase), want[f"{phase}_s"]
            assert (got is None) == (exp is None)
            if got is not None:
                assert abs(got - exp) <= 0.1, (rep.index, phase)
        assert rep.peak_trunk_flexion_deg == pytest.approx(want["peak_trunk_flexion_deg"], abs=1.0)
    # The rep starts at the bottom: rise, squeeze at the top, lower, pause at the bottom.
    first = report.reps[0]
    assert first.start_s == first.rise_onset_s < first.rise_offset_s < first.lower_onset_s
    assert report.reps[-1].bottom_s is None  # nothing after the last lowering to end the pause


def test_reference_is_the_sets_lockout_not_standing(faulty):
    _, report = faulty
    assert report.references["upper_back"].startswith("the lockout held still at")
    assert report.references["sacrum"].startswith("the lockout held still at")
    # Measured from the lockout: the clean reps' tops read 0 deg, the bottoms their depth.
    lockouts = [r.lockout_short_deg for r in report.reps if r.index in (1, 2, 4, 7)]
    assert max(lockouts) < 1.0
    assert report.measured["lockout"] and not report.measured["lockout_lean_back"]
    assert all(r.lockout_extension_deg is None for r in report.reps)  # no standing to lean back from


def test_arching_is_flagged_against_the_bottom_and_mild_arching_is_not(faulty):
    sim, report = faulty
    for rep, want in zip(report.reps, sim.truth["reps"], strict=True):
        assert rep.lockout_lumbar_extension_deg == pytest.approx(
            want["lockout_lumbar_extension_deg"], abs=1.5
        )
        arched = CueCode.OVEREXTENDED in codes(rep)
        assert arched == (want["lockout_lumbar_extension_deg"] > 10.0), rep.index
        assert rep.spine_ok is not arched
    assert sim.truth["reps"][2]["lockout_lumbar_extension_deg"] > 15.0
    assert sim.truth["reps"][5]["lockout_lumbar_extension_deg"] <= 5.0
    # Lumbar flexion against the lockout is no fault in a hip thrust.
    assert not any(CueCode.ROUNDED_BACK in codes(r) for r in report.reps)


def test_incomplete_lockout_is_flagged_with_its_shortfall(faulty):
    sim, report = faulty
    for rep, want in zip(report.reps, sim.truth["reps"], strict=True):
        assert rep.lockout_short_deg == pytest.approx(want["lockout_short_deg"], abs=1.0)
        assert (CueCode.INCOMPLETE_LOCKOUT in codes(rep)) == (want["lockout_short_deg"] > 5.0), rep.index
    short = next(c for c in report.reps[4].cues if c.code is CueCode.INCOMPLETE_LOCKOUT)
    assert short.value == report.reps[4].lockout_short_deg and short.limit == 5.0
    # An arched rep's hips stop short too (half of the arch, in the simulator's lifter).
    assert CueCode.INCOMPLETE_LOCKOUT in codes(report.reps[2])


def test_cue_words():
    report_words = {
        CueCode.INCOMPLETE_LOCKOUT: "incomplete lockout: 8° short of the set's lockout (limit 5°)",
        CueCode.OVEREXTENDED: "lower back arching at the top: 18° more extended than at the bottom",
    }
    from imuhinge.coaching.cues import Cue

    for code, words in report_words.items():
        value = 8.0 if code is CueCode.INCOMPLETE_LOCKOUT else 18.0
        limit = 5.0 if code is CueCode.INCOMPLETE_LOCKOUT else 10.0
        assert cue_text(Cue(code, value, limit), THRUST).startswith(words)
    pause = Cue(CueCode.NO_PAUSE, 0.1, 1.0, Phase.BOTTOM)
    assert cue_text(pause, THRUST).startswith("no pause at the bottom")
    assert cue_text(pause, Exercise.DEADLIFT).startswith("no pause at the floor")
    assert "overextended lockout" in cue_text(Cue(CueCode.OVEREXTENDED, 12.0, 10.0), Exercise.RDL)


def test_one_sensor_judges_the_lockout_and_says_arching_is_not_measured():
    sim = sim_set(exercise=THRUST, reps=5, incomplete_reps={2: 7.0}, depth_deg=40.0, seed=32)
    report = analyze(sim.recording)
    assert report.rep_count == 5
    assert [CueCode.INCOMPLETE_LOCKOUT in codes(r) for r in report.reps] == [False, True, False, False, False]
    assert all(r.spine_ok is None and r.lockout_lumbar_extension_deg is None for r in report.reps)
    text = format_report(report)
    assert "lower-back arching needs a second sensor on the sacrum: not measured" in text
    (head,) = [line for line in text.splitlines() if line.startswith(" rep   down")]
    assert "short°" in head and "arch°" in head and "lean°" not in head


def test_a_sacrum_sensor_alone_times_the_reps_and_judges_the_hips():
    sim = sim_set(
        exercise=THRUST,
        sensors=("sacrum",),
        reps=5,
        incomplete_reps={3: 7.0},
        depth_deg=40.0,
        top_pause_s=1.5,
        seed=36,
    )
    report = analyze(sim.recording)
    assert report.references["sacrum"].startswith("the lockout held still at")
    assert report.rep_count == 5
    for rep, want in zip(report.reps, sim.truth["reps"], strict=True):
        assert abs(rep.concentric_s - want["concentric_s"]) <= 0.05
        assert rep.lockout_short_deg == pytest.approx(want["lockout_short_deg"], abs=1.0)
    assert [CueCode.INCOMPLETE_LOCKOUT in codes(r) for r in report.reps] == [False, False, True, False, False]


def test_without_a_held_lockout_the_reps_tops_serve(faulty):
    """No squeeze at the top (0.3 s): no still lockout, so the posture most tops share is the reference,
    and the report says so, with what to do next time."""
    sim = sim_set(exercise=THRUST, reps=6, top_pause_s=0.3, arched_reps={2: 20.0}, sensors=TWO, seed=33)
    report = analyze(sim.recording)
    assert report.references["upper_back"] == "the reps' top positions"
    assert any("hold the squeeze at the top still for 0.75 s or more" in w for w in report.warnings)
    for rep, want in zip(report.reps, sim.truth["reps"], strict=True):
        assert rep.peak_trunk_flexion_deg == pytest.approx(want["peak_trunk_flexion_deg"], abs=1.0)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_stress_sets_with_their_own_body_model(seed):
    """The stress generator's hip thrust: the trunk turns about the bench's edge, sensors on random
    levers in any orientation, 50-200 Hz, packet loss; one rep may arch, one stop short."""
    stress = stress_set("hip_thrust", seed)
    report = analyze(stress.recording, "hip_thrust")
    score = score_set(report, stress.truth)
    assert score.missed == score.phantom == 0
    assert np.median(score.phase_errors_s) <= 0.02 and max(score.phase_errors_s) <= 0.1
    assert max(score.peak_errors_deg) <= 1.0
    assert score.arched_flagged == score.arched_reps and score.flat_flagged == 0
    assert score.short_flagged == score.short_reps and score.full_flagged == 0


def test_plots_show_arching_and_the_lockout_angle(faulty, tmp_path):
    _, report = faulty
    fig = plot_dashboard(report)
    spine = next(ax for ax in fig.axes if ax.get_title() == "lower back arching at the top")
    bars = [a for a in spine.patches if a.get_gid() == "lumbar-peaks"]
    heights = sorted(round(b.get_height(), 6) for b in bars)
    assert heights == sorted(round(r.lockout_lumbar_extension_deg, 6) for r in report.reps)
    (timeline,) = plot_timeline(report).axes
    assert timeline.get_ylabel() == "angle from the set's lockout (°)"
    assert not any("lumbar limit" in (line.get_label() or "") for line in timeline.lines)


def test_cli_simulate_analyze_and_log(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("IMUHINGE_DB", raising=False)
    csv, out, db = tmp_path / "t.csv", tmp_path / "t.json", tmp_path / "log.sqlite"
    argv = ["simulate", "--exercise", "hip_thrust", "--sensors", "upper_back,sacrum", "--reps", "6"]
    argv += ["--arch", "3:20", "--short", "5:7", "--depth-deg", "40", "--out", str(csv)]
    assert main(argv) == 0
    truth = json.loads(csv.with_name("t.truth.json").read_text())
    assert main(["analyze", str(csv), "--json", str(out), "--log", "--db", str(db)]) == 0
    capsys.readouterr()
    data = json.loads(out.read_text())
    assert data["exercise"] == "hip_thrust"
    assert [r["lockout_short_deg"] > 5 for r in data["reps"]] == [
        t["lockout_short_deg"] > 5 for t in truth["reps"]
    ]
    arch = [any(c["code"] == "overextended" for c in r["cue_codes"]) for r in data["reps"]]
    assert arch == [False, False, True, False, False, False]
    (logged,) = load_sessions(db)
    assert (
        logged.exercise == "hip_thrust"
        and logged.reps[4]["lockout_short_deg"] == data["reps"][4]["lockout_short_deg"]
    )
    assert "hold" in progression_advice([logged])  # an incomplete lockout holds the load


def test_clean_thrust_sets_let_the_load_go_up(tmp_path):
    """A session of two sets of 8 clean hip thrusts (every rep locked out, on tempo): by the
    programme's rule the advice adds load."""
    db = tmp_path / "log.sqlite"
    for started, seed in (("18:00:00", 34), ("18:04:00", 35)):
        sim = sim_set(exercise=THRUST, reps=8, sensors=TWO, tempo_sd_fraction=0.0, seed=seed)
        report = analyze(
            replace(
                sim.recording,
                metadata={**sim.recording.metadata, "started_at": f"2026-11-23T{started}Z", "load_kg": "80"},
            )
        )
        assert not any(r.cues for r in report.reps)
        log_set(report, db)
    assert "hip_thrust: increase to 82.5 kg" in progression_advice(load_sessions(db))


def test_report_keys(faulty):
    _, report = faulty
    data = report_to_dict(report)
    assert data["measured"]["lockout"] is True
    for key in ("lockout_short_deg", "lockout_lumbar_extension_deg", "concentric_mean_speed_dps"):
        assert key in data["reps"][0]


def test_saved_and_reloaded_thrust_analyses_alike(faulty, tmp_path):
    sim, report = faulty
    path = tmp_path / "thrust.csv"
    save_recording(sim.recording, path)
    from imuhinge.io import load_recording

    again = analyze(load_recording(path))
    assert again.rep_count == report.rep_count
    assert [codes(r) for r in again.reps] == [codes(r) for r in report.reps]
