"""Rep-quality plots: what the figures show, checked on the Figure objects and on the rendered pixels."""

import xml.etree.ElementTree as ET

import matplotlib.image as mpimg
import numpy as np
import pytest
from conftest import sim_set
from matplotlib.colors import to_rgba
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from imuhinge.analysis.replay import analyze
from imuhinge.cli import main
from imuhinge.errors import AnalysisError, InputError
from imuhinge.io import save_recording
from imuhinge.model import Tempo
from imuhinge.report.plots import (
    FLAG_COLOR,
    PHASE_COLORS,
    phase_spans,
    plot_dashboard,
    plot_depth_spine,
    plot_overlay,
    plot_tempo,
    plot_timeline,
    rep_flagged,
    save_figure,
)

TWO = ("upper_back", "sacrum")


@pytest.fixture(scope="module")
def flagged():
    """Two sensors, rep 4 rounds the lower back."""
    return analyze(sim_set(reps=5, sensors=TWO, rounded_reps={4: 20.0}, seed=1).recording)


@pytest.fixture(scope="module")
def clean():
    """Two sensors, every rep on target."""
    return analyze(sim_set(reps=5, sensors=TWO, seed=1).recording)


@pytest.fixture(scope="module")
def one_sensor():
    return analyze(sim_set(reps=4, sensors=("upper_back",), seed=2).recording)


@pytest.fixture(scope="module")
def rushed():
    """The lifter moves 2-1-2 against a 3-1-2 target: every descent is rushed."""
    return analyze(sim_set(reps=4, sensors=TWO, tempo="2-1-2", seed=3).recording, tempo="3-1-2")


@pytest.fixture(scope="module")
def no_reps():
    return analyze(sim_set(reps=1, depth_deg=10.0, seed=4).recording)


def by_gid(ax, prefix, kind=object):
    artists = [*ax.patches, *ax.lines, *ax.texts, *ax.collections]
    return [a for a in artists if isinstance(a, kind) and (a.get_gid() or "").startswith(prefix)]


def red_mask(rgba):
    return (rgba[..., 0] > 0.7) & (rgba[..., 1] < 0.3) & (rgba[..., 2] < 0.3)


def render(fig, tmp_path, name="fig.png"):
    path = tmp_path / name
    save_figure(fig, path)
    return mpimg.imread(path)


def test_timeline_shows_phases_rep_numbers_and_lumbar(flagged):
    fig = plot_timeline(flagged)
    (ax,) = fig.axes
    spans = by_gid(ax, "phase-", Rectangle)
    measured = sum(r.phase_s(p) is not None for r in flagged.reps for p in Tempo.PHASES)
    assert measured == 4 * flagged.rep_count - 1  # no top pause after the last rep
    assert len(spans) == measured
    for phase in Tempo.PHASES:
        color = to_rgba(PHASE_COLORS[phase], 0.3)
        assert all(s.get_facecolor() == pytest.approx(color) for s in by_gid(ax, f"phase-{phase}-"))
    first = flagged.reps[0]
    ecc = by_gid(ax, "phase-eccentric-1")[0]
    assert ecc.get_x() == pytest.approx(first.lower_onset_s)
    assert ecc.get_width() == pytest.approx(first.eccentric_s)
    labels = by_gid(ax, "rep-label-")
    assert [t.get_text() for t in labels] == [str(i) for i in range(1, flagged.rep_count + 1)]
    assert "°" in ax.get_ylabel() and "time" in ax.get_xlabel()
    assert ax.get_xlim() == pytest.approx((flagged.time_s[0], flagged.time_s[-1]))
    assert len(by_gid(ax, "trunk", Line2D)) == 1
    assert len(by_gid(ax, "lumbar", Line2D)) == 1
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert {"eccentric (down)", "bottom pause", "concentric (up)", "top pause", "flagged rep"} <= set(legend)


def test_timeline_marks_only_flagged_reps_in_red(flagged, clean):
    assert [r.index for r in flagged.reps if rep_flagged(r)] == [4]
    ax = plot_timeline(flagged).axes[0]
    assert [a.get_gid() for a in by_gid(ax, "flag-")] == ["flag-4"]
    colors = {t.get_text(): to_rgba(t.get_color()) for t in by_gid(ax, "rep-label-")}
    assert colors["4"] == to_rgba(FLAG_COLOR)
    assert all(c != to_rgba(FLAG_COLOR) for k, c in colors.items() if k != "4")
    assert not by_gid(plot_timeline(clean).axes[0], "flag-")


