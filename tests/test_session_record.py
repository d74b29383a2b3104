"""`record --session` end to end through emulated BLE sensors: a simulated session of three sets with
walking rests is written as a session recording and one recording per set, each set logged with its
number, load and rest; the metronome's cue track is read back from its WAV file and checked against
the cues planned from the prescription and the true rep starts; a session killed mid-set keeps
everything; a load typed at the prompt reaches the next set."""

import contextlib
import io
import os
import pty
import select
import signal
import subprocess
import sys
import time
import wave

import numpy as np
import pytest

from imuhinge.analysis.replay import analyze
from imuhinge.analysis.session import analyze_session
from imuhinge.cli import main
from imuhinge.coaching.metronome import CueKind
from imuhinge.io import load_recording
from imuhinge.log.training_log import load_sessions
from imuhinge.sim import SimConfig, simulate
from imuhinge.sim.cue_plan import planned_cues, score_cues
from imuhinge.sound.tones import TONE_HZ, TONE_S

pytestmark = pytest.mark.slow

SETS = (6, 8, 5)
CONFIG = SimConfig(sets=SETS, rest_between_s=45.0, walk_between_s=25.0, seed=12, tempo="3-1-2-2")
PRESCRIPTION = (3.0, 1.0, 2.0, 1.0)  # 3-1-2-1: the lifter rests 1 s longer at the top than prescribed


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("session")
    out, db, wav = folder / "s.csv", folder / "log.sqlite", folder / "cues.wav"
    argv = ["record", "--simulate", "--session", "--speed", "20", "--reps", ",".join(map(str, SETS)),
            "--rest-between-s", "45", "--walk-between-s", "25", "--seed", "12", "--tempo", "3-1-2-1",
            "--sim-tempo", "3-1-2-2", "--load-kg", "60,60,62.5", "--log", "--db", str(db),
            "--metronome", "--metronome-wav", str(wav), "--out", str(out)]  # fmt: skip
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        assert main(argv) == 0
    return folder, out, db, wav, stdout.getvalue()


@pytest.fixture(scope="module")
def truth():
    return simulate(CONFIG).truth


def test_three_sets_logged_with_their_reps_loads_and_rests(recorded, truth):
    folder, out, db, _, text = recorded
    assert sorted(p.name for p in folder.glob("s*.csv*")) == [
        "s.csv",
        "s.set1.csv",
        "s.set2.csv",
        "s.set3.csv",
    ]
    session_id = load_recording(out).metadata["session_id"]
    logged = load_sessions(db)
    assert [(s.session_id, s.set_number) for s in logged] == [(session_id, n) for n in (1, 2, 3)]
    assert [s.rep_count for s in logged] == [t["rep_count"] for t in truth["sets"]] == list(SETS)
    assert [s.load_kg for s in logged] == [60.0, 60.0, 62.5]
    assert logged[0].rest_before_s is None
    for s, t in zip(logged[1:], truth["sets"][1:], strict=True):
        assert s.rest_before_s == pytest.approx(t["rest_before_s"], abs=0.1)
    for n, s in enumerate(logged, start=1):
        assert s.source == str(folder / f"s.set{n}.csv")
        meta = load_recording(s.source).metadata
        assert meta["session_set"] == str(n) and meta["load_kg"] == f"{s.load_kg:g}"
    assert "set 1: 6 reps at 60 kg" in text and "set 3: 5 reps at 62.5 kg after 0:4" in text
    assert "s.csv (sets replayed)" in text and "session: 3 sets, 19 reps of rdl" in text


def test_the_session_recording_replays_to_the_same_sets(recorded):
    _, out, db, _, _ = recorded
    logged = load_sessions(db)
    replayed = analyze_session(load_recording(out))
    assert [s.report.rep_count for s in replayed] == [s.rep_count for s in logged]
    for s, want in zip(replayed[1:], logged[1:], strict=True):
        assert s.cut.rest_before_s == pytest.approx(want.rest_before_s, abs=0.05)
    assert [s.cut.load_kg for s in replayed] == [60.0, 60.0, 62.5]  # from the session's --load-kg list


def _wav_cues(path):
    """Each tone of a cue track: its start (from the centre of its energy) and kind (by its pitch)."""
    with wave.open(str(path)) as w:
        rate = w.getframerate()
        x = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2") / 32767.0
    loud = np.flatnonzero(np.abs(x) > 0.01)
    cues = []
    for burst in np.split(loud, np.flatnonzero(np.diff(loud) > 0.02 * rate) + 1):
        a, b = burst[0], burst[-1] + 1
        seg = x[a:b]
        energy = seg**2
        centre_s = (a + np.sum(np.arange(len(seg)) * energy) / np.sum(energy)) / rate
        pitch_hz = np.count_nonzero(np.diff(np.signbit(seg))) / 2 / ((b - a) / rate)
        kind = min(TONE_HZ, key=lambda k: abs(TONE_HZ[k] - pitch_hz))
        assert abs(TONE_HZ[kind] - pitch_hz) < 60, pitch_hz
        cues.append((centre_s - TONE_S / 2, kind.value))
    return cues


