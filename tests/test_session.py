"""Whole sessions: rests split the reps into sets, each cut and analysed on its own; the replay of a
session recording and its JSON, CSV and training-log rows; the options of `record --session`."""

import base64
import csv
import io
import json
import sqlite3
from dataclasses import replace

import matplotlib.image as mpimg
import pytest
from conftest import hand_rep, sim_set

from imuhinge.analysis.session import (
    LEAD_S,
    TAIL_S,
    SessionLoads,
    analyze_session,
    group_sets,
    is_session,
    set_cut,
    set_metadata,
)
from imuhinge.cli import main
from imuhinge.io import load_recording, save_recording
from imuhinge.log.training_log import load_sessions
from imuhinge.model import Exercise

SESSION = {"sets": (8, 10, 6), "rest_between_s": 45.0, "walk_between_s": 25.0, "seed": 11}


def run_cli(capsys, *argv):
    status = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


# --- the rule -------------------------------------------------------------------------------------


def test_a_rest_is_thirty_seconds_from_one_reps_end_to_the_next_ones_start():
    reps, start = [], 0.0
    for gap_s in (0, 5.0, 29.9, 30.0, 12.0, 80.0):
        rep = hand_rep(index=len(reps) + 1, start_s=start + gap_s, top=None)
        reps.append(rep)
        start = rep.end_s
    assert [[r.index for r in s] for s in group_sets(reps)] == [[1, 2, 3], [4, 5], [6]]
    assert [len(s) for s in group_sets(reps, rest_s=10.0)] == [2, 1, 1, 1, 1]


def test_a_set_is_cut_with_its_lead_and_tail_never_into_the_previous_set():
    first = set_cut(1, 4.0, 60.0, None, 500.0, 60.0)
    assert (first.start_s, first.end_s, first.rest_before_s) == (0.0, 60.0 + TAIL_S, None)
    second = set_cut(2, 110.0, 170.0, first, 175.0, 62.5)
    assert (second.start_s, second.end_s) == (110.0 - LEAD_S, 175.0)
    assert second.rest_before_s == 50.0 and second.load_kg == 62.5
    close = set_cut(2, first.end_s + 3.0, 100.0, first, 500.0, None)
    assert close.start_s == first.end_s


def test_loads_listed_per_set_and_typed_for_the_sets_that_start_after():
    loads = SessionLoads((60.0, 62.5))
    assert [loads.load_for(n) for n in (1, 2, 3)] == [60.0, 62.5, 62.5]
    typed = loads.typed_for(2, 65.0).typed_for(3, 70.0)
    assert [typed.load_for(n) for n in (1, 2, 3, 4)] == [60.0, 65.0, 70.0, 70.0]
    assert SessionLoads().load_for(1) is None


def test_a_set_keeps_its_sessions_metadata_with_its_place_and_start_time():
    session = {"session_id": "ab12", "started_at": "2026-11-23T18:00:00Z", "load_kg": "60", "exercise": "rdl"}
    meta = set_metadata(
        session, set_cut(2, 130.0, 200.0, set_cut(1, 5.0, 70.0, None, 300.0, 60.0), 300, 65.0)
    )
    assert meta["started_at"] == "2026-11-23T18:02:00Z"  # 120 s in: 10 s before its first rep
    assert meta["session_set"] == "2" and meta["session_id"] == "ab12" and meta["load_kg"] == "65"
    assert meta["rest_before_s"] == "60.000" and float(meta["session_offset_s"]) == 120.0
    assert is_session(session) and not is_session(meta)


# --- replay of a session --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def session_sim():
    return sim_set(**SESSION)


def test_replay_splits_a_session_with_walking_rests_into_its_sets(session_sim):
    truth = session_sim.truth
    sets = analyze_session(session_sim.recording, loads=SessionLoads((60.0, 60.0, 62.5)))
    assert [s.report.rep_count for s in sets] == [t["rep_count"] for t in truth["sets"]] == [8, 10, 6]
    assert [s.cut.load_kg for s in sets] == [60.0, 60.0, 62.5]
    assert sets[0].cut.rest_before_s is None
    for s, t in zip(sets[1:], truth["sets"][1:], strict=True):
        assert s.cut.rest_before_s == pytest.approx(t["rest_before_s"], abs=0.05)
        assert 40.0 < t["rest_before_s"] < 50.0
    for s in sets:  # each set's reps, on its own clock, are the truth's reps of that set
        mine = [r for r in truth["reps"] if r["set"] == s.cut.number]
        for rep, want in zip(s.report.reps, mine, strict=True):
            assert rep.lower_onset_s + s.cut.start_s == pytest.approx(want["lower_onset_s"], abs=0.05)
            assert rep.rise_offset_s + s.cut.start_s == pytest.approx(want["rise_offset_s"], abs=0.05)
        assert all(r.tempo_ok for r in s.report.reps)
        assert not s.report.partials and not s.report.other_movements  # walking is none of them


def test_a_long_top_pause_or_a_hold_is_not_a_rest():
    paused = sim_set(reps=5, tempo="3-1-2-15", target_tempo="3-1-2-15", seed=2)
    assert [len(s) for s in group_sets(analyze_session(paused.recording)[0].report.reps)] == [5]
    assert len(analyze_session(paused.recording)) == 1
    holds = sim_set(exercise=Exercise.HINGE_HOLD, reps=3, hold_s=25.0, seed=3)
    (one,) = analyze_session(holds.recording)
    assert one.report.rep_count == holds.truth["rep_count"] == 3


