"""The words of every cue, phase and tempo, from codes and numbers."""

import pytest

from imuhinge.coaching.cues import Cue, CueCode
from imuhinge.model import Exercise, Phase
from imuhinge.report.wording import PHASE_WORDS, cue_text, cue_texts

E, B, C, T = Phase.ECCENTRIC, Phase.BOTTOM, Phase.CONCENTRIC, Phase.TOP


@pytest.mark.parametrize(
    ("cue", "words"),
    [
        (Cue(CueCode.PHASE_TOO_SHORT, 1.64, 3.0, E), "rushed the descent: 1.6 s down, target 3 s"),
        (Cue(CueCode.PHASE_TOO_LONG, 3.66, 3.0, E), "descent too slow: 3.7 s down, target 3 s"),
        (Cue(CueCode.NOT_EXPLOSIVE, 1.5, 1.0, E), "not explosive: 1.5 s down, target under 1 s"),
        (Cue(CueCode.NO_PAUSE, 0.12, 1.0, B), "no pause at the bottom: 0.1 s, target 1 s"),
        (Cue(CueCode.PHASE_TOO_SHORT, 0.4, 1.5, B), "pause at the bottom too short: 0.4 s, target 1.5 s"),
        (Cue(CueCode.PHASE_TOO_LONG, 19.9, 1.0, B), "pause at the bottom too long: 19.9 s, target 1 s"),
        (Cue(CueCode.PHASE_TOO_SHORT, 1.2, 2.0, C), "rushed the way up: 1.2 s, target 2 s"),
        (Cue(CueCode.PHASE_TOO_LONG, 2.8, 2.0, C), "way up too slow: 2.8 s, target 2 s"),
        (Cue(CueCode.NOT_EXPLOSIVE, 1.3, 1.0, C), "not explosive: 1.3 s up, target under 1 s"),
        (Cue(CueCode.NO_PAUSE, 0.1, 2.0, T), "no pause at the top: 0.1 s, target 2 s"),
        (Cue(CueCode.PHASE_TOO_LONG, 1.1, 0.0, T), "pause at the top too long: 1.1 s, target 0 s"),
        (Cue(CueCode.SHALLOW_REP, 44.6, 60.2), "shallow rep: 45° against the set's 60°"),
        (Cue(CueCode.DEEP_REP, 75.0, 60.0), "deeper than the rest: 75° against the set's 60°"),
        (Cue(CueCode.LEAN_BACK, 9.6, 5.0), "leaning back at lockout: 10° past standing (limit 5°)"),
        (
            Cue(CueCode.ROUNDED_BACK, 18.2, 10.0, E),
            "rounded lower back: lumbar flexion 18° (limit 10°) during the lowering",
        ),
        (
            Cue(CueCode.ROUNDED_BACK, 18.2, 10.0),
            "rounded lower back: lumbar flexion 18° (limit 10°) during the rep",
        ),
        (
            Cue(CueCode.OVEREXTENDED, 12.0, 10.0),
            "overextended lockout: lower back 12° past neutral (limit 10°)",
        ),
        (
            Cue(CueCode.SQUAT_PATTERN, 0.254),
            "knee-dominant (squatting) pattern: hips dropped at least 25 cm; push the hips back, not down",
        ),
        (
            Cue(CueCode.SQUATTING_SET, 5, 6),
            "squatting the hinge: 5 of 6 reps were knee-dominant (hips dropped instead of travelling back)",
        ),
        (
            Cue(CueCode.DESCENT_SPED_UP, -0.83, -0.5, E),
            "the descent sped up over the set: last reps 0.8 s faster than the first",
        ),
        (Cue(CueCode.DEPTH_DROPPED, -7.6, -5.0), "depth dropped over the set: last reps 8° shallower"),
        (Cue(CueCode.INCONSISTENT_DEPTH, 6.4, 5.0), "inconsistent depth: reps vary by ±6°"),
    ],
)
def test_every_cue_in_words(cue, words):
    assert cue_text(cue, Exercise.RDL) == words


def test_every_code_has_words():
    cues = [Cue(code, 1.0, 2.0, Phase.BOTTOM if code.kind == "tempo" else None) for code in CueCode]
    assert len(set(cue_texts(cues, Exercise.RDL))) == len(CueCode)


def test_a_deadlift_pauses_at_the_floor():
    cue = Cue(CueCode.NO_PAUSE, 0.1, 1.0, B)
    assert cue_text(cue, Exercise.DEADLIFT) == "no pause at the floor: 0.1 s, target 1 s"
    top = Cue(CueCode.PHASE_TOO_LONG, 1.1, 0.0, T)
    assert cue_text(top, Exercise.DEADLIFT) == "pause at the top too long: 1.1 s, target 0 s"


def test_a_tempo_cue_without_its_phase_or_of_a_phase_it_cannot_be_is_refused():
    with pytest.raises(ValueError, match="needs its phase and target"):
        cue_text(Cue(CueCode.PHASE_TOO_SHORT, 1.0, 2.0), Exercise.RDL)
    with pytest.raises(ValueError, match="no wording for a no_pause cue of the eccentric phase"):
        cue_text(Cue(CueCode.NO_PAUSE, 0.1, 2.0, E), Exercise.RDL)


def test_phase_words_cover_every_phase():
    assert list(PHASE_WORDS) == list(Phase)
    assert [w.label for w in PHASE_WORDS.values()] == [
        "eccentric (down)",
        "bottom pause",
        "concentric (up)",
        "top pause",
    ]
