"""Where the training log lives: the platform's per-user data folder, ``$IMUHINGE_DB`` or a given path.

Kept apart from ``training_log`` so that a command can name the log (its ``--help`` does) without
importing the log's reading and writing.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def default_db_path() -> Path:
    """The platform's per-user data location of the training log."""
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        xdg = os.environ.get("XDG_DATA_HOME", "")
        # The XDG spec says to ignore a relative XDG_DATA_HOME.
        base = Path(xdg) if os.path.isabs(xdg) else Path.home() / ".local" / "share"
    return base / "imuhinge" / "history.sqlite"


def resolve_db_path(db: Path | str | None = None) -> Path:
    """The training log to use: ``db`` if given, else ``$IMUHINGE_DB``, else ``default_db_path()``."""
    if db:
        return Path(db).expanduser()
    env = os.environ.get("IMUHINGE_DB")
    return Path(env).expanduser() if env else default_db_path()
