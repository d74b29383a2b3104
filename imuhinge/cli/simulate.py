"""``imuhinge simulate``: write a synthetic set and its ground truth."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from imuhinge.cli.report import add_hold_option
from imuhinge.coaching.tempo import DEFAULT_TEMPO, parse_hold, parse_tempo
from imuhinge.errors import InputError
from imuhinge.model import PLACEMENTS, Exercise

if TYPE_CHECKING:
    from imuhinge.sim import SimConfig

MIN_REST_BETWEEN_S = 15.0  # room to stand, turn and walk between two sets

EXAMPLE = """examples:
  imuhinge simulate --exercise rdl --reps 8 --tempo 3-1-2 --sensors upper_back,sacrum --out set.csv
  imuhinge simulate --reps 8,10,6 --rest-between-s 90 --walk-between-s 40 --out session.csv
  imuhinge simulate --round 6:20,7:25 --lean-back 8:10 --packet-loss 0.05 --mounting random --out s.csv
  imuhinge simulate --lifter-tempo 2-0-1 --out rushed.csv     (a lifter rushing the 3-1-2 target)
  imuhinge simulate --exercise hinge_hold --reps 3 --hold-s 10-20 --lifter-hold-s 8 --out hold.csv
  imuhinge simulate --exercise hip_thrust --sensors upper_back,sacrum --arch 4:18 --fatigue 0.03 --out t.csv
  imuhinge simulate --sensors upper_back,sacrum,head --head-drop 3:20 --look-around --out head.csv
