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
class SpeedSummary:
    """How fast the reps rose over the set, and how much of that speed was lost.

    Attributes
    ----------
    mean_dps : Stats
        The reps' mean rising speed (deg/s, ``Rep.concentric_mean_speed_dps``).
    reference_rep : int or None
        The fastest of the first reps, the one losses are measured from.
    reference_dps : float or None
        Its mean rising speed.
    last_loss_pct, max_loss_pct : float or None
        Speed loss of the last rep measured, and the largest of the set (%).
    threshold_pct : float
        The loss that gives a cue (``Targets.speed_loss_max_pct``).
    passed_at_rep : int or None
        The first rep whose loss passed it.
    """

    mean_dps: Stats = field(default_factory=Stats)
    reference_rep: int | None = None
    reference_dps: float | None = None
    last_loss_pct: float | None = None
    max_loss_pct: float | None = None
    threshold_pct: float = 0.0
    passed_at_rep: int | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SpeedSummary:
        """Read back the JSON form."""
        return cls(
            Stats.from_dict(data["mean_dps"]),
            data["reference_rep"],
            data["reference_dps"],
            data["last_loss_pct"],
            data["max_loss_pct"],
            data["threshold_pct"],
            data["passed_at_rep"],
        )


@dataclass(frozen=True)
class StopAdvice:
    """When the set should have ended: the reps slowed past the speed-loss threshold and another sign
    of fatigue showed in the same late reps.

    Attributes
    ----------
    after_rep : int
        The last rep before the reps slowed past the threshold.
    reference_rep : int
        The rep the speed loss is measured from.
    speed_loss_pct : float
        The largest speed loss from then on (%).
    descent_change_s : float or None
        How much faster the late reps lowered than the first reps (negative), when it is a sign.
    lumbar_change_deg : float or None
        How much more the lower back moved in the late reps than in the first (its flexion in a hinge,
        its extension at the top of a hip thrust), when it is a sign.
    """

    after_rep: int
    reference_rep: int
    speed_loss_pct: float
    descent_change_s: float | None = None
    lumbar_change_deg: float | None = None


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
    speed : SpeedSummary or None
        Rising speed and its loss over the set (None without a measured speed).
    stop : StopAdvice or None
        When the signs of fatigue agree: the rep the set should have ended with.
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
    speed: SpeedSummary | None = None
    stop: StopAdvice | None = None

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
        speed, stop = data.get("speed"), data.get("stop")
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
            speed=None if speed is None else SpeedSummary.from_dict(speed),
            stop=None if stop is None else StopAdvice(**stop),
        )
