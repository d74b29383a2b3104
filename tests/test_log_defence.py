"""The training log defends itself: bad rows skipped and named, schema checked as a number, locked,
read-only and damaged logs each reported as such, ``history --check``."""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import sim_set

from imuhinge.analysis.replay import analyze
from imuhinge.cli import main
from imuhinge.errors import InputError
from imuhinge.io import save_recording
from imuhinge.log import training_log
from imuhinge.log.training_log import check_log, load_sessions, log_set, progression_advice

DAYS = ("2026-11-16", "2026-11-18", "2026-11-20")


@pytest.fixture(scope="module")
def clean_log(tmp_path_factory) -> Path:
    """A log of three sets, one per day, built once."""
    path = tmp_path_factory.mktemp("log") / "history.sqlite"
    for seed, day in enumerate(DAYS, start=1):
        report = analyze(sim_set(reps=3, sensors=("upper_back", "sacrum"), seed=seed).recording)
        report.metadata = {**report.metadata, "started_at": f"{day}T18:00:00Z", "load_kg": "60"}
        log_set(report, path)
    return path


@pytest.fixture
def log(clean_log: Path, tmp_path: Path) -> Path:
    path = tmp_path / "history.sqlite"
    shutil.copy(clean_log, path)
    return path


def _edit(path: Path, sql: str, *params: object) -> bytes:
    conn = sqlite3.connect(path)
    with conn:
        conn.execute(sql, params)
    conn.close()
    return path.read_bytes()


EDITS = {
    "summary-not-an-object": (
        "UPDATE sets SET summary_json = '[]' WHERE id = 2",
        "summary_json is not a JSON object",
    ),
    "load-as-text": ("UPDATE sets SET load_kg = 'heavy' WHERE id = 2", "load_kg 'heavy' is not a load"),
    "reps-not-json": ("UPDATE sets SET reps_json = '[{' WHERE id = 2", "reps_json is not JSON"),
    "date-garbage": (
        "UPDATE sets SET date_utc = 'yesterday' WHERE id = 2",
        "date_utc 'yesterday' is not an ISO",
    ),
    "negative-count": ("UPDATE sets SET rep_count = -3 WHERE id = 2", "rep_count -3 is not a count"),
    "unknown-exercise": (
        "UPDATE sets SET exercise = 'yoga' WHERE id = 2",
        "exercise 'yoga' is not one imuhinge",
    ),
    "fraction-above-one": (
        "UPDATE sets SET summary_json = json_set(summary_json, '$.tempo_ok_fraction', 7) WHERE id = 2",
        "tempo_ok_fraction 7 is not within 0-1",
    ),
    "impossible-lumbar": (
        "UPDATE sets SET reps_json = json_set(reps_json, '$[0].peak_lumbar_flexion_deg', 137.0) WHERE id = 2",
        "rep 1: lumbar flexion 137° (beyond 90°)",
    ),
    "target-as-text": (
        "UPDATE sets SET target_json = json_set(target_json, '$.eccentric_s', 'slow') WHERE id = 2",
        "target eccentric_s is 'slow', not a number",
    ),
    "rep-not-an-object": ("UPDATE sets SET reps_json = '[1, 2]' WHERE id = 2", "rep 1 is not an object"),
    "threshold-null": (
        "UPDATE sets SET target_json = json_set(target_json, '$.thresholds.explosive_max_s', json('null')) "
        "WHERE id = 2",
        "threshold explosive_max_s is None, not a number",
    ),
    "missed-a-target-it-has-not": (
        "UPDATE sets SET reps_json = json_set(reps_json, '$[0].phase_ok.eccentric', json('false')), "
        "target_json = json_set(target_json, '$.eccentric_s', json('null')) WHERE id = 2",
        "rep 1: the eccentric phase missed a target the set does not have",
    ),
}


@pytest.mark.parametrize(("sql", "problem"), EDITS.values(), ids=EDITS.keys())
def test_a_bad_row_is_skipped_and_named(
    log: Path, sql: str, problem: str, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture
) -> None:
    before = _edit(log, sql)
    with caplog.at_level(logging.WARNING):
        sets = load_sessions(log)
    assert [s.id for s in sets] == [1, 3]
    assert f"{log}: set #2 skipped: {problem}" in caplog.text
    assert progression_advice(sets).startswith("rdl: ")
    assert check_log(log)[0] == 3 and len(check_log(log)[1]) == 1
    assert check_log(log)[1][0].startswith(f"set #2: {problem}")
    assert main(["history", "--db", str(log)]) == 0
    assert capsys.readouterr().out.startswith(f"training log: {log}")
    assert main(["history", "--db", str(log), "--check"]) == 2
    out, err = capsys.readouterr()
    assert out.startswith(f"set #2: {problem}")
    assert err == f"imuhinge history: error: {log}: 1 problems in 3 sets (listed above)\n"
    assert log.read_bytes() == before


