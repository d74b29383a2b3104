"""``imuhinge import``: convert a phone or vendor export into a recording (CSV format v1)."""

from __future__ import annotations

import argparse
from pathlib import Path

from imuhinge.model import PLACEMENTS

EXAMPLE = """examples:
  imuhinge import phyphox-export.zip -o set.csv                    (phyphox, accelerometer + gyroscope)
  imuhinge import 2026-11-18_19-33-20.zip -o set.csv --placement sacrum   (Sensor Logger, phone on the sacrum)
  imuhinge import MetaWear_2026-11-18T19.33.20.000_C9F4A1B2C3D4_Accelerometer_1.4.5.csv -o set.csv
                                                                   (its gyroscope file is found beside it)
  imuhinge import log.csv -o set.csv --columns time=t,acc_x=ax,acc_y=ay,acc_z=az,gyr_x=gx,gyr_y=gy,gyr_z=gz \\
      --units time=ms,acc=g,gyr=dps                                (any other CSV)
Recognised by content: phyphox exports (zip or CSV), Sensor Logger exports (zip or folder), MetaWear
MetaBase CSV, Polar Sensor Logger TXT. `imuhinge analyze` reads these directly too.
"""


def run(args: argparse.Namespace) -> int:
    """Import SRC into OUT and print one line of what was written."""
    from imuhinge.io.imports import write_import
    from imuhinge.io.imports.generic import parse_columns, parse_units

    columns = parse_columns(args.columns) if args.columns is not None else None
    if args.units is not None and columns is None:
        from imuhinge.errors import InputError

        raise InputError("--units goes with --columns (the known formats carry their own units)")
    units = parse_units(args.units) if columns is not None else None
    out = Path(args.output)
    recording = write_import(args.source, out, args.placement, args.force, columns, units)
    stream = recording.sensors[args.placement]
    print(
        f"wrote {out} ({recording.metadata['source']}, {len(stream)} samples at about "
        f"{recording.sample_rate_hz:g} Hz, {recording.duration_s:.1f} s, {args.placement})"
    )
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``import`` subcommand."""
    p = sub.add_parser(
        "import",
        help="convert a phone or vendor export into a recording (CSV v1)",
        description="Convert a phone or vendor export (recognised by its content) into a recording in "
        "the imuhinge CSV format v1, with the source named in its header. The accelerometer's "
        "timestamps are kept; the gyroscope is interpolated at them.",
        epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("source", metavar="SRC", help="an export: zip, folder or file")
    p.add_argument("-o", "--output", required=True, metavar="OUT.csv", help="the recording to write")
    p.add_argument(
        "--placement",
        choices=PLACEMENTS,
        default="upper_back",
        help="where the phone or sensor was worn (default upper_back)",
    )
    p.add_argument("--force", action="store_true", help="replace OUT if it exists (never an input)")
    p.add_argument(
        "--columns",
        metavar="MAP",
        help="read SRC as a plain CSV: time=COL,acc_x=COL,acc_y=COL,acc_z=COL,gyr_x=COL,gyr_y=COL,gyr_z=COL",
    )
    p.add_argument(
        "--units",
        metavar="UNITS",
        help="with --columns: time=s|ms|us|ns,acc=g|mps2,gyr=dps|rads (default time=s,acc=g,gyr=dps)",
    )
    p.set_defaults(func=run)
