"""Training log: round trip, duplicates, progression advice, crash safety, refusing foreign files."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from dataclasses import replace
from datetime import UTC, datetime

import matplotlib.image as mpimg
import pytest
from conftest import sim_set

from imuhinge.analysis.replay import analyze
from imuhinge.cli import main
from imuhinge.coaching.set_summary import SetSummary
from imuhinge.errors import InputError
from imuhinge.io import load_recording, save_recording
from imuhinge.log import training_log as history
from imuhinge.log.location import default_db_path, resolve_db_path
from imuhinge.log.training_log import (
    DuplicateSetError,
    LoggedSet,
    load_sessions,
    log_set,
    progression_advice,
)
from imuhinge.report import rep_rows
from imuhinge.report.plots import plot_history
from imuhinge.report.wording import NO_LOADS

TWO = ("upper_back", "sacrum")


def report_of(day, load="60", sensors=TWO, seed=1, time="18:00:00", reps=4, session=None, **kwargs):
    """A fresh analysed set (its own metadata copy) done on ``day`` with ``load`` kg; ``session`` is
    ``(session_id, set number)`` for a set recorded as part of a session."""
    sim = sim_set(reps=reps, sensors=sensors, seed=seed, **kwargs)
    recording = sim.recording
    report = analyze(recording, tempo="3-1-2")
    report.metadata = {**recording.metadata, "started_at": f"{day}T{time}Z", "load_kg": load}
    if session is not None:
        report.metadata |= {"session_id": session[0], "session_set": str(session[1]), "rest_before_s": "90"}
    return report


def session_of(day, n_sets=2, reps=8, load="60", **kwargs):
    """Sets of ``reps`` reps done 5 minutes apart on ``day`` (the same seeds each day, the reps differ
    by set)."""
    return [
        report_of(day, load, seed=10 + k, time=f"18:{5 * k:02d}:00", reps=reps, **kwargs)
        for k in range(n_sets)
    ]


@pytest.fixture
def db(tmp_path, monkeypatch):
    monkeypatch.delenv("IMUHINGE_DB", raising=False)
    return tmp_path / "log" / "history.sqlite"


def table_count(path):
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT count(*) FROM sets").fetchone()[0]


def test_round_trip(db):
    report = report_of("2026-11-20", sensors=TWO, rounded_reps={3: 20.0})
    set_id = log_set(report, db)
    assert db.exists()
    (logged,) = load_sessions(db)
    assert logged.id == set_id
    assert logged.date == datetime(2026, 11, 20, 18, 0, tzinfo=UTC)
    assert logged.exercise == "rdl" and logged.load_kg == 60.0
    assert logged.sensors == list(TWO) and logged.target_tempo == "3-1-2"
    assert logged.rep_count == report.rep_count == 4
    assert [{k: v for k, v in r.items() if k != "phase_ok"} for r in logged.reps] == rep_rows(report)
    assert logged.reps[0]["phase_ok"] == {"eccentric": True, "bottom": True, "concentric": True, "top": None}
    assert logged.summary == report.summary
    assert logged.verdicts == {
        "tempo_ok_reps": 4,
        "tempo_missed_reps": 0,
        "spine_ok_reps": 3,
        "spine_failed_reps": 1,
        "flagged_reps": 1,
    }
    assert logged.spine_ok_fraction == 0.75 and logged.tempo_ok_fraction == 1.0
    assert logged.target["thresholds"]["lumbar_flexion_max_deg"] == 10.0
    assert logged.measured["lumbar_flexion"] is True
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT version FROM schema_version").fetchall() == [(2,)]
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


SCHEMA_1 = """
CREATE TABLE schema_version (version INTEGER NOT NULL);
CREATE TABLE sets (
    id INTEGER PRIMARY KEY, date_utc TEXT NOT NULL, logged_at_utc TEXT NOT NULL, exercise TEXT NOT NULL,
    load_kg REAL, sensors_json TEXT NOT NULL, target_tempo TEXT NOT NULL, target_json TEXT NOT NULL,
    rep_count INTEGER NOT NULL, tempo_ok_reps INTEGER NOT NULL, tempo_missed_reps INTEGER NOT NULL,
    spine_ok_reps INTEGER NOT NULL, spine_failed_reps INTEGER NOT NULL, flagged_reps INTEGER NOT NULL,
    reps_json TEXT NOT NULL, summary_json TEXT NOT NULL, measured_json TEXT NOT NULL,
    cues_json TEXT NOT NULL, warnings_json TEXT NOT NULL, source TEXT, content_hash TEXT NOT NULL UNIQUE
);
CREATE INDEX sets_by_exercise_date ON sets (exercise, date_utc);
INSERT INTO schema_version (version) VALUES (1);
"""


def test_a_version_1_log_is_read_as_it_is_and_upgraded_by_the_first_set_logged(db):
    """The log as imuhinge wrote it before sessions (schema version 1, in docs/training-log.md)."""
    old = report_of("2026-11-20", seed=1)
    row = {k: v for k, v in history._row(old).items() if k not in history.SESSION_COLUMNS}
    db.parent.mkdir()
    with sqlite3.connect(db) as conn:
        conn.executescript(SCHEMA_1)
        conn.execute(
            f"INSERT INTO sets ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})", list(row.values())
        )
    conn.close()
    before = db.read_bytes()
    (read,) = load_sessions(db)
    assert read.rep_count == 4 and read.session_id is None and read.set_number is None
    assert history.check_log(db) == (1, [])
    assert db.read_bytes() == before  # reading changes nothing
    log_set(report_of("2026-11-23", seed=2, session=("c0ffee", 1)), db)
    first, second = load_sessions(db)
    assert first.id == read.id and first.reps == read.reps and first.session_id is None
    assert (second.session_id, second.set_number, second.rest_before_s) == ("c0ffee", 1, 90.0)
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT version FROM schema_version").fetchall() == [(2,)]
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    conn.close()
    with pytest.raises(DuplicateSetError):  # the same set of the same session, from another file
        log_set(report_of("2026-11-23", seed=3, session=("c0ffee", 1)), db)


def test_filters_and_order(db):
    log_set(report_of("2026-11-23", seed=2), db)
    log_set(report_of("2026-11-20", seed=1), db)
    gm = report_of("2026-11-21", seed=3, exercise="good_morning")
    log_set(gm, db)
    assert [s.date.day for s in load_sessions(db)] == [20, 21, 23]
    assert [s.exercise for s in load_sessions(db, exercise="good_morning")] == ["good_morning"]


def test_missing_load_and_date(db):
    report = report_of("2026-11-20")
    report.metadata.pop("started_at")
    report.metadata["load_kg"] = "heavy"
    before = datetime.now(UTC).replace(microsecond=0)
    log_set(report, db)
    (logged,) = load_sessions(db)
    assert logged.load_kg is None
    assert before <= logged.date <= datetime.now(UTC)


def test_duplicate_is_refused(db):
    report = report_of("2026-11-20")
    first = log_set(report, db)
    with pytest.raises(DuplicateSetError) as err:
        log_set(report, db)
    assert err.value.set_id == first
    assert table_count(db) == 1


def test_duplicate_file_with_other_target_is_refused(db, tmp_path):
    sim = sim_set(reps=4, sensors=TWO, seed=1)
    source = tmp_path / "set.csv"
    source.write_text("the same recording bytes\n")
    a = analyze(sim.recording, tempo="3-1-2")
    b = analyze(sim.recording, tempo="3-2-1")
    a.source = b.source = str(source)
    log_set(a, db)
    with pytest.raises(DuplicateSetError):
        log_set(b, db)


def test_missing_log_reads_as_empty_and_is_not_created(db):
    assert load_sessions(db) == []
    assert not db.exists() and not db.parent.exists()


def test_db_location(tmp_path, monkeypatch):
    monkeypatch.delenv("IMUHINGE_DB", raising=False)
    if sys.platform.startswith("linux"):
        monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
        assert default_db_path() == tmp_path / "xdg" / "imuhinge" / "history.sqlite"
        monkeypatch.setenv("XDG_DATA_HOME", "relative/ignored")
        assert default_db_path() == history.Path.home() / ".local" / "share" / "imuhinge" / "history.sqlite"
    assert resolve_db_path() == default_db_path()
    monkeypatch.setenv("IMUHINGE_DB", str(tmp_path / "env.sqlite"))
    assert resolve_db_path() == tmp_path / "env.sqlite"
    assert resolve_db_path(tmp_path / "arg.sqlite") == tmp_path / "arg.sqlite"


# --- files that are not a training log are refused and left untouched -----------------------------


def sqlite_without_tables(path):
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE notes (text TEXT)")
        conn.execute("INSERT INTO notes VALUES ('mine')")
    conn.close()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b"date,exercise\n2026-11-20,rdl\n" * 50, "file is not a database"),
        (history.SQLITE_HEADER + os.urandom(4000), "not an imuhinge training log"),
        (None, "without its tables"),
    ],
    ids=["empty", "csv", "sqlite-header-then-garbage", "foreign-sqlite"],
)
def test_foreign_file_is_refused_and_unchanged(tmp_path, content, message):
    path = tmp_path / "history.sqlite"
    if content is None:
        sqlite_without_tables(path)
    else:
        path.write_bytes(content)
    before = path.read_bytes()
    with pytest.raises(InputError, match=message) as err:
        load_sessions(path)
    assert str(err.value).startswith(f"{path}: ") and "\n" not in str(err.value)
    with pytest.raises(InputError, match=message):
        log_set(report_of("2026-11-20"), path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["history.sqlite"]


def test_newer_schema_is_refused(db):
    log_set(report_of("2026-11-20"), db)
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE schema_version SET version = 99")
    conn.close()
    with pytest.raises(InputError, match="newer imuhinge"):
        load_sessions(db)


# --- crash safety ---------------------------------------------------------------------------------

CRASH_SCRIPT = textwrap.dedent(
    """
    import dataclasses, sys, time
    from imuhinge.log import training_log as history
    from imuhinge.analysis.replay import analyze
    from imuhinge.sim import SimConfig, simulate

    report = analyze(simulate(SimConfig(reps=4, sensors=("upper_back", "sacrum"), seed=7)).recording)
    # About 10 MB of rep rows: far more than SQLite's page cache, so pages reach the file mid-write.
    big = dataclasses.replace(report, reps=report.reps * 4000, metadata={"load_kg": "70"})
    opened = history._open

    def open_and_stall_at_commit(path):
        conn = opened(path)

        def trace(sql):
            if sql.strip().upper().startswith("COMMIT"):
                print("committing", flush=True)
                time.sleep(60)

        conn.set_trace_callback(trace)
        return conn

    history._open = open_and_stall_at_commit
    history.log_set(big, sys.argv[1])
    print("committed", flush=True)
    """
)


@pytest.mark.slow
def test_sigkill_mid_write_leaves_the_log_consistent(db):
    log_set(report_of("2026-11-20"), db)
    size_before = db.stat().st_size
    proc = subprocess.Popen(
        [sys.executable, "-c", CRASH_SCRIPT, str(db)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        assert line.strip() == "committing", proc.stderr.read()
        journal = db.with_name(db.name + "-journal")
        assert journal.exists() and journal.stat().st_size > 0  # killed inside the transaction
        assert db.stat().st_size > size_before  # with the new pages already in the database file
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    sets = load_sessions(db)  # rolls the hot journal back
    assert [s.load_kg for s in sets] == [60.0]
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    conn.close()
    log_set(report_of("2026-11-21", seed=2), db)
    assert len(load_sessions(db)) == 2


@pytest.mark.slow
def test_completed_write_is_all_there(db):
    script = CRASH_SCRIPT.replace("history._open = open_and_stall_at_commit\n", "")
    done = subprocess.run([sys.executable, "-c", script, str(db)], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.strip() == "committed", done.stderr
    (logged,) = load_sessions(db)
    assert logged.rep_count == len(logged.reps) == 16000


# --- progression advice ---------------------------------------------------------------------------


def logged_sets(db, *reports):
    for r in reports:
        log_set(r, db)
    return load_sessions(db)


def test_two_sets_of_eight_on_target_increase(db):
    sets = logged_sets(db, report_of("2026-11-20", seed=1), *session_of("2026-11-23"))
    advice = progression_advice(sets)
    assert advice.startswith("rdl: increase to 62.5 kg (+2.5 kg).")
    assert "2 sets of 8-12 reps at 60 kg on 2026-11-23" in advice
    assert "not measured" not in advice


def test_heavy_load_increases_five_percent(db):
    sets = logged_sets(db, *session_of("2026-11-23", load="120"))
    assert progression_advice(sets).startswith("rdl: increase to 125 kg (+5 kg).")


def test_one_set_or_short_sets_hold(db):
    """The programme asks for 2-3 sets of 8-12: one set of 8, or two sets of 4, hold the load."""
    advice = progression_advice(logged_sets(db, *session_of("2026-11-20", n_sets=1)))
    assert advice.startswith("rdl: hold 60 kg.") and "after 2-3 sets of 8-12 reps" in advice
    assert "2026-11-20 had 1 set (8 reps)" in advice
    advice = progression_advice(logged_sets(db, *session_of("2026-11-23", reps=4)))
    assert advice.startswith("rdl: hold 60 kg.") and "2026-11-23 had 2 sets (4, 4 reps)" in advice


def test_warm_up_sets_at_a_lighter_load_do_not_count(db):
    """Only the sets at the session's heaviest load are working sets."""
    warm_up = report_of("2026-11-23", load="40", seed=3, time="17:55:00")
    advice = progression_advice(logged_sets(db, warm_up, *session_of("2026-11-23")))
    assert advice.startswith("rdl: increase to 62.5 kg") and "2 sets of 8-12 reps at 60 kg" in advice
    heavier = report_of("2026-11-23", load="62.5", seed=4, time="18:20:00", reps=8)
    advice = progression_advice(logged_sets(db, heavier))
    assert advice.startswith("rdl: hold 62.5 kg.") and "had 1 set (8 reps)" in advice


