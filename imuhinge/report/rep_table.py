"""Per-rep rows (one dict per rep, the JSON report's stable keys: ``docs/format.md``) and their CSV export."""

from __future__ import annotations

import csv
from pathlib import Path

from imuhinge.coaching.dowel import rep_contacts
from imuhinge.model import Exercise, Rep, SetReport
from imuhinge.report.wording import cue_texts

REP_KEYS = (
    "index",
    "start_s",
    "end_s",
    "eccentric_s",
    "bottom_s",
    "concentric_s",
    "top_s",
    "peak_trunk_flexion_deg",
    "peak_lumbar_flexion_deg",
    "lockout_extension_deg",
    "lockout_lumbar_extension_deg",
    "lumbar_peak_phase",
    "peak_lateral_tilt_deg",
    "peak_twist_deg",
    "hold_stability_deg",
    "hip_drop_m",
    "hip_drop_low_m",
    "hip_drop_high_m",
    "hip_pattern",
    "pelvis_rotation_deg",
    "tempo_ok",
    "spine_ok",
    "lockout_short_deg",
    "concentric_mean_speed_dps",
    "concentric_peak_speed_dps",
    "hip_snap_dps",
    "speed_loss_pct",
    "peak_neck_flexion_deg",
    "peak_neck_extension_deg",
    "neck_flexion_phase",
    "neck_extension_phase",
    "neck_ok",
)


def _round(value: object) -> object:
    return round(value, 3) if isinstance(value, float) else value


def rep_row(rep: Rep, exercise: Exercise) -> dict[str, object]:
    """One rep as a flat dict with stable keys (floats rounded to 3 decimals, None kept).

    ``cues`` are the cues in words; ``cue_codes`` the same cues as data (``Cue.to_dict``); ``dowel``
    what a dowel along the back showed at each contact point (``held``, how it came off, or None when
    not measured).
    """
    row = {key: _round(getattr(rep, key)) for key in REP_KEYS}
    row["cues"] = cue_texts(rep.cues, exercise)
    row["cue_codes"] = [cue.to_dict() for cue in rep.cues]
    row["dowel"] = {p.value: None if s is None else s.value for p, s in rep_contacts(rep).items()}
    row["data_gaps_s"] = [[round(a, 3), round(b, 3)] for a, b in rep.data_gaps_s]
    return row


def rep_rows(report: SetReport) -> list[dict[str, object]]:
    """All reps of a report as rows."""
    return [rep_row(r, report.exercise) for r in report.reps]


def csv_rows(report: SetReport) -> list[dict[str, object]]:
    """The per-rep rows as CSV cells: cues in words joined by ``; ``, empty cells for unmeasured values."""
    rows = []
    for rep, row in zip(report.reps, rep_rows(report), strict=True):
        row["cues"] = "; ".join(cue_texts(rep.cues, report.exercise))
        row["data_gaps_s"] = "; ".join(f"{a:g}-{b:g}" for a, b in rep.data_gaps_s)
        rows.append({k: "" if v is None else v for k, v in row.items()})
    return rows


def write_csv_rows(rows: list[dict[str, object]], path: Path | str, first: tuple[str, ...] = ()) -> None:
    """Write rows of ``csv_rows`` (with the columns ``first`` before the rep's) as CSV."""
    with open(path, "w", newline="", encoding="utf-8") as fh:
        fields = [*first, *REP_KEYS, "cues", "data_gaps_s"]
        writer = csv.DictWriter(fh, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


def write_rep_csv(report: SetReport, path: Path | str) -> None:
    """Write the per-rep table as CSV (cues in words joined by ``; ``, empty cells for unmeasured values)."""
    write_csv_rows(csv_rows(report), path)