def test_a_rest_just_over_the_threshold_splits_and_one_under_does_not():
    for rest_s, n_sets in ((26.0, 1), (34.0, 2)):
        sim = sim_set(sets=(3, 3), rest_between_s=rest_s, seed=4)
        rest = sim.truth["sets"][1]["rest_before_s"]
        assert abs(rest - 30.0) > 2.0  # clear of the threshold either way
        assert len(analyze_session(sim.recording)) == n_sets


def save_session(sim, path, session_id):
    """The simulated session as `record --session` writes it: with its id, loads and start."""
    rec = sim.recording
    extra = {"session_id": session_id, "session_loads_kg": "60,60,62.5", "started_at": "2026-11-23T18:00:00Z"}
    save_recording(replace(rec, metadata={**rec.metadata, **extra}), path)
    return path


def test_cli_analyze_of_a_session_recording(session_sim, tmp_path, capsys):
    path = save_session(session_sim, tmp_path / "session.csv", "f00d")
    db = tmp_path / "log.sqlite"
    js, reps_csv = tmp_path / "s.json", tmp_path / "reps.csv"
    status, out, err = run_cli(capsys, "analyze", path, "--json", js, "--csv", reps_csv, "--log", "--db", db)
    assert status == 0, err
    assert "a whole session, split at rests" in out
    assert "set 2: 10 reps at 60 kg after 0:4" in out
    data = json.loads(js.read_text())
    assert data["format"] == "imuhinge-session/1" and data["session_id"] == "f00d"
    assert [s["report"]["summary"]["rep_count"] for s in data["sets"]] == [8, 10, 6]
    assert [s["load_kg"] for s in data["sets"]] == [60, 60, 62.5]
    with open(reps_csv, newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [int(r["set"]) for r in rows] == [1] * 8 + [2] * 10 + [3] * 6
    logged = load_sessions(db)
    assert [(s.session_id, s.set_number, s.load_kg, s.rep_count) for s in logged] == [
        ("f00d", 1, 60.0, 8),
        ("f00d", 2, 60.0, 10),
        ("f00d", 3, 62.5, 6),
    ]
    assert logged[1].rest_before_s == pytest.approx(session_sim.truth["sets"][1]["rest_before_s"], abs=0.05)
    assert logged[1].date.isoformat() > logged[0].date.isoformat()
    status, out, _ = run_cli(capsys, "analyze", path, "--log", "--db", db)
    assert status == 0 and out.count("not logged again") == 3
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM sets").fetchone() == (3,)
    conn.close()


# --- record --session: options refused before anything is recorded ---------------------------------


@pytest.mark.parametrize(
    ("extra", "problem"),
    [
        (["--load-kg", "60,65"], "one load per set needs --session"),
        (["--session", "--rest-s", "5"], "--rest-s: at least 10 s"),
        (["--metronome", "--exercise", "kettlebell_swing"], "has no tempo target to cue"),
    ],
)
def test_record_refuses_bad_session_options(tmp_path, capsys, extra, problem):
    status, _, err = run_cli(capsys, "record", "--simulate", "--out", tmp_path / "s.csv", *extra)
    assert status == 2 and problem in err and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_record_refuses_a_load_list_that_is_not_loads(tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        main(["record", "--simulate", "--session", "--load-kg", "60,x", "--out", str(tmp_path / "s.csv")])
    assert stop.value.code == 2
    assert capsys.readouterr().err.endswith("--load-kg: expected a load in kg (0 or more), got 'x'\n")
    assert list(tmp_path.iterdir()) == []


def test_record_session_refuses_set_files_of_an_earlier_session(tmp_path, capsys):
    earlier = tmp_path / "s.set1.csv"
    save_recording(sim_set(reps=2, seed=1).recording, earlier)
    status, _, err = run_cli(capsys, "record", "--simulate", "--session", "--out", tmp_path / "s.csv")
    assert status == 2 and "s.set1.csv is there from an earlier session" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.set1.csv"]
    assert load_recording(earlier).sensors  # untouched


def test_html_of_a_session_recording_and_of_the_training_log(session_sim, tmp_path, capsys):
    path = save_session(session_sim, tmp_path / "session.csv", "beef")
    page = tmp_path / "session.html"
    status, out, err = run_cli(capsys, "report", path, "-o", page)
    assert status == 0, err
    assert out == f"wrote {page} (3 sets, 24 reps)\n"
    html = page.read_text()
    table = html[html.index("<tbody>") : html.index("</tbody>")]
    assert table.count("<tr>") == 3 and "<td>62.5 kg</td>" in table and "<td>10/10</td>" in table
    assert html.count("<h2>set ") == 3 and "set 3: 6 reps at 62.5 kg after 0:4" in html
    db = tmp_path / "log.sqlite"
    assert run_cli(capsys, "analyze", path, "--log", "--db", db)[0] == 0
    history_page = tmp_path / "history.html"
    status, out, err = run_cli(capsys, "history", "--db", db, "--html", history_page)
    assert status == 0, err
    assert "2026-11-23 18:00 rdl                  3  8/10 @ 60 kg, 6 @ 62.5 kg" in out
    html = history_page.read_text()
    assert "<td>8/10 @ 60 kg, 6 @ 62.5 kg</td>" in html and "<td>2026-W48</td>" in html
    # The working sets are those at 62.5 kg: one set of 6 reps, short of the programme's 2-3 of 8-12.
    assert "rdl: hold 62.5 kg. Form held, but the load goes up after 2-3 sets of 8-12 reps" in html
    png = base64.b64decode(html.split("data:image/png;base64,")[1].split('"')[0])
    assert mpimg.imread(io.BytesIO(png), format="png").ndim == 3