"""


def _rep_values(text: str, option: str, reps: str) -> dict[int, float]:
    """Parse ``6:20,7:25`` (rep number: degrees) into a dict; every rep must be one of ``--reps``
    (counted over the sets of a session)."""
    total = sum(_set_reps(reps))
    out: dict[int, float] = {}
    for item in filter(None, text.split(",")):
        try:
            rep, value = item.split(":")
            out[int(rep)] = float(value)
        except ValueError:
            raise InputError(f"{option}: expected REP:DEGREES[,REP:DEGREES...], got {item!r}") from None
        if not 1 <= int(rep) <= total:
            raise InputError(f"{option}: rep {int(rep)} is not in the set (--reps {reps}: 1 to {total})")
    return out


def _set_reps(text: str) -> tuple[int, ...]:
    """Parse ``--reps``: ``8``, or one count per set: ``8,10,6``."""
    try:
        sets = tuple(int(item) for item in text.split(","))
    except ValueError:
        raise InputError(f"--reps: expected N or N,N,... (reps of each set), got {text!r}") from None
    if min(sets) < 1:
        raise InputError(f"--reps: every set needs at least 1 rep, got {text!r}")
    return sets


def _sensor_values(text: str, option: str) -> dict[str, float]:
    """Parse ``sacrum:100`` (placement: value) into a dict."""
    out: dict[str, float] = {}
    for item in filter(None, text.split(",")):
        try:
            placement, value = item.split(":")
            out[placement] = float(value)
        except ValueError:
            raise InputError(f"{option}: expected PLACEMENT:VALUE, got {item!r}") from None
        if placement not in PLACEMENTS:
            raise InputError(f"{option}: unknown placement {placement!r} (use {', '.join(PLACEMENTS)})")
    return out


def add_motion_options(parser: argparse.ArgumentParser, *lifter_tempo_aliases: str) -> None:
    """Options that shape simulated motion; shared by ``simulate`` and ``record --simulate``.

    ``--tempo`` is always the target (each command adds it); the tempo the simulated lifter follows is
    ``--lifter-tempo`` (also accepted under ``lifter_tempo_aliases``), by default the target.
    """
    g = parser.add_argument_group("simulated motion")
    g.add_argument("--exercise", default="rdl", choices=[e.value for e in Exercise])
    g.add_argument(
        "--reps",
        default="8",
        metavar="N[,N...]",
        help="reps (default 8); one number per set, e.g. 8,10,6, simulates a session with rests",
    )
    g.add_argument(
        "--rest-between-s", type=float, default=60.0, help="rest between sets of a session (default 60)"
    )
    g.add_argument(
        "--walk-between-s", type=float, default=0.0, help="walking about during each rest (default 0)"
    )
    g.add_argument(
        "--lifter-tempo",
        *lifter_tempo_aliases,
        dest="lifter_tempo",
        metavar="TEMPO",
        help="tempo the simulated lifter follows (default: the target, --tempo)",
    )
    g.add_argument("--sensors", default="upper_back", help="placements, comma separated")
    g.add_argument("--depth-deg", type=float, help="trunk flexion at the bottom")
    g.add_argument("--round", default="", metavar="REP:DEG,...", help="lumbar rounding on chosen reps")
    g.add_argument("--lean-back", default="", metavar="REP:DEG,...", help="lean-back at lockout")
    g.add_argument("--head-drop", default="", metavar="REP:DEG,...", help="neck flexion at the bottom")
    g.add_argument("--neck-crane", default="", metavar="REP:DEG,...", help="neck extension at the bottom")
    g.add_argument("--look-around", action="store_true", help="the head turns on its own between and in reps")
    g.add_argument("--partial-after", default="", metavar="REP:DEG,...", help="partial reps")
    g.add_argument(
        "--arch", default="", metavar="REP:DEG,...", help="hip thrust: lower back arching at the top"
    )
    g.add_argument("--short", default="", metavar="REP:DEG,...", help="hip thrust: lockout short by DEG")
    g.add_argument(
        "--fatigue", type=float, default=0.0, metavar="FRACTION", help="rising speed lost per rep (e.g. 0.03)"
    )
    g.add_argument("--squat", action="store_true", help="knee-dominant (squatting) pattern")
    g.add_argument(
        "--lifter-hold-s", type=float, default=15.0, help="hinge_hold: how long the lifter holds (default 15)"
    )
    g.add_argument("--side", choices=["left", "right"], default="right", help="standing leg (SL-RDL)")
    g.add_argument("--variability", type=float, default=0.04, help="rep-to-rep tempo sd (fraction)")
    g.add_argument("--walk-in-s", type=float, default=0.0)
    g.add_argument("--walk-out-s", type=float, default=0.0)
    g.add_argument("--quiet-s", type=float, default=4.0, help="quiet standing before the first rep")
    g.add_argument("--mounting", choices=["default", "random"], default="default")
    g.add_argument("--rate-hz", type=float, default=100.0, help="sample rate (default 100)")
    g.add_argument("--gyro-bias-dps", type=float, default=0.0)
    g.add_argument("--acc-offset-g", type=float, default=0.0)
    g.add_argument("--packet-loss", type=float, default=0.0, help="fraction of packets lost")
    g.add_argument("--drift-ppm", default="", metavar="PLACEMENT:PPM,...", help="sensor clock drift")
    g.add_argument("--clock-offset-s", default="", metavar="PLACEMENT:S,...", help="clock offset")
    g.add_argument("--seed", type=int, default=0)


def config_from_args(args: argparse.Namespace) -> SimConfig:
    """Build a SimConfig from the motion options, rejecting bad values with an InputError."""
    from imuhinge.sim import SimConfig

    sensors = tuple(s.strip() for s in args.sensors.split(",") if s.strip())
    bad = [s for s in sensors if s not in PLACEMENTS]
    if bad or not sensors or len(set(sensors)) != len(sensors):
        raise InputError(f"--sensors: expected one to three of {', '.join(PLACEMENTS)}, got {args.sensors!r}")
    sets = _set_reps(args.reps)
    if len(sets) > 1 and args.rest_between_s < MIN_REST_BETWEEN_S:
        raise InputError(
            f"--rest-between-s: at least {MIN_REST_BETWEEN_S:g} s between sets, got {args.rest_between_s:g}"
        )
    if args.walk_between_s < 0:
        raise InputError(f"--walk-between-s: must not be negative, got {args.walk_between_s:g}")
    if not 0.0 <= args.packet_loss < 0.5:
        raise InputError(f"--packet-loss: must be in [0, 0.5), got {args.packet_loss}")
    if args.rate_hz < 10 or args.rate_hz > 1000:
        raise InputError(f"--rate-hz: must be between 10 and 1000, got {args.rate_hz}")
    if not 0.0 <= args.fatigue < 0.2:
        raise InputError(f"--fatigue: must be in [0, 0.2), got {args.fatigue}")
    parse_tempo(args.target_tempo)
    if args.hold_target is not None:
        parse_hold(args.hold_target)
    if args.lifter_hold_s <= 0:
        raise InputError(f"--lifter-hold-s: must be positive, got {args.lifter_hold_s}")
    lifter = args.lifter_tempo or args.target_tempo
    parse_tempo(lifter)
    return SimConfig(
        exercise=Exercise(args.exercise),
        reps=sets[0],
        sets=sets if len(sets) > 1 else (),
        rest_between_s=args.rest_between_s,
        walk_between_s=args.walk_between_s,
        tempo=lifter,
        target_tempo=args.target_tempo,
        depth_deg=args.depth_deg,
        tempo_sd_fraction=args.variability,
        rounded_reps=_rep_values(args.round, "--round", args.reps),
        lean_back_reps=_rep_values(args.lean_back, "--lean-back", args.reps),
        head_drop_reps=_rep_values(args.head_drop, "--head-drop", args.reps),
        neck_crane_reps=_rep_values(args.neck_crane, "--neck-crane", args.reps),
        look_around=args.look_around,
        partial_after=_rep_values(args.partial_after, "--partial-after", args.reps),
        arched_reps=_rep_values(args.arch, "--arch", args.reps),
        incomplete_reps=_rep_values(args.short, "--short", args.reps),
        fatigue_per_rep=args.fatigue,
        squat=args.squat,
        hold_s=args.lifter_hold_s,
        side=args.side,
        quiet_before_s=args.quiet_s,
        walk_in_s=args.walk_in_s,
        walk_out_s=args.walk_out_s,
        sensors=sensors,
        random_mounting=args.mounting == "random",
        sample_rate_hz=args.rate_hz,
        gyro_bias_dps=args.gyro_bias_dps,
        acc_offset_g=args.acc_offset_g,
        packet_loss=args.packet_loss,
        clock_drift_ppm=_sensor_values(args.drift_ppm, "--drift-ppm"),
        clock_offset_s=_sensor_values(args.clock_offset_s, "--clock-offset-s"),
        seed=args.seed,
    )


def run(args: argparse.Namespace) -> int:
    """Simulate, write the CSV and ``NAME.truth.json``, and print one line of what was written."""
    from imuhinge.io import save_recording
    from imuhinge.io.output import check_output
    from imuhinge.sim import simulate, truth_path, write_truth

    out = Path(args.out)
    check_output(out, force=args.force, recording=True)
    check_output(truth_path(out), force=args.force)
    sim = simulate(config_from_args(args))
    if args.hold_target is not None:
        sim.recording.metadata["hold_s"] = args.hold_target
    save_recording(sim.recording, out, force=args.force)
    truth = write_truth(sim.truth, out, force=args.force)
    n = sum(len(s) for s in sim.recording.sensors.values())
    print(
        f"wrote {out} ({n} samples, {sim.truth['rep_count']} reps, "
        f"{sim.recording.duration_s:.1f} s) and {truth}"
    )
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``simulate`` subcommand."""
    p = sub.add_parser(
        "simulate",
        help="write a synthetic hinge set with ground truth",
        description="Simulate a hinge set (physically consistent IMU data) and its ground truth.",
        epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_motion_options(p)
    p.add_argument(
        "--tempo",
        dest="target_tempo",
        metavar="TEMPO",
        default=DEFAULT_TEMPO,
        help=f"target tempo written into the file, what analyze judges against (default {DEFAULT_TEMPO})",
    )
    add_hold_option(p)
    p.add_argument("--out", "-o", default="set.csv", help="output CSV (truth goes to NAME.truth.json)")
    p.add_argument(
        "--force", action="store_true", help="replace existing files that are not recordings (never one)"
    )
    p.set_defaults(func=run)
