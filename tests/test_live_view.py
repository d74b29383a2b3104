"""``imuhinge record``'s live view: the panel on a terminal, plain lines elsewhere, and verdicts that
change when a rep's top pause becomes known (with the next rep) said as they change, as replay says."""

import re

import pytest
from conftest import hand_rep
from rich.console import Console
from test_cli_folder import ANSI, on_terminal

from imuhinge.analysis.live import LiveStatus
from imuhinge.cli import main
from imuhinge.cli.live_view import LiveView, block_number
from imuhinge.coaching.cues import Cue, CueCode
from imuhinge.model import Exercise, Phase


def test_block_digits_are_five_rows_of_three_columns_each():
    rows = block_number(10).split("\n")
    assert rows == [" █  ███", "██  █ █", " █  █ █", " █  █ █", "███ ███"]


def test_the_panel_shows_count_phase_angle_last_rep_and_its_cues():
    view = LiveView(True, False, Exercise.RDL, "3-1-2: 3 seconds down")
    rep = hand_rep(
        index=3, ecc=1.6, tempo_ok=False, cues=[Cue(CueCode.PHASE_TOO_SHORT, 1.6, 3.0, Phase.ECCENTRIC)]
    )
    view.live(LiveStatus(12.0, 42.4, "lowering", 3, [], True))
    view._last_rep = rep
    console = Console(record=True, width=80, force_terminal=True, color_system=None)
    console.print(view)
    text = console.export_text()
    assert "LOWERING" in text and "trunk 42°" in text and "rep 3  OFF target" in text
    assert "rushed the descent: 1.6 s down, target 3 s" in text
    assert "███" in text and "reps" in text and "3-1-2: 3 seconds down" in text


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    """A set recorded live from an emulated sensor: target with a 3 s top pause, the lifter pauses 1 s."""
    folder = tmp_path_factory.mktemp("live")
    args = [
        "record",
        "--simulate",
        "--speed",
        "20",
        "--reps",
        "3",
        "--tempo",
        "3-1-2-3",
        "--lifter-tempo",
        "3-1-2-1",
    ]
    return folder, [*args, "--out", str(folder / "set.csv")]


@pytest.mark.slow
def test_top_pause_verdicts_live_as_replay_gives_them(recorded, capsys):
    _, args = recorded
    assert main(args) == 0
    out = capsys.readouterr().out
    revised = [line for line in out.splitlines() if "after its pause at the top" in line]
    cue = "pause at the top too short: 1.0 s, target 3 s"
    assert revised == [f"rep {i} (after its pause at the top, 1.0 s), OFF target | {cue}" for i in (1, 2)]
    table = out[out.index(" rep   down") :].splitlines()[1:4]
    assert [row.split()[8] for row in table] == ["NO", "NO", "ok"]  # the last rep has no top pause


@pytest.mark.slow
def test_the_panel_on_a_terminal_and_no_colour_with_no_color(recorded, tmp_path):
    _, args = recorded
    args = [*args[:-1], str(tmp_path / "tty.csv")]
    drawn = on_terminal(args, tmp_path)
    plain = ANSI.sub("", drawn)
    assert "imuhinge record - rdl" in plain and "reps" in plain and "███" in plain
    assert re.search(r"\x1b\[\d*A", drawn), "the panel is redrawn in place"
    assert "\x1b[1;3" in drawn or "\x1b[3" in drawn, "colour on a terminal"
    assert "rep 1 (after its pause at the top, 1.0 s), OFF target" in plain
    no_color = on_terminal([*args[:-1], str(tmp_path / "nc.csv")], tmp_path, NO_COLOR="1")
    assert not re.search(r"\x1b\[(?:\d+;)*(3\d|9\d)m", no_color)
    assert (tmp_path / "tty.csv").exists()


@pytest.mark.slow
def test_a_hold_is_judged_live_against_the_hold_time_asked_for(tmp_path, capsys):
    out_path = tmp_path / "hold.csv"
    args = [
        "record",
        "--simulate",
        "--speed",
        "20",
        "--exercise",
        "hinge_hold",
        "--reps",
        "2",
        "--hold-s",
        "12",
    ]
    assert main([*args, "--out", str(out_path)]) == 0
    out = capsys.readouterr().out
    live = [line for line in out.splitlines() if line.startswith("rep ")]
    assert len(live) == 2 and all("OFF target" in line and "target at most 12 s" in line for line in live)
    table = out[out.index(" rep   down") :].splitlines()[1:3]
    assert [row.split()[8] for row in table] == ["NO", "NO"]
