"""``imuhinge record``: record a set from BLE sensors or phones with a live view, then the replay summary."""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from imuhinge.cli.analyze import add_log_options, check_log_options, log_report
from imuhinge.cli.record_session import (
    SessionView,
    add_session_options,
    check_options,
    load_option,
    metronome,
    session_metadata,
)
from imuhinge.cli.report import add_hold_option, loads_kg
from imuhinge.cli.simulate import add_motion_options, config_from_args
from imuhinge.coaching.tempo import DEFAULT_TEMPO, parse_tempo
from imuhinge.errors import ImuhingeError, InputError
from imuhinge.model import PLACEMENTS, Exercise
from imuhinge.sources import PHONE_APPS
from imuhinge.sources.ble import require_ble

if TYPE_CHECKING:
    from imuhinge.analysis.live import LiveAnalyzer, LiveStatus
    from imuhinge.cli.live_view import LiveView
    from imuhinge.recorder import Listener, RecordOptions, Sources
    from imuhinge.sources.ble.supervisor import SensorTarget
    from imuhinge.sources.emulated.ble import Faults
    from imuhinge.sources.emulated.phone import PhoneFaults
    from imuhinge.sources.phone import PhoneTarget

EXAMPLE = """examples:
  imuhinge record --upper-back WT901BLE --tempo 3-1-2 --load-kg 60      (a WitMotion on the upper back)
  imuhinge record --sensors upper_back,sacrum --profile diy --log        (two DIY sensors, found by scan)
  imuhinge record --simulate --speed 10 --reps 8 --out set.csv           (no hardware: emulated sensor)
  imuhinge record --simulate --speed 10 --disconnect-at-s 30 --lifter-tempo 2-0-1   (a dropout, rushing)
  imuhinge record --simulate --speed 10 --sensors upper_back,sacrum,head   (the virtual dowel: three sensors)
  imuhinge record --phone phyphox --address 192.168.1.23:8080             (a phone running phyphox)
  imuhinge record --phone sensorlogger --listen 0.0.0.0:8000              (Sensor Logger pushing to us)
  imuhinge record --phone sensorlogger --sacrum WT901BLE                  (phone up the back, BLE sensor low)
  imuhinge record --simulate --speed 10 --phone sensorlogger --wifi-drop-at-s 20   (a Wi-Fi drop)
  imuhinge record --simulate --speed 20 --session --reps 8,10,6 --walk-between-s 30 --load-kg 60,60,62.5
Ctrl-C ends the set; the recording is kept (NAME.partial while recording).
"""


def _targets(args: argparse.Namespace) -> list[SensorTarget]:
    from imuhinge.sources.ble.supervisor import SensorTarget

    chosen = {"upper_back": args.upper_back, "sacrum": args.sacrum, "head": args.head}
    # With phones, BLE sensors are only those named for a placement.
    placements = [] if args.phone else [p.strip() for p in args.sensors.split(",") if p.strip()]
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


def _phones(args: argparse.Namespace, taken: list[str]) -> list[PhoneTarget]:
    """One target per ``--phone``, with the i-th ``--address`` (phyphox) or ``--listen`` (Sensor
    Logger) of its kind and the i-th ``--phone-on`` (default: the placements left free, in order)."""
    from imuhinge.sources.phone import PhoneTarget, parse_address
    from imuhinge.sources.phone.phyphox import DEFAULT_PORT
    from imuhinge.sources.phone.sensorlogger import new_token

    free = [p for p in PLACEMENTS if p not in taken]
    placements = list(args.phone_on) + free[len(args.phone_on) :]
    if len(args.phone_on) > len(args.phone):
        raise InputError("--phone-on: one per --phone")
    addresses, listens = list(args.address), list(args.listen)
    phones = []
    for i, app in enumerate(args.phone):
        if i >= len(placements):
            raise InputError(
                f"--phone: no placement left for phone {i + 1} ({', '.join(PLACEMENTS)} are taken)"
            )
        if app == "phyphox":
            if not addresses and not args.simulate:
                raise InputError(
                    "--phone phyphox needs --address HOST:PORT (phyphox shows it under remote access)"
                )
            host, port = parse_address(addresses.pop(0), "--address", DEFAULT_PORT) if addresses else ("", 0)
            phones.append(PhoneTarget(placements[i], app, host, port))
        else:
            host, port = parse_address(listens.pop(0) if listens else "0.0.0.0:8000", "--listen", 8000)
            phones.append(PhoneTarget(placements[i], app, host, port, token=new_token()))
    if addresses or listens:
        raise InputError("--address and --listen: one for each --phone of that app")
    return phones


