"""imuhinge: hip-hinge training analysis from back-worn IMUs.

The public API is importable from here; modules load on first use, so ``import imuhinge`` stays light.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_API = {
    "Recording": "imuhinge.model",
    "SensorStream": "imuhinge.model",
    "SetReport": "imuhinge.model",
    "Rep": "imuhinge.model",
    "Tempo": "imuhinge.model",
    "Targets": "imuhinge.model",
    "Exercise": "imuhinge.model",
    "Phase": "imuhinge.model",
    "Cue": "imuhinge.coaching.cues",
    "CueCode": "imuhinge.coaching.cues",
    "SetSummary": "imuhinge.coaching.set_summary",
    "load_recording": "imuhinge.io",
    "load_any": "imuhinge.io.load",
    "save_recording": "imuhinge.io",
    "RecordingWriter": "imuhinge.io",
    "analyze": "imuhinge.analysis.replay",
    "LiveAnalyzer": "imuhinge.analysis.live",
    "simulate": "imuhinge.sim",
    "SimConfig": "imuhinge.sim",
    "parse_tempo": "imuhinge.coaching.tempo",
    "describe_tempo": "imuhinge.report.wording",
    "cue_text": "imuhinge.report.wording",
    "recording_orientation": "imuhinge.signal.orientation",
    "plot_set": "imuhinge.report.plots",
}

__all__ = ["__version__", *_API]


def __getattr__(name: str) -> Any:
    if name == "plot_set":
        return import_module(_API[name]).plot_dashboard
    if name in _API:
        return getattr(import_module(_API[name]), name)
    raise AttributeError(f"module 'imuhinge' has no attribute {name!r}")
