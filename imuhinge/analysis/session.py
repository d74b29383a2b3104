"""Whole sessions: a recording of several sets told apart by the rests between them.

A rest is a stretch of at least ``rest_s`` (default 30 s) from the end of one rep to the start of the
next: standing, walking about, a partial movement or a side bend are not reps, so they do not break
it, while a long top pause (a few seconds) or an isometric hold (the lifter is in the rep) never make
one. Each set is cut from the session with ``LEAD_S`` before its first rep (the standing that
calibrates it) and ``TAIL_S`` after its last, and analysed on its own, as ``analyze`` analyses a set
recorded alone. The live recorder cuts the same spans from the same rule as the reps come in, so a
session's set files and the replay of the session recording agree.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from imuhinge.model import Gap, Recording, Rep, SensorStream, SetReport

REST_S = 30.0
MIN_REST_S = 10.0  # a shorter rest could not be told from a long top pause
LEAD_S = 10.0
TAIL_S = 8.0
SESSION_KEY = "session_id"
SET_KEY = "session_set"
REST_KEY = "session_rest_s"
LOADS_KEY = "session_loads_kg"
OFFSET_KEY = "session_offset_s"
REST_BEFORE_KEY = "rest_before_s"


def new_session_id() -> str:
    """A random identifier for a new session (32 hex digits)."""
    import secrets  # hashlib and hmac: only when a session starts, not at every command's start-up

    return secrets.token_hex(16)


def is_session(metadata: dict[str, str]) -> bool:
    """True for a whole-session recording (not one set cut from it)."""
    return SESSION_KEY in metadata and SET_KEY not in metadata


def is_rest(previous_end_s: float, next_start_s: float, rest_s: float = REST_S) -> bool:
    """True when the time from one rep's end to the next rep's start is a rest between sets."""
    return next_start_s - previous_end_s >= rest_s


def group_sets(reps: Sequence[Rep], rest_s: float = REST_S) -> list[list[Rep]]:
    """Split a session's reps, in time order, into sets at every rest.

    Parameters
    ----------
    reps : sequence of Rep
    rest_s : float
        Shortest rest between sets.

    Returns
    -------
    list of list of Rep
    """
    sets: list[list[Rep]] = []
    for rep in reps:
        if not sets or is_rest(sets[-1][-1].end_s, rep.start_s, rest_s):
            sets.append([])
        sets[-1].append(rep)
    return sets


@dataclass(frozen=True)
class SetCut:
    """Where one set lies in its session (session seconds) and what was logged with it.

    Attributes
    ----------
    number : int
        1 for the session's first set.
    start_s, end_s : float
        The span cut for the set: ``LEAD_S`` before its first rep to ``TAIL_S`` after its last.
    first_rep_s, last_rep_end_s : float
        Start of its first rep and end of its last.
    rest_before_s : float or None
        From the previous set's last rep to this set's first (None for the first set).
    load_kg : float or None
    """

    number: int
    start_s: float
    end_s: float
    first_rep_s: float
    last_rep_end_s: float
    rest_before_s: float | None
    load_kg: float | None


def set_cut(
    number: int,
    first_rep_s: float,
    last_rep_end_s: float,
    previous: SetCut | None,
    session_end_s: float,
    load_kg: float | None,
) -> SetCut:
    """The span of a set: ``LEAD_S`` before its first rep (not before the previous set's span) to
    ``TAIL_S`` after its last rep (not after the session's end)."""
    start = max(first_rep_s - LEAD_S, 0.0 if previous is None else previous.end_s)
    end = min(last_rep_end_s + TAIL_S, session_end_s)
    rest = None if previous is None else first_rep_s - previous.last_rep_end_s
    return SetCut(number, start, end, first_rep_s, last_rep_end_s, rest, load_kg)


@dataclass(frozen=True)
class SessionLoads:
    """The load of each set: ``--load-kg`` (one per set, the last one for the sets after) and
    loads typed while recording, each for the set it was typed before (or during a rest for) and the
    sets after it."""

    listed_kg: tuple[float, ...] = ()
    typed: tuple[tuple[int, float], ...] = ()  # (the first set it applies to, kg)

    def load_for(self, number: int) -> float | None:
        """The load of set ``number``."""
        typed = [kg for first, kg in self.typed if first <= number]
        if typed:
            return typed[-1]
        if self.listed_kg:
            return self.listed_kg[min(number, len(self.listed_kg)) - 1]
        return None

    def typed_for(self, first_set: int, load_kg: float) -> SessionLoads:
        """These loads with one more typed for set ``first_set`` and the sets after it."""
        return replace(self, typed=(*self.typed, (first_set, load_kg)))


def format_loads(loads_kg: Sequence[float]) -> str:
    """Loads as written in a session's metadata: ``60,62.5,65``."""
    return ",".join(f"{kg:g}" for kg in loads_kg)


def parse_loads(text: str) -> tuple[float, ...]:
    """Loads from ``60`` or ``60,62.5,65``.

    Raises
    ------
    ValueError
        A value that is not a non-negative number of kilograms.
    """
    loads = tuple(float(item) for item in text.split(","))
    if any(not math.isfinite(kg) or kg < 0 for kg in loads):
        raise ValueError(f"not loads in kg: {text!r}")
    return loads


def session_loads(metadata: dict[str, str]) -> SessionLoads:
    """The loads a session recording's metadata gives (``session_loads_kg``, else ``load_kg``);
    none when they are missing or not loads."""
    text = metadata.get(LOADS_KEY) or metadata.get("load_kg", "")
    try:
        return SessionLoads(parse_loads(text)) if text.strip() else SessionLoads()
    except ValueError:
        return SessionLoads()


def set_metadata(session: dict[str, str], cut: SetCut) -> dict[str, str]:
    """A set's metadata: its session's, with the set's number, place in the session, rest and load,
    and its own start time."""
    meta = {k: v for k, v in session.items() if k not in (LOADS_KEY, "load_kg")}
    meta[SET_KEY] = str(cut.number)
    meta[OFFSET_KEY] = f"{cut.start_s:.6f}"
    if cut.rest_before_s is not None:
        meta[REST_BEFORE_KEY] = f"{cut.rest_before_s:.3f}"
    if cut.load_kg is not None:
        meta["load_kg"] = f"{cut.load_kg:g}"
    started = session.get("started_at", "").strip()
    try:
        when = datetime.fromisoformat(started)
    except ValueError:
        return meta
    start = when + timedelta(seconds=cut.start_s)
    meta["started_at"] = start.strftime("%Y-%m-%dT%H:%M:%S") + ("Z" if started.endswith("Z") else "")
    if when.tzinfo is not None and not started.endswith("Z"):
        meta["started_at"] = start.isoformat(timespec="seconds")
    return meta


def cut_recording(recording: Recording, cut: SetCut) -> Recording:
    """One set of a session recording: the samples within its span, times from the span's start.

    Parameters
    ----------
    recording : Recording
        The session (its metadata are the session's).
    cut : SetCut

    Returns
    -------
    Recording
        With the set's metadata (``set_metadata``) and the gaps within its span.
    """
    streams = {}
    for placement, s in recording.sensors.items():
        keep = (s.time_s >= cut.start_s) & (s.time_s <= cut.end_s)
        streams[placement] = SensorStream(
            placement,
            s.time_s[keep] - cut.start_s,
            s.acc_mps2[keep],
            s.gyr_rads[keep],
            None if s.seq is None else s.seq[keep],
            s.rate_hz,
        )
    gaps = [
        Gap(g.sensor, g.start_s - cut.start_s, g.end_s - cut.start_s, g.missing_samples)
        for g in recording.gaps
        if g.end_s > cut.start_s and g.start_s < cut.end_s
    ]
    return Recording(streams, recording.sample_rate_hz, set_metadata(recording.metadata, cut), gaps)


@dataclass
class SessionSet:
    """One set of a replayed session: where it lies and its analysis."""

    cut: SetCut
    report: SetReport


def session_cuts(
    reps: Sequence[Rep], rest_s: float, session_end_s: float, loads: SessionLoads
) -> list[SetCut]:
    """The sets of a session's reps: grouped at the rests, each with its span, rest and load."""
    cuts: list[SetCut] = []
    for number, group in enumerate(group_sets(reps, rest_s), start=1):
        first, last = group[0].start_s, group[-1].end_s
        previous = cuts[-1] if cuts else None
        cuts.append(set_cut(number, first, last, previous, session_end_s, loads.load_for(number)))
    return cuts


def rest_threshold_s(metadata: dict[str, str]) -> float:
    """The rest a session was split with (``session_rest_s``), else ``REST_S``."""
    try:
        value = float(metadata.get(REST_KEY, REST_S))
    except ValueError:
        return REST_S
    return value if math.isfinite(value) and value >= MIN_REST_S else REST_S


def session_end_s(recording: Recording) -> float:
    """The last sample time of any sensor."""
    return max(float(s.time_s.max()) for s in recording.sensors.values() if len(s))


def analyze_session(
    recording: Recording,
    exercise: str | None = None,
    tempo: str | None = None,
    loads: SessionLoads | None = None,
    rest_s: float | None = None,
    hold_s: str | None = None,
) -> list[SessionSet]:
    """Analyse a session recording set by set.

    The whole session is analysed once to find its reps; they are grouped at the rests, and each
    set's span is cut out and analysed on its own (as its set file would be).

    Parameters
    ----------
    recording : Recording
    exercise, tempo, hold_s : str, optional
        As for ``analyze`` (defaults from the metadata).
    loads : SessionLoads, optional
        Defaults to the loads in the metadata (``session_loads``).
    rest_s : float, optional
        Shortest rest between sets; defaults to the metadata's ``session_rest_s``, else ``REST_S``.

    Returns
    -------
    list of SessionSet
        Each report's ``source`` names the session file and the set.
    """
    from imuhinge.analysis.replay import analyze

    meta = recording.metadata
    whole = analyze(recording, exercise, tempo, hold_s=hold_s)
    cuts = session_cuts(
        whole.reps,
        rest_s or rest_threshold_s(meta),
        session_end_s(recording),
        loads or session_loads(meta),
    )
    sets = []
    for cut in cuts:
        report = analyze(cut_recording(recording, cut), exercise, tempo, hold_s=hold_s)
        if recording.path is not None:
            report.source = f"{recording.path} (set {cut.number})"
        sets.append(SessionSet(cut, report))
    return sets
