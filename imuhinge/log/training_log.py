"""The training log: one SQLite row per analysed set, trends and load progression advice.

The log lives in the user's data directory (``$XDG_DATA_HOME/imuhinge/history.sqlite`` on Linux,
``~/Library/Application Support`` on macOS, ``%LOCALAPPDATA%`` on Windows) unless ``db=`` or the
``IMUHINGE_DB`` environment variable names another file. Every write is one ``BEGIN IMMEDIATE``
transaction in SQLite's rollback-journal mode, so a process killed mid-write leaves either the whole
set or none of it. A file that is not a training log is refused before SQLite opens it for writing,
and is never modified. A new log is built beside its final name and linked into place, so a crash
while creating it cannot leave a half-made log either.

The log defends itself against what happens to it between runs: every row is checked when read
(``row_check``) and a bad row is skipped with a warning naming it; the schema version must be a
whole number; a locked, read-only or damaged log is each reported as such; ``check_log`` lists
every problem.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import logging
import math
import os
import sqlite3
import stat
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from imuhinge.analysis.session import REST_BEFORE_KEY, SESSION_KEY, SET_KEY
from imuhinge.coaching.cues import Cue, CueKind
from imuhinge.coaching.set_summary import SetSummary
from imuhinge.coaching.verdicts import FORM_KINDS, rep_flagged
from imuhinge.errors import InputError
from imuhinge.log.location import resolve_db_path
from imuhinge.log.row_check import RowError, row_values
from imuhinge.model import Exercise, SetReport
from imuhinge.report.json_report import report_to_dict
from imuhinge.report.session import percent
from imuhinge.report.wording import cue_text

log = logging.getLogger(__name__)

SCHEMA_VERSION = 2
SQLITE_HEADER = b"SQLite format 3\x00"
BUSY_TIMEOUT_S = 10.0
SESSION_GAP_S = 3 * 3600.0  # sets of one exercise closer than this belong to one training session
LOAD_STEP_KG = 2.5
HEAVY_LOAD_KG = 100.0
HEAVY_STEP_FRACTION = 0.05
REDUCE_FRACTION = 0.10
MAX_REASONS = 3
PROGRAMME_SETS = 2  # working sets of PROGRAMME_REPS, every rep on target, before the load goes up
PROGRAMME_REPS = (8, 12)
SCHEMA = """
CREATE TABLE schema_version (version INTEGER NOT NULL);
CREATE TABLE sets (
    id INTEGER PRIMARY KEY,
    date_utc TEXT NOT NULL,
    logged_at_utc TEXT NOT NULL,
    exercise TEXT NOT NULL,
    load_kg REAL,
    sensors_json TEXT NOT NULL,
    target_tempo TEXT NOT NULL,
    target_json TEXT NOT NULL,
    rep_count INTEGER NOT NULL,
    tempo_ok_reps INTEGER NOT NULL,
    tempo_missed_reps INTEGER NOT NULL,
    spine_ok_reps INTEGER NOT NULL,
    spine_failed_reps INTEGER NOT NULL,
    flagged_reps INTEGER NOT NULL,
    reps_json TEXT NOT NULL,
    summary_json TEXT NOT NULL,
    measured_json TEXT NOT NULL,
    cues_json TEXT NOT NULL,
    warnings_json TEXT NOT NULL,
    source TEXT,
    content_hash TEXT NOT NULL UNIQUE,
    session_id TEXT,
    set_number INTEGER,
    rest_before_s REAL
);
CREATE INDEX sets_by_exercise_date ON sets (exercise, date_utc);
CREATE UNIQUE INDEX sets_by_session ON sets (session_id, set_number) WHERE session_id IS NOT NULL;
"""
# What each schema version adds to the one before: a log is upgraded in place, in the transaction
# that first writes to it, and read as it is until then.
MIGRATIONS = {
    2: (
        "ALTER TABLE sets ADD COLUMN session_id TEXT",
        "ALTER TABLE sets ADD COLUMN set_number INTEGER",
        "ALTER TABLE sets ADD COLUMN rest_before_s REAL",
        "CREATE UNIQUE INDEX sets_by_session ON sets (session_id, set_number) WHERE session_id IS NOT NULL",
    ),
}
SESSION_COLUMNS = ("session_id", "set_number", "rest_before_s")  # added by version 2
# The driver decodes SQLite's messages as UTF-8: on a damaged schema page that fails on its own.
DATABASE_ERRORS = (sqlite3.Error, UnicodeDecodeError)
VERDICT_COLUMNS = ("tempo_ok_reps", "tempo_missed_reps", "spine_ok_reps", "spine_failed_reps", "flagged_reps")


class DuplicateSetError(InputError):
    """The set is already in the training log (same recording content, or the same set of a session).

    Attributes
    ----------
    set_id : int
        Row id of the set already logged.
    """

    def __init__(self, set_id: int, date_utc: str, path: Path):
        self.set_id = set_id
        super().__init__(f"this set is already in the training log (set #{set_id}, {date_utc})", path)


@dataclass(frozen=True)
class LoggedSet:
    """One set as stored in the training log.

    ``reps`` are the rows of ``imuhinge.report.rep_rows`` (their cues in words and as data,
    ``cue_codes``) with each rep's ``phase_ok`` added; ``target`` is the JSON report's target with
    the verdict ``thresholds`` (``Targets``) added.
    """

    id: int
    date: datetime
    logged_at: datetime
    exercise: str
    load_kg: float | None
    sensors: list[str]
    target_tempo: str
    target: dict[str, Any]
    rep_count: int
    verdicts: dict[str, int]
    reps: list[dict[str, Any]]
    summary: SetSummary
    measured: dict[str, bool]
    cues: list[str]
    warnings: list[str]
    source: str | None
    content_hash: str
    session_id: str | None = None
    set_number: int | None = None
    rest_before_s: float | None = None

    @property
    def tempo_ok_fraction(self) -> float | None:
        """Fraction of reps on tempo target (None when tempo was not judged)."""
        return self.summary.tempo_ok_fraction

    @property
    def spine_ok_fraction(self) -> float | None:
        """Fraction of reps with a neutral spine (None when the lumbar spine was not measured)."""
        return self.summary.spine_ok_fraction

    @property
    def depth_mean_deg(self) -> float | None:
        """Mean peak trunk flexion of the set's reps."""
        return self.summary.depth_deg.mean


