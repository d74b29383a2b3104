"""The set summary of hand-built reps: statistics, fractions, drift, set cues, and its JSON form."""

import json

import pytest
from conftest import hand_rep

from imuhinge.coaching.cues import Cue, CueCode
from imuhinge.coaching.set_summary import Drift, PhaseSummary, SetSummary, Stats
from imuhinge.coaching.summary import summarize
from imuhinge.coaching.tempo import parse_tempo
from imuhinge.coaching.verdicts import judge_reps
from imuhinge.model import Exercise, Phase, Targets

TARGETS = Targets()


def summary_of(reps, exercise=Exercise.RDL, tempo="3-1-2", partial_count=0):
    tempo_obj = parse_tempo(tempo)
    judge_reps(reps, exercise, tempo_obj, TARGETS)
    return summarize(reps, exercise, tempo_obj, TARGETS, partial_count)


def test_statistics_fractions_and_time_under_tension():
    reps = [
        hand_rep(1, 0.0, ecc=3.0, con=2.0, depth=60.0, peak_lumbar_flexion_deg=5.0),
        hand_rep(2, 10.0, ecc=2.0, con=2.0, depth=62.0, peak_lumbar_flexion_deg=12.0),
        hand_rep(3, 20.0, ecc=3.4, con=2.2, depth=64.0, top=None, peak_lumbar_flexion_deg=4.0),
    ]
    summary, cues = summary_of(reps, partial_count=2)
    assert cues == []
    assert (summary.rep_count, summary.partial_count) == (3, 2)
    assert summary.tempo_ok_fraction == pytest.approx(2 / 3, abs=1e-3) == 0.667
    assert summary.spine_ok_fraction == 0.667
    assert summary.phases["eccentric"] == PhaseSummary(2.8, 0.589, 2.0, 3.4, 3.0, 0.667)
    assert summary.phases["bottom"] == PhaseSummary(1.0, 0.0, 1.0, 1.0, 1.0, 1.0)
    assert summary.phases["concentric"] == PhaseSummary(2.067, 0.094, 2.0, 2.2, 2.0, 1.0)
    assert summary.phases["top"] == PhaseSummary(1.0, 0.0, 1.0, 1.0, None, None)  # no target, last unmeasured
    assert summary.depth_deg == Stats(62.0, 1.633, 60.0, 64.0)
    assert summary.time_under_tension_s == 7.0 + 6.0 + 6.6
    assert summary.drift is None and summary.pattern is None
    assert summary.cadence_reps_per_min is None and summary.hold_s is None


def test_drift_over_the_set_and_its_cues():
    first = [hand_rep(i + 1, 10.0 * i, ecc=3.0, depth=60.0) for i in range(3)]
    last = [hand_rep(i + 4, 10.0 * (i + 3), ecc=2.0, depth=50.0) for i in range(3)]
    summary, cues = summary_of(first + last)
    assert summary.drift == Drift(-1.0, -10.0)
    assert cues == [
        Cue(CueCode.DESCENT_SPED_UP, -1.0, -0.5, Phase.ECCENTRIC),
        Cue(CueCode.DEPTH_DROPPED, -10.0, -5.0),
    ]
    # The depths' spread is 5.0°, exactly the limit: consistent enough.
    assert summary.depth_deg.sd == 5.0
    # Five reps are too few to compare the first three with the last three.
    assert summary_of((first + last)[:5])[0].drift is None


def test_inconsistent_depth_is_a_set_cue():
    reps = [hand_rep(i + 1, 10.0 * i, depth=d) for i, d in enumerate([50.0, 62.0, 74.0])]
    summary, cues = summary_of(reps)
    assert cues == [Cue(CueCode.INCONSISTENT_DEPTH, pytest.approx(9.798, abs=1e-3), 5.0)]
    assert summary.depth_deg.sd == 9.798


def test_a_set_of_mostly_squats_is_squatting_the_hinge():
    patterns = ["squat", "squat", None, "hinge"]
    reps = [hand_rep(i + 1, 10.0 * i, hip_pattern=p, hip_drop_low_m=0.3) for i, p in enumerate(patterns)]
    summary, cues = summary_of(reps)
    assert summary.pattern is None  # two of four reps is not most of them
    reps.append(hand_rep(5, 40.0, hip_pattern="squat", hip_drop_low_m=0.3))
    summary, cues = summary_of(reps)
    assert summary.pattern == "squat"
    assert cues == [Cue(CueCode.SQUATTING_SET, 3, 5)]


def test_ballistic_cadence_and_hold_times():
    swings = [hand_rep(i + 1, 2.0 * i, ecc=0.8, bottom=0.0, con=0.6, top=0.6) for i in range(4)]
    summary, _ = summary_of(swings, Exercise.KETTLEBELL_SWING, tempo="X")
    assert summary.cadence_reps_per_min == 30.0 and summary.tempo_ok_fraction is None
    holds = [hand_rep(i + 1, 30.0 * i, bottom=b) for i, b in enumerate([12.0, 15.0])]
    summary, _ = summary_of(holds, Exercise.HINGE_HOLD)
    assert summary.hold_s == Stats(13.5, 1.5, 12.0, 15.0)


def test_no_reps():
    summary, cues = summary_of([], partial_count=1)
    assert cues == []
    assert summary.rep_count == 0 and summary.partial_count == 1 and summary.depth_deg == Stats()
    assert summary.phases["eccentric"] == PhaseSummary(target_s=3.0)
    assert summary.tempo_ok_fraction is None and summary.time_under_tension_s == 0


def test_json_form_keeps_the_report_keys_and_reads_back():
    reps = [hand_rep(i + 1, 10.0 * i, depth=60.0 + i) for i in range(6)]
    summary, _ = summary_of(reps)
    data = json.loads(json.dumps(summary.to_dict()))
    assert list(data) == [
        "rep_count",
        "partial_count",
        "tempo_ok_fraction",
        "phases",
        "depth_deg",
        "time_under_tension_s",
        "spine_ok_fraction",
        "pattern",
        "drift",
        "speed",
        "stop",
    ]
    assert data["speed"] is None and data["stop"] is None  # hand-made reps have no speed
    assert list(data["phases"]) == ["eccentric", "bottom", "concentric", "top"]
    assert data["phases"]["bottom"] == {
        "mean": 1.0,
        "sd": 0.0,
        "min": 1.0,
        "max": 1.0,
        "target_s": 1.0,
        "on_target_fraction": 1.0,
    }
    assert data["drift"] == {"eccentric_s": 0.0, "depth_deg": 3.0}
    assert SetSummary.from_dict(data) == summary
    hold, _ = summary_of([hand_rep(bottom=12.0)], Exercise.HINGE_HOLD)
    assert hold.to_dict()["hold_s"] == {"mean": 12.0, "sd": 0.0, "min": 12.0, "max": 12.0}
    assert SetSummary.from_dict(json.loads(json.dumps(hold.to_dict()))) == hold
