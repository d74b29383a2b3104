"""A self-contained HTML report of one set: figures embedded as base64 PNG, no external resources.

Every text that comes from a file or a device (metadata values, notes, device names, the source
path) is escaped with ``html.escape``; verdict and cue texts are escaped too.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from html import escape
from pathlib import Path

from matplotlib.figure import Figure

from imuhinge.analysis.session import SessionSet
from imuhinge.coaching.verdicts import held_form, rep_flagged
from imuhinge.errors import InputError
from imuhinge.model import SetReport
from imuhinge.report.plots import (
    figure_to_png,
    plot_depth_spine,
    plot_overlay,
    plot_speed,
    plot_tempo,
    plot_timeline,
)
from imuhinge.report.rep_table import rep_rows
from imuhinge.report.session import load_text, minutes, percent, set_line
from imuhinge.report.wording import coverage_text, cue_texts, describe_target, speed_text, stop_text

# What each ``SetReport.measured`` key means, in words, when measured and when not.
MEASURED_WORDS = {
    "trunk_flexion": ("Trunk flexion (hinge angle and depth)", "Trunk flexion was not measured."),
    "tempo": (
        "Tempo of every phase against the target",
        "Tempo: no tempo target applies to a ballistic exercise; cadence, depth and lockout are judged.",
    ),
    "lumbar_flexion": (
        "Lower-back (lumbar) flexion: neutral spine and overextension at lockout",
        "Lower-back (lumbar) flexion: needs a second sensor on the sacrum; with one sensor the lumbar "
        "spine is not observable, so neutral spine was not judged.",
    ),
    "lockout_lean_back": (
        "Lean-back at lockout (trunk extension past standing)",
        "Lean-back at lockout: a set measured from its own lockout has no standing to lean back from.",
    ),
    "lockout": ("How far each rep stopped short of the set's lockout", "Lockout."),
    "rep_speed": ("Rising speed of every rep and its loss over the set", "Rising speed."),
    "lateral_tilt_and_twist": ("Lateral tilt and twist (balance, asymmetry)", "Lateral tilt and twist."),
    "foot_pressure": (
        "Foot pressure",
        "Foot pressure (weight on heels or toes): back-worn IMUs cannot see it.",
    ),
    "core_bracing": ("Core bracing", "Core bracing: back-worn IMUs cannot see it."),
    "neck_flexion": (
        "Neck angle (head against upper back): the head dropping or craning off the dowel",
        "Neck angle: needs a sensor on the back of the head beside the upper-back one, so the head's "
        "contact with the dowel was not checked.",
    ),
    "upper_back_curve": (
        "Upper-back curve",
        "Upper-back curve (rounding between the shoulder blades): one upper-back sensor gives its "
        "angle, not its curve, so it is not measured.",
    ),
}
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("index", "rep", "{}"),
    ("eccentric_s", "down s", "{:.2f}"),
    ("bottom_s", "bottom s", "{:.2f}"),
    ("concentric_s", "up s", "{:.2f}"),
    ("top_s", "top s", "{:.2f}"),
    ("peak_trunk_flexion_deg", "depth °", "{:.1f}"),
    ("peak_lumbar_flexion_deg", "lumbar °", "{:.1f}"),
    ("lockout_extension_deg", "lean-back °", "{:.1f}"),
    ("concentric_mean_speed_dps", "speed up °/s", "{:.0f}"),
    ("speed_loss_pct", "speed loss %", "{:.0f}"),
    ("peak_neck_flexion_deg", "neck drop °", "{:.1f}"),
    ("peak_neck_extension_deg", "neck crane °", "{:.1f}"),
)
# Measured from the set's lockout (hip thrust): arching at the top and the lockout's shortfall instead.
LOCKOUT_COLUMNS = {
    "peak_lumbar_flexion_deg": ("lockout_lumbar_extension_deg", "arch °", "{:.1f}"),
    "lockout_extension_deg": ("lockout_short_deg", "short of lockout °", "{:.1f}"),
}
STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: right; }
td.cues, th.cues { text-align: left; }
tr.flagged td { background: #fdecea; }
.no { color: #d62728; font-weight: bold; }
.ok { color: #2a7d3a; }
img { max-width: 100%; }
dl { display: grid; grid-template-columns: max-content auto; gap: 0.2em 1em; }
dt { font-weight: bold; }
"""