def test_sets_of_one_session_id_are_one_session_however_far_apart(db):
    far = [
        report_of("2026-11-23", seed=k, time=f"{10 + 4 * k}:00:00", session=("abc", k + 1)) for k in range(2)
    ]
    loose = [report_of("2026-11-24", seed=k, time=f"{10 + 4 * k}:00:00") for k in range(2)]
    sets = logged_sets(db, *far, *loose)
    assert [[s.id for s in session] for session in history.group_sessions(sets)] == [[1, 2], [3], [4]]
    assert [(s.session_id, s.set_number, s.rest_before_s) for s in sets[:2]] == [
        ("abc", 1, 90.0),
        ("abc", 2, 90.0),
    ]


def test_sets_of_one_day_are_one_session(db):
    sets = logged_sets(db, report_of("2026-11-20", seed=1), report_of("2026-11-20", seed=2, time="18:10:00"))
    assert len(history.group_sessions(sets)) == 1
    assert progression_advice(sets).startswith("rdl: hold 60 kg.")


def test_rounded_rep_holds_and_names_it(db):
    sets = logged_sets(
        db, report_of("2026-11-20", seed=1), report_of("2026-11-23", seed=2, rounded_reps={3: 20.0})
    )
    advice = progression_advice(sets)
    set_id = sets[-1].id
    assert advice.startswith("rdl: hold 60 kg. Not every rep met its targets:")
    assert f"2026-11-23 set #{set_id} rep 3: rounded lower back: lumbar flexion" in advice
    assert "(limit 10°)" in advice


