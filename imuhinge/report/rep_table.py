"""Per-rep rows (one dict per rep with the DESIGN JSON keys) and their CSV export."""

from __future__ import annotations

import csv
from pathlib import Path

from imuhinge.model import Rep, SetReport

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
)


def _round(value: object) -> object:
    return round(value, 3) if isinstance(value, float) else value


def rep_row(rep: Rep) -> dict[str, object]:
    """One rep as a flat dict with stable keys (floats rounded to 3 decimals, None kept)."""
    row = {key: _round(getattr(rep, key)) for key in REP_KEYS}
    row["cues"] = list(rep.cues)
    row["data_gaps_s"] = [[round(a, 3), round(b, 3)] for a, b in rep.data_gaps_s]
    return row


def rep_rows(report: SetReport) -> list[dict[str, object]]:
    """All reps of a report as rows."""
    return [rep_row(r) for r in report.reps]


def write_rep_csv(report: SetReport, path: Path | str) -> None:
    """Write the per-rep table as CSV (cues joined by ``; ``, empty cells for unmeasured values)."""
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=[*REP_KEYS, "cues", "data_gaps_s"])
        writer.writeheader()
        for row in rep_rows(report):
            row["cues"] = "; ".join(row["cues"])  # type: ignore[arg-type]
            row["data_gaps_s"] = "; ".join(f"{a:g}-{b:g}" for a, b in row["data_gaps_s"])  # type: ignore[attr-defined]
            writer.writerow({k: "" if v is None else v for k, v in row.items()})
