"""Progress in the training log: each session's sets x reps x load and form, and each week's.

A session's form is the share of its reps that met their tempo and spine targets and did not lean
back at lockout (the reps the load advice counts); its volume the sum of reps x load over the sets
with a logged load.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby

from imuhinge.log.training_log import LoggedSet, group_sessions, rep_held_form
from imuhinge.report.session import minutes


class _Totals:
    """Totals over a run of logged sets."""

    sets: tuple[LoggedSet, ...]

    @property
    def reps(self) -> int:
        """Full reps over the sets."""
        return sum(s.rep_count for s in self.sets)

    @property
    def held_form(self) -> int:
        """Reps on tempo and spine targets without lean-back."""
        return sum(rep_held_form(s, row) for s in self.sets for row in s.reps)

    @property
    def volume_kg(self) -> float | None:
        """Reps x load summed over the sets with a load (None when no set has one)."""
        loaded = [s.rep_count * s.load_kg for s in self.sets if s.load_kg is not None]
        return sum(loaded) if loaded else None


@dataclass(frozen=True)
class SessionRow(_Totals):
    """One training session of one exercise."""

    date: datetime
    exercise: str
    sets: tuple[LoggedSet, ...]

    @property
    def week(self) -> str:
        """The ISO week of the session: ``2026-W48``."""
        year, week, _ = self.date.isocalendar()
        return f"{year}-W{week:02d}"


@dataclass(frozen=True)
class WeekRow(_Totals):
    """The sessions of one exercise in one ISO week, and their sets."""

    week: str
    exercise: str
    sessions: int
    sets: tuple[LoggedSet, ...]


def session_rows(sets: Sequence[LoggedSet]) -> list[SessionRow]:
    """Every session of every exercise, oldest first (``group_sessions``)."""
    rows = []
    for exercise, group in groupby(sorted(sets, key=lambda s: s.exercise), key=lambda s: s.exercise):
        rows += [
            SessionRow(session[0].date, exercise, tuple(session)) for session in group_sessions(list(group))
        ]
    return sorted(rows, key=lambda r: (r.date, r.exercise))


def _week_key(row: SessionRow) -> tuple[str, str]:
    return row.week, row.exercise


def week_rows(sessions: Sequence[SessionRow]) -> list[WeekRow]:
    """The sessions by ISO week and exercise, oldest first."""
    rows = []
    for (week, exercise), group in groupby(sorted(sessions, key=_week_key), key=_week_key):
        in_week = list(group)
        rows.append(WeekRow(week, exercise, len(in_week), tuple(s for r in in_week for s in r.sets)))
    return rows


def sets_text(sets: Sequence[LoggedSet]) -> str:
    """Sets x reps x load: ``8/10 @ 60 kg, 8 @ 62.5 kg`` (consecutive sets of one load together)."""
    parts = []
    for load, group in groupby(sets, key=lambda s: s.load_kg):
        reps = "/".join(str(s.rep_count) for s in group)
        parts.append(reps if load is None else f"{reps} @ {load:g} kg")
    return ", ".join(parts)


def rests_text(sets: Sequence[LoggedSet]) -> str:
    """The rests between a session's sets: ``1:30, 2:05`` (``-`` when none was recorded)."""
    return ", ".join(minutes(s.rest_before_s) for s in sets if s.rest_before_s is not None) or "-"


def _form(held: int, reps: int) -> str:
    return f"{held}/{reps}"


def _volume(volume_kg: float | None) -> str:
    return "-" if volume_kg is None else f"{volume_kg:g} kg"


def format_progress(sets: Sequence[LoggedSet]) -> str:
    """The sessions and the weeks as text tables.

    Parameters
    ----------
    sets : sequence of LoggedSet

    Returns
    -------
    str
    """
    sessions = session_rows(sets)
    lines = [
        "sessions (sets: reps @ load; rest between sets; form: reps on tempo and spine, no lean-back):",
        f"{'date (UTC)':<16} {'exercise':<17} {'sets':>4}  {'reps @ load':<28} {'rest':<14} {'form':>7}",
    ]
    for r in sessions:
        lines.append(
            f"{r.date:%Y-%m-%d %H:%M} {r.exercise:<17} {len(r.sets):>4}  {sets_text(r.sets):<28} "
            f"{rests_text(r.sets):<14} {_form(r.held_form, r.reps):>7}"
        )
    lines += [
        "",
        "weeks:",
        f"{'week':<9} {'exercise':<17} {'sessions':>8} {'sets':>4} {'reps':>5} {'volume':>10} {'form':>7}",
    ]
    for w in week_rows(sessions):
        lines.append(
            f"{w.week:<9} {w.exercise:<17} {w.sessions:>8} {len(w.sets):>4} {w.reps:>5} "
            f"{_volume(w.volume_kg):>10} {_form(w.held_form, w.reps):>7}"
        )
    return "\n".join(lines)
