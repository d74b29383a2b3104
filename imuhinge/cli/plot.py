"""``imuhinge plot``: rep-quality figures of a recorded set as PNG, SVG or PDF."""

from __future__ import annotations

import argparse
from pathlib import Path

from imuhinge.cli.report import add_analysis_options, analyze_path
from imuhinge.errors import AnalysisError

# --kind: the figure function of imuhinge.report.plots that draws it
KINDS = {
    "dashboard": "plot_dashboard",
    "timeline": "plot_timeline",
    "tempo": "plot_tempo",
    "depth": "plot_depth_spine",
    "overlay": "plot_overlay",
}
EXAMPLE = """examples:
  imuhinge plot recordings/rdl_8reps_two_sensors.csv -o rdl.png
  imuhinge plot recordings/rdl_rushed_6reps.csv -o tempo.svg --kind tempo
"""


def run(args: argparse.Namespace) -> int:
    """Analyse FILE and save the chosen figure; per-rep figures of a set without reps are refused."""
    from imuhinge.io.output import check_output, output_file
    from imuhinge.report import plots

    path, out = Path(args.path), Path(args.output)
    plots.figure_format(out)
    check_output(out, force=args.force, inputs=[path])
    report = analyze_path(path, args)
    if not report.reps and args.kind != "timeline":
        partials = f" ({len(report.partials)} partial movements)" if report.partials else ""
        raise AnalysisError(
            f"no full reps found{partials}: nothing to plot for --kind {args.kind} "
            "(--kind timeline shows the angle over time)",
            path,
        )
    with output_file(out, force=args.force, inputs=[path]) as temp:
        plots.save_figure(getattr(plots, KINDS[args.kind])(report), temp)
    print(f"wrote {out}")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``plot`` subcommand."""
    p = sub.add_parser(
        "plot",
        help="rep-quality figures of a recording (PNG, SVG or PDF)",
        description="Analyse a recording and draw its timeline, tempo, depth and spine, or all reps "
        "overlaid; the format follows the output's extension (.png, .svg, .pdf).",
        epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("path", metavar="FILE", help="a recording (CSV v1) or a phone or vendor export")
    p.add_argument("-o", "--output", required=True, metavar="OUT", help="figure file: .png, .svg or .pdf")
    p.add_argument(
        "--kind", choices=list(KINDS), default="dashboard", help="which figure (default dashboard)"
    )
    p.add_argument("--force", action="store_true", help="replace an existing OUT (never a recording)")
    add_analysis_options(p)
    p.set_defaults(func=run)
