"""``imuhinge analyze FOLDER``: every recording in a folder, on several processes, reported in order.

Each file is analysed by ``analyze_file`` (in a worker process with ``--jobs`` above 1, else here),
which keeps the file's log messages with its result; the results are then taken in file order: the
messages, the summary line, the outputs and the training log entry of one file after another, so the
output is the same whatever the number of jobs. On a terminal a progress bar runs below the lines.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Generator, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from imuhinge.errors import ImuhingeError, InputError
from imuhinge.model import SetReport

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress

    from imuhinge.analysis.session import SessionSet

LOGGER = "imuhinge"
SUFFIXES = (".csv", ".partial", ".zip")


def default_jobs() -> int:
    """The CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on every platform
        return os.cpu_count() or 1


def folder_files(folder: Path) -> list[Path]:
    """The recordings and exports of a folder, by name."""
    files = sorted(p for p in folder.iterdir() if p.suffix in SUFFIXES and p.is_file())
    if not files:
        raise InputError("no recordings (*.csv, *.zip) in this folder", folder)
    return files


@dataclass
class FileResult:
    """One file's analysis: its report (a whole session's: each set's) or its error, and what it
    logged (level, logger, message)."""

    report: SetReport | list[SessionSet] | None = None
    error: str | None = None
    messages: list[tuple[int, str, str]] = field(default_factory=list)


class _Keep(logging.Handler):
    def __init__(self, kept: list[tuple[int, str, str]]):
        super().__init__()
        self.kept = kept

    def emit(self, record: logging.LogRecord) -> None:
        self.kept.append((record.levelno, record.name, record.getMessage()))


def analyze_file(path: Path, options: argparse.Namespace, level: int) -> FileResult:
    """Analyse one file (``analyze_path`` with the command's options), keeping its log messages.

    Parameters
    ----------
    path : Path
    options : argparse.Namespace
        ``exercise``, ``tempo``, ``hold_target`` and ``load_kg`` as ``analyze`` takes them.
    level : int
        The log level of imuhinge's messages.
    """
    from imuhinge.cli.report import analyze_any

    result = FileResult()
    logger = logging.getLogger(LOGGER)
    handlers, propagate = logger.handlers, logger.propagate
    logger.handlers, logger.propagate = [_Keep(result.messages)], False
    logger.setLevel(level)
    try:
        result.report = analyze_any(path, options, options.load_kg)
    except ImuhingeError as exc:
        result.error = str(exc)
    finally:
        logger.handlers, logger.propagate = handlers, propagate
    return result


class _ConsoleHandler(logging.Handler):
    """Log lines through the progress bar's console, above the bar (never on its line)."""

    def __init__(self, console: Console):
        super().__init__()
        self.console = console
        self.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.console.print(self.format(record), markup=False, highlight=False, soft_wrap=True)


@contextmanager
def progress_bar(total: int) -> Iterator[Progress]:
    """A progress bar on stderr when it is a terminal (nothing otherwise); imuhinge's log goes above it,
    and so do printed lines when stdout is the terminal too."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    console = Console(stderr=True)
    progress = Progress(
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        TextColumn("{task.description}"),
        console=console,
        disable=not console.is_terminal,
        redirect_stdout=sys.stdout.isatty(),
        redirect_stderr=False,
    )
    logger = logging.getLogger(LOGGER)
    handler, propagate = _ConsoleHandler(console), logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        with progress:
            progress.add_task("", total=total)
            yield progress
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


def analyze_files(
    files: list[Path], options: argparse.Namespace, jobs: int
) -> Generator[FileResult, None, None]:
    """Each file's result, in order, from ``jobs`` processes (this one when 1); their messages logged
    here as each result is taken, and a progress bar on a terminal."""
    level = logging.getLogger(LOGGER).getEffectiveLevel()
    jobs = max(1, min(jobs, len(files)))
    pool: Executor | None = ProcessPoolExecutor(jobs) if jobs > 1 else None
    try:
        # Every file is handed out before the bar starts drawing (its thread is not copied into workers).
        futures: list[Future[FileResult]] = (
            [pool.submit(analyze_file, path, options, level) for path in files] if pool is not None else []
        )
        with progress_bar(len(files)) as progress:
            for i, path in enumerate(files):
                progress.update(progress.task_ids[0], description=path.name)
                result = futures[i].result() if pool is not None else analyze_file(path, options, level)
                for level_no, name, message in result.messages:
                    logging.getLogger(name).log(level_no, "%s", message)
                progress.advance(progress.task_ids[0])
                yield result
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
