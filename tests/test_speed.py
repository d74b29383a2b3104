"""Rep speed and fatigue: rising speed against the simulator's truth (from the noise-free motion),
speed loss and its cue on fatiguing sets, and the set summary's advice on when to stop."""

import json

import numpy as np
import pytest
from conftest import hand_rep, sim_set

from imuhinge.analysis.replay import analyze
from imuhinge.body.angles import AngleSeries
from imuhinge.cli.live_view import rep_line
from imuhinge.coaching.cues import Cue, CueCode
from imuhinge.coaching.set_summary import SetSummary
from imuhinge.coaching.speed import judge_speed, speed_reference
from imuhinge.coaching.summary import stop_advice, summarize
from imuhinge.coaching.tempo import parse_tempo
from imuhinge.coaching.verdicts import judge_reps
from imuhinge.errors import InputError
from imuhinge.model import Exercise, Rep, Targets
from imuhinge.report import format_report, report_to_dict
from imuhinge.report.bounds import check_physical_bounds
from imuhinge.report.plots import plot_speed
from imuhinge.report.wording import cue_text, stop_text
from imuhinge.reps.speed import concentric_speeds_dps, hip_snap_dps

TWO = ("upper_back", "sacrum")
SPEEDS = ("concentric_mean_speed_dps", "concentric_peak_speed_dps")


def speed_errors_pct(report, truth, keys=SPEEDS):
    errs = []
    for rep, want in zip(report.reps, truth["reps"], strict=True):
        for key in keys:
            errs.append(100.0 * abs(getattr(rep, key) / want[key] - 1.0))
    return np.array(errs)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"tempo": "3-1-2"},
        {"tempo": "2-0-X", "sample_rate_hz": 50.0, "random_mounting": True, "packet_loss": 0.03},
        {"exercise": Exercise.DEADLIFT, "tempo": "2-1-X", "gyro_bias_dps": 2.0},
        {"exercise": Exercise.HIP_THRUST, "sensors": TWO, "random_mounting": True, "sample_rate_hz": 200.0},
        {"exercise": Exercise.KETTLEBELL_SWING, "gyr_noise_dps": 0.2, "acc_noise_g": 0.01},
    ],
)
def test_rep_speed_within_5_percent_of_truth(kwargs):
    sim = sim_set(reps=6, seed=41, **kwargs)
    report = analyze(sim.recording)
    assert report.rep_count == sim.truth["rep_count"]
    errs = speed_errors_pct(report, sim.truth)
    assert errs.max() <= 5.0
    assert np.median(errs) <= 1.0


def test_swing_hip_snap_is_the_pelvis_extension_speed():
    """Two sensors: the snap is the pelvis's fastest extension in the rise (the simulator's pelvis
    channel, noise-free); one sensor: the trunk's."""
    sim = sim_set(exercise=Exercise.KETTLEBELL_SWING, reps=8, sensors=TWO, random_mounting=True, seed=42)
    report = analyze(sim.recording)
    errs = speed_errors_pct(report, sim.truth, ("hip_snap_dps",))
    assert errs.max() <= 5.0
    # The pelvis turns 96 % as far as the trunk in the same time: its snap is that much slower.
    ratio = [r.hip_snap_dps / r.concentric_peak_speed_dps for r in report.reps]
    assert np.allclose(ratio, 0.96, atol=0.02)
    one = analyze(sim_set(exercise=Exercise.KETTLEBELL_SWING, reps=4, seed=42).recording)
    assert all(r.hip_snap_dps == r.concentric_peak_speed_dps for r in one.reps)
    slow = analyze(sim_set(reps=3, seed=42).recording)
    assert all(r.hip_snap_dps is None for r in slow.reps)  # only swings have a snap


