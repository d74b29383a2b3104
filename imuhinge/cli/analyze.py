"""``imuhinge analyze``: replay a recording (or a folder of them) into the per-rep table and verdicts."""

from __future__ import annotations

import argparse
from contextlib import closing
from pathlib import Path

from imuhinge.analysis.session import SESSION_KEY, SessionSet
from imuhinge.cli.report import add_hold_option, analyze_any, load_kg
from imuhinge.coaching.tempo import DEFAULT_TEMPO
from imuhinge.errors import ImuhingeError, InputError
from imuhinge.model import Exercise, SetReport

EXAMPLE = """examples:
  imuhinge analyze recordings/rdl_8reps_two_sensors.csv
  imuhinge analyze recordings/rdl_rushed_6reps.csv --exercise rdl --tempo 3-2-1 --json set.json --csv reps.csv
  imuhinge analyze recordings/rdl_8reps_two_sensors.csv --load-kg 60 --log   (into the training log)
  imuhinge analyze recordings/ --jobs 2   (every recording in the folder, one summary line each)
  imuhinge analyze phyphox-export.zip     (phone exports directly: phyphox, Sensor Logger, MetaWear, Polar)
"""


def _write_outputs(
    analysed: SetReport | list[SessionSet],
    json_out: Path | None,
    csv_out: Path | None,
    args: argparse.Namespace,
    path: Path,
) -> None:
    """The JSON report and per-rep CSV of a set, or of a session's sets."""
    from imuhinge.io.output import output_file
    from imuhinge.report import write_json, write_rep_csv
    from imuhinge.report.session import write_session_json, write_session_rep_csv

    for out, kind in ((json_out, "json"), (csv_out, "csv")):
        if out is None:
            continue
        with output_file(out, force=args.force, inputs=_inputs(path, args)) as temp:
            if isinstance(analysed, SetReport):
                (write_json if kind == "json" else write_rep_csv)(analysed, temp)
            elif kind == "json":
                session_id = analysed[0].report.metadata.get(SESSION_KEY) if analysed else None
                write_session_json(analysed, session_id, temp)
            else:
                write_session_rep_csv(analysed, temp)


def _inputs(path: Path, args: argparse.Namespace) -> list[Path]:
    """The files one analysis reads: the recording, and the training log with ``--log``."""
    from imuhinge.log.location import resolve_db_path

    return [path, *([resolve_db_path(args.db)] if args.log else [])]


def _summary_lines(path: Path, analysed: SetReport | list[SessionSet]) -> list[tuple[str, SetReport]]:
    """One line per set (a whole session's: each of its sets), with its report."""
    if isinstance(analysed, SetReport):
        return [(_summary_line(path, analysed), analysed)]
    return [(_summary_line(path, s.report, f" set {s.cut.number}"), s.report) for s in analysed]


def _summary_line(path: Path, report: SetReport, which: str = "") -> str:
    frac = report.summary.tempo_ok_fraction
    tempo = "-" if frac is None else f"{100 * frac:.0f}%"
    depth = report.summary.depth_deg.mean
    depth_txt = "-" if depth is None else f"{depth:.0f}°"
    return (
        f"{path.name}{which}: {report.rep_count} reps, tempo on target {tempo}, depth {depth_txt}, "
        f"{len(report.cues) + sum(len(r.cues) for r in report.reps)} cues"
    )


def _run_folder(folder: Path, args: argparse.Namespace) -> int:
    from imuhinge.cli.folder import analyze_files, default_jobs, folder_files
    from imuhinge.io.output import check_outputs

    if args.jobs is not None and args.jobs < 1:
        raise InputError(f"--jobs: must be at least 1, got {args.jobs}")
    files = folder_files(folder)

    def outputs(path: Path) -> tuple[Path | None, Path | None]:
        stem = path.name.removesuffix(".partial").removesuffix(".csv").removesuffix(".zip")
        return (
            args.json / f"{stem}.json" if args.json else None,
            args.csv / f"{stem}.reps.csv" if args.csv else None,
        )

    refused = {}
    for path in files:
        try:
            check_outputs(list(outputs(path)), force=args.force, inputs=_inputs(path, args))
        except ImuhingeError as exc:
            refused[path] = str(exc)
    options = argparse.Namespace(
        exercise=args.exercise, tempo=args.tempo, hold_target=args.hold_target, load_kg=args.load_kg
    )
    todo = [p for p in files if p not in refused]
    results = analyze_files(todo, options, args.jobs or default_jobs())
    status = 0
    with closing(results):  # the bar ends before the command returns
        for path in files:
            error, report = refused.get(path), None
            if error is None:
                result = next(results)
                error, report = result.error, result.report
            if report is not None:
                try:
                    _write_outputs(report, *outputs(path), args, path)
                except ImuhingeError as exc:
                    error = str(exc)
            if error is not None or report is None:
                print(f"{path.name}: error: {error}")
                status = 2
                continue
            for line, one in _summary_lines(path, report):
                print(line)
                log_report(one, args)
    return status