def test_timeline_png_has_red_exactly_where_the_flagged_rep_is(flagged, clean, tmp_path):
    fig = plot_timeline(flagged)
    img = render(fig, tmp_path)
    assert img.shape[0] == int(fig.get_figheight() * fig.dpi)
    non_white = (img[..., :3] < 0.95).any(axis=2).mean()
    assert non_white > 0.1  # not blank
    ax = fig.axes[0]
    bbox = ax.get_window_extent()
    height = img.shape[0]
    rows = slice(int(height - bbox.y1), int(height - bbox.y0))
    cols = slice(int(bbox.x0), int(bbox.x1))
    inside = red_mask(img[rows, cols])
    assert inside.sum() > 200
    rep4 = flagged.reps[3]
    x0 = ax.transData.transform((rep4.start_s, 0))[0] - bbox.x0
    x1 = ax.transData.transform((rep4.end_s, 0))[0] - bbox.x0
    red_cols = np.nonzero(inside.any(axis=0))[0]
    assert red_cols.min() >= x0 - 3 and red_cols.max() <= x1 + 3
    assert red_mask(render(plot_timeline(clean), tmp_path, "clean.png")).sum() == 0


def test_one_sensor_has_no_lumbar_line_and_says_so(one_sensor):
    ax = plot_timeline(one_sensor).axes[0]
    assert not by_gid(ax, "lumbar", Line2D)
    spine_ax = plot_depth_spine(one_sensor).axes[1]
    (note,) = by_gid(spine_ax, "lumbar-not-measured")
    assert note.get_text() == "lumbar not measured\n(needs sacrum sensor)"
    assert not spine_ax.patches


def test_tempo_bars_against_target(rushed):
    fig = plot_tempo(rushed)
    (ax,) = fig.axes
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert ticks == ["target", *[str(r.index) for r in rushed.reps]]
    assert all(t.get_color() == FLAG_COLOR for t in ax.get_yticklabels()[1:])
    assert "3-1-2" in ax.get_title()
    for rep in rushed.reps:
        bars = {
            b.get_gid().split("-")[1]: b
            for b in by_gid(ax, "tempo-")
            if b.get_gid().endswith(f"-{rep.index}")
        }
        assert bars["eccentric"].get_width() == pytest.approx(rep.eccentric_s)
        assert bars["bottom"].get_x() == pytest.approx(rep.eccentric_s)
        assert to_rgba(bars["eccentric"].get_edgecolor()) == to_rgba(FLAG_COLOR)  # missed phase
        assert to_rgba(bars["concentric"].get_edgecolor()) != to_rgba(FLAG_COLOR)
    # Target row: 3 s down, 1 s pause, 2 s up stacked from 0; top pause has no target.
    target = sorted((p for p in ax.patches if p.get_y() < 0.5 and p.get_fill()), key=lambda p: p.get_x())
    assert [v for p in target for v in (p.get_x(), p.get_width())] == pytest.approx([0, 3, 3, 1, 4, 2])


def test_depth_and_spine_bars(flagged):
    depth_ax, spine_ax = plot_depth_spine(flagged).axes
    heights = [p.get_height() for p in depth_ax.patches if p.get_gid() == "depth"]
    assert heights == pytest.approx([r.peak_trunk_flexion_deg for r in flagged.reps])
    median = float(np.median(heights))
    median_lines = [ln for ln in depth_ax.lines if ln.get_linestyle() == "--"]
    assert median_lines[0].get_ydata()[0] == pytest.approx(median)
    assert any(f"median {median:.0f}°" in t.get_text() for t in depth_ax.get_legend().get_texts())
    band = depth_ax.patches[0]  # the consistency band is drawn first, behind the bars
    assert band.get_gid() != "depth"
    lumbar = [p for p in spine_ax.patches if p.get_gid() == "lumbar-peaks"]
    assert [p.get_height() for p in lumbar] == pytest.approx(
        [r.peak_lumbar_flexion_deg for r in flagged.reps]
    )
    red = [i + 1 for i, p in enumerate(lumbar) if to_rgba(p.get_facecolor()) == to_rgba(FLAG_COLOR)]
    assert red == [4]
    limit = [ln for ln in spine_ax.lines if ln.get_linestyle() == "--"]
    assert limit[0].get_ydata()[0] == pytest.approx(10.0)
    assert "°" in spine_ax.get_ylabel()


def test_overlay_one_curve_per_rep_on_percent_axis(flagged):
    (ax,) = plot_overlay(flagged).axes
    curves = by_gid(ax, "overlay-", Line2D)
    assert len(curves) == flagged.rep_count + 1  # and the mean
    assert ax.get_xlim() == (0, 100) and "%" in ax.get_xlabel()
    rep4 = next(c for c in curves if c.get_gid() == "overlay-4")
    assert to_rgba(rep4.get_color()) == to_rgba(FLAG_COLOR)
    x, y = rep4.get_data()
    assert x[0] == 0 and x[-1] == 100
    assert y.max() == pytest.approx(flagged.reps[3].peak_trunk_flexion_deg, abs=1.0)


def test_dashboard_combines_all_panels(flagged, tmp_path):
    fig = plot_dashboard(flagged)
    assert len(fig.axes) == 6
    assert fig.get_suptitle().startswith("rdl")
    img = render(fig, tmp_path)
    assert (img[..., :3] < 0.95).any(axis=2).mean() > 0.1