def test_speeds_of_a_known_rise():
    """A rise of 60 deg as a cosine step over 2 s: the middle 80 % of the rotation takes
    2 (acos(-0.8) - acos(0.8)) / pi s, the peak is 60 pi / 4 deg/s at the middle."""
    t = np.arange(0.0, 4.0, 0.001)
    tau = np.clip((t - 1.0) / 2.0, 0.0, 1.0)
    angle = 60.0 * (1.0 + np.cos(np.pi * tau)) / 2.0
    series = AngleSeries(t, angle, np.zeros_like(t), np.zeros_like(t))
    rep = hand_rep(start_s=-1.0, ecc=1.0, bottom=1.0, con=2.0, top=1.0, depth=60.0)
    mean, peak = concentric_speeds_dps(rep, series)
    middle_s = 2.0 * (np.arccos(-0.8) - np.arccos(0.8)) / np.pi
    assert mean == pytest.approx(48.0 / middle_s, rel=1e-4)
    assert peak == pytest.approx(60.0 * np.pi / 4.0, rel=1e-4)
    unmeasured = hand_rep(start_s=-1.0, ecc=1.0, bottom=1.0, con=2.0, top=1.0, depth=60.0)
    unmeasured.concentric_s = None  # over a gap in the data
    assert concentric_speeds_dps(unmeasured, series) == (None, None)
    gap = AngleSeries(t, np.where((t > 1.8) & (t < 1.9), np.nan, angle), np.zeros_like(t), np.zeros_like(t))
    assert concentric_speeds_dps(rep, gap) == (None, None)
    rep.concentric_peak_speed_dps = peak
    assert hip_snap_dps(rep, series) == peak  # one sensor: the trunk's


def _speed_reps(speeds):
    return [hand_rep(i + 1, 10.0 * i, concentric_mean_speed_dps=v) for i, v in enumerate(speeds)]


def test_speed_loss_from_the_fastest_of_the_first_three_reps():
    reps = _speed_reps([50.0, 60.0, 55.0, 70.0, 45.0, 44.0, None])
    assert speed_reference(reps, Targets()).index == 2  # rep 4 is faster, but not one of the first reps
    cues = judge_speed(reps, Targets())
    losses = [r.speed_loss_pct for r in reps]
    assert losses[:6] == pytest.approx([100 / 6, 0.0, 100 / 12, -100 / 6, 25.0, 100 * 16 / 60])
    assert losses[6] is None
    # 25 % exactly is not past the threshold; 26.7 % is.
    assert list(cues) == [6]
    assert cues[6] == Cue(CueCode.SPEED_LOSS, losses[5], 25.0, reference_rep=2)
    # Rep 1 is 17 % slower than rep 2, but came before it: no cue (a set starts as it starts).
    assert list(judge_speed(reps, Targets(speed_loss_max_pct=10.0))) == [5, 6]
    assert speed_reference(_speed_reps([None, None, None, 40.0]), Targets()) is None


def test_speed_loss_compares_reps_of_the_same_range():
    """Speed is angle over time: a rep arched past the lockout is fast and one stopped short slow,
    neither from fatigue. Neither is the reference nor gets a cue; the others are judged as usual."""
    reps = _speed_reps([40.0, 40.0, 52.0, 38.0, 27.0, 29.0])
    reps[2].lockout_lumbar_extension_deg = 19.0  # arched at the top: the fastest of the first reps
    reps[4].lockout_short_deg = 8.0  # stopped short: slow
    cues = judge_speed(reps, Targets())
    assert speed_reference(reps, Targets()).index == 1
    assert [r.speed_loss_pct for r in reps] == pytest.approx([0.0, 0.0, -30.0, 5.0, 32.5, 27.5])
    assert list(cues) == [6] and cues[6].reference_rep == 1
    shallow = _speed_reps([40.0, 40.0, 40.0, 20.0])
    for r, depth in zip(shallow, (70.0, 70.0, 70.0, 35.0), strict=True):
        r.peak_trunk_flexion_deg = depth
    assert judge_speed(shallow, Targets()) == {}  # half the depth in the same time: half the speed


def test_speed_loss_cue_words_and_data():
    cue = Cue(CueCode.SPEED_LOSS, 27.2, 25.0, reference_rep=2)
    assert cue_text(cue, Exercise.RDL) == "speed down 27 % since rep 2: form usually goes next"
    data = cue.to_dict()
    assert data == {
        "code": "speed_loss",
        "phase": None,
        "value": 27.2,
        "limit": 25.0,
        "units": "%",
        "reference_rep": 2,
    }
    assert Cue.from_dict(json.loads(json.dumps(data))) == cue
    assert "reference_rep" not in Cue(CueCode.LEAN_BACK, 8.0, 5.0).to_dict()  # only where it applies
    with pytest.raises(ValueError, match="not a rep number"):
        Cue.from_dict({**data, "reference_rep": "two"})


