"""The tempo metronome: cues planned from the prescription, re-synchronised to the lifter's rep
starts, the cue track written as a WAV and read back, and the audio output or its fallback."""

import io
import wave

import numpy as np
import pytest
from conftest import sim_set

from imuhinge.analysis.live import LiveAnalyzer
from imuhinge.coaching.metronome import LATE_S, LOOKAHEAD_S, CueKind, Metronome, MetronomeCue, rep_cues
from imuhinge.coaching.tempo import parse_tempo
from imuhinge.errors import InputError
from imuhinge.sim.cue_plan import planned_cues, score_cues
from imuhinge.sound.output import BellOutput, open_output
from imuhinge.sound.tones import TONE_HZ, TONE_S, TRACK_RATE_HZ, cue_tone, write_cue_track

D, B, U, T = CueKind.DOWN, CueKind.BOTTOM, CueKind.UP, CueKind.TOP


def plan_of(tempo, floor_start=False):
    return [(c.kind, c.after_s, c.ends_rep) for c in rep_cues(parse_tempo(tempo), floor_start)]


def test_the_cues_of_a_rep_follow_the_prescription():
    assert plan_of("3-1-2-1") == [(B, 3.0, False), (U, 4.0, False), (T, 6.0, True), (D, 7.0, True)]
    assert plan_of("3-1-2") == [(B, 3.0, False), (U, 4.0, False), (T, 6.0, True)]  # no top target: no go
    assert plan_of("3-0-2-0") == [(U, 3.0, False), (D, 5.0, True)]  # pauses of 0 s have no cue
    assert plan_of("31X0") == [(B, 3.0, False), (U, 4.0, False)]  # nothing can follow an explosive phase
    # A deadlift starts at the floor: up, the lockout, down, the pause at the floor.
    assert plan_of("3-1-2-1", floor_start=True) == [
        (T, 2.0, False),
        (D, 3.0, False),
        (B, 6.0, True),
        (U, 7.0, True),
    ]


def feed(metronome, times_s, start_of=lambda t: None, moving_since=lambda t: None):
    for t in times_s:
        metronome.update(t, start_of(t), moving_since(t))
    return [(round(c.time_s, 3), c.kind) for c in metronome.cues]


def test_cues_are_committed_just_before_they_are_due_and_follow_each_rep_start():
    met = Metronome(parse_tempo("3-1-2-1"))
    ticks = np.arange(0.0, 30.0, 0.04)
    starts = {(10.0, 17.0): 10.0, (18.5, 25.0): 18.5}  # the lifter waits 1.5 s longer than the go cue

    def start_of(t):
        return next((s for (a, b), s in starts.items() if a + 1.0 <= t <= b), None)

    cues = feed(met, ticks, start_of)
    assert cues == [(13.0, B), (14.0, U), (16.0, T), (17.0, D), (21.5, B), (22.5, U), (24.5, T), (25.5, D)]
    first = met.cues[0]
    assert first == MetronomeCue(13.0, B, 10.0)


def test_a_refined_rep_start_moves_the_cues_still_to_come():
    met = Metronome(parse_tempo("3-1-2"))
    for t in np.arange(11.0, 20.0, 0.04):
        met.update(t, 10.0 if t < 12.0 else 10.02, None)
    assert [round(c.time_s, 3) for c in met.cues] == [13.02, 14.02, 16.02]


def test_an_early_next_rep_drops_what_was_left_and_a_moving_lifter_hears_no_go_cue():
    met = Metronome(parse_tempo("3-1-2-2"))
    ticks = np.arange(0.0, 30.0, 0.04)

    def start_of(t):
        if 11.0 <= t < 15.5:
            return 10.0
        return 15.0 if 16.0 <= t < 21.0 else None  # the next rep starts 1 s before the top cue

    def moving_since(t):
        return 15.0 if 15.3 <= t < 17.0 else None

    cues = feed(met, ticks, start_of, moving_since)
    # Rep 1: its top (16.0) and go (18.0) are dropped; rep 2 from 15.0: 18, 19, 21; its go at 23.
    assert cues == [(13.0, B), (14.0, U), (18.0, B), (19.0, U), (21.0, T), (23.0, D)]