def _cell(value: object, fmt: str) -> str:
    return "&ndash;" if value is None else escape(fmt.format(value))


def _verdict(value: object) -> str:
    if value is None:
        return "<td>&ndash;</td>"
    return '<td class="ok">ok</td>' if value else '<td class="no">NO</td>'


def _img(fig: Figure, alt: str) -> str:
    data = base64.b64encode(figure_to_png(fig)).decode("ascii")
    return f'<img alt="{escape(alt)}" src="data:image/png;base64,{data}">'


def _rep_table(report: SetReport) -> str:
    columns = COLUMNS
    if report.exercise.lockout_reference:
        columns = tuple(LOCKOUT_COLUMNS.get(column[0], column) for column in COLUMNS)
    head = "".join(f"<th>{escape(label)}</th>" for _, label, _ in columns)
    lines = [
        f'<table class="reps"><thead><tr>{head}<th>tempo</th><th>spine</th><th class="cues">cues</th>'
        "</tr></thead><tbody>"
    ]
    for rep, row in zip(report.reps, rep_rows(report), strict=True):
        cells = "".join(f"<td>{_cell(row[key], fmt)}</td>" for key, _, fmt in columns)
        cues = "<br>".join(escape(c) for c in cue_texts(rep.cues, report.exercise))
        cls = ' class="flagged"' if rep_flagged(rep) else ""
        lines.append(
            f"<tr{cls}>{cells}{_verdict(rep.tempo_ok)}{_verdict(rep.spine_ok)}"
            f'<td class="cues">{cues}</td></tr>'
        )
    lines.append("</tbody></table>")
    return "\n".join(lines)


def _summary(report: SetReport) -> str:
    s = report.summary
    items = [f"{report.rep_count} full reps, {s.partial_count} partial movements"]
    if s.tempo_ok_fraction is not None:
        items.append(f"tempo on target in {100 * s.tempo_ok_fraction:.0f}% of reps")
    if s.depth_deg.mean is not None:
        items.append(f"depth {s.depth_deg.mean:.0f}° ± {s.depth_deg.sd:.1f}°")
    if s.spine_ok_fraction is not None:
        items.append(f"neutral spine in {100 * s.spine_ok_fraction:.0f}% of reps")
    items.append(f"time under tension {s.time_under_tension_s:.1f} s")
    lines = [", ".join(items) + "."]
    if s.speed is not None:
        lines.append(speed_text(s.speed) + ".")
    if s.stop is not None:
        stop = stop_text(s.stop, report.exercise)
        lines.append(stop[0].upper() + stop[1:] + ".")
    return "".join(f"<p>{escape(line)}</p>" for line in lines)


def _list(title: str, items: list[str], tag: str = "h2") -> str:
    if not items:
        return ""
    lis = "".join(f"<li>{escape(i)}</li>" for i in items)
    return f"<{tag}>{escape(title)}</{tag}><ul>{lis}</ul>"


def _measured(report: SetReport) -> str:
    measured: list[str] = []
    missing: list[str] = []
    for key, value in report.measured.items():
        yes, no = MEASURED_WORDS.get(key, (key.replace("_", " "), key.replace("_", " ")))
        (measured if value else missing).append(yes if value else no)
    dowel = [coverage_text(point, coverage) for point, coverage in report.contact_points.items()]
    return (
        "<h2>What this set measured / could not measure</h2>"
        + _list("Measured", measured, "h3")
        + _list("Not measured", missing, "h3")
        + _list("The dowel's contact points", dowel, "h3")
    )


def _details(report: SetReport) -> str:
    rows = [("analysed as", report.exercise.value), ("sensors", ", ".join(report.sensors))]
    if report.source:
        rows.append(("file", report.source))
    rows += sorted(report.metadata.items())
    body = "".join(f"<dt>{escape(str(k))}</dt><dd>{escape(str(v))}</dd>" for k, v in rows)
    return f"<h2>Recording</h2><dl>{body}</dl>"