def test_deadlift_phases_in_time_order():
    report = analyze(sim_set(reps=4, exercise="deadlift", sensors=TWO, seed=3).recording)
    rep = report.reps[0]
    assert [p for p, _, _ in phase_spans(rep)] == ["concentric", "top", "eccentric", "bottom"]
    assert len(by_gid(plot_timeline(report).axes[0], "phase-", Rectangle)) == 4 * report.rep_count - 1


def test_save_by_extension(flagged, tmp_path):
    fig = plot_tempo(flagged)
    for ext in ("png", "svg", "pdf"):
        save_figure(fig, tmp_path / f"t.{ext}")
    assert mpimg.imread(tmp_path / "t.png").ndim == 3
    root = ET.parse(tmp_path / "t.svg").getroot()
    assert root.tag.endswith("svg")
    pdf = (tmp_path / "t.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and pdf.rstrip().endswith(b"%%EOF")
    with pytest.raises(InputError, match=r"unknown figure format '\.jpg'"):
        save_figure(fig, tmp_path / "t.jpg")
    with pytest.raises(InputError, match="cannot write"):
        save_figure(fig, tmp_path / "missing_dir" / "t.png")


def test_no_reps(no_reps, tmp_path):
    assert no_reps.rep_count == 0
    for plot in (plot_tempo, plot_depth_spine, plot_overlay, plot_dashboard):
        with pytest.raises(AnalysisError, match="no full reps"):
            plot(no_reps)
    ax = plot_timeline(no_reps).axes[0]
    assert not by_gid(ax, "phase-") and not by_gid(ax, "rep-label-")
    assert any(t.get_text() == "no full reps found" for t in ax.texts)


# --- imuhinge plot --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def recording_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("recordings")
    files = {}
    for name, kwargs in {
        "set": dict(reps=4, sensors=TWO, rounded_reps={2: 20.0}, seed=1),
        "flat": dict(reps=1, depth_deg=10.0, seed=4),
    }.items():
        files[name] = folder / f"{name}.csv"
        save_recording(sim_set(**kwargs).recording, files[name])
    return files


def run_cli(capsys, *argv):
    status = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.parametrize(
    ("kind", "ext", "axes"), [("dashboard", "png", 5), ("tempo", "svg", 1), ("depth", "pdf", 2)]
)
def test_cli_plot(recording_files, tmp_path, capsys, kind, ext, axes):
    out = tmp_path / f"fig.{ext}"
    status, stdout, err = run_cli(capsys, "plot", recording_files["set"], "-o", out, "--kind", kind)
    assert status == 0, err
    assert stdout == f"wrote {out}\n"
    data = out.read_bytes()
    assert data[:4] in (b"\x89PNG", b"%PDF") or ET.fromstring(data).tag.endswith("svg")
    if ext == "svg":
        gids = {el.get("id") for el in ET.fromstring(data).iter()}
        assert {f"tempo-eccentric-{i}" for i in range(1, 5)} <= gids


def test_cli_plot_default_is_dashboard(recording_files, tmp_path, capsys):
    out = tmp_path / "d.png"
    assert run_cli(capsys, "plot", recording_files["set"], "-o", out)[0] == 0
    assert mpimg.imread(out).shape[:2] == (1500, 1400)


@pytest.mark.parametrize(
    ("output", "message"),
    [
        (
            "/nonexistent_dir/x.png",
            "/nonexistent_dir/x.png: cannot write: the folder /nonexistent_dir does not exist",
        ),
        ("{tmp}/x.jpg", "unknown figure format '.jpg'"),
        ("{tmp}", "unknown figure format '(no extension)'"),
    ],
)
def test_cli_plot_bad_output(recording_files, tmp_path, capsys, output, message):
    status, stdout, err = run_cli(capsys, "plot", recording_files["set"], "-o", output.format(tmp=tmp_path))
    assert status == 2 and stdout == ""
    assert err.count("\n") == 1 and err.startswith("imuhinge plot: error: ") and message in err
    assert list(tmp_path.iterdir()) == []


def test_cli_plot_no_reps(recording_files, tmp_path, capsys):
    status, _, err = run_cli(capsys, "plot", recording_files["flat"], "-o", tmp_path / "x.png")
    assert status == 2 and err.count("\n") == 1
    assert "no full reps found: nothing to plot for --kind dashboard" in err
    assert not (tmp_path / "x.png").exists()
    status, _, err = run_cli(
        capsys, "plot", recording_files["flat"], "-o", tmp_path / "t.png", "--kind", "timeline"
    )
    assert status == 0, err
    assert mpimg.imread(tmp_path / "t.png").ndim == 3


def test_cli_plot_missing_input(tmp_path, capsys):
    status, _, err = run_cli(capsys, "plot", tmp_path / "nope.csv", "-o", tmp_path / "x.png")
    assert status == 2 and err.count("\n") == 1 and "nope.csv" in err