async def _record_hardware(
    opts: RecordOptions,
    view: LiveView,
    on_live: Callable[[LiveStatus], None],
    max_outage_s: float,
    listeners: list[Listener],
) -> tuple[Path | None, LiveAnalyzer | None, Sources]:
    import asyncio

    from imuhinge.recorder import record

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    with contextlib.suppress(NotImplementedError, RuntimeError):  # Windows: Ctrl-C raises instead
        loop.add_signal_handler(signal.SIGINT, stop.set)
    return await record(
        opts,
        until=stop,
        on_status=view.status,
        on_live=on_live,
        max_outage_s=max_outage_s,
        listeners=listeners,
    )


def _ble_faults(args: argparse.Namespace) -> Faults:
    from imuhinge.sources.emulated.ble import Faults

    return Faults(
        loss=args.loss,
        duplicate=args.duplicate,
        reorder=args.reorder,
        disconnect_at_s=tuple(args.disconnect_at_s),
        max_mtu=args.mtu,
        seed=args.seed,
    )


def _phone_faults(args: argparse.Namespace) -> PhoneFaults:
    from imuhinge.sources.emulated.phone import PhoneFaults

    drops = tuple((start_s, args.wifi_drop_s) for start_s in args.wifi_drop_at_s)
    return PhoneFaults(drops, duplicate=args.duplicate, reorder=args.reorder, seed=args.seed)


