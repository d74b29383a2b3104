"""Verdicts and cues of hand-built reps: every phase against its target, depth, spine, lean-back, hips."""

import pytest
from conftest import hand_rep

from imuhinge.coaching.cues import Cue, CueCode, CueKind, Unit
from imuhinge.coaching.tempo import parse_hold, parse_tempo
from imuhinge.coaching.verdicts import judge_reps, rep_flagged
from imuhinge.errors import InputError
from imuhinge.model import Exercise, Phase, Targets

TARGETS = Targets()
RDL = Exercise.RDL


def judged(*reps, tempo="3-1-2", exercise=RDL):
    judge_reps(list(reps), exercise, parse_tempo(tempo), TARGETS)
    return reps


def test_a_rep_on_target_has_no_cue():
    (rep,) = judged(hand_rep())
    assert rep.phase_ok == {"eccentric": True, "bottom": True, "concentric": True, "top": None}
    assert rep.tempo_ok is True and rep.spine_ok is None
    assert rep.cues == [] and not rep_flagged(rep)


@pytest.mark.parametrize(
    ("phases", "tempo", "cue"),
    [
        ({"ecc": 2.4}, "3-1-2", Cue(CueCode.PHASE_TOO_SHORT, 2.4, 3.0, Phase.ECCENTRIC)),
        ({"ecc": 3.6}, "3-1-2", Cue(CueCode.PHASE_TOO_LONG, 3.6, 3.0, Phase.ECCENTRIC)),
        ({"bottom": 0.2}, "3-1-2", Cue(CueCode.NO_PAUSE, 0.2, 1.0, Phase.BOTTOM)),
        ({"bottom": 0.4}, "3-1-2", Cue(CueCode.PHASE_TOO_SHORT, 0.4, 1.0, Phase.BOTTOM)),
        ({"bottom": 1.6}, "3-1-2", Cue(CueCode.PHASE_TOO_LONG, 1.6, 1.0, Phase.BOTTOM)),
        ({"con": 1.4}, "3-1-2", Cue(CueCode.PHASE_TOO_SHORT, 1.4, 2.0, Phase.CONCENTRIC)),
        ({"con": 2.6}, "3-1-2", Cue(CueCode.PHASE_TOO_LONG, 2.6, 2.0, Phase.CONCENTRIC)),
        ({"top": 1.0}, "3-1-2-0", Cue(CueCode.PHASE_TOO_LONG, 1.0, 0.0, Phase.TOP)),
        ({"top": 1.0}, "3-1-2-2", Cue(CueCode.PHASE_TOO_SHORT, 1.0, 2.0, Phase.TOP)),
        ({"con": 1.2}, "3-1-X", Cue(CueCode.NOT_EXPLOSIVE, 1.2, 1.0, Phase.CONCENTRIC)),
        ({"ecc": 1.5}, "X-1-2", Cue(CueCode.NOT_EXPLOSIVE, 1.5, 1.0, Phase.ECCENTRIC)),
    ],
)
def test_every_phase_off_target_has_one_cue_with_its_numbers(phases, tempo, cue):
    (rep,) = judged(hand_rep(**phases), tempo=tempo)
    assert rep.cues == [cue]
    assert rep.phase_ok[cue.phase] is False and rep.tempo_ok is False
    assert [p for p, ok in rep.phase_ok.items() if ok is False] == [cue.phase]
    assert cue.kind is CueKind.TEMPO and cue.unit is Unit.SECONDS
    assert rep_flagged(rep)


@pytest.mark.parametrize(
    ("phases", "tempo"),
    [({"ecc": 2.5}, "3-1-2"), ({"ecc": 3.5}, "3-1-2"), ({"bottom": 0.5}, "3-1-2"), ({"con": 1.0}, "3-1-X")],
)
def test_the_tolerance_and_the_explosive_limit_are_inclusive(phases, tempo):
    (rep,) = judged(hand_rep(**phases), tempo=tempo)
    assert rep.tempo_ok is True and rep.cues == []


def test_an_unmeasured_phase_is_not_judged():
    (rep,) = judged(hand_rep(bottom=None, con=1.0))
    assert rep.phase_ok["bottom"] is None and rep.phase_ok["concentric"] is False
    assert rep.cues == [Cue(CueCode.PHASE_TOO_SHORT, 1.0, 2.0, Phase.CONCENTRIC)]


def test_a_ballistic_exercise_has_no_tempo_verdict():
    (rep,) = judged(hand_rep(ecc=0.5, bottom=0.0, con=0.4), tempo="X", exercise=Exercise.KETTLEBELL_SWING)
    assert rep.phase_ok == {} and rep.tempo_ok is None and rep.cues == []


def test_depth_against_the_median_of_the_set():
    depths = [60.0, 61.0, 59.0, 45.0, 75.0]
    reps = judged(*(hand_rep(i + 1, 10.0 * i, depth=d) for i, d in enumerate(depths)))
    assert [r.cues for r in reps] == [
        [],
        [],
        [],
        [Cue(CueCode.SHALLOW_REP, 45.0, 60.0)],
        [Cue(CueCode.DEEP_REP, 75.0, 60.0)],
    ]
    assert all(r.tempo_ok for r in reps)
    assert rep_flagged(reps[3]) and not rep_flagged(reps[0])
    # Two reps give no reference to judge depth against.
    assert [r.cues for r in judged(hand_rep(1, depth=60.0), hand_rep(2, 10.0, depth=30.0))] == [[], []]