def test_tempo_miss_holds_and_names_it(db):
    sets = logged_sets(db, report_of("2026-11-20", seed=1), report_of("2026-11-23", seed=3, tempo="2-1-2"))
    advice = progression_advice(sets)
    assert advice.startswith("rdl: hold 60 kg.")
    assert "rep 1: rushed the descent: 2." in advice and "s down, target 3 s" in advice
    assert "and 1 more" in advice  # four rushed reps, three shown


def test_sets_logged_before_cues_were_data_hold_on_their_verdicts(db):
    sets = logged_sets(db, report_of("2026-11-20", seed=1), report_of("2026-11-23", seed=3, tempo="2-1-2"))
    with sqlite3.connect(db) as conn:  # as an earlier imuhinge wrote them: cues in words only
        for set_id, reps_json in conn.execute("SELECT id, reps_json FROM sets").fetchall():
            rows = [{k: v for k, v in row.items() if k != "cue_codes"} for row in json.loads(reps_json)]
            conn.execute("UPDATE sets SET reps_json = ? WHERE id = ?", (json.dumps(rows), set_id))
    conn.close()
    advice = progression_advice(load_sessions(db))
    assert advice.startswith("rdl: hold 60 kg. Not every rep met its targets:")
    assert f"2026-11-23 set #{sets[-1].id} rep 1: tempo target missed" in advice


