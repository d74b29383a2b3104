"""Tempo notation: parsing ``3-1-2``, ``3-1-2-0``, ``3120``, ``X`` (``report.wording`` says it in words)."""

from __future__ import annotations

import re

from imuhinge.errors import InputError
from imuhinge.model import Tempo

DEFAULT_TEMPO = "3-1-2"
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
