"""``imuhinge simulate`` and ``imuhinge analyze`` end to end."""

import json
import subprocess
import sys

import pytest

from imuhinge.cli import main


@pytest.fixture(scope="module")
def two_sensor_set(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "set.csv"
    assert (
        main(
            [
                "simulate",
                "--reps",
                "8",
                "--sensors",
                "upper_back,sacrum",
                "--round",
                "6:20",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    return out


def test_simulate_writes_recording_and_truth(two_sensor_set):
    truth = json.loads(two_sensor_set.with_name("set.truth.json").read_text())
    assert truth["rep_count"] == 8 and truth["sensors"] == ["upper_back", "sacrum"]
    from imuhinge.io import load_recording

    rec = load_recording(two_sensor_set)
    assert set(rec.sensors) == {"upper_back", "sacrum"}
    assert rec.metadata["exercise"] == "rdl" and rec.metadata["tempo"] == "3-1-2"


def test_analyze_table_json_and_csv(two_sensor_set, tmp_path, capsys):
    js, csv_out = tmp_path / "r.json", tmp_path / "r.csv"
    assert main(["analyze", str(two_sensor_set), "--json", str(js), "--csv", str(csv_out)]) == 0
    text = capsys.readouterr().out
    assert "3-1-2: 3 seconds down, 1 second pause at the bottom, 2 seconds up" in text
    assert "8 reps" in text and "rounded lower back" in text
    data = json.loads(js.read_text())
    assert data["format"] == "imuhinge-report/1" and data["exercise"] == "rdl"
    assert data["target"] == {
        **data["target"],
        "tempo": "3-1-2",
        "eccentric_s": 3.0,
        "bottom_s": 1.0,
        "concentric_s": 2.0,
        "top_s": None,
    }
    assert data["sensors"] == ["upper_back", "sacrum"]
    reps = data["reps"]
    assert [r["index"] for r in reps] == list(range(1, 9))
    for key in (
        "start_s",
        "end_s",
        "eccentric_s",
        "bottom_s",
        "concentric_s",
        "top_s",
        "peak_trunk_flexion_deg",
        "peak_lumbar_flexion_deg",
        "lockout_extension_deg",
        "tempo_ok",
        "spine_ok",
        "cues",
    ):
        assert key in reps[0]
    assert reps[-1]["top_s"] is None
    assert [r["spine_ok"] for r in reps] == [True] * 5 + [False] + [True] * 2
    assert data["summary"]["rep_count"] == 8 and data["summary"]["partial_count"] == 0
    rows = csv_out.read_text().splitlines()
    assert len(rows) == 9 and rows[0].startswith("index,start_s,end_s,eccentric_s")


def test_analyze_folder_prints_a_line_per_file(two_sensor_set, tmp_path, capsys):
    folder = two_sensor_set.parent
    assert main(["analyze", str(folder), "--json", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "set.csv: 8 reps, tempo on target" in out
    assert (tmp_path / "out" / "set.json").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["analyze", "missing.csv"], "missing.csv: no such file"),
        (["analyze", "{set}", "--tempo", "3-1"], "malformed tempo '3-1'"),
        (["analyze", "{set}", "--json", "/nonexistent/dir/x.json"], "cannot write"),
        (["simulate", "--sensors", "chest", "--out", "x.csv"], "--sensors"),
        (["simulate", "--round", "six:20", "--out", "x.csv"], "--round"),
        (["simulate", "--reps", "8", "--round", "9:20"], "rep 9 is not in the set (--reps 8: 1 to 8)"),
        (["simulate", "--reps", "4", "--lean-back", "0:8"], "--lean-back: rep 0 is not in the set"),
        (["record", "--simulate", "--reps", "8", "--round", "9:20"], "--round: rep 9 is not in the set"),
    ],
)
def test_bad_input_one_line_exit_2(args, message, two_sensor_set, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    args = [a.replace("{set}", str(two_sensor_set)) for a in args]
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err
    assert not list(tmp_path.iterdir()), "refused before anything was written"


def test_tempo_is_the_target_and_lifter_tempo_what_the_lifter_does(tmp_path, capsys):
    from imuhinge.io import load_recording

    out = tmp_path / "s.csv"
    assert main(["simulate", "--reps", "3", "--tempo", "3-2-1", "--out", str(out)]) == 0
    assert load_recording(out).metadata["tempo"] == "3-2-1"
    assert main(["analyze", str(out), "--json", str(tmp_path / "a.json")]) == 0
    reps = json.loads((tmp_path / "a.json").read_text())["reps"]
    assert [r["tempo_ok"] for r in reps] == [True] * 3, "the lifter follows the target by default"
    assert [round(r["bottom_s"]) for r in reps] == [2, 2, 2]
    rushed = tmp_path / "rushed.csv"
    assert main(["simulate", "--reps", "3", "--lifter-tempo", "2-0-1", "--out", str(rushed)]) == 0
    assert load_recording(rushed).metadata["tempo"] == "3-1-2"
    assert main(["analyze", str(rushed), "--json", str(tmp_path / "r.json")]) == 0
    reps = json.loads((tmp_path / "r.json").read_text())["reps"]
    assert [round(r["eccentric_s"]) for r in reps] == [2, 2, 2] and not any(r["tempo_ok"] for r in reps)


def test_unknown_exercise_is_an_argument_error(two_sensor_set, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["analyze", str(two_sensor_set), "--exercise", "squat"])
    assert exc.value.code == 2
    assert "invalid choice: 'squat'" in capsys.readouterr().err


def test_python_m_and_version():
    out = subprocess.run([sys.executable, "-m", "imuhinge", "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.startswith("imuhinge ")
    helps = subprocess.run(
        [sys.executable, "-m", "imuhinge", "analyze", "--help"], capture_output=True, text=True
    )
    assert "example" in helps.stdout and "imuhinge analyze" in helps.stdout


def test_hinge_hold_against_its_hold_time_end_to_end(tmp_path, capsys):
    held = tmp_path / "held.csv"
    assert main(["simulate", "--exercise", "hinge_hold", "--reps", "2", "--out", str(held)]) == 0
    assert main(["analyze", str(held), "--json", str(tmp_path / "held.json")]) == 0
    text = capsys.readouterr().out
    assert "target  hold 10-20 s at depth, steady within 3° (standard deviation)" in text
    data = json.loads((tmp_path / "held.json").read_text())
    assert data["target"]["hold_min_s"] == 10.0 and data["target"]["hold_max_s"] == 20.0
    assert [r["tempo_ok"] for r in data["reps"]] == [True, True] and not any(r["cues"] for r in data["reps"])
    assert all(abs(r["bottom_s"] - 15.0) < 0.5 and r["hold_stability_deg"] < 1.0 for r in data["reps"])
    short = tmp_path / "short.csv"
    args = ["simulate", "--exercise", "hinge_hold", "--reps", "2", "--hold-s", "12", "--lifter-hold-s", "8"]
    assert main([*args, "--out", str(short)]) == 0
    assert main(["analyze", str(short), "--json", str(tmp_path / "short.json")]) == 0
    reps = json.loads((tmp_path / "short.json").read_text())["reps"]
    assert [c["code"] for r in reps for c in r["cue_codes"]] == ["hold_too_short"] * 2
    assert [c["limit"] for r in reps for c in r["cue_codes"]] == [12.0, 12.0]
    assert main(["analyze", str(short), "--hold-s", "5-9", "--json", str(tmp_path / "again.json")]) == 0
    assert [r["tempo_ok"] for r in json.loads((tmp_path / "again.json").read_text())["reps"]] == [True, True]
