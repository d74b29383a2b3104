"""The set summary as a type, and its JSON form (the ``summary`` of the JSON report and the log).

``coaching.summary.summarize`` computes it from the reps. This module needs nothing but the standard
library, so the training log and the data model can read and hold summaries without the analysis.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Stats:
    """Mean, population standard deviation, least and largest of a per-rep quantity (None: no reps)."""

    mean: float | None = None
    sd: float | None = None
    min: float | None = None
    max: float | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Stats:
        """Read back the JSON form."""
        return cls(data["mean"], data["sd"], data["min"], data["max"])


@dataclass(frozen=True)
class PhaseSummary(Stats):
    """One phase over the set: its durations' statistics (s), its target and how often it was met."""

    target_s: float | None = None
    on_target_fraction: float | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PhaseSummary:
        """Read back the JSON form."""
        return cls(
            data["mean"], data["sd"], data["min"], data["max"], data["target_s"], data["on_target_fraction"]
        )


@dataclass(frozen=True)
class Drift:
    """Mean of the last reps minus mean of the first (None where a side has no measured value)."""

    eccentric_s: float | None
    depth_deg: float | None


@dataclass(frozen=True)
class SetSummary:
    """What a set adds up to; fractions are of the reps where the verdict could be given.

    Attributes
    ----------
    rep_count, partial_count : int
        Full reps, and movements shallower than the minimum depth.
    tempo_ok_fraction : float or None
        Reps on tempo target (None when tempo was not judged).
    phases : dict of str to PhaseSummary
        Per phase (``eccentric``, ``bottom``, ``concentric``, ``top``).
    depth_deg : Stats
        Peak trunk flexion.
    time_under_tension_s : float
        Sum of the reps' durations.
    spine_ok_fraction : float or None
        Reps with a neutral lower back (None with one sensor).
    pattern : str or None
        ``hinge`` or ``squat`` when most reps are measured as such.
    drift : Drift or None
        Over the set, when it has enough reps.
    cadence_reps_per_min : float or None
        Ballistic exercises with at least two reps.
    hold_s : Stats or None
        Holds: the hold times.
    """

    rep_count: int = 0
    partial_count: int = 0
    tempo_ok_fraction: float | None = None
    phases: dict[str, PhaseSummary] = field(default_factory=dict)
    depth_deg: Stats = field(default_factory=Stats)
    time_under_tension_s: float = 0.0
    spine_ok_fraction: float | None = None
    pattern: str | None = None
    drift: Drift | None = None
    cadence_reps_per_min: float | None = None
    hold_s: Stats | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: stable keys; ``cadence_reps_per_min`` and ``hold_s`` only where they apply."""
        data = asdict(self)
        for key in ("cadence_reps_per_min", "hold_s"):
            if data[key] is None:
                del data[key]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SetSummary:
        """Read back the JSON form (as the training log stores it)."""
        drift = data["drift"]
        hold = data.get("hold_s")
        return cls(
            rep_count=data["rep_count"],
            partial_count=data["partial_count"],
            tempo_ok_fraction=data["tempo_ok_fraction"],
            phases={phase: PhaseSummary.from_dict(v) for phase, v in data["phases"].items()},
            depth_deg=Stats.from_dict(data["depth_deg"]),
            time_under_tension_s=data["time_under_tension_s"],
            spine_ok_fraction=data["spine_ok_fraction"],
            pattern=data["pattern"],
            drift=None if drift is None else Drift(drift["eccentric_s"], drift["depth_deg"]),
            cadence_reps_per_min=data.get("cadence_reps_per_min"),
            hold_s=None if hold is None else Stats.from_dict(hold),
        )
