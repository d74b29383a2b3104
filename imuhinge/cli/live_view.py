"""What ``imuhinge record`` shows while recording.

On a terminal: a panel redrawn a few times a second (rich), with the rep count in large block digits,
the phase and the trunk angle, readable from a few metres away, and the last rep's tempo, verdict and
cues; each rep, each sensor's news and each revised verdict also go above the panel as a line, so
the set stays in the scrollback. Anywhere else (a pipe, a file): those lines only. Colour follows the
terminal and ``NO_COLOR``.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from imuhinge.model import Exercise, Rep
from imuhinge.report.wording import cue_texts

if TYPE_CHECKING:
    from rich.console import RenderableType
    from rich.live import Live

    from imuhinge.analysis.live import LiveStatus
    from imuhinge.sources.ble.supervisor import SensorStatus
    from imuhinge.sources.phone.source import PhoneStatus

PHASES = ("lowering", "bottom", "rising", "top")
PHASE_STYLES = {
    "lowering": "bold cyan",
    "bottom": "bold magenta",
    "rising": "bold green",
    "top": "bold white",
}
# Digits five rows high, for the rep count.
BLOCK_DIGITS = {
    "0": ("███", "█ █", "█ █", "█ █", "███"),
    "1": (" █ ", "██ ", " █ ", " █ ", "███"),
    "2": ("███", "  █", "███", "█  ", "███"),
    "3": ("███", "  █", "███", "  █", "███"),
    "4": ("█ █", "█ █", "███", "  █", "  █"),
    "5": ("███", "█  ", "███", "  █", "███"),
    "6": ("███", "█  ", "███", "█ █", "███"),
    "7": ("███", "  █", "  █", "  █", "  █"),
    "8": ("███", "█ █", "███", "█ █", "███"),
    "9": ("███", "█ █", "███", "  █", "███"),
}


def block_number(value: int) -> str:
    """``value`` in block digits, five lines high."""
    digits = [BLOCK_DIGITS[d] for d in str(value)]
    return "\n".join(" ".join(d[row] for d in digits) for row in range(5))


def rep_line(rep: Rep, exercise: Exercise, spine_measured: bool) -> str:
    """One line for a rep as soon as it is found."""
    tempo = "/".join(
        "-" if v is None else f"{v:.1f}" for v in (rep.eccentric_s, rep.bottom_s, rep.concentric_s)
    )
    verdict = {None: "", True: " on target", False: " OFF target"}[rep.tempo_ok]
    cues = f" | {'; '.join(cue_texts(rep.cues, exercise))}" if rep.cues else ""
    depth = "-" if rep.peak_trunk_flexion_deg is None else f"{rep.peak_trunk_flexion_deg:.0f}°"
    if not spine_measured:
        spine = ", spine not measured (one sensor)"
    elif rep.peak_lumbar_flexion_deg is None:
        spine = ", lumbar not measured (no sacrum data)"
    elif exercise.lockout_reference and rep.lockout_lumbar_extension_deg is not None:
        spine = f", arch {rep.lockout_lumbar_extension_deg:.0f}°" + ("" if rep.spine_ok else " NOT neutral")
    else:
        spine = f", lumbar {rep.peak_lumbar_flexion_deg:.0f}°" + ("" if rep.spine_ok else " NOT neutral")
    speed = "" if rep.concentric_mean_speed_dps is None else f", up {rep.concentric_mean_speed_dps:.0f}°/s"
    if speed and rep.speed_loss_pct is not None:
        speed += f" ({-round(rep.speed_loss_pct):+d} %)"
    neck = ""
    if rep.peak_neck_flexion_deg is not None and rep.peak_neck_extension_deg is not None:
        neck = f", neck {rep.peak_neck_flexion_deg:+.0f}/-{rep.peak_neck_extension_deg:.0f}°"
        neck += "" if rep.neck_ok else " head OFF the dowel"
    return f"rep {rep.index}: {tempo} s down/pause/up, depth {depth}{verdict}{speed}{spine}{neck}{cues}"


def revised_line(rep: Rep, exercise: Exercise) -> str:
    """One line for a rep whose verdict changed once its last pause was known."""
    pause = rep.bottom_s if exercise.floor_start else rep.top_s
    where = (
        "at the floor"
        if exercise is Exercise.DEADLIFT
        else "at the bottom"
        if exercise.floor_start
        else "at the top"
    )
    held = "-" if pause is None else f"{pause:.1f} s"
    verdict = {None: "", True: ", on target", False: ", OFF target"}[rep.tempo_ok]
    cues = f" | {'; '.join(cue_texts(rep.cues, exercise))}" if rep.cues else ""
    return f"rep {rep.index} (after its pause {where}, {held}){verdict}{cues}"


class LiveView:
    """The recorder's callbacks (``status``, ``live``) drawn as a panel on a terminal, lines elsewhere.

    Parameters
    ----------
    tty : bool
        Whether stdout is a terminal (the panel is drawn only then).
    beep : bool
        Ring the terminal bell at each phase change.
    exercise : Exercise
    target : str
        The target in words, shown in the panel.
    """

    def __init__(self, tty: bool, beep: bool, exercise: Exercise, target: str = ""):
        self.tty = tty
        self.beep = beep
        self.exercise = exercise
        self.target = target
        self._live: Live | None = None
        self._last: LiveStatus | None = None
        self._last_rep: Rep | None = None
        self._spine_measured = False
        self._sensors: dict[str, str] = {}
        self._phase = ""
        self.note = ""  # a line of the recording's own in the panel (a session's set, or its rest)

    @contextmanager
    def showing(self) -> Iterator[None]:
        """Draw the panel (on a terminal) while recording."""
        if not self.tty:
            yield
            return
        from rich.console import Console
        from rich.live import Live

        with Live(self, console=Console(), refresh_per_second=8, transient=True) as live:
            self._live = live
            try:
                yield
            finally:
                self._live = None

    def status(self, s: SensorStatus | PhoneStatus) -> None:
        """A sensor's or phone's news: a line, and its state in the panel."""
        self._sensors[s.placement] = s.line()
        self._print(s.line())

    def live(self, s: LiveStatus) -> None:
        """The live analysis after a block: new reps and revised verdicts as lines, the panel's state."""
        for rep in s.new_reps:
            self._last_rep = rep
            self._print(rep_line(rep, self.exercise, s.spine_measured))
        for rep in s.revised_reps:
            self._print(revised_line(rep, self.exercise))
        if self.beep and s.phase != self._phase and s.phase in PHASES:
            sys.stdout.write("\a")
            sys.stdout.flush()
        self._phase = s.phase
        self._spine_measured = s.spine_measured
        self._last = s

    def line(self, text: str) -> None:
        """A line of the recording's own, above the panel (or on its own)."""
        self._print(text)

    def _print(self, line: str) -> None:
        if self._live is not None:
            self._live.console.print(line, markup=False, highlight=False, soft_wrap=True)
        else:
            sys.stdout.write(line + "\n")
            sys.stdout.flush()

    def __rich__(self) -> RenderableType:
        """The panel: rep count, phase, trunk angle, the last rep and its cues, the sensors."""
        from rich.console import Group
        from rich.panel import Panel
        from rich.table import Table
        from rich.text import Text

        s = self._last
        count = Text(block_number(0 if s is None else s.rep_count), style="bold")
        phase = "waiting" if s is None else s.phase
        angle = "-" if s is None or s.trunk_flexion_deg is None else f"{s.trunk_flexion_deg:.0f}°"
        now = Text.assemble(
            (phase.upper(), PHASE_STYLES.get(phase, "bold yellow")),
            "\n\n",
            ("trunk ", "dim"),
            (angle, "bold"),
        )
        top = Table.grid(padding=(0, 4))
        top.add_row(count, Text("reps", style="dim"), now)
        parts: list[RenderableType] = [top, Text("")]
        if self.note:
            parts += [Text(self.note, style="bold"), Text("")]
        rep = self._last_rep
        if rep is not None:
            ok = {None: ("", ""), True: ("on target", "bold green"), False: ("OFF target", "bold red")}
            words, style = ok[rep.tempo_ok]
            parts.append(Text.assemble(f"rep {rep.index}  ", (words, style)))
            parts.append(Text(rep_line(rep, self.exercise, self._spine_measured).split(": ", 1)[1]))
            parts += [Text(cue, style="bold yellow") for cue in cue_texts(rep.cues, self.exercise)]
        parts += [Text(line, style="dim") for line in self._sensors.values()]
        title = f"imuhinge record - {self.exercise.value}"
        return Panel(Group(*parts), title=title, subtitle=self.target, border_style="blue")