def test_lean_back_rounding_overextension_and_squatting():
    lean, rounded, overextended, neutral, squat = judged(
        hand_rep(1, lockout_extension_deg=6.0),
        hand_rep(2, 10.0, peak_lumbar_flexion_deg=12.0, lumbar_peak_phase="bottom"),
        hand_rep(3, 20.0, peak_lumbar_flexion_deg=8.0, lockout_lumbar_extension_deg=11.0),
        hand_rep(4, 30.0, peak_lumbar_flexion_deg=10.0, lockout_lumbar_extension_deg=10.0),
        hand_rep(5, 40.0, hip_pattern="squat", hip_drop_low_m=0.3),
    )
    assert lean.cues == [Cue(CueCode.LEAN_BACK, 6.0, 5.0)] and lean.spine_ok is None
    assert rounded.cues == [Cue(CueCode.ROUNDED_BACK, 12.0, 10.0, Phase.BOTTOM)] and rounded.spine_ok is False
    assert overextended.cues == [Cue(CueCode.OVEREXTENDED, 11.0, 10.0)] and overextended.spine_ok is False
    assert neutral.cues == [] and neutral.spine_ok is True  # limits are inclusive
    assert squat.cues == [Cue(CueCode.SQUAT_PATTERN, 0.3)]
    assert [c.kind for r in (lean, rounded, squat) for c in r.cues] == [
        CueKind.LEAN_BACK,
        CueKind.SPINE,
        CueKind.PATTERN,
    ]


def test_a_failed_spine_verdict_flags_a_rep_even_without_cues():
    (rep,) = judged(hand_rep())
    rep.spine_ok = False
    assert rep.cues == [] and rep_flagged(rep)


def test_cues_come_in_order_tempo_depth_form():
    reps = judged(
        *(hand_rep(i + 1, 10.0 * i, depth=60.0) for i in range(3)),
        hand_rep(4, 30.0, ecc=2.0, depth=40.0, lockout_extension_deg=7.0),
    )
    assert [c.code for c in reps[3].cues] == [CueCode.PHASE_TOO_SHORT, CueCode.SHALLOW_REP, CueCode.LEAN_BACK]


def test_cue_round_trips_through_its_json_form():
    cue = Cue(CueCode.ROUNDED_BACK, 12.34567, 10.0, Phase.BOTTOM)
    data = cue.to_dict()
    assert data == {"code": "rounded_back", "phase": "bottom", "value": 12.346, "limit": 10.0, "units": "deg"}
    assert Cue.from_dict(data) == Cue(CueCode.ROUNDED_BACK, 12.346, 10.0, Phase.BOTTOM)
    squat = Cue(CueCode.SQUAT_PATTERN, 0.3)
    assert Cue.from_dict(squat.to_dict()) == squat and squat.to_dict()["units"] == "m"


# --- holds (hinge_hold): the time held at depth against its range, and how steady ------------------


@pytest.mark.parametrize(
    ("held_s", "verdict", "cue"),
    [
        (15.0, True, None),
        (9.5, True, None),  # within the tolerance of 10 s
        (9.4, False, Cue(CueCode.HOLD_TOO_SHORT, 9.4, 10.0, Phase.BOTTOM)),
        (20.5, True, None),
        (20.6, False, Cue(CueCode.HOLD_TOO_LONG, 20.6, 20.0, Phase.BOTTOM)),
    ],
)
def test_a_hold_is_judged_on_its_time_not_on_a_tempo(held_s, verdict, cue):
    (rep,) = judged(
        hand_rep(ecc=1.0, bottom=held_s, con=1.0, hold_stability_deg=0.5), exercise=Exercise.HINGE_HOLD
    )
    assert rep.tempo_ok is verdict and rep.phase_ok == {Phase.BOTTOM: verdict}
    assert rep.cues == ([] if cue is None else [cue])


def test_a_wavering_hold_is_named_with_its_numbers():
    (rep,) = judged(hand_rep(bottom=15.0, hold_stability_deg=3.4), exercise=Exercise.HINGE_HOLD)
    assert rep.tempo_ok is True
    assert rep.cues == [Cue(CueCode.HOLD_UNSTEADY, 3.4, 3.0, Phase.BOTTOM)]
    assert rep.cues[0].kind is CueKind.HOLD and rep.cues[0].unit is Unit.DEGREES
    (steady,) = judged(hand_rep(bottom=15.0, hold_stability_deg=3.0), exercise=Exercise.HINGE_HOLD)
    assert steady.cues == []


@pytest.mark.parametrize(
    ("text", "seconds"), [("15", (15.0, 15.0)), ("10-20", (10.0, 20.0)), (" 8.5-9 ", (8.5, 9.0))]
)
def test_hold_targets_parse(text, seconds):
    assert parse_hold(text) == seconds


@pytest.mark.parametrize("text", ["", "0", "20-10", "ten", "1-2-3", "nan", "-5"])
def test_malformed_hold_targets_are_refused(text):
    with pytest.raises(InputError, match="malformed hold time"):
        parse_hold(text)