def test_rounding_in_both_sessions_reduces(db):
    sets = logged_sets(
        db,
        report_of("2026-11-20", seed=1, rounded_reps={2: 20.0}),
        report_of("2026-11-23", seed=2, rounded_reps={3: 20.0}),
    )
    assert progression_advice(sets).startswith("rdl: reduce to 55 kg (-5 kg). Form broke: the back lost")


def test_rounding_in_two_sets_of_a_session_reduces(db):
    sets = logged_sets(db, *session_of("2026-11-23", reps=4, rounded_reps={2: 20.0}))
    advice = progression_advice(sets)
    assert advice.startswith("rdl: reduce to 55 kg (-5 kg). Form broke: the back lost its position")
    assert "set #2 rep 2: rounded lower back" in advice and "set #1 rep 2: rounded lower back" in advice


def test_one_sensor_says_spine_not_measured_and_uses_lean_back(db):
    good = logged_sets(db, *session_of("2026-11-23", sensors=("upper_back",)))
    advice = progression_advice(good)
    assert advice.startswith("rdl: increase to 62.5 kg")
    assert "Spine was not measured (one sensor" in advice
    leaning = report_of("2026-11-26", sensors=("upper_back",), seed=2, lean_back_reps={2: 12.0})
    log_set(leaning, db)
    advice = progression_advice(load_sessions(db))
    assert advice.startswith("rdl: hold 60 kg.")
    assert "rep 2: leaning back at lockout: 12° past standing (limit 5°)" in advice