def _figures(report: SetReport) -> str:
    if report.time_s is None or report.trunk_flexion_deg is None:
        return ""
    parts = ["<h2>Timeline</h2>", _img(plot_timeline(report), "trunk angle over time with phases")]
    if report.reps:
        parts += [
            "<h2>Tempo per rep</h2>",
            _img(plot_tempo(report), "phase durations per rep against the target"),
            "<h2>Depth and spine per rep</h2>",
            _img(plot_depth_spine(report), "peak trunk and lumbar flexion per rep"),
            "<h2>All reps overlaid</h2>",
            _img(plot_overlay(report), "trunk angle against percent of rep"),
        ]
        if report.summary.speed is not None:
            parts += ["<h2>Speed per rep</h2>", _img(plot_speed(report), "rising speed per rep and its loss")]
    return "\n".join(parts)


def _set_body(report: SetReport, heading: str, tag: str = "h1") -> list[str]:
    """The sections of one set's report, under ``heading``."""
    if report.reps:
        reps_html = _rep_table(report)
    else:
        reps_html = "<p><strong>No full reps were found in this set.</strong></p>"
    gap_notes = []
    if report.gaps:
        missing = sum(g.missing_samples for g in report.gaps)
        gap_notes.append(f"{len(report.gaps)} gaps in the data ({missing} samples missing)")
    target = describe_target(report.exercise, report.tempo, report.targets)
    return [
        f"<{tag}>{escape(heading)}</{tag}>",
        f"<p><strong>Target:</strong> {escape(target)} "
        f"(tolerance ±{report.targets.tempo_tolerance_s:g} s per phase).</p>",
        _summary(report),
        "<h2>Reps</h2>",
        reps_html,
        _list("Set cues", cue_texts(report.cues, report.exercise)),
        _list("Warnings", [*report.warnings, *gap_notes]),
        _figures(report),
        _measured(report),
        _details(report),
    ]


def html_page(title: str, body: list[str]) -> str:
    """A self-contained HTML page of the given sections (empty ones left out)."""
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        + "\n".join(filter(None, body))
        + "\n</body>\n</html>\n"
    )


def report_to_html(report: SetReport, title: str | None = None) -> str:
    """The set report as one self-contained HTML page.

    Parameters
    ----------
    report : SetReport
    title : str, optional
        Page heading, e.g. the recording's file name (escaped).

    Returns
    -------
    str
    """
    heading = title or f"{report.exercise.value} set"
    return html_page(heading, _set_body(report, heading))


def session_to_html(sets: Sequence[SessionSet], title: str) -> str:
    """A whole session as one self-contained HTML page: its sets side by side (reps, load, rest,
    form), then each set's report.

    Parameters
    ----------
    sets : sequence of SessionSet
    title : str
        Page heading (escaped).

    Returns
    -------
    str
    """
    head = "".join(
        f"<th>{h}</th>" for h in ("set", "reps", "load", "rest before", "form", "tempo", "depth", "spine")
    )
    rows = []
    for item in sets:
        r, cut = item.report, item.cut
        depth = r.summary.depth_deg.mean
        cells = (
            str(cut.number), str(r.rep_count), load_text(cut.load_kg), minutes(cut.rest_before_s),
            f"{sum(held_form(rep.cues) for rep in r.reps)}/{r.rep_count}",
            percent(r.summary.tempo_ok_fraction),
            "-" if depth is None else f"{depth:.0f}°",
            percent(r.summary.spine_ok_fraction) if r.measured.get("lumbar_flexion") else "not measured",
        )  # fmt: skip
        rows.append("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in cells) + "</tr>")
    body = [
        f"<h1>{escape(title)}</h1>",
        f"<p>{len(sets)} sets; form counts the reps on tempo and spine targets without lean-back at "
        "lockout.</p>",
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>",
    ]
    for item in sets:
        body += _set_body(item.report, set_line(item), tag="h2")
    return html_page(title, body)


def write_html(report: SetReport, path: Path | str, title: str | None = None) -> None:
    """Write the self-contained HTML report.

    Parameters
    ----------
    report : SetReport
    path : Path or str
    title : str, optional

    Raises
    ------
    InputError
        When the file cannot be written.
    """
    text = report_to_html(report, title)
    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror or exc}", path) from None
