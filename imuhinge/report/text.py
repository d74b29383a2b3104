"""The terminal report: target in words, per-rep table, verdicts and cues."""

from __future__ import annotations

from imuhinge.model import Rep, SetReport
from imuhinge.report.wording import (
    coverage_text,
    cue_texts,
    describe_target,
    dowel_lines,
    speed_text,
    spine_unmeasured_text,
    stop_text,
)


def _s(value: float | None) -> str:
    return "  -  " if value is None else f"{value:5.2f}"


def _deg(value: float | None) -> str:
    return "   - " if value is None else f"{value:5.1f}"


def _pct(value: float | None) -> str:
    return "   -" if value is None else f"{value:4.0f}"


def _ok(value: bool | None) -> str:
    return "-" if value is None else ("ok" if value else "NO")


def _neck_deg(rep: Rep) -> float | None:
    """The neck's larger excursion of the rep, signed: positive dropped, negative craned."""
    flexion, extension = rep.peak_neck_flexion_deg, rep.peak_neck_extension_deg
    if flexion is None or extension is None:
        return None
    return flexion if flexion >= extension else -extension


def format_report(report: SetReport, title: str | None = None) -> str:
    """Readable multi-line text of a set report."""
    lines = []
    if title:
        lines.append(title)
    ex = report.exercise.value
    load = report.metadata.get("load_kg", "").strip()
    load_text = f", load {load} kg" if load else ""
    lines.append(f"exercise {ex}{load_text}, sensors: {', '.join(report.sensors)}")
    target = describe_target(report.exercise, report.tempo, report.targets)
    lines.append(f"target  {target} (tolerance ±{report.targets.tempo_tolerance_s:g} s)")
    if not report.measured.get("lumbar_flexion"):
        lines.append(f"spine   {spine_unmeasured_text(report.exercise)}")
    for point, coverage in report.contact_points.items():
        lines.append(f"dowel   {coverage_text(point, coverage)}")
    neck = bool(report.measured.get("neck_flexion"))
    lines.append("")
    # Measured from the set's lockout (hip thrust): the lower back's arching and the lockout's
    # shortfall take the places of lumbar flexion and lean-back.
    lockout = report.exercise.lockout_reference
    spine_head, top_head = ("  arch°", "short°") if lockout else ("lumbar°", " lean°")
    lines.append(
        f" rep   down  bottom    up    top  depth° {spine_head} {top_head}"
        + ("  neck°" if neck else "")
        + "  tempo spine °/s up loss%  cues"
    )
    for r in report.reps:
        spine, top = (
            (r.lockout_lumbar_extension_deg, r.lockout_short_deg)
            if lockout
            else (r.peak_lumbar_flexion_deg, r.lockout_extension_deg)
        )
        lines.append(
            f"{r.index:4d}  {_s(r.eccentric_s)}  {_s(r.bottom_s)}  {_s(r.concentric_s)}  {_s(r.top_s)}"
            f"  {_deg(r.peak_trunk_flexion_deg)}  {_deg(spine)}  {_deg(top)}"
            + (f"  {_deg(_neck_deg(r))}" if neck else "")
            + f"  {_ok(r.tempo_ok):>5} {_ok(r.spine_ok):>5}  {_deg(r.concentric_mean_speed_dps)}  "
            f"{_pct(r.speed_loss_pct)}  " + "; ".join(cue_texts(r.cues, report.exercise))
        )
    s = report.summary
    lines.append("")
    frac = s.tempo_ok_fraction
    tempo_txt = "" if frac is None else f", tempo on target in {100 * frac:.0f}% of reps"
    depth = s.depth_deg
    depth_txt = "" if depth.mean is None else f", depth {depth.mean:.0f}° ± {depth.sd:.1f}°"
    lines.append(
        f"{report.rep_count} reps, {s.partial_count} partial movements"
        f"{tempo_txt}{depth_txt}, time under tension {s.time_under_tension_s:.1f} s"
    )
    pattern = s.pattern
    judged = [r.hip_pattern for r in report.reps if r.hip_pattern is not None]
    if pattern:
        lines.append(f"pattern {pattern} ({len(judged)} of {report.rep_count} reps measured)")
    elif report.measured.get("hip_travel") and report.rep_count:
        lines.append(
            f"pattern (hinge or squat) not judged in a {report.exercise.value} set"
            if not report.exercise.judges_hip_pattern
            else "pattern (hinge or squat) not measured: the sacrum sensor's unknown distance from the hip "
            "joint leaves the hips' drop too uncertain"
        )
    if s.speed is not None:
        lines.append(speed_text(s.speed))
    for cue in cue_texts(report.cues, report.exercise):
        lines.append(f"set: {cue}")
    if s.stop is not None:
        lines.append(f"set: {stop_text(s.stop, report.exercise)}")
    dowel = dowel_lines(report.reps)
    if dowel:
        lines.append("dowel   " + dowel)
    for r in report.reps:
        for a, b in r.data_gaps_s:
            lines.append(
                f"note: rep {r.index} spans {b - a:.1f} s without data (from {a:.1f} s): it counts, the "
                "phases over the gap are not measured"
            )
    if report.other_movements:
        kinds = [m.kind for m in report.other_movements]
        listed = ", ".join(
            f"{kinds.count(k)} {k}{'s' if kinds.count(k) > 1 else ''}" for k in sorted(set(kinds))
        )
        lines.append(f"note: {listed} with some forward tilt, not counted as reps")
    for placement, how in report.references.items():
        lines.append(f"note: {placement} angles measured from {how}")
    for w in report.warnings:
        lines.append(f"note: {w}")
    if report.gaps:
        missing = sum(g.missing_samples for g in report.gaps)
        lines.append(f"note: {len(report.gaps)} gaps in the data ({missing} samples missing)")
    return "\n".join(lines)