def test_a_cue_found_too_late_is_not_sounded():
    met = Metronome(parse_tempo("1-0-1-1"))
    met.update(10.8, 10.0, None)  # first seen 0.8 s after the start: its up cue (11.0) still to come
    met.update(11.0 + LATE_S + 0.1, 10.0, None)  # nothing in between: the up cue is past by 0.25 s
    assert met.cues == []
    met.update(12.0 - LOOKAHEAD_S, 10.0, None)
    assert [(c.time_s, c.kind) for c in met.cues] == [(12.0, T)]


@pytest.mark.parametrize(
    ("prescription", "lifter"), [("3-1-2-1", "3-1-2-2"), ("3-1-2-2", "3-1-2-0"), ("2-0-1-1", "2-0-1-1")]
)
def test_live_analysis_drives_the_cues_within_20_ms_of_the_plan(prescription, lifter):
    """Fed block by block, the live analysis gives the rep starts; the plan comes from the truth."""
    sim = sim_set(
        sets=(5, 4), rest_between_s=40.0, walk_between_s=20.0, tempo=lifter, target_tempo=prescription, seed=5
    )
    stream = sim.recording.sensors["upper_back"]
    live, tempo = LiveAnalyzer(100.0, tempo=prescription), parse_tempo(prescription)
    met = Metronome(tempo)
    for i in range(0, len(stream), 4):
        block = slice(i, i + 4)
        status = live.feed(
            "upper_back",
            stream.time_s[block],
            stream.seq[block],
            stream.acc_mps2[block],
            stream.gyr_rads[block],
        )
        met.update(status.time_s, status.rep_start_s, status.moving_since_s)
    plan = planned_cues(sim.truth["reps"], tempo.eccentric_s, tempo.bottom_s, tempo.concentric_s, tempo.top_s)
    score = score_cues(plan, [(c.time_s, c.kind.value) for c in met.cues])
    assert not score.missing and not score.extra
    assert max(abs(e) for e in score.errors_s) < 0.020
    downs = sum(kind == "down" for _, kind in plan)
    if lifter.endswith("-0"):
        assert downs == 2  # the lifter never waits for the go cue: only each set's last rep hears it
    else:
        assert downs == 9


# --- the cue track ----------------------------------------------------------------------------------


def test_the_cue_track_is_a_wav_with_each_tone_at_its_time(tmp_path):
    cues = [
        MetronomeCue(1.0, B, 0.0),
        MetronomeCue(2.5, U, 0.0),
        MetronomeCue(4.0, T, 0.0),
        MetronomeCue(5.0, D, 0.0),
    ]
    path = tmp_path / "cues.wav"
    write_cue_track(cues, path, duration_s=6.0)
    with wave.open(str(path)) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, TRACK_RATE_HZ)
        x = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2") / 32767.0
    assert len(x) == 6 * TRACK_RATE_HZ
    for cue in cues:
        start = round(cue.time_s * TRACK_RATE_HZ)
        tone = cue_tone(cue.kind, TRACK_RATE_HZ)
        np.testing.assert_allclose(x[start : start + len(tone)], tone, atol=1 / 32767)
        assert np.abs(x[start - 100 : start]).max() == 0  # silence before each tone
        spectrum = np.abs(np.fft.rfft(x[start : start + len(tone)], n=TRACK_RATE_HZ))
        assert abs(np.argmax(spectrum) - TONE_HZ[cue.kind]) <= 1 / TONE_S
    with pytest.raises(InputError, match="already exists"):
        write_cue_track(cues, path, duration_s=6.0)


def test_without_an_audio_output_the_bell_rings_each_cue():
    try:
        import sounddevice as sd

        sd.query_devices(kind="output")
        has_audio = True
    except Exception:  # not installed, no PortAudio library, or no output device
        has_audio = False
    terminal = io.StringIO()
    output = open_output(terminal)
    assert isinstance(output, BellOutput) is not has_audio
    if not has_audio:
        assert output.description.startswith("the terminal bell (no audio")
        for kind in CueKind:
            output.play(kind)
        assert terminal.getvalue() == "\a" * len(CueKind)