def check_log_options(args: argparse.Namespace) -> None:
    """Refuse ``--db`` without ``--log`` before any work is done (shared with ``record``)."""
    if args.db is not None and not args.log:
        raise InputError("--db names the training log for --log; add --log to log this set")


def log_line(report: SetReport, args: argparse.Namespace) -> str | None:
    """Append the set to the training log when ``--log`` was given; returns what happened in words."""
    if not args.log:
        return None
    from imuhinge.log.location import resolve_db_path
    from imuhinge.log.training_log import DuplicateSetError, log_set

    try:
        set_id = log_set(report, args.db)
    except DuplicateSetError as exc:
        return f"not logged again: {exc}"
    return f"logged as set #{set_id} in {resolve_db_path(args.db)}"


def log_report(report: SetReport, args: argparse.Namespace) -> None:
    """Append the set to the training log when ``--log`` was given, and say so (shared with ``record``)."""
    line = log_line(report, args)
    if line is not None:
        print(line)


def run(args: argparse.Namespace) -> int:
    """Analyse FILE or every recording in FOLDER."""
    from imuhinge.io.load import is_export_folder
    from imuhinge.io.output import output_folder

    check_log_options(args)
    path = Path(args.path)
    if path.is_dir() and not is_export_folder(path):
        for out in (args.json, args.csv):
            if out is not None:
                output_folder(out, inputs=[path])
        return _run_folder(path, args)
    from imuhinge.io.output import check_outputs
    from imuhinge.report import format_report

    check_outputs([args.json, args.csv], force=args.force, inputs=_inputs(path, args))
    analysed = analyze_any(path, args, args.load_kg)
    if isinstance(analysed, SetReport):
        print(format_report(analysed, title=str(path)))
    else:
        from imuhinge.report.session import format_session, set_line

        for item in analysed:
            print(format_report(item.report, title=f"{path}, {set_line(item)}"))
            print()
        print(format_session(analysed, title=f"{path}: a whole session, split at rests"))
    _write_outputs(analysed, args.json, args.csv, args, path)
    for _, report in _summary_lines(path, analysed):
        log_report(report, args)
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``analyze`` subcommand."""
    p = sub.add_parser(
        "analyze",
        help="reps, phases, tempo and form verdicts of a recording",
        description="Replay a recording: every rep, its phases and tempo against the target, cues.",
        epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "path",
        metavar="FILE|FOLDER",
        help="a recording (CSV v1), a phone or vendor export, or a folder of them",
    )
    p.add_argument(
        "--exercise",
        choices=[e.value for e in Exercise],
        help="exercise (default: from the file, else rdl)",
    )
    p.add_argument(
        "--tempo", help=f"target tempo, e.g. 3-1-2, 3-2-1, 31X0 (default: file, else {DEFAULT_TEMPO})"
    )
    add_hold_option(p)
    p.add_argument(
        "--load-kg", type=load_kg, metavar="KG", help="the load lifted (replaces the file's; for --log)"
    )
    p.add_argument("--json", type=Path, metavar="OUT", help="write the JSON report (a folder for FOLDER)")
    p.add_argument("--csv", type=Path, metavar="OUT", help="write the per-rep CSV (a folder for FOLDER)")
    p.add_argument("--force", action="store_true", help="replace existing outputs (never a recording)")
    p.add_argument(
        "--jobs",
        "-j",
        type=int,
        metavar="N",
        help="FOLDER: files analysed at once (default: the number of CPUs); same results, same order",
    )
    add_log_options(p)
    p.set_defaults(func=run)


def add_log_options(p: argparse.ArgumentParser) -> None:
    """``--log`` and ``--db``: append the set to the training log."""
    p.add_argument("--log", action="store_true", help="append the set(s) to the training log")
    p.add_argument("--db", type=Path, metavar="PATH", help="training log for --log (default: $IMUHINGE_DB)")