def run(args: argparse.Namespace) -> int:
    """Record, then print the same summary ``analyze`` gives for the saved file."""
    check_log_options(args)
    targets_needed = not args.phone or args.upper_back or args.sacrum or args.head
    if targets_needed:
        require_ble()
    import asyncio

    from imuhinge.analysis.replay import analyze
    from imuhinge.io import load_recording
    from imuhinge.io.output import check_output
    from imuhinge.recorder import RecordOptions, record_simulated
    from imuhinge.report import format_report
    from imuhinge.report.bounds import check_physical_bounds
    from imuhinge.sources.ble.profiles import PROFILES

    parse_tempo(args.target_tempo)
    if args.profile is not None and args.profile not in PROFILES:
        raise InputError(f"--profile: unknown {args.profile!r} (known: {', '.join(PROFILES)})")
    if args.simulate and args.profile is None:
        args.profile = "diy"
    exercise = Exercise(args.exercise)
    kind = "session" if args.session else "set"
    out = Path(args.out or datetime.now().strftime(f"{kind}-%Y%m%d-%H%M%S.csv"))
    check_output(out, recording=True, force_option=None)
    check_options(args, exercise, out)
    metadata = session_metadata(args, load_option(args))
    if args.hold_target is not None:
        metadata["hold_s"] = args.hold_target
    targets = _targets(args) if targets_needed else []
    phones = _phones(args, [t.placement for t in targets])
    opts = RecordOptions(
        targets, out, exercise, args.target_tempo, args.rate_hz, metadata, args.duration_s, phones
    )
    if args.simulate and phones:
        args.sensors = ",".join(p for p in PLACEMENTS if p in opts.placements)
    cfg = config_from_args(args) if args.simulate else None
    from imuhinge.cli.live_view import LiveView
    from imuhinge.report.wording import describe_tempo

    view = LiveView(sys.stdout.isatty(), args.beep, exercise, describe_tempo(parse_tempo(args.target_tempo)))
    print(f"recording {exercise.value} to {out}; target {view.target}")
    sets = SessionView(args, out, view) if args.session else None
    cues = metronome(args, exercise)
    listeners: list[Listener] = [*([sets.recorder] if sets else []), *([cues] if cues else [])]
    on_live = sets.live if sets else view.live
    try:
        if cfg is not None:
            session = record_simulated(
                opts,
                cfg,
                _ble_faults(args) if targets else None,
                args.speed,
                _phone_faults(args) if phones else None,
                on_status=view.status,
                on_live=on_live,
                max_outage_s=args.max_outage_s,
                listeners=listeners,
            )
        else:
            session = _record_hardware(opts, view, on_live, args.max_outage_s, listeners)
        with view.showing():
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
    if cues is not None and args.metronome_wav is not None:
        print(f"wrote {args.metronome_wav} ({len(cues.metronome.cues)} cues)")
    if sets is not None:
        print(sets.summary(path))
        return 0
    report = analyze(load_recording(path))
    check_physical_bounds(report)
    print(format_report(report, title=f"{path} (replayed)"))
    log_report(report, args)
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``record`` subcommand."""
    p = sub.add_parser(
        "record",
        help="record a set from BLE sensors or phones with a live view",
        description="Record a set from one to three BLE sensors or phones (phyphox, Sensor Logger): live "
        "rep count, phase, tempo and cues, a crash-safe CSV, and at the end the same summary as "
        "`imuhinge analyze`.",
        epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--out", "-o", help="recording to write (default: set-DATE-TIME.csv)")
    p.add_argument(
        "--tempo",
        dest="target_tempo",
        metavar="TEMPO",
        default=DEFAULT_TEMPO,
        help=f"target tempo (default {DEFAULT_TEMPO})",
    )
    add_hold_option(p)
    p.add_argument(
        "--upper-back", metavar="NAME|ADDRESS", help="sensor for the upper back (default: first found)"
    )
    p.add_argument("--sacrum", metavar="NAME|ADDRESS", help="sensor for the sacrum (adds the placement)")
    p.add_argument(
        "--head", metavar="NAME|ADDRESS", help="sensor on the back of the head (adds the placement)"
    )
    p.add_argument("--profile", help="only sensors of this profile (as `imuhinge scan` names them)")
    p.add_argument("--duration-s", type=float, help="stop after this long (default: Ctrl-C)")
    p.add_argument(
        "--load-kg",
        type=loads_kg,
        metavar="KG[,KG...]",
        help="load, for the training log (with --session: one per set, the last for the sets after)",
    )
    p.add_argument(
        "--max-outage-s",
        type=float,
        default=60.0,
        help="give up when a sensor stays away this long (default 60)",
    )
    p.add_argument("--beep", action="store_true", help="audible cue (terminal bell) at phase changes")
    phone = p.add_argument_group("phones over Wi-Fi (repeat --phone and its options for a second phone)")
    phone.add_argument(
        "--phone", action="append", default=[], choices=PHONE_APPS, help="record a phone running this app"
    )
    phone.add_argument(
        "--address", action="append", default=[], metavar="HOST:PORT", help="phyphox: the phone's address"
    )
    phone.add_argument(
        "--listen",
        action="append",
        default=[],
        metavar="HOST:PORT",
        help="Sensor Logger: where to receive its pushes (default 0.0.0.0:8000)",
    )
    phone.add_argument(
        "--phone-on",
        action="append",
        default=[],
        choices=PLACEMENTS,
        help="where the phone is worn (default: upper_back, or the placement no sensor has)",
    )
    add_session_options(p)
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
    sim.add_argument(
        "--duplicate", type=float, default=0.0, help="fraction of notifications or pushes sent twice"
    )
    sim.add_argument("--reorder", type=float, default=0.0, help="fraction of notifications or pushes swapped")
    sim.add_argument(
        "--wifi-drop-at-s",
        type=float,
        action="append",
        default=[],
        metavar="S",
        help="the phone leaves the Wi-Fi at this set time (repeatable)",
    )
    sim.add_argument("--wifi-drop-s", type=float, default=2.0, help="length of each Wi-Fi drop (default 2)")
    sim.add_argument("--mtu", type=int, choices=[23, 247], default=247, help="largest ATT MTU")
    add_motion_options(p, "--sim-tempo")
    p.set_defaults(func=run)