@pytest.mark.parametrize(("fatigue", "rate"), [(0.03, 100.0), (0.04, 50.0), (0.04, 200.0)])
def test_speed_loss_cue_on_fatiguing_sets_at_the_right_rep(fatigue, rate):
    """Rising speed falling by 3-4 % a rep: the cue comes first on the rep whose true loss (from the
    noise-free motion) first passes 25 %, and on every later rep past it."""
    sim = sim_set(reps=12, tempo="3-1-X", fatigue_per_rep=fatigue, sample_rate_hz=rate, seed=43)
    report = analyze(sim.recording)
    truth = [t["speed_loss_pct"] for t in sim.truth["reps"]]
    over = [loss > 25.0 for loss in truth]
    first = over.index(True)
    assert abs(truth[first] - 25.0) > 0.5 and abs(truth[first - 1] - 25.0) > 0.5  # no coin toss
    cued = [CueCode.SPEED_LOSS in [c.code for c in r.cues] for r in report.reps]
    assert [c for c, t in zip(cued, truth, strict=True) if abs(t - 25.0) > 0.5] == [
        o for o, t in zip(over, truth, strict=True) if abs(t - 25.0) > 0.5
    ]
    assert cued.index(True) == first
    for rep, want in zip(report.reps, truth, strict=True):
        assert rep.speed_loss_pct == pytest.approx(want, abs=1.0)
    speed = report.summary.speed
    assert speed is not None and speed.passed_at_rep == first + 1
    assert speed.last_loss_pct == pytest.approx(truth[-1], abs=1.0)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"tempo": "3-1-X", "tempo_sd_fraction": 0.06},
        {"exercise": Exercise.KETTLEBELL_SWING, "reps": 15},
        {"exercise": Exercise.HIP_THRUST, "sensors": TWO},
        {"tempo": "3-1-2", "fatigue_per_rep": 0.01},  # slowing, but not past 25 % in 12 reps
    ],
)
def test_no_speed_loss_cue_on_steady_sets(kwargs):
    sim = sim_set(**{"reps": 12, "seed": 44, **kwargs})
    report = analyze(sim.recording)
    assert max(t["speed_loss_pct"] for t in sim.truth["reps"]) < 20.0
    assert not any(c.code is CueCode.SPEED_LOSS for r in report.reps for c in r.cues)
    assert report.summary.speed.passed_at_rep is None and report.summary.stop is None


def test_stop_advice_when_the_signs_agree():
    """Slowing past 25 % late in the set, the lower back rounding and the descent speeding up in the
    same reps: the set should have ended with the rep before the first one past 25 % (true loss)."""
    sim = sim_set(
        reps=10,
        tempo="3-1-X",
        sensors=TWO,
        fatigue_per_rep=0.04,
        rounded_reps={9: 14.0, 10: 16.0},
        eccentric_drift_s=-1.2,
        tempo_sd_fraction=0.0,
        seed=45,
    )
    report = analyze(sim.recording)
    truth = [t["speed_loss_pct"] for t in sim.truth["reps"]]
    first_over = next(k for k, loss in enumerate(truth, 1) if loss > 25.0)
    stop = report.summary.stop
    assert stop is not None and stop.after_rep == first_over - 1
    assert stop.speed_loss_pct == pytest.approx(max(truth[first_over - 1 :]), abs=1.0)
    assert stop.lumbar_change_deg > 5.0 and stop.descent_change_s < -0.5
    words = stop_text(stop, Exercise.RDL)
    assert words.startswith(
        f"stop after rep {first_over - 1} next time: from rep {first_over} the reps slowed"
    )
    assert "the descent sped up by" in words and "the lower back rounded" in words
    assert f"set: {words}" in format_report(report)


def test_no_stop_advice_on_speed_loss_alone():
    sim = sim_set(reps=12, tempo="3-1-X", sensors=TWO, fatigue_per_rep=0.04, tempo_sd_fraction=0.0, seed=46)
    report = analyze(sim.recording)
    assert report.summary.speed.passed_at_rep is not None  # the reps did slow past the threshold
    assert report.summary.stop is None  # but neither the tempo nor the lower back changed


