"""Where imuhinge may write: one rule for every file a command writes.

- An output that is an input of the same command is refused, always.
- An output path that is not a regular file (a folder, a FIFO, a device, a socket) is refused.
- A recording (a file that starts with the format line, or a ``.partial``) or a database is never
  replaced, not even with ``--force``: what was recorded is never lost.
- Any other existing file is replaced only with ``--force``.
- An output's folder must exist and be writable.
- The output is written to a temporary file in the same folder (``NAME.partial`` for a recording)
  and renamed over the final name only when complete, after the rule is checked once more: an
  interrupted or failed write leaves the old file (or none) in place, never half a file.

Refusals are :class:`~imuhinge.errors.InputError`: one line, exit status 2.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from imuhinge.errors import InputError
from imuhinge.io.header import FORMAT_PREFIX, PARTIAL_SUFFIX

PROTECTED_HEADS = (FORMAT_PREFIX.encode("ascii"), b"SQLite format 3\x00")
_BOM = b"\xef\xbb\xbf"
CUT_OFF = "already exists (a recording that was cut off?): move it away first"
_HEAD_BYTES = max(len(h) for h in PROTECTED_HEADS) + len(_BOM)
_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
    (stat.S_ISSOCK, "a socket"),
)


def partial_path(path: Path) -> Path:
    """``NAME.partial``: where a recording is written until it is complete."""
    return path.with_name(path.name + PARTIAL_SUFFIX)


def special_file_kind(mode: int) -> str:
    """What a file that is not a regular file is, in words."""
    return next((words for test, words in _KINDS if test(mode)), "not a regular file")


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _is_protected(path: Path) -> bool:
    """True for a recording (format line or ``.partial``) or a database, judged by its first bytes."""
    if path.name.endswith(PARTIAL_SUFFIX):
        return True
    try:
        with open(path, "rb") as fh:
            head = fh.read(_HEAD_BYTES)
    except OSError:
        return True  # what cannot be read cannot be judged safe to replace
    return head.removeprefix(_BOM).startswith(PROTECTED_HEADS)


def check_output(
    path: str | os.PathLike[str],
    *,
    force: bool = False,
    inputs: Iterable[str | os.PathLike[str]] = (),
    recording: bool = False,
    force_option: str | None = "--force",
) -> Path:
    """Refuse an output path unless writing there destroys nothing; return the file to write.

    A symbolic link is followed: the file it points to is the one replaced.

    Parameters
    ----------
    path : str or PathLike
        The output.
    force : bool
        Replace an existing regular file that is neither an input, a recording nor a database.
    inputs : iterable of str or PathLike
        The files the command reads.
    recording : bool
        The output is a recording: its ``NAME.partial`` must not exist either (a recording that
        was cut off there).
    force_option : str or None
        The option that sets ``force``, named in the refusal; None when the command has none.

    Returns
    -------
    Path
        The file to write (``path`` with symbolic links resolved).

    Raises
    ------
    InputError
        When the rule refuses the path.
    """
    given = Path(path)
    if not given.parent.is_dir():
        raise InputError(f"cannot write: the folder {given.parent} does not exist", given)
    if not os.access(given.parent, os.W_OK):
        raise InputError(f"cannot write: the folder {given.parent} is read-only", given)
    target = Path(os.path.realpath(given))
    for source in inputs:
        if _same_file(given, Path(source)) or _same_file(target, Path(source)):
            raise InputError("is an input of this command: choose another output", given)
    if recording and os.path.lexists(partial_path(target)):
        raise InputError(CUT_OFF, partial_path(given))
    try:
        mode = os.stat(target).st_mode
    except FileNotFoundError:
        return target
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror}", given) from None
    if not stat.S_ISREG(mode):
        raise InputError(f"is {special_file_kind(mode)}, not a regular file: refusing to write to it", given)
    if _is_protected(target):
        raise InputError("is a recording or a database: imuhinge never replaces one", given)
    if not force:
        hint = f" or add {force_option} to replace it" if force_option else ""
        raise InputError(f"already exists: choose another name{hint}", given)
    return target


def check_outputs(
    paths: Sequence[str | os.PathLike[str] | None],
    *,
    force: bool = False,
    inputs: Iterable[str | os.PathLike[str]] = (),
) -> None:
    """:func:`check_output` for each of a command's outputs (None: not asked for), and no two the same.

    Raises
    ------
    InputError
        When the rule refuses one of them, or two name the same file.
    """
    inputs = list(inputs)
    seen: list[Path] = []
    for path in paths:
        if path is None:
            continue
        target = check_output(path, force=force, inputs=inputs)
        if target in seen:
            raise InputError("is named for two outputs of this command", Path(path))
        seen.append(target)


def output_folder(path: str | os.PathLike[str], *, inputs: Iterable[str | os.PathLike[str]] = ()) -> Path:
    """A folder for a command's outputs, created when missing; never an input folder.

    Raises
    ------
    InputError
        When the folder is an input of the command, is not a folder, or cannot be created.
    """
    folder = Path(path)
    for source in inputs:
        if _same_file(folder, Path(source)):
            raise InputError("is the folder being read: write the outputs to another folder", folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise InputError("is not a folder: the outputs of a folder go to a folder", folder) from None
    except OSError as exc:
        raise InputError(f"cannot create the folder: {exc.strerror}", folder) from None
    return folder


def _create_temp(target: Path, recording: bool) -> Path:
    """Create the temporary file beside ``target`` (exclusively: nothing there is ever truncated)."""
    while True:
        # A hidden name that keeps the extension (writers choose their format by it).
        hidden = target.with_name(f".{target.stem}.{secrets.token_hex(4)}{target.suffix}")
        temp = partial_path(target) if recording else hidden
        try:
            os.close(os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        except FileExistsError:
            if recording:
                raise InputError(CUT_OFF, temp) from None
            continue
        except OSError as exc:
            raise InputError(f"cannot write: {exc.strerror}", target) from None
        return temp


def _sync(path: Path) -> None:
    fd = os.open(path, os.O_RDWR)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def commit_output(
    temp: Path,
    path: str | os.PathLike[str],
    *,
    force: bool = False,
    inputs: Iterable[str | os.PathLike[str]] = (),
    recording: bool = False,
    force_option: str | None = "--force",
) -> Path:
    """Rename a complete, synced temporary file over ``path``, checking the rule once more just
    before (something may have appeared there meanwhile).

    When the rule now refuses, or the rename fails, a recording's ``temp`` (its ``NAME.partial``) is
    kept and the error says where; any other ``temp`` is removed.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    InputError
        When the rule refuses ``path`` or the file cannot be renamed.
    """
    try:
        # The check is made without ``recording``: the .partial is ``temp`` itself here.
        target = check_output(path, force=force, inputs=inputs, force_option=force_option)
        os.replace(temp, target)
    except (InputError, OSError) as exc:
        problem = exc.problem if isinstance(exc, InputError) else f"cannot write: {exc.strerror}"
        if recording:
            problem += f" (the recording is kept in {temp})"
        else:
            with contextlib.suppress(OSError):
                temp.unlink()
        raise InputError(problem, Path(path)) from None
    return target


@contextlib.contextmanager
def output_file(
    path: str | os.PathLike[str],
    *,
    force: bool = False,
    inputs: Iterable[str | os.PathLike[str]] = (),
    recording: bool = False,
    force_option: str | None = "--force",
) -> Iterator[Path]:
    """Write an output under the rule: yields a new, empty temporary file beside ``path`` to write,
    renamed over ``path`` when the ``with`` block completes and removed when it fails.

    Parameters are those of :func:`check_output`. A failed write (a full disk, for example) raises
    InputError naming ``path``, which is left as it was.

    Examples
    --------
    >>> with output_file("set.json", force=True, inputs=["set.csv"]) as temp:  # doctest: +SKIP
    ...     temp.write_text("{}")
    """
    inputs = list(inputs)
    target = check_output(path, force=force, inputs=inputs, recording=recording, force_option=force_option)
    temp = _create_temp(target, recording)
    try:
        yield temp
        _sync(temp)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            temp.unlink()
        if isinstance(exc, OSError):
            raise InputError(f"cannot write: {exc.strerror or exc}", Path(path)) from None
        if isinstance(exc, InputError) and exc.path == str(temp):
            # A writer that reports its own errors named the temporary file.
            raise InputError(exc.problem, Path(path), exc.line) from None
        raise
    commit_output(temp, path, force=force, inputs=inputs, recording=recording, force_option=force_option)
