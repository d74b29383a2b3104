"""``imuhinge record --session`` and ``--metronome``: what follows a recording beside the live view.

A session: the sets are cut at the rests and written as ``NAME.setK.csv``; each is analysed (and
logged with ``--log``) in a worker thread while the session goes on, and the view prints its line
between sets. Loads come from ``--load-kg`` (one per set) and, on a terminal, from the prompt: a load
typed and entered at any time applies to the set to come and the sets after it; a thread reads the
keyboard so that the Bluetooth loop never waits for it.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from imuhinge.analysis.session import (
    LOADS_KEY,
    MIN_REST_S,
    REST_KEY,
    SESSION_KEY,
    SessionLoads,
    SessionSet,
    SetCut,
    format_loads,
    new_session_id,
    parse_loads,
)
from imuhinge.errors import ImuhingeError, InputError
from imuhinge.model import Exercise, Rep

if TYPE_CHECKING:
    from imuhinge.analysis.live import LiveStatus
    from imuhinge.cli.record import LiveView
    from imuhinge.metronome import LiveMetronome
    from imuhinge.session_recorder import SessionRecorder


def add_session_options(p: argparse.ArgumentParser) -> None:
    """``--session``, ``--rest-s``, ``--metronome`` and ``--metronome-wav``."""
    g = p.add_argument_group("whole sessions and the metronome")
    g.add_argument(
        "--session",
        action="store_true",
        help="record every set of a session: rests split it into sets, each written, analysed and "
        "logged as NAME.setK.csv (NAME.csv holds the whole session)",
    )
    g.add_argument(
        "--rest-s",
        type=float,
        default=30.0,
        help="with --session: this long without a rep ends a set (default 30)",
    )
    g.add_argument(
        "--metronome", action="store_true", help="cue the target tempo: a sound at each phase change"
    )
    g.add_argument(
        "--metronome-wav", type=Path, metavar="FILE", help="write the metronome's cues as a WAV file"
    )


def load_option(args: argparse.Namespace) -> tuple[float, ...]:
    """``--load-kg``: one load, or with ``--session`` one per set (``60,60,62.5``)."""
    loads: tuple[float, ...] = args.load_kg or ()
    if len(loads) > 1 and not args.session:
        raise InputError("--load-kg: one load per set needs --session")
    return loads


def check_options(args: argparse.Namespace, exercise: Exercise, out: Path) -> None:
    """Refuse what cannot work before anything is recorded."""
    from imuhinge.io.output import check_output
    from imuhinge.session_recorder import existing_set_files

    if args.session:
        if args.rest_s < MIN_REST_S:
            raise InputError(f"--rest-s: at least {MIN_REST_S:g} s, to tell a rest from a long top pause")
        earlier = existing_set_files(out)
        if earlier:
            raise InputError(f"{earlier[0]} is there from an earlier session: choose another --out", out)
    if (args.metronome or args.metronome_wav) and exercise.ballistic:
        raise InputError(f"--metronome: {exercise.value} has no tempo target to cue")
    if args.metronome_wav is not None:
        check_output(args.metronome_wav, inputs=[out], force_option=None)


def session_metadata(args: argparse.Namespace, loads: tuple[float, ...]) -> dict[str, str]:
    """The header lines of a recording: its load, and with ``--session`` the session's id and rule."""
    meta = {}
    if len(loads) == 1:
        meta["load_kg"] = format_loads(loads)
    if args.session:
        meta[SESSION_KEY] = new_session_id()
        meta[REST_KEY] = f"{args.rest_s:g}"
        if len(loads) > 1:
            meta[LOADS_KEY] = format_loads(loads)
    return meta


@dataclass
class SetOutcome:
    """A set written while recording: its analysis (None when it failed) and the lines to show."""

    cut: SetCut
    path: Path
    analysed: SessionSet | None
    lines: list[str] = field(default_factory=list)


def _process(args: argparse.Namespace, cut: SetCut, path: Path) -> SetOutcome:
    """Analyse a set's file (and log it): the worker thread's part."""
    from imuhinge.analysis.replay import analyze
    from imuhinge.cli.analyze import log_line
    from imuhinge.io import load_recording
    from imuhinge.report.bounds import check_physical_bounds
    from imuhinge.report.session import set_line

    try:
        report = analyze(load_recording(path))
        check_physical_bounds(report)
        logged = log_line(report, args)
    except ImuhingeError as exc:
        return SetOutcome(cut, path, None, [f"set {cut.number} ({path}): error: {exc}"])
    item = SessionSet(cut, report)
    lines = [f"{set_line(item)} -> {path}"] + ([logged] if logged else [])
    return SetOutcome(cut, path, item, lines)