def test_metronome_cues_within_20_ms_of_the_plan(recorded, truth):
    _, out, _, wav, text = recorded
    track = _wav_cues(wav)
    # The true rep starts on the recording's clock: the virtual sensor takes sample k at simulated
    # time k / rate, and the recording says when (on its clock, the host's) it placed sample k.
    stream = load_recording(out).sensors["upper_back"]
    assert stream.seq[0] == 0 and np.all(np.diff(stream.seq) == 1)

    def on_recording_clock(t_s):
        return float(np.interp(t_s * CONFIG.sample_rate_hz, stream.seq, stream.time_s))

    truth_reps = [{**t, "lower_onset_s": on_recording_clock(t["lower_onset_s"])} for t in truth["reps"]]
    plan = planned_cues(truth_reps, *PRESCRIPTION)
    score = score_cues(plan, track)
    assert not score.missing and not score.extra, (score.missing, score.extra)
    assert len(plan) == 4 * len(truth["reps"])  # bottom, up, top and the go cue of every rep
    assert max(abs(e) for e in score.errors_s) < 0.020
    kinds = [kind for _, kind in track]
    assert kinds.count(CueKind.DOWN.value) == len(truth["reps"])
    # Without an audio device the bell sounds each cue.
    assert "metronome: " in text
    if "metronome: the terminal bell" in text:
        assert text.count("\a") == len(track)
    assert f"wrote {wav} ({len(track)} cues)" in text


def test_a_session_killed_mid_set_keeps_every_set(tmp_path):
    """Killed once the second set's first rep is in: the first set's file is whole, the session file
    holds both sets, and no half-written set file is left."""
    out = tmp_path / "s.csv"
    argv = [sys.executable, "-m", "imuhinge", "record", "--simulate", "--session", "--speed", "10",
            "--reps", "4,4,4", "--rest-between-s", "40", "--seed", "13", "--out", str(out)]  # fmt: skip
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    seen = []
    try:
        deadline = time.monotonic() + 120
        while not (any(line.startswith("set 1: ") for line in seen) and seen[-1].startswith("rep 1: ")):
            assert proc.poll() is None and time.monotonic() < deadline, seen
            if select.select([proc.stdout], [], [], 0.1)[0]:
                seen.append(proc.stdout.readline())
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    partial = tmp_path / "s.csv.partial"
    assert partial.exists() and not out.exists()
    assert analyze(load_recording(tmp_path / "s.set1.csv")).rep_count == 4
    sets = analyze_session(load_recording(partial))
    assert [s.report.rep_count >= 1 for s in sets] == [True, True] and sets[0].report.rep_count == 4
    assert not list(tmp_path.glob("s.set2*"))


def test_a_load_typed_at_the_prompt_goes_to_the_next_set(tmp_path):
    """On a terminal the prompt reads the keyboard in a thread: the recording goes on while it waits."""
    out, db = tmp_path / "s.csv", tmp_path / "log.sqlite"
    argv = [sys.executable, "-m", "imuhinge", "record", "--simulate", "--session", "--speed", "10",
            "--reps", "3,3", "--rest-between-s", "60", "--seed", "14", "--load-kg", "60", "--log",
            "--db", str(db), "--out", str(out)]  # fmt: skip
    controller, terminal = pty.openpty()
    proc = subprocess.Popen(argv, stdin=terminal, stdout=terminal, stderr=terminal, close_fds=True)
    os.close(terminal)
    seen, typed = b"", False
    try:
        deadline = time.monotonic() + 120
        while proc.poll() is None and time.monotonic() < deadline:
            ready, _, _ = select.select([controller], [], [], 0.1)
            if ready:
                with contextlib.suppress(OSError):
                    seen += os.read(controller, 4096)
            if not typed and b"load for set 2?" in seen:
                os.write(controller, b"65\n")
                typed = True
        proc.wait(timeout=30)
        with contextlib.suppress(OSError):
            while select.select([controller], [], [], 0.2)[0]:
                chunk = os.read(controller, 4096)
                if not chunk:
                    break
                seen += chunk
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(controller)
    assert proc.returncode == 0, seen.decode(errors="replace")[-2000:]
    assert typed and b"load 65 kg from set 2 on" in seen
    assert [(s.set_number, s.load_kg) for s in load_sessions(db)] == [(1, 60.0), (2, 65.0)]
