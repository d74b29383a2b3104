"""The terminal report: target in words, per-rep table, verdicts and cues."""

from __future__ import annotations

from imuhinge.model import SetReport
from imuhinge.report.wording import cue_texts, describe_target


def _s(value: float | None) -> str:
    return "  -  " if value is None else f"{value:5.2f}"


def _deg(value: float | None) -> str:
    return "   - " if value is None else f"{value:5.1f}"


def _ok(value: bool | None) -> str:
    return "-" if value is None else ("ok" if value else "NO")


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
        lines.append("spine   lumbar flexion needs a second sensor on the sacrum: not measured in this set")
    lines.append("")
    lines.append(" rep   down  bottom    up    top  depth° lumbar° lean°  tempo spine  cues")
    for r in report.reps:
        lines.append(
            f"{r.index:4d}  {_s(r.eccentric_s)}  {_s(r.bottom_s)}  {_s(r.concentric_s)}  {_s(r.top_s)}"
            f"  {_deg(r.peak_trunk_flexion_deg)}  {_deg(r.peak_lumbar_flexion_deg)}"
            f"  {_deg(r.lockout_extension_deg)}  {_ok(r.tempo_ok):>5} {_ok(r.spine_ok):>5}  "
            + "; ".join(cue_texts(r.cues, report.exercise))
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
            "pattern (hinge or squat) not measured: the sacrum sensor's unknown distance from the hip "
            "joint leaves the hips' drop too uncertain"
        )
    for cue in cue_texts(report.cues, report.exercise):
        lines.append(f"set: {cue}")
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