class SessionView:
    """The live view during a session: set-relative rep numbers, the sets' lines, the rest and the
    load prompt between sets."""

    def __init__(self, args: argparse.Namespace, out: Path, live_view: LiveView) -> None:
        from imuhinge.session_recorder import SessionRecorder

        self.live_view = live_view
        self.prompt = live_view.tty and sys.stdin.isatty()
        self.recorder: SessionRecorder[SetOutcome] = SessionRecorder(
            out, args.rest_s, SessionLoads(load_option(args)), lambda c, p: _process(args, c, p), self.show
        )
        self._reading = False

    def live(self, status: LiveStatus) -> None:
        """Pass the status on with the set's rep count and numbers; between sets, the rest."""
        if self.prompt and not self._reading:
            self._start_prompt()
        rec = self.recorder
        if rec.resting:
            rest_s = int(status.time_s - rec.cuts[-1].last_rep_end_s)
            self.live_view.note = f"rest {rest_s // 60}:{rest_s % 60:02d}; next: set {rec.set_number}" + (
                f", {self._load_now()} (type a load in kg and Enter to change it)" if self.prompt else ""
            )
        else:
            self.live_view.note = f"set {rec.set_number}"
        self.live_view.live(
            replace(
                status,
                rep_count=rec.set_reps,
                new_reps=self._in_set(status.new_reps),
                revised_reps=self._in_set(status.revised_reps),
            )
        )

    def _in_set(self, reps: list[Rep]) -> list[Rep]:
        """The reps of the set under way, numbered within it (the previous set's last rep, revised when
        the next set began, is not: its pause was the rest)."""
        numbered = [(self.recorder.number_in_set(r), r) for r in reps]
        return [replace(r, index=n) for n, r in numbered if n is not None]

    def _load_now(self) -> str:
        load = self.recorder.loads.load_for(self.recorder.set_number)
        return "no load given" if load is None else f"now {load:g} kg"

    def show(self, outcome: SetOutcome) -> None:
        """A set was written and analysed: its lines, and the prompt for the next set's load."""
        for line in outcome.lines:
            self.live_view.line(line)
        if self.prompt:
            self.live_view.line(
                f"rest; load for set {self.recorder.set_number}? type kg and Enter ({self._load_now()})"
            )

    def _start_prompt(self) -> None:
        """Read loads typed at any time, in a thread that hands them to the event loop."""
        import asyncio
        import threading

        self._reading = True
        loop = asyncio.get_running_loop()

        def read() -> None:
            for line in sys.stdin:
                loop.call_soon_threadsafe(self._typed, line.strip())

        threading.Thread(target=read, name="imuhinge-load-prompt", daemon=True).start()

    def _typed(self, text: str) -> None:
        if not text:
            return
        try:
            (load,) = parse_loads(text)
        except ValueError:
            self.live_view.line(f"not a load: {text!r}; type the load in kg, e.g. 62.5, and Enter")
            return
        first = self.recorder.type_load(load)
        self.live_view.line(f"load {load:g} kg from set {first} on")

    def summary(self, out: Path) -> str:
        """The session's sets as a table (``report.session``)."""
        from imuhinge.report.session import format_session

        sets = [o.analysed for o in self.recorder.results if o.analysed is not None]
        return format_session(sets, title=f"{out} (sets replayed)")


def metronome(args: argparse.Namespace, exercise: Exercise) -> LiveMetronome | None:
    """The metronome asked for, with the audio output (or the bell) it found; None when not asked."""
    if not (args.metronome or args.metronome_wav):
        return None
    from imuhinge.coaching.tempo import parse_tempo
    from imuhinge.metronome import LiveMetronome
    from imuhinge.sound.output import SilentOutput, open_output

    output = open_output(sys.stdout) if args.metronome else SilentOutput()
    tempo = parse_tempo(args.target_tempo)
    if args.metronome:
        print(f"metronome: {output.description}")
    return LiveMetronome(tempo, exercise.floor_start, output, args.metronome_wav)