def test_a_sound_log_checks_clean(log: Path, capsys: pytest.CaptureFixture) -> None:
    assert check_log(log) == (3, [])
    assert main(["history", "--db", str(log), "--check"]) == 0
    assert capsys.readouterr().out == f"training log {log}: 3 sets, no problems found\n"
    assert check_log(log.with_name("none.sqlite")) == (0, [])


@pytest.mark.parametrize(
    ("sql", "problem"),
    [
        (
            "UPDATE schema_version SET version = 'abc'",
            "the training log is damaged: its schema version 'abc'",
        ),
        ("UPDATE schema_version SET version = NULL", "no schema version"),
        ("ALTER TABLE sets DROP COLUMN summary_json", "its sets table lacks summary_json"),
    ],
    ids=["version-text", "version-null", "missing-column"],
)
def test_a_damaged_schema_is_one_line(log: Path, sql: str, problem: str) -> None:
    if "NULL" in sql:
        _edit(log, "DELETE FROM schema_version")
    before = _edit(log, sql)
    for attempt in (lambda: load_sessions(log), lambda: check_log(log), lambda: log_set_again(log)):
        with pytest.raises(InputError, match=problem) as info:
            attempt()
        assert "\n" not in str(info.value)
    assert log.read_bytes() == before


def log_set_again(path: Path) -> None:
    report = analyze(sim_set(reps=3, sensors=("upper_back",), seed=9).recording)
    log_set(report, path)


def test_a_locked_log_says_it_is_locked(log: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(training_log, "BUSY_TIMEOUT_S", 0.2)
    holder = sqlite3.connect(log, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        before = log.read_bytes()
        for attempt, doing in (
            (lambda: load_sessions(log), "read it"),
            (lambda: log_set_again(log), "read it"),
        ):
            with pytest.raises(InputError) as info:
                attempt()
            assert str(info.value) == (
                f"{log}: the training log is locked by another program (waited 0.2 s to {doing}); "
                "try again when it has finished"
            )
        assert log.read_bytes() == before
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert len(load_sessions(log)) == 3


def _unprivileged(argv: list[str]) -> list[str]:
    """As root, run in a user namespace of its own: root's files are then not root's to override,
    and their permission bits apply as they do to any user."""
    return ["unshare", "--user", *argv] if os.geteuid() == 0 else argv


RUN_THREE = """
import sys
from imuhinge.cli import main
source, log, new = sys.argv[1:]
for argv in (["analyze", source, "--log", "--db", log], ["analyze", source, "--log", "--db", new],
             ["history", "--db", log]):
    print("status", main(argv), flush=True)
"""


def test_read_only_logs_say_so(log: Path, tmp_path: Path) -> None:
    source = tmp_path / "set.csv"
    save_recording(sim_set(reps=3, sensors=("upper_back",), seed=11).recording, source)
    new = tmp_path / "new.sqlite"
    log.chmod(0o444)
    tmp_path.chmod(0o555)
    try:
        before = log.read_bytes()
        done = subprocess.run(
            _unprivileged([sys.executable, "-c", RUN_THREE, str(source), str(log), str(new)]),
            capture_output=True,
            text=True,
        )
    finally:
        tmp_path.chmod(0o755)
    statuses = [line for line in done.stdout.splitlines() if line.startswith("status")]
    assert statuses == ["status 2", "status 2", "status 0"]
    errors = [line for line in done.stderr.splitlines() if "error" in line]
    assert errors == [
        f"imuhinge analyze: error: {log}: the training log is read-only: cannot add the set",
        f"imuhinge analyze: error: {new}: cannot create the training log: Permission denied",
    ]
    assert f"training log: {log}" in done.stdout
    assert "Traceback" not in done.stderr
    assert log.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["history.sqlite", "set.csv"]


@pytest.mark.parametrize("kind", ["fifo", "folder"])
def test_a_log_that_is_not_a_file_is_refused_without_opening_it(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "history.sqlite"
    if kind == "fifo":
        os.mkfifo(path)
        problem = "is a FIFO (named pipe), not an imuhinge training log"
    else:
        path.mkdir()
        problem = "is a directory, not an imuhinge training log"
    with pytest.raises(InputError, match=problem.replace("(", r"\(").replace(")", r"\)")):
        load_sessions(path)
