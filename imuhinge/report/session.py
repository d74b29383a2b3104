"""A session's sets side by side: the terminal table, the JSON session report and the per-rep CSV
with a ``set`` column."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from imuhinge.analysis.session import SessionSet
from imuhinge.coaching.verdicts import held_form
from imuhinge.report.json_report import report_to_dict
from imuhinge.report.rep_table import csv_rows, write_csv_rows
from imuhinge.report.wording import describe_tempo

SESSION_FORMAT = "imuhinge-session/1"


def minutes(seconds: float | None) -> str:
    """``1:05`` for 65 s; ``-`` for None."""
    if seconds is None:
        return "-"
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def load_text(load_kg: float | None) -> str:
    """``62.5 kg``, or ``-`` without a load."""
    return "-" if load_kg is None else f"{load_kg:g} kg"


def percent(value: float | None) -> str:
    """``85%``, or ``-`` for None."""
    return "-" if value is None else f"{100 * value:.0f}%"


def set_line(item: SessionSet) -> str:
    """One set in words: ``set 2: 10 reps at 60 kg after 1:30 rest, 10/10 reps held form``."""
    report, cut = item.report, item.cut
    held = sum(held_form(r.cues) for r in report.reps)
    rest = "" if cut.rest_before_s is None else f" after {minutes(cut.rest_before_s)} rest"
    load = "" if cut.load_kg is None else f" at {cut.load_kg:g} kg"
    if not report.reps:
        return f"set {cut.number}: no full reps{load}{rest}"
    return f"set {cut.number}: {report.rep_count} reps{load}{rest}, {held}/{report.rep_count} reps held form"


def format_session(sets: Sequence[SessionSet], title: str | None = None) -> str:
    """The sets of a session as a table: reps, load, rest before, reps that held form (tempo, spine,
    lockout), tempo on target, mean depth and neutral spine (``n/m``: not measured, one sensor).

    Parameters
    ----------
    sets : sequence of SessionSet
    title : str, optional

    Returns
    -------
    str
    """
    lines = [title] if title else []
    reps = sum(s.report.rep_count for s in sets)
    if sets:
        first = sets[0].report
        lines.append(
            f"session: {len(sets)} sets, {reps} reps of {first.exercise.value}; "
            f"target {describe_tempo(first.tempo)}"
        )
    else:
        lines.append("session: no sets found (no reps, or no rest between them)")
    lines.append(
        f"{'set':>3} {'reps':>4} {'load':>8} {'rest':>5} {'form':>7} {'tempo':>6} {'depth':>6} {'spine':>6}"
    )
    for s in sets:
        r = s.report
        held = sum(held_form(rep.cues) for rep in r.reps)
        depth = "-" if r.summary.depth_deg.mean is None else f"{r.summary.depth_deg.mean:.0f}°"
        spine = percent(r.summary.spine_ok_fraction) if r.measured.get("lumbar_flexion") else "n/m"
        lines.append(
            f"{s.cut.number:>3} {r.rep_count:>4} {load_text(s.cut.load_kg):>8} "
            f"{minutes(s.cut.rest_before_s):>5} {f'{held}/{r.rep_count}':>7} "
            f"{percent(r.summary.tempo_ok_fraction):>6} {depth:>6} {spine:>6}"
        )
    return "\n".join(lines)


def session_to_dict(sets: Sequence[SessionSet], session_id: str | None) -> dict[str, object]:
    """The JSON session report: each set's place in the session, rest, load and its set report."""
    return {
        "format": SESSION_FORMAT,
        "session_id": session_id,
        "sets": [
            {
                "set": s.cut.number,
                "start_s": round(s.cut.start_s, 3),
                "end_s": round(s.cut.end_s, 3),
                "rest_before_s": None if s.cut.rest_before_s is None else round(s.cut.rest_before_s, 3),
                "load_kg": s.cut.load_kg,
                "report": report_to_dict(s.report),
            }
            for s in sets
        ],
    }


def write_session_json(sets: Sequence[SessionSet], session_id: str | None, path: Path | str) -> None:
    """Write the JSON session report."""
    Path(path).write_text(json.dumps(session_to_dict(sets, session_id), indent=1) + "\n", encoding="utf-8")


def write_session_rep_csv(sets: Sequence[SessionSet], path: Path | str) -> None:
    """Write every rep of every set as CSV, the set's number first."""
    rows = [{"set": s.cut.number, **row} for s in sets for row in csv_rows(s.report)]
    write_csv_rows(rows, path, first=("set",))