def _utc_text(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _set_date(metadata: dict[str, str]) -> str:
    """``started_at`` from the metadata as ISO 8601 UTC (naive times taken as UTC), else now."""
    text = metadata.get("started_at", "").strip()
    if text:
        try:
            when = datetime.fromisoformat(text)
        except ValueError:
            log.warning("started_at %r is not an ISO 8601 time; logging the set at the current time", text)
        else:
            return _utc_text(when if when.tzinfo else when.replace(tzinfo=UTC))
    return _utc_text(datetime.now(UTC))


def _metadata_number(metadata: dict[str, str], key: str, what: str) -> float | None:
    """A non-negative number from the metadata; None (with a warning when it is not one) otherwise."""
    text = metadata.get(key, "").strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        log.warning("%s %r is not %s; logging the set without it", key, text, what)
        return None
    return value


def _load_kg(metadata: dict[str, str]) -> float | None:
    return _metadata_number(metadata, "load_kg", "a load in kg")


def _session_place(metadata: dict[str, str]) -> tuple[str | None, int | None, float | None]:
    """The session id, set number and rest before it, from a set recording's metadata."""
    session_id = metadata.get(SESSION_KEY, "").strip() or None
    number = _metadata_number(metadata, SET_KEY, "a set number")
    if session_id is None or number is None or number < 1 or number != int(number):
        return None, None, None
    return session_id, int(number), _metadata_number(metadata, REST_BEFORE_KEY, "a rest in seconds")


def content_hash(report: SetReport) -> str:
    """SHA-256 of the recording file's bytes, or of the report itself when it has no readable file.

    Hashing the file, not the analysis, makes the same recording the same set whatever targets it
    was analysed with.
    """
    digest = hashlib.sha256()
    source = Path(report.source) if report.source else None
    if source is not None and source.is_file():
        with open(source, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
        return "file:" + digest.hexdigest()
    payload = {"report": report_to_dict(report), "metadata": report.metadata}
    digest.update(json.dumps(payload, sort_keys=True).encode("utf-8"))
    return "report:" + digest.hexdigest()


def _row(report: SetReport) -> dict[str, object]:
    data: dict[str, Any] = report_to_dict(report)
    session_id, set_number, rest_before_s = _session_place(report.metadata)
    reps = [
        {**row, "phase_ok": dict(rep.phase_ok)} for row, rep in zip(data["reps"], report.reps, strict=True)
    ]
    target = {**data["target"], "thresholds": asdict(report.targets)}
    return {
        "date_utc": _set_date(report.metadata),
        "logged_at_utc": _utc_text(datetime.now(UTC)),
        "exercise": report.exercise.value,
        "load_kg": _load_kg(report.metadata),
        "sensors_json": json.dumps(list(report.sensors)),
        "target_tempo": report.tempo.notation,
        "target_json": json.dumps(target),
        "rep_count": report.rep_count,
        "tempo_ok_reps": sum(r.tempo_ok is True for r in report.reps),
        "tempo_missed_reps": sum(r.tempo_ok is False for r in report.reps),
        "spine_ok_reps": sum(r.spine_ok is True for r in report.reps),
        "spine_failed_reps": sum(r.spine_ok is False for r in report.reps),
        "flagged_reps": sum(rep_flagged(r) for r in report.reps),
        "reps_json": json.dumps(reps),
        "summary_json": json.dumps(data["summary"]),
        "measured_json": json.dumps(data["measured"]),
        "cues_json": json.dumps(data["cues"]),
        "warnings_json": json.dumps(data["warnings"]),
        "source": report.source,
        "content_hash": content_hash(report),
        "session_id": session_id,
        "set_number": set_number,
        "rest_before_s": rest_before_s,
    }


def _check_log_file(path: Path) -> None:
    """Refuse a file that is not an SQLite database, reading only its first bytes."""
    mode = path.stat().st_mode
    if stat.S_ISDIR(mode):
        raise InputError("is a directory, not an imuhinge training log", path)
    if not stat.S_ISREG(mode):
        from imuhinge.io.output import special_file_kind  # the I/O stack only when it is needed

        raise InputError(f"is {special_file_kind(mode)}, not an imuhinge training log", path)
    try:
        with open(path, "rb") as fh:
            header = fh.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise InputError(f"cannot read the training log: {exc.strerror or exc}", path) from None
    if not header:
        raise InputError("is not an imuhinge training log (the file is empty)", path)
    if header != SQLITE_HEADER:
        raise InputError("is not an imuhinge training log (file is not a database)", path)


def _open(path: Path) -> sqlite3.Connection:
    """Open an existing log read-write without creating it; transactions are explicit.

    Text that is not UTF-8 (a damaged page) reads with replacement characters, so that the checks
    see it and name it, instead of the driver failing on it.
    """
    conn = sqlite3.connect(
        path.resolve().as_uri() + "?mode=rw", uri=True, isolation_level=None, timeout=BUSY_TIMEOUT_S
    )
    conn.text_factory = lambda raw: raw.decode("utf-8", errors="replace")
    return conn


def _database_error(exc: Exception, path: Path, doing: str) -> InputError:
    """One line for an SQLite error: locked, read-only, full and damaged logs each say so."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    if isinstance(exc, UnicodeDecodeError):
        problem = "is not an imuhinge training log or is damaged (SQLite reports text that is not UTF-8)"
    elif name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        problem = (
            f"the training log is locked by another program (waited {BUSY_TIMEOUT_S:g} s to {doing}); "
            "try again when it has finished"
        )
    elif name.startswith("SQLITE_READONLY"):
        problem = f"the training log is read-only: cannot {doing}"
    elif name.startswith("SQLITE_FULL"):
        problem = f"the disk is full: cannot {doing}"
    elif name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")):
        problem = f"is not an imuhinge training log or is damaged ({exc})"
    else:
        problem = f"cannot {doing} ({exc})"
    return InputError(problem, path)


@functools.cache
def _set_columns() -> frozenset[str]:
    """The columns of the ``sets`` table as ``SCHEMA`` creates it."""
    conn = sqlite3.connect(":memory:")
    try:
        conn.executescript(SCHEMA)
        return frozenset(name for (_, name, *_) in conn.execute("PRAGMA table_info(sets)"))
    finally:
        conn.close()


def _check_schema(conn: sqlite3.Connection, path: Path) -> int:
    """Check the log's tables and schema version; returns the version."""
    try:
        tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not {"schema_version", "sets"} <= tables:
            raise InputError("is not an imuhinge training log (an SQLite database without its tables)", path)
        columns = {name for (_, name, *_) in conn.execute("PRAGMA table_info(sets)")}
        versions = [v for (v,) in conn.execute("SELECT version FROM schema_version")]
    except DATABASE_ERRORS as exc:
        raise _database_error(exc, path, "read it") from None
    if not versions:
        raise InputError("is not an imuhinge training log (no schema version)", path)
    bad = [v for v in versions if not isinstance(v, int)]
    if bad:
        raise InputError(
            f"the training log is damaged: its schema version {bad[0]!r:.40} is not a number", path
        )
    version = max(versions)
    if version < 1:
        raise InputError(
            f"the training log is damaged: its schema version {version} is not one imuhinge writes", path
        )
    if version > SCHEMA_VERSION:
        raise InputError(
            f"was written by a newer imuhinge (log schema version {version}; this version reads "
            f"up to {SCHEMA_VERSION})",
            path,
        )
    expected = _set_columns() - (set(SESSION_COLUMNS) if version < 2 else set())
    missing = sorted(expected - columns)
    if missing:
        raise InputError(f"the training log is damaged: its sets table lacks {', '.join(missing)}", path)
    return version


def _migrate(conn: sqlite3.Connection) -> None:
    """Upgrade the log to ``SCHEMA_VERSION`` inside the caller's write transaction."""
    version = max(v for (v,) in conn.execute("SELECT version FROM schema_version"))
    if version == SCHEMA_VERSION:
        return
    for step in range(version + 1, SCHEMA_VERSION + 1):
        for statement in MIGRATIONS[step]:
            conn.execute(statement)
    conn.execute("DELETE FROM schema_version")
    conn.execute("INSERT INTO schema_version (version) VALUES (?)", (SCHEMA_VERSION,))


def _create(path: Path) -> None:
    """Create an empty log: built under a temporary name, then hard-linked into place."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.new")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Made here first so that a folder that cannot take it says why (SQLite only says it
        # cannot open the file).
        os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    except OSError as exc:
        raise InputError(f"cannot create the training log: {exc.strerror}", path) from None
    try:
        conn = sqlite3.connect(tmp)
        try:
            conn.executescript(SCHEMA)
            with conn:
                conn.execute("INSERT INTO schema_version (version) VALUES (?)", (SCHEMA_VERSION,))
        finally:
            conn.close()
        with contextlib.suppress(FileExistsError):  # another process created the log first
            os.link(tmp, path)
    except (OSError, sqlite3.Error) as exc:
        raise InputError(
            f"cannot create the training log: {getattr(exc, 'strerror', None) or exc}", path
        ) from None
    finally:
        with contextlib.suppress(OSError):  # a failed clean-up must not hide why creating failed
            tmp.unlink()


@contextlib.contextmanager
def _connection(path: Path, create: bool) -> Iterator[sqlite3.Connection | None]:
    """A checked connection to the log, or None when it does not exist and ``create`` is false."""
    if not path.exists():
        if not create:
            yield None
            return
        _create(path)
    _check_log_file(path)
    try:
        conn = _open(path)
    except DATABASE_ERRORS as exc:
        raise _database_error(exc, path, "open it") from None
    try:
        _check_schema(conn, path)
        yield conn
    finally:
        conn.close()


def log_set(report: SetReport, db: Path | str | None = None) -> int:
    """Append an analysed set to the training log in one atomic transaction.

    Parameters
    ----------
    report : SetReport
        The set; its metadata supply ``started_at`` (the set's date; now when absent) and ``load_kg``.
    db : Path or str, optional
        The log file (see ``resolve_db_path``); created with its directory when missing.

    Returns
    -------
    int
        Row id of the new set.

    Raises
    ------
    DuplicateSetError
        When the same recording is already logged (nothing is written).
    InputError
        When the file is not a training log (it is left untouched) or cannot be written.
    """
    path = resolve_db_path(db)
    row = _row(report)
    columns = ", ".join(row)
    placeholders = ", ".join(f":{key}" for key in row)
    with _connection(path, create=True) as conn:
        assert conn is not None
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                _migrate(conn)
                dup = conn.execute(
                    "SELECT id, date_utc FROM sets WHERE content_hash = ? "
                    "OR (session_id = ? AND set_number = ?)",
                    (row["content_hash"], row["session_id"], row["set_number"]),
                ).fetchone()
                if dup is not None:
                    raise DuplicateSetError(dup[0], dup[1], path)
                cursor = conn.execute(f"INSERT INTO sets ({columns}) VALUES ({placeholders})", row)
                conn.execute("COMMIT")
            finally:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
        except DATABASE_ERRORS as exc:
            raise _database_error(exc, path, "add the set") from None
        assert cursor.lastrowid is not None
        return cursor.lastrowid


def _logged_set(row: sqlite3.Row) -> LoggedSet:
    """The set of one row, checked (``row_check``); RowError when the row is not sound."""
    values = row_values(row)
    return LoggedSet(
        id=row["id"],
        date=values["date"],
        logged_at=values["logged_at"],
        exercise=row["exercise"],
        load_kg=row["load_kg"],
        sensors=values["sensors"],
        target_tempo=row["target_tempo"],
        target=values["target"],
        rep_count=row["rep_count"],
        verdicts={key: row[key] for key in VERDICT_COLUMNS},
        reps=values["reps"],
        summary=values["summary"],
        measured=values["measured"],
        cues=values["cues"],
        warnings=values["warnings"],
        source=row["source"],
        content_hash=row["content_hash"],
        session_id=values["session_id"],
        set_number=values["set_number"],
        rest_before_s=values["rest_before_s"],
    )


def _rows(conn: sqlite3.Connection, path: Path, exercise: str | None = None) -> list[sqlite3.Row]:
    conn.row_factory = sqlite3.Row
    query = "SELECT * FROM sets"
    params: tuple[str, ...] = ()
    if exercise is not None:
        query += " WHERE exercise = ?"
        params = (exercise,)
    try:
        return conn.execute(query + " ORDER BY date_utc, id", params).fetchall()
    except DATABASE_ERRORS as exc:
        raise _database_error(exc, path, "read it") from None


def load_sessions(db: Path | str | None = None, exercise: str | None = None) -> list[LoggedSet]:
    """Every sound logged set, oldest first (an empty list when the log does not exist yet).

    A row that is not sound (hand-edited, damaged) is skipped with a logged warning naming it.

    Parameters
    ----------
    db : Path or str, optional
        The log file (see ``resolve_db_path``).
    exercise : str, optional
        Only sets of this exercise id.

    Returns
    -------
    list of LoggedSet

    Raises
    ------
    InputError
        When the file is not a training log, is damaged, locked or unreadable (it is left untouched).
    """
    path = resolve_db_path(db)
    with _connection(path, create=False) as conn:
        if conn is None:
            return []
        sets = []
        for row in _rows(conn, path, exercise):
            try:
                sets.append(_logged_set(row))
            except RowError as exc:
                log.warning(
                    "%s: set #%s skipped: %s (history --check lists every problem)", path, row["id"], exc
                )
        return sets


def check_log(db: Path | str | None = None) -> tuple[int, list[str]]:
    """Check the whole training log: SQLite's integrity check and every row.

    Parameters
    ----------
    db : Path or str, optional
        The log file (see ``resolve_db_path``).

    Returns
    -------
    (int, list of str)
        The number of sets and one line per problem (empty when the log is sound or does not exist).

    Raises
    ------
    InputError
        When the file is not a training log, its schema is damaged, or it is locked or unreadable.
    """
    path = resolve_db_path(db)
    with _connection(path, create=False) as conn:
        if conn is None:
            return 0, []
        try:
            problems = [f"integrity: {r}" for (r,) in conn.execute("PRAGMA quick_check") if r != "ok"]
        except DATABASE_ERRORS as exc:
            raise _database_error(exc, path, "check it") from None
        rows = _rows(conn, path)
        for row in rows:
            try:
                row_values(row)
            except RowError as exc:
                problems.append(f"set #{row['id']}: {exc}")
        return len(rows), problems


def group_sessions(sets: Sequence[LoggedSet]) -> list[list[LoggedSet]]:
    """Group one exercise's sets, oldest first, into training sessions.

    Sets recorded as one session (the same ``session_id``) are one session; other sets less than
    3 hours apart are one session.

    Parameters
    ----------
    sets : sequence of LoggedSet
        Sets of one exercise.

    Returns
    -------
    list of list of LoggedSet
    """
    sessions: list[list[LoggedSet]] = []
    by_id: dict[str, list[LoggedSet]] = {}
    for s in sorted(sets, key=lambda s: (s.date, s.id)):
        if s.session_id is not None and s.session_id in by_id:
            by_id[s.session_id].append(s)
            continue
        last = sessions[-1] if sessions else None
        if (
            s.session_id is None
            and last is not None
            and last[-1].session_id is None
            and (s.date - last[-1].date).total_seconds() < SESSION_GAP_S
        ):
            last.append(s)
            continue
        sessions.append([s])
        if s.session_id is not None:
            by_id[s.session_id] = sessions[-1]
    return sessions


def working_sets(session: Sequence[LoggedSet]) -> tuple[float | None, list[LoggedSet]]:
    """A session's working load (its heaviest) and the sets done with it (all, without loads)."""
    loads = [s.load_kg for s in session if s.load_kg is not None]
    if not loads:
        return None, list(session)
    top = max(loads)
    return top, [s for s in session if s.load_kg == top]


def _set_name(s: LoggedSet) -> str:
    return f"{s.date:%Y-%m-%d} set #{s.id}"


def rep_held_form(s: LoggedSet, row: dict[str, Any]) -> bool:
    """True when a logged rep met its tempo and spine targets and did not lean back at lockout."""
    return not _rep_problems(s, row)


def _rep_problems(s: LoggedSet, row: dict[str, Any]) -> list[tuple[str, str]]:
    """``(kind, words)`` for each target a logged rep missed: its tempo, spine and lean-back cues."""
    if "cue_codes" not in row:  # logged before cues were stored as data: only the verdicts tell
        verdicts = ((CueKind.TEMPO, "tempo_ok"), (CueKind.SPINE, "spine_ok"))
        return [(kind, f"{kind} target missed") for kind, key in verdicts if row[key] is False]
    exercise = Exercise(s.exercise)
    cues = [Cue.from_dict(c) for c in row["cue_codes"]]
    return [(cue.kind, cue_text(cue, exercise)) for cue in cues if cue.kind in FORM_KINDS]


def _set_problems(s: LoggedSet) -> list[tuple[str, str]]:
    """Every missed target of a set as ``(kind, "2026-11-23 set #5 rep 4: words")``."""
    if s.rep_count == 0:
        return [("reps", f"{_set_name(s)}: no full reps were found")]
    return [
        (kind, f"{_set_name(s)} rep {row['index']}: {words}")
        for row in s.reps
        for kind, words in _rep_problems(s, row)
    ]


def _lost_position(s: LoggedSet) -> bool:
    """True when the back lost its position in the set (a spine or lean-back cue)."""
    return any(kind in (CueKind.SPINE, CueKind.LEAN_BACK) for kind, _ in _set_problems(s))


def _load_text(load_kg: float | None) -> str:
    return "the same load" if load_kg is None else f"{load_kg:g} kg"


def _step_kg(load_kg: float, fraction: float) -> float:
    """A load change rounded to 2.5 kg plates, at least one 2.5 kg step."""
    return max(LOAD_STEP_KG, round(load_kg * fraction / LOAD_STEP_KG) * LOAD_STEP_KG)


def programme_min_reps(exercise: str) -> int:
    """Reps a working set needs to count for the programme: 8 (of 8-12), one for isometric holds."""
    return 1 if Exercise(exercise).hold else PROGRAMME_REPS[0]


def _increase(load_kg: float | None) -> str:
    if load_kg is None:
        return f"add a little load next time (+{LOAD_STEP_KG:g} kg; no load was logged)"
    step = LOAD_STEP_KG if load_kg <= HEAVY_LOAD_KG else _step_kg(load_kg, HEAVY_STEP_FRACTION)
    return f"increase to {load_kg + step:g} kg (+{step:g} kg)"


def _exercise_advice(exercise: str, sets: Sequence[LoggedSet]) -> str:
    sessions = group_sessions(sets)
    latest = sessions[-1]
    load_kg, working = working_sets(latest)
    when = f"{latest[0].date:%Y-%m-%d}"
    at = "" if load_kg is None else f" at {load_kg:g} kg"
    problems = [p for s in working for p in _set_problems(s)]
    notes = []
    unmeasured = sum(not s.measured.get("lumbar_flexion") for s in working)
    if unmeasured:
        notes.append(
            "Spine was not measured"
            + (" in some of these sets" if unmeasured < len(working) else "")
            + " (one sensor; lumbar flexion needs the sacrum sensor), so this rests on tempo and "
            "lockout lean-back."
        )
    low, high = PROGRAMME_REPS
    rep_range = "one hold or more" if Exercise(exercise).hold else f"{low}-{high} reps"
    full = [s for s in working if s.rep_count >= programme_min_reps(exercise)]
    if problems:
        lost = sum(_lost_position(s) for s in working)
        before = working_sets(sessions[-2])[1] if len(sessions) > 1 else []
        if load_kg is not None and (lost >= 2 or (lost and any(_lost_position(s) for s in before))):
            step = _step_kg(load_kg, REDUCE_FRACTION)
            head = f"reduce to {load_kg - step:g} kg (-{step:g} kg)"
            why = "form broke: the back lost its position in more than one set: "
        else:
            head = f"hold {_load_text(load_kg)}"
            why = "not every rep met its targets: "
        missed = [words for s in reversed(working) for _, words in _set_problems(s)]
        shown = "; ".join(missed[:MAX_REASONS])
        more = f"; and {len(missed) - MAX_REASONS} more" if len(missed) > MAX_REASONS else ""
        why += shown + more + "."
    elif len(full) >= PROGRAMME_SETS:
        head = _increase(load_kg)
        why = (
            f"form held: {len(full)} sets of {rep_range}{at} on {when}, every rep on tempo "
            "and spine targets with no lean-back."
        )
    else:
        head = f"hold {_load_text(load_kg)}"
        reps = ", ".join(str(s.rep_count) for s in working)
        why = (
            f"form held, but the load goes up after {PROGRAMME_SETS}-3 sets of {rep_range}{at} with every "
            f"rep on target; {when} had {len(working)} set{'s' if len(working) > 1 else ''} ({reps} reps)."
        )
    return " ".join([f"{exercise}: {head}. {why[0].upper()}{why[1:]}", *notes])


def progression_advice(sessions: Sequence[LoggedSet]) -> str:
    """Load advice per exercise, by the programme's rule, from its latest session.

    The load goes up (+2.5 kg; +5 % for loads over 100 kg, in 2.5 kg steps) when the latest
    session had at least 2 working sets (at its heaviest load) of 8-12 full reps (one hold or more
    for ``hinge_hold``) and every rep of them met its tempo target, its neutral-spine target where the
    lumbar spine was measured, did not lean back at lockout and (hip thrust) locked out fully. When
    form broke (the back lost its position in two working sets, or in this session and the one
    before) the load goes down by about 10 %; otherwise it holds, naming the dates, sets, reps and
    targets missed.

    Parameters
    ----------
    sessions : sequence of LoggedSet
        Logged sets (any exercises), e.g. from ``load_sessions``.

    Returns
    -------
    str
        One paragraph per exercise; empty when there are no sets.
    """
    by_exercise: dict[str, list[LoggedSet]] = {}
    for s in sessions:
        by_exercise.setdefault(s.exercise, []).append(s)
    return "\n".join(_exercise_advice(ex, sets) for ex, sets in sorted(by_exercise.items()))


def format_sessions(sets: Sequence[LoggedSet]) -> str:
    """The logged sets as a text table (dates in UTC; spine ``n/m`` = not measured, one sensor; speed
    loss of the set's last rep against the fastest of its first reps, ``-`` when not measured)."""
    lines = [
        f"{'date (UTC)':<16} {'exercise':<17} {'load':>8} {'reps':>4} {'tempo':>6} {'depth':>6} {'spine':>6}"
        f" {'v-loss':>6}"
    ]
    for s in sets:
        load = "-" if s.load_kg is None else f"{s.load_kg:g} kg"
        depth = "-" if s.depth_mean_deg is None else f"{s.depth_mean_deg:.0f}°"
        spine = percent(s.spine_ok_fraction) if s.measured.get("lumbar_flexion") else "n/m"
        speed = s.summary.speed
        loss = "-" if speed is None or speed.last_loss_pct is None else f"{speed.last_loss_pct:.0f}%"
        lines.append(
            f"{s.date:%Y-%m-%d %H:%M} {s.exercise:<17} {load:>8} {s.rep_count:>4} "
            f"{percent(s.tempo_ok_fraction):>6} {depth:>6} {spine:>6} {loss:>6}"
        )
    return "\n".join(lines)