def test_stop_advice_needs_the_late_reps_and_a_second_sign():
    tempo = parse_tempo("3-1-2")
    targets = Targets()

    def reps(speeds, lumbar):
        out = [hand_rep(i + 1, 10.0 * i, concentric_mean_speed_dps=v, peak_lumbar_flexion_deg=m)
               for i, (v, m) in enumerate(zip(speeds, lumbar, strict=True))]  # fmt: skip
        judge_speed(out, targets)
        return out

    slowing = [60.0, 60.0, 60.0, 55.0, 50.0, 40.0, 38.0]
    rounding = [3.0, 3.0, 3.0, 3.0, 3.0, 12.0, 13.0]
    advice = stop_advice(reps(slowing, rounding), Exercise.RDL, tempo, targets)
    assert advice is not None and advice.after_rep == 5 and advice.descent_change_s is None
    assert advice.lumbar_change_deg == pytest.approx(9.5)
    assert stop_advice(reps(slowing, [3.0] * 7), Exercise.RDL, tempo, targets) is None
    # Slow from the second rep on: the first reps are the reference, not late reps.
    assert stop_advice(reps([60.0, 40.0, 40.0], [3.0, 12.0, 12.0]), Exercise.RDL, tempo, targets) is None


def test_speed_in_every_report(tmp_path):
    sim = sim_set(reps=10, tempo="3-1-X", fatigue_per_rep=0.04, seed=47)
    report = analyze(sim.recording)
    data = report_to_dict(report)
    assert data["reps"][0]["concentric_mean_speed_dps"] == round(report.reps[0].concentric_mean_speed_dps, 3)
    assert data["summary"]["speed"]["reference_rep"] == report.summary.speed.reference_rep
    assert SetSummary.from_dict(json.loads(json.dumps(data["summary"]))) == report.summary
    text = format_report(report)
    assert "speed up" in text and "fastest of the first reps: rep" in text
    fig = plot_speed(report)
    (ax,) = fig.axes
    bars = {int(a.get_gid().split("-")[1]): a.get_height() for a in ax.patches if a.get_gid()}
    assert bars == pytest.approx({r.index: r.concentric_mean_speed_dps for r in report.reps})
    (threshold,) = [line for line in ax.lines if line.get_gid() == "speed-threshold"]
    reference = report.summary.speed.reference_dps
    assert threshold.get_ydata()[0] == pytest.approx(0.75 * reference)
    slow = [r for r in report.reps if r.speed_loss_pct > 25.0]
    assert slow and all(ax.patches[r.index - 1].get_facecolor()[0] > 0.7 for r in slow)


def test_live_rep_line_shows_speed_and_loss():
    rep = hand_rep(4, concentric_mean_speed_dps=44.6, speed_loss_pct=27.3)
    rep.cues = [Cue(CueCode.SPEED_LOSS, 27.3, 25.0, reference_rep=2)]
    line = rep_line(rep, Exercise.RDL, spine_measured=False)
    assert ", up 45°/s (-27 %)" in line and "speed down 27 % since rep 2" in line
    steady = hand_rep(2, concentric_mean_speed_dps=47.5, speed_loss_pct=0.3)
    assert ", up 48°/s (+0 %)" in rep_line(steady, Exercise.RDL, spine_measured=False)  # never "-0 %"
    thrust = hand_rep(2, lockout_lumbar_extension_deg=18.0, peak_lumbar_flexion_deg=3.0, spine_ok=False)
    assert ", arch 18° NOT neutral" in rep_line(thrust, Exercise.HIP_THRUST, spine_measured=True)


def test_impossible_speeds_are_refused():
    report = analyze(sim_set(reps=3, seed=48).recording)
    report.reps[1].concentric_peak_speed_dps = 5000.0
    with pytest.raises(InputError, match=r"rep 2 gives rising speed 5000°/s \(beyond 2000°/s\)"):
        check_physical_bounds(report)


def test_summary_of_reps_without_speed():
    reps: list[Rep] = [hand_rep(i + 1, 10.0 * i) for i in range(4)]
    judge_reps(reps, Exercise.RDL, parse_tempo("3-1-2"), Targets())
    summary, _ = summarize(reps, Exercise.RDL, parse_tempo("3-1-2"), Targets(), 0)
    assert summary.speed is None and summary.stop is None
