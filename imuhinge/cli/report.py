"""``imuhinge report``: one self-contained HTML report of a recorded set."""

from __future__ import annotations

import argparse
from pathlib import Path

from imuhinge.coaching.tempo import DEFAULT_TEMPO
from imuhinge.model import Exercise, Recording, SetReport

EXAMPLE = """example:
  imuhinge report recordings/rdl_two_sensors.csv -o rdl.html
"""


def add_analysis_options(parser: argparse.ArgumentParser) -> None:
    """``--exercise`` and ``--tempo``, as ``analyze`` takes them; shared by ``report`` and ``plot``."""
    parser.add_argument(
        "--exercise",
        choices=[e.value for e in Exercise],
        help="exercise (default: from the file, else rdl)",
    )
    parser.add_argument(
        "--tempo", help=f"target tempo, e.g. 3-1-2, 3-2-1 (default: file, else {DEFAULT_TEMPO})"
    )


def analyze_path(path: Path, args: argparse.Namespace) -> SetReport:
    """Load and analyse one recording or export with the ``--exercise`` / ``--tempo`` options; results
    beyond physical bounds are refused (shared by ``analyze``, ``report`` and ``plot``)."""
    from imuhinge.io.load import load_any

    return analyze_recording(load_any(path), args)


def analyze_recording(recording: Recording, args: argparse.Namespace) -> SetReport:
    """``analyze_path`` of a recording already loaded."""
    from imuhinge.analysis.replay import analyze
    from imuhinge.report.bounds import check_physical_bounds

    report = analyze(recording, args.exercise, args.tempo)
    check_physical_bounds(report)
    return report


def run(args: argparse.Namespace) -> int:
    """Analyse FILE and write the HTML report (a whole session's: its sets, then each set's); a set
    without reps is still a valid report."""
    from imuhinge.io.output import check_output, output_file
    from imuhinge.report.html import write_html

    path, out = Path(args.path), Path(args.output)
    check_output(out, force=args.force, inputs=[path])
    from imuhinge.analysis.session import analyze_session, is_session
    from imuhinge.io.load import load_any

    recording = load_any(path)
    if is_session(recording.metadata):
        from imuhinge.report.bounds import check_physical_bounds
        from imuhinge.report.html import session_to_html

        sets = analyze_session(recording, args.exercise, args.tempo)
        for item in sets:
            check_physical_bounds(item.report)
        with output_file(out, force=args.force, inputs=[path]) as temp:
            temp.write_text(session_to_html(sets, f"{path.name}: a whole session"), encoding="utf-8")
        print(f"wrote {out} ({len(sets)} sets, {sum(s.report.rep_count for s in sets)} reps)")
        return 0
    report = analyze_recording(recording, args)
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
