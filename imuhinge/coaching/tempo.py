"""Tempo notation: parsing ``3-1-2``, ``3-1-2-0``, ``3120``, ``X`` (``report.wording`` says it in words)."""

from __future__ import annotations

import math
import re

from imuhinge.errors import InputError
from imuhinge.model import Tempo

DEFAULT_TEMPO = "3-1-2"
DEFAULT_HOLD = "10-20"
_PART = r"(?:\d+(?:\.\d+)?|[xX])"
_SEPARATED = re.compile(rf"^{_PART}(?:[-:/]{_PART}){{2,3}}$")
_COMPACT = re.compile(r"^[\dxX]{3,4}$")


def parse_tempo(text: str) -> Tempo:
    """Parse a tempo prescription.

    Parameters
    ----------
    text : str
        ``E-B-C`` or ``E-B-C-T`` in seconds (eccentric, bottom pause, concentric, top pause), the
        compact form ``EBCT`` (single digits), ``X`` for an explosive phase, or ``X`` alone for a
        ballistic rep (explosive movements, no pause targets).

    Returns
    -------
    Tempo

    Raises
    ------
    InputError
        When the text is not valid tempo notation.
    """
    raw = text.strip()
    if raw.upper() == "X":
        return Tempo(None, None, None, None, frozenset({"eccentric", "concentric"}), "X")
    if _SEPARATED.match(raw):
        parts = re.split(r"[-:/]", raw)
    elif _COMPACT.match(raw):
        parts = list(raw)
    else:
        raise InputError(
            f"malformed tempo {text!r}: expected seconds for down-pause-up[-pause] such as "
            "'3-1-2', '3-1-2-0', the compact '3120', or X for explosive"
        )
    names = Tempo.PHASES[: len(parts)]
    explosive = frozenset(n for n, p in zip(names, parts, strict=True) if p.upper() == "X")
    if explosive & {"bottom", "top"}:
        raise InputError(f"malformed tempo {text!r}: a pause cannot be explosive (X)")
    values = [None if p.upper() == "X" else float(p) for p in parts] + [None] * (4 - len(parts))
    notation = "-".join(p.upper() if p.upper() == "X" else p for p in parts)
    return Tempo(values[0], values[1], values[2], values[3], explosive, notation)


def parse_hold(text: str) -> tuple[float, float]:
    """A hold's target time: ``15`` (seconds) or ``10-20`` (a range), as (shortest, longest) seconds.

    Raises
    ------
    InputError
        For anything else, a range the wrong way round, or a time that is not positive.
    """
    parts = text.strip().split("-")
    try:
        low, high = (float(parts[0]), float(parts[-1])) if len(parts) <= 2 else (math.nan, math.nan)
    except ValueError:
        low = high = math.nan
    if not (math.isfinite(low) and math.isfinite(high)) or low <= 0 or high < low:
        raise InputError(f"malformed hold time {text!r}: expected seconds (15) or a range (10-20)")
    return low, high
