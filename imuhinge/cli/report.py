"""``imuhinge report``: one self-contained HTML report of a recorded set."""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import TYPE_CHECKING

from imuhinge.coaching.tempo import DEFAULT_HOLD, DEFAULT_TEMPO
from imuhinge.model import Exercise, Recording, SetReport

if TYPE_CHECKING:
    from imuhinge.analysis.session import SessionSet

EXAMPLE = """example:
  imuhinge report recordings/rdl_8reps_two_sensors.csv -o rdl.html
"""


def add_analysis_options(parser: argparse.ArgumentParser) -> None:
    """``--exercise``, ``--tempo`` and ``--hold-s``, as ``analyze`` takes them; shared by ``report`` and
    ``plot``."""
    parser.add_argument(
        "--exercise",
        choices=[e.value for e in Exercise],
        help="exercise (default: from the file, else rdl)",
    )
    parser.add_argument(
        "--tempo", help=f"target tempo, e.g. 3-1-2, 3-2-1 (default: file, else {DEFAULT_TEMPO})"
    )
    add_hold_option(parser)


def add_hold_option(parser: argparse.ArgumentParser, default: str | None = None) -> None:
    """``--hold-s``: the target time of a hold (``hinge_hold``); shared by every command with targets."""
    parser.add_argument(
        "--hold-s",
        dest="hold_target",
        metavar="S|MIN-MAX",
        default=default,
        help=f"hinge_hold: target time held at depth, e.g. 15 or 10-20 (default: file, else {DEFAULT_HOLD})",
    )


def load_kg(text: str) -> float:
    """``--load-kg``: a load in kg, finite and not negative (an argparse type)."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"expected a load in kg (0 or more), got {text!r}")
    return value


def loads_kg(text: str) -> tuple[float, ...]:
    """``--load-kg`` of ``record``: a load in kg, or one per set (``60,60,62.5``) (an argparse type)."""
    return tuple(load_kg(item) for item in text.split(","))


def analyze_path(path: Path, args: argparse.Namespace, load_kg: float | None = None) -> SetReport:
    """Load and analyse one recording or export with the ``--exercise`` / ``--tempo`` options, and the
    set's load when given (it replaces the file's); results beyond physical bounds are refused (shared
    by ``analyze``, ``report`` and ``plot``)."""
    from imuhinge.io.load import load_any

    return analyze_recording(load_any(path), args, load_kg)


def analyze_recording(
    recording: Recording, args: argparse.Namespace, load_kg: float | None = None
) -> SetReport:
    """``analyze_path`` of a recording already loaded."""
    from imuhinge.analysis.replay import analyze
    from imuhinge.report.bounds import check_physical_bounds

    if load_kg is not None:
        recording.metadata["load_kg"] = f"{load_kg:g}"
    report = analyze(recording, args.exercise, args.tempo, hold_s=args.hold_target)
    check_physical_bounds(report)
    return report


def analyze_any(
    path: Path, args: argparse.Namespace, load_kg: float | None = None
) -> SetReport | list[SessionSet]:
    """``analyze_path``, or for a whole-session recording (``analysis.session``) each set's report;
    ``load_kg`` is then every set's load."""
    from imuhinge.analysis.session import SessionLoads, analyze_session, is_session
    from imuhinge.io.load import load_any
    from imuhinge.report.bounds import check_physical_bounds

    recording = load_any(path)
    if not is_session(recording.metadata):
        return analyze_recording(recording, args, load_kg)
    loads = None if load_kg is None else SessionLoads((load_kg,))
    sets = analyze_session(recording, args.exercise, args.tempo, loads, hold_s=args.hold_target)
    for item in sets:
        check_physical_bounds(item.report)
    return sets


def run(args: argparse.Namespace) -> int:
    """Analyse FILE and write the HTML report (a whole session's: its sets, then each set's); a set
    without reps is still a valid report."""
    from imuhinge.io.output import check_output, output_file
    from imuhinge.report.html import write_html

    path, out = Path(args.path), Path(args.output)
    check_output(out, force=args.force, inputs=[path])
    analysed = analyze_any(path, args)
    if not isinstance(analysed, SetReport):
        from imuhinge.report.html import session_to_html

        with output_file(out, force=args.force, inputs=[path]) as temp:
            temp.write_text(session_to_html(analysed, f"{path.name}: a whole session"), encoding="utf-8")
        print(f"wrote {out} ({len(analysed)} sets, {sum(s.report.rep_count for s in analysed)} reps)")
        return 0
    report = analysed
    with output_file(out, force=args.force, inputs=[path]) as temp:
        write_html(report, temp, title=path.name)
    reps = f"{report.rep_count} reps" if report.reps else "no full reps found"
    print(f"wrote {out} ({reps})")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``report`` subcommand."""
    p = sub.add_parser(
        "report",
        help="self-contained HTML report of a recording",
        description="Analyse a recording and write one HTML file: figures, per-rep table, verdicts, "
        "cues and what the set could and could not measure.",
        epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("path", metavar="FILE", help="a recording (CSV v1) or a phone or vendor export")
    p.add_argument("-o", "--output", required=True, metavar="OUT.html", help="the HTML file to write")
    p.add_argument("--force", action="store_true", help="replace an existing OUT.html (never a recording)")
    add_analysis_options(p)
    p.set_defaults(func=run)
