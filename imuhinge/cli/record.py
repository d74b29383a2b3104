"""``imuhinge record``: record a set over Bluetooth LE with a live view, then the replay summary."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from imuhinge.analysis.live import LiveStatus
from imuhinge.analysis.replay import analyze
from imuhinge.cli.analyze import add_log_options, check_log_options, log_report
from imuhinge.cli.simulate import add_motion_options, config_from_args
from imuhinge.coaching.tempo import describe_tempo, parse_tempo
from imuhinge.errors import ImuhingeError, InputError
from imuhinge.io import load_recording
from imuhinge.io.output import check_output
from imuhinge.model import Exercise, Rep
from imuhinge.report import format_report
from imuhinge.report.bounds import check_physical_bounds
from imuhinge.sources.ble import require_ble
from imuhinge.sources.ble.profiles import PROFILES

if TYPE_CHECKING:
    from imuhinge.recorder import RecordOptions
    from imuhinge.sources.ble.supervisor import SensorStatus, SensorTarget

EXAMPLE = """examples:
  imuhinge record --upper-back WT901BLE --tempo 3-1-2 --load-kg 60      (a WitMotion on the upper back)
  imuhinge record --sensors upper_back,sacrum --profile diy --log        (two DIY sensors, found by scan)
  imuhinge record --simulate --speed 10 --reps 8 --out set.csv           (no hardware: emulated sensor)
  imuhinge record --simulate --disconnect-at-s 30 --sim-tempo 2-0-1      (a dropout, a rushed lifter)
