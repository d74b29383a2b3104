"""Rep-quality plots of an analysed set, and the training-log trend plot.

Figures are built on ``matplotlib.figure.Figure`` directly (no pyplot global state), so they render
headless with the Agg, SVG or PDF canvas chosen by ``save_figure`` from the file extension.

Every artist a test or a reader may want to find carries a ``gid``: ``phase-<phase>-<rep>`` for the
shaded phase spans, ``rep-label-<rep>`` for rep numbers, ``flag-<rep>`` for the red outline of a
flagged rep, ``trunk`` and ``lumbar`` for the angle lines, ``speed-<rep>`` for a rep's speed bar and
``speed-threshold`` for the speed the loss threshold allows.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from matplotlib import dates as mdates
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.transforms import blended_transform_factory

from imuhinge.coaching.verdicts import rep_flagged
from imuhinge.errors import AnalysisError, InputError
from imuhinge.model import Exercise, Phase, Rep, SetReport, Tempo
from imuhinge.report.wording import NO_LOADS, PHASE_WORDS

if TYPE_CHECKING:
    from imuhinge.log.training_log import LoggedSet

PHASE_COLORS = {
    Phase.ECCENTRIC: "#4c72b0",
    Phase.BOTTOM: "#e8b53c",
    Phase.CONCENTRIC: "#55a868",
    Phase.TOP: "#9d9d9d",
}
FLAG_COLOR = "#d62728"
TRUNK_COLOR = "#222222"
LUMBAR_COLOR = "#7b3fa0"
FIGURE_FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf"}
OVERLAY_POINTS = 101
DPI = 100


def phase_order(exercise: Exercise) -> tuple[Phase, ...]:
    """Phases in the order a rep goes through them (a floor-start deadlift rises first)."""
    if exercise.floor_start:
        return (Phase.CONCENTRIC, Phase.TOP, Phase.ECCENTRIC, Phase.BOTTOM)
    return Tempo.PHASES


def phase_spans(rep: Rep) -> list[tuple[Phase, float, float]]:
    """``(phase, start_s, end_s)`` of each measured phase of a rep, in time order.

    A pause always starts where the movement before it ends, so this holds for standing and
    floor-start reps alike; a phase that cannot be measured (``None``) is left out.
    """
    starts = {
        Phase.ECCENTRIC: rep.lower_onset_s,
        Phase.BOTTOM: rep.lower_offset_s,
        Phase.CONCENTRIC: rep.rise_onset_s,
        Phase.TOP: rep.rise_offset_s,
    }
    spans = []
    for phase in Tempo.PHASES:
        duration_s = rep.phase_s(phase)
        if duration_s is not None:
            spans.append((phase, starts[phase], starts[phase] + duration_s))
    return sorted(spans, key=lambda span: span[1])


def _require_reps(report: SetReport, what: str) -> None:
    if not report.reps:
        raise AnalysisError(f"no full reps in this set: nothing to plot for {what}")


def _require_series(report: SetReport) -> tuple[np.ndarray, np.ndarray]:
    if report.time_s is None or report.trunk_flexion_deg is None:
        raise AnalysisError("this report carries no trunk angle time series to plot")
    return report.time_s, report.trunk_flexion_deg


def _title(report: SetReport) -> str:
    when = report.metadata.get("started_at", "")
    reps = f"{report.rep_count} rep" + ("" if report.rep_count == 1 else "s")
    target = report.tempo.notation or "-"
    return " · ".join(filter(None, [report.exercise.value, when, reps, f"target {target}"]))


def _phase_legend_handles() -> list[Patch]:
    return [Patch(facecolor=PHASE_COLORS[p], alpha=0.35, label=PHASE_WORDS[p].label) for p in Tempo.PHASES]


def draw_timeline(ax: Axes, report: SetReport) -> None:
    """Trunk (and lumbar) flexion over time with shaded phases, rep numbers and flagged reps in red.

    Parameters
    ----------
    ax : Axes
    report : SetReport
    """
    time_s, trunk_deg = _require_series(report)
    label_at = blended_transform_factory(ax.transData, ax.transAxes)
    for rep in report.reps:
        for phase, start_s, end_s in phase_spans(rep):
            ax.axvspan(
                start_s, end_s, color=PHASE_COLORS[phase], alpha=0.3, lw=0, gid=f"phase-{phase}-{rep.index}"
            )
        flagged = rep_flagged(rep)
        if flagged:
            ax.axvspan(
                rep.start_s, rep.end_s, fill=False, edgecolor=FLAG_COLOR, lw=2.0, gid=f"flag-{rep.index}"
            )
        ax.text(
            (rep.start_s + rep.end_s) / 2,
            1.01,
            str(rep.index),
            transform=label_at,
            ha="center",
            va="bottom",
            fontsize=9,
            fontweight="bold" if flagged else "normal",
            color=FLAG_COLOR if flagged else TRUNK_COLOR,
            gid=f"rep-label-{rep.index}",
        )
    for k, partial in enumerate(report.partials, start=1):
        ax.axvspan(
            partial.start_s, partial.end_s, fill=False, hatch="///", edgecolor="0.6", lw=0, gid=f"partial-{k}"
        )
    for k, gap in enumerate(report.gaps, start=1):
        ax.axvspan(gap.start_s, gap.end_s, color="0.85", lw=0, gid=f"gap-{k}")
    ax.plot(time_s, trunk_deg, color=TRUNK_COLOR, lw=1.2, label="trunk flexion", gid="trunk")
    if report.lumbar_flexion_deg is not None:
        ax.plot(
            time_s,
            report.lumbar_flexion_deg,
            color=LUMBAR_COLOR,
            lw=1.0,
            label="lumbar flexion",
            gid="lumbar",
        )
    if report.lumbar_flexion_deg is not None and not report.exercise.lockout_reference:
        # A hip thrust's lower back is judged on arching against the bottom of each rep, not on a line.
        ax.axhline(
            report.targets.lumbar_flexion_max_deg,
            color=LUMBAR_COLOR,
            ls=":",
            lw=1.0,
            label=f"lumbar limit {report.targets.lumbar_flexion_max_deg:g}°",
        )
    ax.axhline(0.0, color="0.5", lw=0.8)
    ax.set_xlim(float(time_s[0]), float(time_s[-1]))
    ax.set_xlabel("time (s)")
    ax.set_ylabel(
        "angle from the set's lockout (°)" if report.exercise.lockout_reference else "flexion angle (°)"
    )
    handles, _ = ax.get_legend_handles_labels()
    handles += _phase_legend_handles()
    if any(rep_flagged(r) for r in report.reps):
        handles.append(Patch(fill=False, edgecolor=FLAG_COLOR, lw=2.0, label="flagged rep"))
    if report.partials:
        handles.append(Patch(fill=False, hatch="///", edgecolor="0.6", label="partial movement"))
    if report.gaps:
        handles.append(Patch(color="0.85", label="data gap"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.005, 1.0), fontsize=7, framealpha=0.9)
    if not report.reps:
        ax.text(0.5, 0.5, "no full reps found", transform=ax.transAxes, ha="center", va="center", fontsize=12)


def draw_tempo(ax: Axes, report: SetReport) -> None:
    """Stacked phase durations per rep, each phase's target marked on the bar (with its tolerance).

    The top row is the target itself; a black tick with whiskers at ``phase start + target`` shows,
    on every rep, where that phase should have ended and the tolerance around it.

    Parameters
    ----------
    ax : Axes
    report : SetReport
    """
    _require_reps(report, "the tempo")
    order = phase_order(report.exercise)
    tempo, targets = report.tempo, report.targets
    ballistic = report.exercise.ballistic or tempo.notation == "X"

    def target_s(phase: Phase) -> float | None:
        if phase in tempo.explosive:
            return targets.explosive_max_s
        return tempo.phase_s(phase)

    rows = [rep.index for rep in report.reps]
    if not ballistic:
        left = 0.0
        for phase in order:
            width = target_s(phase)
            if width is not None:
                hatch = "xx" if phase in tempo.explosive else "//"
                ax.barh(
                    0, width, left=left, color=PHASE_COLORS[phase], alpha=0.45, hatch=hatch, edgecolor="0.3"
                )
                left += width
                continue
            # A phase without a target keeps its typical length in the target row, so the phases
            # after it line up with the reps below.
            measured = [d for r in report.reps if (d := r.phase_s(phase)) is not None]
            if measured:
                width = float(np.median(measured))
                ax.barh(0, width, left=left, fill=False, edgecolor="0.6", ls=":")
                ax.text(left + width / 2, 0, "no target", ha="center", va="center", fontsize=7, color="0.4")
                left += width
    for rep in report.reps:
        left = 0.0
        for phase in order:
            duration_s = rep.phase_s(phase)
            if duration_s is None:
                continue
            missed = rep.phase_ok.get(phase) is False
            ax.barh(
                rep.index,
                duration_s,
                left=left,
                color=PHASE_COLORS[phase],
                edgecolor=FLAG_COLOR if missed else "white",
                lw=2.0 if missed else 0.5,
                gid=f"tempo-{phase}-{rep.index}",
            )
            goal = None if ballistic else target_s(phase)
            if goal is not None:
                tol = 0.0 if phase in tempo.explosive else targets.tempo_tolerance_s
                ax.errorbar(left + goal, rep.index, xerr=tol, fmt="|", color="black", ms=12, capsize=3, lw=1)
            left += duration_s
    labels = [str(i) for i in rows]
    ax.set_yticks(rows if ballistic else [0, *rows], labels if ballistic else ["target", *labels])
    for tick, rep in zip(ax.get_yticklabels()[0 if ballistic else 1 :], report.reps, strict=True):
        if rep.tempo_ok is False:
            tick.set_color(FLAG_COLOR)
    ax.invert_yaxis()
    ax.set_xlabel("time in rep (s)")
    ax.set_ylabel("rep")
    handles = [Patch(facecolor=PHASE_COLORS[p], label=PHASE_WORDS[p].label) for p in order]
    if ballistic:
        ax.set_title("tempo: no target (ballistic), phase durations only", fontsize=10)
    else:
        ax.set_title(
            f"tempo against the target {tempo.notation} (±{targets.tempo_tolerance_s:g} s)", fontsize=10
        )
        handles.append(Patch(facecolor="white", edgecolor=FLAG_COLOR, lw=2.0, label="phase off target"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.005, 1.0), fontsize=7, framealpha=0.9)


def draw_depth(ax: Axes, report: SetReport) -> None:
    """Peak trunk flexion per rep against the set median and its consistency band.

    Parameters
    ----------
    ax : Axes
    report : SetReport
    """
    _require_reps(report, "depth")
    idx = [r.index for r in report.reps]
    depth_deg = np.array(
        [np.nan if r.peak_trunk_flexion_deg is None else r.peak_trunk_flexion_deg for r in report.reps]
    )
    median_deg = float(np.nanmedian(depth_deg))
    band_deg = report.targets.depth_consistency_deg
    outside = np.abs(depth_deg - median_deg) > band_deg
    ax.axhspan(median_deg - band_deg, median_deg + band_deg, color="0.9", label=f"median ±{band_deg:g}°")
    ax.bar(
        idx,
        depth_deg,
        color=[FLAG_COLOR if o else PHASE_COLORS[Phase.ECCENTRIC] for o in outside],
        gid="depth",
    )
    ax.axhline(median_deg, color="black", ls="--", lw=1, label=f"median {median_deg:.0f}°")
    ax.set_xticks(idx)
    ax.set_xlabel("rep")
    ax.set_ylabel("peak trunk flexion (°)")
    ax.set_ylim(0, max(float(np.nanmax(depth_deg)), median_deg + band_deg) * 1.3)
    ax.set_title("depth", fontsize=10)
    ax.legend(loc="upper right", fontsize=7, ncols=2, framealpha=0.9)


def draw_spine(ax: Axes, report: SetReport) -> None:
    """Peak lumbar flexion per rep against the limit, or a note when the lumbar spine was not measured.

    Parameters
    ----------
    ax : Axes
    report : SetReport
    """
    _require_reps(report, "the spine")
    arching = report.exercise.lockout_reference
    ax.set_title("lower back arching at the top" if arching else "lower back (lumbar) flexion", fontsize=10)
    ax.set_xlabel("rep")
    idx = [r.index for r in report.reps]
    values = [r.lockout_lumbar_extension_deg if arching else r.peak_lumbar_flexion_deg for r in report.reps]
    if not report.measured.get("lumbar_flexion") or all(v is None for v in values):
        ax.set_xticks([])
        ax.set_yticks([])
        ax.text(
            0.5,
            0.5,
            "lumbar not measured\n(needs sacrum sensor)",
            transform=ax.transAxes,
            ha="center",
            va="center",
            fontsize=11,
            color="0.3",
            gid="lumbar-not-measured",
        )
        return
    targets = report.targets
    limit_deg = targets.lumbar_extension_max_deg if arching else targets.lumbar_flexion_max_deg
    lumbar_deg = [np.nan if v is None else v for v in values]
    colors = [FLAG_COLOR if r.spine_ok is False else LUMBAR_COLOR for r in report.reps]
    ax.bar(idx, lumbar_deg, color=colors, gid="lumbar-peaks")
    ax.set_xticks(idx)
    ax.axhline(limit_deg, color="black", ls="--", lw=1, label=f"limit {limit_deg:g}°")
    ax.set_ylabel("extension since the bottom (°)" if arching else "peak lumbar flexion (°)")
    ax.set_ylim(
        min(0.0, float(np.nanmin(lumbar_deg))) - 1, max(float(np.nanmax(lumbar_deg)), limit_deg) * 1.2
    )
    ax.legend(loc="upper right", fontsize=7, framealpha=0.9)


def draw_speed(ax: Axes, report: SetReport) -> None:
    """Mean rising speed per rep, the rep losses are measured from, and the speed the loss threshold
    allows; reps that lost more in red, each bar labelled with its loss.

    Parameters
    ----------
    ax : Axes
    report : SetReport
    """
    _require_reps(report, "the speed")
    ax.set_title("rising speed and speed loss", fontsize=10)
    ax.set_xlabel("rep")
    speed = report.summary.speed
    if speed is None or speed.reference_dps is None:
        ax.set_xticks([])
        ax.set_yticks([])
        ax.text(0.5, 0.5, "speed not measured", transform=ax.transAxes, ha="center", va="center", color="0.3")
        return
    threshold = speed.threshold_pct
    for rep in report.reps:
        if rep.concentric_mean_speed_dps is None:
            continue
        slow = rep.speed_loss_pct is not None and rep.speed_loss_pct > threshold
        ax.bar(
            rep.index,
            rep.concentric_mean_speed_dps,
            color=FLAG_COLOR if slow else PHASE_COLORS[Phase.CONCENTRIC],
            edgecolor="black" if rep.index == speed.reference_rep else "none",
            lw=1.5,
            gid=f"speed-{rep.index}",
        )
        if rep.speed_loss_pct is not None and rep.index != speed.reference_rep:
            loss = f"{-round(rep.speed_loss_pct):+d}%"
            ax.text(rep.index, rep.concentric_mean_speed_dps, loss, ha="center", va="bottom", fontsize=7)
    allowed = speed.reference_dps * (1.0 - threshold / 100.0)
    ax.axhline(
        allowed,
        color="black",
        ls="--",
        lw=1,
        label=f"{threshold:g} % slower than rep {speed.reference_rep}",
        gid="speed-threshold",
    )
    ax.set_xticks([r.index for r in report.reps])
    ax.set_ylabel("mean speed up (°/s)")
    ax.set_ylim(0, speed.reference_dps * 1.3)
    ax.legend(loc="lower left", fontsize=7, framealpha=0.9)


def draw_overlay(ax: Axes, report: SetReport) -> None:
    """Trunk flexion of every rep against % of the rep, flagged reps in red, the mean in black.

    Parameters
    ----------
    ax : Axes
    report : SetReport
    """
    _require_reps(report, "the rep overlay")
    time_s, trunk_deg = _require_series(report)
    pct = np.linspace(0.0, 100.0, OVERLAY_POINTS)
    curves = []
    for rep in report.reps:
        t_rep = rep.start_s + pct / 100.0 * (rep.end_s - rep.start_s)
        curve = np.interp(t_rep, time_s, trunk_deg)
        curves.append(curve)
        flagged = rep_flagged(rep)
        ax.plot(
            pct,
            curve,
            color=FLAG_COLOR if flagged else PHASE_COLORS[Phase.ECCENTRIC],
            lw=1.5 if flagged else 1.0,
            alpha=0.9 if flagged else 0.5,
            gid=f"overlay-{rep.index}",
        )
    ax.plot(pct, np.mean(curves, axis=0), color="black", lw=2.0, label="mean", gid="overlay-mean")
    # Median phase boundaries as a % of rep duration give the phase bands behind the curves.
    bounds_pct = np.median(
        [[100.0 * (s - r.start_s) / (r.end_s - r.start_s) for s in _inner_bounds(r)] for r in report.reps],
        axis=0,
    )
    edges = [0.0, *bounds_pct, 100.0]
    for phase, a, b in zip(phase_order(report.exercise)[:3], edges[:-1], edges[1:], strict=True):
        ax.axvspan(a, b, color=PHASE_COLORS[phase], alpha=0.2, lw=0)
    ax.set_xlim(0, 100)
    ax.set_xlabel("% of rep")
    ax.set_ylabel("trunk flexion (°)")
    ax.set_title("all reps overlaid", fontsize=10)
    handles, _ = ax.get_legend_handles_labels()
    if any(rep_flagged(r) for r in report.reps):
        handles.append(Patch(color=FLAG_COLOR, label="flagged rep"))
    ax.legend(handles=handles, loc="upper right", fontsize=7, framealpha=0.9)


def _inner_bounds(rep: Rep) -> tuple[float, float]:
    """The two phase boundaries inside a rep: end of the first movement, start of the second."""
    first_offset = min(rep.lower_offset_s, rep.rise_offset_s)
    second_onset = max(rep.lower_onset_s, rep.rise_onset_s)
    return first_offset, second_onset


def _figure(width_in: float, height_in: float) -> Figure:
    return Figure(figsize=(width_in, height_in), layout="constrained", dpi=DPI)


def plot_timeline(report: SetReport) -> Figure:
    """The set timeline: trunk and lumbar angle over time, phases shaded, flagged reps in red.

    Parameters
    ----------
    report : SetReport

    Returns
    -------
    Figure
    """
    fig = _figure(12, 4.5)
    ax = fig.add_subplot()
    draw_timeline(ax, report)
    fig.suptitle(_title(report), fontsize=11, parse_math=False)
    return fig


def plot_tempo(report: SetReport) -> Figure:
    """Tempo per rep as stacked phase bars against the target.

    Parameters
    ----------
    report : SetReport

    Returns
    -------
    Figure

    Raises
    ------
    AnalysisError
        When the set has no full reps.
    """
    fig = _figure(8, 1.5 + 0.4 * (report.rep_count + 1))
    draw_tempo(fig.add_subplot(), report)
    return fig


def plot_depth_spine(report: SetReport) -> Figure:
    """Peak trunk flexion per rep (median, consistency band) and peak lumbar flexion against its limit.

    Parameters
    ----------
    report : SetReport

    Returns
    -------
    Figure

    Raises
    ------
    AnalysisError
        When the set has no full reps.
    """
    fig = _figure(10, 4)
    depth_ax, spine_ax = fig.subplots(1, 2)
    draw_depth(depth_ax, report)
    draw_spine(spine_ax, report)
    return fig


def plot_speed(report: SetReport) -> Figure:
    """Rising speed per rep and its loss from the fastest of the first reps.

    Parameters
    ----------
    report : SetReport

    Returns
    -------
    Figure

    Raises
    ------
    AnalysisError
        When the set has no full reps.
    """
    fig = _figure(8, 4)
    draw_speed(fig.add_subplot(), report)
    return fig


def plot_overlay(report: SetReport) -> Figure:
    """Trunk flexion of all reps, time-normalised to % of rep.

    Parameters
    ----------
    report : SetReport

    Returns
    -------
    Figure

    Raises
    ------
    AnalysisError
        When the set has no full reps.
    """
    fig = _figure(7, 4.5)
    draw_overlay(fig.add_subplot(), report)
    return fig


def plot_dashboard(report: SetReport) -> Figure:
    """Timeline, tempo, overlay, depth, spine and speed in one figure.

    Parameters
    ----------
    report : SetReport

    Returns
    -------
    Figure

    Raises
    ------
    AnalysisError
        When the set has no full reps.
    """
    _require_reps(report, "the dashboard")
    fig = _figure(14, 15)
    grid = fig.add_gridspec(4, 2, height_ratios=[1.1, 1.0, 0.9, 0.9])
    draw_timeline(fig.add_subplot(grid[0, :]), report)
    draw_tempo(fig.add_subplot(grid[1, 0]), report)
    draw_overlay(fig.add_subplot(grid[1, 1]), report)
    draw_depth(fig.add_subplot(grid[2, 0]), report)
    draw_spine(fig.add_subplot(grid[2, 1]), report)
    draw_speed(fig.add_subplot(grid[3, :]), report)
    fig.suptitle(_title(report), fontsize=12, parse_math=False)
    return fig


def plot_history(sets: Sequence[LoggedSet]) -> Figure:
    """Trends over logged sets: depth, tempo adherence, spine and load, one line per exercise.

    Parameters
    ----------
    sets : sequence of LoggedSet
        From ``imuhinge.log.training_log.load_sessions``.

    Returns
    -------
    Figure

    Raises
    ------
    InputError
        When there is nothing to plot.
    """
    if not sets:
        raise InputError("the training log has no sets to plot")
    fig = _figure(10, 9)
    axes = fig.subplots(4, 1, sharex=True)
    panels: tuple[tuple[str, Callable[[LoggedSet], float | None]], ...] = (
        ("mean depth (°)", lambda s: s.depth_mean_deg),
        ("tempo on target (%)", lambda s: None if s.tempo_ok_fraction is None else 100 * s.tempo_ok_fraction),
        ("spine ok (%)", lambda s: None if s.spine_ok_fraction is None else 100 * s.spine_ok_fraction),
        ("load (kg)", lambda s: s.load_kg),
    )
    for exercise in sorted({s.exercise for s in sets}):
        ex_sets = [s for s in sets if s.exercise == exercise]
        dates = [s.date for s in ex_sets]
        for ax, (_, value) in zip(axes, panels, strict=True):
            y = [np.nan if value(s) is None else value(s) for s in ex_sets]
            ax.plot(dates, y, marker="o", ms=4, label=exercise)
    for ax, (label, _) in zip(axes, panels, strict=True):
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
    for ax in axes[1:3]:
        ax.set_ylim(-5, 105)
    if all(s.load_kg is None for s in sets):
        axes[3].set_yticks([])
        axes[3].text(0.5, 0.5, NO_LOADS, transform=axes[3].transAxes, ha="center", va="center", color="0.4")
    axes[0].legend(fontsize=8, loc="best")
    # Dates as dates (a day, a month), times of day only when the sets are hours apart.
    locator = mdates.AutoDateLocator()
    axes[-1].xaxis.set_major_locator(locator)
    axes[-1].xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, show_offset=False))
    axes[-1].set_xlabel("date")
    fig.suptitle("training log", fontsize=12)
    return fig


def figure_format(path: Path | str) -> str:
    """The matplotlib format for a file name: ``png``, ``svg`` or ``pdf``.

    Raises
    ------
    InputError
        For any other extension.
    """
    ext = Path(path).suffix.lower()
    if ext not in FIGURE_FORMATS:
        raise InputError(f"unknown figure format {ext or '(no extension)'!r}: use .png, .svg or .pdf", path)
    return FIGURE_FORMATS[ext]


def save_figure(fig: Figure, path: Path | str) -> None:
    """Save a figure as PNG, SVG or PDF, chosen by the file extension.

    Parameters
    ----------
    fig : Figure
    path : Path or str

    Raises
    ------
    InputError
        For an unknown extension or a path that cannot be written.
    """
    fmt = figure_format(path)
    try:
        fig.savefig(path, format=fmt, dpi=DPI)
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror or exc}", path) from None


def figure_to_png(fig: Figure) -> bytes:
    """A figure rendered as PNG bytes (for embedding in HTML or a notebook)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    return buf.getvalue()
