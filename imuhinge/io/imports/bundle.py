"""The files of a phone or vendor export: a zip archive, a folder, or one file and the files beside it.

Exports come as a zip (phyphox, Sensor Logger), an unpacked folder, or loose files that belong
together (a MetaWear or Polar accelerometer file and its gyroscope file). A ``Bundle`` lists them by
their name inside the export, so a format reader looks at what the export holds, wherever it is.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from imuhinge.errors import InputError

MAX_MEMBER_BYTES = 1 << 30
MAX_MEMBERS = 10_000
FIRST_LINE_BYTES = 4096


@dataclass(frozen=True)
class Member:
    """One file of an export.

    Attributes
    ----------
    name : str
        Its path inside the export, ``/``-separated (``Accelerometer.csv``, ``meta/time.csv``).
    size : int
        Size in bytes (uncompressed).
    path : Path or None
        The file on disk, when it is one (None inside a zip).
    """

    name: str
    size: int
    path: Path | None
    _read: Callable[[], bytes] = field(repr=False, compare=False)

    @property
    def stem(self) -> str:
        """The file name without folder and extension, as an export names a sensor."""
        return PurePosixPath(self.name).stem

    def read_bytes(self) -> bytes:
        """The member's bytes.

        Raises
        ------
        InputError
            Too large, or unreadable.
        """
        if self.size > MAX_MEMBER_BYTES:
            raise InputError(f"{self.name} is too large to import ({self.size} bytes)")
        try:
            return self._read()
        except (OSError, zipfile.BadZipFile, EOFError) as exc:
            raise InputError(f"cannot read {self.name}: {exc}") from None

    def read_text(self) -> str:
        """The member decoded as UTF-8 (a byte-order mark dropped; invalid bytes replaced)."""
        return self.read_bytes().decode("utf-8", errors="replace").removeprefix("\ufeff")

    def first_line(self) -> str:
        """The first line of the member, for recognising its format."""
        if self.path is not None:
            try:
                with open(self.path, "rb") as fh:
                    head = fh.read(FIRST_LINE_BYTES)
            except OSError as exc:
                raise InputError(f"cannot read: {exc.strerror}", self.path) from None
        else:
            head = self.read_bytes()[:FIRST_LINE_BYTES]
        text = head.decode("utf-8", errors="replace").removeprefix("\ufeff")
        return text.split("\n", 1)[0].rstrip("\r")


@dataclass
class Bundle:
    """The members of one export, by name.

    Attributes
    ----------
    path : Path
        What the user named: the zip, the folder or the file.
    members : dict of str to Member
    single : bool
        True when ``path`` is one loose file (its partner files may lie beside it).
    """

    path: Path
    members: dict[str, Member]
    single: bool = False

    def neighbours(self) -> dict[str, Member]:
        """The other files in the folder of a single file (empty for a zip or a folder)."""
        if not self.single:
            return {}
        try:
            return {
                p.name: _file_member(p.name, p)
                for p in sorted(self.path.parent.iterdir())
                if p.is_file() and p != self.path and not p.name.startswith(".")
            }
        except OSError as exc:
            raise InputError(f"cannot list the folder: {exc.strerror}", self.path.parent) from None

    def find(self, stem: str) -> Member | None:
        """The member whose file name (without extension, any case) is ``stem``."""
        for member in self.members.values():
            if member.stem.lower() == stem.lower():
                return member
        return None

    def where(self, member: Member) -> str:
        """How messages name a member: its file, or ``archive.zip:member`` inside an archive."""
        return str(member.path) if member.path is not None else f"{self.path}:{member.name}"

    def input_paths(self) -> list[Path]:
        """Every file on disk this bundle reads from (to refuse writing over one of them)."""
        paths = [self.path]
        paths += [m.path for m in self.members.values() if m.path is not None]
        return paths


def _file_member(name: str, path: Path) -> Member:
    return Member(name, path.stat().st_size, path, path.read_bytes)


def _zip_members(path: Path) -> dict[str, Member]:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(f"not a readable zip archive ({exc})", path) from None
    infos = [i for i in archive.infolist() if not i.is_dir() and not i.filename.startswith("__MACOSX/")]
    if len(infos) > MAX_MEMBERS:
        raise InputError(f"the archive holds {len(infos)} files; an export holds a few", path)
    names = [PurePosixPath(i.filename) for i in infos]
    # Some exports wrap everything in one folder: name members from inside it.
    tops = {n.parts[0] for n in names if len(n.parts) > 1}
    strip = len(tops) == 1 and all(len(n.parts) > 1 for n in names)
    members = {}
    for info, name in zip(infos, names, strict=True):
        inner = str(PurePosixPath(*name.parts[1:])) if strip else str(name)

        def read(info: zipfile.ZipInfo = info) -> bytes:
            with zipfile.ZipFile(path) as z:
                return z.read(info)

        members[inner] = Member(inner, info.file_size, None, read)
    return members


def _folder_members(path: Path) -> dict[str, Member]:
    members = {}
    for file in sorted(path.rglob("*")):
        if file.is_file() and not file.name.startswith("."):
            members[file.relative_to(path).as_posix()] = _file_member(file.relative_to(path).as_posix(), file)
            if len(members) > MAX_MEMBERS:
                raise InputError("the folder holds too many files to be one export", path)
    return members


def open_bundle(path: str | os.PathLike[str]) -> Bundle:
    """The files of the export at ``path``: a zip, a folder, or a single file.

    Raises
    ------
    InputError
        Missing, empty, or not a regular file, folder or zip.
    """
    path = Path(path)
    try:
        if path.is_dir():
            return Bundle(path, _folder_members(path))
        if not path.exists():
            raise InputError("no such file", path)
        if not path.is_file():
            raise InputError("not a regular file", path)
        if path.stat().st_size == 0:
            raise InputError("empty file", path)
        if zipfile.is_zipfile(path):
            return Bundle(path, _zip_members(path))
        return Bundle(path, {path.name: _file_member(path.name, path)}, single=True)
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", path) from None


def _common_start(a: str, b: str) -> int:
    """How many characters two names share at their start."""
    return next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))


def find_pair(
    bundle: Bundle, is_acc: Callable[[str], bool], is_gyr: Callable[[str], bool]
) -> tuple[Member | None, Member | None]:
    """An accelerometer file and its gyroscope file, recognised by their first lines.

    Loggers that write one file per sensor (MetaWear, Polar Sensor Logger) name the two files of a
    recording alike. The accelerometer is taken from the bundle (for a single file: that file, if
    it is one); the gyroscope from the bundle or, for a single file, from the files beside it, the
    one whose name shares the longest beginning with the accelerometer's.
    """
    pool = [*bundle.members.values(), *bundle.neighbours().values()]
    given = next(iter(bundle.members)) if bundle.single else ""
    accs = [m for m in pool if is_acc(m.first_line())]
    acc = max(
        accs,
        key=lambda m: (m.name in bundle.members, _common_start(m.name, given)),
        default=None,
    )
    gyros = [m for m in pool if m is not acc and is_gyr(m.first_line())]
    reference = acc.name if acc is not None else given
    return acc, max(gyros, key=lambda m: _common_start(m.name, reference), default=None)
