"""``imuhinge scan``: supported sensors nearby, with profile and signal strength."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from imuhinge.errors import InputError
from imuhinge.sources.ble import require_ble

if TYPE_CHECKING:
    from imuhinge.sources.ble.scan import FoundSensor

EXAMPLE = """examples:
  imuhinge scan                 (5 s)
  imuhinge scan --timeout-s 10
  imuhinge scan --simulate      (emulated sensors of every profile, no hardware)
"""


async def _scan_simulated(timeout_s: float) -> list[FoundSensor]:
    import numpy as np

    from imuhinge.sources.ble.scan import scan
    from imuhinge.sources.emulated.ble import VirtualSensor
    from imuhinge.sources.emulated.ble.sensor import EMULATIONS
    from imuhinge.sources.emulated.bumble_backend import BumbleLink, bumble_backend

    link = BumbleLink().make_current()
    still = np.tile([0.0, 0.0, 1.0], (10, 1)), np.zeros((10, 3))
    sensors = [VirtualSensor(kind, *still, 100.0, link=link) for kind in EMULATIONS]
    for s in sensors:
        await s.start()
    try:
        return await scan(timeout_s, backend=bumble_backend(link))
    finally:
        for s in sensors:
            await s.stop()


def run(args: argparse.Namespace) -> int:
    """Scan and print one line per supported sensor, strongest first."""
    if args.timeout_s <= 0:
        raise InputError(f"--timeout-s: must be positive, got {args.timeout_s}")
    require_ble()
    import asyncio

    from imuhinge.sources.ble.scan import scan

    found = asyncio.run(_scan_simulated(args.timeout_s) if args.simulate else scan(args.timeout_s))
    if not found:
        print("no supported sensor found (is it on, charged, and not connected to a phone?)")
        return 0
    print(f"{'profile':<12} {'name':<24} {'address':<20} {'RSSI':>6}")
    for f in found:
        print(f"{f.profile.name:<12} {f.name or '-':<24} {f.address:<20} {f.rssi:>4} dBm")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``scan`` subcommand."""
    p = sub.add_parser(
        "scan",
        help="list supported sensors nearby",
        description=__doc__.split(":")[1].strip(),
        epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--timeout-s", type=float, default=5.0, help="how long to listen (default 5)")
    p.add_argument("--simulate", action="store_true", help="scan emulated sensors instead of the radio")
    p.set_defaults(func=run)
