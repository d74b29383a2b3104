"""Every training-log row is checked before it is used: a hand-edited or damaged row is named and
skipped, never a traceback and never a wrong table or advice.

A row is sound when its JSON columns decode to what the log writes (objects, arrays, strings),
its dates are ISO 8601, its counts whole numbers, its load a finite number of kilograms, its
fractions within 0-1, every value the advice formats a number, and every rep within physical bounds
(``report.bounds``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

from imuhinge.coaching.cues import Cue
from imuhinge.coaching.set_summary import SetSummary
from imuhinge.model import Exercise, Tempo
from imuhinge.report.bounds import rep_problem

T = TypeVar("T")
JSON_COLUMNS = {
    "sensors_json": list,
    "target_json": dict,
    "reps_json": list,
    "summary_json": dict,
    "measured_json": dict,
    "cues_json": list,
    "warnings_json": list,
}
COUNT_COLUMNS = (
    "rep_count",
    "tempo_ok_reps",
    "tempo_missed_reps",
    "spine_ok_reps",
    "spine_failed_reps",
    "flagged_reps",
)
FRACTIONS = ("tempo_ok_fraction", "spine_ok_fraction")
EXERCISES = frozenset(e.value for e in Exercise)


class RowError(ValueError):
    """What is wrong with one row of the training log."""


class Row(Protocol):
    """A row by column name, as ``sqlite3.Row`` gives it."""

    def __getitem__(self, column: str) -> Any: ...


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _require(ok: bool, problem: str) -> None:
    if not ok:
        raise RowError(problem)


def _optional_number(value: object, what: str) -> None:
    _require(value is None or _is_number(value), f"{what} is {value!r:.40}, not a number")


def _strings(value: object, what: str) -> None:
    _require(all(isinstance(v, str) for v in value), f"{what} holds something other than text")  # type: ignore[attr-defined]


def _time(value: object, what: str) -> datetime:
    _require(isinstance(value, str), f"{what} is not text")
    try:
        when = datetime.fromisoformat(value)  # type: ignore[arg-type]
    except ValueError:
        raise RowError(f"{what} {value!r:.40} is not an ISO 8601 time") from None
    return when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)


def _check_target(target: dict[str, Any]) -> None:
    for phase in Tempo.PHASES:
        _optional_number(target.get(f"{phase}_s"), f"target {phase}_s")
    explosive = target.get("explosive", [])
    _require(isinstance(explosive, list), "target explosive is not an array")
    _strings(explosive, "target explosive")
    thresholds = target.get("thresholds", {})
    _require(isinstance(thresholds, dict), "target thresholds is not an object")
    for key, value in thresholds.items():
        _require(_is_number(value), f"threshold {key} is {value!r:.40}, not a number")


def _parsed(what: str, parse: Callable[[Any], T], data: Any) -> T:
    """``parse(data)``, or RowError when the data is not what imuhinge writes there."""
    try:
        return parse(data)
    except (KeyError, TypeError, ValueError, AttributeError):
        raise RowError(f"{what} is not as imuhinge writes it") from None


def _check_summary(summary: dict[str, Any]) -> None:
    for key in FRACTIONS:
        value = summary.get(key)
        _optional_number(value, key)
        _require(value is None or 0 <= value <= 1, f"{key} {value} is not within 0-1")
    depth = summary.get("depth_deg")
    _require(depth is None or isinstance(depth, dict), "depth_deg is not an object")
    if depth:
        _optional_number(depth.get("mean"), "mean depth")
    speed = summary.get("speed")
    _require(speed is None or isinstance(speed, dict), "speed is not an object")
    if speed:
        _optional_number(speed.get("last_loss_pct"), "speed loss")


def _check_rep(rep: object, number: int, target: dict[str, Any]) -> None:
    _require(isinstance(rep, dict), f"rep {number} is not an object")
    assert isinstance(rep, dict)
    _require(_is_count(rep.get("index")), f"rep {number} has no whole-number index")
    _require(rep.get("tempo_ok") in (None, True, False), f"rep {number}: tempo_ok is not true, false or null")
    codes = rep.get("cue_codes", [])
    _require(isinstance(codes, list), f"rep {number}: cue_codes is not an array")
    for code in codes:
        _parsed(f"rep {number}: a cue code", Cue.from_dict, code)
    phase_ok = rep.get("phase_ok", {})
    _require(isinstance(phase_ok, dict), f"rep {number}: phase_ok is not an object")
    for phase in Tempo.PHASES:
        value = rep.get(f"{phase}_s")
        _optional_number(value, f"rep {number} {phase}_s")
        if phase_ok.get(phase) is False:
            _require(
                value is not None, f"rep {number}: the {phase} phase missed its target but has no duration"
            )
            _require(
                phase in target.get("explosive", []) or target.get(f"{phase}_s") is not None,
                f"rep {number}: the {phase} phase missed a target the set does not have",
            )
    problem = rep_problem(rep)
    _require(problem is None, f"rep {number}: {problem}")


def _column(row: Row, column: str) -> Any:
    """A column that a log of an older schema version may not have yet (None then)."""
    try:
        return row[column]
    except (IndexError, KeyError):
        return None


def _check_session(row: Row, values: dict[str, Any]) -> None:
    session_id, number, rest_s = (_column(row, c) for c in ("session_id", "set_number", "rest_before_s"))
    _require(session_id is None or isinstance(session_id, str), "session_id is not text")
    _require(
        number is None or (_is_count(number) and number >= 1),
        f"set_number {number!r:.40} is not a set number",
    )
    _require((session_id is None) == (number is None), "session_id and set_number must go together")
    _optional_number(rest_s, "rest_before_s")
    _require(rest_s is None or rest_s >= 0, f"rest_before_s {rest_s} is negative")
    values.update(session_id=session_id, set_number=number, rest_before_s=rest_s)


def row_values(row: Row) -> dict[str, Any]:
    """The checked values of one ``sets`` row, JSON decoded and times parsed.

    Parameters
    ----------
    row : Row
        The row by column name (an ``sqlite3.Row``).

    Returns
    -------
    dict
        Every column, with ``*_json`` columns decoded under their names without ``_json``, and
        ``date`` and ``logged_at`` as aware UTC datetimes.

    Raises
    ------
    RowError
        The first problem found, in words.
    """
    values: dict[str, Any] = {}
    for column, kind in JSON_COLUMNS.items():
        text = row[column]
        _require(isinstance(text, str), f"{column} is not text")
        try:
            value = json.loads(text)
        except ValueError:
            raise RowError(f"{column} is not JSON") from None
        _require(isinstance(value, kind), f"{column} is not a JSON {'object' if kind is dict else 'array'}")
        values[column.removesuffix("_json")] = value
    values["date"] = _time(row["date_utc"], "date_utc")
    values["logged_at"] = _time(row["logged_at_utc"], "logged_at_utc")
    _require(row["exercise"] in EXERCISES, f"exercise {row['exercise']!r:.40} is not one imuhinge knows")
    load_kg = row["load_kg"]
    _require(
        load_kg is None or (_is_number(load_kg) and load_kg >= 0), f"load_kg {load_kg!r:.40} is not a load"
    )
    for column in COUNT_COLUMNS:
        _require(_is_count(row[column]), f"{column} {row[column]!r:.40} is not a count")
    for column in ("target_tempo", "content_hash"):
        _require(isinstance(row[column], str), f"{column} is not text")
    _require(row["source"] is None or isinstance(row["source"], str), "source is not text")
    _strings(values["sensors"], "sensors_json")
    _strings(values["cues"], "cues_json")
    _strings(values["warnings"], "warnings_json")
    _require(
        all(isinstance(v, bool) for v in values["measured"].values()),
        "measured_json holds something not true/false",
    )
    _check_session(row, values)
    _check_target(values["target"])
    _check_summary(values["summary"])
    values["summary"] = _parsed("summary_json", SetSummary.from_dict, values["summary"])
    for number, rep in enumerate(values["reps"], start=1):
        _check_rep(rep, number, values["target"])
    return values