def test_advice_per_exercise(db):
    sets = logged_sets(
        db,
        report_of("2026-11-20", seed=1),
        report_of("2026-11-23", seed=2),
        report_of("2026-11-23", seed=3, exercise="good_morning", load=""),
    )
    lines = progression_advice(sets).splitlines()
    assert [line.split(":")[0] for line in lines] == ["good_morning", "rdl"]
    assert lines[0].startswith("good_morning: hold the same load.")


def test_history_trend_plot(db):
    sets = logged_sets(
        db,
        report_of("2026-11-20", seed=1),
        report_of("2026-11-23", seed=2, load="62.5"),
        report_of("2026-11-23", seed=3, exercise="good_morning", load=""),
    )
    fig = plot_history(sets)
    labels = [ax.get_ylabel() for ax in fig.axes]
    assert labels == ["mean depth (°)", "tempo on target (%)", "spine ok (%)", "load (kg)"]
    rdl = next(ln for ln in fig.axes[3].lines if ln.get_label() == "rdl")
    assert list(rdl.get_ydata()) == [60.0, 62.5]
    assert not fig.axes[3].texts, "loads were logged: no note"
    fig.canvas.draw()
    assert [t.get_text() for t in fig.axes[3].get_xticklabels()][:3] == ["Nov-21", "12:00", "Nov-22"]
    with pytest.raises(InputError):
        plot_history([])


def test_history_plot_of_one_afternoon_without_loads(db):
    sets = logged_sets(
        db,
        report_of("2026-11-20", seed=1, load="", time="12:48:00"),
        report_of("2026-11-20", seed=2, load="", time="12:56:00"),
    )
    fig = plot_history(sets)
    fig.canvas.draw()
    labels = [t.get_text() for t in fig.axes[3].get_xticklabels()]
    assert labels[:3] == ["12:48", "12:49", "12:50"], "times of day, not seconds with microseconds"
    assert [t.get_text() for t in fig.axes[3].texts] == [NO_LOADS]


def test_cli_load_kg_is_shown_and_logged(db, tmp_path, capsys):
    source = save_set(tmp_path, "a", "2026-11-20", load="", seed=1)
    status, out, err = run_cli(capsys, "analyze", source, "--load-kg", "62.5", "--log", "--db", db)
    assert status == 0, err
    assert ", load 62.5 kg, sensors: upper_back, sacrum" in out.splitlines()[1]
    assert [s.load_kg for s in load_sessions(db)] == [62.5]
    with pytest.raises(SystemExit) as exc:
        main(["analyze", str(source), "--load-kg", "-5"])
    assert exc.value.code == 2
    assert capsys.readouterr().err.endswith("--load-kg: expected a load in kg (0 or more), got '-5'\n")


def test_logged_set_properties():
    s = LoggedSet(
        id=1, date=datetime(2026, 1, 1, tzinfo=UTC), logged_at=datetime(2026, 1, 1, tzinfo=UTC),
        exercise="rdl", load_kg=None, sensors=["upper_back"], target_tempo="3-1-2", target={}, rep_count=0,
        verdicts={}, reps=[], summary=SetSummary(), measured={}, cues=[], warnings=[],
        source=None, content_hash="x",
    )  # fmt: skip
    assert s.depth_mean_deg is None and s.tempo_ok_fraction is None
    assert "no full reps were found" in progression_advice([s])


# --- imuhinge analyze --log and imuhinge history --------------------------------------------------


def run_cli(capsys, *argv):
    status = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