Ctrl-C ends the set; the recording is kept (NAME.partial while recording).
"""


def _rep_line(rep: Rep) -> str:
    tempo = "/".join(
        "-" if v is None else f"{v:.1f}" for v in (rep.eccentric_s, rep.bottom_s, rep.concentric_s)
    )
    verdict = {None: "", True: " on target", False: " OFF target"}[rep.tempo_ok]
    cues = f" | {'; '.join(rep.cues)}" if rep.cues else ""
    depth = "-" if rep.peak_trunk_flexion_deg is None else f"{rep.peak_trunk_flexion_deg:.0f}°"
    return f"rep {rep.index}: {tempo} s down/pause/up, depth {depth}{verdict}{cues}"


class LiveView:
    """Terminal output while recording: one updating line on a terminal, plain lines otherwise."""

    def __init__(self, tty: bool, beep: bool):
        self.tty = tty
        self.beep = beep
        self._phase = ""
        self._last_rep = ""

    def status(self, s: SensorStatus) -> None:
        self._print(
            f"{s.placement}: {s.state.value}"
            + (f" ({s.sensor.description})" if s.sensor else "")
            + (f" - {s.last_error}" if s.last_error else "")
        )

    def live(self, s: LiveStatus) -> None:
        for rep in s.new_reps:
            self._last_rep = _rep_line(rep)
            self._print(self._last_rep)
        if self.beep and s.phase != self._phase and s.phase in ("lowering", "bottom", "rising", "top"):
            sys.stdout.write("\a")
        self._phase = s.phase
        if self.tty:
            angle = "  -  " if s.trunk_flexion_deg is None else f"{s.trunk_flexion_deg:5.1f}°"
            sys.stdout.write(f"\r{s.time_s:7.1f} s  {s.phase:<11} trunk {angle}  reps {s.rep_count}   ")
            sys.stdout.flush()

    def _print(self, line: str) -> None:
        sys.stdout.write(("\r\033[K" if self.tty else "") + line + "\n")
        sys.stdout.flush()


def _targets(args: argparse.Namespace) -> list[SensorTarget]:
    from imuhinge.sources.ble.supervisor import SensorTarget

    placements = [p.strip() for p in args.sensors.split(",") if p.strip()]
    chosen = {"upper_back": args.upper_back, "sacrum": args.sacrum}
    placements += [p for p, v in chosen.items() if v and p not in placements]
    targets = []
    for p in placements:
        who = chosen.get(p)
        is_address = who is not None and (who.count(":") == 5 or who.count("-") == 4)
        targets.append(
            SensorTarget(
                p,
                name=None if is_address else who,
                address=who if is_address else None,
                profile=args.profile,
                rate_hz=args.rate_hz,
            )
        )
    return targets


async def _record_hardware(opts: RecordOptions, view: LiveView, max_outage_s: float):
    from imuhinge.recorder import record

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    with contextlib.suppress(NotImplementedError, RuntimeError):  # Windows: Ctrl-C raises instead
        loop.add_signal_handler(signal.SIGINT, stop.set)
    return await record(opts, until=stop, on_status=view.status, on_live=view.live, max_outage_s=max_outage_s)


def run(args: argparse.Namespace) -> int:
    """Record, then print the same summary ``analyze`` gives for the saved file."""
    check_log_options(args)
    require_ble()
    from imuhinge.recorder import RecordOptions, record_simulated
    from imuhinge.sources.emulated.ble import Faults

    parse_tempo(args.target_tempo)
    if args.profile is not None and args.profile not in PROFILES:
        raise InputError(f"--profile: unknown {args.profile!r} (known: {', '.join(PROFILES)})")
    if args.simulate and args.profile is None:
        args.profile = "diy"
    out = Path(args.out or datetime.now().strftime("set-%Y%m%d-%H%M%S.csv"))
    check_output(out, recording=True, force_option=None)
    metadata = {"load_kg": f"{args.load_kg:g}"} if args.load_kg is not None else {}
    exercise = Exercise(args.exercise)
    opts = RecordOptions(
        _targets(args), out, exercise, args.target_tempo, args.rate_hz, metadata, args.duration_s
    )
    view = LiveView(sys.stdout.isatty(), args.beep)
    print(f"recording {exercise.value} to {out}; target {describe_tempo(parse_tempo(args.target_tempo))}")
    try:
        if args.simulate:
            cfg = config_from_args(args)
            faults = Faults(
                loss=args.loss,
                duplicate=args.duplicate,
                reorder=args.reorder,
                disconnect_at_s=tuple(args.disconnect_at_s),
                max_mtu=args.mtu,
                seed=args.seed,
            )
            session = record_simulated(
                opts,
                cfg,
                faults,
                args.speed,
                on_status=view.status,
                on_live=view.live,
                max_outage_s=args.max_outage_s,
            )
        else:
            session = _record_hardware(opts, view, args.max_outage_s)
        path, _, sup = asyncio.run(session)
    except KeyboardInterrupt:
        path, sup = (out if out.exists() else None), None
    except ImuhingeError:
        kept = [p for p in (out, out.with_name(out.name + ".partial")) if p.exists()]
        if kept:
            sys.stderr.write(f"what was recorded is kept in {kept[0]}\n")
        raise
    if path is None:
        raise InputError("no samples arrived; nothing was recorded")
    if sup is not None and sup.gaps:
        missing = sum(g.missing_samples for g in sup.gaps)
        print(f"{len(sup.gaps)} gaps during the set ({missing} samples missing); no rep is joined across one")
    report = analyze(load_recording(path))
    check_physical_bounds(report)
    print(format_report(report, title=f"{path} (replayed)"))
    log_report(report, args)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``record`` subcommand."""
    p = sub.add_parser(
        "record",
        help="record a set over Bluetooth LE with a live view",
        description="Record a set from one or two BLE sensors: live rep count, phase, tempo and cues, "
        "a crash-safe CSV, and at the end the same summary as `imuhinge analyze`.",
        epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--out", "-o", help="recording to write (default: set-DATE-TIME.csv)")
    p.add_argument("--tempo", dest="target_tempo", default="3-1-2", help="target tempo (default 3-1-2)")
    p.add_argument(
        "--upper-back", metavar="NAME|ADDRESS", help="sensor for the upper back (default: first found)"
    )
    p.add_argument("--sacrum", metavar="NAME|ADDRESS", help="sensor for the sacrum (adds the placement)")
    p.add_argument("--profile", help=f"only sensors of this profile ({', '.join(PROFILES)})")
    p.add_argument("--duration-s", type=float, help="stop after this long (default: Ctrl-C)")
    p.add_argument("--load-kg", type=float, help="load, for the training log")
    p.add_argument(
        "--max-outage-s",
        type=float,
        default=60.0,
        help="give up when a sensor stays away this long (default 60)",
    )
    p.add_argument("--beep", action="store_true", help="audible cue (terminal bell) at phase changes")
    add_log_options(p)
    sim = p.add_argument_group("no hardware: --simulate streams a simulated set through emulated sensors")
    sim.add_argument("--simulate", action="store_true", help="record from emulated sensors (Bumble)")
    sim.add_argument("--speed", type=float, default=1.0, help="emulation speed (1 = real time)")
    sim.add_argument(
        "--disconnect-at-s",
        type=float,
        action="append",
        default=[],
        metavar="S",
        help="the sensor drops the link at this stream time (repeatable)",
    )
    sim.add_argument("--loss", type=float, default=0.0, help="fraction of notifications lost")
    sim.add_argument("--duplicate", type=float, default=0.0, help="fraction of notifications sent twice")
    sim.add_argument("--reorder", type=float, default=0.0, help="fraction of notifications swapped")
    sim.add_argument("--mtu", type=int, choices=[23, 247], default=247, help="largest ATT MTU")
    add_motion_options(p, lifter_tempo_flag="--sim-tempo")
    p.set_defaults(func=run)
