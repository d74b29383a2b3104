"""``python -m imuhinge``."""

from imuhinge.cli import main

raise SystemExit(main())
