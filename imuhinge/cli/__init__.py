"""Command-line interface: argument parsing and printing only; the work happens in the Python API.

Each subcommand lives in its own module with a ``register(subparsers)`` function that adds its parser
and sets ``func(args) -> int``. Building the parser imports every command module, so those modules
import the analysis, plotting, BLE and simulation stacks inside the functions that use them: a command
pays only for what it runs, and ``imuhinge --version`` or ``--help`` import none of it.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from importlib import import_module

from imuhinge import __version__
from imuhinge.errors import ImuhingeError

COMMAND_MODULES = ("simulate", "analyze", "record", "scan", "report", "plot", "history", "import_")


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line and exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    """Build the ``imuhinge`` parser with every subcommand registered."""
    parser = _Parser(
        prog="imuhinge",
        description="Hip-hinge training analysis from back-worn IMUs.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"imuhinge {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log output (-vv: debug)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMAND_MODULES:
        import_module(f"imuhinge.cli.{name}").register(sub)
    for command in sub.choices.values():
        # After the command too (`imuhinge analyze FILE -v`); unset there, the count before it stands.
        command.add_argument(
            "-v", "--verbose", action="count", default=argparse.SUPPRESS, help="more log output (-vv: debug)"
        )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status (0 ok, 2 bad input or arguments)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    # -v and -vv open up imuhinge's own log, not the libraries' (matplotlib's debug log is long).
    logging.getLogger("imuhinge").setLevel(logging.WARNING - 10 * min(args.verbose, 2))
    logging.captureWarnings(True)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except ImuhingeError as exc:
        sys.stderr.write(f"imuhinge {args.command}: error: {exc}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return 130
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, with the status a SIGPIPE gives.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
