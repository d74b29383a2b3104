"""``imuhinge analyze``: replay a recording (or a folder of them) into the per-rep table and verdicts."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from imuhinge.cli.report import analyze_path
from imuhinge.errors import ImuhingeError, InputError
from imuhinge.io.output import check_outputs, output_file, output_folder
from imuhinge.log.training_log import DuplicateSetError, log_set, resolve_db_path
from imuhinge.model import Exercise, SetReport
from imuhinge.report import format_report, write_json, write_rep_csv

EXAMPLE = """examples:
  imuhinge analyze recordings/rdl_two_sensors.csv
  imuhinge analyze set.csv --exercise rdl --tempo 3-2-1 --json set.json --csv reps.csv
  imuhinge analyze recordings/          (every CSV in the folder, one summary line each)
"""


def _write_outputs(
    report: SetReport, json_out: Path | None, csv_out: Path | None, args: argparse.Namespace
) -> None:
    for out, writer in ((json_out, write_json), (csv_out, write_rep_csv)):
        if out is not None:
            with output_file(out, force=args.force, inputs=_inputs(Path(args.path), args)) as temp:
                writer(report, temp)


def _inputs(path: Path, args: argparse.Namespace) -> list[Path]:
    """The files one analysis reads: the recording, and the training log with ``--log``."""
    return [path, *([resolve_db_path(args.db)] if args.log else [])]


def _summary_line(path: Path, report: SetReport) -> str:
    frac = report.summary.get("tempo_ok_fraction")
    tempo = "-" if frac is None else f"{100 * float(frac):.0f}%"
    depth = (report.summary.get("depth_deg") or {}).get("mean")
    depth_txt = "-" if depth is None else f"{depth:.0f}°"
    return (
        f"{path.name}: {report.rep_count} reps, tempo on target {tempo}, depth {depth_txt}, "
        f"{len(report.cues) + sum(len(r.cues) for r in report.reps)} cues"
    )


def _run_folder(folder: Path, args: argparse.Namespace) -> int:
    files = sorted(p for p in folder.iterdir() if p.suffix in (".csv", ".partial") and p.is_file())
    if not files:
        raise InputError("no recordings (*.csv) in this folder", folder)
    status = 0
    for i, path in enumerate(files, start=1):
        sys.stderr.write(f"\r[{'#' * (20 * i // len(files)):<20}] {i}/{len(files)} {path.name[:40]:<40}")
        sys.stderr.flush()
        stem = path.name.removesuffix(".partial").removesuffix(".csv")
        json_out = args.json / f"{stem}.json" if args.json else None
        csv_out = args.csv / f"{stem}.reps.csv" if args.csv else None
        try:
            check_outputs([json_out, csv_out], force=args.force, inputs=_inputs(path, args))
            report = analyze_path(path, args)
            _write_outputs(report, json_out, csv_out, args)
        except ImuhingeError as exc:
            print(f"{path.name}: error: {exc}")
            status = 2
            continue
        print(_summary_line(path, report))
        log_report(report, args)
    sys.stderr.write("\n")
    return status


def check_log_options(args: argparse.Namespace) -> None:
    """Refuse ``--db`` without ``--log`` before any work is done (shared with ``record``)."""
    if args.db is not None and not args.log:
        raise InputError("--db names the training log for --log; add --log to log this set")


def log_report(report: SetReport, args: argparse.Namespace) -> None:
    """Append the set to the training log when ``--log`` was given (shared with ``record``)."""
    if not args.log:
        return
    try:
        set_id = log_set(report, args.db)
    except DuplicateSetError as exc:
        print(f"not logged again: {exc}")
        return
    print(f"logged as set #{set_id} in {resolve_db_path(args.db)}")


def run(args: argparse.Namespace) -> int:
    """Analyse FILE or every recording in FOLDER."""
    check_log_options(args)
    path = Path(args.path)
    if path.is_dir():
        for out in (args.json, args.csv):
            if out is not None:
                output_folder(out, inputs=[path])
        return _run_folder(path, args)
    check_outputs([args.json, args.csv], force=args.force, inputs=_inputs(path, args))
    report = analyze_path(path, args)
    print(format_report(report, title=str(path)))
    _write_outputs(report, args.json, args.csv, args)
    log_report(report, args)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``analyze`` subcommand."""
    p = sub.add_parser(
        "analyze",
        help="reps, phases, tempo and form verdicts of a recording",
        description="Replay a recording: every rep, its phases and tempo against the target, cues.",
        epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("path", metavar="FILE|FOLDER", help="a recording (CSV v1) or a folder of them")
    p.add_argument(
        "--exercise",
        choices=[e.value for e in Exercise],
        help="exercise (default: from the file, else rdl)",
    )
    p.add_argument("--tempo", help="target tempo, e.g. 3-1-2, 3-2-1, 31X0 (default: file, else 3-1-2)")
    p.add_argument("--json", type=Path, metavar="OUT", help="write the JSON report (a folder for FOLDER)")
    p.add_argument("--csv", type=Path, metavar="OUT", help="write the per-rep CSV (a folder for FOLDER)")
    p.add_argument("--force", action="store_true", help="replace existing outputs (never a recording)")
    add_log_options(p)
    p.set_defaults(func=run)


def add_log_options(p: argparse.ArgumentParser) -> None:
    """``--log`` and ``--db``: append the set to the training log."""
    p.add_argument("--log", action="store_true", help="append the set(s) to the training log")
    p.add_argument("--db", type=Path, metavar="PATH", help="training log for --log (default: $IMUHINGE_DB)")