def save_set(folder, name, day, load="60", **kwargs):
    recording = sim_set(reps=4, sensors=TWO, **kwargs).recording
    metadata = {**recording.metadata, "started_at": f"{day}T18:00:00Z", "load_kg": load}
    path = folder / f"{name}.csv"
    save_recording(replace(recording, metadata=metadata), path)
    return path


def test_cli_log_and_history(db, tmp_path, capsys):
    first = save_set(tmp_path, "a", "2026-11-20", seed=1)
    second = save_set(tmp_path, "b", "2026-11-23", seed=2)
    status, out, err = run_cli(capsys, "analyze", first, "--log", "--db", db)
    assert status == 0, err
    assert out.endswith(f"logged as set #1 in {db}\n")
    status, out, _ = run_cli(capsys, "analyze", first, "--log", "--db", db)
    assert status == 0 and "not logged again" in out and "set #1" in out
    assert run_cli(capsys, "analyze", second, "--log", "--db", db)[0] == 0
    plot = tmp_path / "trend.png"
    status, out, err = run_cli(capsys, "history", "--db", db, "--plot", plot)
    assert status == 0, err
    lines = out.splitlines()
    assert lines[0] == f"training log: {db}"
    assert lines[1].split() == [
        "date", "(UTC)", "exercise", "load", "reps", "tempo", "depth", "spine", "v-loss"
    ]  # fmt: skip
    assert lines[2].split()[:7] == ["2026-11-20", "18:00", "rdl", "60", "kg", "4", "100%"]
    speed = analyze(load_recording(first)).summary.speed
    assert speed is not None and lines[2].split()[-1] == f"{speed.last_loss_pct:.0f}%"
    assert lines[3].startswith("2026-11-23 18:00 rdl")
    sessions = lines.index(
        "sessions (sets: reps @ load; rest between sets; form: reps on tempo and spine, no lean-back):"
    )
    assert lines[sessions + 2].split() == [
        "2026-11-20",
        "18:00",
        "rdl",
        "1",
        "4",
        "@",
        "60",
        "kg",
        "-",
        "4/4",
    ]
    weeks = lines.index("weeks:")
    assert lines[weeks + 2].split() == ["2026-W47", "rdl", "1", "1", "4", "240", "kg", "4/4"]
    assert lines[weeks + 3].split() == ["2026-W48", "rdl", "1", "1", "4", "240", "kg", "4/4"]
    assert "rdl: hold 60 kg. Form held, but the load goes up after 2-3 sets of 8-12 reps" in out
    assert mpimg.imread(plot).ndim == 3
    status, out, _ = run_cli(capsys, "history", "--db", db, "--exercise", "good_morning")
    assert status == 0 and out.startswith("no sets logged for good_morning")


def test_cli_history_env_and_empty(tmp_path, monkeypatch, capsys):
    env_db = tmp_path / "env.sqlite"
    monkeypatch.setenv("IMUHINGE_DB", str(env_db))
    status, out, _ = run_cli(capsys, "history")
    assert status == 0 and out.startswith(f"no sets logged in {env_db}")
    status, _, err = run_cli(capsys, "history", "--plot", tmp_path / "t.png")
    assert status == 2 and "nothing to plot" in err
    assert not env_db.exists()
    source = save_set(tmp_path, "a", "2026-11-20", seed=1)
    assert run_cli(capsys, "analyze", source, "--log")[0] == 0
    assert len(load_sessions(env_db)) == 1


@pytest.mark.parametrize("content", [b"", b"\x00garbage\xff" * 100], ids=["empty", "garbage"])
def test_cli_refuses_foreign_log_and_leaves_it(tmp_path, capsys, content):
    path = tmp_path / "log.sqlite"
    path.write_bytes(content)
    source = save_set(tmp_path, "a", "2026-11-20", seed=1)
    for argv in (("history", "--db", path), ("analyze", source, "--log", "--db", path)):
        status, _, err = run_cli(capsys, *argv)
        assert status == 2
        assert err.count("\n") == 1 and f"{path}: is not an imuhinge training log" in err
    assert path.read_bytes() == content
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv", "log.sqlite"]


def test_cli_option_errors(db, tmp_path, capsys):
    source = save_set(tmp_path, "a", "2026-11-20", seed=1)
    status, _, err = run_cli(capsys, "analyze", source, "--db", db)
    assert status == 2 and "add --log" in err and not db.exists()
    status, _, err = run_cli(capsys, "history", "--db", db, "--plot", tmp_path / "t.gif")
    assert status == 2 and "unknown figure format '.gif'" in err
