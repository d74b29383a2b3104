"""The training log as one self-contained HTML page: sessions (sets x reps x load, rest, form),
weeks, every set, the load advice and the trend figure (embedded PNG)."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from html import escape

from imuhinge.log.progress import rests_text, session_rows, sets_text, week_rows
from imuhinge.log.training_log import LoggedSet, progression_advice
from imuhinge.report.html import html_page
from imuhinge.report.session import percent


def _table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    th = "".join(f"<th>{escape(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"


def history_to_html(sets: Sequence[LoggedSet], title: str, trend_png: bytes | None = None) -> str:
    """The logged sets as an HTML page.

    Parameters
    ----------
    sets : sequence of LoggedSet
    title : str
        The page heading (the log's path); escaped.
    trend_png : bytes, optional
        The trend figure (``report.plots.plot_history``) as PNG.

    Returns
    -------
    str
    """
    sessions = session_rows(sets)
    session_table = _table(
        ("date (UTC)", "exercise", "sets", "reps @ load", "rest between sets", "form (reps on target)"),
        [
            (f"{r.date:%Y-%m-%d %H:%M}", r.exercise, str(len(r.sets)), sets_text(r.sets), rests_text(r.sets),
             f"{r.held_form}/{r.reps}")
            for r in sessions
        ],
    )  # fmt: skip
    week_table = _table(
        ("week", "exercise", "sessions", "sets", "reps", "volume", "form (reps on target)"),
        [
            (w.week, w.exercise, str(w.sessions), str(len(w.sets)), str(w.reps),
             "-" if w.volume_kg is None else f"{w.volume_kg:g} kg", f"{w.held_form}/{w.reps}")
            for w in week_rows(sessions)
        ],
    )  # fmt: skip
    set_table = _table(
        ("date (UTC)", "exercise", "set", "load", "reps", "rest before", "tempo", "depth", "spine"),
        [
            (f"{s.date:%Y-%m-%d %H:%M}", s.exercise, "-" if s.set_number is None else str(s.set_number),
             "-" if s.load_kg is None else f"{s.load_kg:g} kg", str(s.rep_count), rests_text([s]),
             percent(s.tempo_ok_fraction), "-" if s.depth_mean_deg is None else f"{s.depth_mean_deg:.0f}°",
             percent(s.spine_ok_fraction) if s.measured.get("lumbar_flexion") else "not measured")
            for s in sets
        ],
    )  # fmt: skip
    advice = "".join(f"<p>{escape(line)}</p>" for line in progression_advice(sets).splitlines())
    figure = ""
    if trend_png is not None:
        data = base64.b64encode(trend_png).decode("ascii")
        alt = "depth, tempo, spine and load over time"
        figure = f'<h2>Trends</h2><img alt="{alt}" src="data:image/png;base64,{data}">'
    body = [
        f"<h1>{escape(title)}</h1>",
        "<h2>Advice</h2>",
        advice,
        "<h2>Sessions</h2>",
        "<p>Form counts the reps on tempo and spine targets without lean-back at lockout.</p>",
        session_table,
        "<h2>Weeks</h2>",
        week_table,
        "<h2>Sets</h2>",
        set_table,
        figure,
    ]
    return html_page(title, body)
