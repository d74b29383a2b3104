"""The JSON report (``imuhinge-report/1``): stable keys, described in ``docs/format.md``."""

from __future__ import annotations

import json
from pathlib import Path

from imuhinge.model import SetReport
from imuhinge.report.rep_table import rep_rows
from imuhinge.report.wording import cue_texts, describe_target

FORMAT = "imuhinge-report/1"


def _hold_target(report: SetReport) -> dict[str, float]:
    """A hold's target time and steadiness limit (holds only)."""
    if not report.exercise.hold:
        return {}
    t = report.targets
    return {
        "hold_min_s": t.hold_min_s,
        "hold_max_s": t.hold_max_s,
        "hold_steady_max_deg": t.hold_steady_max_deg,
    }


def report_to_dict(report: SetReport) -> dict[str, object]:
    """The report as JSON-ready data; unmeasurable fields are None (null), never invented.

    ``cues`` (per rep and per set) are sentences; ``cue_codes`` beside them are the same cues as data:
    ``code``, ``phase``, ``value``, ``limit`` and ``units``.
    """
    t = report.tempo
    return {
        "format": FORMAT,
        "exercise": report.exercise.value,
        "target": {
            "tempo": t.notation,
            "eccentric_s": t.eccentric_s,
            "bottom_s": t.bottom_s,
            "concentric_s": t.concentric_s,
            "top_s": t.top_s,
            "explosive": sorted(t.explosive),
            "words": describe_target(report.exercise, t, report.targets),
            "tolerance_s": report.targets.tempo_tolerance_s,
            **_hold_target(report),
        },
        "sensors": list(report.sensors),
        "source": report.source,
        "reps": rep_rows(report),
        "partials": [
            {
                "start_s": round(p.start_s, 3),
                "end_s": round(p.end_s, 3),
                "peak_trunk_flexion_deg": round(p.peak_trunk_flexion_deg, 3),
            }
            for p in report.partials
        ],
        "other_movements": [
            {
                "kind": m.kind,
                "start_s": round(m.start_s, 3),
                "end_s": round(m.end_s, 3),
                "flexion_deg": round(m.flexion_deg, 1),
                "lateral_tilt_deg": round(m.lateral_tilt_deg, 1),
                "twist_deg": round(m.twist_deg, 1),
            }
            for m in report.other_movements
        ],
        "references": dict(report.references),
        "summary": report.summary.to_dict(),
        "cues": cue_texts(report.cues, report.exercise),
        "cue_codes": [cue.to_dict() for cue in report.cues],
        "warnings": list(report.warnings),
        "measured": dict(report.measured),
        "gaps": [
            {
                "sensor": g.sensor,
                "start_s": round(g.start_s, 3),
                "end_s": round(g.end_s, 3),
                "missing_samples": g.missing_samples,
            }
            for g in report.gaps
        ],
    }


def write_json(report: SetReport, path: Path | str) -> None:
    """Write the JSON report."""
    Path(path).write_text(json.dumps(report_to_dict(report), indent=1) + "\n", encoding="utf-8")
