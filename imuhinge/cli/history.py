"""``imuhinge history``: the training log as a table, load progression advice and a trend plot."""

from __future__ import annotations

import argparse
from pathlib import Path

from imuhinge.errors import InputError
from imuhinge.log.location import default_db_path, resolve_db_path
from imuhinge.model import Exercise

EXAMPLE = """examples:
  imuhinge analyze recordings/rdl_8reps_two_sensors.csv --load-kg 60 --log    (log a set first)
  imuhinge history
  imuhinge history --exercise rdl --plot rdl_trend.png
  imuhinge history --html training.html   (sessions, weeks, sets, advice and trends on one page)
  imuhinge history --check                (list every problem of the log: damaged or hand-edited rows)
"""


def _check(db: Path) -> int:
    """Print every problem of the log; exit status 2 when there are any."""
    from imuhinge.log.training_log import check_log

    n_sets, problems = check_log(db)
    for problem in problems:
        print(problem)
    if problems:
        raise InputError(f"{len(problems)} problems in {n_sets} sets (listed above)", db)
    print(f"training log {db}: {n_sets} sets, no problems found")
    return 0


def run(args: argparse.Namespace) -> int:
    """Print the logged sets and the advice; draw the trends with ``--plot``; ``--check`` the log."""
    from imuhinge.io.output import check_outputs, output_file
    from imuhinge.log.progress import format_progress
    from imuhinge.log.training_log import format_sessions, load_sessions, progression_advice

    db = resolve_db_path(args.db)
    if args.check:
        return _check(db)
    if args.plot is not None:
        from imuhinge.report.plots import figure_format

        figure_format(args.plot)
    check_outputs([args.plot, args.html], force=args.force, inputs=[db])
    sets = load_sessions(db, args.exercise)
    if not sets:
        which = f" for {args.exercise}" if args.exercise else ""
        if args.plot is not None or args.html is not None:
            raise InputError(f"no sets logged{which}: nothing to plot", db)
        print(f"no sets logged{which} in {db} (log a set with: imuhinge analyze FILE --log)")
        return 0
    print(f"training log: {db}")
    print(format_sessions(sets))
    print()
    print(format_progress(sets))
    print()
    print("advice:")
    print(progression_advice(sets))
    if args.plot is not None:
        from imuhinge.report.plots import plot_history, save_figure

        with output_file(args.plot, force=args.force, inputs=[db]) as temp:
            save_figure(plot_history(sets), temp)
        print(f"wrote {args.plot}")
    if args.html is not None:
        from imuhinge.log.history_html import history_to_html
        from imuhinge.report.plots import figure_to_png, plot_history

        page = history_to_html(sets, f"training log: {db}", figure_to_png(plot_history(sets)))
        with output_file(args.html, force=args.force, inputs=[db]) as temp:
            temp.write_text(page, encoding="utf-8")
        print(f"wrote {args.html}")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``history`` subcommand."""
    p = sub.add_parser(
        "history",
        help="logged sets, progress and load advice",
        description="Show the training log: one line per set (date, exercise, load, reps, tempo "
        "adherence, depth, spine), each session's sets x reps x load and form, each week's, and when "
        "to add load (after 2-3 sets of 8-12 with every rep on tempo and spine).",
        epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--exercise", choices=[e.value for e in Exercise], help="only this exercise")
    p.add_argument(
        "--db",
        type=Path,
        metavar="PATH",
        help=f"training log (default: $IMUHINGE_DB, else {default_db_path()})",
    )
    p.add_argument("--plot", type=Path, metavar="OUT", help="draw depth, tempo, spine and load over time")
    p.add_argument(
        "--html", type=Path, metavar="OUT", help="one HTML page: sessions, weeks, sets, advice and trends"
    )
    p.add_argument("--force", action="store_true", help="replace an existing --plot or --html file")
    p.add_argument(
        "--check", action="store_true", help="check the log: integrity and every row (skipped rows named)"
    )
    p.set_defaults(func=run)
